"""The build's stages run side by side (:mod:`infrarisk.pipeline`): the same database and site as in
turn (``build_workers = 1``); a failure in a child process fails the build and publishes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infrarisk import parallel
from infrarisk.db import connect
from infrarisk.errors import DataError
from tests.conftest import REPO_DATASETS, build_datasets

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork")

TIMELINE = ("out_timeline__asset_bands", "out_timeline__dates", "out_timeline__inge2")


def _rows(db: Path, table: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table}").fetchall()  # stored order: written ordered
    finally:
        con.close()


def _scratch_left() -> list[str]:
    """This process's working files left in the scratch folder (the builds here use the default)."""
    from infrarisk.fsops import scratch_dir
    d = scratch_dir(None, Path("/nonexistent"), 1 << 30)
    return sorted(p.name for p in d.glob(f".db.duckdb.{os.getpid()}.tmp*")) if d.is_dir() else []


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_process_builds_what_two_build(real_build, tmp_path):
    """``build_workers = 1``: the load, the timeline and the site's parts in turn, in one process."""
    _, report = real_build  # two processes: load lanes, the timeline beside resolve and score, site reads, parts
    assert {"timeline", "site reads"} <= report.elsewhere.keys() and report.stages["timeline"] > 0
    _, alone = build_datasets(tmp_path, REPO_DATASETS, "one", build_workers=1)
    con_a, con_b = connect(report.db_path, read_only=True), connect(alone.db_path, read_only=True)
    try:
        tables = [r[0] for r in con_a.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        assert tables == [r[0] for r in con_b.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for t in tables:
            q = f'SELECT * FROM "{t}"'  # stored order: every table is written ordered
            assert con_a.execute(q).fetchall() == con_b.execute(q).fetchall(), t
    finally:
        con_a.close()
        con_b.close()
    for t in TIMELINE:
        assert len(_rows(alone.db_path, t)) > 0, t
    a, b = _tree(report.site_dir), _tree(alone.site_dir)
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []
    leftovers = [p.name for p in report.db_path.parent.iterdir()
                 if p.name.startswith(".") or p.name.endswith((".timeline", ".lane", ".tmp", ".wal"))]
    assert leftovers == [] and _scratch_left() == []  # no copy, lane file or temporary folder left


def test_a_failing_timeline_fails_the_build_and_keeps_the_last_good_site(tmp_path, monkeypatch):
    import infrarisk.timeline

    def broken(*a, **k):
        raise DataError("the timeline broke")
    monkeypatch.setattr(infrarisk.timeline, "past", broken)  # before the fork: the child runs it
    site = tmp_path / "x" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good site")
    with pytest.raises(DataError, match="the timeline broke") as info:
        build_datasets(tmp_path, REPO_DATASETS, "x")
    assert any("the timeline's past figures" in n for n in info.value.__notes__)
    assert (site / "index.html").read_text() == "last good site"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["site"]  # no database, copy or temporary site
    assert _scratch_left() == []


def test_a_stage_failing_while_the_timeline_works_reaps_it_and_keeps_the_last_good_site(tmp_path, monkeypatch):
    """The timeline's child starts after integrate; score failing meanwhile leaves no process or file."""
    import infrarisk.score

    def broken(*a, **k):
        raise DataError("score broke")
    monkeypatch.setattr(infrarisk.score, "score", broken)
    pids, start = [], parallel.Child.__init__

    def started(self, *a, **k):
        start(self, *a, **k)
        pids.append(self.pid)
    monkeypatch.setattr(parallel.Child, "__init__", started)
    site = tmp_path / "x" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good site")
    with pytest.raises(DataError, match="score broke"):
        build_datasets(tmp_path, REPO_DATASETS, "x")
    assert (site / "index.html").read_text() == "last good site"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["site"]  # no database, copy or temporary site
    assert _scratch_left() == []
    assert len(pids) == 2  # the load lane and the timeline's child
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped


def test_a_site_stage_failing_while_the_database_is_copied_keeps_the_last_good_database(tmp_path, monkeypatch):
    """With the scratch folder on another file system, the database is copied into its folder by a
    child process during the site stage; the site failing reaps it and removes the copy."""
    from infrarisk import fsops, site as site_pkg
    if os.stat(fsops.scratch_dir(None, tmp_path, 1 << 30)).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("the scratch folder is on this file system: the database is renamed, not copied")

    def broken(*a, **k):
        raise DataError("the site broke")
    monkeypatch.setattr(site_pkg, "build_prepared", broken)
    pids, start = [], fsops.PublishAhead.start

    def started(*a, **k):
        p = start(*a, **k)
        pids.append(p.child.pid)
        return p
    monkeypatch.setattr(fsops.PublishAhead, "start", started)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "db.duckdb").write_bytes(b"last good database")
    with pytest.raises(DataError, match="the site broke"):
        build_datasets(tmp_path, REPO_DATASETS, "x")
    assert (tmp_path / "x" / "db.duckdb").read_bytes() == b"last good database"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["db.duckdb"]  # no copy or temporary site
    assert _scratch_left() == [] and len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped


def test_a_build_with_its_scratch_folder_on_the_database_s_file_system_publishes_by_rename(tmp_path):
    scratch = tmp_path / "o'neil's scratch"  # a quote in the path: every file is attached by a quoted literal
    _, report = build_datasets(tmp_path, REPO_DATASETS, "y", with_site=False, scratch_dir=scratch)
    con = connect(report.db_path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM out_exposure__assets").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM out_timeline__dates").fetchone()[0] > 0
    finally:
        con.close()
    assert list(scratch.iterdir()) == []  # the lane's and the timeline's files went too


def test_build_workers_is_1_or_2():
    from infrarisk.errors import ConfigError
    from infrarisk.settings import Settings
    assert Settings.load(environ={"INFRARISK_BUILD_WORKERS": "1"}).build_workers == 1
    assert Settings.load(environ={}).build_workers == 2
    with pytest.raises(ConfigError, match="build_workers must be 1 or 2"):
        Settings.load(environ={"INFRARISK_BUILD_WORKERS": "3"})


def test_the_collector_runs_less_often_during_a_build_and_as_before_after(monkeypatch):
    import gc

    from infrarisk import collector, pipeline
    seen = []
    monkeypatch.setattr(pipeline, "_build", lambda *a: seen.append(gc.get_threshold()) or "report")
    before = gc.get_threshold()
    assert pipeline.build(None) == "report"
    assert seen == [collector.BUILD_THRESHOLDS] and gc.get_threshold() == before
    monkeypatch.setattr(pipeline, "_build", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pipeline.build(None)
    assert gc.get_threshold() == before


def test_the_modules_a_build_runs_import_no_geopandas():
    """GeoPandas (and pyproj under it) is for analysts (``infrarisk.geo.countries_gdf``, the API): the build's
    stages, the later stages' imports and the site read the polygons as shapely arrays (about 0.07 CPU-s saved)."""
    code = ("import sys\n"
            "from importlib import import_module\n"
            "import infrarisk.cli, infrarisk.pipeline as p\n"
            "p._import_loaders()\n"
            "for name in p.LATER_STAGES: import_module(name)\n"
            "from infrarisk.site import build_prepared, render, outlines, downloads, country_page\n"
            "render.warm()\n"
            "print(sorted(m for m in ('geopandas', 'pyproj') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_fork_of_a_build_happens_with_no_other_thread_running(tmp_path, monkeypatch):
    """The later stages' modules are imported on the build's own thread (no import thread left running
    at the load lanes' fork, the timeline's or the site's), and the integrate stage's asset thread is
    joined before the timeline forks: a fork copies one thread, and a lock another thread held would
    stay held in the child."""
    import threading

    from infrarisk import pipeline

    seen = []
    fork = os.fork
    before = set(threading.enumerate())  # other tests' servers may still be running in this process

    def counting_fork():
        seen.append(sorted(t.name for t in set(threading.enumerate()) - before))
        return fork()
    monkeypatch.setattr(os, "fork", counting_fork)
    imported = []
    real = pipeline._import_later_stages
    monkeypatch.setattr(pipeline, "_import_later_stages",
                        lambda with_site: imported.append(len(seen)) or real(with_site))
    s, report = build_datasets(tmp_path, REPO_DATASETS, "b")
    assert report.site_dir.joinpath("index.html").is_file()
    assert len(seen) >= 4  # the second load lane, the timeline, the site's reads and its parts
    assert all(names == [] for names in seen), seen  # none the build started
    assert imported == [1]  # once, right after the second load lane forked


def test_one_process_imports_the_later_stages_in_a_thread_joined_before_integrate(tmp_path, monkeypatch):
    """Without a second load lane, the later stages' modules are imported in a thread while this process
    verifies and loads, and that thread is done before the integrate stage starts."""
    import threading
    import time

    from infrarisk import integrate, pipeline

    events = []
    real = pipeline._import_later_stages

    def slow(with_site):
        events.append(("imports on", threading.current_thread().name))
        time.sleep(0.3)  # longer than nothing: the stage must wait for it
        took = real(with_site)
        events.append(("imports done", None))
        return took
    run = integrate.run

    def integrating(con, settings, log):
        events.append(("integrate", None))
        return run(con, settings, log)
    monkeypatch.setattr(pipeline, "_import_later_stages", slow)
    monkeypatch.setattr(integrate, "run", integrating)
    _, report = build_datasets(tmp_path, REPO_DATASETS, "one", with_site=False, build_workers=1)
    assert report.db_path.is_file()
    assert [e[0] for e in events] == ["imports on", "imports done", "integrate"]
    assert events[0][1] == "infrarisk-imports"
