"""Tests of infrarisk.geo on the tiny box-shaped countries of tests/conftest.py and the real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import shapely

from infrarisk.geo import REASONS, countries_gdf, country_polygons, points_outside_country
from tests.conftest import REPO_DATASETS, run_loaders


def test_countries_gdf_is_one_row_per_feature_in_wgs84(geo_db):
    con, _ = geo_db
    gdf = countries_gdf(con)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == 9  # the invalid bow tie was rejected by the loader
    assert sorted(gdf.loc[gdf.country_code == "CY", "ne_id"]) == [2, 3]  # Northern Cyprus counts for CY
    assert set(gdf.geom_type) == {"Polygon", "MultiPolygon"}
    assert "geometry_wkt" not in gdf.columns


def test_country_polygons_are_the_gdf_s_rows_without_geopandas(geo_db):
    con, _ = geo_db
    frame, geometry = country_polygons(con)
    gdf = countries_gdf(con)
    assert type(frame) is pd.DataFrame and geometry.dtype == object and len(geometry) == len(frame) == 9
    pd.testing.assert_frame_equal(frame, pd.DataFrame(gdf.drop(columns="geometry")))
    assert shapely.equals_exact(geometry, gdf.geometry.to_numpy(), tolerance=0).all()
    frame.loc[0, "country_code"] = "XX"  # the caller's copy: the next reader gets the table as it is
    assert country_polygons(con)[0].loc[0, "country_code"] != "XX"


def _check(con, rows, **kw):
    df = pd.DataFrame(rows, columns=["lat", "lon", "cc"])
    return points_outside_country(df, "lat", "lon", "cc", con, **kw)


def test_points_inside_or_near_their_country_pass(geo_db):
    con, _ = geo_db
    out = _check(con, [
        (35.9, 14.5, "MT"),        # inside
        (34.45, 33.0, "CY"),       # 0.05 degree off the coast: in the harbour water
        (35.3, 33.3, "CY"),        # in the Northern Cyprus feature, assigned to CY
        (16.0, -61.7, "GP"),       # Guadeloupe has no polygon; France's covers it
        (48.0, 8.05, "FR"),        # inside Germany's box but 0.05 from France's: passes
    ])
    assert out.empty
    assert {"outside_reason", "distance_deg", "nearest_country_code"} <= set(out.columns)


def test_strict_tolerance_catches_points_in_the_water(geo_db):
    con, _ = geo_db
    out = _check(con, [(35.9, 14.5, "MT"), (34.45, 33.0, "CY")], tolerance_deg=0)
    assert out.index.tolist() == [1]
    assert out["outside_reason"].tolist() == ["outside"]
    assert out["distance_deg"].iloc[0] == pytest.approx(0.05)


def test_point_in_another_country_is_reported_with_its_neighbour(geo_db):
    con, _ = geo_db
    out = _check(con, [(44.616667, 33.533333, "UA")])  # Sevastopol: de-facto Russia polygon
    assert out["outside_reason"].tolist() == ["outside"]
    assert out["nearest_country_code"].tolist() == ["RU"]
    assert out["distance_deg"].iloc[0] == pytest.approx(45.8 - 44.616667)


def test_rows_that_cannot_be_tested_are_returned_with_a_reason(geo_db):
    con, _ = geo_db
    out = _check(con, [
        (None, 14.5, "MT"),
        (35.9, 14.5, None),
        (27.7, -82.6, "US"),   # known code, no polygon
        (10.0, 10.0, "QQ"),    # unknown code
    ])
    assert out["outside_reason"].tolist() == ["no_position", "no_country", "no_polygon", "no_polygon"]
    assert set(out["outside_reason"]) <= set(REASONS)
    assert out["distance_deg"].isna().all()
    assert pd.isna(out["nearest_country_code"].iloc[0])


def test_index_and_order_of_the_input_are_kept(geo_db):
    con, _ = geo_db
    df = pd.DataFrame({"lat": [44.6, 35.9, 44.6], "lon": [33.5, 14.5, 33.5], "cc": ["UA", "MT", "DE"],
                       "name": ["a", "b", "c"]}, index=[7, 7, 3])
    out = points_outside_country(df, "lat", "lon", "cc", con)
    assert out.index.tolist() == [7, 3]
    assert out["name"].tolist() == ["a", "c"]


def test_empty_input_gives_an_empty_result(geo_db):
    con, _ = geo_db
    out = _check(con, [])
    assert out.empty and "outside_reason" in out.columns


def test_tolerance_recovers_european_ports_in_the_water():
    """Real data: a strict point-in-polygon test fails for a large share of European WPI
    ports (they sit in the harbour water); 0.1 degree leaves only a few percent."""
    con, _ = run_loaders(REPO_DATASETS)
    ports = con.execute(
        "SELECT asset_id, latitude, longitude, country_code FROM core_assets__ports "
        "WHERE latitude BETWEEN 34 AND 72 AND longitude BETWEEN -25 AND 45").df()
    strict = points_outside_country(ports, "latitude", "longitude", "country_code", con, tolerance_deg=0)
    tolerant = points_outside_country(ports, "latitude", "longitude", "country_code", con)
    assert len(ports) > 1100
    assert len(strict) / len(ports) > 0.3
    assert len(tolerant) / len(ports) < 0.05
    assert set(tolerant["outside_reason"]) == {"outside"}
    assert np.all(tolerant["distance_deg"] > 0.1)
    crimea = tolerant[(tolerant.country_code == "UA") & (tolerant.nearest_country_code == "RU")]
    assert len(crimea) >= 5  # de-facto boundary: Crimean ports lie in the Russia polygon


def test_a_tolerance_per_row_gives_what_one_call_per_tolerance_gives(geo_db):
    con, _ = geo_db
    rows = [(35.9, 14.5, "MT"), (34.45, 33.0, "CY"), (34.3, 33.0, "CY"), (44.616667, 33.533333, "UA"),
            (None, 14.5, "MT"), (16.0, -61.7, "GP"), (48.0, 8.05, "FR"), (34.45, 33.0, "CY")]
    tolerance = np.array([0.0, 0.1, 0.3, 3.0, 0.1, 0.0, 0.1, 0.0])
    together = _check(con, rows, tolerance_deg=tolerance)
    df = pd.DataFrame(rows, columns=["lat", "lon", "cc"])
    apart = pd.concat([points_outside_country(df[tolerance == t], "lat", "lon", "cc", con, tolerance_deg=t)
                       for t in np.unique(tolerance)]).sort_index()
    assert not together.empty and len(together) < len(rows)
    same = lambda d: d.astype(object).where(d.notna(), None)  # noqa: E731 - concat of empty parts: object columns
    pd.testing.assert_frame_equal(same(together), same(apart))


def test_the_nearest_polygon_by_parts_is_the_nearest_feature():
    """Real data: the index of the features' parts gives each point the code a nearest join over
    whole features gives (points inside, in the water, on islands, exactly on a vertex)."""
    import shapely

    from infrarisk.sources.naturalearth.positions import _nearest_code, shapes as _shapes

    con, _ = run_loaders(REPO_DATASETS, names=("unlocode", "naturalearth"))
    shapes = _shapes(con)
    rng = np.random.default_rng(5)
    xy = np.c_[rng.uniform(-40, 70, 1500), rng.uniform(20, 80, 1500)]
    vertices = shapely.get_coordinates(shapes.geoms)
    xy = np.r_[xy, vertices[rng.choice(len(vertices), 200)]]
    points = shapely.points(xy)
    got = _nearest_code(points, shapes, np.ones(len(points), dtype=bool))
    pt, poly = shapely.STRtree(shapes.geoms).query_nearest(points, all_matches=True)
    expected = {}
    for p, code in zip(pt.tolist(), shapes.codes[poly].astype(str).tolist()):
        expected[p] = min(expected.get(p, code), code)
    assert len(shapes.part_of) > len(shapes.geoms)  # multi-polygons were split
    assert got.tolist() == [expected[i] for i in range(len(points))]


def test_the_loaders_shapes_are_those_the_wkt_gives_and_are_taken_only_for_that_table():
    """Real data: the polygons the Natural Earth loader hands over are, byte for byte (WKB), what
    parsing the WKT it wrote gives; a table changed since is read from the database instead."""
    import shapely

    from infrarisk import geo
    from infrarisk.sources.naturalearth import polygons

    con, _ = run_loaders(REPO_DATASETS, names=("unlocode", "naturalearth"))
    assert polygons._KEPT  # kept by the loader
    geo._CACHE.clear()
    handed = geo._shapes(con)
    assert not polygons._KEPT  # taken once
    geo._CACHE.clear()
    read = geo._shapes(con)
    assert len(handed.frame) == len(read.frame) > 200
    assert handed.frame.equals(read.frame)
    assert shapely.to_wkb(handed.geometry).tolist() == shapely.to_wkb(read.geometry).tolist()
    polygons.keep(con, {i: shapely.Point(0, 0) for i in read.frame["ne_id"].tolist()})
    con.execute("UPDATE core_geo__country_polygons SET country_code = 'XX' WHERE ne_id = (SELECT min(ne_id) "
                "FROM core_geo__country_polygons)")
    geo._CACHE.clear()
    again = geo._shapes(con)
    assert shapely.to_wkb(again.geometry).tolist() == shapely.to_wkb(read.geometry).tolist()


def test_another_connection_to_the_same_tables_finds_the_shapes_kept_and_a_changed_one_does_not(geo_db, tmp_path):
    """The shapes are kept by the tables' content, not by connection: the site's read-only connection after
    the loaders' reads none again; another content is read from its own tables."""
    import duckdb

    from infrarisk import geo

    con, _ = geo_db
    geo._CACHE.clear()
    first = geo._shapes(con)
    path = tmp_path / "copy.duckdb"
    con.execute(f"ATTACH '{path}' AS cp")
    for t in ("core_geo__country_polygons", "core_geo__countries"):
        con.execute(f"CREATE TABLE cp.{t} AS SELECT * FROM {t}")
    con.execute("DETACH cp")
    other = duckdb.connect(str(path), read_only=True)
    try:
        assert geo._shapes(other) is first
        assert countries_gdf(other).equals(countries_gdf(con))
    finally:
        other.close()
    changed = duckdb.connect(str(path))
    try:
        changed.execute("UPDATE core_geo__country_polygons SET country_code = 'XM' WHERE country_code = 'MT'")
        again = geo._shapes(changed)
        assert again is not first
        assert "XM" in set(again.frame.country_code) and "MT" not in set(again.frame.country_code)
    finally:
        changed.close()
