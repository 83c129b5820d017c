"""Entity matching in the integrate stage: every owner name of the layer sources -> an entity.

Inputs (tables written by the loaders): the curated entities ``core_curated__entities``, the
registry entities ``core_registry__entities`` not mapped onto curated ones
(``core_registry__entity_map``), the hand-written ``core_matching__entities`` and
``core_matching__aliases``, the owner names of ``core_cables__owner_mentions`` and
``core_gem__stakes`` (with the GEM asset's country from ``core_gem__assets``) and the holders of
``core_census__stakes`` (with the terminal's country) and the holders and parents of
``core_census__holders``, the GLEIF legal
names of ``core_gleifnames__legal_names`` (the registry step), the owner register
(``core_owners__*``, joined by :mod:`.register`: its owners are known entities, its name rows
the reviewed decisions) and GEM's parent -> HQ pairs (``core_gemownership__parent_hq``, the
``gem_hq`` step). The rules are those of :func:`infrarisk.match.match`.

Outputs:

- ``core_match__names`` (one row per distinct owner name: method, entity, score, candidates)
  and ``core_match__mentions`` (one row per occurrence: file, row, the entity it resolves to);
- ``core_match__owner_map`` and ``core_match__owner_links`` (:mod:`.register`), ``core_match__conflicts``
  (:mod:`.conflicts`);
- ``core_match__entities``: the entities matching adds to the unified entity table (``source_id``
  ``owners`` / ``gem-ownership`` for those two, else NULL) — those of ``matching/entities.csv``
  (enriched by the register where it names them), the register's own owners, one ``gemhq:<slug>``
  entity per GEM parent name that names matched, one registry entity ``lei:<LEI>`` per GLEIF record names matched
  (legal name, LEI, the legal-address country as jurisdiction and — absent better data — as
  seat, the note says so) and one new entity per unmatched name (name as given, where it came
  from, type and country unknown) — an owner is never dropped.

Problems: register rows naming no entity, control loops across sources (:mod:`.register`), an
alias that overrides a register decision (``alias_over_register``, warning); matching rows that name ids of other sources wrongly (an entity id the curated or
registry data already use, an alias naming no known entity: rejected, row accounting
corrected), placeholders (``Other [15%]``: the share stays unaccounted for), ambiguous names,
and every owner left without a country (its holdings are unknown, never clean) — each with
the file and row where the name occurs.
"""

from __future__ import annotations

from functools import partial
from itertools import chain, repeat
from operator import itemgetter

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import db, match
from . import census, conflicts, register
from ..sources.gleif.derive import DATA_DATE as GLEIF_DATE
from ..problems import ERROR, WARNING, ProblemLog
from ..settings import Settings

NAME_COLS = ["name", "normalised_name", "method", "is_matched", "entity_id", "entity_name", "score", "candidates",
             "detail", "n_mentions", "source_ids", "scope"]
MENTION_COLS = ["source_id", "file", "row", "column_name", "context", "name", "entity_id", "method", "asset_country_code"]
#: columns of core_match__entities (those of the unified entity table but source_id)
ENTITY_COLS = ["entity_id", "entity_name", "lei", "lei_match", "lei_legal_name", "lei_related", "lei_source_url",
               "jurisdiction_code", "hq_country_code", "entity_type", "entity_type_raw", "state_owned_note",
               "source_url", "note", "override_reason", "origin_file", "origin_row", "source_id"]
#: the columns of the core_match__ tables that are not text
_TYPES = {"is_matched": pa.bool_(), "score": pa.float64(), "n_mentions": pa.int64(), "row": pa.int64(),
          "origin_row": pa.int64()}
SOURCE_LABELS = {"submarine-cables": "TeleGeography", "gem-europe-gas": "Global Energy Monitor",
                 "census": "the census of container terminals"}
#: GLEIF entity category -> entity type (vocab/entity_types.csv)
GLEIF_TYPES = {"GENERAL": "company", "BRANCH": "company", "FUND": "fund", "RESIDENT_GOVERNMENT_ENTITY": "state_body",
               "SOLE_PROPRIETOR": "person"}
