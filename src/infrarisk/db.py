"""The DuckDB database: connecting, running the named ``.sql`` files, writing frames.

Contract: SQL lives in ``infrarisk/sql/<layer>/<table>.sql``, one table per file, named
after the table it creates (``CREATE OR REPLACE TABLE <name> AS ...`` as a chain of
named CTEs); checks live in ``sql/checks/<check>.sql`` and return offending rows.
Tables are named ``{layer}_{source}__{name}`` (PUDL): ``raw_`` faithful copies,
``core_`` typed keyed tables, ``out_`` wide user-facing tables.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from .errors import DataError

SQL_DIR = Path(__file__).resolve().parent / "sql"
_NAME_RE = re.compile(r"^(raw|core|out|meta)_[a-z0-9]+__[a-z0-9_]+$")


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) a DuckDB database; ``None`` gives an in-memory one."""
    if path is None:
        return duckdb.connect(":memory:")
    path = Path(path)
    if read_only and not path.exists():
        raise DataError(f"database {path} does not exist; run `infrarisk build` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def sql_text(name: str) -> str:
    """Text of ``sql/<name>.sql`` (``name`` like ``core/core_assets__assets``)."""
    p = SQL_DIR / f"{name}.sql"
    if not p.exists():
        raise FileNotFoundError(f"no SQL file {p}")
    return p.read_text(encoding="utf-8")


def run_sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> str:
    """Run the named SQL file, which must create the table it is named after.

    ``params`` are the named parameters the file uses (``$name``), passed explicitly.

    Returns
    -------
    str
        The table name.
    """
    table = name.rsplit("/", 1)[-1]
    text = sql_text(name)
    if f"create or replace table {table} " not in " ".join(text.lower().split()) + " ":
        raise ValueError(f"sql/{name}.sql must create table {table}")
    con.execute(text, params) if params else con.execute(text)
    return table


def run_layer(con: duckdb.DuckDBPyConnection, layer: str, names: list[str]) -> list[str]:
    """Run several SQL files of one layer in the given (dependency) order."""
    return [run_sql(con, f"{layer}/{n}") for n in names]


def check_table_name(table: str) -> None:
    """ValueError unless ``table`` follows the naming convention ``layer_source__name``."""
    if not _NAME_RE.match(table):
        raise ValueError(f"table name {table!r} breaks the naming convention layer_source__name")


def write_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, order_by: list[str] | None = None) -> None:
    """Replace ``table`` with the rows of ``df`` (sorted for deterministic content)."""
    check_table_name(table)
    if order_by:
        df = df.sort_values(order_by, kind="mergesort").reset_index(drop=True)
    # read by DuckDB's replacement scan of this local variable: registering a view for it and
    # removing it again cost more than the write of a small frame
    _infrarisk_write_frame = df  # noqa: F841
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _infrarisk_write_frame")


def write_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict, types: dict,
                  order_by: list[str] | None = None) -> None:
    """Replace ``table`` with the given columns (lists or arrays, in ``types`` order), through Arrow.

    ``types``: column name -> Arrow type (the table's column types even when it is empty). NaN in
    a float column is NULL, as :func:`write_frame` writes it. ``order_by`` must be a unique key (the
    rows are sorted by it in SQL, ``NULLS LAST``: the order ``write_frame`` gives such a key).
    About twice as fast as :func:`write_frame` (no frame is built).

    Examples
    --------
    >>> import pyarrow as pa
    >>> con = connect(None)
    >>> write_columns(con, "out_x__y", {"k": ["b", "a"], "v": [1.0, float("nan")]},
    ...               {"k": pa.string(), "v": pa.float64()}, order_by=["k"])
    >>> con.execute("SELECT * FROM out_x__y").fetchall()
    [('a', None), ('b', 1.0)]
    """
    check_table_name(table)
    # read by DuckDB's replacement scan of this local variable (as in write_frame): registering a
    # view for it and removing it again cost about a millisecond per table
    _infrarisk_write_columns = pa.table({c: pa.array(columns[c], t, from_pandas=True)  # noqa: F841
                                         for c, t in types.items()})
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _infrarisk_write_columns"
                + (f" ORDER BY {', '.join(order_by)}" if order_by else ""))


@contextmanager
def threads(con: duckdb.DuckDBPyConnection, n: int):
    """Run the block with DuckDB on ``n`` threads, then restore the setting.

    The build's middle stages run many statements over at most tens of thousands of rows: a
    second thread there costs processor time and saves no wall time (and beside another
    process, takes its core). Setting the count costs a few milliseconds each way.

    Examples
    --------
    >>> con = connect(None)
    >>> before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    >>> with threads(con, 1):
    ...     con.execute("SELECT current_setting('threads')").fetchone()[0]
    1
    >>> con.execute("SELECT current_setting('threads')").fetchone()[0] == before
    True
    """
    before = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])  # fetched whole: no open result
    if before == n:
        yield
        return
    con.execute(f"SET threads = {int(n)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {before}")


def attach(con: duckdb.DuckDBPyConnection, path: str | Path, alias: str, read_only: bool = False) -> None:
    """Attach the database file ``path`` as ``alias`` (its path quoted as an SQL string, so any
    file name works).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "it's here"
    >>> d.mkdir()
    >>> c = connect(None); attach(c, d / "o'neil.duckdb", "x")
    >>> c.execute("CREATE TABLE x.t AS SELECT 1 AS v").fetchall(), c.execute("SELECT v FROM x.t").fetchall()
    ([(1,)], [(1,)])
    """
    con.execute(f"ATTACH {literal(Path(path).as_posix())} AS {alias}" + (" (READ_ONLY)" if read_only else ""))


def literal(text: str) -> str:
    """``text`` as an SQL string literal (single quotes doubled), for the statements that take no
    parameters (``ATTACH``, ``SET``).

    >>> literal("o'neil")
    "'o''neil'"
    """
    return "'" + text.replace("'", "''") + "'"


def copy_tables(con: duckdb.DuckDBPyConnection, source: Path, tables: list[str] | None = None) -> list[str]:
    """Copy tables of the database file ``source`` into ``con``'s main schema, in one transaction.

    ``tables``: their names; None copies every base table of ``source`` that ``con`` lacks (in
    name order). Returns the names copied. ``source`` is attached read-only for the copy.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> a = connect(d / "a.duckdb"); a.execute("CREATE TABLE t AS SELECT 1 AS x").close(); a.close()
    >>> b = connect(None); b.execute("CREATE TABLE u AS SELECT 2 AS y").fetchall()
    [(1,)]
    >>> copy_tables(b, d / "a.duckdb"), b.execute("SELECT x FROM t").fetchall()
    (['t'], [(1,)])
    """
    attach(con, source, "copy_source", read_only=True)
    try:
        if tables is None:
            tables = [r[0] for r in con.execute(
                """SELECT table_name FROM information_schema.tables WHERE table_catalog = 'copy_source'
                   AND table_schema = 'main' AND table_type = 'BASE TABLE'
                   EXCEPT SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()
                   AND table_schema = 'main' ORDER BY 1""").fetchall()]
        con.execute("BEGIN")
        try:
            for t in tables:
                con.execute(f'CREATE TABLE main."{t}" AS SELECT * FROM copy_source.main."{t}"')
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.execute("DETACH copy_source")
    return tables


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the base tables, sorted."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()]


def check_names(check_dir: Path | None = None) -> list[str]:
    """Names of the data checks shipped in ``sql/checks``."""
    d = check_dir or SQL_DIR / "checks"
    return sorted(p.stem for p in d.glob("*.sql"))
