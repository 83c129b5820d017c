"""Load ``datasets/wpi/`` into ``raw_wpi__ports``, then build ``core_assets__ports``.

Contract
--------
Input: the verified folder ``datasets/wpi`` (``wpi_ports.csv``), and the tables
``raw_unlocode__country_codes`` and ``core_geo__*`` (loaded before this).

Outputs: ``raw_wpi__ports`` (the accepted rows, typed, with ``source_row``) and
``core_assets__ports`` (``sql/core/core_assets__ports.sql``).

Checks (a :class:`~infrarisk.problems.Problem` each, file and 1-based row), each done as
a set operation in DuckDB over the whole file (:mod:`infrarisk.sources._setops`: the file
read into DuckDB, Python's ``strip``, ``upper`` and ``float`` as SQL), not row by row; a
row's first error rejects it:

- **errors, row rejected**: ``wpi_number`` (missing or not a number), ``required``
  (port name), ``country_code`` (missing or unknown), ``lat_lon`` (missing or out of
  range), ``boolean``, ``duplicate_wpi_number`` (the WPI repeats 49460 and 400: the first
  row in file order keeps the number, each later one is rejected so ids stay unique).
- **warnings, row kept**: ``unlocode_syntax`` (not ``[A-Z]{2}[A-Z2-9]{3}``, or published
  invalid by the WPI; nulled), ``unlocode_country`` (LOCODE prefix differs from the
  country: kept, never primary for the code), ``category`` (unknown harbour size, type,
  use or facility value; nulled), ``number`` (a depth that is not a non-negative number;
  nulled), ``position_country`` (the point is more than 0.1 degree from its country's
  polygons, see :func:`infrarisk.sources.naturalearth.positions.points_outside_country`).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ...db import run_sql
from ...collector import paused
from .._load import verify
from ..naturalearth.positions import points_outside_country
from .._setops import csv_select, python_functions, sql_str, strip, to_float, upper
from .derive import METRE_COLUMNS, OUT_COLUMNS
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from . import SOURCE_ID
PORTS = f"{SOURCE_ID}/wpi_ports.csv"
POSITION_TOLERANCE_DEG = 0.1

_FACILITY = {"Yes", "No", "Unknown"}
#: allowed values of the category columns (empty is allowed everywhere: not given)
CATEGORIES = {
    "harbor_size": {"Very Small", "Small", "Medium", "Large"},
    "harbor_type": {
        "Coastal (Natural)", "Coastal (Breakwater)", "Coastal (Tide Gates)", "River (Natural)",
        "River (Basins)", "River (Tide Gates)", "Canal or Lake", "Open Roadstead", "Typhoon Harbor",
    },
    "harbor_use": {"Cargo", "Ferry", "Fishing", "Military", "Unknown"},
    **{c: _FACILITY for c in OUT_COLUMNS if c.startswith("fac_")},
}
_TEXT = ["wpi_number", "port_name", "alternate_name", "unlocode", "unlocode_as_published",
         "country_name", "country_code", "region_name", "world_water_body"]
_NUMBER_RE = re.compile(r"\d+(\.\d+)?")


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Verify ``datasets/wpi``, write ``raw_wpi__ports`` and build ``core_assets__ports``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The build database, holding the UN/LOCODE and Natural Earth tables.
    settings : Settings
        Gives ``datasets_dir``.
    log : ProblemLog
        Receives one Problem per bad value and the row accounting.
    """
    root = Path(settings.datasets_dir)
    verify(root / SOURCE_ID)
    known = {r[0] for r in con.execute("SELECT country_code FROM raw_unlocode__country_codes").fetchall()}
    load_ports(con, root, known, log)
    report_positions(con, log)
    run_sql(con, "core/core_assets__ports")


def load_ports(con: duckdb.DuckDBPyConnection, root: Path, known: set[str], log: ProblemLog) -> int:
    """Check ``wpi_ports.csv`` as set operations over all rows and write the accepted rows,
    typed, as ``raw_wpi__ports``; the number of rows written.

    A row's first error rejects it (checks in the order of the module docstring); warnings
    are reported for every row that passes the errors. The problems are those of a
    row-by-row check: same file, row, column, check, reason and value, in file order.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The build database (``raw_wpi__ports`` is written into it).
    root : Path
        The datasets folder.
    known : set of str
        Known ISO alpha-2 country codes.
    log : ProblemLog
        Receives the problems and the row accounting.
    """
    extra = {"py_is_number": (lambda t: None if t is None else _NUMBER_RE.fullmatch(t) is not None, "BOOLEAN")}
    try:
        with python_functions(con, extra):  # every row checked once, as read, for the problems and the table
            n = csv_select(con, root / PORTS, OUT_COLUMNS, lambda rows: (
                f"CREATE OR REPLACE TEMP TABLE {_CHECKED} AS {_checked_sql(rows)} SELECT * FROM d"),
                {"known": sorted(known)})[0][0]
        checked_rows = f"WITH d AS (SELECT * FROM {_CHECKED}) "
        problems = con.execute(checked_rows + _problems_sql()).fetchall()
        loaded = con.execute("CREATE OR REPLACE TABLE raw_wpi__ports AS " + checked_rows + "SELECT source_row, "
                             + ", ".join(_OUT_EXPR.get(c, c) for c in OUT_COLUMNS)
                             + " FROM d WHERE err IS NULL AND NOT is_dup ORDER BY source_row").fetchall()[0][0]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_CHECKED}")
    for row, column, check, severity, reason, value in problems:
        log.add(PORTS, row, column, check, severity, reason, value)
    log.count(PORTS, n, loaded)
    return loaded


