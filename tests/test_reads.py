"""The readers the explanations and the site share (:mod:`infrarisk.reads`): each gives what the plainer
call it stands for gives (``fetchall``, ``df()``, ``dict(zip(...))``, ``to_numpy(dtype=object)``, ``ORDER BY``)."""

from __future__ import annotations

import duckdb

from infrarisk.reads import columns, dicts, frame, pycolumns


def test_rows_read_through_arrow_are_the_rows_fetchall_gives():
    """Column by column through Arrow: the values ``fetchall`` gives (integers of every width, float and
    double with NaN, NULL and -0.0, text, flags, lists of text with nulls); a column Arrow would give
    otherwise (a decimal, a date) sends the query to ``fetchall``."""

    con = duckdb.connect()
    plain = """SELECT * FROM (VALUES
        (1::TINYINT, 2::BIGINT, 3::UBIGINT, 0.1::FLOAT, 'NaN'::DOUBLE, NULL::DOUBLE, 'x', NULL::VARCHAR, true,
         NULL::BOOLEAN, ['a', NULL], NULL::VARCHAR[]),
        (NULL, NULL, NULL, NULL, 1e22, '-0.0'::DOUBLE, 'ü', '', false, true, [], ['b']))
        t(a, b, c, d, e, f, g, h, i, j, k, l)"""
    for sql in (plain, "SELECT *, 1.5::DECIMAL(4, 2) AS dec, DATE '2020-01-02' AS day FROM (" + plain + ")"):
        cur = con.execute(sql)
        names = [x[0] for x in cur.description]
        want = [dict(zip(names, r)) for r in cur.fetchall()]
        got = dicts(*pycolumns(con, sql))
        assert repr(got) == repr(want)
        assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in want]


def _df_plain(con, sql):
    """What :func:`infrarisk.reads.frame` stands for: ``df()``, its text columns as Python objects."""
    import pandas as pd

    df = con.execute(sql).df()
    for c in df.columns:
        if pd.api.types.is_string_dtype(df[c]) and df[c].dtype != object:
            df[c] = df[c].astype(object)
    return df


def _assert_same_frame(got, want):
    import pandas as pd

    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in range(want.shape[1]):  # value by value, with their types (NaN, None, NaT, Timestamp ...)
        g, w = got.iloc[:, c].tolist(), want.iloc[:, c].tolist()
        assert repr(g) == repr(w) and [type(v) for v in g] == [type(v) for v in w], (want.columns[c], g, w)


def test_frames_read_through_arrow_are_those_pandas_reads_with_text_as_objects():
    """:func:`frame` gives ``df()``'s frame with text as objects: missing text NaN (None where a column's
    text is all missing), flags and integers with a NULL as pandas' masked columns, dates and timestamps
    as datetime64[us], floats of both widths, no rows, repeated names; other types read by ``df()``."""
    con = duckdb.connect()
    row = ("('a', 1.5, true, 1::BIGINT, DATE '2020-01-02', TIMESTAMP '2020-01-02 03:04:05', 1::INTEGER, "
           "'é<&', 2::SMALLINT, 1.5::FLOAT, NULL::VARCHAR, '')")
    nulls = "(NULL, 'NaN'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    cols = "t(s, d, b, i, dt, ts, i32, s2, i16, f, none, empty)"
    queries = [f"SELECT * FROM (VALUES {row}, {nulls}) {cols}", f"SELECT * FROM (VALUES {row}) {cols}",
               f"SELECT * FROM (VALUES {row}) {cols} LIMIT 0", f"SELECT * FROM (VALUES {nulls}) {cols}",
               f"SELECT * FROM (VALUES {row}) {cols} UNION ALL SELECT * FROM (VALUES {nulls}) {cols}",
               "SELECT 'x' AS a, 'y' AS a, 1 AS b", "SELECT ['a'] AS l, 'x' AS s, NULL::VARCHAR AS n",
               "SELECT 1.25::DECIMAL(10, 2) AS d, 'x' AS s UNION ALL SELECT NULL, NULL"]
    for sql in queries:
        _assert_same_frame(frame(con, sql), _df_plain(con, sql))
        _assert_same_frame(frame(con, sql, plain_text=False), con.execute(sql).df())  # pandas' text columns
        assert [repr(t) for t in frame(con, sql, plain_text=False).dtypes] == \
            [repr(t) for t in con.execute(sql).df().dtypes]


def test_the_explainers_and_the_sites_frames_are_those_pandas_reads(real_build):
    """Real data: the links and entities the Explainer reads and the assets the site reads, as frames
    through Arrow, are ``df()``'s with text as objects."""
    from infrarisk.explain import LINK_COLUMNS, SCOPE_SQL
    from infrarisk.site.builder import ASSET_COLUMNS

    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        for sql in (f"SELECT {', '.join('l.' + c for c in LINK_COLUMNS)}, e.entity_name AS owner_name "
                    "FROM core_ownership__links l JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id "
                    f"WHERE l.subject_id IN ({SCOPE_SQL}) ORDER BY l.link_id",
                    "SELECT * FROM core_ownership__entities e JOIN out_ownership__entities o USING (entity_id) "
                    "ORDER BY entity_id",
                    f"SELECT {', '.join(ASSET_COLUMNS)} FROM out_exposure__assets ORDER BY asset_id",
                    "SELECT * FROM core_meta__sources ORDER BY source_id"):
            got = frame(con, sql)
            assert len(got) > 5
            _assert_same_frame(got, _df_plain(con, sql))
            _assert_same_frame(frame(con, sql, plain_text=False), con.execute(sql).df())
    finally:
        con.close()


