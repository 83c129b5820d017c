"""The second load process's tables handed over part by part (:mod:`infrarisk.sources._parts`)."""

from __future__ import annotations

import pytest

from infrarisk import db
from infrarisk.sources._parts import Parts


def _types(con, table):
    return [r[1:3] for r in con.execute(f"PRAGMA table_info('{table}')").fetchall()]


def test_parts_come_over_as_they_are_written_with_their_rows_order_and_types(tmp_path):
    parts = Parts(tmp_path / "lane")
    there, here = db.connect(None), db.connect(tmp_path / "db.duckdb")
    there.execute("CREATE TABLE raw_s__shared AS SELECT range AS n FROM range(10)")  # stays in memory
    parts.copy(here, wait=False)  # nothing written yet
    assert parts.copied == []
    with parts.writing(there, 3) as names:
        there.execute("CREATE TABLE raw_a__x AS SELECT n, 'v' || (9 - n) AS s, CAST(n AS DECIMAL(9, 2)) AS d, "
                      "[n] AS l FROM raw_s__shared ORDER BY s")  # reads its own database's table by name
        there.execute("CREATE TABLE raw_a__empty (k VARCHAR, t TIMESTAMP)")
        db.write_frame(there, "raw_a__frame", there.execute("SELECT * FROM raw_a__x").df())
    assert names == ["raw_a__empty", "raw_a__frame", "raw_a__x"]
    assert db.tables(there) == ["raw_s__shared"]  # the part's tables left with it
    parts.copy(here, wait=False)
    assert sorted(parts.copied) == names and not parts.path(3).exists()
    with parts.writing(there, 300) as more:  # numbers past one byte
        there.execute("CREATE TABLE raw_b__y AS SELECT 1 AS one")
    with pytest.raises(RuntimeError), parts.writing(there, 4):  # a failing block sends nothing
        raise RuntimeError("loader failed")
    parts.finish()
    parts.copy(here, wait=True)  # to the end the child closed
    assert sorted(parts.copied) == sorted(names + more)
    assert here.execute("SELECT s FROM raw_a__x LIMIT 1").fetchone()[0] == "v0"
    assert _types(here, "raw_a__x") == [("n", "BIGINT"), ("s", "VARCHAR"), ("d", "DECIMAL(9,2)"), ("l", "BIGINT[]")]
    assert _types(here, "raw_a__empty") == [("k", "VARCHAR"), ("t", "TIMESTAMP")]
    assert here.execute("SELECT * FROM raw_a__frame").fetchall() == here.execute("SELECT * FROM raw_a__x").fetchall()
    parts.close()
    parts.clean()
    here.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.duckdb"]