#: the entities known before matching: curated ones and registry ones that are no curated entity
KNOWN_SQL = """
    SELECT entity_id, entity_name, lei, lei_legal_name FROM core_curated__entities
    UNION ALL
    SELECT r.entity_id, r.entity_name, r.lei, NULL FROM core_registry__entities r
    ANTI JOIN core_registry__entity_map m ON m.registry_entity_id = r.entity_id
    ORDER BY entity_id"""


#: the source id of a Mention
_SOURCE_ID = itemgetter(match.Mention._fields.index("source_id"))
#: a Mention of a tuple of its fields (the named tuple's own constructor takes them one by one)
_MENTION = partial(tuple.__new__, match.Mention)


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def registry_records(con: duckdb.DuckDBPyConnection) -> list[match.RegistryRecord]:
    """The checked GLEIF records of ``core_gleifnames__legal_names``, by LEI."""
    return [match.RegistryRecord(lei, name, country or "", category or "", key, url, f, int(row))
            for lei, name, country, category, key, url, f, row in con.execute(
                "SELECT lei, legal_name, country_code, category, normalised_name, source_url, origin_file, "
                "origin_row FROM core_gleifnames__legal_names ORDER BY lei").fetchall()]


def _reject(log: ProblemLog, f: str, rejected: list[tuple]) -> None:
    """Log rows the integrate stage rejects and take them off the loader's count of ``f``."""
    for row, col, check, reason, value in rejected:
        log.add(f, row, col, check, ERROR, f"{reason}; row rejected", value)
    if rejected and f in log.stats:
        st = log.stats[f]
        log.count(f, st.rows_in, st.rows_loaded - len(rejected))


def matching_tables(con: duckdb.DuckDBPyConnection, log: ProblemLog, known_ids: set[str],
                    registry_ids: frozenset[str]) -> tuple[list[dict], list[match.Alias]]:
    """The matching entities and aliases whose ids agree with the other sources.

    An added entity may not reuse an id of ``known_ids``; an alias must name a known or added
    entity, a registry record as ``lei:<LEI>`` (one of ``registry_ids``) or ``no match``.
    """
    added, ids, bad = [], set(known_ids), []
    for r in _records(con, "SELECT * FROM core_matching__entities ORDER BY origin_row"):
        if r["entity_id"] in ids:
            bad.append((r["origin_row"], "entity_id", "duplicate_id",
                        "entity id missing, repeated, or reserved ('name:', 'lei:')", r["entity_id"]))
            continue
        ids.add(r["entity_id"])
        added.append(r)
    _reject(log, "matching/entities.csv", bad)
    aliases, bad = [], []
    for r in _records(con, "SELECT * FROM core_matching__aliases ORDER BY origin_row"):
        target = r["entity_id"]
        if target is not None and target not in ids and target not in registry_ids:
            bad.append((r["origin_row"], "entity", "unknown_entity",
                        "names no entity of curated/entities.csv or matching/entities.csv "
                        "nor a record of gleif/legal_names.csv (lei:<LEI>)", target))
            continue
        aliases.append(match.Alias(r["alias"], target, r["reason"], r["source"], int(r["origin_row"])))
    _reject(log, "matching/aliases.csv", bad)
    return added, aliases


#: every owner name of the layer sources, one row per mention: name, file, row, context, asset country, the
#: row's source URL, the kind (an index of :data:`_KINDS`), in the order the sources list them
MENTIONS_SQL = """
    SELECT owner_name AS name, origin_file AS file, origin_row AS row, 'cable ' || cable_id AS context,
           '' AS asset_country, 'https://www.submarinecablemap.com/submarine-cable/' || cable_id AS url, 0 AS kind,
           0 AS part, origin_row AS r, part AS sub
    FROM core_cables__owner_mentions
    UNION ALL
    SELECT s.entity_name, s.origin_file, s.origin_row, s.gem_asset_id || ' ' || s.level, coalesce(a.country_code, ''),
           coalesce(s.detail_url, 'https://globalenergymonitor.org/projects/europe-gas-tracker/'), 1, 1, s.origin_row, 0
    FROM core_gem__stakes s LEFT JOIN core_gem__assets a USING (asset_id)
    UNION ALL
    SELECT holder, origin_file, origin_row, 'census terminal ' || terminal, coalesce(left(unlocode, 2), ''),
           source_url, 2, 2, origin_row, 0
    FROM core_census__stakes
    UNION ALL
    SELECT holder, origin_file, origin_row, 'census holder ' || holder, '', source_url, 3, 3, origin_row, 0
    FROM core_census__holders
    UNION ALL
    SELECT parent, origin_file, origin_row, 'parent of census holder ' || holder, '', source_url, 4, 3, origin_row, 1
    FROM core_census__holders WHERE parent <> ''
    ORDER BY part, r, sub"""
