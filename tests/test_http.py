"""The HTTP client of ``infrarisk.http`` against local servers: retries, Retry-After, timeouts,
broken connections, truncated bodies, size limit, checksums, conditional GET, schema checks,
the provenance sidecar and the all-or-nothing replacement of a source's snapshot."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from werkzeug import Response

from infrarisk import http as fetch
from infrarisk.errors import FetchError, SchemaError
from infrarisk.http import HttpClient, RateLimiter, download, read_provenance
from infrarisk.settings import HttpSettings, Settings
from infrarisk.sources._checks import CsvCheck
from infrarisk.sources._fetch import RemoteFile, RemoteSource, fetch_source

from .fault_server import FaultServer

CSV = b"a,b\n1,2\n3,4\n"
CHECK = CsvCheck(("a", "b"), exact=True)


def H(**kw) -> HttpSettings:
    base = dict(retries=2, backoff_s=0.01, timeout_s=0.5, connect_timeout_s=1.0)
    return HttpSettings(**{**base, **kw})


@pytest.fixture
def waits(monkeypatch):
    """Record the client's waits instead of sleeping."""
    got: list[float] = []
    monkeypatch.setattr(fetch, "sleep", lambda s: got.append(round(s, 3)))
    return got


def dl(url, dest, http=None, check=CHECK, **kw):
    with HttpClient(http or H()) as c:
        return download(c, url, dest, check, source="t", **kw)


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".part")]


def test_download_writes_file_and_provenance(httpserver, tmp_path):
    httpserver.expect_request("/a.csv").respond_with_data(
        CSV, content_type="text/csv", headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})
    r = dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert (r.outcome, r.bytes, r.attempts) == ("new", len(CSV), 1)
    assert (tmp_path / "a.csv").read_bytes() == CSV
    prov = json.loads((tmp_path / "a.csv.provenance").read_text())
    assert prov["url"] == httpserver.url_for("/a.csv")
    assert prov["sha256"] == hashlib.sha256(CSV).hexdigest() and prov["bytes"] == len(CSV)
    assert prov["etag"] == '"v1"' and prov["last_modified"].startswith("Wed, 21 Oct 2015")
    assert prov["status"] == 200 and prov["schema"] == "CSV, 2 columns, 2 records"
    assert prov["retrieved_at"].endswith("Z")
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("infrarisk/")


def test_conditional_get_304_keeps_the_file(httpserver, tmp_path):
    url = httpserver.url_for("/a.csv")
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(CSV, headers={"ETag": '"v1"'})
    first = dl(url, tmp_path / "a.csv")
    seen = []

    def conditional(request):
        seen.append(request.headers.get("If-None-Match"))
        return Response(status=304)
    httpserver.expect_request("/a.csv").respond_with_handler(conditional)
    r = dl(url, tmp_path / "a.csv")
    assert seen == ['"v1"'] and r.outcome == "not-modified"
    assert (tmp_path / "a.csv").read_bytes() == CSV
    prov = read_provenance(tmp_path / "a.csv")
    assert prov.status == 304 and prov.sha256 == first.sha256


def test_the_same_bytes_again_keep_their_retrieval_date(httpserver, tmp_path):
    httpserver.expect_request("/a.csv").respond_with_data(CSV)
    dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    side = tmp_path / "a.csv.provenance"
    side.write_text(side.read_text().replace(read_provenance(tmp_path / "a.csv").retrieved_at, "2020-01-01T00:00:00Z"))
    r = dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert r.outcome == "unchanged"
    assert read_provenance(tmp_path / "a.csv").retrieved_at == "2020-01-01T00:00:00Z"


def test_http_500_is_retried_then_fails(httpserver, tmp_path, waits):
    httpserver.expect_request("/a.csv").respond_with_data("oops", status=500)
    with pytest.raises(FetchError, match=r"HTTP 500.*gave up after 3 attempt"):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert len(httpserver.log) == 3 and waits == [0.01, 0.02]
    assert not (tmp_path / "a.csv").exists() and no_temp_files(tmp_path)


def test_a_500_then_a_200_succeeds_after_backoff(httpserver, tmp_path, waits):
    httpserver.expect_ordered_request("/a.csv").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/a.csv").respond_with_data(CSV)
    r = dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert r.attempts == 2 and waits == [0.01] and (tmp_path / "a.csv").read_bytes() == CSV


def test_429_waits_as_long_as_retry_after_asks(httpserver, tmp_path, waits):
    httpserver.expect_ordered_request("/a.csv").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/a.csv").respond_with_data(CSV)
    r = dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert waits == [7.0] and r.waited_s == 7.0 and r.outcome == "new"


def test_retry_after_beyond_the_limit_fails_at_once(httpserver, tmp_path, waits):
    httpserver.expect_request("/a.csv").respond_with_data("later", status=503, headers={"Retry-After": "86400"})
    with pytest.raises(FetchError, match="asks to wait 86400 s, more than http.max_retry_after_s"):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert len(httpserver.log) == 1 and waits == []


def test_a_server_that_never_answers_times_out(tmp_path, waits):
    with FaultServer("hang") as srv:
        with pytest.raises(FetchError, match=r"timed out.*gave up after 2"):
            dl(srv.url + "/a.csv", tmp_path / "a.csv", http=H(retries=1, timeout_s=0.3))
        assert srv.hits == 2


@pytest.mark.parametrize("mode, message", [("reset", "connection failed"), ("reset-mid-body", "broke off"),
                                           ("truncate", "broke off|truncated")])
