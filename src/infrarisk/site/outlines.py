"""The Natural Earth country outlines the site draws, read and simplified once per site build.

Contract: :func:`read` takes a finished build (``core_geo__country_polygons`` through
:func:`infrarisk.geo.country_polygons`, without GeoPandas, and the country codes of
``out_exposure__countries``) and
returns the features two parts draw, as a frame sorted by country code then Natural Earth id:
those meeting the map's box (:data:`BOX`, flag ``in_box``) and those of a country the country
page has a section for (:mod:`.country_page`), each with ``ne_id``, ``country_code``, the
``area`` and label point (``label_longitude``, ``label_latitude``) of its full shape, and its
shape simplified by :data:`SIMPLIFY_DEG` keeping topology (``geometry``) — the simplification
both parts made, each on its own, before. :func:`~infrarisk.site.mapdata.collect` reads it
with the site's other reads (:attr:`~infrarisk.site.mapdata.MapData.outlines`), so that the
parts, which may run in other processes, neither read the polygons nor simplify them again.
:func:`payload` is the map's ``outline.js`` content (the features in the box, coordinates
rounded to 3 decimals: about 100 m, plenty for an outline).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import shapely

from . import geojson

#: (west, east, south, north) in degrees: the map's outline draws the features that meet it
BOX = (-32, 70, 25, 82)
#: tolerance of the outlines' simplification (degrees), keeping topology
SIMPLIFY_DEG = 0.02
COLUMNS = ["ne_id", "country_code", "in_box", "area", "label_longitude", "label_latitude", "geometry"]


def read(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The outlines (module docstring); None when the build has no country polygons."""
    from ..geo import country_polygons
    try:
        frame, geometry = country_polygons(con)
    except duckdb.CatalogException:
        return None
    try:
        codes = {r[0] for r in con.execute("SELECT country_code FROM out_exposure__countries").fetchall()}
    except duckdb.CatalogException:
        codes = set()
    west, east, south, north = BOX
    in_box = shapely.intersects(geometry, shapely.box(west, south, east, north))  # what GeoPandas' .cx selects
    keep = in_box | np.array([cc in codes for cc in frame["country_code"]], dtype=bool)
    rows = frame[keep].assign(in_box=in_box[keep], area=shapely.area(geometry[keep]), geometry=geometry[keep])
    rows = rows.sort_values(["country_code", "ne_id"]).reset_index(drop=True)
    simplified = shapely.simplify(rows["geometry"].to_numpy(), SIMPLIFY_DEG, preserve_topology=True)
    return pd.DataFrame({"ne_id": rows["ne_id"], "country_code": rows["country_code"], "in_box": rows["in_box"],
                         "area": rows["area"], "label_longitude": rows["label_longitude"],
                         "label_latitude": rows["label_latitude"], "geometry": simplified})[COLUMNS]


def payload(outlines: pd.DataFrame) -> dict:
    """The map's country outlines around Europe (drawn under the data, not interactive): the features of
    ``outlines`` (:func:`read`) in the box, but those simplified away."""
    shapes = outlines["geometry"].to_numpy()
    rows = outlines[outlines["in_box"].to_numpy(dtype=bool) & ~shapely.is_empty(shapes)]
    shapes = rows["geometry"].to_numpy()
    geoms = geojson.polygons(shapes, 3)
    if geoms is None:  # shapes it does not make: one by one
        geoms = [_rounded(json.loads(shapely.to_geojson(gm)), 3) for gm in shapes]
    feats = [{"type": "Feature", "properties": {"country_code": _none(cc)}, "geometry": gm}
             for cc, gm in zip(rows["country_code"], geoms)]
    return {"type": "FeatureCollection", "features": feats}


def _none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _rounded(obj, nd: int):
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, list):
        if obj and not isinstance(obj[0], (list, dict)):  # a position: numbers only
            return [round(x, nd) if isinstance(x, float) else _rounded(x, nd) for x in obj]
        if obj and type(obj[0]) is list and len(obj[0]) == 2:  # a line or ring: its x, y pairs at once
            return [[round(p[0], nd), round(p[1], nd)]
                    if type(p) is list and len(p) == 2 and type(p[0]) is float and type(p[1]) is float
                    else _rounded(p, nd) for p in obj]
        return [_rounded(x, nd) for x in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v, nd) for k, v in obj.items()}
    return obj
