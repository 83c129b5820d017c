"""Load ``datasets/supply`` into ``raw_supply__*`` and ``core_supply__*``.

Contract: reads the files of the supply source (see the package docstring), checks every value
(:mod:`.rows`) and writes

- ``raw_supply__<file>``: every row of every file as text (``supply``, ``vendors``, ``operators``,
  ``risk_sources``, ``country_figures``, ``vendor_names``, ``vendors_added``, ``asset_aliases``);
- ``core_supply__supply``: one typed row per good supply row (``vendor_ids`` the vendors its name
  means, ``share_fraction`` 0-1, ``is_main_vendor`` from the published basis, dates with their
  precision, ``is_current`` from the status vocabulary, ``needs_review``);
- ``core_supply__vendors``: vendors of ``vendors.csv`` and ``corrections/vendors_added.csv``;
- ``core_supply__operators``, ``core_supply__risk_sources``, ``core_supply__country_figures``
  (``value_pct`` and ``bound``: ``lower`` for ">50"), ``core_supply__asset_aliases``.

Bad input is rejected with a :class:`~infrarisk.problems.Problem` naming file, row, column and
reason, and counted (``rows_in = rows_loaded + rows_rejected``): a row naming an operator or a
vendor that does not exist, a share outside 0-100, current shares of one asset's component summing
over 100% (every row of the group), a removal date before the start date, a missing source URL or
date, an unknown country, component, status or asset kind. Rows naming terminals and cables are
matched to the assets in the vendor stage (:mod:`infrarisk.vendors`), which reports those it
cannot match. When ``datasets/supply`` is absent the tables are written empty.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ... import db
from ...problems import ERROR, ProblemLog
from ...settings import Settings
from ...validate import parse_partial_date
from ...collector import paused
from .._load import frame, raw_copy, read_rows
from ..manifest import verify
from . import SOURCE_ID
from .derive import FIGURE_COLS, OPERATOR_COLS, RISK_COLS, SUPPLY_COLS, VENDOR_COLS
from .rows import check_supply, check_vendor, is_url, parse_figure, shares_over_100

RAW = {"supply.csv": "supply", "vendors.csv": "vendors", "operators.csv": "operators",
       "risk_sources.csv": "risk_sources", "country_figures.csv": "country_figures",
       "corrections/vendor_names.csv": "vendor_names", "corrections/vendors_added.csv": "vendors_added",
       "corrections/asset_aliases.csv": "asset_aliases"}
#: region codes the figures and risk documents may use beside ISO countries
REGIONS = {"EU", "EU+"}
T_SUPPLY = ["supply_id", "asset_ref", "asset_kind", "country_code", "country_codes", "unlocode", "component",
            "vendor_name", "vendor_ids", "share_fraction", "share_basis", "is_main_vendor", "start_date",
            "start_precision", "end_date", "end_precision", "status", "is_current", "deadline", "deadline_precision",
            "source_url", "source_date", "source_date_precision", "note", "needs_review", "origin_row"]
T_VENDORS = ["vendor_id", "vendor_name", "seat_country_code", "ultimate_controller", "controller_country_code",
             "source_url", "source_date", "source_date_precision", "note", "needs_review", "origin_file", "origin_row"]
T_OPERATORS = ["operator_id", "operator_name", "country_code", "owner_group", "source_url", "source_date", "note",
               "origin_row"]
T_RISK = ["doc_id", "title", "issuer", "country_code", "doc_date", "doc_date_precision", "vendors_named", "source_url",
          "source_date", "note", "needs_review", "origin_row"]
T_FIGURES = ["figure_id", "country_code", "metric", "value_pct", "bound", "year", "publisher", "source_url",
             "source_date", "note", "needs_review", "origin_row"]
T_ALIASES = ["asset_kind", "name", "country_code", "asset_id", "reason", "origin_row"]


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Check and load the supply source (empty tables when ``datasets/supply`` is absent)."""
    folder = Path(settings.datasets_dir) / SOURCE_ID
    out = {k: [] for k in ("supply", "vendors", "operators", "risk_sources", "country_figures", "asset_aliases")}
    if (folder / "manifest.toml").exists():
        verify(folder)
        known = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        for name, table in RAW.items():
            raw_copy(con, folder, name, f"raw_{SOURCE_ID}__{table}")
        out["vendors"] = _vendors(folder, log, known)
        names = _vendor_names(folder, log, {v["vendor_id"] for v in out["vendors"]})
        for v in out["vendors"]:
            names.setdefault(v["vendor_name"], [v["vendor_id"]])
            names.setdefault(v["vendor_id"], [v["vendor_id"]])
        out["operators"] = _operators(folder, log, known)
        out["supply"] = _supply(folder, log, known, names, {o["operator_id"] for o in out["operators"]})
        out["risk_sources"] = _risk_sources(folder, log, known | REGIONS)
        out["country_figures"] = _figures(folder, log, known | REGIONS)
        out["asset_aliases"] = _aliases(folder, log, known)
    db.write_frame(con, "core_supply__supply", frame(out["supply"], T_SUPPLY), order_by=["supply_id"])
    db.write_frame(con, "core_supply__vendors", frame(out["vendors"], T_VENDORS), order_by=["vendor_id"])
    db.write_frame(con, "core_supply__operators", frame(out["operators"], T_OPERATORS), order_by=["operator_id"])
    db.write_frame(con, "core_supply__risk_sources", frame(out["risk_sources"], T_RISK), order_by=["doc_id"])
    db.write_frame(con, "core_supply__country_figures", frame(out["country_figures"], T_FIGURES), order_by=["figure_id"])
    db.write_frame(con, "core_supply__asset_aliases", frame(out["asset_aliases"], T_ALIASES),
                   order_by=["asset_kind", "name", "country_code"])


