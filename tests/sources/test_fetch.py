"""The crawls of the source packages (``infrarisk.sources.<package>.fetch``) against a local server: the GLEIF API (served
from the real response samples in ``ownership/formats/gleif_api/``), the golden copy, the
Submarine Cable Map and GEM's UTF-16 CSV."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from infrarisk import http as fetch
from infrarisk.cli import main
from infrarisk.errors import SchemaError
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


A = "5493001KJTIIGC8Y1R12"  # Bloomberg Finance L.P. (real record; direct parent relationship sample)
B = "549300B56MD0ZC402L06"  # Bloomberg L.P. (the direct-parent sample's record)
C = "254900LNRYNOQ9YPU758"  # direct-parent reporting exception sample
D = "549300O897ZC5H7CY412"  # ultimate-parent relationship sample (parent E)
E = "549300OWK6ZGNYP4G142"  # not in the fake registry: "not found"
LIMA = "254900RX3NW13DDG3905"  # from the direct-children sample


class FakeGleif:
    """Serves the samples verbatim per endpoint; batch queries paged like the real API."""

    def __init__(self, folder: Path):
        self.folder = folder / "gleif_api"
        rec_a = self.load("lei-record_5493001KJTIIGC8Y1R12.json")["data"]
        rec_b = self.load("direct-parent_5493001KJTIIGC8Y1R12.json")["data"]
        children = self.load("direct-children_5299001ERX0K10IZUL40.json")["data"]
        rec_c = self._variant(rec_a, C, "Exception Holding", {"direct-parent": {"links": {
            "reporting-exception": f"https://api.gleif.org/api/v1/lei-records/{C}/direct-parent-reporting-exception"}}})
        rec_d = self._variant(rec_a, D, "La Gare Holding AB", {"ultimate-parent": {"links": {
            "relationship-record": f"https://api.gleif.org/api/v1/lei-records/{D}/ultimate-parent-relationship",
            "lei-record": f"https://api.gleif.org/api/v1/lei-records/{D}/ultimate-parent"}}})
        self.records = {r["attributes"]["lei"]: r for r in [rec_a, rec_b, rec_c, rec_d, *children]}
        self.verbatim = {
            f"/lei-records/{A}/direct-parent-relationship": "direct-parent-relationship_5493001KJTIIGC8Y1R12.json",
            f"/lei-records/{C}/direct-parent-reporting-exception":
                "direct-parent-reporting-exception_254900LNRYNOQ9YPU758.json",
            f"/lei-records/{D}/ultimate-parent-relationship": "ultimate-parent-relationship_549300O897ZC5H7CY412.json",
        }
        self.paths: list[str] = []

    def load(self, name):
        return json.loads((self.folder / name).read_bytes())

    @staticmethod
    def _variant(rec, lei, name, relationships):
        r = copy.deepcopy(rec)
        r["id"] = r["attributes"]["lei"] = lei
        r["attributes"]["entity"]["legalName"]["name"] = name
        r["relationships"] = {k: v for k, v in r["relationships"].items()
                              if k not in ("direct-parent", "ultimate-parent")} | relationships
        return r

    def __call__(self, request):
        self.paths.append(request.full_path)
        path = request.path.removeprefix("/api/v1")
        if path == "/lei-records":
            leis = request.args["filter[lei]"].split(",")
            size, number = int(request.args["page[size]"]), int(request.args["page[number]"])
            found = [self.records[x] for x in sorted(leis) if x in self.records]
            last = max(1, -(-len(found) // size))
            doc = {"meta": {"goldenCopy": {"publishDate": "2025-05-15T00:00:00Z"},
                            "pagination": {"currentPage": number, "perPage": size, "total": len(found),
                                           "lastPage": last}},
                   "data": found[(number - 1) * size: number * size]}
            return Response(json.dumps(doc), content_type="application/vnd.api+json")
        if path in self.verbatim:
            return Response((self.folder / self.verbatim[path]).read_bytes(), content_type="application/vnd.api+json")
        return Response(json.dumps({"errors": [{"status": "404", "title": "Not Found"}]}), status=404)


def _settings(tmp_path, urls, leis=(A, C, D, LIMA), **http) -> Settings:
    for m in (REPO / "datasets").glob("*/manifest.toml"):  # what can be fetched comes from the manifests
        (tmp_path / "datasets" / m.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(m, tmp_path / "datasets" / m.parent.name / "manifest.toml")
    ds = tmp_path / "datasets" / "curated"
    ds.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["entity_id", "entity_name", "lei"])
    for i, lei in enumerate([*leis, "5493001KJTIIGC8Y1R13"]):  # the last fails its check digits
        w.writerow([f"e{i}", f"Entity {i}", lei])
    (ds / "entities.csv").write_text(buf.getvalue())
    return Settings.load(environ={}, datasets_dir=tmp_path / "datasets", db_path=tmp_path / "data" / "db.duckdb",
                         site_dir=tmp_path / "site", urls=urls,
                         http={"retries": 1, "backoff_s": 0.01, "gleif_page_size": 2, "gleif_batch_size": 3,
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


def test_gleif_crawl_on_the_real_samples(httpserver, tmp_path, waits):
    fake = FakeGleif(_samples())
    httpserver.expect_request(__import__("re").compile("^/api/v1/.*")).respond_with_handler(fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    results, failures = fetch_sources(s, ["gleif-api"])
    assert failures == []
    out = tmp_path / "data" / "snapshots" / "gleif-api"
    # relationship and exception responses are kept verbatim, under the samples' names
    for name in ("direct-parent-relationship_5493001KJTIIGC8Y1R12.json",
                 "direct-parent-reporting-exception_254900LNRYNOQ9YPU758.json",
                 "ultimate-parent-relationship_549300O897ZC5H7CY412.json"):
        assert (out / name).read_bytes() == (fake.folder / name).read_bytes()
        assert json.loads((out / (name + ".provenance")).read_text())["source"] == "gleif-api"
    summary = results[0].summary
    assert summary["leis_on_map"] == 4 and summary["leis_rejected"] == ["5493001KJTIIGC8Y1R13"]
    assert summary["leis_not_found"] == [E]  # the ultimate parent of D, asked in round 2
    assert summary["records"] == 5  # A, C, D, Lima, then B (A's direct parent)
    assert (summary["relationships"], summary["exceptions"]) == (2, 1)
    assert summary["golden_copy_publish_dates"] == ["2025-05-15T00:00:00Z"]
    # batches of 3 LEIs, pages of 2: round 1 asks (A, C, D) in two pages, then (Lima); round 2 (B, E)
    pages = sorted(p.name for p in out.glob("lei-records_*.json"))
    assert pages == ["lei-records_round-01_batch-001_page-001.json", "lei-records_round-01_batch-001_page-002.json",
                     "lei-records_round-01_batch-002_page-001.json", "lei-records_round-02_batch-001_page-001.json"]
    page = json.loads((out / pages[0]).read_text())
    assert page["meta"]["pagination"]["lastPage"] == 2 and [r["type"] for r in page["data"]] == ["lei-records"] * 2
    # every request went to the local server, never to links inside the responses; at most 60 a minute
    assert all(p.startswith("/api/v1/lei-records") for p in fake.paths)
    assert len(waits) == len(fake.paths) - 1 and all(w <= 1.0 for w in waits)
    assert summary["requests"] == len(fake.paths)
    assert (out / "_crawl.provenance").exists() and not list(out.glob("*.part"))


def test_gleif_malformed_json_keeps_the_previous_crawl(httpserver, tmp_path, waits):
    fake = FakeGleif(_samples())
    httpserver.expect_request(__import__("re").compile("^/api/v1/.*")).respond_with_handler(fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    fetch_sources(s, ["gleif-api"])
    out = tmp_path / "data" / "snapshots" / "gleif-api"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    httpserver.clear()
    broken = f"/api/v1/lei-records/{A}/direct-parent-relationship"
    httpserver.expect_request(broken).respond_with_data('{"data": {"type": "relationship-records", "attri',
                                                        content_type="application/json")
    httpserver.expect_request(__import__("re").compile("^/api/v1/.*")).respond_with_handler(fake)
    res = CliRunner().invoke(main, ["fetch", "gleif-api"], env=_env(tmp_path, s))
    assert res.exit_code == 3, res.output
    assert "malformed JSON" in res.output and broken in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_gleif_changed_shape_is_reported(httpserver, tmp_path, waits):
    fake = FakeGleif(_samples())
    httpserver.expect_request(f"/api/v1/lei-records/{A}/direct-parent-relationship").respond_with_data(
        json.dumps({"data": [{"type": "relationship-records"}]}), content_type="application/json")
    httpserver.expect_request(__import__("re").compile("^/api/v1/.*")).respond_with_handler(fake)
    s = _settings(tmp_path, {"gleif_api": httpserver.url_for("/api/v1")})
    _, failures = fetch_sources(s, ["gleif-api"])
    assert isinstance(failures[0][1], SchemaError) and "unexpected shape: data is list" in str(failures[0][1])


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
    assert failures == [] and results[0].summary == {"cables": 2, "with_owners": 2}
    out = tmp_path / "data" / "snapshots" / "submarine-cables"
    assert json.loads((out / "cable" / "peace.json").read_text())["owners"] == "PCCW Global, Orange"
    assert (out / "cable" / "peace.json.provenance").exists()


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


def test_gem_csv_in_utf16_with_bom(httpserver, tmp_path):
    header = "project,unit,type,owner,parent,countries,status_tabular,status,url,route\n"
    body = header + 'Nord Stream,,gas_pipeline,,"Gazprom [51.00%]",Russia,operating,operating,https://gem.wiki/x,1:2\n'
    httpserver.expect_request("/data.csv").respond_with_data(body.encode("utf-16"))
    s = _settings(tmp_path, {"gem_europe_gas": httpserver.url_for("/data.csv")})
    results, failures = fetch_sources(s, ["gem-europe-gas"])
    assert failures == [] and results[0].files[0].schema == "CSV, 10 columns, 1 records"
