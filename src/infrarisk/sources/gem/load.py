"""Load Global Energy Monitor's Europe Gas Tracker (``datasets/gem-europe-gas``) into DuckDB.

Inputs: ``assets.csv``, ``stakes.csv``, ``pipelines.geojson``, each value checked against
``vocab/gem_types.csv`` and ``vocab/gem_statuses.csv`` and the country list.

Outputs:

- ``raw_gem__assets``, ``raw_gem__stakes``: every input row as read (text), with its row number;
- ``core_gem__assets``: one row per asset (asset id ``gem:<GEM asset id>``) with type,
  status (GEM's, with a group: operating / in development / inactive — the filterable
  attribute), country (the first GEM lists) and every country it lies in, capacity,
  position (a point on the route for pipelines), GEM.wiki page, licence;
- ``core_gem__asset_countries``: asset → each country it lies in (pipelines crossing
  several countries count for each);
- ``core_gem__stakes``: one row per owner or parent entry with its share as a fraction
  (None where GEM gives none or writes it as text), whether it is counted, and why not;
- ``core_gem__routes``: pipeline routes as WKT.

Counting (GEM's parent field is a look-through share of the asset, the owner field the direct
owners; adding both would count an asset twice, DESIGN §5): the parent rows of an asset count
when it has a named parent; otherwise its owner rows. The others are kept as context.

Problems (file, row, reason; rows kept unless said): unknown type or status, missing or bad
coordinates of a point asset (row rejected), start years that are no year (GEM's export
truncates some: "2" for Nord Stream; "2027 (expected)" is read as 2027), unknown country codes, assets in several
countries, points away from their stated country (extraction areas offshore get a wider
tolerance: Natural Earth has land polygons, not economic zones), stakes given as text
("unknown %"), stakes outside 0–100% (row rejected), an entity named twice in one field,
stated shares of one asset adding up to more than 100%.
"""

from __future__ import annotations

import re
from operator import itemgetter

import duckdb
import numpy as np
import pandas as pd

from ... import db, vocab
from ...match import is_placeholder
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from ...collector import paused
from .._load import raw_copy, read_rows, routes, verify
from .._setops import write_records
from ..naturalearth.positions import warn_outside_country
from ...validate import check_lat_lon, parse_share_pct
from . import SOURCE_ID
#: planar degrees a point may lie from its country: coastal plants and terminals vs offshore fields
TOLERANCE_DEG = {"gas_extraction_area": 3.0}
DEFAULT_TOLERANCE_DEG = 0.1
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0)?(?:\s*\((?i:expected)\))?\s*$")
ASSET_COLS = ["gem_asset_id", "asset_id", "name", "project", "unit", "asset_type", "asset_class", "geometry_kind",
              "status", "status_raw", "status_tabular", "status_group", "is_planned", "country_code", "country_codes",
              "n_countries", "latitude", "longitude", "position_precision", "capacity", "capacity_unit", "production",
              "start_year", "detail_url", "is_pci", "licence", "is_noncommercial", "origin_file", "origin_row"]
COUNTRY_COLS = ["asset_id", "country_code", "position"]
STAKE_COLS = ["asset_id", "gem_asset_id", "level", "position", "entity_name", "entity_as_written", "share_text",
              "share_fraction", "is_share_stated", "is_counted", "not_counted_reason", "detail_url", "licence",
              "origin_file", "origin_row"]
ROUTE_COLS = ["asset_id", "geometry_wkt", "n_vertices"]
_RAW_ASSET = ["source_row", "asset_id", "project", "unit", "type", "owner", "parent", "countries", "status_tabular",
              "start_year", "capacity", "production", "units", "geom", "latitude", "longitude", "url", "pci5", "pci6",
              "status", "iso_a2_list"]