def _reject(log: ProblemLog, f: str, i: int, r: dict, errs) -> None:
    for col, check, reason in errs:
        log.add(f, i, col, check, ERROR, f"{reason}; row rejected", r.get(col))


def _vendors(folder: Path, log: ProblemLog, known: set[str]) -> list[dict]:
    out, seen = [], set()
    for rel in ("vendors.csv", "corrections/vendors_added.csv"):
        f = f"{SOURCE_ID}/{rel}"
        rows = read_rows(folder / rel, VENDOR_COLS, ["needs_review"])
        n = 0
        for i, r in enumerate(rows, start=1):
            row, errs = check_vendor(r, known)
            if row and row["vendor_id"] in seen:
                errs = [("vendor_id", "duplicate_id", "a second row for the same vendor id")]
            if errs:
                _reject(log, f, i, r, errs)
                continue
            seen.add(row["vendor_id"])
            out.append(dict(row, origin_file=f, origin_row=i))
            n += 1
        log.count(f, len(rows), n)
    return out


def _vendor_names(folder: Path, log: ProblemLog, vendor_ids: set[str]) -> dict[str, list[str]]:
    f = f"{SOURCE_ID}/corrections/vendor_names.csv"
    rows = read_rows(folder / "corrections/vendor_names.csv", ["name", "vendor_ids", "reason"])
    out: dict[str, list[str]] = {}
    for i, r in enumerate(rows, start=1):
        ids = [x.strip() for x in r["vendor_ids"].split(";") if x.strip()]
        errs = [("vendor_ids", "vendor_unknown", f"vendor id {x!r} is in neither vendors.csv nor vendors_added.csv")
                for x in ids if x not in vendor_ids]
        if not ids or not r["name"].strip() or not r["reason"].strip():
            errs.append(("name", "required", "a name, its vendor ids and the reason are required"))
        if r["name"].strip() in out:
            errs.append(("name", "duplicate_id", "a second row for the same name"))
        if errs:
            _reject(log, f, i, r, errs)
            continue
        out[r["name"].strip()] = ids
    log.count(f, len(rows), len(out))
    return out


