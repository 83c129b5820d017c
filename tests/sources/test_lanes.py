"""The load stage's two lanes (:mod:`infrarisk.sources.lanes`): the same tables and problem log as
loading in turn; every verification failure named; a failure in the child raised here."""

from __future__ import annotations

import os
import shutil
from importlib import import_module
from pathlib import Path

import pytest

from infrarisk import db, parallel
from infrarisk.errors import DataError, ManifestError
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import discover, lanes, verified, verify_all
from tests.conftest import REPO_DATASETS

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork")


def _settings(tmp: Path, datasets: Path) -> Settings:
    return Settings.load(environ={}, datasets_dir=datasets, db_path=tmp / "db.duckdb", site_dir=tmp / "site",
                         registry_db_path=tmp / "no-registry.duckdb")


def _load(tmp: Path, datasets: Path, split: bool, ahead: bool = False):
    """(tables with their rows, problem log, manifests) of loading ``datasets`` into a fresh file;
    ``ahead``: the folders checked by a process started first (:class:`verified.Ahead`)."""
    tmp.mkdir(parents=True, exist_ok=True)
    s = _settings(tmp, datasets)
    ln = lanes.LoadLanes(s, tmp / "db.duckdb", verified.Ahead.start(datasets) if ahead else None)
    if split:
        ln.start()
        assert ln.child is not None
    con = db.connect(tmp / "db.duckdb")
    log = ProblemLog()
    try:
        ln.verify()
        manifests = ln.load(con, log)
        rows = {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in db.tables(con)}
    finally:
        ln.close()
        con.close()
    return rows, log, manifests


def test_the_shipped_plan_loads_the_country_sources_first_and_queues_the_rest_largest_first():
    order = discover(REPO_DATASETS)
    cost = lanes.dataset_bytes(REPO_DATASETS)
    p = lanes.plan(order, cost)
    assert [s.id for s in p.shared] == ["unlocode", "naturalearth"]
    queued = [s.id for g in p.groups for s in g]
    assert sorted(queued) == sorted(s.id for s in order if s.id not in ("unlocode", "naturalearth"))
    weights = [sum(cost[s.id] for s in g) for g in p.groups]
    assert weights == sorted(weights, reverse=True) and len(p.groups) > 2
    shared = {s.id for s in p.shared}
    for g in p.groups:  # what a group's loader reads is loaded before it, in the process that takes it
        ids = [s.id for s in g]
        for i, s in enumerate(g):
            assert set(s.depends_on) <= shared | set(ids[:i]), s.id


def test_a_chain_stays_in_one_group_and_nothing_is_shared_without_a_common_dependency():
    S = lambda i, *d: lanes.Source(i, "", "", d)  # noqa: E731
    p = lanes.plan([S("a"), S("b"), S("c", "a"), S("d", "c")], {"a": 1, "b": 10, "c": 1, "d": 1})
    assert p.shared == [] and [[s.id for s in g] for g in p.groups] == [["b"], ["a", "c", "d"]]
    one = lanes.plan([S("a")], {})
    assert [s.id for s in one.shared] == ["a"] and one.groups == []  # one source: nothing for a second lane


def test_two_lanes_load_what_one_process_loads(tmp_path):
    one_rows, one_log, one_m = _load(tmp_path / "one", REPO_DATASETS, split=False)
    for name, ahead in (("two", False), ("ahead", True)):
        two_rows, two_log, two_m = _load(tmp_path / name, REPO_DATASETS, split=True, ahead=ahead)
        assert sorted(one_rows) == sorted(two_rows) and len(one_rows) > 40
        assert [t for t in one_rows if one_rows[t] != two_rows[t]] == []
        assert one_log.problems == two_log.problems and len(one_log.problems) > 100  # same entries, same order
        assert one_log.stats == two_log.stats
        assert [m.id for m in one_m] == [m.id for m in two_m] == sorted(m.id for m in one_m)
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["db.duckdb"]  # lane files removed


def test_both_processes_take_groups_and_every_group_loads_once(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    ln = lanes.LoadLanes(_settings(tmp_path, REPO_DATASETS), tmp_path / "db.duckdb").start()
    con = db.connect(tmp_path / "db.duckdb")
    try:
        ln.verify()
        ln.load(con, ProblemLog())
    finally:
        ln.close()
        con.close()
    queued = sorted(s.id for g in ln.plan.groups for s in g)
    assert sorted(ln.loaded_here + ln.loaded_there) == queued
    assert ln.loaded_here and ln.loaded_there  # the shipped data: ten groups, both took some
    assert "second process (unlocode, naturalearth; " in ln.describe()


def test_the_absent_sources_empty_tables_come_from_the_child_the_same(tmp_path):
    ds = tmp_path / "datasets"
    shutil.copytree(REPO_DATASETS, ds)
    for sid in ("gem-ownership", "supply"):  # packages without a dataset folder: their tables, empty
        shutil.rmtree(ds / sid)
    one_rows, one_log, _ = _load(tmp_path / "one", ds, split=False)
    two_rows, two_log, _ = _load(tmp_path / "two", ds, split=True)
    assert any(t.startswith("core_gemownership__") for t in one_rows)
    assert sorted(one_rows) == sorted(two_rows) and [t for t in one_rows if one_rows[t] != two_rows[t]] == []
    assert one_log.problems == two_log.problems and one_log.stats == two_log.stats


def _types(db_path: Path) -> list[tuple]:
    con = db.connect(db_path, read_only=True)
    try:
        return con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "ORDER BY 1, 2").fetchall()
    finally:
        con.close()


