"""Load ``datasets/unlocode/`` into ``raw_unlocode__*`` tables.

Contract
--------
Input: the verified folder ``datasets/unlocode`` (``locations.csv``, ``country_codes.csv``,
``status_indicators.csv``, ``function_classifiers.csv``, ``corrections/country_codes.csv``).

Outputs:

- ``raw_unlocode__country_codes``: the UN/LOCODE country list plus the added codes
  (``is_unlocode_code`` false, with ``added_reason``). Later loaders validate against it; it is
  the only table they read, so :func:`load_for_dependents` writes it alone.
- ``raw_unlocode__status_indicators``, ``raw_unlocode__function_classifiers``: code tables.
- ``raw_unlocode__locations``: one row per accepted entry, typed, with ``source_row``.

Checks (a :class:`~infrarisk.problems.Problem` each, file and 1-based row):

- ``unlocode_syntax``, ``country_code``, ``unlocode_parts`` (code = country + location),
  ``required`` (name), ``boolean``: **error**, the row is rejected.
- ``duplicate_unlocode``: UN/LOCODE lists some places twice under one code with the
  name variants swapped (FIHEL Helsinki (Helsingfors) / Helsingfors (Helsinki)). Every
  row is kept (the table is a faithful copy); each later row is a **warning** and carries
  ``is_duplicate_unlocode`` = true, so ``WHERE NOT is_duplicate_unlocode`` gives one row
  per code (the first in the file).
- ``lat_lon``: a half, non-numeric or out-of-range coordinate pair is a **warning**; the
  coordinates are dropped, the row kept (a location is valid without a position).
- ``status_code``, ``function_code``: unknown or malformed codes are **warnings**.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from ...db import write_frame
from ...collector import paused
from .._derive import read_csv_strict
from .derive import OUT_COLUMNS
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from .._load import verify
from .._setops import csv_select, strip
from ...validate import check_country, check_lat_lon, check_unlocode
from . import SOURCE_ID
LOCATIONS = f"{SOURCE_ID}/locations.csv"
COUNTRIES = f"{SOURCE_ID}/country_codes.csv"
ADDED_COUNTRIES = f"{SOURCE_ID}/corrections/country_codes.csv"
STATUSES = f"{SOURCE_ID}/status_indicators.csv"
FUNCTIONS = f"{SOURCE_ID}/function_classifiers.csv"

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
# Position n (1-7) holds '-' or the digit n ('0' in position 1: function not known);
# position 8 holds 'B' (border crossing).
_FUNCTION_RE = re.compile(r"^[-01][-2][-3][-4][-5][-6][-7][-B]$")
_FLAG_POSITIONS = {"is_port": 0, "is_rail": 1, "is_road": 2, "is_airport": 3, "is_multimodal": 5}
_BOOLS = ["is_port", "is_rail", "is_road", "is_airport", "is_multimodal",
          "has_geocoded_coords_removed", "is_row_repaired", "is_name_from_ascii"]
_OPTIONAL_TEXT = ["subdivision_code", "status_code", "iata_code"]


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Verify ``datasets/unlocode`` and write the ``raw_unlocode__*`` tables.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The build database.
    settings : Settings
        Gives ``datasets_dir``.
    log : ProblemLog
        Receives one Problem per bad value and the row accounting of every file.
    """
    root = Path(settings.datasets_dir)
    verify(root / SOURCE_ID)
    countries = load_country_codes(root, log)
    statuses = _code_table(root, STATUSES, "status_code", log)
    functions = _code_table(root, FUNCTIONS, "function_code", log)
    write_frame(con, "raw_unlocode__country_codes", countries, order_by=["country_code"])
    write_frame(con, "raw_unlocode__status_indicators", statuses, order_by=["status_code"])
    write_frame(con, "raw_unlocode__function_classifiers", functions, order_by=["function_code"])
    load_locations(con, root, set(countries["country_code"]), set(statuses["status_code"]), log)