#: (source id, column) of each kind of :data:`MENTIONS_SQL`
_KINDS = (("submarine-cables", "owner"), ("gem-europe-gas", "entity_name"), ("census", "holder"),
          ("census", "holder"), ("census", "parent"))


def mentions(con: duckdb.DuckDBPyConnection) -> tuple[list[match.Mention], dict[tuple[str, int], str]]:
    """Every owner name of the layer sources, and the source URL of each (file, row).

    One query, fetched column by column; the mentions are made from the columns (no row tuples).
    """
    cols = con.execute(f"SELECT * EXCLUDE (part, r, sub) FROM ({MENTIONS_SQL})").fetchnumpy()
    kinds = cols["kind"]
    names, files, rows, contexts, countries, urls = (
        cols[c].tolist() for c in ("name", "file", "row", "context", "asset_country", "url"))
    sources, columns = (np.array(k, dtype=object)[kinds].tolist() for k in zip(*_KINDS))
    blank = repeat("")
    out = list(map(_MENTION, zip(names, sources, files, rows, columns, contexts, blank, blank, countries)))
    return out, dict(zip(zip(files, rows), urls))


def known_entities(known: list[dict], added: list[dict], owners: list[dict] = ()) -> list[match.KnownEntity]:
    """The entities names may resolve to: the known ones (name and LEI legal name), the added ones
    and the owner register's own entities (name and GLEIF legal name)."""
    out = []
    for r in owners:
        other = tuple(x for x in [r.get("lei_legal_name")] if x)
        out.append(match.KnownEntity(r["entity_id"], r["entity_name"], r.get("lei") or "", "", other))
    for r in known:
        other = tuple(x for x in [r.get("lei_legal_name")] if x)
        out.append(match.KnownEntity(r["entity_id"], r["entity_name"], r.get("lei") or "", "", other))
    for r in added:
        out.append(match.KnownEntity(r["entity_id"], r["entity_name"], r["lei"] or "", r["gem_entity_id"] or ""))
    return out


def _names_by_entity(result: match.MatchResult) -> dict[str, list]:
    """The matched names of ``result`` by the entity they resolve to (one pass over the names)."""
    out: dict[str, list] = {}
    for n in result.names:
        out.setdefault(n.entity_id, []).append(n)
    return out


def _sources_of(names: list) -> list[str]:
    return sorted({SOURCE_LABELS.get(m.source_id, m.source_id) for n in names for m in n.mentions})


def registry_entity_rows(result: match.MatchResult, log: ProblemLog) -> list[dict]:
    """One entity row per GLEIF record that names matched (and that is no known entity)."""
    rows, by_entity = [], _names_by_entity(result)
    for e in result.registry_entities:
        r = e.record
        sources = _sources_of(by_entity.get(e.entity_id, []))
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
            "override_reason": None, "origin_file": r.origin_file or None, "origin_row": r.origin_row or None,
            "source_id": None})
        if not r.country:
            log.add(e.first.file, e.first.row, e.first.column, "owner_country_unknown", WARNING,
                    f"owner {e.names[0]!r} matches GLEIF record {r.lei}, which has no valid country: its holdings "
                    "count as unknown, not clean", e.names[0])
    return rows


