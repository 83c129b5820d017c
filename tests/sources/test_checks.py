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
    # every remote with an upstream except the full golden copy (0.5 GB, fetched on demand)
    assert _fetch.default_update_sources(s) == ["gem-europe-gas", "gleif-api", "gleif-golden-copy-delta",
                                                "naturalearth", "submarine-cables", "unlocode", "wpi"]
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
    assert gleif_fetch.gleif_lei_records(load("direct-children_5299001ERX0K10IZUL40.json"), "x").endswith("page of 2")
    assert "IS_DIRECTLY_CONSOLIDATED_BY" in gleif_fetch.gleif_relationship(
        load("direct-parent-relationship_5493001KJTIIGC8Y1R12.json"), "x")
    assert "NON_PUBLIC" in gleif_fetch.gleif_exception(
        load("direct-parent-reporting-exception_254900LNRYNOQ9YPU758.json"), "x")
    with pytest.raises(SchemaError, match="data is dict"):
        gleif_fetch.gleif_lei_records(load("lei-record_5493001KJTIIGC8Y1R12.json"), "x")


def test_data_leis_from_curated_matching_owners_and_ingested_files(tmp_path):
    from infrarisk.sources.gleif.api_refresh import data_leis
    ds = tmp_path / "datasets"
    (ds / "curated").mkdir(parents=True)
    (ds / "owners").mkdir()
    (ds / "curated" / "entities.csv").write_text("entity_id,lei\na,5493001KJTIIGC8Y1R12\nb,\nc,NOTANLEI\n")
    (ds / "owners" / "owners.csv").write_text("owner_id,lei\no,549300b56md0zc402l06\np,5493001KJTIIGC8Y1R12\n")
    s = Settings.load(environ={}, datasets_dir=ds, db_path=tmp_path / "db.duckdb")
    leis, origins, bad = data_leis(s)
    assert leis == ["5493001KJTIIGC8Y1R12", "549300B56MD0ZC402L06"] and bad == ["NOTANLEI"]
    assert origins == {"curated/entities.csv": 1, "owners/owners.csv": 2}
    con = connect(tmp_path / "registry.duckdb")  # an ingested PSC file names an LEI; the golden copy does not count
    con.execute("CREATE TABLE core_psc__entities AS SELECT * FROM (VALUES ('254900LNRYNOQ9YPU758'), (NULL)) t(lei)")
    con.execute("CREATE TABLE core_gleif__entities AS SELECT * FROM (VALUES ('549300O897ZC5H7CY412')) t(lei)")
    con.close()
    leis, origins, _ = data_leis(s)
    assert "254900LNRYNOQ9YPU758" in leis and "549300O897ZC5H7CY412" not in leis and origins["registry:psc"] == 1


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
