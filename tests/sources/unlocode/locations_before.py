"""The UN/LOCODE loader's locations as written before stop 15 (a TEMP table of the file with the
row test, then the accepted rows sorted and joined for the duplicate flags): the reference the
tests compare :func:`infrarisk.sources.unlocode.load.load_locations` with."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from infrarisk.problems import ProblemLog
from infrarisk.sources._setops import csv_table, drop_csv_table
from infrarisk.sources.unlocode.derive import OUT_COLUMNS
from infrarisk.sources.unlocode.load import (LOCATIONS, _COLUMNS, _TYPES, _clean_values, _location,
                                             _report_duplicate, clean_sql)

_CSV = "_unlocode_locations_csv"


def load_locations_before(con: duckdb.DuckDBPyConnection, root: Path, countries: set[str], statuses: set[str],
                   log: ProblemLog) -> int:
    """Check ``locations.csv`` and write the accepted rows as ``raw_unlocode__locations``; the
    number written.

    The file is read into DuckDB (:func:`infrarisk.sources._setops.csv_table`). A row every
    check passes (:func:`clean_sql`, a few comparisons as one set operation) is taken as it
    is, in SQL; the few rows with a problem go through :func:`_location` in Python, which logs
    each problem (file, row, column, reason) and rejects or repairs the row. Repeated codes
    are found in SQL (:func:`_report_duplicate` words the warnings).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The build database.
    root : Path
        The datasets folder.
    countries, statuses : set of str
        Known country and status codes.
    log : ProblemLog
        Receives the problems and the row accounting.
    """
    params = {"countries": sorted(countries), "statuses": sorted(statuses)}
    # the row test once per row, as the file is read
    n = csv_table(con, root / LOCATIONS, OUT_COLUMNS, _CSV, {"is_clean": f"coalesce({clean_sql()}, false)"}, params)
    try:
        found: list[tuple] = []  # (row, order, problem): the problems in file order
        repaired = []
        for r in con.execute(f"SELECT {', '.join(OUT_COLUMNS)}, row_number FROM {_CSV} WHERE NOT is_clean "
                             "ORDER BY row_number").fetchall():
            row_log = ProblemLog()
            rec = _location(dict(zip(OUT_COLUMNS, r)), r[-1], countries, statuses, row_log)
            found += [(p.row, 0, p) for p in row_log.problems]
            if rec is not None:
                repaired.append(rec)
        fixed = pd.DataFrame(repaired, columns=_COLUMNS[:-1], dtype=object)
        con.register("_unlocode_repaired", fixed)
        try:
            # a later row of a code is a duplicate: its row comes after the code's first (a join on the
            # first rows, not a window over every code: the same flags for less)
            loaded = con.execute(
                f"CREATE OR REPLACE TABLE raw_unlocode__locations AS WITH v AS (SELECT {_clean_values()} FROM {_CSV} "
                "WHERE is_clean UNION ALL SELECT "
                + ", ".join(f"CAST({c} AS {_TYPES.get(c, 'VARCHAR')}) AS {c}" for c in _COLUMNS[:-1])
                + " FROM _unlocode_repaired) SELECT v.*, v.source_row > f.first_row AS is_duplicate_unlocode FROM v "
                "JOIN (SELECT unlocode, min(source_row) AS first_row FROM v GROUP BY unlocode) f "
                "ON v.unlocode IS NOT DISTINCT FROM f.unlocode ORDER BY source_row").fetchall()[0][0]
        finally:
            con.unregister("_unlocode_repaired")
    finally:
        drop_csv_table(con, _CSV)
    dups = con.execute("""
        SELECT f.source_row, f.unlocode, f.name, f.latitude, f.longitude, r.source_row, r.unlocode, r.name, r.latitude,
               r.longitude
        FROM raw_unlocode__locations r
        JOIN (SELECT * FROM raw_unlocode__locations WHERE NOT is_duplicate_unlocode) f USING (unlocode)
        WHERE r.is_duplicate_unlocode ORDER BY r.source_row""").fetchall()
    keys = ("source_row", "unlocode", "name", "latitude", "longitude")
    for d in dups:
        row_log = ProblemLog()
        _report_duplicate(dict(zip(keys, d[:5])), dict(zip(keys, d[5:])), row_log)
        found += [(p.row, 1, p) for p in row_log.problems]
    log.extend(p for _, _, p in sorted(found, key=lambda f: f[:2]))
    log.count(LOCATIONS, n, loaded)
    return loaded
