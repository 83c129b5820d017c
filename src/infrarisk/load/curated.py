"""Load the curated ownership tables (``datasets/ownership``) into DuckDB.

Inputs: ``entities.csv``, ``asset_stakes.csv``, ``parent_links.csv``,
``asset_locations.csv``, ``transactions.csv`` and the hand-written
``corrections/*.csv`` (link additions, control statements, stake ranges, entity
overrides), each checked value by value.

Outputs:

- ``raw_ownership__<file>``: every input row as read (text), with its row number;
- ``core_ownership__entities``, ``core_ownership__stakes``, ``core_ownership__parent_links``,
  ``core_ownership__asset_locations``, ``core_ownership__control_statements``,
  ``core_ownership__transactions``: typed, keyed, accepted rows;
- then the SQL models ``core_assets__terminals``, ``core_assets__assets`` and
  ``core_ownership__links`` (one table of entity→entity and entity→asset links).

Rejected rows are recorded in the problem log with file, row and reason;
``rows_in = rows_loaded + rows_rejected`` per file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import db, vocab
from ..errors import DataError
from ..problems import ERROR, WARNING, ProblemLog
from ..settings import Settings
from ..sources import registry, verify
from ..validate import check_country, check_lat_lon, check_unlocode, parse_lei, parse_partial_date, parse_share_pct
from .infra_tables import ensure_tables

SOURCE_ID = "ownership"
STATUSES = ("current", "pending", "awarded", "exited", "historical", "unverified")
PRECISIONS = ("terminal", "port_area", "town")


@dataclass
class _Ctx:
    """What the row checks of one load share."""

    folder: Path
    log: ProblemLog
    countries: set[str]
    entities: dict[str, dict] = field(default_factory=dict)  # entity_name -> typed row

    def rel(self, name: str) -> str:
        return f"{SOURCE_ID}/{name}"


def read_rows(path: Path, required: list[str], optional: list[str] | None = None) -> list[dict[str, str]]:
    """Read a CSV as text rows; a missing required or an unknown column stops the load."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        allowed = set(required) | set(optional or [])
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in allowed]
        if missing or unknown:
            raise DataError(
                f"{path}: " + "; ".join(
                    ([f"missing column(s) {', '.join(missing)}"] if missing else [])
                    + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
                )
            )
        rows = []
        for r in reader:
            if None in r:
                raise DataError(f"{path}: row {reader.line_num - 1} has more fields than the header")
            rows.append({k: (v if v is not None else "") for k, v in r.items()})
        return rows


def _or_warn(ctx: "_Ctx", f: str, i: int, col: str, check: str, parse, value: str, consequence: str):
    """``parse(value)``, or None with a warning naming file, row and column (the row is kept)."""
    try:
        return parse(value)
    except ValueError as e:
        ctx.log.add(f, i, col, check, WARNING, f"{e}; {consequence}", value)
        return None


def _or_error(errs: list, col: str, check: str, parse, value: str):
    """``parse(value)``, or None with an error queued for ``errs`` (the row will be rejected)."""
    try:
        return parse(value)
    except ValueError as e:
        errs.append((col, check, str(e), value))
        return None


def _is_url(s: str) -> bool:
    return s.startswith("http://") or s.startswith("https://")


# typed columns of the core tables (empty inputs still give typed, empty tables)
T_ENTITY = ["entity_id", "entity_name", "lei", "lei_match", "lei_legal_name", "lei_related", "lei_source_url",
            "jurisdiction_code", "hq_country_code", "entity_type", "entity_type_raw", "state_owned_note", "source_url",
            "note", "override_reason", "origin_file", "origin_row"]
T_STAKE = ["stake_id", "asset_name", "port_name", "unlocode", "country_code", "asset_type", "asset_class",
           "asset_type_raw", "operator_name", "owner_entity_id", "share_fraction", "interest_type", "is_control_kind",
           "status", "as_of_date", "as_of_precision", "source_url", "source_title", "note", "origin_file", "origin_row"]
T_LINK = ["link_id", "subject_entity_id", "owner_entity_id", "share_fraction", "relationship", "interest_type",
          "is_control_kind", "status", "as_of_date", "as_of_precision", "source_url", "source_title", "note",
          "correction_reason", "origin_file", "origin_row"]
T_LOCATION = ["asset_name", "source_file", "latitude", "longitude", "position_precision", "source_url",
              "source_title", "note", "origin_file", "origin_row"]
