"""The TeleGeography importer: strict, non-commercial manifest, routes joined and rounded, deterministic."""

from __future__ import annotations

import csv
import json

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.cables import derive as cables
from infrarisk.sources._derive import write_csv
from tests.conftest import REPO_DATASETS, assert_import_matches_committed


def _write_raw(tmp_path, owners_field="A; B", long_owners=("A", "B"), routes=None):
    src = tmp_path / "shared" / cables.RAW_DIR
    src.mkdir(parents=True)
    write_csv(src / "cables.csv", cables.CABLE_COLUMNS, [
        {"cable_id": "c1", "cable_numeric_id": "1", "name": "C One", "rfs": "2016", "rfs_year": "2016.0",
         "length": "10 km", "length_km": "10.0", "n_owners": "2", "owners": owners_field, "n_landing_points": "1",
         "url": "", "notes": ""}])
    write_csv(src / "cable_owners.csv", cables.OWNER_COLUMNS,
              [{"cable_id": "c1", "cable_name": "C One", "owner": o} for o in long_owners])
    write_csv(src / "cable_landing_points.csv", cables.LANDING_COLUMNS, [
        {"cable_id": "c1", "landing_point_id": "x-malta", "landing_point_numeric_id": "9", "landing_point_name":
         "X, Malta", "country_name": "Malta", "iso_a2": "MT", "latitude": "35.9", "longitude": "14.5",
         "is_tbd": "False"}])
    feats = routes if routes is not None else [
        {"type": "Feature", "properties": {"slug": "c1", "color": "aaa"},
         "geometry": {"type": "MultiLineString", "coordinates": [[[14.123456789, 35.9], [10.0, -0.0000001]]]}},
        {"type": "Feature", "properties": {"slug": "c1", "color": "bbb"},
         "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}]
    (src / "cables_geo.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    out = tmp_path / "out"
    out.mkdir()
    return tmp_path / "shared", out


def test_tiny_import_is_non_commercial_and_joins_routes(tmp_path):
    shared, out = _write_raw(tmp_path)
    m = cables.build(shared, out)
    assert m.is_noncommercial and m.licence == "CC-BY-NC-SA-3.0"
    assert "CC BY-NC-SA 3.0" in m.attribution and "TeleGeography" in m.attribution
    routes = json.loads((out / "cable_routes.geojson").read_text())["features"]
    assert len(routes) == 1  # the two features of c1 are one MultiLineString
    assert routes[0]["geometry"]["coordinates"] == [[[14.12346, 35.9], [10.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]]]
    with open(out / "cable_owners.csv", newline="") as fh:
        assert [r["owner"] for r in csv.DictReader(fh)] == ["A", "B"]


def test_owner_field_and_long_table_must_agree(tmp_path):
    shared, out = _write_raw(tmp_path, owners_field="A; B; C")
    with pytest.raises(DataError, match="owners of 'c1' differ"):
        cables.build(shared, out)


def test_route_of_an_unknown_cable_stops_the_import(tmp_path):
    shared, out = _write_raw(tmp_path, routes=[{"type": "Feature", "properties": {"slug": "zz"},
                                               "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}])
    with pytest.raises(DataError, match="slug 'zz'"):
        cables.build(shared, out)


def test_real_snapshot_reproduces_committed_files(shared_data, tmp_path):
    assert_import_matches_committed(cables, shared_data, tmp_path)


def test_committed_counts():
    from infrarisk.sources import read_manifest
    m = read_manifest(REPO_DATASETS / cables.SOURCE_ID)
    rows = {f.path: f.rows for f in m.files}
    assert rows == {"cables.csv": 484, "cable_owners.csv": 1197, "landing_points.csv": 2144,
                    "cable_routes.geojson": 484}
    assert m.is_noncommercial
