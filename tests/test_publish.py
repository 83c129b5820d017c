"""``infrarisk update`` end to end against a local server, and its fault cases.

A session fixture publishes a first good site from a tiny universe (``refresh_fixtures``)
served locally; every test works on a clone of that installation (hard links for the
published site, the database, snapshots and builds, which the code only ever replaces by
rename, so a clone cannot alter the original; a real copy of ``datasets/``). Each fault
case then asserts the same three things: the published site is byte-identical to the last
good one (and the database, history and snapshots are untouched), the exit code is
non-zero, and the JSON run report names the failing stage and the cause.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from werkzeug import Response

from infrarisk import http as fetch
from infrarisk import publish, runs
from infrarisk.cli import main
from infrarisk.fsops import link_tree, tree_bytes, write_atomic
from infrarisk.history import History

from .builders import stake, write_curated
from .fault_server import FaultServer
from .refresh_fixtures import ownership_tables, raw_ne_geojson, raw_unlocode, raw_wpi_csv, write_datasets

WPI, NE = "/up/wpi/UpdatedPub150.csv", "/up/ne/countries.geojson"
UNLOCODE = {"unlocode": "code-list.csv", "unlocode_country_codes": "country-codes.csv",
            "unlocode_function_classifiers": "function-classifiers.csv",
            "unlocode_status_indicators": "status-indicators.csv"}
GOOD = {WPI: raw_wpi_csv(), NE: raw_ne_geojson(),
        **{f"/up/unlocode/{name}": body for name, body in raw_unlocode().items()}}
HTTP = {"retries": 1, "backoff_s": 0.01, "timeout_s": 0.5, "connect_timeout_s": 1.0}


@dataclass
class Env:
    """One installation: config, checkout datasets, published site, data folder."""

    root: Path
    urls: dict
    http: dict

    def __post_init__(self):
        self.cfg, self.site = self.root / "infrarisk.toml", self.root / "site"
        self.data, self.datasets = self.root / "data", self.root / "datasets"

    def write_config(self) -> None:
        self.cfg.write_text(tomli_w.dumps({
            "datasets_dir": str(self.datasets), "db_path": str(self.data / "infrarisk.duckdb"),
            "site_dir": str(self.site), "keep_builds": 2, "urls": self.urls, "http": self.http}))

    def run(self, *args: str, env: dict | None = None):
        return CliRunner().invoke(main, ["--config", str(self.cfg), "update", *args], env=env)

    def report(self) -> dict:
        return json.loads((self.data / "runs" / "latest.json").read_text())

    def state(self) -> dict:
        """Everything a failed run must leave as it was (snapshots and their sidecars included:
        new snapshots are committed only with the site they built)."""
        return {"site": tree_bytes(self.site), "db": (self.data / "infrarisk.duckdb").read_bytes(),
                "history": (self.data / "history.duckdb").read_bytes(),
                "snapshots": tree_bytes(self.data / "snapshots"),
                "builds": sorted(p.name for p in (self.data / "builds").iterdir())}


def urls_for(server) -> dict:
    return {"wpi": server.url_for(WPI), "naturalearth": server.url_for(NE),
            **{key: server.url_for(f"/up/unlocode/{name}") for key, name in UNLOCODE.items()}}


def serve(server, skip=()):
    for path, body in GOOD.items():
        if path not in skip:
            server.expect_request(path).respond_with_data(body)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for k in list(os.environ):
        if k.startswith("INFRARISK_"):
            monkeypatch.delenv(k)


@pytest.fixture(scope="session")
def baseline(tmp_path_factory, make_httpserver):
    """A first good update: the last good site every fault case must leave untouched."""
    root = tmp_path_factory.mktemp("baseline")
    write_datasets(root / "datasets")
    env = Env(root, urls_for(make_httpserver), HTTP)
    env.write_config()
    serve(make_httpserver)
    res = env.run()
    make_httpserver.clear()
    assert res.exit_code == 0, res.output
    return env


def clone(base: Env, dest: Path, **http) -> Env:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(base.datasets, dest / "datasets")
    link_tree(base.site, dest / "site")
    link_tree(base.data, dest / "data")
    env = Env(dest, dict(base.urls), {**base.http, **http})
    env.write_config()
    return env


@pytest.fixture
def waits(monkeypatch):
    got: list[float] = []
    monkeypatch.setattr(fetch, "sleep", lambda s: got.append(s))
    return got


def assert_untouched(env: Env, before: dict) -> None:
    after = env.state()
    assert after["site"] == before["site"], "the published site changed"
    assert after["db"] == before["db"], "the published database changed"
    assert after["history"] == before["history"], "the history changed"
    assert after["snapshots"] == before["snapshots"], "a snapshot changed"
    assert after["builds"] == before["builds"], "a build was added or lost"
    assert not [p.name for p in env.root.iterdir() if p.name.startswith(".site.") and not p.name.endswith(".lock")]
    assert not list((env.data / "snapshots").glob(".*"))


# --- the fault cases ---------------------------------------------------------------------------

def _fault_server(env, mode):
    srv = FaultServer(mode, body=GOOD[WPI])
    env.urls["wpi"] = srv.url + WPI
    env.write_config()
    return srv


def _respond(path, body, status=200, headers=None):
    def setup(env, server, tmp_path):
        server.expect_request(path).respond_with_data(body, status=status, headers=headers or {})
        serve(server, skip=(path,))
    return setup


def _wrong_digest(env, server, tmp_path):
    import base64
    import hashlib
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(b"something else").digest()).decode() + ":"
    server.expect_request(WPI).respond_with_data(GOOD[WPI], headers={"Content-Digest": digest})
    serve(server, skip=(WPI,))


def _tampered_snapshot(env, server, tmp_path):
    snap = env.data / "snapshots" / "wpi" / "UpdatedPub150.csv"
    write_atomic(snap, snap.read_bytes().replace(b"Portville", b"Portvilla"))  # a new inode: the original stays
    return ["--no-fetch"]


def _tampered_dataset(env, server, tmp_path):
    p = env.datasets / "curated" / "entities.csv"
    p.write_bytes(p.read_bytes().replace(b"HHLA", b"HHLB"))  # edited without `datasets rehash`
    serve(server)


def _check_fails(env, server, tmp_path):
    t = ownership_tables()
    t["stakes"].append(stake("Ghost Terminal", "HHLA", 10, unlocode="FRZZZ", sid="S-ghost"))
    write_curated(env.datasets / "curated", **t)
    serve(server)


def _big(env, server, tmp_path):
    serve(server)
    return {"INFRARISK_HTTP_MAX_BYTES": "1000"}


_BROKEN_WPI = raw_wpi_csv(extra_row=["1", "2", "3"])
_RENAMED_WPI = raw_wpi_csv(header=[("Port Name" if c == "Main Port Name" else c)
                                   for c in __import__("infrarisk.sources.wpi.derive", fromlist=["x"]).COLUMNS
                                   + __import__("infrarisk.sources.wpi.derive", fromlist=["x"]).IGNORED])

#: id -> (setup, failing stage, exit code, cause pattern)
FAULTS = {
    "http-500": (_respond(WPI, "internal error", 500), "fetch", 6, r"HTTP 500.*gave up after 2 attempt"),
    "http-429-retry-after": (_respond(WPI, "slow down", 429, {"Retry-After": "3"}), "fetch", 6,
                             r"HTTP 429 TOO MANY REQUESTS \(Retry-After: 3\)"),
    "timeout": (lambda env, server, tmp: (_fault_server(env, "hang"), serve(server, skip=(WPI,)))[0], "fetch", 6,
                "timed out"),
    "connection-reset": (lambda env, server, tmp: (_fault_server(env, "reset"), serve(server, skip=(WPI,)))[0],
                         "fetch", 6, "connection failed"),
    "reset-mid-body": (lambda env, server, tmp: (_fault_server(env, "reset-mid-body"),
                                                 serve(server, skip=(WPI,)))[0], "fetch", 6, "broke off"),
    "truncated-body": (lambda env, server, tmp: (_fault_server(env, "truncate"), serve(server, skip=(WPI,)))[0],
                       "fetch", 6, "broke off|truncated"),
    "malformed-json": (_respond(NE, b'{"type": "FeatureCollection", "features": [{"type": '), "fetch", 3,
                       "malformed JSON"),
    "malformed-csv": (_respond(WPI, _BROKEN_WPI), "fetch", 3, "malformed CSV: record 6 has 3 fields"),
    "changed-schema": (_respond(WPI, _RENAMED_WPI), "fetch", 3,
                       "the schema changed; missing column.*Main Port Name; new column.*Port Name"),
    "html-instead-of-csv": (_respond(WPI, b"<html><body>Maintenance</body></html>"), "fetch", 3,
                            "the schema changed"),
    "empty-body": (_respond(NE, b""), "fetch", 3, "empty body"),
    "too-large": (_big, "fetch", 6, "more than the limit of 1,000 bytes"),
    "checksum-mismatch-in-transfer": (_wrong_digest, "fetch", 6, "checksum mismatch: the server states sha256"),
    "checksum-mismatch-snapshot-on-disk": (_tampered_snapshot, "import", 3,
                                           "checksum mismatch: snapshot wpi/UpdatedPub150.csv"),
    "checksum-mismatch-dataset": (_tampered_dataset, "build:verify", 3, r"entities.csv: sha256 .*manifest says"),
    "data-check-fails": (_check_fails, "build:checks", 4, "terminals_without_position"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_keeps_the_last_good_site(fault, baseline, httpserver, tmp_path, waits):
    setup, stage, code, cause = FAULTS[fault]
    env = clone(baseline, tmp_path / "inst")
    out = setup(env, httpserver, tmp_path)
    before = env.state()
    args = out if isinstance(out, list) else []
    extra_env = out if isinstance(out, dict) else None
    try:
        res = env.run(*args, env=extra_env)
    finally:
        if isinstance(out, FaultServer):
            out.stop()
    assert res.exit_code == code, res.output
    rep = env.report()
    assert rep["status"] == "failed" and rep["exit_code"] == code
    assert rep["failed_stage"] == stage, rep["stages"]
    import re
    assert re.search(cause, rep["cause"]["message"]), rep["cause"]["message"]
    assert re.search(cause, res.output)
    assert_untouched(env, before)
    if fault == "http-429-retry-after":
        assert 3.0 in waits  # the client waited as asked before giving up


def _disk_full_while_writing_a_page(monkeypatch):
    from infrarisk.site import pages
    real, calls = pages.write_text, []

    def disk_full(path, text):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)
    monkeypatch.setattr(pages, "write_text", disk_full)


def _disk_full_while_copying_the_site_for_publishing(monkeypatch):
    def half_copy(src, dest):
        Path(dest).mkdir(parents=True)
        (Path(dest) / "index.html").write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device", str(dest))
    monkeypatch.setattr(publish, "link_tree", half_copy)


@pytest.mark.parametrize("inject, stage", [(_disk_full_while_writing_a_page, "build:site"),
                                           (_disk_full_while_copying_the_site_for_publishing, "publish")],
                         ids=["in-the-middle-of-a-build", "while-publishing"])
def test_write_failure(inject, stage, baseline, httpserver, tmp_path, monkeypatch):
    env = clone(baseline, tmp_path / "inst")
    before = env.state()
    serve(httpserver)
    inject(monkeypatch)
    res = env.run()
    assert res.exit_code == 1
    rep = env.report()
    assert rep["failed_stage"] == stage and "No space left on device" in rep["cause"]["message"]
    assert_untouched(env, before)


def test_a_held_lock_stops_the_run_at_once(baseline, httpserver, tmp_path):
    env = clone(baseline, tmp_path / "inst")
    before = env.state()
    with runs.RunLock(env.root / ".site.lock", "someone-else"):
        res = env.run()
    assert res.exit_code == 5
    assert "another infrarisk run holds the lock" in res.output and "run someone-else" in res.output
    rep = env.report()
    assert rep["failed_stage"] == "lock" and rep["cause"]["type"] == "LockBusy"
    assert_untouched(env, before)
    assert httpserver.log == []  # nothing was fetched


class BlockedRun:
    """``infrarisk update`` in a real second process, held up in its first download."""

    def __init__(self, env: Env, server):
        self.release, self.started = threading.Event(), threading.Event()

        def slow(request):
            self.started.set()
            self.release.wait(60)
            return Response(GOOD[WPI])
        server.expect_request(WPI).respond_with_handler(slow)
        serve(server, skip=(WPI,))
        self.proc = subprocess.Popen([sys.executable, "-m", "infrarisk.cli", "--config", str(env.cfg), "update"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={k: v for k, v in os.environ.items() if not k.startswith("INFRARISK_")})
        lock = env.root / ".site.lock"
        for _ in range(600):
            if f'"pid": {self.proc.pid}' in (lock.read_text() if lock.exists() else "") and self.started.is_set():
                return
            time.sleep(0.05)
        self.finish()
        pytest.fail("the first run did not start its download")

    def finish(self) -> tuple[int, str]:
        self.release.set()
        out, _ = self.proc.communicate(timeout=120)
        return self.proc.returncode, out.decode()


def test_two_overlapping_runs(baseline, httpserver, tmp_path):
    """The first run is held up in its download; the second exits with code 5 at once and
    changes nothing; the first then completes and publishes."""
    env = clone(baseline, tmp_path / "inst", timeout_s=60)
    before = env.state()
    first = BlockedRun(env, httpserver)
    try:
        second = env.run()
        assert second.exit_code == 5, second.output
        assert f"pid {first.proc.pid}" in second.output
        assert env.state()["site"] == before["site"]
    finally:
        code, out = first.finish()
    assert code == 0, out
    assert env.report()["status"] == "published"
    assert env.state()["site"] == before["site"]  # same inputs: the same site, byte for byte


def test_a_terminated_run_reports_and_leaves_no_debris(baseline, httpserver, tmp_path):
    """SIGTERM (systemd stop, CI timeout) mid-run: the report says so, nothing changed, the
    lock is free; debris a killed run leaves is cleared by the next run."""
    import signal
    env = clone(baseline, tmp_path / "inst", timeout_s=60)
    before = env.state()
    run = BlockedRun(env, httpserver)
    run.proc.send_signal(signal.SIGTERM)
    code, out = run.finish()
    assert code == 143, out
    rep = env.report()
    assert rep["status"] == "failed" and rep["failed_stage"] == "fetch" and "stopped" in rep["cause"]["message"]
    assert_untouched(env, before)
    # what a SIGKILL would leave: a half-copied site, a temporary database, a staging snapshot, a build
    (env.root / ".site.20990101T000000Z-dead00.new").mkdir()
    (env.data / ".infrarisk.duckdb.20990101T000000Z-dead00.tmp").write_bytes(b"half")
    (env.data / "snapshots" / ".wpi.99999.tmp").mkdir()
    (env.data / "builds" / "20990101T000000Z-dead00").mkdir()
    httpserver.clear()
    serve(httpserver)
    assert env.run().exit_code == 0
    assert len([x for s in env.report()["stages"] if s["name"] == "clean" for x in s["removed"]]) == 4
    assert_untouched(env, {**env.state(), "site": before["site"]})


# --- what a good run does ---------------------------------------------------------------------------

def test_dry_run_builds_but_publishes_nothing(baseline, httpserver, tmp_path):
    env = clone(baseline, tmp_path / "inst")
    before = env.state()
    serve(httpserver)
    res = env.run("--dry-run")
    assert res.exit_code == 0, res.output
    rep = env.report()
    assert rep["status"] == "dry-run" and [s["status"] for s in rep["stages"] if s["name"] == "publish"] == ["skipped"]
    assert Path(rep["published"]["site_would_be"]).joinpath("index.html").exists()
    # the run report carries the facts to re-check (infrarisk review) and their count
    assert rep["review"]["facts_to_recheck"] == rep["counts"]["facts_to_recheck"] > 0
    assert sum(rep["review"]["by_rank"].values()) == rep["review"]["facts_to_recheck"]
    assert rep["review"]["first"] and {"file", "row", "reasons", "evidence_date"} <= set(rep["review"]["first"][0])
    after = env.state()
    assert {k: after[k] for k in ("site", "db", "history", "snapshots")} == \
        {k: before[k] for k in ("site", "db", "history", "snapshots")}


def test_the_same_inputs_give_the_same_site(baseline, httpserver, tmp_path):
    env = clone(baseline, tmp_path / "inst")
    before = env.state()
    serve(httpserver)
    assert env.run().exit_code == 0
    rep = env.report()
    assert rep["status"] == "published" and rep["published"]["is_new_state"] is False
    assert rep["snapshots"]["wpi"]["outcomes"] == {"unchanged": 1}
    assert env.state()["site"] == before["site"]
    runs = History(env.data / "history.duckdb").runs()
    assert len(runs) == 2 and runs["state_digest"].nunique() == 1


def test_an_edited_stake_shows_in_the_change_list_and_the_feed(baseline, httpserver, tmp_path):
    env = clone(baseline, tmp_path / "inst")
    serve(httpserver)
    write_curated(env.datasets / "curated", **ownership_tables(cosco_pct=35.0))
    res = env.run()
    assert res.exit_code == 0, res.output
    rep = env.report()
    assert rep["changes"]["changed"] == 2 and rep["changes"]["band"] >= 1
    html = (env.site / "changes.html").read_text()
    assert "Stake changed (share)" in html and "24.99%, current" in html and "35%, current" in html
    assert "Tollerort" in html and "2023-06-19" in html  # the stake keeps its date
    csv_text = (env.site / "data" / "changes.csv").read_text()
    assert "changed,asset,terminal:tollerort,Tollerort,cosco-shipping-ports,COSCO SHIPPING Ports,24.99%,35%" in csv_text
    feed = ET.parse(env.site / "changes.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert "Stake changed: COSCO SHIPPING Ports in Tollerort: 24.99% (current) → 35% (current)" in titles
    assert any(t.startswith("Band changed: Tollerort: band elevated → high") for t in titles)
    ids = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
    # running again with the same inputs changes nothing, ids included
    site_after_edit = tree_bytes(env.site)
    assert env.run().exit_code == 0
    assert tree_bytes(env.site) == site_after_edit
    # an edit back is a new change; the earlier one stays in the feed with its id
    write_curated(env.datasets / "curated", **ownership_tables(cosco_pct=24.99))
    assert env.run().exit_code == 0
    feed = ET.parse(env.site / "changes.atom").getroot()
    ids2 = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert set(ids) <= set(ids2) and len(ids2) == 2 * len(ids)
    hist = History(env.data / "history.duckdb")
    assert len(hist.runs()) == 4 and len(hist.states()) == 2  # the first state came back: recorded once


def test_old_builds_are_pruned_and_a_foreign_site_is_kept(baseline, httpserver, tmp_path):
    env = clone(baseline, tmp_path / "inst")
    shutil.rmtree(env.site)
    env.site.mkdir()
    (env.site / "index.html").write_text("a site made by hand")
    os.utime(env.site, (time.time() - 3600, time.time() - 3600))
    serve(httpserver)
    assert env.run().exit_code == 0
    replaced = [p for p in (env.data / "builds").iterdir() if p.name.endswith("-replaced")]
    assert [(p / "site" / "index.html").read_text() for p in replaced] == ["a site made by hand"]
    runs = [env.report()["run_id"]]
    for _ in range(2):
        assert env.run().exit_code == 0
        runs.append(env.report()["run_id"])
    assert sorted(p.name for p in (env.data / "builds").iterdir()) == runs[-2:]  # keep_builds = 2