_DTYPES = {"share_fraction": "float64", "latitude": "float64", "longitude": "float64", "origin_row": "int64",
           "is_control_kind": "bool", "as_of_date": "datetime64[s]"}


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame with fixed columns and types (also when there are no rows)."""
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        t = _DTYPES.get(c)
        if t == "datetime64[s]":
            df[c] = pd.to_datetime(df[c]).astype(t)
        elif t:
            df[c] = df[c].astype(t)
        elif df.empty:
            df[c] = df[c].astype("string")
    return df


# --------------------------------------------------------------------------- entities
ENTITY_COLS = ["entity_id", "source_row", "entity_name", "lei", "lei_match", "lei_legal_name", "lei_related",
               "lei_source_url", "lei_note", "jurisdiction", "hq_country", "entity_type", "state_owned",
               "source_url", "note"]


def _entities(ctx: _Ctx, overrides: list[dict]) -> pd.DataFrame:
    file = "entities.csv"
    rows = read_rows(ctx.folder / file, ENTITY_COLS)
    types = vocab.table("entity_types")
    out, seen_ids = [], set()
    for i, r in enumerate(rows, start=1):
        f = ctx.rel(file)
        ok = True
        if not r["entity_name"].strip():
            ctx.log.add(f, i, "entity_name", "required", ERROR, "entity has no name; row rejected")
            ok = False
        if r["entity_id"] in seen_ids or r["entity_name"] in ctx.entities:
            ctx.log.add(f, i, "entity_id", "duplicate_id", ERROR, "duplicate entity id/name; later row rejected",
                        r["entity_id"])
            ok = False
        if not ok:
            continue
        lei = _or_warn(ctx, f, i, "lei", "lei_check_digits", parse_lei, r["lei"], "LEI dropped, entity kept")
        codes = {col: _or_warn(ctx, f, i, col, "country_code", lambda v: check_country(v, ctx.countries), r[col],
                               "treated as unknown") for col in ("jurisdiction", "hq_country")}
        t = types.get(r["entity_type"])
        if t is None:
            ctx.log.add(f, i, "entity_type", "unknown_code", WARNING,
                        "entity type not in vocab/entity_types.csv; typed 'unknown'", r["entity_type"])
            etype = "unknown"
        else:
            etype = t["entity_type"]
        if not _is_url(r["source_url"]):
            ctx.log.add(f, i, "source_url", "source_required", WARNING, "entity has no source URL", r["source_url"])
        row = {
            "entity_id": r["entity_id"], "entity_name": r["entity_name"], "lei": lei,
            "lei_match": r["lei_match"] or None, "lei_legal_name": r["lei_legal_name"] or None,
            "lei_related": r["lei_related"] or None, "lei_source_url": r["lei_source_url"] or None,
            "jurisdiction_code": codes["jurisdiction"], "hq_country_code": codes["hq_country"],
            "entity_type": etype, "entity_type_raw": r["entity_type"],
            "state_owned_note": r["state_owned"] or None, "source_url": r["source_url"] or None,
            "note": r["note"] or None, "override_reason": None,
            "origin_file": f, "origin_row": i,
        }
        seen_ids.add(r["entity_id"])
        ctx.entities[r["entity_name"]] = row
        out.append(row)
    ctx.log.count(ctx.rel(file), len(rows), len(out))
    _apply_overrides(ctx, overrides)
    return frame(list(ctx.entities.values()), T_ENTITY)


def _apply_overrides(ctx: _Ctx, rows: list[dict]) -> None:
    f = ctx.rel("corrections/entity_overrides.csv")
    loaded = 0
    fields_ok = {"hq_country": "hq_country_code", "jurisdiction": "jurisdiction_code", "entity_type": "entity_type"}
    for i, r in enumerate(rows, start=1):
        ent = ctx.entities.get(r["entity_name"])
        if ent is None:
            ctx.log.add(f, i, "entity_name", "unknown_entity", ERROR, "override names no entity; rejected",
                        r["entity_name"])
            continue
        col = fields_ok.get(r["field"])
        if col is None:
            ctx.log.add(f, i, "field", "unknown_code", ERROR, f"field must be one of {', '.join(fields_ok)}",
                        r["field"])
            continue
        if not r["reason"].strip() or not _is_url(r["source_url"]):
            ctx.log.add(f, i, "reason", "source_required", ERROR, "an override needs a reason and a source URL")
            continue
        value = r["value"]
        try:
            if col.endswith("_code"):
                value = check_country(value, ctx.countries)
            elif value not in {"company", "listed_company", "fund", "state", "state_body", "person", "unknown"}:
                raise ValueError("not an entity type")
        except ValueError as e:
            ctx.log.add(f, i, "value", "unknown_code", ERROR, str(e), r["value"])
            continue
        ent[col] = value
        ent["override_reason"] = f"{r['field']} set to {value}: {r['reason']} ({r['source_url']})"
        loaded += 1
    ctx.log.count(f, len(rows), loaded)


# --------------------------------------------------------------------------- stakes
STAKE_COLS = ["stake_id", "source_row", "asset_name", "port_name", "unlocode", "country", "asset_type",
              "operator_company", "shareholder_company", "stake_pct", "stake_kind", "as_of", "source_url",
              "source_title", "status", "note"]


def _date(ctx: _Ctx, f: str, i: int, col: str, value: str, required: bool):
    try:
        d, prec = parse_partial_date(value)
    except ValueError as e:
        ctx.log.add(f, i, col, "date", ERROR, f"{e}; row rejected", value)
        return False, None, None
    if d is None and required:
        ctx.log.add(f, i, col, "date", WARNING, "no date: the fact cannot be placed in time", value)
    return True, d, prec


def _stakes(ctx: _Ctx, file: str) -> pd.DataFrame:
    rows = read_rows(ctx.folder / file, STAKE_COLS)
    f = ctx.rel(file)
    atypes, kinds = vocab.table("asset_types"), vocab.table("stake_kinds")
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        errs = []
        if r["stake_id"] in seen:
            errs.append(("stake_id", "duplicate_id", "duplicate stake id", r["stake_id"]))
        if not r["asset_name"].strip():
            errs.append(("asset_name", "required", "no asset name", ""))
        owner = ctx.entities.get(r["shareholder_company"])
        if owner is None:
            errs.append(("shareholder_company", "unknown_entity", "shareholder matches no entity in entities.csv",
                         r["shareholder_company"]))
        share = _or_error(errs, "stake_pct", "share_range", parse_share_pct, r["stake_pct"])
        kind = kinds.get(r["stake_kind"])
        if kind is None:
            errs.append(("stake_kind", "unknown_code", "stake kind not in vocab/stake_kinds.csv", r["stake_kind"]))
        at = atypes.get(r["asset_type"])
        if at is None and file == "asset_stakes.csv":
            errs.append(("asset_type", "unknown_code", "asset type not in vocab/asset_types.csv", r["asset_type"]))
        if r["status"] not in STATUSES:
            errs.append(("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}", r["status"]))
        if not _is_url(r["source_url"]):
            errs.append(("source_url", "source_required", "a stake without a source URL does not exist",
                         r["source_url"]))
        try:
            country = check_country(r["country"], ctx.countries)
            if country is None:
                raise ValueError("asset country is required")
        except ValueError as e:
            errs.append(("country", "country_code", str(e), r["country"]))
            country = None
        for col, check, reason, value in errs:
            ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        ok, as_of, prec = _date(ctx, f, i, "as_of", r["as_of"], required=True)
        if not ok:
            continue
        unlocode = _or_warn(ctx, f, i, "unlocode", "unlocode", check_unlocode, r["unlocode"], "code ignored")
        if unlocode and unlocode[:2] != country:
            ctx.log.add(f, i, "unlocode", "unlocode_country", WARNING,
                        f"UN/LOCODE prefix differs from the asset country {country}", unlocode)
        if share == 0 and r["status"] not in ("exited", "historical"):
            ctx.log.add(f, i, "stake_pct", "status_share", WARNING,
                        f"a 0% stake with status {r['status']!r}: read as no current holding", r["stake_pct"])
        if share and r["status"] == "exited":
            ctx.log.add(f, i, "stake_pct", "status_share", WARNING,
                        "an exited stake with a share above 0%: the share is the one held before the exit",
                        r["stake_pct"])
        seen.add(r["stake_id"])
        out.append({
            "stake_id": r["stake_id"], "asset_name": r["asset_name"], "port_name": r["port_name"] or None,
            "unlocode": unlocode, "country_code": country,
            "asset_type": at["asset_type"] if at else None, "asset_class": at["asset_class"] if at else None,
            "asset_type_raw": r["asset_type"], "operator_name": r["operator_company"] or None,
            "owner_entity_id": owner["entity_id"], "share_fraction": share,
            "interest_type": kind["interest_type"], "is_control_kind": kind["is_control"] == "true",
            "status": r["status"], "as_of_date": as_of, "as_of_precision": prec,
            "source_url": r["source_url"], "source_title": r["source_title"] or None, "note": r["note"] or None,
            "origin_file": f, "origin_row": i,
        })
    ctx.log.count(f, len(rows), len(out))
    return frame(out, T_STAKE)


# --------------------------------------------------------------------------- parent links
LINK_COLS = ["link_id", "source_row", "child", "parent", "stake_pct", "relationship", "as_of", "source_url",
             "source_title", "status", "note"]
ADDITION_COLS = ["child", "parent", "stake_pct", "relationship", "as_of", "status", "source_url", "source_title",
                 "note", "reason"]


def _parent_links(ctx: _Ctx, rows: list[dict], f: str, seen: set[str]) -> list[dict]:
    rels = vocab.table("relationships")
    out = []
    for i, r in enumerate(rows, start=1):
        errs = []
        child, parent = ctx.entities.get(r["child"]), ctx.entities.get(r["parent"])
        if child is None:
            errs.append(("child", "unknown_entity", "child matches no entity in entities.csv", r["child"]))
        if parent is None:
            errs.append(("parent", "unknown_entity", "parent matches no entity in entities.csv", r["parent"]))
        if child is not None and child is parent:
            errs.append(("parent", "self_link", "an entity cannot own itself", r["parent"]))
        share = _or_error(errs, "stake_pct", "share_range", parse_share_pct, r["stake_pct"])
        rel = rels.get(r["relationship"])
        if rel is None:
            errs.append(("relationship", "unknown_code", "relationship not in vocab/relationships.csv",
                         r["relationship"]))
        if r["status"] not in STATUSES:
            errs.append(("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}", r["status"]))
        if not _is_url(r["source_url"]):
            errs.append(("source_url", "source_required", "a link without a source URL does not exist",
                         r["source_url"]))
        if "reason" in r and not r["reason"].strip():
            errs.append(("reason", "reason_required", "a correction row needs a reason", ""))
        link_id = r.get("link_id") or f"LA-{i}"
        if link_id in seen:
            errs.append(("link_id", "duplicate_id", "duplicate link id", link_id))
        for col, check, reason, value in errs:
            ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        ok, as_of, prec = _date(ctx, f, i, "as_of", r["as_of"], required=True)
        if not ok:
            continue
        seen.add(link_id)
        out.append({
            "link_id": link_id, "subject_entity_id": child["entity_id"], "owner_entity_id": parent["entity_id"],
            "share_fraction": share, "relationship": r["relationship"], "interest_type": rel["interest_type"],
            "is_control_kind": rel["is_control"] == "true", "status": r["status"],
            "as_of_date": as_of, "as_of_precision": prec, "source_url": r["source_url"],
            "source_title": r["source_title"] or None, "note": r["note"] or None,
            "correction_reason": r.get("reason") or None, "origin_file": f, "origin_row": i,
        })
    ctx.log.count(f, len(rows), len(out))
    return out


# --------------------------------------------------------------------------- locations
LOCATION_COLS = ["source_row", "asset_name", "source_file", "latitude", "longitude", "precision", "source_url",
                 "source_title", "note"]


def _locations(ctx: _Ctx, asset_names: dict[str, set[str]]) -> pd.DataFrame:
    file = "asset_locations.csv"
    f = ctx.rel(file)
    rows = read_rows(ctx.folder / file, LOCATION_COLS)
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        errs = []
        key = (r["asset_name"], r["source_file"])
        if r["source_file"] not in asset_names:
            errs.append(("source_file", "unknown_code", "source_file must be asset_stakes or telecom_stakes",
                         r["source_file"]))
        elif r["asset_name"] not in asset_names[r["source_file"]]:
            errs.append(("asset_name", "unknown_asset", f"no asset of this name in {r['source_file']}.csv",
                         r["asset_name"]))
        if key in seen:
            errs.append(("asset_name", "duplicate_id", "second position for the same asset", r["asset_name"]))
        try:
            lat, lon = check_lat_lon(r["latitude"], r["longitude"])
        except ValueError as e:
            errs.append(("latitude", "coordinates", str(e), f"{r['latitude']},{r['longitude']}"))
            lat = lon = None
        if r["precision"] not in PRECISIONS:
            errs.append(("precision", "unknown_code", f"precision must be one of {', '.join(PRECISIONS)}",
                         r["precision"]))
        if not _is_url(r["source_url"]):
            errs.append(("source_url", "source_required", "a position needs the URL of its source", r["source_url"]))
        for col, check, reason, value in errs:
            ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        seen.add(key)
        out.append({"asset_name": r["asset_name"], "source_file": r["source_file"], "latitude": lat,
                    "longitude": lon, "position_precision": r["precision"], "source_url": r["source_url"],
                    "source_title": r["source_title"] or None, "note": r["note"] or None,
                    "origin_file": f, "origin_row": i})
    ctx.log.count(f, len(rows), len(out))
    return frame(out, T_LOCATION)


# --------------------------------------------------------------------------- control statements, ranges
CONTROL_COLS = ["subject_kind", "subject_name", "controller_name", "source_url", "quote", "reason"]
RANGE_COLS = ["subject_kind", "subject_name", "owner_name", "share_min_pct", "share_max_pct", "source_url", "reason"]


def _link_key_exists(kind: str, subject: str, owner_id: str, stakes: pd.DataFrame, links: list[dict],
                     ctx: _Ctx) -> bool:
    if kind == "asset":
        return bool(((stakes["asset_name"] == subject) & (stakes["owner_entity_id"] == owner_id)).any())
    ent = ctx.entities.get(subject)
    return ent is not None and any(
        lk["subject_entity_id"] == ent["entity_id"] and lk["owner_entity_id"] == owner_id for lk in links)


def _control_statements(ctx: _Ctx, stakes: pd.DataFrame, links: list[dict]) -> pd.DataFrame:
    file = "corrections/control_statements.csv"
    f = ctx.rel(file)
    rows = read_rows(ctx.folder / file, CONTROL_COLS)
    out = []
    for i, r in enumerate(rows, start=1):
        ctrl = ctx.entities.get(r["controller_name"])
        reason = None
        if r["subject_kind"] not in ("asset", "entity"):
            reason = ("subject_kind", "unknown_code", "subject_kind must be asset or entity")
        elif ctrl is None:
            reason = ("controller_name", "unknown_entity", "controller matches no entity")
        elif not _link_key_exists(r["subject_kind"], r["subject_name"], ctrl["entity_id"], stakes, links, ctx):
            reason = ("subject_name", "unknown_link", "no stake or link of this controller in this subject")
        elif not _is_url(r["source_url"]) or not r["reason"].strip():
            reason = ("source_url", "source_required", "a control statement needs a source URL and a reason")
        if reason:
            ctx.log.add(f, i, reason[0], reason[1], ERROR, f"{reason[2]}; row rejected", r.get(reason[0]))
            continue
        subj_id = r["subject_name"] if r["subject_kind"] == "asset" else ctx.entities[r["subject_name"]]["entity_id"]
        out.append({"subject_kind": r["subject_kind"], "subject_key": subj_id, "controller_entity_id": ctrl["entity_id"],
                    "source_url": r["source_url"], "quote": r["quote"] or None, "reason": r["reason"],
                    "origin_file": f, "origin_row": i})
    ctx.log.count(f, len(rows), len(out))
    return pd.DataFrame(out, columns=["subject_kind", "subject_key", "controller_entity_id", "source_url", "quote",
                                      "reason", "origin_file", "origin_row"])


def _apply_ranges(ctx: _Ctx, stakes: pd.DataFrame, links: list[dict]) -> pd.DataFrame:
    """Stake ranges for holdings the sources bound without a figure ("majority shareholder")."""
    file = "corrections/stake_ranges.csv"
    f = ctx.rel(file)
    rows = read_rows(ctx.folder / file, RANGE_COLS)
    out = []
    for i, r in enumerate(rows, start=1):
        owner = ctx.entities.get(r["owner_name"])
        try:
            lo, hi = parse_share_pct(r["share_min_pct"]), parse_share_pct(r["share_max_pct"])
            if lo is None or hi is None or lo > hi:
                raise ValueError("need share_min_pct <= share_max_pct, both within 0-100")
        except ValueError as e:
            ctx.log.add(f, i, "share_min_pct", "share_range", ERROR, f"{e}; row rejected",
                        f"{r['share_min_pct']}-{r['share_max_pct']}")
            continue
        if r["subject_kind"] != "asset" or owner is None or not _is_url(r["source_url"]) or not r["reason"]:
            ctx.log.add(f, i, "subject_name", "unknown_link", ERROR,
                        "needs subject_kind=asset, a known owner, a source URL and a reason; row rejected")
            continue
        mask = (stakes["asset_name"] == r["subject_name"]) & (stakes["owner_entity_id"] == owner["entity_id"]) \
            & stakes["share_fraction"].isna()
        if not mask.any():
            ctx.log.add(f, i, "subject_name", "unknown_link", ERROR,
                        "no stake without a figure for this owner and asset; row rejected", r["subject_name"])
            continue
        out.append({"asset_name": r["subject_name"], "owner_entity_id": owner["entity_id"], "range_min": lo,
                    "range_max": hi, "range_source_url": r["source_url"], "range_reason": r["reason"]})
    ctx.log.count(f, len(rows), len(out))
    cols = ["asset_name", "owner_entity_id", "range_min", "range_max", "range_source_url", "range_reason"]
    return pd.DataFrame(out, columns=cols)


# --------------------------------------------------------------------------- main
def _raw(con: duckdb.DuckDBPyConnection, folder: Path, name: str, table: str) -> None:
    """Faithful copy: every column as text, plus the 1-based row number."""
    with open(folder / name, newline="", encoding="utf-8-sig") as fh:
        df = pd.DataFrame(list(csv.DictReader(fh)), dtype="string")
    df.insert(0, "row_number", range(1, len(df) + 1))
    db.write_frame(con, table, df, order_by=["row_number"])


def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Load ``datasets/ownership`` into ``raw_ownership__*`` and ``core_ownership__*``/``core_assets__*``."""
    folder = settings.datasets_dir / SOURCE_ID
    verify(folder)
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    ctx = _Ctx(folder, log, countries)

    for name in ("entities", "asset_stakes", "telecom_stakes", "parent_links", "asset_locations", "transactions"):
        _raw(con, folder, f"{name}.csv", f"raw_ownership__{name}")
    for p in sorted((folder / "corrections").glob("*.csv")):
        _raw(con, folder, f"corrections/{p.name}", f"raw_ownership__corrections_{p.stem}")

    overrides = read_rows(folder / "corrections/entity_overrides.csv",
                          ["entity_name", "field", "value", "source_url", "reason"])
    entities = _entities(ctx, overrides)  # overrides applied
    stakes = _stakes(ctx, "asset_stakes.csv")
    seen: set[str] = set()
    links = _parent_links(ctx, read_rows(folder / "parent_links.csv", LINK_COLS), ctx.rel("parent_links.csv"), seen)
    links += _parent_links(ctx, read_rows(folder / "corrections/link_additions.csv", ADDITION_COLS),
                           ctx.rel("corrections/link_additions.csv"), seen)
    names = {"asset_stakes": set(stakes["asset_name"]),
             "telecom_stakes": {r["asset_name"] for r in read_rows(folder / "telecom_stakes.csv", STAKE_COLS)}}
    locations = _locations(ctx, names)
    control = _control_statements(ctx, stakes, links)
    ranges = _apply_ranges(ctx, stakes, links)
    stakes = stakes.merge(ranges, on=["asset_name", "owner_entity_id"], how="left")

    db.write_frame(con, "core_ownership__entities", entities, order_by=["entity_id"])
    db.write_frame(con, "core_ownership__stakes", stakes, order_by=["stake_id"])
    db.write_frame(con, "core_ownership__parent_links", frame(links, T_LINK), order_by=["link_id"])
    db.write_frame(con, "core_ownership__asset_locations", locations, order_by=["source_file", "asset_name"])
    db.write_frame(con, "core_ownership__control_statements", control,
                   order_by=["subject_kind", "subject_key", "controller_entity_id"])
    tx = read_rows(folder / "transactions.csv", ["transaction_id", "transaction", "assets_affected", "buyer", "seller",
                                                  "stake_pct", "status", "status_date", "source_url", "source_title",
                                                  "note"])
    log.count(ctx.rel("transactions.csv"), len(tx), len(tx))
    tx_cols = ["transaction_id", "transaction", "assets_affected", "buyer", "seller", "stake_pct", "status",
               "status_date", "source_url", "source_title", "note"]
    db.write_frame(con, "core_ownership__transactions", frame(tx, tx_cols), order_by=["transaction_id"])

    registry.merge(con)  # registry entities join the common model (curated ones win by LEI)
    con.execute("SET VARIABLE current_statuses = ?", [list(settings.current_statuses)])
    con.execute("SET VARIABLE as_of_date = CAST(? AS DATE)", [settings.as_of])
    con.execute("SET VARIABLE majority = ?", [settings.thresholds.majority])
    ensure_tables(con, settings.datasets_dir)  # licences, and the (maybe still empty) layer tables the models read
    db.run_layer(con, "core", ["core_assets__terminals", "core_assets__assets", "core_ownership__links"])
