"""Load TeleGeography's submarine cables (``datasets/submarine-cables``) into DuckDB.

Inputs: ``cables.csv``, ``cable_owners.csv``, ``landing_points.csv``,
``cable_routes.geojson``, each value checked. The source is non-commercial
(CC BY-NC-SA 3.0): with the setting ``include_noncommercial = false`` nothing is read and
the core tables below are written empty.

Outputs:

- ``raw_cables__<file>``: every input row as read (text), with its row number;
- ``core_cables__systems``: one row per cable (asset id ``cable:<cable_id>``) with its
  ready-for-service year, status as of the June 2021 snapshot, length, a point half-way
  along its route, licence;
- ``core_cables__owner_mentions``: one row per owner named for a cable (an owner field
  naming several owners is split, with a warning), the name as written;
- ``core_cables__landing_points``: one row per landing station (asset id
  ``landing:<landing_point_id>``), position, country, number of cables;
- ``core_cables__landings``: the *lands at* relation, cable → landing station.
  TeleGeography does not say who owns or operates a landing station: a station is
  exposed only through the cables that land there, never through a made-up share;
- ``core_cables__routes``: each route as WKT.

Problems (file, row, reason; rows kept unless said): owner fields naming several owners,
owner fields that disagree with the long owner table, blank owner names (row rejected),
unknown country codes, bad coordinates (row rejected), landing points placed away from
their country, landing sites still to be decided, cables without a ready-for-service year.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from ... import db
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from ...collector import paused
from .._load import raw_copy, read_rows, routes, verify
from .._setops import write_records
from ..naturalearth.positions import warn_outside_country
from ...validate import check_country, check_lat_lon
from . import SOURCE_ID
#: the snapshot's date: cables ready for service later were planned then
SNAPSHOT = (2021, 6)
_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"], start=1)}
#: separators that may join several owners in one owner entry (split only when every part is a known owner)
_JOINERS = re.compile(r"\s*(?:,|;|/| and | & )\s*")

SYSTEM_COLS = ["cable_id", "asset_id", "name", "rfs", "rfs_year", "length_km", "n_owners", "url", "notes", "status",
               "status_group", "is_planned", "latitude", "longitude", "licence", "is_noncommercial", "origin_file",
               "origin_row"]
MENTION_COLS = ["cable_id", "asset_id", "owner_name", "owner_as_written", "part", "n_parts", "origin_file",
                "origin_row"]
LANDING_COLS = ["landing_point_id", "asset_id", "name", "country_code", "country_name", "latitude", "longitude",
                "is_tbd", "n_cables", "licence", "is_noncommercial", "origin_file", "origin_row"]
LANDS_COLS = ["cable_asset_id", "landing_asset_id", "cable_id", "landing_point_id", "origin_file", "origin_row"]
ROUTE_COLS = ["asset_id", "geometry_wkt", "n_vertices"]


def cable_status(rfs: str, year: int | None) -> tuple[str, str, bool]:
    """(status, status group, is planned) of a cable as of the June 2021 snapshot.

    Examples
    --------
    >>> cable_status("2023 Q4", 2023), cable_status("2021 March", 2021), cable_status("", None)
    (('planned', 'in development', True), ('operating', 'operating', False), ('unknown', 'unknown', False))
    """
    if year is None:
        return "unknown", "unknown", False
    month = 12
    words = rfs.lower().split()
    for w in words:
        if w in _MONTHS:
            month = _MONTHS[w]
        elif re.fullmatch(r"q[1-4]", w):
            month = 3 * int(w[1])
    if (year, month) <= SNAPSHOT or year < SNAPSHOT[0]:
        return "operating", "operating", False
    return "planned", "in development", True


def split_owner(owner: str, known: set[str]) -> list[str]:
    """Split an owner entry that names several owners (``"Telstra and PCCW"``).

    Only when every part is itself an owner named elsewhere in the source, so names such as
    ``AT&T`` or ``Latvia State Radio and Television Centre`` stay whole.

    Examples
    --------
    >>> split_owner("Telstra and PCCW", {"Telstra", "PCCW"}), split_owner("AT&T", {"AT&T", "AT"})
    (['Telstra', 'PCCW'], ['AT&T'])
    """
    parts = [p for p in _JOINERS.split(owner.strip()) if p]
    if len(parts) > 1 and all(p in known for p in parts):
        return parts
    return [owner.strip()]


def empty_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The core tables with their columns and no rows (the source is left out of the build)."""
    from .._load import frame
    for table, cols in (("core_cables__systems", SYSTEM_COLS), ("core_cables__owner_mentions", MENTION_COLS),
                        ("core_cables__landing_points", LANDING_COLS), ("core_cables__landings", LANDS_COLS),
                        ("core_cables__routes", ROUTE_COLS)):
        db.write_frame(con, table, _typed(frame([], cols)))


