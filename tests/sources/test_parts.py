"""The second load process's tables handed over part by part (:mod:`infrarisk.sources._parts`)."""

from __future__ import annotations

from infrarisk import db
from infrarisk.sources._parts import Parts


def _types(con, table):
    return [r[1:3] for r in con.execute(f"PRAGMA table_info('{table}')").fetchall()]


def test_parts_come_over_as_they_are_sent_with_their_rows_order_and_types(tmp_path):
    parts = Parts(tmp_path / "lane")
    there, here = db.connect(None), db.connect(tmp_path / "db.duckdb")
    there.execute("CREATE TABLE raw_a__x AS SELECT range AS n, 'v' || (9 - range) AS s, "
                  "CAST(range AS DECIMAL(9, 2)) AS d, [range] AS l FROM range(10) ORDER BY s")
    there.execute("CREATE TABLE raw_a__empty (k VARCHAR, t TIMESTAMP)")
    there.execute("CREATE TABLE raw_b__y AS SELECT 1 AS one")
    parts.copy(here, wait=False)  # nothing sent yet
    assert parts.copied == []
    parts.send(there, 3, ["raw_a__empty", "raw_a__x"])
    parts.copy(here, wait=False)
    assert sorted(parts.copied) == ["raw_a__empty", "raw_a__x"] and not parts.path(3).exists()
    parts.send(there, 300, ["raw_b__y"])  # numbers past one byte
    parts.finish()
    parts.copy(here, wait=True)  # to the end the child closed
    assert sorted(parts.copied) == ["raw_a__empty", "raw_a__x", "raw_b__y"]
    for t in parts.copied:
        assert here.execute(f"SELECT * FROM {t}").fetchall() == there.execute(f"SELECT * FROM {t}").fetchall()
        assert _types(here, t) == _types(there, t)
    assert here.execute("SELECT s FROM raw_a__x LIMIT 1").fetchone()[0] == "v0"
    parts.close()
    parts.clean()
    here.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.duckdb"]
