"""The country outlines read and simplified once per site build: the map's outline and the country page's
shapes are those each part made on its own before (the shipped polygons)."""

from __future__ import annotations

import json

import duckdb
import shapely

from infrarisk.geo import countries_gdf
from infrarisk.site import country_page, outlines
from infrarisk.site.features import TYPE_LABELS


def _outline_before(con) -> dict:
    """The map's outline as ``mapdata.outline_payload`` made it, shape by shape."""
    gdf = countries_gdf(con).cx[-32:70, 25:82]
    gdf = gdf.assign(geometry=gdf.geometry.simplify(0.02, preserve_topology=True))
    gdf = gdf[~gdf.geometry.is_empty].sort_values(["country_code", "ne_id"])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"country_code": None if cc != cc else cc},
         "geometry": outlines._rounded(json.loads(shapely.to_geojson(gm)), 3)}
        for cc, gm in zip(gdf["country_code"], gdf.geometry)]}


def test_outline_and_country_shapes_are_those_made_part_by_part(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        shapes = outlines.read(con)
        assert list(shapes.columns) == outlines.COLUMNS and shapes["in_box"].any()
        assert json.dumps(outlines.payload(shapes)) == json.dumps(_outline_before(con))
        # the country page: from the shapes read once, or reading them itself, the same GeoJSON
        _, given = country_page.country_data(con, TYPE_LABELS, shapes)
        _, read = country_page.country_data(con, TYPE_LABELS)
        assert json.dumps(given) == json.dumps(read)
        codes = {r[0] for r in con.execute("SELECT country_code FROM out_exposure__countries").fetchall()}
        gdf = countries_gdf(con)
        gdf = gdf[gdf["country_code"].isin(codes)].sort_values(["country_code", "ne_id"])
        polygons = [f for f in given["features"] if f["geometry"]["type"] != "Point"]
        before = country_page._rounded([{"geometry": json.loads(json.dumps(g.simplify(0.02, preserve_topology=True)
                                                                           .__geo_interface__))}
                                        for g in gdf.geometry])
        assert json.dumps([f["geometry"] for f in polygons]) == json.dumps([f["geometry"] for f in before])
        dots = {f["properties"]["cc"] for f in given["features"] if f["geometry"]["type"] == "Point"}
        assert dots == set(gdf.loc[shapely.area(gdf.geometry.to_numpy()) < country_page.SMALL_AREA, "country_code"])
    finally:
        con.close()
