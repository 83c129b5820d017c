"""The crawls of the source packages (``infrarisk.sources.<package>.fetch``) against a local server: the GLEIF API (served
from the real response samples in ``ownership/formats/gleif_api/``), the golden copy, the
Submarine Cable Map and GEM's UTF-16 CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from infrarisk import http as fetch
from infrarisk.cli import main
from infrarisk.errors import FetchError, SchemaError
from infrarisk.sources._fetch import fetch_sources
from infrarisk.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "data" / "ownership" / "formats"


def _samples() -> Path:
    from infrarisk.settings import Settings as S
    shared = S.load(environ={}).shared_data_dir
    folder = Path(shared) / "ownership" / "formats" if shared else SAMPLES
    if not (folder / "gleif_api").is_dir():
        pytest.skip("GLEIF API samples (shared data) not available")
    return folder


from ..gleif_fake import FakeGleif, lei_with_check

#: LEIs with valid check digits: data entities, their parents (round 2), a grandparent (round 3)
L = [lei_with_check(f"5493001TEST{i:07d}") for i in range(12)]
DATA = L[:7]            # curated 0-2, matching 3, owners 4-6
P1, P2, TOP = L[7], L[8], L[9]


def _fake() -> FakeGleif:
    g = FakeGleif()
    for i, lei in enumerate(DATA):
        g.add(lei, f"Entity {i}", "DE", parent=P1 if i < 4 else None, ultimate=TOP if i < 4 else None,
              exception_reason=None if i < 4 else "NON_CONSOLIDATING")
    g.add(P1, "Parent One", "HK", parent=P2, ultimate=TOP)
    g.add(P2, "Parent Two", "CN", parent=TOP, ultimate=TOP)
    g.add(TOP, "Top Holding", "CN")
    return g


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue())


def _settings(tmp_path, urls, leis=DATA, **http) -> Settings:
    for m in (REPO / "datasets").glob("*/manifest.toml"):  # what can be fetched comes from the manifests
        (tmp_path / "datasets" / m.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(m, tmp_path / "datasets" / m.parent.name / "manifest.toml")
    ds = tmp_path / "datasets"
    shutil.copyfile(REPO / "datasets" / "naturalearth" / "countries.geojson", ds / "naturalearth" / "countries.geojson")
    leis = list(leis)
    _write_csv(ds / "curated" / "entities.csv", ["entity_id", "entity_name", "lei"],
               [[f"e{i}", f"Entity {i}", x] for i, x in enumerate([*leis[:3], "5493001KJTIIGC8Y1R13"])])
    _write_csv(ds / "matching" / "entities.csv", ["entity_id", "entity_name", "lei"],
               [[f"m{i}", f"Match {i}", x] for i, x in enumerate(leis[3:4])])
    _write_csv(ds / "owners" / "owners.csv", ["owner_id", "name", "lei"],
               [[f"o{i}", f"Owner {i}", x] for i, x in enumerate([*leis[4:], leis[0], ""])])
    return Settings.load(environ={}, datasets_dir=tmp_path / "datasets", db_path=tmp_path / "data" / "db.duckdb",
                         site_dir=tmp_path / "site", urls=urls,
                         http={"retries": 1, "backoff_s": 0.01, "gleif_page_size": 200, "gleif_batch_size": 3,
                               "gleif_requests_per_minute": 60, **http})


@pytest.fixture
def waits(monkeypatch):
    """Record the waits; the rate limiter's clock moves on by what was waited (virtual time)."""
    import time
    got: list[float] = []
    real = time.monotonic
    monkeypatch.setattr(fetch, "sleep", lambda s: got.append(s))
    monkeypatch.setattr(fetch.time, "monotonic", lambda: real() + sum(got))
    return got


def _serve(httpserver, fake):
    httpserver.expect_request(re.compile("^/api/v1/.*")).respond_with_handler(fake)


