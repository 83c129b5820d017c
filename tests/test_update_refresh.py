"""``infrarisk update`` against local copies of every upstream of the tiny universe, twice:
a parent registered with GLEIF between the runs reaches the asset's band, the change list,
the Atom feed and the run report; a GLEIF answer that drops an LEI keeps the last good site."""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import duckdb
import pytest
import tomli_w
from click.testing import CliRunner

from infrarisk import http as fetch
from infrarisk.cli import main
from infrarisk.fsops import tree_bytes
from infrarisk.sources import Manifest, describe_file, manifest_keys, write_manifest
from infrarisk.sources._derive import write_csv
from infrarisk.sources.gleif.derive import COLUMNS as GLEIF_NAME_COLUMNS

from .builders import write_curated
from .gleif_fake import FakeGleif, lei_with_check
from .refresh_fixtures import (GEM_ROWS, ownership_tables, raw_cables, raw_gem_csv, raw_ne_geojson, raw_unlocode,
                               raw_wpi_csv, write_converted_datasets, write_datasets)

PORT = lei_with_check("969500PORTVILLE000")     # Port of Portville (FR), on the map with its LEI
DRAGON = lei_with_check("300300DRAGONHOLD00")   # a Chinese holding that becomes its parent
WPI, NE, GEM = "/up/wpi/UpdatedPub150.csv", "/up/ne/countries.geojson", "/gem/data.csv"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for k in list(os.environ):
        if k.startswith("INFRARISK_"):
            monkeypatch.delenv(k)
    monkeypatch.setattr(fetch, "sleep", lambda s: None)


def _zip(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, text)
    return buf.getvalue()


def _golden_copy(httpserver) -> None:
    """The publishes index and tiny LastDay delta zips (no full golden copy is ingested: skipped)."""
    base = httpserver.url_for("/gc")
    sections = {}
    for s, header in (("lei2", "LEI,Entity.LegalName,Entity.LegalAddress.Country,Registration.RegistrationStatus"),
                      ("rr", "Relationship.StartNode.NodeID,Relationship.EndNode.NodeID,Relationship.RelationshipType,"
                             "Relationship.RelationshipStatus"),
                      ("repex", "LEI,Exception.Category")):
        httpserver.expect_request(f"/gc/{s}-full.zip").respond_with_data(_zip(f"{s}.csv", header + "\n"))
        httpserver.expect_request(f"/gc/{s}-delta.zip").respond_with_data(_zip(f"{s}.csv", header + "\n"))
        sections[s] = {"full_file": {"csv": {"url": f"{base}/{s}-full.zip"}},
                       "delta_files": {"LastDay": {"csv": {"url": f"{base}/{s}-delta.zip"}}}}
    httpserver.expect_request("/gc/publishes").respond_with_json(
        {"data": [{"publish_date": "2026-12-04 16:00:00", **sections}]})


def _gem(rows):
    from werkzeug import Response
    return Response(raw_gem_csv(rows), content_type="text/csv")


def _universe(root: Path, httpserver, gleif: FakeGleif, gem_rows: list) -> Path:
    ds = write_datasets(root / "datasets")
    write_converted_datasets(ds)
    tables = ownership_tables()
    for e in tables["entities"]:
        if e["entity_name"] == "Port of Portville":
            e["lei"] = PORT
    write_curated(ds / "curated", **tables)
    g = ds / "gleif"
    write_csv(g / "legal_names.csv", GLEIF_NAME_COLUMNS, [])
    write_manifest(g, Manifest(id="gleif", title="tiny gleif", publisher="tests", origin_url="https://example.org",
                               licence="CC0-1.0", licence_url="https://example.org/l", attribution="tests",
                               retrieved="2026-11-25", files=[describe_file(g, "legal_names.csv")],
                               **manifest_keys("gleif")))
    httpserver.expect_request(WPI).respond_with_data(raw_wpi_csv())
    httpserver.expect_request(NE).respond_with_data(raw_ne_geojson())
    for name, body in raw_unlocode().items():
        httpserver.expect_request(f"/un-locode/{name}").respond_with_data(body)
    for name, body in raw_cables().items():
        httpserver.expect_request(f"/scm/{name}").respond_with_data(body, content_type="application/json")
    httpserver.expect_request(GEM).respond_with_handler(lambda req: _gem(gem_rows))
    httpserver.expect_request(re.compile("^/gleif/api/v1/.*")).respond_with_handler(lambda req: _answer(gleif, req))
    _golden_copy(httpserver)
    cfg = root / "infrarisk.toml"
    cfg.write_text(tomli_w.dumps({
        "datasets_dir": str(ds), "db_path": str(root / "data" / "infrarisk.duckdb"), "site_dir": str(root / "site"),
        "keep_builds": 2, "urls": {"wpi": httpserver.url_for(WPI), "naturalearth": httpserver.url_for(NE),
                                   "unlocode": httpserver.url_for("/un-locode/code-list.csv"),
                                   "unlocode_country_codes": httpserver.url_for("/un-locode/country-codes.csv"),
                                   "unlocode_function_classifiers": httpserver.url_for(
                                       "/un-locode/function-classifiers.csv"),
                                   "unlocode_status_indicators": httpserver.url_for("/un-locode/status-indicators.csv"),
                                   "gem_europe_gas": httpserver.url_for(GEM),
                                   "cables_geo": httpserver.url_for("/scm/cable-geo.json"),
                                   "cables_landing_points": httpserver.url_for("/scm/landing-point-geo.json"),
                                   "cables_detail": httpserver.url_for("/scm/cable/") + "{id}.json",
                                   "gleif_api": httpserver.url_for("/gleif/api/v1"),
                                   "gleif_golden_copy": httpserver.url_for("/gc/publishes")},
        "http": {"retries": 1, "backoff_s": 0.01, "timeout_s": 2, "gleif_requests_per_minute": 60000}}))
    return cfg


