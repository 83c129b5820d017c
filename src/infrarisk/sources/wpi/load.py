"""Load ``datasets/wpi/`` into ``raw_wpi__ports``, then build ``core_assets__ports``.

Contract
--------
Input: the verified folder ``datasets/wpi`` (``wpi_ports.csv``), and the tables
``raw_unlocode__country_codes`` and ``core_geo__*`` (loaded before this).

Outputs: ``raw_wpi__ports`` (the accepted rows, typed, with ``source_row``) and
``core_assets__ports`` (``sql/core/core_assets__ports.sql``).

Checks (a :class:`~infrarisk.problems.Problem` each, file and 1-based row):

- **errors, row rejected**: ``wpi_number`` (missing or not a number), ``required``
  (port name), ``country_code`` (missing or unknown), ``lat_lon`` (missing or out of
  range), ``boolean``, ``duplicate_wpi_number`` (the WPI repeats 49460 and 400: the first
  row in file order keeps the number, each later one is rejected so ids stay unique).
- **warnings, row kept**: ``unlocode_syntax`` (not ``[A-Z]{2}[A-Z2-9]{3}``, or published
  invalid by the WPI; nulled), ``unlocode_country`` (LOCODE prefix differs from the
  country: kept, never primary for the code), ``category`` (unknown harbour size, type,
  use or facility value; nulled), ``number`` (a depth that is not a non-negative number;
  nulled), ``position_country`` (the point is more than 0.1 degree from its country's
  polygons, see :func:`infrarisk.geo.points_outside_country`).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from ...db import run_sql, write_frame
from ...geo import points_outside_country
from .._derive import read_csv_strict
from .derive import METRE_COLUMNS, OUT_COLUMNS
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from ..manifest import verify
from ...validate import check_country, check_lat_lon, check_unlocode
from . import SOURCE_ID
PORTS = f"{SOURCE_ID}/wpi_ports.csv"
POSITION_TOLERANCE_DEG = 0.1

_WPI_NUMBER_RE = re.compile(r"^\d+(\.\d+)?$")
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
    ports = load_ports(root, known, log)
    report_positions(ports, con, log)
    write_frame(con, "raw_wpi__ports", ports, order_by=["source_row"])
    run_sql(con, "core/core_assets__ports")


def load_ports(root: Path, known: set[str], log: ProblemLog) -> pd.DataFrame:
    """Check ``wpi_ports.csv`` row by row; return the accepted rows, typed.

    Parameters
    ----------
    root : Path
        The datasets folder.
    known : set of str
        Known ISO alpha-2 country codes.
    log : ProblemLog
        Receives the problems and the row accounting.
    """
    rows = read_csv_strict(root / PORTS, OUT_COLUMNS)
    out, owner = [], {}
    for i, r in enumerate(rows, 1):
        rec = _port(r, i, known, log)
        if rec is None:
            continue
        first = owner.get(rec["wpi_number"])
        if first is not None:
            log.add(PORTS, i, "wpi_number", "duplicate_wpi_number", ERROR,
                    f"WPI number already on row {first['source_row']} ({first['port_name']}); "
                    f"row ({rec['port_name']}) rejected so asset ids stay unique", rec["wpi_number"])
            continue
        owner[rec["wpi_number"]] = rec
        out.append(rec)
    log.count(PORTS, len(rows), len(out))
    df = pd.DataFrame(out, columns=["source_row", *OUT_COLUMNS])
    for col in [*METRE_COLUMNS.values(), "latitude", "longitude"]:
        df[col] = df[col].astype("Float64")
    return df


def _port(r: dict, i: int, known: set[str], log: ProblemLog) -> dict | None:
    """One checked row, or None when rejected (its errors are logged)."""
    def reject(column, check, reason, value):
        log.add(PORTS, i, column, check, ERROR, reason + "; row rejected", value)

    rec = {"source_row": i, **{c: r[c].strip() or None for c in _TEXT}}
    if not _WPI_NUMBER_RE.match(rec["wpi_number"] or ""):
        return reject("wpi_number", "wpi_number", "WPI number missing or not a number", r["wpi_number"])
    if not rec["port_name"]:
        return reject("port_name", "required", "port name is empty", r["port_name"])
    try:
        if check_country(rec["country_code"], known) is None:
            raise ValueError("country code is empty")
    except ValueError as e:
        return reject("country_code", "country_code", str(e), r["country_code"])
    try:
        rec["latitude"], rec["longitude"] = check_lat_lon(r["latitude"] or None, r["longitude"] or None)
    except ValueError as e:
        return reject("latitude,longitude", "lat_lon", str(e), f"{r['latitude']},{r['longitude']}")
    if r["has_invalid_unlocode"] not in ("true", "false"):
        return reject("has_invalid_unlocode", "boolean", "flag must be true or false", r["has_invalid_unlocode"])
    rec["has_invalid_unlocode"] = r["has_invalid_unlocode"] == "true"

    if rec["has_invalid_unlocode"]:
        log.add(PORTS, i, "unlocode", "unlocode_syntax", WARNING,
                "the WPI publishes a value that is not a UN/LOCODE; unlocode left empty", rec["unlocode_as_published"])
    try:
        rec["unlocode"] = check_unlocode(rec["unlocode"])
    except ValueError as e:
        log.add(PORTS, i, "unlocode", "unlocode_syntax", WARNING, f"{e}; unlocode nulled, row kept", rec["unlocode"])
        rec["unlocode"] = None
    if rec["unlocode"] and rec["unlocode"][:2] != rec["country_code"]:
        log.add(PORTS, i, "unlocode", "unlocode_country", WARNING,
                f"UN/LOCODE prefix differs from the country {rec['country_code']}; kept, but the port is never "
                "primary for this code", rec["unlocode"])
    for col, allowed in CATEGORIES.items():
        value = r[col].strip()
        if value and value not in allowed:
            log.add(PORTS, i, col, "category", WARNING, f"unknown {col} value; nulled", value)
            value = ""
        rec[col] = value or None
    for col in METRE_COLUMNS.values():
        rec[col] = _metres(r[col], i, col, log)
    return rec


def _metres(text: str, i: int, col: str, log: ProblemLog) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        v = float(t)
        if not v >= 0:  # also catches NaN
            raise ValueError
    except ValueError:
        log.add(PORTS, i, col, "number", WARNING, "not a non-negative number of metres; nulled", t)
        return None
    return v


def report_positions(ports: pd.DataFrame, con: duckdb.DuckDBPyConnection, log: ProblemLog) -> None:
    """A warning per port lying more than the tolerance from its country's polygons."""
    far = points_outside_country(ports, "latitude", "longitude", "country_code", con, POSITION_TOLERANCE_DEG)
    for r in far.itertuples():
        if r.outside_reason == "outside":
            reason = (f"position is {r.distance_deg:.2f} degrees from the polygons of {r.country_code} "
                      f"(nearest polygon: {r.nearest_country_code}); kept, check the position or the country")
        else:
            reason = f"position not tested against a polygon: {r.outside_reason}"
        log.add(PORTS, r.source_row, "latitude,longitude", "position_country", WARNING,
                reason, f"{r.latitude},{r.longitude}")
