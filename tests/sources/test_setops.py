"""Tests of infrarisk.sources._setops: DuckDB reads and computes what the Python reader and
str/float functions give, on the edge cases where the two could differ."""

from __future__ import annotations

import random
import sys

import duckdb
import pytest

from infrarisk.sources import _load, _setops
from infrarisk.sources._derive import read_csv_lists

CSVS = [
    b"a,b\n1,2\n",
    b"\xef\xbb\xbfa,b\n1,2",                          # BOM, no final line end
    b'b,a\n"x\ny","1,""2"""\n,\n"",""\n',              # quoted line break, comma, quotes; empty fields
    b"a,b\n1,2\n\n3,4\n",                             # a blank line
    b"a,b\n1,2,3\n",                                  # a row too long
    b"a,b\n1\n",                                      # a row too short
    b"a,b\r\n1,2\r\n",                                # CRLF
    b'a,b\nx"y,2\n',                                  # a quote inside an unquoted field
    b'a,b\n"x" ,2\n',                                 # text after a closing quote
    b'a,b\n"1,2\n',                                   # a quote never closed
    b"a,b\n",                                         # header only
    b"",                                              # empty file
    b"a,b\n 1 , 2 \n",                                # spaces kept
    b"a,b,a\n1,2,3\n",                                # a repeated column name
    b"A,a\n1,2\n",                                    # names differing in case only
    "a,b\n\u00e4\u3000,\u2028\n".encode(),             # non-ASCII, a Unicode line separator inside a field
    b"a,b\n1,\xff\n",                                 # not UTF-8
    b'"a""x",b\n1,2\n',                               # a quoted header name with a quote
    b",b\n1,2\n",                                     # an empty header name
    b"a,b\n1,2\n" + b"x" * 140_000 + b",3\n",          # a field over the csv module's limit
]


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the same error either way is what is tested
        return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("data", CSVS)
def test_csv_table_reads_as_read_csv_lists(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)

    def reference():
        header, rows = read_csv_lists(path, ["a", "b"])
        return [[i] + [r[header.index(c)] for c in ("a", "b")] for i, r in enumerate(rows, 1)]

    def fast():
        con = duckdb.connect()
        _setops.csv_table(con, path, ["a", "b"], "t")
        return [list(r) for r in con.execute("SELECT * FROM t ORDER BY row_number").fetchall()]

    assert _outcome(fast) == _outcome(reference)


@pytest.mark.parametrize("data", CSVS)
def test_csv_select_runs_over_the_rows_csv_table_holds(tmp_path, data):
    """The same rows, values and errors as csv_table's view, in one statement (here a table it
    creates, kept in file order), read by either reader."""
    path = tmp_path / "f.csv"
    path.write_bytes(data)

    def view():
        con = duckdb.connect()
        _setops.csv_table(con, path, ["a", "b"], "t")
        return [list(r) for r in con.execute("SELECT * FROM t ORDER BY row_number").fetchall()]

    def select():
        con = duckdb.connect()
        n = _setops.csv_select(con, path, ["a", "b"], lambda rows: f"CREATE TABLE x AS SELECT * FROM {rows}")
        got = [list(r) for r in con.execute("SELECT * FROM x").fetchall()]
        assert n == [(len(got),)]
        assert _setops.csv_select(con, path, ["a", "b"], lambda rows: f"SELECT count(*) + $k FROM {rows}",
                                  {"k": 1}) == [(len(got) + 1,)]
        return got

    assert _outcome(select) == _outcome(view)


@pytest.mark.parametrize("data", CSVS)
def test_raw_copy_through_duckdb_writes_what_the_csv_reader_path_writes(tmp_path, data, monkeypatch):
    (tmp_path / "f.csv").write_bytes(data)

    def copy():
        con = duckdb.connect()
        _load.raw_copy(con, tmp_path, "f.csv", "raw_x__f")
        return con.execute("DESCRIBE raw_x__f").fetchall(), con.execute("SELECT * FROM raw_x__f").fetchall()

    fast = _outcome(copy)
    monkeypatch.setattr(_setops, "raw_table", lambda *a: False)
    assert fast == _outcome(copy)


def test_plain_csv_accepts_only_what_both_readers_read_alike():
    assert _setops.plain_csv(b'a,b\n"x\ny","1,""2"\n')
    assert not _setops.plain_csv(b'a,b\nx"y,1\n')
    assert not _setops.plain_csv(b'a,b\n"x"y,1\n')
    assert not _setops.plain_csv(b"a,b\n\n1,2\n")
    assert not _setops.plain_csv(b"a,b\r\n1,2\r\n")


