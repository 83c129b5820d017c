"""The owner register and GEM's parent -> HQ pairs joined to the other sources' entities.

Inputs (tables written by the loaders): ``core_owners__owners``, ``core_owners__links``,
``core_owners__names`` (the owner register, :mod:`infrarisk.sources.owners`),
``core_gemownership__parent_hq`` (GEM's pairs, corrected), ``core_curated__entities``,
``core_curated__parent_links``, ``core_registry__entities`` / ``core_registry__entity_map``.

Outputs:

- :func:`owner_map` -> ``core_match__owner_map`` (``owner_id, entity_id, matched_by``): a register
  owner whose id is a curated entity id, or whose LEI is a curated entity's, enriches that curated
  entity (``curated id`` / ``curated LEI``: curated fields win, the register fills what is blank),
  one whose id is an entity of ``matching/entities.csv`` enriches it the same way (``matching id``);
  a ``lei:<LEI>`` owner that is a registry entity enriches it (``registry record``); every other
  owner is an entity of its own (``register``: entity id = owner id);
- :func:`owner_entity_rows`: the entity rows of the ``register`` owners (seat country as
  headquarters, source ``owners``);
- :func:`decisions`: the register's name rows as :class:`~infrarisk.match.Decision`;
- :func:`owner_links` -> ``core_match__owner_links``: parent links with both ends mapped onto
  entity ids; a superseded reading (note ``OLDER READING``, a later-dated link of the same child
  exists) is kept as a dated ``historical`` row;
- :func:`gem_parents`: GEM's pairs as :class:`~infrarisk.match.GemParent`.

Errors (each names file and row; the row is rejected and taken off the loader's count): a name or
link id that names no entity of any source; a control link that closes a loop with the curated
parent links (a loop inside the register is already rejected by its loader).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from .. import db, match
from ..problems import ERROR, ProblemLog
from ..sources.owners.load import control_loops

NAMES_FILE, LINKS_FILE, OWNERS_FILE = "owners/owner_names.csv", "owners/owner_links.csv", "owners/owners.csv"
LINK_COLS = ["link_id", "child_entity_id", "parent_entity_id", "share_fraction", "share_min_fraction",
             "share_max_fraction", "is_control", "status", "as_of_date", "as_of_precision", "source_url",
             "source_date", "note", "origin_file", "origin_row"]
#: the register's marker of a reading a later row replaces
OLDER = "OLDER READING"


def _records(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _reject(log: ProblemLog, f: str, rejected: list[tuple]) -> None:
    """Log rows the integrate stage rejects and take them off the loader's count of ``f``."""
    for row, col, check, reason, value in rejected:
        log.add(f, row, col, check, ERROR, f"{reason}; row rejected", value)
    if rejected and f in log.stats:
        st = log.stats[f]
        log.count(f, st.rows_in, st.rows_loaded - len(rejected))


#: what the owner map looks up, one row per fact: (0, curated entity id, its LEI), (1, matching entity id),
#: (2, registry entity id that is no curated entity), (3, LEI, its GLEIF legal name, country)
LOOKUP_SQL = """
    SELECT 0 AS kind, entity_id, lei, NULL AS country FROM core_curated__entities
    UNION ALL
    SELECT 1, entity_id, NULL, NULL FROM core_matching__entities
    UNION ALL
    SELECT 2, r.entity_id, NULL, NULL FROM core_registry__entities r
    ANTI JOIN core_registry__entity_map m ON m.registry_entity_id = r.entity_id
    UNION ALL
    SELECT 3, lei, legal_name, country_code FROM core_gleifnames__legal_names"""