#: the pandas type of each typed column (any other column: text)
_TYPES = {"rfs_year": "Int64", "length_km": "float64", "n_owners": "int64", "latitude": "float64",
          "longitude": "float64", "is_planned": "bool", "is_noncommercial": "bool", "is_tbd": "bool",
          "n_cables": "int64", "part": "int64", "n_parts": "int64", "origin_row": "int64", "n_vertices": "int64"}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c, t in _TYPES.items():
        if c in df.columns:
            df[c] = df[c].astype(t)
    for c in df.columns:
        if c not in _TYPES:
            df[c] = df[c].astype("string") if df.empty else df[c]
    return df


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Load ``datasets/submarine-cables`` (or write empty tables when it is left out)."""
    folder = settings.datasets_dir / SOURCE_ID
    if not settings.include_noncommercial or not (folder / "manifest.toml").exists():
        empty_tables(con)
        return
    m = verify(folder)
    rel = lambda name: f"{SOURCE_ID}/{name}"  # noqa: E731
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    for name, table in (("cables.csv", "raw_cables__cables"), ("cable_owners.csv", "raw_cables__cable_owners"),
                        ("landing_points.csv", "raw_cables__landing_points")):
        raw_copy(con, folder, name, table)

    # ---- cables
    f = rel("cables.csv")
    licence = m.licence_of("cables.csv")[0]
    cables, seen = [], set()
    rows = read_rows(folder / "cables.csv", ["source_row", "cable_id", "cable_numeric_id", "name", "rfs", "rfs_year",
                                             "length", "length_km", "n_owners", "owners", "n_landing_points", "url",
                                             "notes"])
    route_df = routes(folder / "cable_routes.geojson", "cable_id").set_index("cable_id")
    mids = dict(zip(route_df.index, zip(route_df["mid_latitude"].tolist(), route_df["mid_longitude"].tolist())))
    for i, r in enumerate(rows, start=1):
        cid = r["cable_id"].strip()
        if not cid or cid in seen:
            log.add(f, i, "cable_id", "duplicate_id" if cid else "required", ERROR,
                    "cable id missing or repeated; row rejected", cid)
            continue
        if cid not in mids:
            log.add(f, i, "cable_id", "no_route", ERROR, "cable has no route in cable_routes.geojson; row rejected",
                    cid)
            continue
        year = None
        try:
            year = int(float(r["rfs_year"])) if r["rfs_year"].strip() else None
        except ValueError:
            log.add(f, i, "rfs_year", "number", WARNING, "ready-for-service year is not a number; status unknown",
                    r["rfs_year"])
        if year is None and not r["rfs_year"].strip():
            log.add(f, i, "rfs_year", "required", WARNING, "no ready-for-service year; status unknown", r["rfs"])
        try:
            length = float(r["length_km"]) if r["length_km"].strip() else None
        except ValueError:
            log.add(f, i, "length_km", "number", WARNING, "length is not a number; left blank", r["length_km"])
            length = None
        status, group, planned = cable_status(r["rfs"], year)
        mid_lat, mid_lon = mids[cid]
        seen.add(cid)
        cables.append({"cable_id": cid, "asset_id": f"cable:{cid}", "name": r["name"].strip() or cid,
                       "rfs": r["rfs"] or None, "rfs_year": year, "length_km": length,
                       "n_owners": int(r["n_owners"] or 0), "url": r["url"] or None, "notes": r["notes"] or None,
                       "status": status, "status_group": group, "is_planned": planned,
                       "latitude": mid_lat, "longitude": mid_lon,
                       "licence": licence, "is_noncommercial": m.is_noncommercial, "origin_file": f,
                       "origin_row": int(r["source_row"])})
    log.count(f, len(rows), len(cables))
    owners_field = {r["cable_id"]: r["owners"] for r in rows}

    # ---- owners
    f = rel("cable_owners.csv")
    orows = read_rows(folder / "cable_owners.csv", ["source_row", "cable_id", "cable_name", "owner"])
    known_names = {r["owner"].strip() for r in orows}
    mentions, loaded, by_cable = [], 0, {}
    for i, r in enumerate(orows, start=1):
        cid = r["cable_id"]
        if cid not in seen:
            log.add(f, i, "cable_id", "unknown_key", ERROR, "owner row of an unknown or rejected cable; row rejected",
                    cid)
            continue
        if not r["owner"].strip():
            log.add(f, i, "owner", "required", ERROR, "blank owner name; row rejected")
            continue
        parts = split_owner(r["owner"], known_names)
        if len(parts) > 1:
            log.add(f, i, "owner", "several_owners", WARNING,
                    f"one owner entry names {len(parts)} owners; split into {', '.join(parts)}", r["owner"])
        by_cable.setdefault(cid, []).append(r["owner"])
        for k, p in enumerate(parts, start=1):
            mentions.append({"cable_id": cid, "asset_id": f"cable:{cid}", "owner_name": p,
                             "owner_as_written": r["owner"], "part": k, "n_parts": len(parts), "origin_file": f,
                             "origin_row": int(r["source_row"])})
        loaded += 1
    log.count(f, len(orows), loaded)
    for i, r in enumerate(rows, start=1):
        field = [x for x in r["owners"].split("; ")] if r["owners"] else []
        if r["cable_id"] in seen and field != by_cable.get(r["cable_id"], []):
            log.add(rel("cables.csv"), i, "owners", "owners_disagree", WARNING,
                    "the owners field names other owners than cable_owners.csv; cable_owners.csv is used",
                    owners_field[r["cable_id"]])

    # ---- landing points
    f = rel("landing_points.csv")
    lrows = read_rows(folder / "landing_points.csv", ["source_row", "cable_id", "landing_point_id",
                                                      "landing_point_numeric_id", "landing_point_name",
                                                      "country_name", "iso_a2", "latitude", "longitude", "is_tbd"])
    stations: dict[str, dict] = {}
    lands, loaded = [], 0
    for i, r in enumerate(lrows, start=1):
        lid = r["landing_point_id"].strip()
        if r["cable_id"] not in seen:
            log.add(f, i, "cable_id", "unknown_key", ERROR, "landing row of an unknown or rejected cable; row rejected",
                    r["cable_id"])
            continue
        try:
            lat, lon = check_lat_lon(r["latitude"], r["longitude"])
        except ValueError as e:
            log.add(f, i, "latitude", "coordinates", ERROR, f"{e}; row rejected", f"{r['latitude']},{r['longitude']}")
            continue
        if not lid:
            log.add(f, i, "landing_point_id", "required", ERROR, "no landing point id; row rejected")
            continue
        st = stations.get(lid)
        if st is None:
            try:
                cc = check_country(r["iso_a2"], countries)
            except ValueError as e:
                log.add(f, i, "iso_a2", "country_code", WARNING, f"{e}; country unknown", r["iso_a2"])
                cc = None
            if cc is None and not r["iso_a2"].strip():
                log.add(f, i, "iso_a2", "country_code", WARNING, "no country code; country unknown", r["country_name"])
            tbd = r["is_tbd"].strip().lower() == "true"
            if tbd:
                log.add(f, i, "is_tbd", "site_to_be_decided", WARNING,
                        "TeleGeography marks the landing site as to be decided; shown at its placeholder position",
                        r["landing_point_name"])
            st = stations[lid] = {"landing_point_id": lid, "asset_id": f"landing:{lid}",
                                  "name": r["landing_point_name"].strip() or lid, "country_code": cc,
                                  "country_name": r["country_name"] or None, "latitude": lat, "longitude": lon,
                                  "is_tbd": tbd, "n_cables": 0, "licence": m.licence_of("landing_points.csv")[0],
                                  "is_noncommercial": m.is_noncommercial, "origin_file": f,
                                  "origin_row": int(r["source_row"])}
        elif max(abs(st["latitude"] - lat), abs(st["longitude"] - lon)) > 0.01:
            log.add(f, i, "latitude", "position_disagrees", WARNING,
                    f"this cable's row places the landing point {max(abs(st['latitude'] - lat), abs(st['longitude'] - lon)):.3f}"
                    " degrees from its first row; the first row's position is used", f"{lat},{lon}")
        st["n_cables"] += 1
        lands.append({"cable_asset_id": f"cable:{r['cable_id']}", "landing_asset_id": st["asset_id"],
                      "cable_id": r["cable_id"], "landing_point_id": lid, "origin_file": f,
                      "origin_row": int(r["source_row"])})
        loaded += 1
    log.count(f, len(lrows), loaded)
    st_df = _typed(pd.DataFrame(list(stations.values()), columns=LANDING_COLS))
    warn_outside_country(con, log, st_df, f, "the landing point")

    rt = route_df.reset_index()
    rt = rt[np.array([c in seen for c in rt["cable_id"].tolist()], dtype=bool)].assign(asset_id=lambda d: "cable:" + d["cable_id"])[ROUTE_COLS]
    log.count(rel("cable_routes.geojson"), len(route_df), len(rt))
    write_records(con, "core_cables__systems", cables, SYSTEM_COLS, _TYPES, ["cable_id"])
    write_records(con, "core_cables__owner_mentions", mentions, MENTION_COLS, _TYPES,
                  ["cable_id", "origin_row", "part"])
    db.write_frame(con, "core_cables__landing_points", st_df, order_by=["landing_point_id"])
    write_records(con, "core_cables__landings", lands, LANDS_COLS, _TYPES,
                  ["cable_id", "landing_point_id", "origin_row"])
    db.write_frame(con, "core_cables__routes", _typed(rt.reset_index(drop=True)), order_by=["asset_id"])
