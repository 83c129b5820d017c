"""Whether points lie near the country they state, tested against the Natural Earth polygons
with shapely alone (no GeoPandas): the loaders' position checks.

Contract
--------
Inputs: a DuckDB connection holding ``core_geo__country_polygons`` and ``core_geo__countries``
(written by :mod:`infrarisk.sources.naturalearth.load`), and tables of points.

Outputs:

- :func:`points_outside_country`: the rows whose point lies farther than a tolerance from the
  polygon(s) of the country the row states, with the reason and the distance (a prepared
  point-in-polygon test, then ``dwithin`` for the points outside, per country as set operations);
  :mod:`infrarisk.geo` re-exports it for analysts. It gives what the GeoPandas-based check of
  earlier versions gave (kept as the tests' reference).
- :func:`warn_outside_country`: a warning per such row in a problem log, the row kept.

Why here, with shapely alone: GeoPandas (and pyproj) would cost the build's second load process
an import it needs for nothing else. The polygons are read once per connection and table content
(the fingerprint of :mod:`.polygons`, checked on every call): the loader's own shapely geometries
while the table is the one it wrote (looked at, not taken: :mod:`infrarisk.geo` still takes them
for the site), else parsed from the WKT.

Distances are planar degrees in EPSG:4326 (see :mod:`infrarisk.geo`).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from ...problems import WARNING, ProblemLog
from . import polygons

#: values of the ``outside_reason`` column of :func:`points_outside_country` (re-exported by :mod:`infrarisk.geo`)
REASONS = {
    "outside": "farther than the tolerance from every polygon of the stated country",
    "no_polygon": "the stated country has no polygon to test against (or is not a known code)",
    "no_position": "latitude or longitude is missing or not a number",
    "no_country": "no country is stated",
}


class Shapes:
    """The coded country polygons of one database (by ``ne_id``), with what the point tests reuse."""

    def __init__(self, codes: np.ndarray, geoms: np.ndarray, covering: dict):
        self.codes = codes
        self.geoms = geoms
        self.covering = covering
        self.groups = {code: np.flatnonzero(codes == code) for code in np.unique(codes.astype(str))}
        self._parts: dict = {}
        self._tree = None

    def parts(self, code: str):
        """The polygons of ``code`` as one prepared collection (not unioned), or None."""
        if code not in self._parts:
            at = self.groups.get(code)
            geom = None if at is None else shapely.geometrycollections(list(self.geoms[at]))
            if geom is not None:
                shapely.prepare(geom)
            self._parts[code] = geom
        return self._parts[code]

    def tree(self) -> shapely.STRtree:
        """A spatial index of the features' parts (each polygon of a multi-polygon apart);
        :attr:`part_of` gives each part's feature."""
        if self._tree is None:
            parts, self.part_of = shapely.get_parts(self.geoms, return_index=True)
            self._tree = shapely.STRtree(parts)
        return self._tree


_CACHE: dict[int, tuple[tuple, Shapes]] = {}


def shapes(con: duckdb.DuckDBPyConnection) -> Shapes:
    """The coded polygons of ``con``, read once per connection while the tables are unchanged."""
    key = con.execute(
        f"SELECT ({polygons.FINGERPRINT}), (SELECT count(*) || ':' || coalesce(sum(hash(country_code, "
        "polygon_country_code)), 0) FROM core_geo__countries)").fetchall()[0]
    hit = _CACHE.get(id(con))
    if hit is not None and hit[0] == key:
        return hit[1]
    given = polygons.look(key[0])
    rows = con.execute(
        "SELECT ne_id, country_code" + ("" if given is not None else ", geometry_wkt")
        + " FROM core_geo__country_polygons WHERE country_code IS NOT NULL ORDER BY ne_id").fetchall()
    codes = np.array([r[1] for r in rows], dtype=object)
    geoms = np.empty(len(rows), dtype=object)
    if given is not None:
        geoms[:] = [given[r[0]] for r in rows]
    elif rows:
        geoms[:] = shapely.from_wkt(np.array([r[2] for r in rows], dtype=object))
    covering = dict(con.execute(
        "SELECT country_code, polygon_country_code FROM core_geo__countries WHERE polygon_country_code IS NOT NULL"
    ).fetchall())
    found = Shapes(codes, geoms, covering)
    _CACHE.clear()  # one database at a time: a build, a test
    _CACHE[id(con)] = (key, found)
    return found