def test_two_lanes_keep_every_column_type(tmp_path):
    _load(tmp_path / "one", REPO_DATASETS, split=False)
    _load(tmp_path / "two", REPO_DATASETS, split=True)
    assert _types(tmp_path / "one" / "db.duckdb") == _types(tmp_path / "two" / "db.duckdb")


def _tampered(tmp_path: Path, *ids: str) -> Path:
    ds = tmp_path / "datasets"
    shutil.copytree(REPO_DATASETS, ds)
    for sid in ids:
        f = next(p for p in sorted((ds / sid).rglob("*.csv")))
        with open(f, "a") as fh:
            fh.write("tampered\n")
    return ds


def test_every_verification_failure_is_named_as_verify_all_names_them(tmp_path):
    p = lanes.plan(discover(REPO_DATASETS), lanes.dataset_bytes(REPO_DATASETS))
    a, b = p.groups[0][0].id, p.groups[-1][0].id
    ds = _tampered(tmp_path, a, b, "unlocode")
    with pytest.raises(ManifestError) as want:
        verify_all(ds)
    for split, ahead in ((True, False), (False, False), (True, True), (False, True)):
        out = tmp_path / f"out-{split}-{ahead}"
        with pytest.raises(ManifestError) as got:
            _load(out, ds, split=split, ahead=ahead)
        assert str(got.value) == str(want.value)
        assert all(f"datasets/{x}" in str(got.value) for x in (a, b, "unlocode"))
        assert sorted(q.name for q in out.iterdir()) == ["db.duckdb"]


def test_a_folder_changed_after_its_verification_fails_the_load(tmp_path, monkeypatch):
    ds = tmp_path / "datasets"
    shutil.copytree(REPO_DATASETS, ds)
    ln = lanes.LoadLanes(_settings(tmp_path, ds), tmp_path / "db.duckdb").start()
    con = db.connect(tmp_path / "db.duckdb")
    try:
        ln.verify()
        ln.mine.keys["naturalearth"] += (("touched.csv", 1, 1, 1),)  # as if edited since the child read it
        with pytest.raises(ManifestError, match="datasets/naturalearth: its files changed while the build read them"):
            ln.load(con, ProblemLog())
    finally:
        ln.close()
        con.close()


def test_a_loader_failing_in_the_child_raises_here_with_its_traceback(tmp_path, monkeypatch):
    mod = import_module("infrarisk.sources.naturalearth.load")  # shared: the child loads it too
    me = os.getpid()
    real = mod.load

    def broken(*a, **k):
        if os.getpid() != me:
            raise DataError("a loader of the second lane broke")
        return real(*a, **k)
    monkeypatch.setattr(mod, "load", broken)  # before the fork: the child runs it
    with pytest.raises(DataError, match="second lane broke") as info:
        _load(tmp_path / "out", REPO_DATASETS, split=True)
    assert any("the second lane of the load stage" in n for n in info.value.__notes__)
    assert sorted(q.name for q in (tmp_path / "out").iterdir()) == ["db.duckdb"]


def test_the_child_loads_of_a_shared_source_only_what_the_groups_loaders_read(tmp_path, monkeypatch):
    mod = import_module("infrarisk.sources.unlocode.load")
    me = os.getpid()
    real, calls = mod.load, []

    def here_only(*a, **k):  # UN/LOCODE's locations: loaded in this process only
        if os.getpid() != me:
            os._exit(3)  # the child's result would be lost: the load fails
        calls.append(me)
        return real(*a, **k)
    monkeypatch.setattr(mod, "load", here_only)
    one_rows, one_log, _ = _load(tmp_path / "one", REPO_DATASETS, split=False)
    two_rows, two_log, _ = _load(tmp_path / "two", REPO_DATASETS, split=True)
    assert calls == [me, me]
    assert sorted(one_rows) == sorted(two_rows) and [t for t in one_rows if one_rows[t] != two_rows[t]] == []
    assert len(two_rows["raw_unlocode__locations"]) > 30000
    assert one_log.problems == two_log.problems and one_log.stats == two_log.stats
