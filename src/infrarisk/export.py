"""Exports of a built database: BODS 0.4 statements, CSV and Parquet of the resolved tables.

Contract: reads tables only (``core_ownership__*``, the ``out_ownership__*`` and
``out_exposure__*`` tables of a finished build; the resolved scope is the assets of
``out_ownership__asset_controllers`` and the entities of ``out_ownership__entities``):

- :func:`bods_statements` / :func:`write_bods`: the resolved ownership of the assets on
  the map as BODS 0.4 statements (a JSON array): one ``entity`` record per asset (type
  ``arrangement``, an infrastructure asset) and per entity on its chains (``state`` and
  ``stateBody`` kept; LEIs as ``XI-LEI`` identifiers), one ``person`` record per person,
  one ``relationship`` record per owner and subject with one interest per sourced link
  (share exact or minimum/maximum, start date, control), one ``indirect`` relationship
  per asset and ultimate owner with the exact look-through share, and an
  ``interestedParty`` with reason ``informationUnknownToPublisher`` for the share no
  recorded holder accounts for; owners that a registry declares unknown (GLEIF reporting
  exceptions, BODS unspecified parties, PSC statements) keep their reason. Output is deterministic (ids are hashes of content).
- :func:`write_tables`: the resolved tables (:data:`TABLES`: the core ownership tables, the
  ``out_ownership__*`` and ``out_exposure__*`` tables with the evidence the bands rest on,
  the INGE2 ports) as one CSV or Parquet file each. Interest types map to BODS codes through
  ``vocab/interest_types.csv``.
- :func:`write_network`: the ownership network as GEXF 1.3 or GraphML
  (:mod:`infrarisk.export_graph`).
"""

from __future__ import annotations

from urllib.parse import quote

import hashlib
import json
from pathlib import Path

import duckdb

from . import db, vocab

BODS_VERSION = "0.4"
def as_uri(url: str) -> str:
    """Percent-encode an IRI (a URL with non-ASCII characters) into the URI BODS requires.

    Examples
    --------
    >>> as_uri("https://www.gem.wiki/Hämeenlinna_power_station")
    'https://www.gem.wiki/H%C3%A4meenlinna_power_station'
    >>> as_uri("https://example.org/a?b=1&c=%20")
    'https://example.org/a?b=1&c=%20'
    """
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


PUBLISHER = {"name": "infrarisk", "url": "https://github.com/infrarisk/infrarisk"}
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
UNSPECIFIED = ("noBeneficialOwners", "subjectUnableToConfirmOrIdentifyBeneficialOwner",
               "interestedPartyHasNotProvidedInformation", "subjectExemptFromDisclosure",
               "interestedPartyExemptFromDisclosure", "unknown", "informationUnknownToPublisher")
ENTITY_TYPES = {"state": "state", "state_body": "stateBody", "unknown": "unknownEntity"}
TABLES = ("core_ownership__entities", "core_ownership__links", "out_ownership__entities",
          "out_ownership__asset_controllers", "out_ownership__asset_owners", "out_ownership__asset_countries",
          "out_ownership__loops", "out_ownership__entity_control", "out_ownership__entity_countries",
          "out_exposure__asset_groups", "out_exposure__assets", "out_exposure__ports", "out_inge2__ports",
          "out_exposure__evidence_edges", "out_exposure__evidence_control", "out_exposure__evidence_paths")