def test_gleif_refresh_asks_for_every_lei_of_the_data_in_batches(httpserver, tmp_path, waits):
    fake = _fake()
    _serve(httpserver, fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    results, failures = fetch_sources(s, ["gleif-api"])
    assert failures == []
    out = tmp_path / "data" / "snapshots" / "gleif-api"
    summary = results[0].summary
    # curated 3 (+1 failing its check digits), matching 1, owners 3 (one repeated, one blank)
    assert summary["leis_from"] == {"curated/entities.csv": 3, "matching/entities.csv": 1, "owners/owners.csv": 4}
    assert summary["leis_in_data"] == 7 and summary["leis_rejected"] == ["5493001KJTIIGC8Y1R13"]
    # round 1: 7 LEIs in batches of 3 -> 3 requests per kind; round 2: P1 and TOP; round 3: P2
    assert summary["rounds"] == 3 and summary["requests"] == 3 * 3 + 3 + 3 == len(fake.paths)
    assert summary["records"] == 10 and summary["leis_not_found"] == []
    assert summary["reporting_exceptions"] == 3 and summary["relationships"] == 4 * 2 + 2 + 2
    kinds = sorted({p.name.split("_")[0] for p in out.glob("*.json")})
    assert kinds == ["lei-records", "relationship-records", "reporting-exceptions"]
    assert sorted(p.name for p in out.glob("lei-records_*.json"))[:3] == [
        "lei-records_round-01_batch-001_page-001.json", "lei-records_round-01_batch-002_page-001.json",
        "lei-records_round-01_batch-003_page-001.json"]
    # every request went to the local server; evenly spaced at 60 a minute
    assert {p.split("?")[0] for p in fake.paths} == {"/api/v1/lei-records", "/api/v1/relationship-records",
                                                     "/api/v1/reporting-exceptions"}
    assert len(waits) == len(fake.paths) - 1 and all(w <= 1.0 for w in waits)
    assert (out / "_crawl.provenance").exists() and not list(out.glob("*.part"))


def test_gleif_responses_ingest_into_the_registry(httpserver, tmp_path, waits):
    import duckdb
    from infrarisk.sources import registry
    _serve(httpserver, _fake())
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    fetch_sources(s, ["gleif-api"])
    con = duckdb.connect()
    rep = registry.ingest(con, "gleif-api", sorted((tmp_path / "data" / "snapshots" / "gleif-api").glob("*.json")))
    assert rep.rows["core_gleifapi__entities"] == 10 and rep.rows["core_gleifapi__unknown_owners"] == 3
    assert con.execute("SELECT owner_entity_id FROM core_gleifapi__links WHERE subject_id = ? AND relationship = "
                       "'direct parent'", [f"lei:{DATA[0]}"]).fetchall() == [(f"lei:{P1}",)]


def test_gleif_malformed_json_keeps_the_previous_crawl(httpserver, tmp_path, waits):
    fake = _fake()
    _serve(httpserver, fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    fetch_sources(s, ["gleif-api"])
    out = tmp_path / "data" / "snapshots" / "gleif-api"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    httpserver.clear()
    httpserver.expect_request("/api/v1/relationship-records").respond_with_data(
        '{"data": [{"type": "relationship-records", "attri', content_type="application/json")
    _serve(httpserver, fake)
    res = CliRunner().invoke(main, ["fetch", "gleif-api"], env=_env(tmp_path, s))
    assert res.exit_code == 3, res.output
    assert "malformed JSON" in res.output and "relationship-records" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_gleif_changed_shape_is_reported(httpserver, tmp_path, waits):
    httpserver.expect_request("/api/v1/reporting-exceptions").respond_with_data(
        json.dumps({"data": {"type": "reporting-exceptions"}}), content_type="application/json")
    _serve(httpserver, _fake())
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    _, failures = fetch_sources(s, ["gleif-api"])
    assert isinstance(failures[0][1], SchemaError) and "unexpected shape: data is dict" in str(failures[0][1])


def test_gleif_ignoring_the_filter_is_a_schema_error(httpserver, tmp_path, waits):
    fake = _fake()
    other = lei_with_check("5493001OTHER000000")
    fake.add(other, "Not asked for", "FR")

    def unfiltered(request):  # a server that answers every lei-records query with the same page
        return Response(json.dumps({"data": [fake.records[other]]}), content_type="application/json")
    httpserver.expect_request("/api/v1/lei-records").respond_with_handler(unfiltered)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    _, failures = fetch_sources(s, ["gleif-api"])
    assert isinstance(failures[0][1], SchemaError) and "was not asked for" in str(failures[0][1])


def test_gleif_429_with_retry_after_is_waited_for(httpserver, tmp_path, waits):
    fake = _fake()
    httpserver.expect_oneshot_request("/api/v1/lei-records").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"}))
    _serve(httpserver, fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    results, failures = fetch_sources(s, ["gleif-api"])
    assert failures == [] and 7.0 in waits
    assert results[0].files[0].attempts == 2


def test_gleif_server_errors_fail_after_the_retries(httpserver, tmp_path, waits):
    httpserver.expect_request(re.compile("^/api/v1/.*")).respond_with_data("down", status=503)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    _, failures = fetch_sources(s, ["gleif-api"])
    assert "HTTP 503" in str(failures[0][1]) and "gave up after 2 attempt(s)" in str(failures[0][1])
    assert not (tmp_path / "data" / "snapshots" / "gleif-api").exists()


@pytest.mark.parametrize("mode, expect", [("truncate", "the body broke off"), ("hang", "timed out"),
                                          ("reset", "connection failed")])
def test_gleif_broken_connections_fail_and_keep_nothing(tmp_path, waits, mode, expect):
    from ..fault_server import FaultServer
    with FaultServer(mode, body=b'{"data": []}' * 50) as srv:
        s = _settings(tmp_path, {"gleif_api": srv.url + "/api/v1"}, timeout_s=0.3)
        _, failures = fetch_sources(s, ["gleif-api"])
    assert expect in str(failures[0][1])
    assert not (tmp_path / "data" / "snapshots" / "gleif-api").exists()


def test_gleif_dropping_an_lei_the_data_uses_is_an_error(httpserver, tmp_path, waits):
    fake = _fake()
    _serve(httpserver, fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")}, gleif_batch_size=200)
    fetch_sources(s, ["gleif-api"])
    out = tmp_path / "data" / "snapshots" / "gleif-api"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    del fake.records[DATA[5]]  # GLEIF no longer returns an owner-register LEI it returned before
    _, failures = fetch_sources(s, ["gleif-api"])
    assert isinstance(failures[0][1], SchemaError)
    assert "no longer returns 1 LEI(s) the data uses" in str(failures[0][1]) and DATA[5] in str(failures[0][1])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_gleif_shrink_guard(httpserver, tmp_path, waits):
    fake = _fake()
    _serve(httpserver, fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")}, gleif_batch_size=200, max_shrink=0.2)
    fetch_sources(s, ["gleif-api"])
    for lei in DATA:  # the parents disappear: 10 records -> 7, more than the 20% allowed
        fake.relationships[lei] = []
    _, failures = fetch_sources(s, ["gleif-api"])
    assert isinstance(failures[0][1], SchemaError) and "max_shrink" in str(failures[0][1])
    assert "7 records where the previous refresh had 10" in str(failures[0][1])


def _env(tmp_path, s: Settings) -> dict:
    cfg = tmp_path / "infrarisk.toml"
    import tomli_w
    cfg.write_text(tomli_w.dumps({"datasets_dir": str(s.datasets_dir), "db_path": str(s.db_path),
                                  "site_dir": str(s.site_dir), "urls": dict(s.urls),
                                  "http": {"retries": 1, "backoff_s": 0.01, "gleif_requests_per_minute": 6000}}))
    return {"INFRARISK_CONFIG": str(cfg)}


def _zip(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, text)
    return buf.getvalue()


def test_golden_copy_index_then_files(httpserver, tmp_path):
    samples = _samples() / "gleif_golden_copy"
    lei2 = (samples / "lei2_level1_sample_2019.csv").read_text(encoding="utf-8")
    rr = (samples / "rr_level2_sample_2019.csv").read_text(encoding="utf-8")
    repex = "LEI,Exception.Category,Exception.Reason.1,Exception.Reference.1\n" \
            "254900LNRYNOQ9YPU758,DIRECT_ACCOUNTING_CONSOLIDATION_PARENT,NON_PUBLIC,\n"
    files = {"lei2": lei2, "rr": rr, "repex": repex}
    index = {"data": [{"publish_date": "2025-05-15 08:00:00", **{
        k: {"full_file": {"csv": {"url": httpserver.url_for(f"/files/{k}-full.zip")}},
            "delta_files": {"LastDay": {"csv": {"url": httpserver.url_for(f"/files/{k}-delta.zip")}}}}
        for k in files}}]}
    httpserver.expect_request("/publishes", query_string="per_page=1").respond_with_json(index)
    for k, text in files.items():
        httpserver.expect_request(f"/files/{k}-full.zip").respond_with_data(_zip(f"{k}.csv", text))
        httpserver.expect_request(f"/files/{k}-delta.zip").respond_with_data(_zip(f"{k}-delta.csv", text))
    s = _settings(tmp_path, {"gleif_golden_copy": httpserver.url_for("/publishes")})
    results, failures = fetch_sources(s, ["gleif-golden-copy", "gleif-golden-copy-delta"])
    assert failures == []
    full = tmp_path / "data" / "snapshots" / "gleif-golden-copy"
    assert sorted(p.name for p in full.iterdir() if not p.name.endswith(".provenance")) == [
        "lei2.csv.zip", "publishes.json", "repex.csv.zip", "rr.csv.zip"]
    assert (tmp_path / "data" / "snapshots" / "gleif-golden-copy-delta" / "rr-LastDay.csv.zip").exists()
    assert "CSV header of 228 columns" in json.loads((full / "lei2.csv.zip.provenance").read_text())["schema"]
    # a golden copy whose rr file lost a column is refused; the previous files stay
    httpserver.clear()
    httpserver.expect_request("/publishes", query_string="per_page=1").respond_with_json(index)
    for k, text in files.items():
        text = text.replace("Relationship.RelationshipType", "Relationship.Kind") if k == "rr" else text
        httpserver.expect_request(f"/files/{k}-full.zip").respond_with_data(_zip(f"{k}.csv", text))
    before = (full / "rr.csv.zip").read_bytes()
    _, failures = fetch_sources(s, ["gleif-golden-copy"])
    assert "missing column(s): Relationship.RelationshipType" in str(failures[0][1])
    assert (full / "rr.csv.zip").read_bytes() == before


def test_cables_layers_then_one_json_per_cable(httpserver, tmp_path, waits):
    def layer(kind, ids):
        geom = {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]} if kind == "line" else \
            {"type": "Point", "coordinates": [0, 0]}
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": i, "name": i.title()}, "geometry": geom} for i in ids]}
    httpserver.expect_request("/cable/cable-geo.json").respond_with_json(layer("line", ["peace", "2africa"]))
    httpserver.expect_request("/landing-point/landing-point-geo.json").respond_with_json(layer("point", ["marseille"]))
    httpserver.expect_request("/cable/peace.json").respond_with_json(
        {"id": "peace", "name": "PEACE", "owners": "PCCW Global, Orange", "landing_points": []})
    httpserver.expect_request("/cable/2africa.json").respond_with_json({"id": "2africa", "name": "2Africa",
                                                                        "owners": ["Meta", "China Mobile"]})
    urls = {"cables_geo": httpserver.url_for("/cable/cable-geo.json"),
            "cables_landing_points": httpserver.url_for("/landing-point/landing-point-geo.json"),
            "cables_detail": httpserver.url_for("/cable/") + "{id}.json"}
    s = _settings(tmp_path, urls)
    results, failures = fetch_sources(s, ["submarine-cables"])
    assert failures == [] and results[0].summary == {"cables": 2, "with_owners": 2, "countries_unmapped": []}
    out = tmp_path / "data" / "snapshots" / "submarine-cables"
    assert json.loads((out / "cable" / "peace.json").read_text())["owners"] == "PCCW Global, Orange"
    assert (out / "cable" / "peace.json.provenance").exists()
    # then the layout the derive step reads, each file with a sidecar naming the layer it came from
    owners = list(csv.DictReader(open(out / "cable_owners.csv")))
    assert [(r["cable_id"], r["owner"]) for r in owners] == [("2africa", "Meta"), ("2africa", "China Mobile"),
                                                             ("peace", "PCCW Global"), ("peace", "Orange")]
    cables = {r["cable_id"]: r for r in csv.DictReader(open(out / "cables.csv"))}
    assert cables["peace"]["owners"] == "PCCW Global; Orange" and cables["peace"]["n_landing_points"] == "0"
    prov = json.loads((out / "cables.csv.provenance").read_text())
    assert prov["url"] == urls["cables_geo"] and prov["schema"].startswith("derived from cable-geo.json")
    routes = json.loads((out / "cables_geo.geojson").read_text())
    assert sorted(f["properties"]["slug"] for f in routes["features"]) == ["2africa", "peace"]


def test_cables_without_owners_anywhere_fail_loudly(httpserver, tmp_path, waits):
    httpserver.expect_request("/geo.json").respond_with_json({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "x", "name": "X"},
         "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]})
    httpserver.expect_request("/lp.json").respond_with_json({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "p", "name": "P"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]})
    httpserver.expect_request("/c/x.json").respond_with_json({"id": "x", "name": "X", "operators": "?"})
    s = _settings(tmp_path, {"cables_geo": httpserver.url_for("/geo.json"),
                             "cables_landing_points": httpserver.url_for("/lp.json"),
                             "cables_detail": httpserver.url_for("/c/") + "{id}.json"})
    _, failures = fetch_sources(s, ["submarine-cables"])
    assert "has an 'owners' field; the API's shape changed" in str(failures[0][1])
    assert not (tmp_path / "data" / "snapshots" / "submarine-cables").exists()


def test_gem_csv_in_utf16_with_bom_becomes_the_derive_layout(httpserver, tmp_path):
    from ..refresh_fixtures import raw_gem_csv
    httpserver.expect_request("/data.csv").respond_with_data(raw_gem_csv())
    s = _settings(tmp_path, {"gem_europe_gas": httpserver.url_for("/data.csv")})
    results, failures = fetch_sources(s, ["gem-europe-gas"])
    assert failures == [] and results[0].files[0].schema == "CSV, 19 columns, 2 records"
    assert results[0].summary == {"assets": 2, "routes": 1, "new_asset_ids": 2, "countries_unmapped": []}
    out = tmp_path / "data" / "snapshots" / "gem-europe-gas"
    assets = list(csv.DictReader(open(out / "gem_europe_gas_assets.csv", encoding="utf-8")))
    assert [(a["asset_id"], a["iso_a2_list"]) for a in assets] == [("gem-eu-gas-00000", "BE"),
                                                                  ("gem-eu-gas-00001", "NL;DE")]
    route = json.loads((out / "gem_europe_gas_pipelines.geojson").read_text())["features"][0]
    assert route["geometry"]["coordinates"] == [[[4.5, 51.5], [6.0, 52.0]], [[6.0, 52.0], [9.0, 53.0]]]


def test_gem_asset_ids_stay_with_their_assets_across_releases(httpserver, tmp_path):
    from ..refresh_fixtures import GEM_ROWS, raw_gem_csv
    httpserver.expect_request("/data.csv").respond_with_data(raw_gem_csv())
    s = _settings(tmp_path, {"gem_europe_gas": httpserver.url_for("/data.csv")})
    fetch_sources(s, ["gem-europe-gas"])
    httpserver.clear()
    new = ("Valletta FSRU", "lng_terminal", "", "Dragon Gas Holdings (100%)", "Malta", "point", "35.9", "14.5", "",
           "proposed_plus")
    httpserver.expect_request("/data.csv").respond_with_data(raw_gem_csv([new, *GEM_ROWS[::-1]]))
    results, failures = fetch_sources(s, ["gem-europe-gas"])
    out = tmp_path / "data" / "snapshots" / "gem-europe-gas"
    ids = {a["project"]: a["asset_id"] for a in csv.DictReader(open(out / "gem_europe_gas_assets.csv"))}
    assert ids == {"Valletta FSRU": "gem-eu-gas-00002", "Harbourton LNG Terminal": "gem-eu-gas-00000",
                   "Rhine Link Gas Pipeline": "gem-eu-gas-00001"}
    assert results[0].summary["new_asset_ids"] == 1


def test_gem_changed_schema_keeps_the_previous_snapshot(httpserver, tmp_path):
    body = "project,unit,type,owner,parent,countries,status\nX,,gas_pipeline,,,Russia,operating\n"
    httpserver.expect_request("/data.csv").respond_with_data(body.encode("utf-16"))
    s = _settings(tmp_path, {"gem_europe_gas": httpserver.url_for("/data.csv")})
    _, failures = fetch_sources(s, ["gem-europe-gas"])
    assert isinstance(failures[0][1], SchemaError) and "missing column(s): status_tabular" in str(failures[0][1])
    assert not (tmp_path / "data" / "snapshots" / "gem-europe-gas").exists()


def test_unlocode_code_list_becomes_the_derive_layout(httpserver, tmp_path):
    from ..refresh_fixtures import raw_unlocode
    urls = {}
    for key, (name, body) in zip(["unlocode", "unlocode_country_codes", "unlocode_function_classifiers",
                                  "unlocode_status_indicators"], raw_unlocode().items()):
        httpserver.expect_request(f"/u/{name}").respond_with_data(body)
        urls[key] = httpserver.url_for(f"/u/{name}")
    s = _settings(tmp_path, urls)
    results, failures = fetch_sources(s, ["unlocode"])
    assert failures == [] and results[0].summary == {"entries": 5, "without_coordinates": 0}
    out = tmp_path / "data" / "snapshots" / "unlocode"
    rows = list(csv.DictReader(open(out / "unlocode_ports_multimodal.csv")))
    assert [r["unlocode"] for r in rows] == ["BEHBT", "DEHAM", "FRPVL", "ITVDL", "MTMLA"]  # no airport, no X
    assert (rows[1]["latitude"], rows[1]["longitude"]) == ("53.55", "9.966667")
    prov = json.loads((out / "unlocode_ports_multimodal.csv.provenance").read_text())
    assert prov["url"] == urls["unlocode"] and prov["schema"] == "derived from code-list.csv: 5 port or multimodal entries"


# --- the fault cases of every refreshed source, for the new ones ---------------------------------

def _upstream(source: str):
    """(files to serve {path: bytes}, URL keys {key: path}, the file faults target, a smaller good body,
    a body in another schema) for each source whose crawl converts a published layout."""
    from ..refresh_fixtures import GEM_ROWS, PORTS, raw_cables, raw_gem_csv, raw_unlocode
    if source == "unlocode":
        files = {f"/u/{k}": v for k, v in raw_unlocode().items()}
        keys = {"unlocode": "/u/code-list.csv", "unlocode_country_codes": "/u/country-codes.csv",
                "unlocode_function_classifiers": "/u/function-classifiers.csv",
                "unlocode_status_indicators": "/u/status-indicators.csv"}
        return files, keys, "/u/code-list.csv", raw_unlocode(PORTS[:1])["code-list.csv"], b"Country,Place\nFR,X\n"
    if source == "gem-europe-gas":
        return ({"/g/data.csv": raw_gem_csv()}, {"gem_europe_gas": "/g/data.csv"}, "/g/data.csv",
                raw_gem_csv(GEM_ROWS[:1]), "project,type\nX,lng_terminal\n".encode("utf-16"))
    files = {f"/c/{k}": v for k, v in raw_cables().items()}
    geo = json.loads(files["/c/cable-geo.json"])
    geo["features"] = geo["features"][:1]
    return (files, {"cables_geo": "/c/cable-geo.json", "cables_landing_points": "/c/landing-point-geo.json",
                    "cables_detail": "/c/cable/{id}.json"}, "/c/cable-geo.json", json.dumps(geo).encode(),
            json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"slug": "x"},
                                                                   "geometry": None}]}).encode())


