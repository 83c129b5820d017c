"""Load ``datasets/wpi/`` into ``raw_wpi__ports``, then build ``core_assets__ports``.

Contract
--------
Input: the verified folder ``datasets/wpi`` (``wpi_ports.csv``), and the tables
``raw_unlocode__country_codes`` and ``core_geo__*`` (loaded before this).

Outputs: ``raw_wpi__ports`` (the accepted rows, typed, with ``source_row``) and
``core_assets__ports`` (``sql/core/core_assets__ports.sql``).

Checks (a :class:`~infrarisk.problems.Problem` each, file and 1-based row), each done as
a set operation over a whole column (:class:`~infrarisk.sources._load.RowChecks`), not row
by row; a row's first error rejects it:

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

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ...db import run_sql, write_frame
from .._load import RowChecks, read_lists, verify
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
    """Check ``wpi_ports.csv`` column by column (set operations over all rows); return the
    accepted rows, typed.

    A row's first error rejects it (checks in the order of the module docstring); warnings
    are reported for every row that passes the errors. The problems are those of a
    row-by-row check: same file, row, column, check, reason and value.

    Parameters
    ----------
    root : Path
        The datasets folder.
    known : set of str
        Known ISO alpha-2 country codes.
    log : ProblemLog
        Receives the problems and the row accounting.
    """
    header, lists = read_lists(root / PORTS, OUT_COLUMNS)  # rows as lists: no dict per row
    raw = pd.DataFrame(lists, columns=header, dtype=object).reindex(columns=OUT_COLUMNS)
    n = len(raw)
    rows = np.arange(1, n + 1)
    rc = RowChecks(PORTS, rows)
    txt = {c: _blank_none(_strip(raw[c])) for c in _TEXT}
    alive = np.ones(n, dtype=bool)

    def reject(bad, column, check, reason, values):
        bad = alive & np.asarray(bad, dtype=bool)
        rc.add(bad, column, check, ERROR, reason, values)
        alive[bad] = False

    reject(~_strip(raw["wpi_number"]).str.fullmatch(r"\d+(\.\d+)?").to_numpy(dtype=bool), "wpi_number",
           "wpi_number", "WPI number missing or not a number; row rejected", raw["wpi_number"])
    reject(txt["port_name"].isna(), "port_name", "required", "port name is empty; row rejected", raw["port_name"])
    cc = txt["country_code"]
    reject(cc.isna(), "country_code", "country_code", "country code is empty; row rejected", raw["country_code"])
    reject(~cc.str.upper().isin(known), "country_code", "country_code",
           "not a known ISO 3166-1 alpha-2 country code; row rejected", raw["country_code"])
    lat, lat_ok = _floats(raw["latitude"])
    lon, lon_ok = _floats(raw["longitude"])
    lat_lon = (raw["latitude"] + "," + raw["longitude"]).to_numpy(dtype=object)
    reject(~(lat_ok & lon_ok), "latitude,longitude", "lat_lon", "coordinate is not a number; row rejected", lat_lon)
    reject(np.isnan(lat) | np.isnan(lon), "latitude,longitude", "lat_lon", "coordinate missing; row rejected",
           lat_lon)
    reject(~((lat >= -90) & (lat <= 90)), "latitude,longitude", "lat_lon", "latitude outside -90..90; row rejected",
           lat_lon)
    reject(~((lon >= -180) & (lon <= 180)), "latitude,longitude", "lat_lon",
           "longitude outside -180..180; row rejected", lat_lon)
    flag = raw["has_invalid_unlocode"]
    reject(~flag.isin(("true", "false")), "has_invalid_unlocode", "boolean", "flag must be true or false; row rejected",
           flag)

    # warnings, row kept: for every row that passed the errors (duplicates included)
    out = pd.DataFrame({"source_row": rows, **{c: txt[c] for c in _TEXT}})
    out["has_invalid_unlocode"] = (flag == "true").to_numpy()
    rc.add(alive & out["has_invalid_unlocode"].to_numpy(), "unlocode", "unlocode_syntax", WARNING,
           "the WPI publishes a value that is not a UN/LOCODE; unlocode left empty", out["unlocode_as_published"])
    code = out["unlocode"].str.upper().str.replace(" ", "", regex=False)
    bad_code = (code.notna() & ~code.str.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}").fillna(False).astype(bool)).to_numpy()
    rc.add(alive & bad_code, "unlocode", "unlocode_syntax", WARNING,
           "UN/LOCODE must be 2 letters and 3 letters/digits 2-9; unlocode nulled, row kept", out["unlocode"])
    out["unlocode"] = code.where(~bad_code, None)
    other = (out["unlocode"].notna() & (out["unlocode"].str[:2] != out["country_code"])).to_numpy(dtype=bool)
    rc.add(alive & other, "unlocode", "unlocode_country", WARNING,
           "UN/LOCODE prefix differs from the country " + out["country_code"].fillna("") + "; kept, but the port is "
           "never primary for this code", out["unlocode"])
    for col, allowed in CATEGORIES.items():
        value = _strip(raw[col])
        bad = ((value != "") & ~value.isin(allowed)).to_numpy()
        rc.add(alive & bad, col, "category", WARNING, f"unknown {col} value; nulled", value)
        out[col] = _blank_none(value.where(~bad, ""))
    for col in METRE_COLUMNS.values():
        t = _strip(raw[col])
        v, ok = _floats(t)
        bad = (t != "").to_numpy() & ~(ok & (v >= 0))
        rc.add(alive & bad, col, "number", WARNING, "not a non-negative number of metres; nulled", t)
        out[col] = pd.array(np.where(ok & (v >= 0), v, np.nan), dtype="Float64")
    out["latitude"], out["longitude"] = pd.array(lat, dtype="Float64"), pd.array(lon, dtype="Float64")

    # the first row in file order keeps a WPI number; each later one is rejected
    first = out[alive].drop_duplicates("wpi_number")
    dup = alive & ~out.index.isin(first.index)
    owner = first.set_index("wpi_number")
    holder = owner.reindex(out["wpi_number"])
    rc.add(dup, "wpi_number", "duplicate_wpi_number", ERROR,
           ("WPI number already on row " + holder["source_row"].astype("Int64").astype("string").fillna("") + " ("
            + holder["port_name"].fillna("") + "); row (" + out["port_name"].fillna("").to_numpy(dtype=object)
            + ") rejected so asset ids stay unique").to_numpy(dtype=object), out["wpi_number"])
    alive &= ~dup
    rc.flush(log)
    log.count(PORTS, n, int(alive.sum()))
    df = out[alive].reset_index(drop=True)[["source_row", *OUT_COLUMNS]]
    return df


def _strip(s: pd.Series) -> pd.Series:
    """``str.strip`` of each text of a column of texts (as ``.str.strip()``, without its
    per-value bookkeeping: 100,000-row files strip some twenty columns)."""
    return pd.Series([v.strip() for v in s.tolist()], index=s.index, dtype=object)


def _blank_none(s: pd.Series) -> pd.Series:
    """Empty text as None (object dtype, as a row-by-row reader makes it)."""
    return s.where(s != "", None).astype(object)


def _floats(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Python ``float()`` of each text, once per distinct value: (values, parsed); NaN where not parsed."""
    # the columns hold texts (read from the CSV); a missing value (None) has code -1: not parsed
    codes, uniq = pd.factorize(s.to_numpy(dtype=object))
    vals = np.full(len(uniq) + 1, math.nan)  # the last slot, taken by code -1: missing
    ok = np.zeros(len(uniq) + 1, dtype=bool)
    for i, u in enumerate(uniq.tolist()):
        if u is None or u == "":
            continue
        try:
            vals[i], ok[i] = float(u), True
        except (TypeError, ValueError):
            pass
    return vals[codes], ok[codes]


def report_positions(ports: pd.DataFrame, con: duckdb.DuckDBPyConnection, log: ProblemLog) -> None:
    """A warning per port lying more than the tolerance from its country's polygons."""
    from ...geo import points_outside_country  # GeoPandas: imported by the build's warm-up thread meanwhile

    far = points_outside_country(ports, "latitude", "longitude", "country_code", con, POSITION_TOLERANCE_DEG)
    for r in far.itertuples():
        if r.outside_reason == "outside":
            reason = (f"position is {r.distance_deg:.2f} degrees from the polygons of {r.country_code} "
                      f"(nearest polygon: {r.nearest_country_code}); kept, check the position or the country")
        else:
            reason = f"position not tested against a polygon: {r.outside_reason}"
        log.add(PORTS, r.source_row, "latitude,longitude", "position_country", WARNING,
                reason, f"{r.latitude},{r.longitude}")
