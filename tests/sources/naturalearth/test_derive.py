"""Tests of infrarisk.sources.naturalearth.derive: raw admin-0 GeoJSON -> datasets/naturalearth."""

from __future__ import annotations

import json
import shutil

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.naturalearth import derive as naturalearth
from tests.conftest import REPO_DATASETS, assert_import_matches_committed


def _feature(code, admin, geometry, **extra):
    props = {k: None for k in naturalearth.KEEP}
    props.update(ISO_A2_EH=code, ADMIN=admin, NAME=admin, NE_ID=len(admin), NAME_FR="ignored", MAPCOLOR7=3, **extra)
    return {"type": "Feature", "properties": props, "bbox": [0, 0, 1, 1], "geometry": geometry}


@pytest.fixture
def raw_shared(tmp_path):
    shared = tmp_path / "shared"
    (shared / "natural-earth").mkdir(parents=True)
    data = {
        "type": "FeatureCollection", "name": "ne_50m_admin_0_countries",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            _feature("MT", "Malta", {"type": "Polygon", "coordinates": [
                [[14.566211, 35.852734], [14.436426, 35.821680], [14.352344, 35.872266], [14.566211, 35.852734]]]}),
            _feature("-99", "Somaliland", {"type": "MultiPolygon", "coordinates": [
                [[[48.0, 9.0], [49.0, 9.0], [49.0, 10.0], [48.0, 9.0]]]]}),
        ],
    }
    path = shared / naturalearth.RAW_FILE
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out" / "naturalearth"
    shutil.copytree(REPO_DATASETS / "naturalearth" / "corrections", out / "corrections")
    return shared, out, data


def test_keeps_the_chosen_attributes_and_the_geometry(raw_shared):
    shared, out, data = raw_shared
    m = naturalearth.build(shared, out)
    result = json.loads((out / "countries.geojson").read_text(encoding="utf-8"))
    assert result["crs"] == data["crs"]
    assert [list(f["properties"]) for f in result["features"]] == [naturalearth.KEEP] * 2
    assert [f["geometry"] for f in result["features"]] == [f["geometry"] for f in data["features"]]
    assert result["features"][1]["properties"]["ISO_A2_EH"] == "-99"  # kept as published
    assert m.licence == "LicenseRef-Natural-Earth-Public-Domain"
    assert m.attribution == "Made with Natural Earth."
    assert "Crimea" in m.notes
    assert m.file("countries.geojson").rows == 2
    assert {f.path for f in m.files} == {
        "countries.geojson", "corrections/countries.csv", "corrections/feature_country_codes.csv"}


def test_output_is_one_feature_per_line_and_deterministic(raw_shared):
    shared, out, _ = raw_shared
    naturalearth.build(shared, out)
    first = (out / "countries.geojson").read_bytes()
    naturalearth.build(shared, out)
    assert (out / "countries.geojson").read_bytes() == first
    lines = first.decode("utf-8").splitlines()
    assert len(lines) == 1 + 2 + 1  # header, two features, closing bracket


def test_missing_attribute_or_point_geometry_is_an_error(raw_shared):
    shared, out, data = raw_shared
    path = shared / naturalearth.RAW_FILE
    del data["features"][0]["properties"]["NE_ID"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match="feature 1 lacks attribute"):
        naturalearth.build(shared, out)
    data["features"][0]["properties"]["NE_ID"] = 1
    data["features"][1]["geometry"] = {"type": "Point", "coordinates": [48.0, 9.0]}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match="feature 2 .*'Point'"):
        naturalearth.build(shared, out)


def test_real_snapshot_reproduces_committed_files(shared_data, tmp_path):
    assert_import_matches_committed(naturalearth, shared_data, tmp_path)


def test_committed_geometry_equals_the_raw_geometry(shared_data):
    raw = json.loads((shared_data / naturalearth.RAW_FILE).read_text(encoding="utf-8"))["features"]
    ours = json.loads((REPO_DATASETS / "naturalearth" / "countries.geojson").read_text(encoding="utf-8"))["features"]
    assert len(ours) == len(raw) == 242
    assert all(a["geometry"] == b["geometry"] for a, b in zip(ours, raw))
    assert all(a["properties"][k] == b["properties"][k] for a, b in zip(ours, raw) for k in naturalearth.KEEP)
