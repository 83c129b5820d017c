"""Row checks of the curated source shared by its tables: the check context, entities, positions.

Contract: functions of text rows (:func:`infrarisk.sources._load.read_rows`) that return typed
rows or frames and record every bad value in the problem log with file, row and reason
(``ERROR``: the row is rejected; ``WARNING``: the row is kept). :func:`entities` applies
``corrections/entity_overrides.csv``; :func:`locations` checks ``asset_locations.csv``.
No database access: :mod:`.load` reads the files and writes the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ... import vocab
from ...problems import ERROR, WARNING, ProblemLog
from ...validate import check_country, check_lat_lon, parse_lei, parse_partial_date
from .._load import frame, read_rows
from . import SOURCE_ID

STATUSES = ("current", "pending", "awarded", "exited", "historical", "unverified")
PRECISIONS = ("terminal", "port_area", "town")


@dataclass
class Ctx:
    """What the row checks of one load share."""

    folder: Path
    log: ProblemLog
    countries: set[str]
    entities: dict[str, dict] = field(default_factory=dict)  # entity_name -> typed row

    def rel(self, name: str) -> str:
        return f"{SOURCE_ID}/{name}"


def or_warn(ctx: Ctx, f: str, i: int, col: str, check: str, parse, value: str, consequence: str):
    """``parse(value)``, or None with a warning naming file, row and column (the row is kept)."""
    try:
        return parse(value)
    except ValueError as e:
        ctx.log.add(f, i, col, check, WARNING, f"{e}; {consequence}", value)
        return None


def or_error(errs: list, col: str, check: str, parse, value: str):
    """``parse(value)``, or None with an error queued for ``errs`` (the row will be rejected)."""
    try:
        return parse(value)
    except ValueError as e:
        errs.append((col, check, str(e), value))
        return None


def is_url(s: str) -> bool:
    """True for an http(s) address.

    >>> is_url("https://example.org"), is_url("example.org")
    (True, False)
    """
    return s.startswith("http://") or s.startswith("https://")


def date_or_reject(ctx: Ctx, f: str, i: int, col: str, value: str, required: bool):
    """``(ok, date, precision)`` of a partial date; an unreadable date rejects the row."""
    try:
        d, prec = parse_partial_date(value)
    except ValueError as e:
        ctx.log.add(f, i, col, "date", ERROR, f"{e}; row rejected", value)
        return False, None, None
    if d is None and required:
        ctx.log.add(f, i, col, "date", WARNING, "no date: the fact cannot be placed in time", value)
    return True, d, prec


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
# --------------------------------------------------------------------------- entities
ENTITY_COLS = ["entity_id", "source_row", "entity_name", "lei", "lei_match", "lei_legal_name", "lei_related",
               "lei_source_url", "lei_note", "jurisdiction", "hq_country", "entity_type", "state_owned",
               "source_url", "note"]


def entities(ctx: Ctx, overrides: list[dict]) -> pd.DataFrame:
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
        lei = or_warn(ctx, f, i, "lei", "lei_check_digits", parse_lei, r["lei"], "LEI dropped, entity kept")
        codes = {col: or_warn(ctx, f, i, col, "country_code", lambda v: check_country(v, ctx.countries), r[col],
                               "treated as unknown") for col in ("jurisdiction", "hq_country")}
        t = types.get(r["entity_type"])
        if t is None:
            ctx.log.add(f, i, "entity_type", "unknown_code", WARNING,
                        "entity type not in vocab/entity_types.csv; typed 'unknown'", r["entity_type"])
            etype = "unknown"
        else:
            etype = t["entity_type"]
        if not is_url(r["source_url"]):
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
    apply_overrides(ctx, overrides)
    return frame(list(ctx.entities.values()), T_ENTITY)


def apply_overrides(ctx: Ctx, rows: list[dict]) -> None:
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
        if not r["reason"].strip() or not is_url(r["source_url"]):
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


# --------------------------------------------------------------------------- locations
LOCATION_COLS = ["source_row", "asset_name", "source_file", "latitude", "longitude", "precision", "source_url",
                 "source_title", "note"]


def locations(ctx: Ctx, asset_names: dict[str, set[str]]) -> pd.DataFrame:
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
        if not is_url(r["source_url"]):
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