def _urls(server_url, keys):
    return {k: server_url(v.replace("{id}", "ID")).replace("ID", "{id}") for k, v in keys.items()}


NEW_SOURCES = ["unlocode", "gem-europe-gas", "submarine-cables"]


@pytest.mark.parametrize("source", NEW_SOURCES)
@pytest.mark.parametrize("fault", ["http-500", "429-retry-after", "changed-schema", "shrink", "malformed"])
def test_fault_cases_of_the_converted_sources(httpserver, tmp_path, waits, source, fault):
    files, keys, target, smaller, other_schema = _upstream(source)
    s = _settings(tmp_path, _urls(httpserver.url_for, keys), max_shrink=0.2)
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body)
    results, failures = fetch_sources(s, [source])  # a first good snapshot
    assert failures == [], failures
    out = tmp_path / "data" / "snapshots" / results[0].folder
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    httpserver.clear()
    if fault == "http-500":
        httpserver.expect_request(target).respond_with_data("down", status=500)
    elif fault == "429-retry-after":
        httpserver.expect_oneshot_request(target).respond_with_response(
            Response("slow down", status=429, headers={"Retry-After": "3"}))
    elif fault == "changed-schema":
        httpserver.expect_request(target).respond_with_data(other_schema)
    elif fault == "shrink":
        httpserver.expect_request(target).respond_with_data(smaller)
    else:
        httpserver.expect_request(target).respond_with_data(files[target][: len(files[target]) // 2] + b'\x00"')
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body)
    results, failures = fetch_sources(s, [source])
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    if fault == "429-retry-after":
        assert failures == [] and 3.0 in waits
        assert {k: v for k, v in after.items() if not k.endswith(".provenance")} == \
               {k: v for k, v in before.items() if not k.endswith(".provenance")}
        return
    expect = {"http-500": (FetchError, "HTTP 500"), "changed-schema": (SchemaError, ""),
              "shrink": (SchemaError, "max_shrink"), "malformed": ((SchemaError, FetchError), "")}[fault]
    assert failures and isinstance(failures[0][1], expect[0]) and expect[1] in str(failures[0][1])
    assert after == before  # the previous snapshot, converted files and sidecars included, is kept


@pytest.mark.parametrize("source", NEW_SOURCES)
@pytest.mark.parametrize("mode, expect", [("truncate", "broke off"), ("hang", "timed out")])
def test_broken_connections_of_the_converted_sources(httpserver, tmp_path, waits, source, mode, expect):
    from ..fault_server import FaultServer
    files, keys, target, _, _ = _upstream(source)
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body)
    with FaultServer(mode, body=files[target]) as srv:
        urls = _urls(httpserver.url_for, keys)
        key = next(k for k, v in keys.items() if v == target)
        urls[key] = srv.url + target
        s = _settings(tmp_path, urls, timeout_s=0.3)
        _, failures = fetch_sources(s, [source])
    assert failures and expect in str(failures[0][1])
    assert not (tmp_path / "data" / "snapshots").exists() or not any((tmp_path / "data" / "snapshots").iterdir())
