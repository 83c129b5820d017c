"""CSV files as DuckDB tables, and Python's value semantics in SQL: for loaders whose checks
are set operations over a whole file.

Contract: helpers over a connection and files, no table of their own beyond the TEMP
objects a caller names and drops.

- :func:`csv_table` reads a CSV into a TEMP view of text columns with its row numbers,
  with the checks, errors and values of :func:`infrarisk.sources._derive.read_csv_lists`
  (DuckDB's reader where :func:`plain_csv` shows both readers agree, ``csv.reader`` else);
  :func:`csv_select` runs one statement over the same rows instead (no table in between);
- :func:`raw_table` writes a CSV as a ``raw_*`` table through DuckDB's reader where it
  reads the file as ``csv.reader`` does;
- :func:`write_records` writes a loader's records (dicts) as :func:`infrarisk.db.write_frame`
  writes the frame of them, through Arrow;
- :func:`strip`, :func:`upper`, :func:`to_float` are SQL expressions giving what Python's
  ``str.strip``, ``str.upper`` and ``float`` give for a text column: plain ASCII values in
  SQL, any other value by the Python function itself (:func:`python_functions`, registered
  on the connection while a loader runs its SQL).
"""

from __future__ import annotations

import csv
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

import duckdb

from ._derive import check_header, read_csv_lists
from .manifest import plain_csv
from ..db import literal as sql_str
from ..db import write_columns

#: the characters ``str.strip()`` removes (``str.isspace``), checked in the tests against every code point
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: a text of plain ASCII (no control character but tab): SQL and Python agree on it
_ASCII = "regexp_full_match({0}, '[\\x20-\\x7e]*')"
#: a plain decimal number: DuckDB's cast and Python's float agree on it (both round correctly)
_PLAIN_NUMBER = "regexp_full_match({0}, '[+-]?([0-9]{{1,20}}(\\.[0-9]{{0,20}})?|\\.[0-9]{{1,20}})')"


def strip(expr: str) -> str:
    """SQL for ``str.strip()`` of the text ``expr`` (DuckDB's ``trim`` works on code points).

    A text that begins and ends with a printable ASCII character other than space is
    returned as it is (most texts: trimming by a set of characters costs ten times more).
    """
    return (f"CASE WHEN {expr} = '' OR (ascii({expr}) BETWEEN 33 AND 126 AND ascii(right({expr}, 1)) BETWEEN 33 "
            f"AND 126) THEN {expr} ELSE trim({expr}, {sql_str(PY_WHITESPACE)}) END")


def upper(expr: str) -> str:
    """SQL for ``str.upper()`` of ``expr``: SQL's ``upper`` on ASCII, Python's on anything else
    (``'ß'.upper()`` is ``'SS'``)."""
    return f"CASE WHEN {expr} IS NULL THEN NULL WHEN {_ASCII.format(expr)} THEN upper({expr}) ELSE py_upper({expr}) END"


def to_float(expr: str) -> str:
    """SQL for ``float(expr)`` (DOUBLE; NULL where Python's ``float`` raises): a plain decimal
    number is cast in SQL, anything else (``' 1_0'``, ``'nan'``, ``'1e400'``, Unicode digits)
    goes through Python's ``float`` (its ``repr``, which casts back exactly)."""
    return (f"CASE WHEN {expr} IS NULL OR {expr} = '' THEN NULL WHEN {_PLAIN_NUMBER.format(expr)} "
            f"THEN CAST({expr} AS DOUBLE) ELSE CAST(py_float_repr({expr}) AS DOUBLE) END")


def _py_float_repr(text: str | None) -> str | None:
    try:
        return repr(float(text))
    except (TypeError, ValueError):
        return None


def _py_upper(text: str | None) -> str | None:
    return None if text is None else text.upper()


_FUNCTIONS = {"py_float_repr": (_py_float_repr, "VARCHAR"), "py_upper": (_py_upper, "VARCHAR")}