def points_outside_country(df: pd.DataFrame, lat_col: str, lon_col: str, country_col: str,
                           con: duckdb.DuckDBPyConnection, tolerance_deg: float | np.ndarray = 0.1) -> pd.DataFrame:
    """Rows whose point is not within ``tolerance_deg`` of their stated country's polygons.

    A point passes when any polygon of its country lies within the tolerance (a port on a border
    river passes even when the neighbour's polygon is nearer). A country without a polygon of its
    own is tested against the polygon that covers it (``core_geo__countries.polygon_country_code``:
    Guadeloupe against France, Svalbard against Norway). WPI points often lie in the harbour water,
    so a strict point-in-polygon test (``tolerance_deg=0``) fails for about 40% of European ports;
    0.1 degree recovers nearly all of them.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows to test; any index (it is kept in the result).
    lat_col, lon_col : str
        Columns with WGS84 latitude and longitude in decimal degrees.
    country_col : str
        Column with the stated ISO 3166-1 alpha-2 code.
    con : duckdb.DuckDBPyConnection
        A database holding ``core_geo__country_polygons`` and ``core_geo__countries``.
    tolerance_deg : float or array, default 0.1
        How far (planar degrees) a point may lie from its country's polygons: one figure, or
        one per row of ``df`` (rows of several kinds tested at once).

    Returns
    -------
    pandas.DataFrame
        The failing rows of ``df`` in their original order and index, plus ``outside_reason``
        (a key of :data:`REASONS`), ``distance_deg`` (to the stated country's polygons; NaN when
        there are none) and ``nearest_country_code`` (the code of the nearest polygon; missing
        without a position). Rows that cannot be tested are returned too, never silently passed.
    """
    found = shapes(con)
    covering = found.covering

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
    passed = _near_target(lon, lat, target, testable, found, tolerance)
    reason[testable & ~passed] = "outside"

    failing = np.flatnonzero(~(testable & passed))
    result = df.iloc[failing].copy()
    points = shapely.points(np.nan_to_num(lon[failing]), np.nan_to_num(lat[failing]))
    result["outside_reason"] = reason[failing]
    result["distance_deg"] = _distance_to_target(points, target[failing], found, has_pos[failing])
    result["nearest_country_code"] = _nearest_code(points, found, has_pos[failing])
    return result


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
    for subject, values in zip(whats, zip(*(out[c].tolist() for c in cols))):
        r = dict(zip(cols, values))
        dist = "" if pd.isna(r["distance_deg"]) else f" ({r['distance_deg']:.2f} degrees away"
        near = "" if pd.isna(r["nearest_country_code"]) else f"; nearest polygon {r['nearest_country_code']}"
        log.add(file, int(r["origin_row"]), "latitude", "outside_country", WARNING,
                f"{subject} lies {REASONS[r['outside_reason']]}{dist}{near}{')' if dist else ''}; kept at its "
                f"stated position and country", f"{r['latitude']},{r['longitude']} {r['country_code']}")
    return len(out)


def _near_target(lon: np.ndarray, lat: np.ndarray, target: np.ndarray, testable: np.ndarray, found: Shapes,
                 tolerance_deg: np.ndarray) -> np.ndarray:
    """Whether each testable point lies within its ``tolerance_deg`` of any polygon of its target
    (per target country: a prepared point-in-polygon test, then ``dwithin`` for the rest)."""
    passed = np.zeros(len(target), dtype=bool)
    idx = np.flatnonzero(testable)
    if not len(idx):
        return passed
    codes = target[idx].astype(str)
    for code in np.unique(codes):
        at = idx[codes == code]
        geom = found.parts(code)
        if geom is None:
            continue
        inside = shapely.intersects_xy(geom, lon[at], lat[at])
        rest = at[~inside]
        passed[at[inside]] = True
        if len(rest):
            passed[rest[shapely.dwithin(geom, shapely.points(lon[rest], lat[rest]), tolerance_deg[rest])]] = True
    return passed


def _distance_to_target(points: np.ndarray, targets: np.ndarray, found: Shapes, has_pos: np.ndarray) -> np.ndarray:
    """Planar distance from each point to its target country's polygons (the least over them)."""
    out = np.full(len(points), np.nan)
    mask = has_pos & pd.notna(targets)
    known = np.array([t in found.groups for t in targets], dtype=bool) if len(targets) else mask
    mask &= known
    if not mask.any():
        return out
    geoms = np.array([found.parts(t) for t in targets[mask]], dtype=object)
    out[mask] = shapely.distance(points[mask], geoms)
    return out


def _nearest_code(points: np.ndarray, found: Shapes, has_pos: np.ndarray) -> np.ndarray:
    """Code of the nearest polygon (missing without a position); ties go to the lowest code."""
    out = np.full(len(points), None, dtype=object)
    at = np.flatnonzero(has_pos)
    if not len(at) or not len(found.geoms):
        return out
    (pt, part) = found.tree().query_nearest(points[at], all_matches=True)
    codes = found.codes[found.part_of[part]].astype(str)
    order = np.lexsort((codes, pt))
    first = order[np.r_[True, pt[order][1:] != pt[order][:-1]]]
    out[at[pt[first]]] = codes[first]
    return out
