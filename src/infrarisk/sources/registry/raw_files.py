"""Raw tables of large registry files: a verbatim copy kept beside the database, read by a view.

Contract: :func:`keep_raw` keeps each input CSV (``.csv``, ``.csv.gz``: a hard link where the
file system allows, else a copy; a golden-copy ``.zip`` is unpacked) in
``<database folder>/<database name>.files/<table>/`` (a temporary folder for an in-memory
database) and makes ``<table>`` a VIEW over the copies: every
column as text, as published, plus ``origin_file`` and ``origin_row`` (1-based data row of
each file). A re-ingest replaces the copies. It returns the header, which must be the same
in every file.

Why a view: writing a 3-million-row, 228-column golden copy into a table in file order
takes most of a minute (DuckDB must keep the insertion order to number the rows, which
serialises the write), while the rows of the file stay the faithful record either way. The
ingest itself reads only the columns it uses through the view, in one ordered pass; an
analyst querying the raw view reads the kept copy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import duckdb

from ...errors import DataError

_TEMP: dict[int, Path] = {}


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def files_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Where the raw copies of this database are kept."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
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
                 f"FROM read_csv({sql_str(str(k.resolve()))}, all_varchar = true, header = true, strict_mode = true)"
                 for p, k in zip(paths, kept)]
        kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                           "AND table_schema = 'main' AND table_catalog = current_database()", [table]).fetchone()
        if kind and kind[0] != "VIEW":
            con.execute(f"DROP TABLE {table}")
        con.execute(f"CREATE OR REPLACE VIEW {table} AS " + " UNION ALL ".join(parts))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return headers[0]