_RAW_STAKE = ["asset_id", "level", "position", "entity_as_written", "entity_name", "share_text"]
_TYPES = {"latitude": "float64", "longitude": "float64", "capacity": "float64", "start_year": "Int64",
          "is_planned": "bool", "is_pci": "bool", "is_noncommercial": "bool", "n_countries": "int64",
          "origin_row": "int64", "position": "int64", "share_fraction": "float64", "is_share_stated": "bool",
          "is_counted": "bool", "n_vertices": "int64"}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if c in _TYPES:
            df[c] = df[c].astype(_TYPES[c])
        elif df.empty:
            df[c] = df[c].astype("string")
    return df


def share_of(text: str) -> tuple[float | None, bool]:
    """(fraction, stated) of a GEM share suffix: ``'12.50%'`` → (0.125, True); text such as
    ``'unknown %'`` → (None, True); no suffix → (None, False). ValueError outside 0–100%.

    Examples
    --------
    >>> share_of("12.50%"), share_of("unknown %"), share_of("")
    ((0.125, True), (None, True), (None, False))
    """
    t = text.strip()
    if not t:
        return None, False
    try:
        return parse_share_pct(t), True
    except ValueError as e:
        if str(e) == "stake is not a number" or "finite" in str(e):
            return None, True
        raise


def empty_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, cols in (("core_gem__assets", ASSET_COLS), ("core_gem__asset_countries", COUNTRY_COLS),
                        ("core_gem__stakes", STAKE_COLS), ("core_gem__routes", ROUTE_COLS)):
        db.write_frame(con, table, _typed(pd.DataFrame(columns=cols)))


