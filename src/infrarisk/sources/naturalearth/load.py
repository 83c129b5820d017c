"""Load ``datasets/naturalearth/`` into ``raw_naturalearth__*``, then build ``core_geo__*``.

Contract
--------
Input: the verified folder ``datasets/naturalearth`` (``countries.geojson`` and the two
``corrections/*.csv``) and ``raw_unlocode__country_codes`` (loaded before this).

Outputs:

- ``raw_naturalearth__countries``: one row per feature, the kept attributes under their
  lower-cased Natural Earth names, ``geometry_wkt`` (full precision) and ``source_row``.
- ``raw_naturalearth__feature_country_codes`` and ``raw_naturalearth__country_corrections``:
  the hand-written corrections.
- ``core_geo__country_polygons`` and ``core_geo__countries`` (``sql/core/*.sql``); the
  polygons' shapely geometries are handed to :mod:`infrarisk.geo` (:mod:`.polygons`), which
  then need not parse the WKT back.

Geometry is handled in shapely, not DuckDB spatial (see DESIGN.md, pitfalls).

Checks: an invalid or empty geometry, a repeated ``NE_ID``, a code that is neither known
nor ``-99``: **error**, the feature is rejected. ``ISO_A2_EH = -99``: **warning** (the
feature is kept; the reason says which code the correction gives it, if any). A bad label
point: **warning**, dropped. Correction rows naming an unknown feature or code, or
lacking a reason: **error**, the correction is rejected.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from ...db import run_sql, write_frame
from ...collector import paused
from .._derive import read_csv_strict
from .derive import KEEP
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from .._load import verify
from ..manifest import read_geojson
from ...validate import check_lat_lon
from . import SOURCE_ID, polygons
COUNTRIES = f"{SOURCE_ID}/countries.geojson"
FEATURE_CODES = f"{SOURCE_ID}/corrections/feature_country_codes.csv"
COUNTRY_CORRECTIONS = f"{SOURCE_ID}/corrections/countries.csv"

#: Natural Earth's CONTINENT values; a correction must use one of them
CONTINENTS = {
    "Africa", "Antarctica", "Asia", "Europe", "North America", "Oceania", "South America",
    "Seven seas (open ocean)",
}
_COLUMNS = [k.lower() for k in KEEP]
_TEXT = {"iso_a2_eh", "iso_a3_eh", "name", "name_long", "admin", "sovereignt", "type",
         "continent", "region_un", "subregion", "wikidataid"}


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Verify ``datasets/naturalearth``, write the raw tables, build ``core_geo__*``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The build database, holding ``raw_unlocode__country_codes``.
    settings : Settings
        Gives ``datasets_dir``.
    log : ProblemLog
        Receives one Problem per bad value and the row accounting of every file.
    """
    root = Path(settings.datasets_dir)
    verify(root / SOURCE_ID)
    known = {r[0] for r in con.execute("SELECT country_code FROM raw_unlocode__country_codes").fetchall()}
    countries, shapes = load_countries(root, known, log)
    feature_codes = load_feature_codes(root, known, set(countries["ne_id"]), log)
    _report_uncoded(countries, feature_codes, log)
    polygon_codes = (set(countries["iso_a2_eh"]) | set(feature_codes["country_code"].dropna())) - {"-99"}
    corrections = load_country_corrections(root, known, polygon_codes, log)
    write_frame(con, "raw_naturalearth__countries", countries, order_by=["source_row"])
    write_frame(con, "raw_naturalearth__feature_country_codes", feature_codes, order_by=["ne_id"])
    write_frame(con, "raw_naturalearth__country_corrections", corrections, order_by=["country_code"])
    run_sql(con, "core/core_geo__country_polygons")
    run_sql(con, "core/core_geo__countries")
    polygons.keep(con, shapes)  # infrarisk.geo takes them instead of parsing the WKT back


