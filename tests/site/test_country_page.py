"""The country page's rows read through Arrow (:func:`infrarisk.reads.pycolumns`) are those the pandas
frames gave (kept here as the reference), as the page uses them: the summary rows as they are, the asset
rows after :func:`~infrarisk.site.country_page._records` (a missing value None either way)."""

from __future__ import annotations

import math

import duckdb

from infrarisk.reads import dicts, pycolumns, records
from infrarisk.site import country_page
from infrarisk.site.features import TYPE_LABELS

SUMMARY = "SELECT * FROM out_exposure__countries ORDER BY country_name, country_code"
ASSETS = "SELECT * FROM out_exposure__country_assets ORDER BY country_code, name, asset_id"
#: the asset columns the page reads as they are (not through _records)
RAW = ("country_code", "asset_class", "asset_type", "band", "is_controlled_high_risk", "is_controlled_domestic")


def _same(a: list[dict], b: list[dict]) -> bool:
    def eq(x, y):
        nan = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
        return nan or (x == y and type(x) is type(y))
    return len(a) == len(b) and all(list(r) == list(w) and all(eq(r[k], w[k]) for k in r) for r, w in zip(a, b))


def test_rows_through_arrow_are_the_pandas_rows_as_the_page_uses_them(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        assert _same(dicts(*pycolumns(con, SUMMARY)), con.execute(SUMMARY).df().to_dict("records"))
        new, old = dicts(*pycolumns(con, ASSETS)), records(con.execute(ASSETS).df())
        assert new and _same(country_page._records(new, TYPE_LABELS), country_page._records(old, TYPE_LABELS))
        assert _same([{k: r[k] for k in RAW} for r in new], [{k: r[k] for k in RAW} for r in old])
    finally:
        con.close()


def test_country_rows_on_awkward_values():
    """Missing text and numbers, NaN: None after _records whichever way the rows were read."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES ('a', NULL, 1.5::DOUBLE, true, 3::BIGINT),
                   ('b', 'x', 'NaN'::DOUBLE, false, 0::BIGINT), ('c', '', NULL, true, 7::BIGINT))
                   v(asset_type, s, f, b, n)""")
    new, old = dicts(*pycolumns(con, "SELECT * FROM t")), records(con.execute("SELECT * FROM t").df())
    assert _same(country_page._records(new, {}), country_page._records(old, {}))