def _operators(folder: Path, log: ProblemLog, known: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/operators.csv"
    rows = read_rows(folder / "operators.csv", OPERATOR_COLS, ["needs_review"])
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        errs, oid, c = [], r["operator_id"].strip(), r["country"].strip().upper()
        if not oid or oid in seen:
            errs.append(("operator_id", "duplicate_id", "blank or repeated operator id"))
        if c not in known:
            errs.append(("country", "country_code", "not a known ISO 3166-1 alpha-2 country code"))
        when = _when(r, errs)
        if errs:
            _reject(log, f, i, r, errs)
            continue
        seen.add(oid)
        out.append({"operator_id": oid, "operator_name": r["operator_name"].strip(), "country_code": c,
                    "owner_group": r["owner_group"].strip() or None, "source_url": r["source_url"].strip(),
                    "source_date": when, "note": r["note"].strip() or None, "origin_row": i})
    log.count(f, len(rows), len(out))
    return out


def _when(r: dict, errs: list) -> object:
    when = None
    try:
        when, _ = parse_partial_date(r["source_date"])
    except ValueError as e:
        errs.append(("source_date", "date", str(e)))
    if not is_url(r["source_url"]) or when is None:  # a local copy of a page is no public page
        errs.append(("source_url", "source_required", "a row needs the URL of a page stating it and that page's date"))
    return when


def _supply(folder: Path, log: ProblemLog, known: set[str], names: dict, operators: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/supply.csv"
    rows = read_rows(folder / "supply.csv", SUPPLY_COLS, ["needs_review", "unlocode"])
    kept, raw, seen = [], [], set()
    for i, r in enumerate(rows, start=1):
        row, errs = check_supply(r, known, names, operators)
        if row and row["supply_id"] in seen:
            errs = [("supply_id", "duplicate_id", "a second row for the same supply id")]
        if errs:
            _reject(log, f, i, r, errs)
            continue
        seen.add(row["supply_id"])
        kept.append(dict(row, origin_row=i))
        raw.append(r)
    bad = set()
    for group in shares_over_100(kept):
        ids = ", ".join(kept[j]["supply_id"] for j in group)
        for j in group:
            log.add(f, kept[j]["origin_row"], "share_pct", "shares_over_100", ERROR,
                    f"current shares of one asset's component sum over 100% (rows {ids}); row rejected",
                    raw[j]["share_pct"])
            bad.add(j)
    out = [r for j, r in enumerate(kept) if j not in bad]
    log.count(f, len(rows), len(out))
    return out


def _risk_sources(folder: Path, log: ProblemLog, known: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/risk_sources.csv"
    rows = read_rows(folder / "risk_sources.csv", RISK_COLS, ["needs_review"])
    out = []
    for i, r in enumerate(rows, start=1):
        errs = []
        c = r["country"].strip().upper()
        if c not in known:
            errs.append(("country", "country_code", "not a known country or region code (EU)"))
        doc_date, prec = None, None
        try:
            doc_date, prec = parse_partial_date(r["doc_date"])
        except ValueError as e:
            errs.append(("doc_date", "date", str(e)))
        when = _when(r, errs)
        if errs:
            _reject(log, f, i, r, errs)
            continue
        out.append({"doc_id": r["doc_id"].strip(), "title": r["title"].strip(), "issuer": r["issuer"].strip(),
                    "country_code": c, "doc_date": doc_date, "doc_date_precision": prec,
                    "vendors_named": r["vendors_named"].strip(), "source_url": r["source_url"].strip(),
                    "source_date": when, "note": r["note"].strip() or None,
                    "needs_review": r.get("needs_review") == "true", "origin_row": i})
    log.count(f, len(rows), len(out))
    return out


def _figures(folder: Path, log: ProblemLog, known: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/country_figures.csv"
    rows = read_rows(folder / "country_figures.csv", FIGURE_COLS, ["needs_review"])
    out = []
    for i, r in enumerate(rows, start=1):
        errs = []
        c = r["country"].strip().upper()
        if c not in known:
            errs.append(("country", "country_code", "not a known country or region code (EU+)"))
        value, bound = None, None
        try:
            value, bound = parse_figure(r["value_pct"])
        except ValueError as e:
            errs.append(("value_pct", "share_range", str(e)))
        if value is None and not errs:
            errs.append(("value_pct", "required", "a published figure needs its value"))
        when = _when(r, errs)
        if errs:
            _reject(log, f, i, r, errs)
            continue
        out.append({"figure_id": r["figure_id"].strip(), "country_code": c, "metric": r["metric"].strip(),
                    "value_pct": value, "bound": bound, "year": r["year"].strip(), "publisher": r["publisher"].strip(),
                    "source_url": r["source_url"].strip(), "source_date": when, "note": r["note"].strip() or None,
                    "needs_review": r.get("needs_review") == "true", "origin_row": i})
    log.count(f, len(rows), len(out))
    return out


def _aliases(folder: Path, log: ProblemLog, known: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/corrections/asset_aliases.csv"
    rows = read_rows(folder / "corrections/asset_aliases.csv", ["asset_kind", "name", "country", "asset_id", "reason"])
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        errs = []
        key = (r["asset_kind"].strip(), r["name"].strip(), r["country"].strip().upper())
        if not all(key[:2]) or not r["asset_id"].strip() or not r["reason"].strip():
            errs.append(("asset_id", "required", "asset kind, name, asset id and reason are required"))
        if key[2] not in known:
            errs.append(("country", "country_code", "not a known ISO 3166-1 alpha-2 country code"))
        if key in seen:
            errs.append(("name", "duplicate_id", "a second row for the same kind, name and country"))
        if errs:
            _reject(log, f, i, r, errs)
            continue
        seen.add(key)
        out.append({"asset_kind": key[0], "name": key[1], "country_code": key[2], "asset_id": r["asset_id"].strip(),
                    "reason": r["reason"].strip(), "origin_row": i})
    log.count(f, len(rows), len(out))
    return out
