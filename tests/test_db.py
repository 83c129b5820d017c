"""Database helpers (:mod:`infrarisk.db`)."""

from __future__ import annotations

from infrarisk import db
from infrarisk.db import connect


def _rows(path, table: str) -> list[tuple]:
    con = connect(path, read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        con.close()


def test_copy_tables_adds_only_the_missing_ones(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    con = connect(a)
    con.execute("CREATE TABLE kept AS SELECT 1 AS x")
    con.close()
    con = connect(b)
    con.execute("CREATE TABLE kept AS SELECT 2 AS x")
    con.execute("CREATE TABLE out_new__t AS SELECT * FROM range(3) r(i)")
    con.close()
    con = connect(a)
    assert db.copy_tables(con, b) == ["out_new__t"]
    con.close()
    assert _rows(a, "kept") == [(1,)] and _rows(a, "out_new__t") == [(0,), (1,), (2,)]


def test_copy_tables_copies_the_named_ones_with_their_types(tmp_path):
    a = tmp_path / "a.duckdb"
    con = connect(a)
    con.execute("CREATE TABLE t AS SELECT 1::TINYINT AS x, NULL::VARCHAR AS y")
    con.execute("CREATE TABLE skipped AS SELECT 1 AS z")
    con.close()
    con = connect(None)
    assert db.copy_tables(con, a, ["t"]) == ["t"]
    assert con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't' "
                       "ORDER BY 1").fetchall() == [("x", "TINYINT"), ("y", "VARCHAR")]
    assert db.tables(con) == ["t"]  # the other table stays behind; the source is detached
    assert [r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
            if r[0] == "copy_source"] == []


def test_write_frame_writes_the_frame_sorted_with_its_types_and_registers_nothing():
    import pandas as pd

    from infrarisk.db import connect, write_frame

    con = connect(None)
    df = pd.DataFrame({"k": ["b", "a", "c"], "x": [1.5, None, 2.0], "n": pd.array([1, None, 3], dtype="Int64"),
                       "t": [None, "y", "z"]})
    write_frame(con, "raw_x__t", df, order_by=["k"])
    assert con.execute("SELECT * FROM raw_x__t").fetchall() == [("a", None, None, "y"), ("b", 1.5, 1, None),
                                                                ("c", 2.0, 3, "z")]
    assert [r[1] for r in con.execute("DESCRIBE raw_x__t").fetchall()] == ["VARCHAR", "DOUBLE", "BIGINT", "VARCHAR"]
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]


def test_write_columns_writes_what_write_frame_writes():
    """The Arrow path gives the frame path's types and rows: NaN and None are NULL, lists stay
    lists, rows sorted by the key with NULLs last; an empty table keeps its types."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    cols = {"k": ["b", None, "a"], "v": np.array([1.5, np.nan, 2.0]), "f": [True, None, False],
            "l": [["x", "y"], [], None], "n": [3, 1, 2]}
    types = {"k": pa.string(), "v": pa.float64(), "f": pa.bool_(), "l": pa.list_(pa.string()), "n": pa.int64()}
    con = db.connect(None)
    db.write_frame(con, "out_t__frame", pd.DataFrame(cols), order_by=["k"])
    db.write_columns(con, "out_t__arrow", cols, types, order_by=["k"])
    assert con.execute("DESCRIBE out_t__arrow").fetchall() == con.execute("DESCRIBE out_t__frame").fetchall()
    assert con.execute("SELECT * FROM out_t__arrow").fetchall() == con.execute("SELECT * FROM out_t__frame").fetchall()
    db.write_columns(con, "out_t__empty", {c: [] for c in cols}, types)
    assert [r[1] for r in con.execute("DESCRIBE out_t__empty").fetchall()] == [
        "VARCHAR", "DOUBLE", "BOOLEAN", "VARCHAR[]", "BIGINT"]


def test_threads_leaves_no_open_result_when_the_count_is_already_set():
    """On a one-core machine DuckDB already runs one thread: the block must still be free to
    register a frame (an open result from reading the setting would refuse it)."""
    import pyarrow as pa

    con = db.connect(None)
    con.execute("SET threads = 1")
    with db.threads(con, 1):
        con.register("_t", pa.table({"x": [1]}))
        assert con.execute("SELECT x FROM _t").fetchall() == [(1,)]
    with db.threads(con, 2):
        con.register("_u", pa.table({"x": [2]}))
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
