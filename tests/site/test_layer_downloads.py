"""The layer downloads' rows read through Arrow are the values the pandas round trip gave (what the CSV
writer sees): NaN and NULL missing, flags as bool, integers as int; dates and decimals still via pandas."""

from __future__ import annotations

import math

import duckdb
import pytest

from infrarisk.site import layer_downloads

PLAIN = """SELECT * FROM (VALUES
    ('a', true, 1::BIGINT, 2::INTEGER, 0.1::DOUBLE, ['x', 'y'], 'ünï, "q"'),
    (NULL, NULL, NULL, NULL, 'NaN'::DOUBLE, NULL, ''),
    ('c', false, -5::BIGINT, NULL, NULL, [], NULL),
    ('d', NULL, 9007199254740993::BIGINT, 0, 1e22::DOUBLE, ['z'], 'x'))
    t(s, b, i, j, f, l, u)"""
OTHER = "SELECT * FROM (VALUES (DATE '2020-01-02', 1.25::DECIMAL(5, 2)), (NULL, NULL)) t(d, dec)"


def _same(a, b) -> bool:
    if a is b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)):
        return True
    if hasattr(b, "tolist"):  # pandas hands lists over as numpy arrays
        b = b.tolist()
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("sql", [PLAIN, OTHER], ids=["plain", "dates-and-decimals"])
def test_rows_are_the_values_of_the_pandas_round_trip(sql):
    con = duckdb.connect()
    cols, rows = layer_downloads._table(con, sql)
    want = layer_downloads._records(con.execute(sql).df())
    assert cols == list(want[0]) and len(rows) == len(want)
    for r, w in zip(rows, want):
        assert list(r) == cols
        assert all(_same(r[c], w[c]) for c in cols), (r, w)
    if sql is PLAIN:
        assert rows[1]["f"] is None and rows[1]["b"] is None and rows[0]["b"] is True and rows[0]["i"] == 1


@pytest.mark.parametrize("sql", [PLAIN, OTHER, "SELECT NULL::BOOLEAN AS b, '' AS e", "SELECT true AS b",
                                 "SELECT * FROM (VALUES ('x')) t(s) WHERE false"],
                         ids=["plain", "dates-and-decimals", "empty-text", "one-flag", "no-rows"])
def test_csv_of_columns_is_the_csv_of_rows(sql):
    """The file written column by column has the bytes the rows' writer (site/pages.csv_text) gave."""
    from infrarisk.site.pages import csv_text

    con = duckdb.connect()
    names, cols = layer_downloads._columns(con, sql)
    _, rows = layer_downloads._table(con, sql)
    assert layer_downloads.csv_text(names, cols) == csv_text(rows, names)
    keep, kept = layer_downloads._without(names, cols, names[0])
    assert keep == names[1:] and kept == cols[1:]