#: the checked rows, kept while the problems are listed and the table is written
_CHECKED = "_wpi_ports_checked"
#: the output expression of the columns not taken as checked (the others are)
_OUT_EXPR = {"unlocode": "unlocode_new AS unlocode", "latitude": "lat AS latitude", "longitude": "lon AS longitude",
             **{c: f"{c}_out AS {c}" for c in [*CATEGORIES, *METRE_COLUMNS.values()]}}
#: the errors in the order they are checked: (condition, column, check, reason, value)
_ERRORS = [
    ("NOT wpi_ok", "wpi_number", "wpi_number", "WPI number missing or not a number; row rejected", "raw_wpi_number"),
    ("port_name IS NULL", "port_name", "required", "port name is empty; row rejected", "raw_port_name"),
    ("country_code IS NULL", "country_code", "country_code", "country code is empty; row rejected",
     "raw_country_code"),
    ("NOT cc_known", "country_code", "country_code", "not a known ISO 3166-1 alpha-2 country code; row rejected",
     "raw_country_code"),
    ("lat IS NULL OR lon IS NULL", "latitude,longitude", "lat_lon", "coordinate is not a number; row rejected",
     "lat_lon"),
    ("isnan(lat) OR isnan(lon)", "latitude,longitude", "lat_lon", "coordinate missing; row rejected", "lat_lon"),
    ("NOT (lat >= -90 AND lat <= 90)", "latitude,longitude", "lat_lon", "latitude outside -90..90; row rejected",
     "lat_lon"),
    ("NOT (lon >= -180 AND lon <= 180)", "latitude,longitude", "lat_lon", "longitude outside -180..180; row rejected",
     "lat_lon"),
    ("flag NOT IN ('true', 'false')", "has_invalid_unlocode", "boolean", "flag must be true or false; row rejected",
     "flag"),
]


def _checked_sql(rows: str) -> str:
    """``WITH ...``: the CTE ``d``, every row of ``rows`` (the file's rows as
    :func:`~infrarisk.sources._setops.csv_select` gives them) with its stripped values, parsed
    numbers, first error (``err``, 1-based in :data:`_ERRORS`), warning flags and ``is_dup`` (a
    later row with the WPI number of an accepted one); ``$known`` the country codes."""
    text = ", ".join(f"nullif({strip(c)}, '') AS {c}" for c in _TEXT)
    cats = ", ".join(f"{strip(c)} AS {c}_s" for c in CATEGORIES)
    metres = ", ".join(f"{strip(c)} AS {c}_s" for c in METRE_COLUMNS.values())
    err = " ".join(f"WHEN {cond} THEN {k}" for k, (cond, *_) in enumerate(_ERRORS, 1))
    cat_flags = ", ".join(f"({c}_s <> '' AND {c}_s NOT IN ({', '.join(sql_str(v) for v in sorted(allowed))})) "
                          f"AS {c}_bad" for c, allowed in CATEGORIES.items())
    metre_vals = ", ".join(f"{to_float(c + '_s')} AS {c}_v" for c in METRE_COLUMNS.values())
    return f"""
WITH s AS (
    SELECT row_number AS source_row, wpi_number AS raw_wpi_number, port_name AS raw_port_name,
           country_code AS raw_country_code, latitude || ',' || longitude AS lat_lon, has_invalid_unlocode AS flag,
           {to_float('latitude')} AS lat, {to_float('longitude')} AS lon, {strip('wpi_number')} AS wpi_s, {text},
           {cats}, {metres}
    FROM {rows}),
p AS (
    SELECT *,
           CASE WHEN regexp_full_match(wpi_s, '[\\x20-\\x7e]*') THEN regexp_full_match(wpi_s, '[0-9]+(\\.[0-9]+)?')
                ELSE py_is_number(wpi_s) END AS wpi_ok,
           list_contains($known, {upper('country_code')}) AS cc_known,
           replace({upper('unlocode')}, ' ', '') AS unlocode_up,
           {cat_flags}, {metre_vals}
    FROM s),
e AS NOT MATERIALIZED (
    SELECT *, CASE {err} END AS err,
           unlocode_up IS NOT NULL AND NOT regexp_full_match(unlocode_up, '[A-Z]{{2}}[A-Z2-9]{{3}}') AS unlocode_bad
    FROM p),
firsts AS (
    SELECT wpi_number AS first_number, min(source_row) AS first_row, arg_min(port_name, source_row) AS first_port_name
    FROM e WHERE err IS NULL GROUP BY wpi_number),
d AS (
    SELECT *,
           CASE WHEN unlocode_bad THEN NULL ELSE unlocode_up END AS unlocode_new,
           err IS NULL AND source_row <> first_row AS is_dup,
           {", ".join(f"CASE WHEN {c}_bad THEN NULL ELSE nullif({c}_s, '') END AS {c}_out" for c in CATEGORIES)},
           {", ".join(f"CASE WHEN {c}_v >= 0 AND NOT isnan({c}_v) THEN {c}_v END AS {c}_out"
                      for c in METRE_COLUMNS.values())},
           flag = 'true' AS has_invalid_unlocode
    FROM e LEFT JOIN firsts ON err IS NULL AND wpi_number = first_number)
"""


