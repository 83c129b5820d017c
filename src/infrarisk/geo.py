"""Geometry helpers over the country polygons in the database (geopandas, not DuckDB spatial).

Contract
--------
Inputs: a DuckDB connection holding ``core_geo__country_polygons`` and
``core_geo__countries`` (built by :mod:`infrarisk.sources.naturalearth.load`), and tables of points.

Outputs:

- :func:`countries_gdf`: the Natural Earth 1:50m country features as a GeoDataFrame
  (EPSG:4326), one row per feature, with the country code each counts for.
- :func:`points_outside_country`: the rows of a table whose point lies farther than a
  tolerance from the polygon(s) of the country the row states, with the reason and the
  distance.

The polygons are read from the database once per content (a fingerprint of the tables is
checked on every call: another connection to the same tables, such as the site's read-only
one after the loaders', finds them kept) and kept with what the tests need prepared: the
features, a prepared collection per code, a spatial index; loaders test several tables against them.

Distances are planar degrees in EPSG:4326, on purpose: the tolerance is a coarse "is this
point near its country at all" test on 1:50m coastlines, where 0.1 degree is about 11 km
north-south (and 3.8 km east-west at 70 degrees north). Boundaries are Natural Earth's de
facto ones: a Crimean port stated as UA lies in the Russia polygon and is reported.
"""

from __future__ import annotations


import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:4326"
#: values of the ``outside_reason`` column of :func:`points_outside_country`
REASONS = {
    "outside": "farther than the tolerance from every polygon of the stated country",
    "no_polygon": "the stated country has no polygon to test against (or is not a known code)",
    "no_position": "latitude or longitude is missing or not a number",
    "no_country": "no country is stated",
}


def countries_gdf(con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    """The Natural Earth country features of the database as a GeoDataFrame.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database holding ``core_geo__country_polygons``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature (242 for Natural Earth 1:50m), EPSG:4326, with the columns of
        ``core_geo__country_polygons`` (``ne_id``, ``country_code`` -- NULL for a feature
        without one, ``name_long``, ``continent`` ...) and ``geometry`` instead of
        ``geometry_wkt``. Several features can share a code (AU, CY).

    Examples
    --------
    >>> gdf = countries_gdf(con)  # doctest: +SKIP
    >>> gdf.loc[gdf.country_code == "MT", "name_long"].item()  # doctest: +SKIP
    'Malta'
    """
    return _shapes(con).gdf.copy()


class _Shapes:
    """The country polygons of one database, with what the point tests reuse."""

    def __init__(self, gdf: gpd.GeoDataFrame, covering: dict):
        self.gdf = gdf
        self.covering = covering
        coded = gdf[["country_code", "geometry"]].dropna(subset=["country_code"])
        self.codes = coded["country_code"].to_numpy(dtype=object)
        self.geoms = coded.geometry.to_numpy()
        self._groups = {code: np.flatnonzero(self.codes == code) for code in np.unique(self.codes.astype(str))}
        self._parts: dict = {}
        self._tree = None

    def parts(self, code: str):
        """The polygons of ``code`` as one prepared collection (not unioned), or None."""
        if code not in self._parts:
            at = self._groups.get(code)
            geom = None if at is None else shapely.geometrycollections(list(self.geoms[at]))
            if geom is not None:
                shapely.prepare(geom)
            self._parts[code] = geom
        return self._parts[code]

    def tree(self) -> shapely.STRtree:
        """A spatial index of the features' parts (each polygon of a multi-polygon apart: the
        index then skips the far islands of a country); :attr:`part_of` gives each part's feature."""
        if self._tree is None:
            parts, self.part_of = shapely.get_parts(self.geoms, return_index=True)
            self._tree = shapely.STRtree(parts)
        return self._tree


_CACHE: dict[tuple, _Shapes] = {}  # at most one: the fingerprint of the tables -> their shapes


def _shapes(con: duckdb.DuckDBPyConnection) -> _Shapes:
    """The polygons of ``con``, read once while the tables are unchanged, whichever connection reads them
    (the key is the tables' content, not the connection)."""
    from .sources.naturalearth import polygons  # no GeoPandas there

    key = con.execute(
        f"SELECT ({polygons.FINGERPRINT}), (SELECT count(*) || ':' || coalesce(sum(hash(country_code, "
        "polygon_country_code)), 0) FROM core_geo__countries)").fetchall()[0]
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    given = polygons.take(key[0])  # the loader's own shapes, if the table is still the one it wrote
    if given is None:
        df = con.execute("SELECT * FROM core_geo__country_polygons ORDER BY ne_id").df()
        geometry = shapely.from_wkt(df.pop("geometry_wkt").to_numpy())
    else:  # what from_wkt would make of the full-precision WKT written from them: the same shapes
        df = con.execute("SELECT * EXCLUDE (geometry_wkt) FROM core_geo__country_polygons ORDER BY ne_id").df()
        geometry = np.empty(len(df), dtype=object)
        geometry[:] = [given[i] for i in df["ne_id"].tolist()]
    gdf = gpd.GeoDataFrame(df, geometry=geometry, crs=CRS)
    covering = dict(con.execute(
        "SELECT country_code, polygon_country_code FROM core_geo__countries WHERE polygon_country_code IS NOT NULL"
    ).fetchall())
    shapes = _Shapes(gdf, covering)
    _CACHE.clear()  # one database at a time: a build, a test
    _CACHE[key] = shapes
    return shapes


def points_outside_country(
    df: pd.DataFrame,
    lat_col: str,
    lon_col: str,
    country_col: str,
    con: duckdb.DuckDBPyConnection,
    tolerance_deg: float | np.ndarray = 0.1,
) -> pd.DataFrame:
    """Rows whose point is not within ``tolerance_deg`` of their stated country's polygons.

    A point passes when any polygon of its country lies within the tolerance (a prepared
    point-in-polygon test, then ``dwithin`` for the points outside, per country as set
    operations; a port on a border river passes even when the neighbour's polygon is nearer). A country without a polygon of its own is tested against the
    polygon that covers it (``core_geo__countries.polygon_country_code``: Guadeloupe
    against France, Svalbard against Norway). WPI points often lie in the harbour water,
    so a strict point-in-polygon test (``tolerance_deg=0``) fails for about 40% of European
    ports; 0.1 degree recovers nearly all of them.

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
        The failing rows of ``df`` in their original order and index, plus
        ``outside_reason`` (a key of :data:`REASONS`: ``outside``, ``no_polygon``,
        ``no_position`` or ``no_country``), ``distance_deg`` (to the stated country's
        polygons; NaN when there are none) and ``nearest_country_code`` (the code of the
        nearest polygon; missing without a position). Rows that cannot be tested are
        returned too, never silently passed.

    Examples
    --------
    >>> ports = pd.DataFrame({"lat": [35.9, 44.6, None], "lon": [14.5, 33.5, 10.0],
    ...                       "cc": ["MT", "UA", "IT"]})
    >>> out = points_outside_country(ports, "lat", "lon", "cc", con)  # doctest: +SKIP
    >>> out[["cc", "outside_reason", "nearest_country_code"]]  # doctest: +SKIP
       cc outside_reason nearest_country_code
    1  UA        outside                   RU
    2  IT    no_position                  NaN
    """
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
