"""Tests of infrarisk.sources.naturalearth.load and the core_geo__* tables it builds."""

from __future__ import annotations

import json

import shapely

from infrarisk.sources import rehash
from tests.conftest import REPO_DATASETS, run_loaders

NE = "naturalearth/countries.geojson"


def test_invalid_geometry_is_rejected_and_counted(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode", "naturalearth"])
    [bad] = [p for p in log.problems if p.check == "geometry_valid"]
    assert (bad.file, bad.row, bad.severity) == (NE, 10, "error")
    assert "Self-intersection" in bad.reason and "'Bowtie' rejected" in bad.reason
    st = log.stats[NE]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (10, 9, 1)
    assert con.execute("SELECT count(*) FROM raw_naturalearth__countries").fetchone()[0] == 9


def test_minus_99_is_reported_and_corrected(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode", "naturalearth"])
    [warn] = [p for p in log.problems if p.file == NE and p.check == "country_code"]
    assert (warn.row, warn.severity, warn.value) == (3, "warning", "-99")
    assert "assigns CY" in warn.reason
    rows = con.execute(
        "SELECT ne_id, country_code, is_country_code_corrected FROM core_geo__country_polygons "
        "WHERE ne_id IN (2, 3) ORDER BY ne_id").fetchall()
    assert rows == [(2, "CY", False), (3, "CY", True)]


def test_unknown_country_code_is_rejected(geo_datasets):
    path = geo_datasets / "naturalearth" / "countries.geojson"
    data = json.loads(path.read_text())
    data["features"][0]["properties"]["ISO_A2_EH"] = "ZZ"
    path.write_text(json.dumps(data))
    rehash(path.parent)
    _, log = run_loaders(geo_datasets, ["unlocode", "naturalearth"])
    [bad] = [p for p in log.problems if p.file == NE and p.row == 1]
    assert (bad.check, bad.severity, bad.value) == ("country_code", "error", "ZZ")


def test_geometry_survives_as_wkt(geo_datasets):
    con, _ = run_loaders(geo_datasets, ["unlocode", "naturalearth"])
    wkt = con.execute("SELECT geometry_wkt FROM raw_naturalearth__countries WHERE ne_id = 6").fetchone()[0]
    geom = shapely.from_wkt(wkt)
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    assert geom.bounds == (-61.9, 15.8, 8.0, 51.0)


def test_countries_table_rules(geo_datasets):
    con, _ = run_loaders(geo_datasets, ["unlocode", "naturalearth"])
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT country_code, has_polygon, polygon_country_code, is_europe, is_europe_source, continent "
        "FROM core_geo__countries").fetchall()}
    assert rows["MT"] == (True, "MT", True, "continent", "Europe")
    assert rows["CY"] == (True, "CY", True, "correction", "Asia")          # Asia in NE, Europe by rule
    assert rows["GP"] == (False, "FR", False, "continent", "North America")  # covered by France
    assert rows["XK"] == (True, "XK", True, "continent", "Europe")          # added code
    assert rows["US"] == (False, None, False, "continent", None)            # no polygon, no rule
    # one row per known code
    assert len(rows) == con.execute("SELECT count(*) FROM raw_unlocode__country_codes").fetchone()[0]


def test_committed_dataset_loads_cleanly():
    con, log = run_loaders(REPO_DATASETS, ["unlocode", "naturalearth"])
    st = log.stats[NE]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (242, 242, 0)
    ne_problems = [(p.check, p.severity, p.value) for p in log.problems if p.file.startswith("naturalearth/")]
    assert ne_problems == [("country_code", "warning", "-99")] * 3
    europe = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries WHERE is_europe").fetchall()}
    assert {"MT", "CY", "TR", "GE", "AM", "AZ", "GI", "SJ", "XK", "RU", "UA", "IS", "NO"} <= europe
    assert not {"GL", "KZ", "GP", "RE", "IL", "MA"} & europe
    n_codes, n_rows, n_polygon = con.execute(
        "SELECT (SELECT count(*) FROM raw_unlocode__country_codes), count(*), count(*) FILTER (WHERE has_polygon) "
        "FROM core_geo__countries").fetchone()
    assert n_rows == n_codes == 250 and n_polygon == 237
    # every Natural Earth feature with a code counts for a known country
    orphans = con.execute(
        "SELECT count(*) FROM core_geo__country_polygons p LEFT JOIN core_geo__countries c USING (country_code) "
        "WHERE p.country_code IS NOT NULL AND c.country_code IS NULL").fetchone()[0]
    assert orphans == 0