@contextmanager
def python_functions(con: duckdb.DuckDBPyConnection, extra: dict | None = None):
    """Register the Python functions :func:`upper` and :func:`to_float` call (and ``extra``:
    ``name -> (function of one text, SQL return type)``) on ``con`` for the duration."""
    funcs = {**_FUNCTIONS, **(extra or {})}
    con.execute("SELECT 1").fetchall()  # a result left unfetched (fetchone) would block the registration
    done = []
    try:
        for name, (fn, returns) in funcs.items():
            con.create_function(name, fn, ["VARCHAR"], returns, side_effects=False, null_handling="special")
            done.append(name)
        yield con
    finally:
        for name in done:
            con.remove_function(name)


def write_records(con: duckdb.DuckDBPyConnection, table: str, records: list[dict], cols: list[str],
                  types: dict[str, str], key: list[str]) -> None:
    """Write ``records`` (dicts) as ``db.write_frame(con, table, frame, order_by=key)`` writes
    ``frame``, the frame of them with the columns ``cols`` cast to the pandas ``types`` (column ->
    ``'float64'``, ``'Int64'``, ``'int64'`` or ``'bool'``; any other column as built, text;
    ``'string'`` when there are no records): the same column types, NULLs (NaN too) and row
    order, through Arrow without a frame (:func:`infrarisk.db.write_columns`).

    The rows are sorted by ``key`` in Python, stably, as the frame's merge sort (the key columns
    hold no None); a ``bool`` column holds ``bool(value)``, as ``astype(bool)`` gives; a text
    column with no value at all is of DuckDB's NULL type, as an all-None frame column is.
    """
    import pyarrow as pa

    arrow = {"float64": pa.float64(), "Int64": pa.int64(), "int64": pa.int64(), "bool": pa.bool_()}
    records = sorted(records, key=itemgetter(*key))
    columns = {c: [r[c] for r in records] for c in cols}
    for c in cols:
        if types.get(c) == "bool":
            columns[c] = [bool(v) for v in columns[c]]
    kinds = {c: arrow[types[c]] if c in types else pa.string() if not records or any(
        v is not None for v in columns[c]) else pa.null() for c in cols}
    write_columns(con, table, columns, kinds)


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def numbered() -> str:
    """SQL of each row's 1-based number in the order one scan reads the rows: ``row_number()
    OVER ()``, which DuckDB runs as a streaming window, an operator that keeps its input's order
    and runs in one thread (it is no parallel operator), so a CSV or Arrow scan below it is read
    in file order (tested on files of many chunks, with several threads)."""
    return "row_number() OVER ()"


@contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection):
    """Run the block with ``preserve_insertion_order`` on (tables keep rows in the order
    written), setting it only when it is off, and back afterwards."""
    if con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]:
        yield
        return
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = false")


def read_csv_sql(path: Path, header: list[str]) -> str:
    """DuckDB's ``read_csv`` of ``path`` with the columns ``header`` (its first record) as
    text, nothing guessed: the reader :func:`plain_csv` compares with ``csv.reader``."""
    cols = ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in header)
    return (f"read_csv({sql_str(Path(path).as_posix())}, header = true, auto_detect = false, columns = {{{cols}}}, "
            "delim = ',', quote = '\"', escape = '\"', strict_mode = true, new_line = '\\n')")


def raw_table(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> bool:
    """Write ``path`` as the table ``table`` (``row_number``, then every column as text, ``''``
    where empty, in file order) through DuckDB's reader, when :func:`plain_csv` says it reads the
    file as ``csv.reader`` does and every row has the header's length; False (nothing written)
    for any other file, which the caller reads with ``csv.reader``."""
    data = Path(path).read_bytes()
    if not plain_csv(data):
        return False
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), None)
    if not header or "" in header or len({h.lower() for h in header}) != len(header):  # DuckDB's names ignore case
        return False
    cols = ", ".join(f"coalesce({ident(c)}, '') AS {ident(c)}" for c in header)
    try:
        with insertion_order(con):
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {numbered()} AS row_number, {cols} "
                        f"FROM {read_csv_sql(path, header)}")
    except duckdb.Error:  # a row of another length, a byte that is no UTF-8
        return False
    return True


