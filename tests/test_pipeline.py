"""The build's stages run side by side (:mod:`infrarisk.pipeline`): the same database as in turn;
a failure in a child process fails the build and publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrarisk import parallel, pipeline
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


def test_timeline_beside_the_site_writes_what_the_stage_writes_in_turn(real_build, tmp_path):
    _, report = real_build  # the timeline in a child process, beside the site's preparation
    assert "timeline" in report.beside and report.stages["timeline"] > 0
    _, alone = build_datasets(tmp_path, REPO_DATASETS, "db-only", with_site=False)  # the stage runs in turn
    assert "timeline" not in alone.beside
    for t in TIMELINE:
        got, want = _rows(report.db_path, t), _rows(alone.db_path, t)
        assert len(want) > 0 and got == want, t
    leftovers = [p.name for p in report.db_path.parent.iterdir() if ".timeline" in p.name or p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_failing_timeline_fails_the_build_and_keeps_the_last_good_site(tmp_path, monkeypatch):
    import infrarisk.timeline

    def broken(*a, **k):
        raise DataError("the timeline broke")
    monkeypatch.setattr(infrarisk.timeline, "run", broken)  # before the fork: the child runs it
    site = tmp_path / "x" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good site")
    with pytest.raises(DataError, match="the timeline broke") as info:
        build_datasets(tmp_path, REPO_DATASETS, "x")
    assert any("the timeline stage" in n for n in info.value.__notes__)
    assert (site / "index.html").read_text() == "last good site"
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["site"]  # no database, copy or temporary site


def test_copy_new_tables_adds_only_the_missing_ones(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    con = connect(a)
    con.execute("CREATE TABLE kept AS SELECT 1 AS x")
    con.close()
    con = connect(b)
    con.execute("CREATE TABLE kept AS SELECT 2 AS x")
    con.execute("CREATE TABLE out_new__t AS SELECT * FROM range(3) r(i)")
    con.close()
    assert pipeline._copy_new_tables(b, a) == ["out_new__t"]
    assert _rows(a, "kept") == [(1,)] and _rows(a, "out_new__t") == [(0,), (1,), (2,)]