def _answer(gleif: FakeGleif, req):
    from werkzeug import Response
    status, body = gleif.respond(req.path.removeprefix("/gleif"), dict(req.args))
    return Response(body, status=status, content_type="application/vnd.api+json")


def _run(cfg: Path):
    res = CliRunner().invoke(main, ["--config", str(cfg), "update"])
    report = json.loads((cfg.parent / "data" / "runs" / "latest.json").read_text())
    return res, report


def _band(root: Path, name: str) -> str:
    con = duckdb.connect(str(root / "data" / "infrarisk.duckdb"), read_only=True)
    try:
        return con.execute("SELECT band FROM out_exposure__assets WHERE name = ?", [name]).fetchone()[0]
    finally:
        con.close()


def test_update_refreshes_every_upstream_and_a_gleif_parent_reaches_band_and_feed(tmp_path, httpserver):
    gleif = FakeGleif()
    gleif.add(PORT, "PORT OF PORTVILLE SA", "FR", exception_reason="NATURAL_PERSONS")
    gem_rows = list(GEM_ROWS)
    cfg = _universe(tmp_path, httpserver, gleif, gem_rows)

    res, first = _run(cfg)
    assert res.exit_code == 0, res.output
    # every remote of the manifests with an upstream whose `update = true`, by default
    assert first["sources"] == ["gem-europe-gas", "gleif-api", "gleif-golden-copy-delta", "naturalearth",
                                "submarine-cables", "unlocode", "wpi"]
    assert set(first["snapshots"]) == set(first["sources"])
    imported = next(st for st in first["stages"] if st["name"] == "import")["imported"]
    assert sorted(imported) == ["gem-europe-gas", "naturalearth", "submarine-cables", "unlocode", "wpi"]
    assert first["refresh"]["gleif-api"]["changes"]["entities"]["added"] == 1
    assert first["refresh"]["gleif-golden-copy-delta"] == {"skipped": "no golden copy ingested: nothing to patch"}
    assert (tmp_path / "data" / "registry.duckdb").is_file()
    band_before = _band(tmp_path, "Portville Container Terminal")

    # GLEIF now says: Port of Portville is consolidated by a Chinese holding, and its LEI lapsed
    gleif.add(DRAGON, "DRAGON PORT HOLDINGS LTD", "CN")
    gleif.add(PORT, "PORT OF PORTVILLE SA", "FR", parent=DRAGON, ultimate=DRAGON, status="LAPSED")
    # and GEM's next release adds a terminal
    gem_rows.append(("Valletta FSRU", "lng_terminal", "", "Enemalta (100%)", "Malta", "point", "35.9", "14.5", "",
                     "proposed_plus"))
    res, second = _run(cfg)
    assert res.exit_code == 0, res.output
    assert second["refresh"]["gem-europe-gas"]["files"]["assets.csv"] == {"added": 1, "changed": 0, "removed": 0}
    assert second["refresh"]["wpi"]["files"]["wpi_ports.csv"] == {"added": 0, "changed": 0, "removed": 0}
    assert second["refresh"]["gleif-api"]["changes"]["links"] == {"added": 2, "changed": 0, "removed": 0}
    band_after = _band(tmp_path, "Portville Container Terminal")
    assert band_after != band_before
    summary = second["refresh"]["_changes"]
    assert summary["assets_band_changed"] and summary["entities_controller_changed"]
    assert summary["leis_registration_changed"] == ["port-of-portville"]
    feed = ET.parse(tmp_path / "site" / "changes.atom").getroot()
    titles = [e.find(f"{ATOM}title").text for e in feed.iter(f"{ATOM}entry")]
    assert f"Band changed: Portville Container Terminal: band {band_before} → {band_after}" in titles
    assert any(t.startswith("Controller changed: Port of Portville: ultimate controller") and "DRAGON" in t
               for t in titles)
    assert any(t.startswith("LEI registration changed: Port of Portville") and "LAPSED" in t for t in titles)
    # the new parent itself: a link between companies, from GLEIF's relationship record
    assert any(t.startswith("Stake added: DRAGON PORT HOLDINGS LTD in Port of Portville") for t in titles)
    assert "DRAGON PORT HOLDINGS LTD" in (tmp_path / "site" / "changes.html").read_text()

    # a GLEIF answer that no longer returns an LEI the data uses: exit 3, the last good site stays
    site = tree_bytes(tmp_path / "site")
    registry = (tmp_path / "data" / "registry.duckdb").read_bytes()
    del gleif.records[PORT]
    res, third = _run(cfg)
    assert res.exit_code == 3 and third["failed_stage"] == "fetch"
    assert "no longer returns 1 LEI(s) the data uses" in third["cause"]["message"]
    assert tree_bytes(tmp_path / "site") == site
    assert (tmp_path / "data" / "registry.duckdb").read_bytes() == registry
    assert not list((tmp_path / "data").glob(".registry.duckdb.*"))