def _sid(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _pct(x) -> float:
    return round(float(x) * 100, 6)


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def bods_statements(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """BODS 0.4 statements of the assets with ownership data and their chains."""
    # the resolved scope as the resolve stage wrote it: the assets with ownership data and the
    # entities on their chains (the out_ownership__* tables; nothing is walked again here)
    scope = ("(SELECT 'asset' AS kind, asset_id AS id FROM out_ownership__asset_controllers "
             "UNION ALL SELECT 'entity', entity_id FROM out_ownership__entities)")
    newest = con.execute("SELECT max(as_of_date) FROM core_ownership__links WHERE is_current").fetchone()[0]
    date = str(newest or "2000-01-01")[:10]
    pub = {"publicationDate": date, "bodsVersion": BODS_VERSION, "publisher": PUBLISHER, "license": LICENCE}
    out: list[dict] = []

    def statement(record_id: str, record_type: str, subject: str, details: dict, source: dict) -> None:
        out.append({"statementId": _sid(record_id, details), "declarationSubject": subject, "statementDate": date,
                    "publicationDetails": pub, "source": source, "recordId": record_id, "recordStatus": "new",
                    "recordType": record_type, "recordDetails": details})

    assets = _rows(con, f"""
        SELECT a.asset_id, a.name, a.asset_type, a.country_code, a.unlocode
        FROM core_assets__assets a WHERE a.asset_id IN (SELECT id FROM {scope} WHERE kind = 'asset')
        ORDER BY a.asset_id""")
    for a in assets:
        ids = [{"id": a["asset_id"], "schemeName": "infrarisk asset id"}]
        if a["unlocode"]:
            ids.append({"id": a["unlocode"], "schemeName": "UN/LOCODE of the port"})
        statement(f"asset-{a['asset_id']}", "entity", f"asset-{a['asset_id']}", {
            "isComponent": False,
            "entityType": {"type": "arrangement", "subtype": "other",
                           "details": f"infrastructure asset: {a['asset_type'] or 'asset'}"},
            "name": a["name"], "identifiers": ids,
            **({"jurisdiction": {"code": a["country_code"], "name": a["country_code"]}} if a["country_code"] else {}),
        }, {"type": ["thirdParty"], "description": "infrarisk asset register"})
    ents = _rows(con, f"""
        SELECT entity_id, entity_name, lei, entity_type, jurisdiction_code, hq_country_code, source_url
        FROM core_ownership__entities WHERE entity_id IN (SELECT id FROM {scope} WHERE kind = 'entity')
        ORDER BY entity_id""")
    persons = {e["entity_id"] for e in ents if e["entity_type"] == "person"}
    for e in ents:
        rid = f"entity-{e['entity_id']}"
        src = {"type": ["thirdParty"], **({"url": as_uri(e["source_url"])} if e["source_url"] else {})}
        if e["entity_type"] == "person":
            statement(rid, "person", rid, {
                "isComponent": False, "personType": "knownPerson",
                "names": [{"type": "legal", "fullName": e["entity_name"]}],
                **({"nationalities": [{"code": e["jurisdiction_code"], "name": e["jurisdiction_code"]}]}
                   if e["jurisdiction_code"] else {}),
            }, src)
            continue
        ids = [{"id": e["lei"], "scheme": "XI-LEI", "schemeName": "Global Legal Entity Identifier Index"}] \
            if e["lei"] else []
        ids.append({"id": e["entity_id"], "schemeName": "infrarisk entity id"})
        details = {"isComponent": False, "entityType": {"type": ENTITY_TYPES.get(e["entity_type"], "registeredEntity")},
                   "name": e["entity_name"], "identifiers": ids}
        if e["entity_type"] in ("state", "state_body"):
            details["entityType"]["subtype"] = "other" if e["entity_type"] == "state_body" else None
            if details["entityType"]["subtype"] is None:
                del details["entityType"]["subtype"]
        if e["jurisdiction_code"]:
            details["jurisdiction"] = {"code": e["jurisdiction_code"], "name": e["jurisdiction_code"]}
        statement(rid, "entity", rid, details, src)

    links = _rows(con, f"""
        SELECT l.* FROM core_ownership__links l
        WHERE l.is_current AND l.subject_id IN (SELECT id FROM {scope})
          AND l.owner_entity_id IN (SELECT id FROM {scope} WHERE kind = 'entity')
        ORDER BY l.subject_kind, l.subject_id, l.owner_entity_id, l.link_id""")
    by_pair: dict[tuple, list[dict]] = {}
    for r in links:
        by_pair.setdefault((r["subject_kind"], r["subject_id"], r["owner_entity_id"]), []).append(r)
    for (kind, subject, owner), rows in by_pair.items():
        srec = f"{'asset' if kind == 'asset' else 'entity'}-{subject}"
        interests = [_interest(r, owner in persons) for r in rows]
        rid = f"rel-{owner}-{srec}"
        statement(rid, "relationship", srec, {
            "isComponent": False, "subject": srec, "interestedParty": f"entity-{owner}", "interests": interests,
        }, {"type": ["thirdParty"], "url": as_uri(rows[0]["source_url"]),
            "description": "; ".join(sorted({r["source_title"] or r["source_url"] for r in rows}))[:500]})
    # owners declared unknown by a registry (GLEIF reporting exceptions, BODS unspecified
    # parties, PSC statements): kept with their reason
    unknown = _rows(con, f"""
        SELECT u.*, coalesce(m.entity_id, u.subject_id) AS entity_id FROM core_registry__unknown_owners u
        LEFT JOIN core_registry__entity_map m ON m.registry_entity_id = u.subject_id
        WHERE coalesce(m.entity_id, u.subject_id) IN (SELECT id FROM {scope} WHERE kind = 'entity')
        ORDER BY entity_id, u.category, u.origin_file, u.origin_row""") if "core_registry__unknown_owners" in set(
        db.tables(con)) else []
    for i, u in enumerate(unknown):
        srec = f"entity-{u['entity_id']}"
        reason = u["reason_code"] if u["reason_code"] in UNSPECIFIED else "unknown"
        statement(f"declared-unknown-{u['entity_id']}-{i}", "relationship", srec, {
            "isComponent": False, "subject": srec,
            "interestedParty": {"reason": reason, "description": (
                f"{u['source_id']}: {u['category']}: {u['reason_code']}: {u['description']}")[:500]},
            "interests": [{"type": "unknownInterest", "directOrIndirect": "unknown",
                           "beneficialOwnershipOrControl": False}]},
            {"type": ["officialRegister"], **({"url": as_uri(u["source_url"])} if u["source_url"] else {})})
    # resolved: look-through share of each ultimate owner, and the unknown remainder
    owners = _rows(con, f"""
        SELECT asset_id, owner_entity_id, share_min, share_max FROM out_ownership__asset_owners
        WHERE asset_id IN (SELECT id FROM {scope} WHERE kind = 'asset')
        ORDER BY asset_id, owner_entity_id NULLS LAST""")
    for o in owners:
        srec = f"asset-{o['asset_id']}"
        if o["share_max"] <= 0:
            continue
        share = ({"exact": _pct(o["share_min"])} if abs(o["share_max"] - o["share_min"]) < 1e-12
                 else {"minimum": _pct(o["share_min"]), "maximum": _pct(o["share_max"])})
        interest = {"type": "shareholding", "directOrIndirect": "indirect", "beneficialOwnershipOrControl": False,
                    "share": share, "details": "look-through economic share computed by infrarisk (exact, loops "
                    "included) from the sourced links"}
        if o["owner_entity_id"] is None:
            statement(f"unknown-{o['asset_id']}", "relationship", srec, {
                "isComponent": False, "subject": srec,
                "interestedParty": {"reason": "informationUnknownToPublisher",
                                    "description": "share not accounted for by the recorded holders"},
                "interests": [interest]}, {"type": ["thirdParty"], "description": "infrarisk resolution"})
        else:
            statement(f"lookthrough-{o['owner_entity_id']}-{srec}", "relationship", srec, {
                "isComponent": False, "subject": srec, "interestedParty": f"entity-{o['owner_entity_id']}",
                "interests": [interest]}, {"type": ["thirdParty"], "description": "infrarisk resolution"})
    return out


def _interest(r: dict, owner_is_person: bool = False) -> dict:
    rel = r.get("relationship")
    # BODS 0.4 interestType from the one vocabulary; a code it does not list is "other influence"
    itype = vocab.interest_types().get(r["interest_type"], {}).get("bods_code", "otherInfluenceOrControl")
    stated = bool(r["is_share_stated"]) or (r["share_min"] or 0) > 0
    if rel in ("direct parent", "ultimate parent") and not stated:
        itype = "otherInfluenceOrControl"
    i = {"type": itype, "directOrIndirect": "indirect" if rel in ("ultimate parent", "indirect interest") else "direct",
         # BODS reserves beneficial ownership or control for natural persons; a company's
         # control is told by the interest type and the details
         "beneficialOwnershipOrControl": bool(r["is_control"]) and owner_is_person}
    if stated:
        lo, hi = float(r["share_min"]), float(r["share_max"])
        if abs(hi - lo) < 1e-12:
            i["share"] = {"exact": _pct(lo)}
        else:
            i["share"] = {("exclusiveMinimum" if r.get("is_min_exclusive") else "minimum"): _pct(lo),
                          ("exclusiveMaximum" if r.get("is_max_exclusive") else "maximum"): _pct(hi)}
    if r["as_of_date"] is not None:
        i["startDate"] = str(r["as_of_date"])[:10]
    if r.get("end_date") is not None:
        i["endDate"] = str(r["end_date"])[:10]
    basis = r.get("control_basis")
    if rel or basis:
        i["details"] = "; ".join(x for x in (f"named as {rel} by the source" if rel else None, basis) if x)[:250]
    return i


def write_bods(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Write the statements to ``out`` (JSON array, UTF-8); returns their number."""
    st = bods_statements(con)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(st, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(st)


def write_network(con: duckdb.DuckDBPyConnection, out: Path, fmt: str):
    """Write the ownership network as ``fmt`` (``gexf`` or ``graphml``) to ``out``; returns it."""
    from . import export_graph
    net = export_graph.network(con)
    export_graph.write(net, out, fmt)
    return net


def write_tables(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str) -> list[Path]:
    """Every resolved table as ``<table>.csv`` or ``<table>.parquet`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    have = set(db.tables(con))
    written = []
    for t in TABLES:
        if t not in have:
            continue
        p = out_dir / f"{t}.{fmt}"
        opts = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        cols = [r[0] for r in con.execute(f"SELECT * FROM {t} LIMIT 0").description]
        con.execute(f"COPY (SELECT * FROM {t} ORDER BY {', '.join(cols[:3])}) TO {db.literal(p.as_posix())} ({opts})")
        written.append(p)
    return written
