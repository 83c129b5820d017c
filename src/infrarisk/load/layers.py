"""Bring the layers into the core model: telecom stakes, entity matching, layer assets and links.

Runs after the curated, cable and GEM loaders. Inputs: ``core_ownership__entities`` (the
curated entities), ``datasets/ownership/telecom_stakes.csv``, ``core_cables__*``,
``core_gem__*``, the hand-written ``datasets/matching/`` (``aliases.csv``,
``entities.csv``), each value checked, and the GLEIF legal names of
``core_gleifnames__legal_names`` (:mod:`infrarisk.load.gleif_names`, the registry step).

Outputs:

- ``core_ownership__telecom_stakes``: the curated telecom stakes, checked like the port stakes;
- ``core_match__names`` (one row per distinct owner name: method, entity, score, candidates)
  and ``core_match__mentions`` (one row per occurrence: file, row, the entity it resolves to)
  — see :mod:`infrarisk.match`;
- ``core_ownership__entities`` rewritten: the curated entities, those of
  ``matching/entities.csv``, one registry entity ``lei:<LEI>`` per GLEIF record names matched
  (legal name, LEI, the legal-address country as jurisdiction and — absent better data —
  as seat, the note says so) and one new entity per unmatched name (name as given, where it
  came from, type and country unknown) — an owner is never dropped;
- the core models ``core_assets__infra``, ``core_ownership__infra_links``, then again
  ``core_assets__assets`` and ``core_ownership__links`` (now with the layers),
  ``core_assets__lines`` and ``core_assets__host_countries``.

Problems: bad alias or entity rows (rejected), placeholders (``Other [15%]``: the share stays
unaccounted for), ambiguous names, and every owner left without a country (its holdings are
unknown, never clean) — each with the file and row where the name occurs.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from .. import db, match, vocab
from ..problems import ERROR, WARNING, ProblemLog
from ..settings import Settings
from ..sources import verify
from ..validate import check_country, parse_lei
from ..sources.gleif import load as gleif_names
from ..sources.gleif.derive import DATA_DATE as GLEIF_DATE
from . import curated
from .infra_tables import ensure_tables

SOURCE_ID = "matching"
ALIAS_COLS = ["alias", "entity", "reason", "source"]
ENTITY_COLS = ["entity_id", "entity_name", "lei", "gem_entity_id", "jurisdiction", "hq_country", "entity_type",
               "source_url", "reason"]
NAME_COLS = ["name", "normalised_name", "method", "is_matched", "entity_id", "entity_name", "score", "candidates",
             "detail", "n_mentions", "source_ids"]
MENTION_COLS = ["source_id", "file", "row", "column_name", "context", "name", "entity_id", "method"]
SOURCE_LABELS = {"submarine-cables": "TeleGeography", "gem-europe-gas": "Global Energy Monitor"}


def telecom_stakes(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> pd.DataFrame:
    """``ownership/telecom_stakes.csv`` checked by the curated stake rules (holders are curated entities)."""
    folder = settings.datasets_dir / curated.SOURCE_ID
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    ents = {name: {"entity_id": eid} for eid, name in
            con.execute("SELECT entity_id, entity_name FROM core_ownership__entities").fetchall()}
    ctx = curated._Ctx(folder, log, countries, ents)
    return curated._stakes(ctx, "telecom_stakes.csv")


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def matching_tables(settings: Settings, log: ProblemLog, curated_ids: set[str], countries: set[str],
                    registry_ids: frozenset[str] = frozenset()) -> tuple[list[dict], list[match.Alias]]:
    """The entities and aliases of ``datasets/matching`` (none when the folder is absent), checked.

    An alias may name a registry record as ``lei:<LEI>`` (one of ``registry_ids``), for instance
    to pick one of several GLEIF records that share a name.
    """
    folder = settings.datasets_dir / SOURCE_ID
    if not (folder / "manifest.toml").exists():
        return [], []
    verify(folder)
    types = vocab.table("entity_types")
    f = f"{SOURCE_ID}/entities.csv"
    rows = curated.read_rows(folder / "entities.csv", ENTITY_COLS)
    entities, ids = [], set(curated_ids)
    for i, r in enumerate(rows, start=1):
        eid = r["entity_id"].strip()
        errs = []
        if not eid or eid in ids or eid.startswith((match.NEW_PREFIX, match.REGISTRY_PREFIX)):
            errs.append(("entity_id", "duplicate_id", "entity id missing, repeated, or reserved ('name:', 'lei:')"))
        if not r["entity_name"].strip():
            errs.append(("entity_name", "required", "entity has no name"))
        if not _is_url(r["source_url"]) or not r["reason"].strip():
            errs.append(("source_url", "source_required", "an added entity needs a source URL and a reason"))
        for col, check, reason in errs:
            log.add(f, i, col, check, ERROR, f"{reason}; row rejected", r.get(col))
        if errs:
            continue
        try:
            lei = parse_lei(r["lei"])
        except ValueError as e:
            log.add(f, i, "lei", "lei_check_digits", WARNING, f"{e}; LEI dropped, entity kept", r["lei"])
            lei = None
        codes = {}
        for col in ("jurisdiction", "hq_country"):
            try:
                codes[col] = check_country(r[col], countries)
            except ValueError as e:
                log.add(f, i, col, "country_code", WARNING, f"{e}; treated as unknown", r[col])
                codes[col] = None
        t = types.get(r["entity_type"])
        if t is None:
            log.add(f, i, "entity_type", "unknown_code", WARNING,
                    "entity type not in vocab/entity_types.csv; typed 'unknown'", r["entity_type"])
        ids.add(eid)
        entities.append({
            "entity_id": eid, "entity_name": r["entity_name"].strip(), "lei": lei, "lei_match": None,
            "lei_legal_name": None, "lei_related": None, "lei_source_url": None,
            "jurisdiction_code": codes["jurisdiction"], "hq_country_code": codes["hq_country"],
            "entity_type": t["entity_type"] if t else "unknown", "entity_type_raw": r["entity_type"],
            "state_owned_note": None, "source_url": r["source_url"], "note": r["reason"], "override_reason": None,
            "origin_file": f, "origin_row": i, "gem_entity_id": r["gem_entity_id"].strip()})
    log.count(f, len(rows), len(entities))

    f = f"{SOURCE_ID}/aliases.csv"
    rows = curated.read_rows(folder / "aliases.csv", ALIAS_COLS)
    aliases, seen = [], set()
    for i, r in enumerate(rows, start=1):
        key = match.alias_key(r["alias"])
        target = r["entity"].strip()
        err = None
        if not key:
            err = ("alias", "required", "blank alias")
        elif key in seen:
            err = ("alias", "duplicate_id", "a second row for the same alias")
        elif not target:
            err = ("entity", "required", f"entity must be an entity id or '{match.NO_MATCH}'")
        elif target.casefold() != match.NO_MATCH and target not in ids and target not in registry_ids:
            err = ("entity", "unknown_entity", "names no entity of ownership/entities.csv or matching/entities.csv "
                                               "nor a record of gleif/legal_names.csv (lei:<LEI>)")
        elif not r["reason"].strip() or not _is_url(r["source"]):
            err = ("reason", "source_required", "an alias needs a reason and a source URL")
        if err:
            log.add(f, i, err[0], err[1], ERROR, f"{err[2]}; row rejected", r.get(err[0]))
            continue
        seen.add(key)
        aliases.append(match.Alias(r["alias"].strip(), None if target.casefold() == match.NO_MATCH else target,
                                   r["reason"].strip(), r["source"].strip(), i))
    log.count(f, len(rows), len(aliases))
    return entities, aliases


def mentions(con: duckdb.DuckDBPyConnection) -> tuple[list[match.Mention], dict[tuple[str, int], str]]:
    """Every owner name of the layer sources, and the source URL of each (file, row)."""
    out, urls = [], {}
    for cid, name, file, row in con.execute(
            "SELECT cable_id, owner_name, origin_file, origin_row FROM core_cables__owner_mentions "
            "ORDER BY origin_row, part").fetchall():
        out.append(match.Mention(name, "submarine-cables", file, int(row), "owner", f"cable {cid}"))
        urls[(file, int(row))] = f"https://www.submarinecablemap.com/submarine-cable/{cid}"
    for gid, level, name, file, row, url in con.execute(
            "SELECT gem_asset_id, level, entity_name, origin_file, origin_row, detail_url FROM core_gem__stakes "
            "ORDER BY origin_row").fetchall():
        out.append(match.Mention(name, "gem-europe-gas", file, int(row), "entity_name", f"{gid} {level}"))
        urls[(file, int(row))] = url or "https://globalenergymonitor.org/projects/europe-gas-tracker/"
    return out, urls


def known_entities(curated_df: pd.DataFrame, added: list[dict]) -> list[match.KnownEntity]:
    """The entities names may resolve to: the curated ones (name and LEI legal name) and the added ones."""
    out = []
    for r in curated_df.to_dict("records"):
        other = tuple(x for x in [_na(r.get("lei_legal_name"))] if x)
        out.append(match.KnownEntity(r["entity_id"], r["entity_name"], _na(r.get("lei")) or "", "", other))
    for r in added:
        out.append(match.KnownEntity(r["entity_id"], r["entity_name"], r["lei"] or "", r["gem_entity_id"]))
    return out


#: GLEIF entity category -> entity type (vocab/entity_types.csv)
GLEIF_TYPES = {"GENERAL": "company", "BRANCH": "company", "FUND": "fund", "RESIDENT_GOVERNMENT_ENTITY": "state_body",
               "SOLE_PROPRIETOR": "person"}


def _registry_entity_rows(result: match.MatchResult, log: ProblemLog) -> list[dict]:
    """One entity row per GLEIF record that names matched (and that is no known entity)."""
    rows = []
    for e in result.registry_entities:
        r = e.record
        sources = sorted({SOURCE_LABELS.get(m.source_id, m.source_id) for n in result.names
                          if n.entity_id == e.entity_id for m in n.mentions})
        seat = (f"legal address {r.country}, taken as its seat absent better data" if r.country
                else "no valid legal-address country")
        rows.append({
            "entity_id": e.entity_id, "entity_name": r.legal_name, "lei": r.lei, "lei_match": "normalised-name",
            "lei_legal_name": r.legal_name, "lei_related": None, "lei_source_url": r.source_url or None,
            "jurisdiction_code": r.country or None, "hq_country_code": r.country or None,
            "entity_type": GLEIF_TYPES.get(r.category, "unknown"),
            "entity_type_raw": f"GLEIF entity category {r.category or 'not given'}",
            "state_owned_note": None, "source_url": r.source_url or None,
            "note": (f"Named by {' and '.join(sources)} as an owner ({e.n_mentions} mention(s)), spelled "
                     f"{'; '.join(e.names)}; matched by name in GLEIF: its normalised name is the legal name of "
                     f"exactly one record, LEI {r.lei} ({r.legal_name}; {seat}; GLEIF Level 1, golden copy of "
                     f"{GLEIF_DATE}). Its parents are not known here (no GLEIF Level 2), so it counts as "
                     "controlled from that country."),
            "override_reason": None, "origin_file": r.origin_file or None, "origin_row": r.origin_row or None})
        if not r.country:
            log.add(e.first.file, e.first.row, e.first.column, "owner_country_unknown", WARNING,
                    f"owner {e.names[0]!r} matches GLEIF record {r.lei}, which has no valid country: its holdings "
                    "count as unknown, not clean", e.names[0])
    return rows


def _new_entity_rows(result: match.MatchResult, urls: dict, log: ProblemLog) -> list[dict]:
    rows = []
    for e in result.new_entities:
        how = sorted({n.method for n in result.names if n.entity_id == e.entity_id})
        sources = sorted({SOURCE_LABELS.get(m.source_id, m.source_id) for n in result.names
                          if n.entity_id == e.entity_id for m in n.mentions})
        spellings = "; ".join(e.names)
        rows.append({
            "entity_id": e.entity_id, "entity_name": e.name, "lei": None, "lei_match": None, "lei_legal_name": None,
            "lei_related": None, "lei_source_url": None, "jurisdiction_code": None, "hq_country_code": None,
            "entity_type": "unknown", "entity_type_raw": "not stated by the source",
            "state_owned_note": None, "source_url": urls.get((e.first.file, e.first.row)),
            "note": (f"Named by {' and '.join(sources)} as an owner ({e.n_mentions} mention(s)); not matched to a known "
                     f"entity ({', '.join(how)}); spelled {spellings}; the source gives no country."),
            "override_reason": None, "origin_file": e.first.file, "origin_row": e.first.row})
        log.add(e.first.file, e.first.row, e.first.column, "owner_country_unknown", WARNING,
                f"owner {e.name!r} matches no known entity and its source gives no country: its holdings count "
                "as unknown, not clean (add it to matching/entities.csv or an alias to resolve it)", e.name)
    for n in result.names:
        for mm in n.mentions:
            if n.method == "placeholder":
                log.add(mm.file, mm.row, mm.column, "placeholder_owner", WARNING,
                        f"placeholder owner ({n.detail}): matched to no entity; its share stays unaccounted for "
                        "(unknown)", n.name)
        if n.method == "ambiguous":
            m0 = n.mentions[0]
            log.add(m0.file, m0.row, m0.column, "ambiguous_name", WARNING,
                    f"{n.detail} ({', '.join(e for e, _ in n.candidates)}): kept as an entity of its own; an alias "
                    "row decides", n.name)
    return rows


def write_match(con: duckdb.DuckDBPyConnection, result: match.MatchResult) -> None:
    names, ms = [], []
    for n in result.names:
        names.append({"name": n.name, "normalised_name": n.key, "method": n.method, "is_matched": n.is_matched,
                      "entity_id": n.entity_id, "entity_name": n.entity_name, "score": n.score,
                      "candidates": "; ".join(f"{e} {s:g}" for e, s in n.candidates) or None,
                      "detail": n.detail or None, "n_mentions": len(n.mentions),
                      "source_ids": ", ".join(sorted({m.source_id for m in n.mentions}))})
        for m in n.mentions:
            ms.append({"source_id": m.source_id, "file": m.file, "row": m.row, "column_name": m.column,
                       "context": m.context, "name": m.name, "entity_id": n.entity_id, "method": n.method})
    ndf = pd.DataFrame(names, columns=NAME_COLS).astype({"score": "float64", "n_mentions": "int64",
                                                         "is_matched": "bool"})
    mdf = pd.DataFrame(ms, columns=MENTION_COLS).astype({"row": "int64"})
    if ndf.empty:
        ndf = ndf.astype({c: "string" for c in NAME_COLS if c not in ("score", "n_mentions", "is_matched")})
    if mdf.empty:
        mdf = mdf.astype({c: "string" for c in MENTION_COLS if c != "row"})
    db.write_frame(con, "core_match__names", ndf, order_by=["name"])
    db.write_frame(con, "core_match__mentions", mdf, order_by=["file", "row", "name"])


def resolve_names(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Match every owner name of the layers and rewrite ``core_ownership__entities`` (module docstring)."""
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    cur = con.execute("SELECT * FROM core_ownership__entities ORDER BY entity_id").df()
    registry = gleif_names.records(con)
    added, aliases = matching_tables(settings, log, set(cur["entity_id"]), countries,
                                     frozenset(r.entity_id for r in registry))
    ms, urls = mentions(con)
    result = match.match(ms, known_entities(cur, added), aliases, settings.match_fuzzy_threshold, registry)
    write_match(con, result)
    new_rows = [*_registry_entity_rows(result, log), *_new_entity_rows(result, urls, log)]
    cols = list(cur.columns)
    extra = pd.DataFrame([{k: r.get(k) for k in cols} for r in [*added, *new_rows]], columns=cols)
    both = pd.concat([cur, extra.astype({c: cur[c].dtype for c in cols if c in ("origin_row",)})],
                     ignore_index=True) if not extra.empty else cur
    db.write_frame(con, "core_ownership__entities", both, order_by=["entity_id"])
    return result


def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Telecom stakes, matching, then the core models with the layers (module docstring)."""
    ensure_tables(con, settings.datasets_dir)
    db.write_frame(con, "core_ownership__telecom_stakes", telecom_stakes(con, settings, log), order_by=["stake_id"])
    resolve_names(con, settings, log)
    db.run_layer(con, "core", ["core_assets__infra", "core_ownership__infra_links", "core_assets__assets",
                               "core_ownership__links", "core_assets__lines", "core_assets__host_countries"])


def match_report(settings: Settings) -> tuple[match.MatchResult, ProblemLog]:
    """Load the datasets into a fresh in-memory database and match the owner names.

    Used by ``infrarisk match-report``: it reads the datasets as they are on disk, so an
    edit of ``matching/aliases.csv`` shows at once, without a build.
    """
    from ..db import connect
    from ..sources import load_all
    con, log = connect(None), ProblemLog()
    try:
        load_all(con, settings, log, cross_source=False)
        ensure_tables(con, settings.datasets_dir)
        return resolve_names(con, settings, log), log
    finally:
        con.close()


def _na(v):
    """None for missing values of a pandas record (None, NaN, NA)."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v