def test_broken_connections_and_truncated_bodies_fail_cleanly(tmp_path, waits, mode, message):
    with FaultServer(mode, body=CSV * 200) as srv:
        with pytest.raises(FetchError, match=message):
            dl(srv.url + "/a.csv", tmp_path / "a.csv", check=CsvCheck(("a", "b")))
        assert srv.hits == 3
    assert not (tmp_path / "a.csv").exists() and no_temp_files(tmp_path)


def test_size_limit(httpserver, tmp_path):
    httpserver.expect_request("/a.csv").respond_with_data(CSV * 10)
    with pytest.raises(FetchError, match="more than the limit of 20 bytes"):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv", http=H(max_bytes=20))
    assert no_temp_files(tmp_path) and not (tmp_path / "a.csv").exists()


def _digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def test_checksum_mismatch_is_retried_then_fails(httpserver, tmp_path, waits):
    httpserver.expect_request("/a.csv").respond_with_data(CSV, headers={"Content-Digest": _digest(b"other")})
    with pytest.raises(FetchError, match="checksum mismatch"):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert len(httpserver.log) == 3 and not (tmp_path / "a.csv").exists()


def test_a_stated_checksum_that_matches_is_accepted(httpserver, tmp_path):
    httpserver.expect_request("/a.csv").respond_with_data(CSV, headers={"Content-Digest": _digest(CSV)})
    assert dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv").outcome == "new"


@pytest.mark.parametrize("body, message", [
    (b"a,c\n1,2\n", "the schema changed; missing column"),
    (b"a,b\n1,2\n3,4,5\n", "malformed CSV: record 2 has 3 fields"),
    (b"a,b\n1,\"2\n", "malformed CSV"),
    (b"<html><body>Service unavailable</body></html>", "the schema changed"),
    (b"", "empty body"),
])
def test_what_fails_its_check_never_replaces_the_previous_file(httpserver, tmp_path, body, message):
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(CSV)
    dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    before = (tmp_path / "a.csv.provenance").read_bytes()
    httpserver.expect_request("/a.csv").respond_with_data(body)
    with pytest.raises(SchemaError, match=message):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == CSV and (tmp_path / "a.csv.provenance").read_bytes() == before
    assert no_temp_files(tmp_path)


def test_a_file_that_lost_most_of_its_records_is_refused(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(b"a,b\n" + b"1,2\n" * 10)
    dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")
    httpserver.expect_request("/a.csv").respond_with_data(b"a,b\n1,2\n")
    with pytest.raises(SchemaError, match="1 records where the previous snapshot had 10"):
        dl(httpserver.url_for("/a.csv"), tmp_path / "a.csv")


def test_404_of_an_optional_resource(httpserver, tmp_path):
    httpserver.expect_request("/x.json").respond_with_data("no", status=404)
    assert dl(httpserver.url_for("/x.json"), tmp_path / "x.json", missing_ok=True) is None
    with pytest.raises(FetchError, match="HTTP 404"):
        dl(httpserver.url_for("/x.json"), tmp_path / "x.json")
    assert len(httpserver.log) == 2  # a 404 is an answer, not retried


def test_rate_limiter_never_exceeds_its_rate():
    t, starts = [0.0], []

    def fake_sleep(s):
        t[0] += s
    rl = RateLimiter(60, clock=lambda: t[0], sleep=fake_sleep)
    for _ in range(121):
        rl.wait()
        starts.append(t[0])
    # any 60 consecutive seconds hold at most 60 request starts
    assert all(starts[i + 60] - starts[i] >= 60.0 for i in range(len(starts) - 60))


def _settings(tmp_path, urls, **http):
    return Settings.load(environ={}, datasets_dir=tmp_path / "datasets", db_path=tmp_path / "data" / "db.duckdb",
                         site_dir=tmp_path / "site", urls=urls, http={"retries": 0, "backoff_s": 0.01, **http})


def test_a_source_is_replaced_whole_or_not_at_all(httpserver, tmp_path):
    src = RemoteSource(id="two", folder="two", title="two files", kind="files",
                       files=(RemoteFile("a.csv", "k_a", "http://unused", CHECK),
                              RemoteFile("b.csv", "k_b", "http://unused", CHECK)))
    s = _settings(tmp_path, {"k_a": httpserver.url_for("/a.csv"), "k_b": httpserver.url_for("/b.csv")})
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(CSV)
    httpserver.expect_oneshot_request("/b.csv").respond_with_data(CSV)
    with HttpClient(s.http) as c:
        fetch_source(c, src, s, print)
    folder = tmp_path / "data" / "snapshots" / "two"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == ["a.csv", "a.csv.provenance", "b.csv", "b.csv.provenance"]
    new = b"a,b\n5,6\n7,8\n"
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(new)
    httpserver.expect_oneshot_request("/b.csv").respond_with_data("down", status=500)
    with HttpClient(s.http) as c, pytest.raises(FetchError):
        fetch_source(c, src, s, print)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # a.csv not half-refreshed
    assert [p.name for p in folder.parent.iterdir()] == ["two"]  # no staging folder left
    httpserver.expect_oneshot_request("/a.csv").respond_with_data(new)
    httpserver.expect_oneshot_request("/b.csv").respond_with_data(new)
    with HttpClient(s.http) as c:
        res = fetch_source(c, src, s, print)
    assert res.counts() == {"changed": 2} and (folder / "a.csv").read_bytes() == new
