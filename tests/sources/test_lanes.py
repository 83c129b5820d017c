"""The load stage's two lanes (:mod:`infrarisk.sources.lanes`): the same tables and problem log as
loading in turn; every verification failure named; a failure in the child raised here."""

from __future__ import annotations

import shutil
from importlib import import_module
from pathlib import Path

import pytest

from infrarisk import db, parallel
from infrarisk.errors import DataError, ManifestError
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import discover, lanes, verify_all
from tests.conftest import REPO_DATASETS

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork")


def _settings(tmp: Path, datasets: Path) -> Settings:
    return Settings.load(environ={}, datasets_dir=datasets, db_path=tmp / "db.duckdb", site_dir=tmp / "site",
                         registry_db_path=tmp / "no-registry.duckdb")


def _load(tmp: Path, datasets: Path, split: bool):
    """(tables with their rows, problem log, manifests) of loading ``datasets`` into a fresh file."""
    tmp.mkdir(parents=True, exist_ok=True)
    s = _settings(tmp, datasets)
    ln = lanes.LoadLanes(s, tmp / "db.duckdb")
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


def test_the_shipped_plan_loads_the_country_sources_first_and_splits_the_rest():
    order = discover(REPO_DATASETS)
    p = lanes.plan(order, lanes.dataset_bytes(REPO_DATASETS))
    assert [s.id for s in p.shared] == ["unlocode", "naturalearth"]
    here, there = {s.id for s in p.here}, {s.id for s in p.there}
    assert here and there and not here & there
    assert here | there | {"unlocode", "naturalearth"} == {s.id for s in order}
    shared = {s.id for s in p.shared}
    for lane in (here, there):  # what a lane's loader reads is loaded before it, in its process
        for s in order:
            if s.id in lane:
                assert set(s.depends_on) <= shared | lane, s.id


def test_a_chain_stays_in_one_lane_and_nothing_is_shared_without_a_common_dependency():
    S = lambda i, *d: lanes.Source(i, "", "", d)  # noqa: E731
    p = lanes.plan([S("a"), S("b"), S("c", "a"), S("d", "c")], {"a": 1, "b": 10, "c": 1, "d": 1})
    assert p.shared == [] and [s.id for s in p.here] == ["b"] and [s.id for s in p.there] == ["a", "c", "d"]
    assert lanes.plan([S("a")], {}).there == []  # one source: no second lane


def test_two_lanes_load_what_one_process_loads(tmp_path):
    one_rows, one_log, one_m = _load(tmp_path / "one", REPO_DATASETS, split=False)
    two_rows, two_log, two_m = _load(tmp_path / "two", REPO_DATASETS, split=True)
    assert sorted(one_rows) == sorted(two_rows) and len(one_rows) > 40
    assert [t for t in one_rows if one_rows[t] != two_rows[t]] == []
    assert one_log.problems == two_log.problems and len(one_log.problems) > 100  # same entries, same order
    assert one_log.stats == two_log.stats
    assert [m.id for m in one_m] == [m.id for m in two_m] == sorted(m.id for m in one_m)
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["db.duckdb"]  # lane files removed


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


def test_verification_failures_of_both_lanes_are_named_together(tmp_path):
    p = lanes.plan(discover(REPO_DATASETS), lanes.dataset_bytes(REPO_DATASETS))
    a, b = p.here[0].id, p.there[0].id
    ds = _tampered(tmp_path, a, b)
    with pytest.raises(ManifestError) as want:
        verify_all(ds)
    with pytest.raises(ManifestError) as got:
        _load(tmp_path / "out", ds, split=True)
    assert str(got.value) == str(want.value) and f"datasets/{a}" in str(got.value) and f"datasets/{b}" in str(got.value)


def test_a_verification_failure_in_the_child_lane_alone_fails_the_load(tmp_path):
    p = lanes.plan(discover(REPO_DATASETS), lanes.dataset_bytes(REPO_DATASETS))
    ds = _tampered(tmp_path, p.there[-1].id)
    with pytest.raises(ManifestError, match=f"datasets/{p.there[-1].id}"):
        _load(tmp_path / "out", ds, split=True)
    assert sorted(q.name for q in (tmp_path / "out").iterdir()) == ["db.duckdb"]


def test_a_loader_failing_in_the_child_raises_here_with_its_traceback(tmp_path, monkeypatch):
    p = lanes.plan(discover(REPO_DATASETS), lanes.dataset_bytes(REPO_DATASETS))
    mod = import_module(p.there[0].load_module)

    def broken(*a, **k):
        raise DataError("a loader of the second lane broke")
    monkeypatch.setattr(mod, "load", broken)  # before the fork: the child runs it
    with pytest.raises(DataError, match="second lane broke") as info:
        _load(tmp_path / "out", REPO_DATASETS, split=True)
    assert any("the second lane of the load stage" in n for n in info.value.__notes__)
    assert sorted(q.name for q in (tmp_path / "out").iterdir()) == ["db.duckdb"]