def _asset_name(project: str, unit: str) -> str:
    project, unit = project.strip(), unit.strip()
    return f"{project} – {unit}" if unit and unit.lower() not in project.lower() else project


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Load ``datasets/gem-europe-gas`` (empty tables when the folder is absent)."""
    folder = settings.datasets_dir / SOURCE_ID
    if not (folder / "manifest.toml").exists():
        empty_tables(con)
        return
    m = verify(folder)
    if m.is_noncommercial and not settings.include_noncommercial:
        empty_tables(con)
        return
    rel = lambda name: f"{SOURCE_ID}/{name}"  # noqa: E731
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    raw_copy(con, folder, "assets.csv", "raw_gem__assets")
    raw_copy(con, folder, "stakes.csv", "raw_gem__stakes")
    types, statuses = vocab.table("gem_types"), vocab.table("gem_statuses")
    route_df = routes(folder / "pipelines.geojson", "asset_id").set_index("asset_id")
    mids = dict(zip(route_df.index, zip(route_df["mid_latitude"], route_df["mid_longitude"]))) \
        if route_df.index.is_unique else None  # a dict lookup per line asset, not a .loc

    # ---- assets
    f = rel("assets.csv")
    licence = m.licence_of("assets.csv")[0]
    rows = read_rows(folder / "assets.csv", _RAW_ASSET)
    assets, asset_countries, seen = [], [], set()
    for i, r in enumerate(rows, start=1):
        gid = r["asset_id"].strip()
        t, st = types.get(r["type"]), statuses.get(r["status"])
        errs = []
        if not gid or gid in seen:
            errs.append(("asset_id", "duplicate_id", "asset id missing or repeated", gid))
        if t is None:
            errs.append(("type", "unknown_code", "asset type not in vocab/gem_types.csv", r["type"]))
        if st is None:
            errs.append(("status", "unknown_code", "status not in vocab/gem_statuses.csv", r["status"]))
        lat = lon = None
        if t is not None and t["geometry"] == "point":
            try:
                lat, lon = check_lat_lon(r["latitude"], r["longitude"])
            except ValueError as e:
                errs.append(("latitude", "coordinates", str(e), f"{r['latitude']},{r['longitude']}"))
        elif t is not None:
            if gid not in route_df.index:
                errs.append(("asset_id", "no_route", "line asset without a route in pipelines.geojson", gid))
            elif mids is not None:
                lat, lon = mids[gid]
            else:
                lat, lon = route_df.loc[gid, "mid_latitude"], route_df.loc[gid, "mid_longitude"]
        for col, check, reason, value in errs:
            log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        codes = []
        for c in [x.strip() for x in r["iso_a2_list"].split(";") if x.strip()]:
            if c in countries:
                if c not in codes:
                    codes.append(c)
            else:
                log.add(f, i, "iso_a2_list", "country_code", WARNING, "not a known country code; left out", c)
        if not codes:
            log.add(f, i, "iso_a2_list", "country_code", WARNING, "no known country; country unknown",
                    r["countries"])
        elif len(codes) > 1:
            log.add(f, i, "iso_a2_list", "several_countries", WARNING,
                    f"lies in {len(codes)} countries ({', '.join(codes)}): counted for each in the country summary; "
                    f"{codes[0]} (listed first) is its country in tables", r["countries"])
        try:
            capacity = float(r["capacity"]) if r["capacity"].strip() else None
        except ValueError:
            log.add(f, i, "capacity", "number", WARNING, "capacity is not a number; left blank", r["capacity"])
            capacity = None
        start = None
        if r["start_year"].strip():
            # a year, '2027.0', or '2027 (expected)'; GEM's export truncates some years ('2', '198')
            m_year = _YEAR.match(r["start_year"])
            if m_year and 1800 <= int(m_year.group(1)) <= 2100:
                start = int(m_year.group(1))
            else:
                log.add(f, i, "start_year", "year", WARNING, "start year is not a 4-digit year (truncated in the "
                        "source?); left blank", r["start_year"])
        aid = f"gem:{gid}"
        seen.add(gid)
        for k, c in enumerate(codes, start=1):
            asset_countries.append({"asset_id": aid, "country_code": c, "position": k})
        assets.append({
            "gem_asset_id": gid, "asset_id": aid, "name": _asset_name(r["project"], r["unit"]) or gid,
            "project": r["project"] or None, "unit": r["unit"] or None, "asset_type": t["asset_type"],
            "asset_class": t["asset_class"], "geometry_kind": t["geometry"], "status": st["status"],
            "status_raw": r["status"], "status_tabular": r["status_tabular"] or None,
            "status_group": st["status_group"], "is_planned": st["is_planned"] == "true",
            "country_code": codes[0] if codes else None, "country_codes": ";".join(codes) or None,
            "n_countries": len(codes), "latitude": lat, "longitude": lon,
            "position_precision": "GEM point" if t["geometry"] == "point" else "a point half-way along the route",
            "capacity": capacity, "capacity_unit": r["units"] or None, "production": r["production"] or None,
            "start_year": start, "detail_url": r["url"] if r["url"].startswith("http") else None,
            "is_pci": "yes" in (r["pci5"].lower(), r["pci6"].lower()), "licence": licence,
            "is_noncommercial": m.is_noncommercial, "origin_file": f, "origin_row": int(r["source_row"])})
    log.count(f, len(rows), len(assets))
    # every point at once, kind by kind (in name order), each kind in file order
    point = sorted((a for a in assets if a["geometry_kind"] == "point"), key=itemgetter("asset_type"))
    pts = pd.DataFrame({"origin_row": np.array([a["origin_row"] for a in point], dtype="int64"),
                        **{c: np.array([a[c] for a in point], dtype="float64") for c in ("latitude", "longitude")},
                        "country_code": pd.array([a["country_code"] for a in point], dtype="str")})
    kinds = [a["asset_type"] for a in point]
    warn_outside_country(con, log, pts, f, [f"the {k.replace('_', ' ')}" for k in kinds],
                         [TOLERANCE_DEG.get(k, DEFAULT_TOLERANCE_DEG) for k in kinds])

    # ---- stakes
    f = rel("stakes.csv")
    by_id = {a["gem_asset_id"]: a for a in assets}
    srows = read_rows(folder / "stakes.csv", _RAW_STAKE)
    stake_licence = m.licence_of("stakes.csv")[0]
    placeholder: dict[str, bool] = {}  # names repeat across rows: test each once
    named_parent = {r["asset_id"] for r in srows if r["level"] == "parent" and not (
        placeholder[r["entity_name"]] if r["entity_name"] in placeholder
        else placeholder.setdefault(r["entity_name"], is_placeholder(r["entity_name"])))}
    stakes, seen_entry, sums = [], set(), {}
    shares: dict[str, tuple | ValueError] = {}
    for i, r in enumerate(srows, start=1):
        a = by_id.get(r["asset_id"])
        if a is None:
            log.add(f, i, "asset_id", "unknown_key", ERROR, "stake of an unknown or rejected asset; row rejected",
                    r["asset_id"])
            continue
        if r["level"] not in ("owner", "parent"):
            log.add(f, i, "level", "unknown_code", ERROR, "level must be owner or parent; row rejected", r["level"])
            continue
        got = shares.get(r["share_text"])
        if got is None:  # the same few texts repeat: each read once
            try:
                got = share_of(r["share_text"])
            except ValueError as e:
                got = e
            shares[r["share_text"]] = got
        if isinstance(got, ValueError):
            log.add(f, i, "share_text", "share_range", ERROR, f"{got}; row rejected", r["share_text"])
            continue
        share, stated = got
        if stated and share is None:
            log.add(f, i, "share_text", "share_as_text", WARNING,
                    "stake given as text, not a number: the share is undisclosed (an interval from 0)", r["share_text"])
        counted_level = "parent" if r["asset_id"] in named_parent else "owner"
        reason = None
        if r["level"] != counted_level:
            reason = "GEM's parent rows give the look-through holders of this asset; its direct owners are context"
        entry = (r["asset_id"], r["level"], r["entity_name"].strip().casefold())
        if reason is None and entry in seen_entry:
            reason = "the same name appears twice in one field; counted once"
            log.add(f, i, "entity_name", "named_twice", WARNING, f"{reason}", r["entity_name"])
        seen_entry.add(entry)
        if reason is None and share is not None:
            total, _ = sums.get((r["asset_id"], r["level"]), (0.0, i))
            sums[(r["asset_id"], r["level"])] = (total + share, i)
        stakes.append({"asset_id": a["asset_id"], "gem_asset_id": r["asset_id"], "level": r["level"],
                       "position": int(r["position"]), "entity_name": r["entity_name"].strip(),
                       "entity_as_written": r["entity_as_written"], "share_text": r["share_text"] or None,
                       "share_fraction": share, "is_share_stated": stated, "is_counted": reason is None,
                       "not_counted_reason": reason, "detail_url": a["detail_url"],
                       "licence": stake_licence, "origin_file": f, "origin_row": i})
    for (aid, level), (total, last_row) in sorted(sums.items()):
        if total > 1 + settings.share_sum_tolerance:
            log.add(f, last_row, "share_text", "shares_over_100", WARNING,
                    f"the {level} shares stated for this asset add up to {100 * total:.4g}%; kept as stated", aid)
    log.count(f, len(srows), len(stakes))

    rt = route_df.reset_index()
    rt = rt[np.array([a in seen for a in rt["asset_id"].tolist()], dtype=bool)]  # isin converts the set: slower
    rt = rt.assign(asset_id=("gem:" + rt["asset_id"].astype(str)) if len(rt) else rt["asset_id"].astype(object))[ROUTE_COLS]
    log.count(rel("pipelines.geojson"), len(route_df), len(rt))
    write_records(con, "core_gem__assets", assets, ASSET_COLS, _TYPES, ["asset_id"])
    write_records(con, "core_gem__asset_countries", asset_countries, COUNTRY_COLS, _TYPES, ["asset_id", "position"])
    write_records(con, "core_gem__stakes", stakes, STAKE_COLS, _TYPES, ["asset_id", "level", "position"])
    db.write_frame(con, "core_gem__routes", _typed(rt.reset_index(drop=True)), order_by=["asset_id"])
