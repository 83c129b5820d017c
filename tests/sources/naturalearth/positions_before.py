"""The position check as infrarisk.geo did it before the loaders' shapely-only module
(:mod:`infrarisk.sources.naturalearth.positions`) took its place: kept as the tests' reference.

Shapes are parsed from the table's WKT on every call (no cache, no shapes handed over by the
loader), so a comparison also covers the shapes the build reuses.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from infrarisk.problems import WARNING, ProblemLog

REASONS = {
    "outside": "farther than the tolerance from every polygon of the stated country",
    "no_polygon": "the stated country has no polygon to test against (or is not a known code)",
    "no_position": "latitude or longitude is missing or not a number",
    "no_country": "no country is stated",
}


class _Shapes:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        rows = con.execute("SELECT country_code, geometry_wkt FROM core_geo__country_polygons "
                           "WHERE country_code IS NOT NULL ORDER BY ne_id").fetchall()
        self.codes = np.array([r[0] for r in rows], dtype=object)
        self.geoms = np.empty(len(rows), dtype=object)
        self.geoms[:] = [shapely.from_wkt(r[1]) for r in rows]
        self.covering = dict(con.execute("SELECT country_code, polygon_country_code FROM core_geo__countries "
                                         "WHERE polygon_country_code IS NOT NULL").fetchall())
        self._groups = {code: np.flatnonzero(self.codes == code) for code in np.unique(self.codes.astype(str))}
        self._parts: dict = {}
        self._tree = None

    def parts(self, code: str):
        if code not in self._parts:
            at = self._groups.get(code)
            geom = None if at is None else shapely.geometrycollections(list(self.geoms[at]))
            if geom is not None:
                shapely.prepare(geom)
            self._parts[code] = geom
        return self._parts[code]

    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            parts, self.part_of = shapely.get_parts(self.geoms, return_index=True)
            self._tree = shapely.STRtree(parts)
        return self._tree


def _shapes(con):
    return _Shapes(con)


def points_outside_country(
    df: pd.DataFrame,
    lat_col: str,
    lon_col: str,
    country_col: str,
    con: duckdb.DuckDBPyConnection,
    tolerance_deg: float | np.ndarray = 0.1,
) -> pd.DataFrame:
    shapes = _shapes(con)
    covering = shapes.covering

    n = len(df)
    lat = pd.to_numeric(df[lat_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lon = pd.to_numeric(df[lon_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    country = df[country_col].astype("object").where(df[country_col].notna(), None).to_numpy()
    target = np.array([covering.get(c) if isinstance(c, str) else None for c in country], dtype=object)

    has_pos = ~(np.isnan(lat) | np.isnan(lon))
    has_country = np.array([isinstance(c, str) and c.strip() != "" for c in country], dtype=bool)
    has_target = np.array([t is not None for t in target], dtype=bool)
    reason = np.full(n, None, dtype=object)
    reason[~has_pos] = "no_position"
    reason[has_pos & ~has_country] = "no_country"
    reason[has_pos & has_country & ~has_target] = "no_polygon"
    testable = has_pos & has_target

    tolerance = np.broadcast_to(np.asarray(tolerance_deg, dtype=float), (n,))
    passed = _near_target(lon, lat, target, testable, shapes, tolerance)
    reason[testable & ~passed] = "outside"

    failing = np.flatnonzero(~(testable & passed))
    result = df.iloc[failing].copy()
    points = shapely.points(np.nan_to_num(lon[failing]), np.nan_to_num(lat[failing]))
    result["outside_reason"] = reason[failing]
    result["distance_deg"] = _distance_to_target(points, target[failing], shapes, has_pos[failing])
    result["nearest_country_code"] = _nearest_code(points, shapes, has_pos[failing])
    return result


def _near_target(lon: np.ndarray, lat: np.ndarray, target: np.ndarray, testable: np.ndarray, shapes: _Shapes,
                 tolerance_deg: np.ndarray) -> np.ndarray:
    """Whether each testable point lies within its ``tolerance_deg`` of any polygon of its target.

    Per target country, as set operations: a prepared point-in-polygon test first (a point
    inside is within any tolerance), then ``dwithin`` for the points left (in harbour water,
    on a border river). The polygons of one code are kept apart in a collection, not
    unioned, so the distance is the minimum over them, exactly as a join over the features.
    """
    passed = np.zeros(len(target), dtype=bool)
    idx = np.flatnonzero(testable)
    if not len(idx):
        return passed
    codes = target[idx].astype(str)
    for code in np.unique(codes):
        at = idx[codes == code]
        geom = shapes.parts(code)
        if geom is None:
            continue
        inside = shapely.intersects_xy(geom, lon[at], lat[at])
        rest = at[~inside]
        passed[at[inside]] = True
        if len(rest):
            passed[rest[shapely.dwithin(geom, shapely.points(lon[rest], lat[rest]), tolerance_deg[rest])]] = True
    return passed


def _distance_to_target(points: np.ndarray, targets: np.ndarray, shapes: _Shapes, has_pos: np.ndarray) -> np.ndarray:
    """Planar distance from each point to its target country's polygons (the least over
    them: the distance to their union, for a point outside them all)."""
    out = np.full(len(points), np.nan)
    mask = has_pos & pd.notna(targets)
    known = np.array([t in shapes._groups for t in targets], dtype=bool) if len(targets) else mask
    mask &= known
    if not mask.any():
        return out
    geoms = np.array([shapes.parts(t) for t in targets[mask]], dtype=object)
    out[mask] = shapely.distance(points[mask], geoms)
    return out


def _nearest_code(points: np.ndarray, shapes: _Shapes, has_pos: np.ndarray) -> np.ndarray:
    """Code of the nearest polygon (missing without a position); ties go to the lowest code."""
    out = np.full(len(points), None, dtype=object)
    at = np.flatnonzero(has_pos)
    if not len(at) or not len(shapes.geoms):
        return out
    # every polygon at the least distance (all_matches), as a nearest join gives them; the distance to a
    # feature is the least over its parts, so the features of the nearest parts are the nearest features
    (pt, part) = shapes.tree().query_nearest(points[at], all_matches=True)
    codes = shapes.codes[shapes.part_of[part]].astype(str)
    order = np.lexsort((codes, pt))
    first = order[np.r_[True, pt[order][1:] != pt[order][:-1]]]
    out[at[pt[first]]] = codes[first]
    return out


def warn_outside_country(con: duckdb.DuckDBPyConnection, log: ProblemLog, df: pd.DataFrame, file: str,
                         what, tolerance_deg=0.1) -> int:
    """Warn (row kept) for each row whose point is not near its stated country.

    ``df`` needs ``latitude``, ``longitude``, ``country_code`` and ``origin_row``; the
    warnings follow its row order. ``what`` (the reason's subject) and ``tolerance_deg`` are
    one value, or one per row of ``df`` (rows of several kinds tested at once). Returns
    the number of warnings. Rows without a country are reported by their loader, not here.
    """
    has = df["country_code"].notna().to_numpy()
    test = df[has]
    if test.empty:
        return 0
    if not isinstance(what, str):
        test = test.assign(_what=np.asarray(what, dtype=object)[has])
    tolerance = tolerance_deg if np.ndim(tolerance_deg) == 0 else np.asarray(tolerance_deg, dtype=float)[has]
    out = points_outside_country(test, "latitude", "longitude", "country_code", con, tolerance)
    cols = ["origin_row", "latitude", "longitude", "country_code", "distance_deg", "nearest_country_code",
            "outside_reason"]
    whats = out["_what"].tolist() if not isinstance(what, str) else [what] * len(out)
    for subject, values in zip(whats, zip(*(out[c].tolist() for c in cols))):  # not iterrows: a Series per row is slow
        r = dict(zip(cols, values))
        dist = "" if pd.isna(r["distance_deg"]) else f" ({r['distance_deg']:.2f} degrees away"
        near = "" if pd.isna(r["nearest_country_code"]) else f"; nearest polygon {r['nearest_country_code']}"
        log.add(file, int(r["origin_row"]), "latitude", "outside_country", WARNING,
                f"{subject} lies {REASONS[r['outside_reason']]}{dist}{near}{')' if dist else ''}; kept at its "
                f"stated position and country", f"{r['latitude']},{r['longitude']} {r['country_code']}")
    return len(out)