def load_countries(root: Path, known: set[str], log: ProblemLog) -> tuple[pd.DataFrame, dict]:
    """Check each feature of ``countries.geojson``; the accepted ones with WKT, and their
    shapely geometries by ``ne_id``."""
    features = read_geojson(root / COUNTRIES)["features"]
    out, seen_ids, shapes = [], set(), {}
    for i, f in enumerate(features, 1):
        rec = _feature(f, i, known, seen_ids, log)
        if rec is not None:
            seen_ids.add(rec["ne_id"])
            shapes[rec["ne_id"]] = rec.pop("geometry")
            out.append(rec)
    log.count(COUNTRIES, len(features), len(out))
    df = pd.DataFrame(out, columns=["source_row", *_COLUMNS, "geometry_wkt"])
    for col in ("pop_est", "label_x", "label_y"):
        df[col] = df[col].astype("Float64")
    df["ne_id"] = df["ne_id"].astype("Int64")
    return df, shapes


def _feature(f: dict, i: int, known: set[str], seen_ids: set, log: ProblemLog) -> dict | None:
    props = f.get("properties") or {}
    name = props.get("ADMIN")

    def reject(column, check, reason, value):
        log.add(COUNTRIES, i, column, check, ERROR, f"{reason}; feature {name!r} rejected", value)

    if sorted(props) != sorted(KEEP):
        return reject(None, "attributes", f"attributes differ from {', '.join(KEEP)}", ", ".join(sorted(props)))
    rec = {"source_row": i, **{k.lower(): props[k] for k in KEEP}}
    for col in _TEXT:
        rec[col] = None if rec[col] is None else str(rec[col]).strip()
    if not isinstance(rec["ne_id"], int) or rec["ne_id"] in seen_ids:
        return reject("NE_ID", "ne_id", "NE_ID is not an integer or repeats an earlier feature", rec["ne_id"])
    try:
        geom = _shape(f["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return reject("geometry", "geometry_valid", f"geometry cannot be read ({e})", None)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
        return reject("geometry", "geometry_valid",
                      f"geometry is empty, not a (multi)polygon or invalid ({shapely.is_valid_reason(geom)})",
                      geom.geom_type)
    code = rec["iso_a2_eh"]
    if code != "-99" and code not in known:
        return reject("ISO_A2_EH", "country_code", "not a known country code (raw_unlocode__country_codes)", code)
    try:
        rec["label_y"], rec["label_x"] = check_lat_lon(rec["label_y"], rec["label_x"])
    except ValueError as e:
        log.add(COUNTRIES, i, "LABEL_X,LABEL_Y", "lat_lon", WARNING, f"label point: {e}; dropped",
                f"{rec['label_x']},{rec['label_y']}")
        rec["label_x"] = rec["label_y"] = None
    rec["geometry_wkt"] = shapely.to_wkt(geom, rounding_precision=-1)
    rec["geometry"] = geom
    return rec


def _shape(g: dict):
    """``shapely.geometry.shape`` of a GeoJSON (multi)polygon, built from flat coordinate
    arrays (the same coordinates, without a Python object per ring); anything else, or a
    ring that is not a plain list of ``[x, y]`` pairs, goes through ``shape`` itself (its
    errors included)."""
    kind = g.get("type") if isinstance(g, dict) else None
    polys = [g.get("coordinates")] if kind == "Polygon" else g.get("coordinates") if kind == "MultiPolygon" else None
    try:
        rings, ring_ends, poly_ends = [], [], []
        for poly in polys:
            for ring in poly:
                a = np.asarray(ring, dtype=np.float64)
                if a.ndim != 2 or a.shape[1] != 2 or len(a) < 4:
                    raise ValueError
                rings.append(a)
                ring_ends.append(len(a))
            poly_ends.append(len(poly))
        if not rings or 0 in poly_ends:
            raise ValueError
    except (TypeError, ValueError):
        return shape(g)
    offsets = [np.concatenate([[0], np.cumsum(ring_ends)]), np.concatenate([[0], np.cumsum(poly_ends)])]
    if kind == "Polygon":
        return shapely.from_ragged_array(shapely.GeometryType.POLYGON, np.concatenate(rings), offsets)[0]
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, np.concatenate(rings),
                                     [*offsets, np.array([0, len(poly_ends)])])[0]


def _report_uncoded(countries: pd.DataFrame, feature_codes: pd.DataFrame, log: ProblemLog) -> None:
    """A warning per feature coded -99, saying what the corrections do with it."""
    assigned = dict(zip(feature_codes["ne_id"], feature_codes["country_code"]))
    for r in countries[countries["iso_a2_eh"] == "-99"].itertuples():
        if r.ne_id not in assigned:
            action = "left without a country code (no row in corrections/feature_country_codes.csv)"
        elif pd.isna(assigned[r.ne_id]):
            action = "left without a country code by corrections/feature_country_codes.csv"
        else:
            action = f"corrections/feature_country_codes.csv assigns {assigned[r.ne_id]}"
        log.add(COUNTRIES, r.source_row, "ISO_A2_EH", "country_code", WARNING,
                f"Natural Earth gives {r.admin!r} no ISO code (-99); feature kept, {action}", "-99")


def load_feature_codes(root: Path, known: set[str], ne_ids: set[int], log: ProblemLog) -> pd.DataFrame:
    """``corrections/feature_country_codes.csv``: NE_ID -> code (empty: none), checked."""
    rows = read_csv_strict(root / FEATURE_CODES, ["ne_id", "admin", "country_code", "reason"])
    out, seen = [], set()
    for i, r in enumerate(rows, 1):
        code = r["country_code"].strip() or None
        problem = None
        if not r["ne_id"].strip().isdigit() or int(r["ne_id"]) in seen or int(r["ne_id"]) not in ne_ids:
            problem = ("ne_id", "ne_id must be the NE_ID of a loaded feature, once", r["ne_id"])
        elif code is not None and code not in known:
            problem = ("country_code", "not a known country code", code)
        elif not r["reason"].strip():
            problem = ("reason", "a correction needs a reason", "")
        if problem:
            log.add(FEATURE_CODES, i, problem[0], "correction", ERROR, problem[1] + "; correction rejected", problem[2])
            continue
        seen.add(int(r["ne_id"]))
        out.append({"source_row": i, "ne_id": int(r["ne_id"]), "admin": r["admin"].strip(),
                    "country_code": code, "reason": r["reason"].strip()})
    log.count(FEATURE_CODES, len(rows), len(out))
    df = pd.DataFrame(out, columns=["source_row", "ne_id", "admin", "country_code", "reason"])
    df["ne_id"] = df["ne_id"].astype("Int64")
    return df


def load_country_corrections(root: Path, known: set[str], polygon_codes: set[str], log: ProblemLog) -> pd.DataFrame:
    """``corrections/countries.csv``: continent, subregion, covering polygon, is_europe per code."""
    columns = ["country_code", "continent", "subregion", "polygon_country_code", "is_europe", "reason"]
    rows = read_csv_strict(root / COUNTRY_CORRECTIONS, columns)
    out, seen = [], set()
    for i, r in enumerate(rows, 1):
        v = {k: (r[k].strip() or None) for k in columns}
        problem = None
        if v["country_code"] not in known or v["country_code"] in seen:
            problem = ("country_code", "not a known country code, or repeated", v["country_code"])
        elif v["continent"] is not None and v["continent"] not in CONTINENTS:
            problem = ("continent", "not a Natural Earth CONTINENT value", v["continent"])
        elif v["polygon_country_code"] is not None and v["polygon_country_code"] not in polygon_codes:
            problem = ("polygon_country_code", "no Natural Earth polygon carries this code", v["polygon_country_code"])
        elif v["is_europe"] not in (None, "true", "false"):
            problem = ("is_europe", "must be true, false or empty", v["is_europe"])
        elif not v["reason"]:
            problem = ("reason", "a correction needs a reason", "")
        if problem:
            log.add(COUNTRY_CORRECTIONS, i, problem[0], "correction", ERROR,
                    problem[1] + "; correction rejected", problem[2])
            continue
        seen.add(v["country_code"])
        v["is_europe"] = None if v["is_europe"] is None else v["is_europe"] == "true"
        out.append({"source_row": i, **v})
    log.count(COUNTRY_CORRECTIONS, len(rows), len(out))
    df = pd.DataFrame(out, columns=["source_row", *columns])
    df["is_europe"] = df["is_europe"].astype("boolean")
    return df
