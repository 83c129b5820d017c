"""How far owner knowledge reaches: the coverage figures of ``infrarisk match-report``.

Inputs (a database after integrate and resolve): ``core_match__mentions`` (every owner name of the
gas and cable sources, with the entity it resolves to; placeholders resolve to none),
``core_curated__telecom_stakes`` (the curated telecom owners, entity ids already),
``core_ownership__entities`` (which source made each entity) and
``out_ownership__entity_control`` (each entity's controlling country, chains resolved).

Output (:func:`coverage`): a dict — mentions with a known controlling country, over **every owner
mention** (placeholders such as ``Other`` or ``unknown`` count, as unresolved) and over the mentions
that name a holder (placeholders left out); the same by dataset, by matching method and by the
source of the entity; the largest names left without a controlling country.

:func:`run_in_memory` loads the datasets, integrates and resolves into a fresh in-memory database
(no build needed) and returns the match result, the problem log and the coverage.
"""

from __future__ import annotations

import duckdb

from .. import db, match
from ..problems import ProblemLog
from ..settings import Settings

MENTIONS_SQL = """
WITH m AS (
    SELECT CASE source_id WHEN 'gem-europe-gas' THEN 'gas' WHEN 'submarine-cables' THEN 'cable' END AS dataset,
           name, entity_id, method
    FROM core_match__mentions
    WHERE source_id IN ('gem-europe-gas', 'submarine-cables')  -- the census's holders are counted by its own report
    UNION ALL
    SELECT 'telecom', owner_entity_id, owner_entity_id, 'curated id' FROM core_curated__telecom_stakes
)
SELECT m.dataset, m.name, m.entity_id, m.method, c.controlling_country_code,
       CASE WHEN m.entity_id IS NULL THEN 'placeholder'
            WHEN e.source_id IS NOT NULL THEN e.source_id
            WHEN m.entity_id LIKE 'lei:%' THEN 'gleif'
            WHEN m.entity_id LIKE 'name:%' THEN 'none (own new entity)'
            ELSE 'matching' END AS entity_source
FROM m
LEFT JOIN core_ownership__entities e USING (entity_id)
LEFT JOIN out_ownership__entity_control c USING (entity_id)
"""


def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 1) if d else 0.0


def _tally(rows: list[tuple], key) -> dict:
    out: dict[str, dict] = {}
    for r in rows:
        t = out.setdefault(key(r), {"mentions": 0, "with_country": 0})
        t["mentions"] += 1
        t["with_country"] += r[4] is not None
    for t in out.values():
        t["pct"] = _pct(t["with_country"], t["mentions"])
    return dict(sorted(out.items()))


def coverage(con: duckdb.DuckDBPyConnection, top: int = 25) -> dict:
    """The coverage figures (module docstring) of a database after integrate and resolve."""
    rows = con.execute(MENTIONS_SQL).fetchall()
    known = sum(1 for r in rows if r[4] is not None)
    holders = [r for r in rows if r[2] is not None]
    unresolved: dict[tuple, int] = {}
    for r in holders:
        if r[4] is None:
            unresolved[(r[1], r[2], r[3])] = unresolved.get((r[1], r[2], r[3]), 0) + 1
    largest = sorted(unresolved.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {
        "denominator": ("every owner mention of the GEM gas rows, the TeleGeography cable owner lists and the "
                        "curated telecom stakes; placeholders ('Other', 'unknown', ...) count as unresolved in "
                        "'pct_all' and are left out of 'pct_holders'"),
        "mentions": len(rows), "placeholders": len(rows) - len(holders), "with_country": known,
        "pct_all": _pct(known, len(rows)), "pct_holders": _pct(known, len(holders)),
        "by_dataset": _tally(rows, lambda r: r[0]),
        "by_method": _tally(rows, lambda r: r[3] or "placeholder"),
        "by_entity_source": _tally(rows, lambda r: r[5]),
        "largest_unresolved": [{"name": n, "entity_id": e, "method": m, "mentions": k}
                               for (n, e, m), k in largest],
    }


def report_lines(cov: dict) -> list[str]:
    """The coverage part of the human report."""
    lines = ["", "== owner mentions with a known controlling country",
             f"denominator: {cov['denominator']}",
             f"all mentions: {cov['with_country']} of {cov['mentions']} = {cov['pct_all']}%   "
             f"(placeholders {cov['placeholders']}; of the mentions naming a holder: {cov['pct_holders']}%)"]
    for title in ("by_dataset", "by_method", "by_entity_source"):
        lines.append(f"{title.replace('_', ' ')}:")
        for k, t in cov[title].items():
            lines.append(f"  {k:24} {t['with_country']:6} of {t['mentions']:6} = {t['pct']:5.1f}%")
    lines.append(f"largest names without a controlling country ({len(cov['largest_unresolved'])} shown):")
    for u in cov["largest_unresolved"]:
        lines.append(f"  {u['mentions']:5}  {u['name']!r} -> {u['entity_id']} ({u['method']})")
    return lines


def run_in_memory(settings: Settings) -> tuple[match.MatchResult, ProblemLog, dict]:
    """Load, integrate and resolve the datasets on disk into a fresh in-memory database."""
    from .. import ownership
    from ..sources import load_all
    from . import run

    con, log = db.connect(None), ProblemLog()
    try:
        load_all(con, settings, log)
        result = run(con, settings, log)
        ownership.resolve(con, settings)
        return result, log, coverage(con)
    finally:
        con.close()