def csv_table(con: duckdb.DuckDBPyConnection, path: Path, expected: list[str], table: str,
              extra: dict[str, str] | None = None, params: dict | None = None) -> int:
    """Read a CSV into the TEMP view ``table``: ``row_number`` (1-based data row) and the
    columns ``expected`` as text (``''`` where empty), one row per record in file order
    (:func:`drop_csv_table` removes it).

    The checks and errors are those of :func:`read_csv_lists` (the header must hold exactly
    ``expected``; a row with another number of fields stops the load), and so are the values:
    a file :func:`plain_csv` accepts is read by DuckDB's CSV reader, any other by
    ``csv.reader``. ``extra``: more columns (name -> SQL over the text columns, with the named
    parameters ``params``), computed as the rows are read. Returns the number of rows.
    """
    cols = _text_columns(expected)
    more = "".join(f", {sql} AS {ident(name)}" for name, sql in (extra or {}).items())

    def create(scan: str) -> int:
        # the rows as read (empty values NULL: cheaper to store); '' in their place in the view, or
        # already in the table when extra columns are computed from the values
        if more:
            sql = f"SELECT *{more} FROM (SELECT {numbered()} AS row_number, {cols} FROM {scan})"
            view = f"SELECT * FROM _read_{table}"
        else:
            sql = f"SELECT {numbered()} AS row_number, * FROM {scan}"
            view = f"SELECT row_number, {cols} FROM _read_{table}"
        sql = f"CREATE OR REPLACE TEMP TABLE _read_{table} AS {sql}"
        n = (con.execute(sql, params) if params else con.execute(sql)).fetchall()[0][0]
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {view}")
        return n
    return _over_csv(con, path, expected, table, create)


def csv_select(con: duckdb.DuckDBPyConnection, path: Path, expected: list[str], statement,
               params: dict | None = None, name: str = "_csv_rows") -> list[tuple]:
    """The result of the SQL ``statement(rows)`` (fetched), where ``rows`` is a subquery of the
    rows :func:`csv_table`'s view would hold (``row_number``, then ``expected`` as text, ``''``
    where empty, in file order; the same checks, errors, readers and values), with the named
    parameters ``params``: one statement over the file, no table in between (a table the
    statement creates keeps the file order: ``preserve_insertion_order`` is on meanwhile).
    ``name`` names the Arrow table registered when ``csv.reader`` reads the file."""
    rows = f"(SELECT {numbered()} AS row_number, {_text_columns(expected)} FROM {{}})"

    def run(scan: str) -> list[tuple]:
        sql = statement(rows.format(scan))
        return (con.execute(sql, params) if params else con.execute(sql)).fetchall()
    return _over_csv(con, path, expected, name, run)


def _text_columns(expected: list[str]) -> str:
    return ", ".join(f"coalesce({ident(c)}, '') AS {ident(c)}" for c in expected)


def _over_csv(con: duckdb.DuckDBPyConnection, path: Path, expected: list[str], name: str, run):
    """``run(scan)``, ``scan`` a FROM item of the CSV's records (columns named as ``expected``,
    text, NULL or ``''`` where empty) in file order: DuckDB's reader where :func:`plain_csv` shows
    it reads the file as ``csv.reader`` does (and it raises no error), else ``csv.reader``'s rows
    as an Arrow table (its checks and errors those of :func:`read_csv_lists`)."""
    data = Path(path).read_bytes()
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = check_header(path, next(csv.reader(fh), None), expected)
    with insertion_order(con):
        if len(set(header)) == len(header) and plain_csv(data):
            try:
                return run(read_csv_sql(path, header))
            except duckdb.Error:  # a row of another length, a byte that is no UTF-8: as csv.reader reports it
                pass
        import pyarrow as pa

        header, rows = read_csv_lists(path, expected)
        at = [header.index(c) for c in expected]  # a repeated name: its first column, as header.index finds
        arrow = pa.table({c: pa.array([r[j] for r in rows], type=pa.string()) for c, j in zip(expected, at)})
        con.register(f"_arrow_{name}", arrow)
        try:
            return run(f"_arrow_{name}")
        finally:
            con.unregister(f"_arrow_{name}")


def drop_csv_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Remove what :func:`csv_table` made for ``table``."""
    con.execute(f"DROP VIEW IF EXISTS {table}; DROP TABLE IF EXISTS _read_{table}")