def test_dicts_are_those_dict_zip_makes():
    """The compiled dict display makes the dicts ``dict(zip(names, row))`` makes: awkward names (quotes,
    backslashes, braces, non-ASCII, not identifiers), a repeated name (its last value), one column, no rows,
    names that are not text."""
    rows = [(1, "x", None, 2.5, [1]), (float("nan"), "", True, -0.0, ())]
    cols = [list(c) for c in zip(*rows)]
    for names in (["a", "b", "c", "d", "e"], ["it's", 'say "hi"', "back\\slash", "{x}", "é ü"],
                  ["a", "b", "a", "c", "a"], ["0", "1 2", "", "class", "v0"], [1, 2, 3, "x", None]):
        got, want = dicts(names, cols), [dict(zip(names, r)) for r in zip(*cols)]
        assert repr(got) == repr(want) and [list(g) for g in got] == [list(w) for w in want]
    assert dicts(["a"], [[1, 2]]) == [{"a": 1}, {"a": 2}]
    assert dicts(["a", "b"], [[], []]) == [] and dicts([], []) == []


def test_date_columns_are_the_timestamps_pandas_gives():
    """:func:`columns` makes each distinct date into a Timestamp once: the same values, types and units as
    ``to_numpy(dtype=object)`` (NaT, all NaT, no rows, units of ns, us and s, times of day)."""
    import numpy as np
    import pandas as pd

    days = pd.to_datetime(["2020-01-02", None, "2021-03-04 05:06:07", "2020-01-02", "1970-01-01"], format="ISO8601")
    for unit in ("ns", "us", "s"):
        for values in (days, days[:0], pd.to_datetime([None, None])):
            s = pd.Series(values).astype(f"datetime64[{unit}]")
            (_,), (got,) = columns(pd.DataFrame({"d": s}))
            want = s.to_numpy(dtype=object)
            assert got.dtype == object and len(got) == len(want)
            assert repr(got.tolist()) == repr(want.tolist())
            assert [type(v) for v in got] == [type(v) for v in want]
            assert [getattr(v, "unit", None) for v in got if v is not pd.NaT] == \
                [getattr(v, "unit", None) for v in want if v is not pd.NaT]
            assert np.array_equal(pd.isna(got), pd.isna(want))


def test_columns_read_through_arrow_zip_into_the_rows_fetchall_gives():
    """:func:`pycolumns`: ``zip(*cols)`` is ``fetchall()``, through Arrow and through ``fetchall`` (a date
    column), with rows and without."""
    con = duckdb.connect()
    base = "SELECT * FROM (VALUES (1, 'a', 2.5, true, ['x']), (NULL, NULL, NULL, NULL, NULL)) t(n, s, f, b, l)"
    for sql in (base, base + " LIMIT 0", "SELECT *, DATE '2020-01-02' AS d FROM (" + base + ")",
                "SELECT *, DATE '2020-01-02' AS d FROM (" + base + ") LIMIT 0"):
        cur = con.execute(sql)
        want_names, want = [d[0] for d in cur.description], cur.fetchall()
        names, cols = pycolumns(con, sql)
        assert names == want_names and len(cols) == len(names)
        assert list(zip(*cols)) == want
        assert [[type(v) for v in r] for r in zip(*cols)] == [[type(v) for v in r] for r in want]


def test_reads_through_arrow_run_after_an_unfinished_result_as_execute_does():
    """A connection holding an unfinished result of ``execute`` (a caller's ``fetchone``) is read through
    Arrow as ``execute`` would read it: the frame, the columns and the rows, with no warning."""
    import warnings

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS n, 'x' || range AS s FROM range(5000)")
    sql = "SELECT n, s FROM t ORDER BY n"
    want = con.execute(sql).fetchall()
    for read in (lambda: list(zip(*frame(con, sql).to_numpy().T.tolist())),
                 lambda: list(zip(*pycolumns(con, sql)[1])), lambda: [tuple(r.values()) for r in dicts(*pycolumns(con, sql))]):
        assert con.execute("SELECT * FROM t").fetchone() == (0, "x0")  # left unfinished
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read() == want


def test_rows_sorted_by_arrow_are_in_the_order_by_order():
    """:func:`pycolumns` with ``order`` (a key) gives the rows of ``ORDER BY`` those columns: text compared
    by bytes (upper before lower case, accents after), numbers, missing values last, two columns;
    through Arrow and through ``fetchall`` (a date column)."""
    import random

    con = duckdb.connect()
    rng = random.Random(4)
    texts = ["a", "B", "b", "é", "e", "Z", "ü", "", "aa", "a b", "中", None]
    rows = {(rng.choice(texts), rng.choice([None, -1, 0, 2, 10 ** 12])) for _ in range(300)}
    con.execute("CREATE TABLE t (s VARCHAR, n BIGINT, v DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(s, n, rng.random()) for s, n in rows])
    for cols, order in (("s, n, v", ("s", "n")), ("n, s", ("n", "s")), ("s, n, DATE '2020-01-01' AS d", ("s", "n"))):
        sql = f"SELECT {cols} FROM t"
        want = con.execute(f"{sql} ORDER BY {', '.join(order)}").fetchall()
        assert list(zip(*pycolumns(con, sql, order)[1])) == want