def test_python_whitespace_is_every_character_str_strip_removes():
    assert set(_setops.PY_WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def _sql_values(expr_of, values, with_functions=True):
    con = duckdb.connect()
    con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
    with _setops.python_functions(con):
        return [r[0] for r in con.execute(f"SELECT {expr_of('x')} FROM v ORDER BY i").fetchall()]


def test_strip_upper_and_float_in_sql_give_what_python_gives():
    values = ["", " ", "abc", " abc ", "\u3000x\xa0", "\tx\n", "\x1cx\x1f", "a\u0301 ", " \u0301x", "\u200bx",
              "\u2028x\u2029", "e\u0301", "x\r\n"]
    assert _sql_values(_setops.strip, values) == [v.strip() for v in values]
    texts = ["abc", "aBc1-", "\u00dfx", "\u0131t", "\ufb01", "\u00e9", "", "x\ty"]
    assert _sql_values(_setops.upper, texts) == [v.upper() for v in texts]
    numbers = ["1", "-0", "-0.0", "+1", "1.", ".5", "0.1", "63.833333", " 1.5", "1_0", "nan", "-inf", "Infinity",
               "1e400", "1e-5", "\u0661\u0662", "", "abc", "1.2.3", "0x10", "99999999999999999999.99999999999999999999"]
    got = _sql_values(_setops.to_float, numbers)

    def py(v):
        try:
            return repr(float(v))
        except ValueError:
            return None

    assert [None if g is None else repr(g) for g in got] == [py(v) for v in numbers]


def test_plain_numbers_cast_in_sql_as_python_parses_them():
    rng = random.Random(7)
    numbers = [f"{rng.choice(['', '-', '+'])}{rng.randrange(10 ** rng.randrange(1, 21))}"
               f".{rng.randrange(10 ** 20):0{rng.randrange(1, 21)}d}"[:42] for _ in range(3000)]
    numbers = [n for n in numbers if not n.endswith(".")]
    got = _sql_values(_setops.to_float, numbers)
    assert [repr(g) for g in got] == [repr(float(v)) for v in numbers]


# files with a quote (a file without one was counted by its lines before, unchecked, and still is)
@pytest.mark.parametrize("data", [d for d in CSVS if b'"' in d] + [b'a,b\n"1\n2",3\n\n', b'a\n"x"\n"y"'])
def test_count_rows_of_a_plain_csv_counts_what_csv_reader_reads(tmp_path, data):
    import csv

    from infrarisk.sources.manifest import count_rows

    path = tmp_path / "f.csv"
    path.write_bytes(data)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        expected = _outcome(lambda: max(sum(1 for _ in csv.reader(fh)) - 1, 0))
    assert _outcome(lambda: count_rows(path)) == expected


def test_python_functions_are_removed_afterwards_also_after_an_error():
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        with _setops.python_functions(con):
            con.execute("SELECT py_upper(1 + 'x')").fetchall()
    with _setops.python_functions(con):  # registered again: none was left behind
        assert con.execute("SELECT py_upper('\u00df')").fetchall() == [("SS",)]
    with pytest.raises(duckdb.Error):
        con.execute("SELECT py_upper('a')").fetchall()


@pytest.mark.parametrize("plain", [True, False])
def test_rows_are_numbered_in_file_order_across_many_chunks_and_threads(tmp_path, plain, monkeypatch):
    """``numbered()`` numbers the rows as the file lists them, also when DuckDB reads the file in
    many chunks with several threads (quoted line breaks and rows of unequal length included)."""
    rng = random.Random(3)
    rows = [[f"r{i}", "x" * rng.randrange(0, 300) + ("\n\"q\"" if i % 97 == 0 else "")] for i in range(30_000)]
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "".join(f'{a},"{b.replace(chr(34), 2 * chr(34))}"\n' for a, b in rows), encoding="utf-8")
    if not plain:  # the Arrow path
        monkeypatch.setattr(_setops, "plain_csv", lambda data: False)
    con = duckdb.connect()
    con.execute("SET threads = 4; SET preserve_insertion_order = false")  # a plain scan of this file comes out of order
    assert _setops.csv_table(con, path, ["a", "b"], "t") == len(rows)
    got = con.execute("SELECT row_number, a, b FROM t").fetchall()  # stored order
    assert got == [(i, a, b) for i, (a, b) in enumerate(rows, 1)]
    _load.raw_copy(con, tmp_path, "big.csv", "raw_x__big")
    assert con.execute("SELECT row_number, a, b FROM raw_x__big").fetchall() == got
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchall() == [(False,)]  # set back



@pytest.mark.parametrize("n", [0, 1, 6])
def test_write_records_writes_what_write_frame_writes_of_the_typed_frame(n):
    """Column types (a text column without a value: NULL type; no rows: text), NULLs (NaN and
    None), bool(value) in a bool column, rows in key order with ties kept in record order."""
    import pandas as pd

    from infrarisk import db

    types = {"f": "float64", "i": "Int64", "k": "int64", "b": "bool"}
    cols = ["key", "k", "f", "i", "b", "text", "none", "uni"]
    records = [{"key": "b", "k": 2, "f": 1.5, "i": 7, "b": True, "text": "x", "none": None, "uni": "\u00e9"},
               {"key": "a", "k": 2, "f": float("nan"), "i": None, "b": None, "text": None, "none": None, "uni": "z"},
               {"key": "a", "k": 1, "f": None, "i": 2027, "b": False, "text": "y", "none": None, "uni": "Z"},
               {"key": "\u00e9", "k": 0, "f": 0.1, "i": 0, "b": 1, "text": "", "none": None, "uni": "a"},
               {"key": "a", "k": 2, "f": -0.0, "i": 1, "b": True, "text": "tie, later", "none": None, "uni": None},
               {"key": "A", "k": 5, "f": 1e300, "i": -1, "b": False, "text": "upper", "none": None, "uni": ""}][:n]
    got, want = duckdb.connect(), duckdb.connect()
    _setops.write_records(got, "out_x__y", records, cols, types, ["key", "k"])
    df = pd.DataFrame(records, columns=cols)
    for c in cols:
        df[c] = df[c].astype(types[c]) if c in types else df[c].astype("string") if df.empty else df[c]
    db.write_frame(want, "out_x__y", df, order_by=["key", "k"])
    for q in ("DESCRIBE out_x__y", "SELECT * FROM out_x__y"):
        assert repr(got.execute(q).fetchall()) == repr(want.execute(q).fetchall()), q
