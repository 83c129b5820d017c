"""What can be fetched, from the manifests: URL overrides, schema checks, the LEIs the GLEIF crawl asks for."""

from __future__ import annotations

import json
import zipfile

import pytest

from infrarisk.http import records_in
from infrarisk.sources import _checks, _fetch
from infrarisk.sources.gleif import fetch as gleif_fetch
from infrarisk.db import connect
from infrarisk.errors import ConfigError, SchemaError
from infrarisk.settings import Settings


def test_every_source_url_can_be_overridden_from_toml_and_environment(tmp_path):
    cfg = tmp_path / "infrarisk.toml"
    cfg.write_text('[urls]\nwpi = "https://mirror.example/wpi.csv"\n')
    s = Settings.load(config_file=cfg, environ={"INFRARISK_URL_NATURALEARTH": "http://127.0.0.1:9/ne.geojson"})
    assert _fetch.url_for(s, "wpi", "x") == "https://mirror.example/wpi.csv"
    assert _fetch.url_for(s, "naturalearth", "x") == "http://127.0.0.1:9/ne.geojson"
    _fetch.check_settings(s)
    for key in _fetch.url_keys(s):
        s = Settings.load(environ={f"INFRARISK_URL_{key.upper()}": "https://elsewhere.example/"})
        assert s.urls == {key: "https://elsewhere.example/"}


def test_unknown_url_key_or_source_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown URL key.*wpii"):
        _fetch.check_settings(Settings.load(environ={"INFRARISK_URL_WPII": "https://x.example/"}))
    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        _fetch.check_settings(Settings.load(environ={"INFRARISK_UPDATE_SOURCES": "wpi,nope"}))
    with pytest.raises(ConfigError, match="must be an http"):
        Settings.load(environ={"INFRARISK_URL_WPI": "file:///etc/passwd"})


def test_default_update_sources_are_those_whose_manifest_says_update():
    s = Settings.load(environ={})
    assert _fetch.default_update_sources(s) == ["naturalearth", "wpi"]
    assert _fetch.default_update_sources(s.with_(update_sources=("gleif-api",))) == ["gleif-api"]


def test_geojson_check(tmp_path):
    p = tmp_path / "x.geojson"
    check = _checks.GeoJsonCheck(("id",), ("Point",))
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))
    assert check(p) == "GeoJSON, 1 features"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1}, "geometry": {"type": "Polygon", "coordinates": []}}]}))
    with pytest.raises(SchemaError, match="feature 1 has geometry 'Polygon'"):
        check(p)
    p.write_text(json.dumps({"type": "Topology"}))
    with pytest.raises(SchemaError, match="not a GeoJSON FeatureCollection"):
        check(p)


def test_zip_csv_check(tmp_path):
    p = tmp_path / "rr.csv.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("rr.csv", "Relationship.StartNode.NodeID,Relationship.EndNode.NodeID\nA,B\n")
    assert "2 columns" in _checks.ZipCsvCheck(("Relationship.StartNode.NodeID",))(p)
    with pytest.raises(SchemaError, match="missing column.*Relationship.RelationshipType"):
        _checks.ZipCsvCheck(("Relationship.RelationshipType",))(p)
    p.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(SchemaError):
        _checks.ZipCsvCheck(("LEI",))(p)


def test_csv_check_reports_bad_encoding(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    with pytest.raises(SchemaError, match="not text in the expected encoding"):
        _checks.CsvCheck(("a", "b"))(p)


def test_gleif_shapes_on_the_samples(shared_data):
    folder = shared_data / "ownership" / "formats" / "gleif_api"
    load = lambda n: json.loads((folder / n).read_text())  # noqa: E731
    assert gleif_fetch.gleif_lei_records(load("direct-children_5299001ERX0K10IZUL40.json"), "x").endswith("2 records")
    assert "IS_DIRECTLY_CONSOLIDATED_BY" in gleif_fetch.gleif_relationship(
        load("direct-parent-relationship_5493001KJTIIGC8Y1R12.json"), "x")
    assert "NON_PUBLIC" in gleif_fetch.gleif_exception(
        load("direct-parent-reporting-exception_254900LNRYNOQ9YPU758.json"), "x")
    with pytest.raises(SchemaError, match="data is dict"):
        gleif_fetch.gleif_lei_records(load("lei-record_5493001KJTIIGC8Y1R12.json"), "x")


def test_map_leis_from_the_last_build_else_the_dataset(tmp_path):
    ds = tmp_path / "datasets" / "curated"
    ds.mkdir(parents=True)
    (ds / "entities.csv").write_text("entity_id,lei\na,5493001KJTIIGC8Y1R12\nb,\nc,NOTANLEI\n")
    s = Settings.load(environ={}, datasets_dir=tmp_path / "datasets", db_path=tmp_path / "db.duckdb")
    leis, where, bad = gleif_fetch.map_leis(s)
    assert leis == ["5493001KJTIIGC8Y1R12"] and where.endswith("entities.csv") and bad == ["NOTANLEI"]
    con = connect(tmp_path / "db.duckdb")
    con.execute("CREATE TABLE core_ownership__entities AS SELECT * FROM (VALUES ('549300B56MD0ZC402L06'), ('')) t(lei)")
    con.close()
    leis, where, _ = gleif_fetch.map_leis(s)
    assert leis == ["549300B56MD0ZC402L06"] and "core_ownership__entities" in where


def test_records_in_summary():
    assert records_in("GeoJSON, 242 features") == 242
    assert records_in("GLEIF lei-records, 2 records") == 2


def test_settings_from_environment_for_http_knobs():
    s = Settings.load(environ={"INFRARISK_HTTP_RETRIES": "7", "INFRARISK_HTTP_CABLE_DETAILS": "no",
                               "INFRARISK_HTTP_GLEIF_REQUESTS_PER_MINUTE": "30", "INFRARISK_KEEP_BUILDS": "5"})
    assert (s.http.retries, s.http.cable_details, s.http.gleif_requests_per_minute, s.keep_builds) == (7, False, 30.0, 5)
    with pytest.raises(ConfigError, match="http.retries must be a number"):
        Settings.load(environ={"INFRARISK_HTTP_RETRIES": "many"})
    with pytest.raises(ConfigError, match="http"):
        Settings.load(environ={"INFRARISK_HTTP_NOPE": "1"})
