"""Raw tables of large registry files: a verbatim copy kept beside the database, read by a view.

Contract: :func:`keep_raw` keeps each input CSV (``.csv``, ``.csv.gz``: a hard link where the
file system allows, else a copy; a golden-copy ``.zip`` is unpacked) in
``<database folder>/<database name>.files/<table>/`` (a temporary folder for an in-memory
database) and makes ``<table>`` a VIEW over the copies: every
column as text, as published, plus ``origin_file`` and ``origin_row`` (1-based data row of
each file). A re-ingest replaces the copies. It returns the header, which must be the same
in every file. :func:`numbered_table` reads the kept copies into a table of derived columns
with the same ``origin_file`` / ``origin_row`` as the view, in one parallel pass.

Why a view: writing a 3-million-row, 228-column golden copy into a table in file order
takes most of a minute (DuckDB must keep the insertion order to number the rows, which
serialises the write), while the rows of the file stay the faithful record either way. An
analyst querying the raw view reads the kept copy. The ingest does not read through the view:
its window (``row_number() OVER ()``) runs everything above it on one thread. It reads the
copies in parallel with the insertion order kept, so the written table's row ids follow the
file, and numbers the rows from them afterwards (:func:`numbered_table`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import duckdb

from ...db import literal as sql_str
from ...errors import DataError

_TEMP: dict[int, Path] = {}


def files_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Where the raw copies of this database are kept."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    if path and path != ":memory:":
        p = Path(path)
        return p.with_name(p.stem + ".files")
    if id(con) not in _TEMP:  # in-memory (tests): kept as long as the process runs
        _TEMP[id(con)] = Path(tempfile.mkdtemp(prefix="infrarisk-registry-"))
    return _TEMP[id(con)]


def _copy(path: Path, folder: Path, i: int) -> Path:
    """Copy ``path`` (a CSV, gzipped CSV or a zip holding one CSV) into ``folder``."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise DataError(f"{path}: a golden-copy zip must hold exactly one CSV, found {len(members)}")
            out = folder / f"{i:02d}-{Path(members[0]).name}"
            with z.open(members[0]) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        return out
    out = folder / f"{i:02d}-{path.name}"
    try:  # a hard link on the same file system: instant; the publisher's files are replaced, not edited
        os.link(path, out)
    except OSError:
        shutil.copyfile(path, out)
    return out


def csv_scan(path: Path) -> str:
    """SQL reading a kept copy: every column as text, as published."""
    return f"read_csv({sql_str(str(Path(path).resolve()))}, all_varchar = true, header = true, strict_mode = true)"


def kept_copies(con: duckdb.DuckDBPyConnection, table: str) -> list[Path]:
    """The kept copies behind the raw view ``table``, in the order of the ingest's files."""
    return sorted((files_dir(con) / table).iterdir())


def numbered_table(con: duckdb.DuckDBPyConnection, into: str, select: str, raw: str, names: list[str],
                   temp: bool = False) -> int:
    """Create table ``into`` as ``SELECT <select>`` over each kept copy of the raw view ``raw``.

    ``select`` is SQL over the raw columns and ``origin_file`` (the published file's name,
    from ``names``, one per copy) and must include ``origin_file`` and ``origin_row`` as
    columns; ``origin_row`` is filled afterwards with the 1-based data row of each file, as
    the raw view numbers it. The copies are read in parallel with the insertion order kept,
    so the table's row ids follow the files (``preserve_insertion_order`` is set, and left,
    true); an UPDATE turns them into row numbers. Returns the number of rows read.
    """
    copies = kept_copies(con, raw)
    if len(copies) != len(names):
        raise DataError(f"{raw}: {len(copies)} kept copies for {len(names)} files")
    con.execute("SET preserve_insertion_order = true")
    ends = []
    for i, (name, copy) in enumerate(zip(names, copies)):
        rows = (f"SELECT {select} FROM (SELECT *, {sql_str(name)} AS origin_file, CAST(NULL AS BIGINT) AS origin_row "
                f"FROM {csv_scan(copy)})")
        con.execute((f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {into} AS " if i == 0
                     else f"INSERT INTO {into} ") + rows)
        ends.append(con.execute(f"SELECT count(*) FROM {into}").fetchall()[0][0])
    first = " ".join(f"WHEN rowid < {end} THEN {start}" for start, end in zip([0] + ends[:-1], ends))
    con.execute(f"UPDATE {into} SET origin_row = rowid + 1 - CASE {first} END")
    return ends[-1]


def keep_raw(con: duckdb.DuckDBPyConnection, table: str, paths: list[Path]) -> list[str]:
    """Keep copies of ``paths`` and make ``table`` a view over them (see the module docstring)."""
    folder = files_dir(con) / table
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        kept = [_copy(Path(p), folder, i) for i, p in enumerate(paths, start=1)]
        headers = [[r[0] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_csv({sql_str(str(k))}, all_varchar = true, header = true, "
            "sample_size = 1)").fetchall()] for k in kept]
        if any(h != headers[0] for h in headers):
            raise DataError(f"{', '.join(map(str, paths))}: files of one ingest must share one header")
        parts = [f"SELECT {sql_str(Path(p).name)} AS origin_file, (row_number() OVER ())::BIGINT AS origin_row, * "
                 f"FROM {csv_scan(k)}" for p, k in zip(paths, kept)]
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                           "AND table_schema = 'main' AND table_catalog = current_database()", [table]).fetchone()
        if kind and kind[0] != "VIEW":
            con.execute(f"DROP TABLE {table}")
        con.execute(f"CREATE OR REPLACE VIEW {table} AS " + " UNION ALL ".join(parts))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return headers[0]
