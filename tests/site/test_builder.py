"""SiteBuilder's asset rows made on first use equal the rows made all at once, missing values included."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from infrarisk.reads import columns
from infrarisk.site.builder import AssetRows, _records, as_records


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "asset_id": ["a", "b", "c"],
        "name": pd.array(["x", None, "<z>"], dtype="string"),
        "text": ["p", None, float("nan")],
        "lat": [1.5, np.nan, -0.0],
        "n": pd.array([1, None, 3], dtype="Int64"),
        "flag": pd.array([True, None, False], dtype="boolean"),
        "day": pd.to_datetime(["2020-01-02", None, "2021-03-04"]),
        "s": pd.array(["q", None, "r"], dtype="str"),
    })


def _same(a, b) -> bool:
    return a is b or a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_rows_equal_the_records():
    df = _frame()
    want = {r["asset_id"]: r for r in _records(df)}
    rows = AssetRows(df)
    assert list(rows) == list(want) and len(rows) == 3
    for aid, r in want.items():
        got = rows[aid]
        assert list(got) == list(r) and all(_same(got[k], r[k]) for k in r)
        assert got is rows.get(aid)  # made once
        for k in r:
            assert _same(rows.value(aid, k), r[k])
    assert rows.get("nope") is None and "nope" not in rows and rows.value("nope", "name") is None
    assert rows.column("name", ["c", "nope", "a"]) == [want["c"]["name"], None, want["a"]["name"]]


def test_no_rows():
    rows = AssetRows(_frame().iloc[:0])
    assert len(rows) == 0 and rows.column("name", ["a"]) == [None]


def test_explainer_records_made_into_site_records_equal_the_site_records():
    df = _frame()
    want, got = _records(df), as_records(df, columns(df))
    assert len(got) == len(want) == 3
    for g, w in zip(got, want):
        assert list(g) == list(w)
        assert all(_same(g[k], w[k]) and type(g[k]) is type(w[k]) for k in w), (g, w)


def test_site_records_copied_from_the_explainers_are_the_site_records():
    """Copies of the Explainer's records (missing values then set to None) are the records made anew;
    made records of another length are not taken."""
    df = _frame()
    cols = columns(df)
    names, arrays = cols
    made = [dict(zip(names, row)) for row in zip(*arrays)]
    want, got = as_records(df, cols), as_records(df, cols, made)
    assert got is not made and all(g is not m for g, m in zip(got, made))
    for g, w in zip(got, want):
        assert list(g) == list(w)
        assert all(_same(g[k], w[k]) and type(g[k]) is type(w[k]) for k in w), (g, w)
    assert as_records(df, cols, made[:2]) == want[:0] + as_records(df, cols)  # not taken: made anew
    assert made[1]["s"] != made[1]["s"] or made[1]["s"] is None  # the Explainer's own records unchanged


def test_rows_from_the_text_columns_frame_made_are_the_rows_made_from_the_frame():
    """AssetRows taking the text columns :func:`infrarisk.reads.frame` made with None where text is missing
    (``nones``) has the rows it makes from the frame itself: text missing in some rows, in all, in none;
    numbers, flags and dates beside; no rows."""
    import duckdb

    from infrarisk.reads import frame

    con = duckdb.connect()
    sql = """SELECT * FROM (VALUES ('a', 'x', NULL::VARCHAR, 'p', 1.5, true, DATE '2020-01-02'),
                                   ('b', NULL, NULL, 'q', NULL, false, NULL),
                                   ('c', '<z>', NULL, '', 'NaN'::DOUBLE, true, DATE '2021-01-01'))
             t(asset_id, name, none, text, lat, flag, day)"""
    for q in (sql, sql + " LIMIT 0"):
        nones: dict = {}
        df = frame(con, q, nones=nones)
        assert set(nones) == {"asset_id", "name", "none", "text"}
        fast, slow = AssetRows(df, nones), AssetRows(df)
        assert list(fast) == list(slow)
        for aid in slow:
            assert repr(fast[aid]) == repr(slow[aid])
            assert [type(v) for v in fast[aid].values()] == [type(v) for v in slow[aid].values()]
        assert fast.column("name", ["c", "b", "nope"]) == slow.column("name", ["c", "b", "nope"])