def new_entity_rows(result: match.MatchResult, urls: dict, log: ProblemLog, stated=None) -> list[dict]:
    """One entity row per unmatched name; warnings for placeholders and ambiguous names.

    ``stated(rows)`` (optional) gives some rows a country a source states (the census holders,
    :func:`.census.holder_countries`); only the rows left without one are warned about."""
    rows, by_entity = [], _names_by_entity(result)
    for e in result.new_entities:
        names = by_entity.get(e.entity_id, [])
        how = sorted({n.method for n in names})
        sources = _sources_of(names)
        rows.append({
            "entity_id": e.entity_id, "entity_name": e.name, "lei": None, "lei_match": None, "lei_legal_name": None,
            "lei_related": None, "lei_source_url": None, "jurisdiction_code": None, "hq_country_code": None,
            "entity_type": "unknown", "entity_type_raw": "not stated by the source",
            "state_owned_note": None, "source_url": urls.get((e.first.file, e.first.row)),
            "note": (f"Named by {' and '.join(sources)} as an owner ({e.n_mentions} mention(s)); not matched to a known "
                     f"entity ({', '.join(how)}); spelled {'; '.join(e.names)}; the source gives no country."),
            "override_reason": None, "origin_file": e.first.file, "origin_row": e.first.row, "source_id": None})
    if stated is not None:
        stated(rows)
    for e, r in zip(result.new_entities, rows):
        if r["hq_country_code"]:
            continue
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


def gem_hq_entity_rows(result: match.MatchResult) -> list[dict]:
    """One entity per GEM parent name that unmatched names equal: GEM's headquarters country."""
    rows, by_entity = [], _names_by_entity(result)
    for e in result.gem_hq_entities:
        p0 = e.parents[0]
        pairs = "; ".join(f"{p.country} (gem-ownership/parent_hq_country.csv row {p.row}"
                          + (f", corrected from GEM's {p.corrected_from}" if p.corrected_from else "") + ")"
                          for p in e.parents)
        rows.append({
            "entity_id": e.entity_id, "entity_name": e.name, "lei": None, "lei_match": None, "lei_legal_name": None,
            "lei_related": None, "lei_source_url": None, "jurisdiction_code": None, "hq_country_code": p0.country,
            "entity_type": "unknown", "entity_type_raw": "not stated by GEM",
            "state_owned_note": None, "source_url": p0.source_url or None,
            "note": (f"Named by {' and '.join(_sources_of(by_entity.get(e.entity_id, [])))} as an owner ({e.n_mentions} "
                     f"mention(s)), spelled {'; '.join(e.names)}; GEM's parent -> headquarters-country table "
                     f"(African and Asian trackers) gives {pairs}"
                     + ("; GEM gives several countries: the others are listed in alt_country_codes"
                        if len(e.countries) > 1 else "") + "."),
            "override_reason": None, "origin_file": "gem-ownership/parent_hq_country.csv", "origin_row": p0.row,
            "source_id": "gem-ownership"})
    return rows


def write_tables(con: duckdb.DuckDBPyConnection, result: match.MatchResult, entities: list[dict]) -> None:
    """Write ``core_match__names``, ``core_match__mentions`` and ``core_match__entities``, each sorted
    stably by its key (:func:`_key_order`): ties keep their order, as they always did.

    The tables are made column by column, the mentions' columns straight from the mention tuples."""
    names = [(n.name, n.key, n.method, n.method in match.MATCHED, n.entity_id, n.entity_name, n.score,
              ("; ".join([f"{e} {s:g}" for e, s in n.candidates]) or None) if n.candidates else None, n.detail or None,
              len(n.mentions), ", ".join(sorted(set(map(_SOURCE_ID, n.mentions)))), n.scope or None)
             for n in result.names]
    found = [m for n in result.names for m in n.mentions]
    counts = [len(n.mentions) for n in result.names]
    name, source_id, file, row, column, context, _, _, country = zip(*found) if found else [()] * 9
    ms = {"source_id": source_id, "file": file, "row": row, "column_name": column, "context": context, "name": name,
          "entity_id": list(chain.from_iterable(map(repeat, (n.entity_id for n in result.names), counts))),
          "method": list(chain.from_iterable(map(repeat, (n.method for n in result.names), counts))),
          "asset_country_code": [c or None for c in country]}
    ents = {c: [v if v is None or type(v) is str else _text(v) for v in [r.get(c) for r in entities]]
            for c in ENTITY_COLS[:-2]}
    ents["origin_row"] = [r.get("origin_row") for r in entities]
    ents["source_id"] = [_text(r.get("source_id")) for r in entities]
    for table, columns, cols, keys in (
            ("core_match__names", dict(zip(NAME_COLS, zip(*names))) if names else {}, NAME_COLS, ["name", "scope"]),
            ("core_match__mentions", ms, MENTION_COLS, ["file", "row", "name"]),
            ("core_match__entities", ents, ENTITY_COLS, ["entity_id"])):
        arrays = {c: pa.array(columns.get(c, ()), _TYPES.get(c, pa.string()), from_pandas=True) for c in cols}
        order = _key_order(arrays, keys)
        db.write_columns(con, table, {c: a.take(order) for c, a in arrays.items()},
                         {c: a.type for c, a in arrays.items()})