def _problems_sql() -> str:
    """SQL over :func:`_checked_sql`'s ``d`` listing every problem (row, column, check,
    severity, reason, value) in file order: by row, then in the order the checks are made."""
    items = [(f"err = {k}", col, check, ERROR, sql_str(reason), value)
             for k, (_, col, check, reason, value) in enumerate(_ERRORS, 1)]

    def warn(cond, col, check, reason, value, severity=WARNING):
        items.append((f"err IS NULL AND {cond}", col, check, severity, reason, value))

    warn("flag = 'true'", "unlocode", "unlocode_syntax",
         sql_str("the WPI publishes a value that is not a UN/LOCODE; unlocode left empty"), "unlocode_as_published")
    warn("unlocode_bad", "unlocode", "unlocode_syntax",
         sql_str("UN/LOCODE must be 2 letters and 3 letters/digits 2-9; unlocode nulled, row kept"), "unlocode")
    warn("unlocode_new IS NOT NULL AND substring(unlocode_new, 1, 2) IS DISTINCT FROM country_code", "unlocode",
         "unlocode_country", "'UN/LOCODE prefix differs from the country ' || coalesce(country_code, '') || "
         "'; kept, but the port is never primary for this code'", "unlocode_new")
    for c in CATEGORIES:
        warn(f"{c}_bad", c, "category", sql_str(f"unknown {c} value; nulled"), f"{c}_s")
    for c in METRE_COLUMNS.values():
        warn(f"{c}_s <> '' AND {c}_out IS NULL", c, "number",
             sql_str("not a non-negative number of metres; nulled"), f"{c}_s")
    warn("is_dup", "wpi_number", "duplicate_wpi_number",
         "'WPI number already on row ' || first_row || ' (' || coalesce(first_port_name, '') || '); row (' || "
         "coalesce(port_name, '') || ') rejected so asset ids stay unique'", "wpi_number", ERROR)
    # per row the numbers of its problems (a list of integers is cheap; list_distinct drops the NULLs of the
    # checks that pass, and the order is restored below), then one output row per number
    seqs = ", ".join(f"CASE WHEN {cond} THEN {k} END" for k, (cond, *_) in enumerate(items))

    def constants(j: int) -> str:
        return "[" + ", ".join(sql_str(item[j]) for item in items) + "][seq + 1]"

    def by_seq(j: int) -> str:
        return "CASE seq " + " ".join(f"WHEN {k} THEN {item[j]}" for k, item in enumerate(items)) + " END"

    return (f"SELECT source_row, {constants(1)}, {constants(2)}, {constants(3)}, {by_seq(4)}, "
            f"CAST({by_seq(5)} AS VARCHAR) FROM (SELECT *, unnest(found) AS seq FROM (SELECT *, "
            f"list_distinct([{seqs}]) AS found FROM d) WHERE len(found) > 0) "
            f"ORDER BY source_row, seq")


def report_positions(con: duckdb.DuckDBPyConnection, log: ProblemLog) -> None:
    """A warning per port of ``raw_wpi__ports`` lying more than the tolerance from its
    country's polygons."""
    ports = con.execute("SELECT source_row, latitude, longitude, country_code FROM raw_wpi__ports "
                        "ORDER BY source_row").df()
    far = points_outside_country(ports, "latitude", "longitude", "country_code", con, POSITION_TOLERANCE_DEG)
    for r in far.itertuples():
        if r.outside_reason == "outside":
            reason = (f"position is {r.distance_deg:.2f} degrees from the polygons of {r.country_code} "
                      f"(nearest polygon: {r.nearest_country_code}); kept, check the position or the country")
        else:
            reason = f"position not tested against a polygon: {r.outside_reason}"
        log.add(PORTS, r.source_row, "latitude,longitude", "position_country", WARNING,
                reason, f"{r.latitude},{r.longitude}")