def load_for_dependents(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Write only what the loaders of the sources that depend on this one read:
    ``raw_unlocode__country_codes`` (as :func:`load` writes it). The build's second load process
    (:mod:`infrarisk.sources.lanes`) calls this instead of :func:`load`; the locations, which no
    other loader reads, come from the first process.

    Parameters
    ----------
    con, settings, log :
        As for :func:`load`; ``log`` receives the country codes' problems and row counts.
    """
    root = Path(settings.datasets_dir)
    verify(root / SOURCE_ID)
    write_frame(con, "raw_unlocode__country_codes", load_country_codes(root, log), order_by=["country_code"])


def load_country_codes(root: Path, log: ProblemLog) -> pd.DataFrame:
    """The UN/LOCODE country list plus the hand-added codes, checked.

    Returns
    -------
    pandas.DataFrame
        ``country_code``, ``country_name``, ``is_unlocode_code``, ``added_reason``.
    """
    out: list[dict] = []
    seen: set[str] = set()
    for rel, columns, official in (
        (COUNTRIES, ["country_code", "country_name"], True),
        (ADDED_COUNTRIES, ["country_code", "country_name", "reason"], False),
    ):
        rows = read_csv_strict(root / rel, columns)
        loaded = 0
        for i, r in enumerate(rows, 1):
            code, name = r["country_code"].strip(), r["country_name"].strip()
            error = None
            if not _COUNTRY_RE.match(code):
                error = ("country_code", "country code must be two capital letters", code)
            elif code in seen:
                where = "the UN/LOCODE list" if not official else "this file"
                error = ("duplicate_country_code", f"code already in {where}; row rejected", code)
            elif not name:
                error = ("required", "country name is empty; row rejected", name)
            elif not official and not r["reason"].strip():
                error = ("required", "an added code needs a reason; row rejected", code)
            if error:
                log.add(rel, i, "country_code" if error[0] != "required" else "country_name",
                        error[0], ERROR, error[1], error[2])
                continue
            seen.add(code)
            out.append({"country_code": code, "country_name": name, "is_unlocode_code": official,
                        "added_reason": None if official else r["reason"].strip()})
            loaded += 1
        log.count(rel, len(rows), loaded)
    return pd.DataFrame(out, columns=["country_code", "country_name", "is_unlocode_code", "added_reason"])


def _code_table(root: Path, rel: str, key: str, log: ProblemLog) -> pd.DataFrame:
    """A two-column code table (code, description); blank or repeated codes are rejected."""
    rows = read_csv_strict(root / rel, [key, "description"])
    out, seen = [], set()
    for i, r in enumerate(rows, 1):
        code = r[key].strip()
        if not code or code in seen:
            log.add(rel, i, key, "code_table", ERROR, "code is empty or repeated; row rejected", code)
            continue
        seen.add(code)
        out.append({key: code, "description": r["description"].strip()})
    log.count(rel, len(rows), len(out))
    return pd.DataFrame(out, columns=[key, "description"])


def load_locations(con: duckdb.DuckDBPyConnection, root: Path, countries: set[str], statuses: set[str],
                   log: ProblemLog) -> int:
    """Check ``locations.csv`` and write the accepted rows as ``raw_unlocode__locations``; the
    number written.

    One statement reads the file (:func:`infrarisk.sources._setops.csv_select`) and writes
    every row in file order, with the values of a row every check passes (:func:`clean_sql`, a
    few comparisons as one set operation) and, for the few rows with a problem, their texts in
    a column of its own. Those rows go through :func:`_location` in Python, which logs each
    problem (file, row, column, reason) and rejects the row (deleted) or repairs it (updated in
    place); the extra column is then dropped. Repeated codes are found in SQL and flagged
    (:func:`_report_duplicate` words the warnings).

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
    texts = f"CASE WHEN NOT coalesce({clean_sql()}, false) THEN [{', '.join(OUT_COLUMNS)}] END AS _texts"
    n = csv_select(con, root / LOCATIONS, OUT_COLUMNS, lambda rows: (
        f"CREATE OR REPLACE TABLE raw_unlocode__locations AS SELECT {_clean_values()}, "
        f"false AS is_duplicate_unlocode, {texts} FROM {rows}"), params)[0][0]
    found: list[tuple] = []  # (row, order, problem): the problems in file order
    repaired, rejected = [], []
    try:
        for i, r in con.execute("SELECT source_row, _texts FROM raw_unlocode__locations WHERE _texts IS NOT NULL "
                                "ORDER BY source_row").fetchall():
            row_log = ProblemLog()
            rec = _location(dict(zip(OUT_COLUMNS, r)), i, countries, statuses, row_log)
            found += [(p.row, 0, p) for p in row_log.problems]
            if rec is None:
                rejected.append(i)
            else:
                repaired.append(rec)
        if rejected:
            con.execute("DELETE FROM raw_unlocode__locations WHERE source_row IN (SELECT unnest($rows))",
                        {"rows": rejected})
        if repaired:
            fixed = pd.DataFrame(repaired, columns=_COLUMNS[:-1], dtype=object)
            con.register("_unlocode_repaired", fixed)
            try:
                con.execute("UPDATE raw_unlocode__locations t SET " + ", ".join(
                    f"{c} = CAST(r.{c} AS {_TYPES.get(c, 'VARCHAR')})" for c in _COLUMNS[1:-1])
                    + " FROM _unlocode_repaired r WHERE t.source_row = r.source_row")
            finally:
                con.unregister("_unlocode_repaired")
        con.execute("ALTER TABLE raw_unlocode__locations DROP COLUMN _texts")
    except BaseException:
        con.execute("DROP TABLE IF EXISTS raw_unlocode__locations")  # never half-checked rows
        raise
    # a later row of a code is a duplicate: its row comes after the code's first
    dups = con.execute("""
        WITH f AS (SELECT unlocode, min(source_row) AS first_row FROM raw_unlocode__locations
                   GROUP BY unlocode HAVING count(*) > 1)
        SELECT a.source_row, a.unlocode, a.name, a.latitude, a.longitude, r.source_row, r.unlocode, r.name,
               r.latitude, r.longitude
        FROM f JOIN raw_unlocode__locations r ON r.unlocode = f.unlocode AND r.source_row > f.first_row
        JOIN raw_unlocode__locations a ON a.source_row = f.first_row ORDER BY r.source_row""").fetchall()
    if dups:
        con.execute("UPDATE raw_unlocode__locations SET is_duplicate_unlocode = true "
                    "WHERE source_row IN (SELECT unnest($rows))", {"rows": [d[5] for d in dups]})
    keys = ("source_row", "unlocode", "name", "latitude", "longitude")
    for d in dups:
        row_log = ProblemLog()
        _report_duplicate(dict(zip(keys, d[:5])), dict(zip(keys, d[5:])), row_log)
        found += [(p.row, 1, p) for p in row_log.problems]
    log.extend(p for _, _, p in sorted(found, key=lambda f: f[:2]))
    loaded = n - len(rejected)
    log.count(LOCATIONS, n, loaded)
    return loaded


#: the columns of raw_unlocode__locations
_COLUMNS = ["source_row", "unlocode", "country_code", "location_code", "name", "name_wo_diacritics",
            *_OPTIONAL_TEXT, "function_code", "latitude", "longitude", *_BOOLS, "is_duplicate_unlocode"]
_TYPES = {"source_row": "BIGINT", "latitude": "DOUBLE", "longitude": "DOUBLE", **{c: "BOOLEAN" for c in _BOOLS}}
#: coordinates the row test accepts as they are (anything else goes through check_lat_lon)
_NUMBER = r"-?[0-9]{1,3}(\.[0-9]{1,15})?"


def clean_sql() -> str:
    """SQL test of a row of the CSV's rows (``$countries``, ``$statuses`` the known codes): true
    when no check of :func:`_location` has anything to say about it."""
    bools = " AND ".join(f"{c} IN ('true', 'false')" for c in _BOOLS)
    agree = " AND ".join(f"({c} = 'true') = (substring(function_code, {pos + 1}, 1) <> '-')"
                         for c, pos in _FLAG_POSITIONS.items())
    # both empty, or both plain numbers in range (a padded number goes through the full checks)
    coordinates = (f"(latitude = '' AND longitude = '') OR (regexp_full_match(latitude, '{_NUMBER}') "
                   f"AND regexp_full_match(longitude, '{_NUMBER}') AND TRY_CAST(latitude AS DOUBLE) BETWEEN -90 "
                   f"AND 90 AND TRY_CAST(longitude AS DOUBLE) BETWEEN -180 AND 180)")
    status = strip("status_code")
    return (f"regexp_full_match(unlocode, '[A-Z]{{2}}[A-Z2-9]{{3}}') AND country_code IN (SELECT unnest($countries)) "
            f"AND unlocode = country_code || {strip('location_code')} AND {strip('name')} <> '' AND {bools} "
            f"AND ({coordinates}) AND (({status}) = '' OR ({status}) IN (SELECT unnest($statuses))) "
            f"AND regexp_full_match(function_code, '[-01][-2][-3][-4][-5][-6][-7][-B]') AND {agree}")


def _clean_values() -> str:
    """SQL of the output columns of a clean row (as :func:`_location` makes them)."""
    lat, lon = strip("latitude"), strip("longitude")
    return ", ".join([
        "row_number AS source_row", "unlocode", "country_code", "substring(unlocode, 3) AS location_code",
        f"{strip('name')} AS name",
        *[f"nullif({strip(c)}, '') AS {c}" for c in ("name_wo_diacritics", *_OPTIONAL_TEXT)],
        "function_code", f"TRY_CAST(nullif({lat}, '') AS DOUBLE) AS latitude",
        f"TRY_CAST(nullif({lon}, '') AS DOUBLE) AS longitude", *[f"{c} = 'true' AS {c}" for c in _BOOLS]])


def _location(r: dict, i: int, countries: set[str], statuses: set[str], log: ProblemLog) -> dict | None:
    """One checked row, or None when rejected (its errors are logged)."""
    def reject(column, check, reason, value):
        log.add(LOCATIONS, i, column, check, ERROR, reason + "; row rejected", value)

    try:
        code = check_unlocode(r["unlocode"])
        if code is None:
            raise ValueError("UN/LOCODE is empty")
    except ValueError as e:
        return reject("unlocode", "unlocode_syntax", str(e), r["unlocode"])
    try:
        country = check_country(r["country_code"], countries)
        if country is None:
            raise ValueError("country code is empty")
    except ValueError as e:
        return reject("country_code", "country_code", str(e), r["country_code"])
    if code != country + r["location_code"].strip():
        return reject("unlocode", "unlocode_parts", "code is not country_code + location_code", code)
    if not r["name"].strip():
        return reject("name", "required", "name is empty", r["name"])
    flags = {}
    for col in _BOOLS:
        if r[col] not in ("true", "false"):
            return reject(col, "boolean", "flag must be true or false", r[col])
        flags[col] = r[col] == "true"

    lat = lon = None
    lat_text, lon_text = r["latitude"].strip(), r["longitude"].strip()
    if lat_text or lon_text:
        try:
            if not (lat_text and lon_text):
                raise ValueError("only one of latitude and longitude is given")
            lat, lon = check_lat_lon(lat_text, lon_text)
        except ValueError as e:
            log.add(LOCATIONS, i, "latitude,longitude", "lat_lon", WARNING,
                    f"{e}; coordinates dropped, row kept", f"{lat_text},{lon_text}")
    status = r["status_code"].strip()
    if status and status not in statuses:
        log.add(LOCATIONS, i, "status_code", "status_code", WARNING, "status code not in status_indicators.csv", status)
    function = r["function_code"]
    if not _FUNCTION_RE.match(function):
        log.add(LOCATIONS, i, "function_code", "function_code", WARNING,
                "function must be 8 characters, position n holding '-' or n (8: 'B')", function)
    else:
        for col, pos in _FLAG_POSITIONS.items():
            if flags[col] != (function[pos] != "-"):
                log.add(LOCATIONS, i, col, "function_code", WARNING,
                        f"{col} disagrees with function {function}", r[col])
    rec = {
        "source_row": i, "unlocode": code, "country_code": country, "location_code": code[2:],
        "name": r["name"].strip(), "name_wo_diacritics": r["name_wo_diacritics"].strip() or None,
        "function_code": function, "latitude": lat, "longitude": lon, **flags,
    }
    rec.update({c: r[c].strip() or None for c in _OPTIONAL_TEXT})
    return rec


def _report_duplicate(first: dict, rec: dict, log: ProblemLog) -> None:
    """Warn about a later row repeating a code; say whether it is the same place."""
    same_place = (first["latitude"], first["longitude"]) == (rec["latitude"], rec["longitude"])
    reason = (
        f"UN/LOCODE {rec['unlocode']} already on row {first['source_row']} ({first['name']}); UN/LOCODE lists "
        "some places twice with name variants. Row kept, flagged is_duplicate_unlocode"
    )
    if not same_place:
        reason += "; its coordinates differ from the first row's"
    log.add(LOCATIONS, rec["source_row"], "unlocode", "duplicate_unlocode", WARNING, reason, rec["unlocode"])
