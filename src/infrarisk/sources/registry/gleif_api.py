"""GLEIF API (``api.gleif.org/api/v1``) JSON:API responses into the common model (format
``gleif-api``).

Inputs: saved responses of the endpoints ``lei-records`` (one record or a page),
``…/direct-parent`` and ``…/ultimate-parent`` (the parent's record),
``…/direct-parent-relationship`` and ``…/ultimate-parent-relationship``
(``relationship-records``), ``…/direct-children`` and ``…/ultimate-children`` (pages of
child records: the parent is read from the page's own link), and
``…/*-parent-reporting-exception`` (``reporting-exceptions``). A response is a page of at
most a few hundred records, so each file is read whole; many files stream one at a time.

Outputs: ``raw_gleifapi__documents`` (each document's items as JSON text, with file and
position), ``core_gleifapi__entities``, ``core_gleifapi__links`` (Level 2 accounting
consolidation: control, no share; relationship period as start/end),
``core_gleifapi__unknown_owners`` and ``core_gleifapi__problems``, with the semantics of
:mod:`infrarisk.registry.gleif`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from ...validate import lei_checksum_ok
from . import ENTITY_COLUMNS, LINK_COLUMNS, PROBLEM_COLUMNS, UNKNOWN_COLUMNS
from .gleif import CATEGORIES, EXCEPTION_CATEGORIES, GLEIF_RECORD_URL, RELATIONSHIPS

_CHILDREN = re.compile(r"/lei-records/([0-9A-Z]{20})/(direct|ultimate)-children")


def _country(code) -> str | None:
    if isinstance(code, str) and re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]+)?", code.strip()):
        return code.strip()[:2].upper()
    return None


def _date(x) -> str | None:
    return x[:10] if isinstance(x, str) and re.match(r"\d{4}-\d{2}-\d{2}", x) else None


class _Reader:
    def __init__(self):
        self.entities, self.links, self.unknown, self.problems, self.raw = [], [], [], [], []
        self.seen_links: set[str] = set()

    def problem(self, file, row, col, check, sev, reason, value):
        self.problems.append({"file": file, "row": row, "column_name": col, "check_name": check, "severity": sev,
                              "reason": reason, "value": None if value is None else str(value)})

    def entity(self, item, file, row):
        a = item.get("attributes") or {}
        lei = str(a.get("lei") or item.get("id") or "").upper()
        if not lei_checksum_ok(lei):
            self.problem(file, row, "data.attributes.lei", "lei_check_digits", "error", "malformed LEI; record rejected",
                         lei)
            return
        e = a.get("entity") or {}
        reg = a.get("registration") or {}
        cat = e.get("category")
        if cat and cat not in CATEGORIES:
            self.problem(file, row, "entity.category", "unknown_code", "warning", "entity category not known; typed "
                         "company", cat)
        self.entities.append({
            "entity_id": f"lei:{lei}", "entity_name": (e.get("legalName") or {}).get("name") or lei, "lei": lei,
            "jurisdiction_code": _country(e.get("jurisdiction")),
            "hq_country_code": _country((e.get("headquartersAddress") or {}).get("country"))
            or _country((e.get("legalAddress") or {}).get("country")),
            "entity_type": CATEGORIES.get(cat, "company"),
            "identifiers": f"RA:{(e.get('registeredAt') or {}).get('id')}:{e.get('registeredAs')}"
            if e.get("registeredAs") else None,
            "record_status": "/".join(x for x in (reg.get("status"), e.get("status")) if x),
            "source_url": GLEIF_RECORD_URL + lei, "origin_file": file, "origin_row": row})

    def link(self, child, parent, rtype, status, periods, file, row, reg_status=None, note=None):
        if not (lei_checksum_ok(child) and lei_checksum_ok(parent)):
            self.problem(file, row, "relationship", "lei_check_digits", "error", "malformed LEI; relationship rejected",
                         f"{child}>{parent}")
            return
        if rtype not in RELATIONSHIPS:
            self.problem(file, row, "relationship.type", "unknown_code", "error", "relationship type not known; "
                         "rejected", rtype)
            return
        link_id = f"rr:{child}>{parent}:{rtype}"
        if link_id in self.seen_links:
            return  # the same relationship seen from another endpoint
        self.seen_links.add(link_id)
        rel, itype, ctl = RELATIONSHIPS[rtype]
        start = end = None
        for p in periods or []:
            if p.get("type") == "RELATIONSHIP_PERIOD":
                start, end = _date(p.get("startDate")), _date(p.get("endDate"))
        if start and end and end < start:
            self.problem(file, row, "relationship.periods", "date_order", "warning", "relationship ends before it "
                         "starts; both dates ignored", f"{start} > {end}")
            start = end = None
        self.links.append({
            "link_id": link_id, "subject_id": f"lei:{child}", "owner_entity_id": f"lei:{parent}",
            "interest_type": itype, "relationship": rel, "share_min": None, "share_max": None,
            "is_min_exclusive": False, "is_max_exclusive": False, "is_control_kind": ctl,
            "control_note": f"accounting consolidation (GLEIF Level 2: {rtype})" if ctl else None,
            "status": "current" if status in (None, "ACTIVE") and reg_status not in ("ANNULLED", "RETIRED")
            else "historical",
            "start_date": start, "end_date": end, "record_status": "/".join(x for x in (status, reg_status) if x),
            "source_url": GLEIF_RECORD_URL + child, "source_title": "GLEIF API relationship record", "note": note,
            "origin_file": file, "origin_row": row})

    def document(self, path: Path):
        file = path.name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            self.problem(file, None, None, "json", "error", f"not a JSON document ({e}); file skipped", None)
            return 0
        data = doc.get("data") if isinstance(doc, dict) else None
        if data is None:
            self.problem(file, None, "data", "required", "error", "no JSON:API data member; file skipped", None)
            return 0
        items = data if isinstance(data, list) else [data]
        page = (doc.get("links") or {}).get("first") or ""
        m = _CHILDREN.search(page.replace("\\/", "/"))
        for row, item in enumerate(items, start=1):
            self.raw.append({"origin_file": file, "origin_row": row, "item_type": item.get("type"),
                             "item_id": item.get("id"), "item": json.dumps(item, sort_keys=True)})
            kind = item.get("type")
            if kind == "lei-records":
                self.entity(item, file, row)
                if m:  # a page of children: each record is consolidated by the page's LEI
                    rtype = "IS_DIRECTLY_CONSOLIDATED_BY" if m.group(2) == "direct" else "IS_ULTIMATELY_CONSOLIDATED_BY"
                    self.link(str(item.get("id")).upper(), m.group(1), rtype, "ACTIVE", [], file, row,
                              note="from the parent's list of children")
            elif kind == "relationship-records":
                r = (item.get("attributes") or {}).get("relationship") or {}
                reg = (item.get("attributes") or {}).get("registration") or {}
                self.link(str((r.get("startNode") or {}).get("id", "")).upper(),
                          str((r.get("endNode") or {}).get("id", "")).upper(), r.get("type"), r.get("status"),
                          r.get("periods"), file, row, reg.get("status"), note=reg.get("corroborationReference"))
            elif kind == "reporting-exceptions":
                a = item.get("attributes") or {}
                lei = str(a.get("lei") or "").upper()
                cat = EXCEPTION_CATEGORIES.get(a.get("category"))
                if not lei_checksum_ok(lei) or cat is None:
                    self.problem(file, row, "attributes", "unknown_code", "error", "malformed LEI or unknown "
                                 "exception category; rejected", f"{lei} {a.get('category')}")
                    continue
                reason = a.get("reason") or ""
                self.unknown.append({
                    "subject_id": f"lei:{lei}", "category": cat, "reason_code": reason,
                    "description": f"{cat} not reported: {reason.replace('_', ' ').lower()}"
                    + (f" ({a['reference']})" if a.get("reference") else ""),
                    "source_url": GLEIF_RECORD_URL + lei, "origin_file": file, "origin_row": row})
            else:
                self.problem(file, row, "data.type", "unknown_code", "warning", "resource type not used; skipped", kind)
        return len(items)


def _write(con, table: str, rows: list[dict], columns: dict[str, str]) -> None:
    df = pd.DataFrame(rows, columns=list(columns))
    con.register("_api", df)
    try:
        cols = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM _api")
    finally:
        con.unregister("_api")


def ingest(con: duckdb.DuckDBPyConnection, fmt: str, paths: list[Path]) -> list[str]:
    src = "gleifapi"
    r = _Reader()
    for p in paths:
        r.document(p)
    ents = {e["entity_id"]: e for e in r.entities}  # a record seen twice (parent and child pages) counts once
    _write(con, f"raw_{src}__documents", r.raw, {"origin_file": "VARCHAR", "origin_row": "BIGINT",
                                                 "item_type": "VARCHAR", "item_id": "VARCHAR", "item": "VARCHAR"})
    _write(con, f"core_{src}__entities", sorted(ents.values(), key=lambda e: e["entity_id"]), ENTITY_COLUMNS)
    _write(con, f"core_{src}__links", sorted(r.links, key=lambda e: e["link_id"]), LINK_COLUMNS)
    _write(con, f"core_{src}__unknown_owners", r.unknown, UNKNOWN_COLUMNS)
    _write(con, f"core_{src}__problems", r.problems, PROBLEM_COLUMNS)
    return [f"raw_{src}__documents", f"core_{src}__entities", f"core_{src}__links", f"core_{src}__unknown_owners"]