def _key_order(arrays: dict[str, pa.Array], keys: list[str]) -> pa.Array:
    """The row order of a stable sort by the ``keys`` columns, ascending, NULLs last (Arrow's sort is
    stable; it compares text by its UTF-8 bytes, which orders as Python orders the strings).

    Examples
    --------
    >>> _key_order({"k": pa.array(["b", None, "a", "b"]), "i": pa.array([2, 1, 1, 1])}, ["k"]).to_pylist()
    [2, 0, 3, 1]
    """
    return pc.sort_indices(pa.table({k: arrays[k] for k in keys}), sort_keys=[(k, "ascending") for k in keys])


def _text(v) -> str | None:
    """A value as the text column holds it (None and NaN: NULL)."""
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def run(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Match every owner name of the layers and write the ``core_match__*`` tables (module docstring)."""
    known = _records(con, KNOWN_SQL)
    registry = registry_records(con)
    registry_ids = frozenset(r.entity_id for r in registry)
    omap = register.owner_map(con)
    owners = register.owner_entity_rows(omap)
    known_ids = {r["entity_id"] for r in known} | {r["entity_id"] for r in owners}
    added, aliases = matching_tables(con, log, known_ids, registry_ids)
    for r in added:
        r["source_id"] = None
    register.enrich(added, omap)
    entity_ids = known_ids | {r["entity_id"] for r in added}
    decisions = register.decisions(con, log, omap, entity_ids, registry_ids)
    links = register.owner_links(con, log, omap, entity_ids, settings.thresholds.majority)
    _write_owner_links(con, links)
    parents = register.gem_parents(con)
    ms, urls = mentions(con)
    result = match.match(ms, known_entities(known, added, owners), aliases, settings.match_fuzzy_threshold, registry,
                         decisions, parents)
    _log_overrides(result, log)
    new = new_entity_rows(result, urls, log, stated=lambda rows: census.holder_countries(con, rows))
    write_tables(con, result, [*added, *owners, *registry_entity_rows(result, log), *gem_hq_entity_rows(result), *new])
    conflicts.write(con, result, parents)
    return result


#: the columns of core_match__owner_links that are not text (the dates: the units the owner register's
#: dates and times were written in through a frame before, as read by core_ownership__links.sql)
_LINK_TYPES = {"share_fraction": pa.float64(), "share_min_fraction": pa.float64(), "share_max_fraction": pa.float64(),
               "is_control": pa.bool_(), "as_of_date": pa.timestamp("us"), "source_date": pa.timestamp("s"),
               "origin_row": pa.int64()}


def _write_owner_links(con: duckdb.DuckDBPyConnection, links: list[dict]) -> None:
    """Write ``core_match__owner_links`` (sorted by link id) from the register's links, column by column.

    A date or time column holds dates or times (or nothing); either is converted to the column's type.
    """
    types = {c: _LINK_TYPES.get(c, pa.string()) for c in register.LINK_COLS}
    columns = {}
    for c, t in types.items():
        values = [r[c] for r in links]
        columns[c] = pa.array(values).cast(t) if pa.types.is_timestamp(t) else pa.array(values, t, from_pandas=True)
    db.write_columns(con, "core_match__owner_links", columns, types, order_by=["link_id"])


def _log_overrides(result: match.MatchResult, log: ProblemLog) -> None:
    """A register decision the alias table contradicts: the alias wins, the conflict is listed."""
    for n in result.names:
        if n.overridden:
            row, eid = n.overridden
            log.add(register.NAMES_FILE, row, "owner_id", "alias_over_register", WARNING,
                    f"matching/aliases.csv decides {n.name!r} as {n.entity_id or 'no match'}; the owner register "
                    f"says {eid}: the alias wins", n.name)
