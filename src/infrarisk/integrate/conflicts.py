"""Where sources disagree about an owner: every reading kept, with its source, in ``core_match__conflicts``.

Inputs: ``core_curated__entities`` and ``core_curated__parent_links`` (curated), ``core_matching__entities``,
``core_owners__owners``
with ``core_match__owner_map`` (the owner register), ``core_gleifnames__legal_names`` (GLEIF legal
address), GEM's parent -> HQ pairs (:class:`~infrarisk.match.GemParent`), the match result (which
names mean which entity) and the register's links as integrated (``core_match__owner_links``).

Output ``core_match__conflicts`` (``entity_id, field, value, source_id, source_url, detail``), one row
per reading, only for entities whose readings differ:

- ``seat_country``: the curated (or ``matching/entities.csv``) headquarters, the register's seat, the legal-address country of the
  entity's LEI in GLEIF, and GEM's headquarters country of a parent name that means the entity;
- ``controlling_parent``: the controlling parents the curated parent links and the register's current
  control links name, where they name different parents.

``core_ownership__entities.alt_country_codes`` lists the seat-country readings other than the
entity's ``hq_country_code`` (sorted; empty when the sources agree), so the score stage can band on
the more exposed reading.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from .. import db, match

COLS = ["entity_id", "field", "value", "source_id", "source_url", "detail"]


def seat_readings(con: duckdb.DuckDBPyConnection, result: match.MatchResult,
                  parents: list[match.GemParent]) -> list[tuple]:
    """Every seat-country reading of every entity (agreeing ones included), as tuples of :data:`COLS`."""
    rows = con.execute("""
        SELECT entity_id, 'seat_country', hq_country_code, 'curated', source_url, 'curated headquarters country'
        FROM core_curated__entities WHERE hq_country_code IS NOT NULL
        UNION ALL
        SELECT entity_id, 'seat_country', hq_country_code, 'matching', source_url,
               'matching/entities.csv headquarters country'
        FROM core_matching__entities WHERE hq_country_code IS NOT NULL
        UNION ALL
        SELECT m.entity_id, 'seat_country', o.seat_country_code, 'owners', o.source_url,
               'owner register seat (owners/owners.csv row ' || o.origin_row || ')'
        FROM core_owners__owners o JOIN core_match__owner_map m USING (owner_id)
        WHERE o.seat_country_code IS NOT NULL
        UNION ALL
        SELECT e.entity_id, 'seat_country', g.country_code, 'gleif', g.source_url,
               'GLEIF legal-address country of LEI ' || g.lei
        FROM (SELECT entity_id, CAST(lei AS VARCHAR) AS lei FROM core_curated__entities
              UNION SELECT m.entity_id, o.lei FROM core_owners__owners o JOIN core_match__owner_map m USING (owner_id))
             e JOIN core_gleifnames__legal_names g ON g.lei = e.lei
        WHERE g.country_code IS NOT NULL""").fetchall()
    by_key: dict[str, list[match.GemParent]] = {}
    for p in parents:
        by_key.setdefault(match.normalise(p.name), []).append(p)
    seen = set()
    for n in result.names:
        if n.entity_id is None or n.method == "placeholder":
            continue
        for p in by_key.get(n.key, []):
            if (n.entity_id, p.name, p.country) in seen:
                continue
            seen.add((n.entity_id, p.name, p.country))
            rows.append((n.entity_id, "seat_country", p.country, "gem-ownership", p.source_url,
                         f"GEM headquarters country of parent {p.name!r} (gem-ownership/parent_hq_country.csv row "
                         f"{p.row}" + (f", corrected from {p.corrected_from}" if p.corrected_from else "") + ")"))
    return rows


def parent_readings(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The controlling parents named by the curated links and by the register's current control links,
    as tuples of :data:`COLS`."""
    return con.execute("""
        SELECT subject_entity_id, 'controlling_parent', owner_entity_id, 'curated', source_url,
               'curated parent link ' || link_id
        FROM core_curated__parent_links
        WHERE status = 'current' AND (coalesce(is_control_kind, false) OR coalesce(share_fraction, 0) > 0.5
                                      OR relationship IN ('direct parent', 'ultimate parent'))
        UNION ALL
        SELECT child_entity_id, 'controlling_parent', parent_entity_id, 'owners', source_url,
               'owner register link (owners/owner_links.csv row ' || origin_row || ')'
        FROM core_match__owner_links WHERE is_control AND status = 'current'""").fetchall()


def write(con: duckdb.DuckDBPyConnection, result: match.MatchResult, parents: list[match.GemParent]) -> list[dict]:
    """Write ``core_match__conflicts``: the readings of the entities whose sources disagree; returns them."""
    rows, seen = [], set()
    for r in seat_readings(con, result, parents) + parent_readings(con):  # each reading once, the first kept
        k = r[:4]  # entity, field, value, source
        if k not in seen:
            seen.add(k)
            rows.append(r)
    values, sources = {}, {}
    for e, f, value, source, _, _ in rows:
        if value is not None:
            values.setdefault((e, f), set()).add(value)
        if source is not None:
            sources.setdefault((e, f), set()).add(source)
    # several parents from one source are co-owners; a conflict is two sources disagreeing
    rows = [r for r in rows if len(values.get(r[:2], ())) > 1
            and (r[1] == "seat_country" or len(sources.get(r[:2], ())) > 1)]
    db.write_columns(con, "core_match__conflicts", dict(zip(COLS, zip(*rows))) if rows else dict.fromkeys(COLS, ()),
                     dict.fromkeys(COLS, pa.string()), order_by=["entity_id", "field", "value", "source_id"])
    return [dict(zip(COLS, r)) for r in rows]
