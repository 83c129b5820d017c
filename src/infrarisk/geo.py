"""Geometry helpers over the country polygons in the database (geopandas, not DuckDB spatial).

Contract
--------
Inputs: a DuckDB connection holding ``core_geo__country_polygons`` and
``core_geo__countries`` (built by :mod:`infrarisk.sources.naturalearth.load`), and tables of points.

Outputs:

- :func:`countries_gdf`: the Natural Earth 1:50m country features as a GeoDataFrame
  (EPSG:4326), one row per feature, with the country code each counts for;
- :func:`country_polygons`: the same features as a plain frame and an array of shapely
  geometries, without GeoPandas (the site's outlines read them so: a build never imports
  GeoPandas, about 0.07 CPU-s of imports, GeoPandas' own and pyproj's).
- :func:`points_outside_country` and :data:`REASONS`: the loaders' position check
  (:mod:`infrarisk.sources.naturalearth.positions`, shapely alone), re-exported here: the rows
  of a table whose point lies farther than a tolerance from the polygon(s) of the country the
  row states, with the reason and the distance.

The features are read from the database once per content (a fingerprint of the table is
checked on every call: another connection to the same tables, such as the site's read-only
one after the loaders', finds them kept), taking the Natural Earth loader's own shapes when
the table is still the one it wrote (:mod:`infrarisk.sources.naturalearth.polygons`).

Distances are planar degrees in EPSG:4326, on purpose: the tolerance is a coarse "is this
point near its country at all" test on 1:50m coastlines, where 0.1 degree is about 11 km
north-south (and 3.8 km east-west at 70 degrees north). Boundaries are Natural Earth's de
facto ones: a Crimean port stated as UA lies in the Russia polygon and is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

# the position check is the loaders' (shapely alone, no GeoPandas), re-exported here for analysts
from .sources.naturalearth.positions import REASONS, points_outside_country  # noqa: F401

__all__ = ["CRS", "REASONS", "countries_gdf", "country_polygons", "points_outside_country"]

CRS = "EPSG:4326"


def countries_gdf(con: duckdb.DuckDBPyConnection) -> "gpd.GeoDataFrame":
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
    import geopandas as gpd

    frame, geometry = country_polygons(con)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def country_polygons(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`countries_gdf`'s rows without GeoPandas (``con`` as there): a frame of the features'
    attributes and their shapely geometries, row for row.

    Returns
    -------
    frame : pandas.DataFrame
        The columns of ``core_geo__country_polygons`` but ``geometry_wkt``, in ``ne_id`` order (a
        copy: the caller may change it).
    geometry : numpy.ndarray
        The features' shapely geometries (object array, the same order; shared: do not change them).

    Examples
    --------
    >>> frame, geometry = country_polygons(con)  # doctest: +SKIP
    >>> frame.loc[frame.country_code == "MT", "name_long"].item(), geometry[0].geom_type  # doctest: +SKIP
    ('Malta', 'MultiPolygon')
    """
    shapes = _shapes(con)
    return shapes.frame.copy(), shapes.geometry


class _Shapes:
    """The country polygons of one database: attributes and geometries (:func:`country_polygons` copies the frame)."""

    def __init__(self, frame: pd.DataFrame, geometry: np.ndarray):
        self.frame, self.geometry = frame, geometry


_CACHE: dict[str, _Shapes] = {}  # at most one: the fingerprint of the table -> its features


def _shapes(con: duckdb.DuckDBPyConnection) -> _Shapes:
    """The polygons of ``con``, read once while the tables are unchanged, whichever connection reads them
    (the key is the tables' content, not the connection)."""
    from .sources.naturalearth import polygons  # no GeoPandas there

    key = con.execute(polygons.FINGERPRINT).fetchall()[0][0]
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    given = polygons.take(key)  # the loader's own shapes, if the table is still the one it wrote
    if given is None:
        df = con.execute("SELECT * FROM core_geo__country_polygons ORDER BY ne_id").df()
        geometry = shapely.from_wkt(df.pop("geometry_wkt").to_numpy())
    else:  # what from_wkt would make of the full-precision WKT written from them: the same shapes
        df = con.execute("SELECT * EXCLUDE (geometry_wkt) FROM core_geo__country_polygons ORDER BY ne_id").df()
        geometry = np.empty(len(df), dtype=object)
        geometry[:] = [given[i] for i in df["ne_id"].tolist()]
    shapes = _Shapes(df, geometry)
    _CACHE.clear()  # one database at a time: a build, a test
    _CACHE[key] = shapes
    return shapes