def owner_map(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Each register owner -> the entity it is (module docstring), written to ``core_match__owner_map``.

    Returns every owner's row of ``core_owners__owners`` (by owner id) with ``entity_id``,
    ``matched_by`` and the GLEIF legal name and country of its LEI (``gleif_legal_name``,
    ``gleif_country_code``). A curated entity's LEI stands for the first curated entity (by id) that has it.
    """
    curated, matching, registry, gleif = {}, set(), set(), {}
    for kind, key, value, country in con.execute(LOOKUP_SQL).fetchall():
        if kind == 0:
            curated[key] = value
        elif kind == 1:
            matching.add(key)
        elif kind == 2:
            registry.add(key)
        else:
            gleif[key] = (value, country)
    by_lei = {}
    for eid, lei in sorted(curated.items()):
        if lei:
            by_lei.setdefault(str(lei), eid)
    out = _records(con, "SELECT * FROM core_owners__owners ORDER BY owner_id")
    for o in out:
        oid, lei = o["owner_id"], o["lei"]
        if oid in curated:
            eid, how = oid, "curated id"
        elif lei and lei in by_lei:
            eid, how = by_lei[lei], "curated LEI"
        elif oid in matching:
            eid, how = oid, "matching id"
        elif oid in registry:
            eid, how = oid, "registry record"
        else:
            eid, how = oid, "register"
        o["entity_id"], o["matched_by"] = eid, how
        o["gleif_legal_name"], o["gleif_country_code"] = (gleif.get(lei) if lei else None) or (None, None)
    cols = ("owner_id", "entity_id", "matched_by")
    db.write_columns(con, "core_match__owner_map", {c: [o[c] for o in out] for c in cols},
                     dict.fromkeys(cols, pa.string()))
    return out


def owner_entity_rows(omap: list[dict]) -> list[dict]:
    """The entity rows of the owners that are entities of their own (``register``)."""
    rows = []
    for o in omap:
        if o["matched_by"] != "register":
            continue
        dated = f", source dated {o['source_date']}" if o["source_date"] else ""
        rows.append({
            "entity_id": o["owner_id"], "entity_name": o["name"], "lei": o["lei"],
            "lei_match": "owner register" if o["lei"] else None, "lei_legal_name": o["gleif_legal_name"],
            "lei_related": None,
            "lei_source_url": f"https://search.gleif.org/#/record/{o['lei']}" if o["lei"] else None,
            "jurisdiction_code": o["gleif_country_code"], "hq_country_code": o["seat_country_code"],
            "entity_type": o["entity_type"], "entity_type_raw": "owner register",
            "state_owned_note": None, "source_url": o["source_url"],
            "note": f"Owner register ({OWNERS_FILE} row {o['origin_row']}{dated}): seat {o['seat_country_code']}"
                    + (f"; {o['note']}" if o["note"] else ""),
            "override_reason": None, "origin_file": OWNERS_FILE, "origin_row": o["origin_row"],
            "source_id": "owners"})
    return rows


def enrich(rows: list[dict], omap: list[dict]) -> None:
    """Fill the blank LEI, headquarters country, type and source of ``matching id`` entities from the register."""
    owners = {o["owner_id"]: o for o in omap if o["matched_by"] == "matching id"}
    for r in rows:
        o = owners.get(r["entity_id"])
        if o is None:
            continue
        r["lei"] = r.get("lei") or o["lei"]
        r["hq_country_code"] = r.get("hq_country_code") or o["seat_country_code"]
        if (r.get("entity_type") or "unknown") == "unknown":
            r["entity_type"] = o["entity_type"]
        r["source_url"] = r.get("source_url") or o["source_url"]


def decisions(con: duckdb.DuckDBPyConnection, log: ProblemLog, omap: list[dict], entity_ids: set[str],
              registry_ids: frozenset[str]) -> list[match.Decision]:
    """The register's name rows whose owner is an entity of some source (others: error, rejected)."""
    to_entity = {r["owner_id"]: r["entity_id"] for r in omap}
    out, bad = [], []
    for oid, name, dataset, reason, country, row in con.execute(
            "SELECT owner_id, name, dataset, reason, asset_country_code, origin_row FROM core_owners__names "
            "ORDER BY origin_row").fetchall():
        eid = to_entity.get(oid, oid)
        if eid not in entity_ids and eid not in registry_ids:
            bad.append((row, "owner_id", "unknown_entity",
                        "names no owner of owners/owners.csv, no curated, matching or registry entity "
                        "and no record of gleif/legal_names.csv (lei:<LEI>)", oid))
            continue
        out.append(match.Decision(name, dataset, eid, reason, country or "", int(row)))
    _reject(log, NAMES_FILE, bad)
    return out


def _curated_control(con: duckdb.DuckDBPyConnection, majority: float) -> list[dict]:
    return _records(con, """
        SELECT subject_entity_id AS child_id, owner_entity_id AS parent_id, origin_row
        FROM core_curated__parent_links
        WHERE coalesce(is_control_kind, false) OR coalesce(share_fraction, 0) > ?
           OR relationship IN ('direct parent', 'ultimate parent')""", [majority])


def owner_links(con: duckdb.DuckDBPyConnection, log: ProblemLog, omap: list[dict], entity_ids: set[str],
                majority: float) -> list[dict]:
    """The register's links between entities, checked across sources (module docstring)."""
    to_entity = {r["owner_id"]: r["entity_id"] for r in omap}
    kept, bad = [], []
    for r in _records(con, "SELECT * FROM core_owners__links ORDER BY origin_row"):
        ends = {c: to_entity.get(r[c], r[c]) for c in ("child_id", "parent_id")}
        missing = [c for c, e in ends.items() if e not in entity_ids]
        if missing:
            bad += [(r["origin_row"], c, "unknown_entity", "names no owner of owners/owners.csv and no entity "
                     "of another source", r[c]) for c in missing]
            continue
        if ends["child_id"] == ends["parent_id"]:
            bad.append((r["origin_row"], "parent_id", "self_link", "both ends are the same entity", r["parent_id"]))
            continue
        kept.append(dict(r, child_entity_id=ends["child_id"], parent_entity_id=ends["parent_id"]))
    # a control chain that loops across sources: the register's rows of the loop are rejected
    curated = [dict(c, is_control=True, register=False) for c in _curated_control(con, majority)]
    edges = curated + [{"child_id": k["child_entity_id"], "parent_id": k["parent_entity_id"],
                        "is_control": bool(k["is_control"]), "register": True, "origin_row": k["origin_row"]}
                       for k in kept]
    looped = set()
    for loop in control_loops(edges):
        rows = ", ".join(f"{'owners/owner_links.csv' if edges[j]['register'] else 'curated/parent_links.csv'} "
                         f"row {edges[j]['origin_row']}" for j in loop)
        for j in loop:
            if edges[j]["register"]:
                looped.add(edges[j]["origin_row"])
                bad.append((edges[j]["origin_row"], "parent_id", "control_loop",
                            f"control links loop across sources ({rows})", edges[j]["parent_id"]))
    kept = [k for k in kept if k["origin_row"] not in looped]
    _reject(log, LINKS_FILE, sorted(bad, key=lambda b: b[0]))
    latest: dict[str, object] = {}
    for k in kept:
        if k["as_of_date"] is not None:
            latest[k["child_entity_id"]] = max(latest.get(k["child_entity_id"], k["as_of_date"]), k["as_of_date"])
    out = []
    for k in kept:
        last = latest.get(k["child_entity_id"])
        older = ((k["note"] or "").startswith(OLDER) and last is not None
                 and (k["as_of_date"] is None or k["as_of_date"] < last))
        out.append({"link_id": f"owners:{k['link_key']}", "child_entity_id": k["child_entity_id"],
                    "parent_entity_id": k["parent_entity_id"], "share_fraction": k["share_fraction"],
                    "share_min_fraction": k["share_min_fraction"], "share_max_fraction": k["share_max_fraction"],
                    "is_control": bool(k["is_control"]), "status": "historical" if older else "current",
                    "as_of_date": k["as_of_date"], "as_of_precision": k["as_of_precision"],
                    "source_url": k["source_url"], "source_date": k["source_date"], "note": k["note"],
                    "origin_file": LINKS_FILE, "origin_row": k["origin_row"]})
    return out


def gem_parents(con: duckdb.DuckDBPyConnection) -> list[match.GemParent]:
    """GEM's pairs, the parent's most-cited country first."""
    return [match.GemParent(name, cc, url or "", int(row), fixed or "") for name, cc, url, row, fixed in con.execute(
        "SELECT parent_name, country_code, example_wiki_url, origin_row, corrected_from_code "
        "FROM core_gemownership__parent_hq ORDER BY parent_name, n_asset_rows DESC, country_code").fetchall()]
