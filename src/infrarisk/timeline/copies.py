"""The timeline's copies: each date's assets and everything above them, resolved and scored at once.

Contract: inputs are the work of :func:`infrarisk.timeline.states.assign` (date -> assets), the
temporary table ``_timeline_link_states``, and the tables the resolve and score stages read
(``main``); outputs are the scratch schema's tables (:data:`SCHEMA`, ``timeline`` in the in-memory
database :data:`SCRATCH`, which must be first on the cursor's search path): one disjoint copy per date, ids prefixed ``tNNNNN|`` (:func:`make_copies`),
then ``out_exposure__assets`` of all copies and the ports the INGE2 claim counts in them
(:func:`resolve_bands_only`, :func:`score_bands_only`: the stages' own functions, without the
tables no band reads).
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from .. import db, ownership, score, vocab
from ..findings import inge2
from ..ownership import network
from ..profiles import Profile
from ..settings import Settings
from ..ownership.subgraph import reach

#: the in-memory database the copies live in (attached for the stage: nothing of them reaches the file)
SCRATCH = "tl_scratch"
SCHEMA = f"{SCRATCH}.timeline"
#: tables keyed by asset id that the resolve and score stages read (copied with the copies' ids)
ASSET_KEYED = ("core_cables__owner_mentions", "core_gem__stakes", "core_assets__census_map")


PREFIX_LEN = 7
#: the columns of ``core_ownership__entities`` the resolve and score stages read (a regular
#: expression: those the table has; ``ownership/sql/_ownership_entities_keyed.sql``, the names of
#: :func:`infrarisk.ownership.build_graph`, :func:`infrarisk.score.alt_countries`) besides the id
#: and number; the copies keep these only (a column read later but missing here fails loudly)
ENTITY_COLUMNS = "^(entity_name|entity_type|jurisdiction_code|hq_country_code|source_id|alt_country_codes)$"


def prefix(k: int) -> str:
    """The id prefix of copy ``k`` (fixed length: each copy keeps the order of the ids)."""
    return f"t{k:05d}|"


def make_copies(cur, work: dict[date, set], up, terminals) -> None:
    """The scratch schema's tables: one disjoint copy per date of ``work`` (its assets, their
    terminals, everything above them, the links in that date's state), ids prefixed ``tNNNNN|``.
    The links keep the columns the resolve and score stages read of them only
    (``ownership/sql/_ownership_links_keyed.sql``, ``_ownership_members_complete.sql``; a
    column read later but missing here fails loudly): the rest (sources, notes) is most of a row."""
    nodes, assets = [], []
    for k, (d, todo) in enumerate(sorted(work.items())):
        pre = prefix(k)
        members = set(todo) | {t for a in todo for t in terminals.get(a, ())}
        assets += [(pre, a) for a in sorted(members)]
        nodes += [(pre, d, n) for n in sorted(reach(members, up))]
    s = pa.string()
    cur.register("_tl_nodes_arrow", pa.table([pa.array(c, t) for c, t in zip(zip(*nodes), (s, pa.date32(), s))]
                                             if nodes else [pa.array([], t) for t in (s, pa.date32(), s)],
                                             names=["prefix", "day", "node_id"]))
    cur.register("_tl_assets_arrow", pa.table([pa.array(c, s) for c in zip(*assets)] if assets
                                              else [pa.array([], s)] * 2, names=["prefix", "asset_id"]))
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE _tl_nodes AS SELECT * FROM _tl_nodes_arrow")
        cur.execute("CREATE OR REPLACE TEMP TABLE _tl_assets AS SELECT * FROM _tl_assets_arrow")
    finally:
        cur.unregister("_tl_nodes_arrow")
        cur.unregister("_tl_assets_arrow")
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__entities AS
        SELECT c.prefix || e.entity_id AS entity_id,
               row_number() OVER (ORDER BY c.prefix || e.entity_id) - 1 AS entity_no, COLUMNS('{ENTITY_COLUMNS}')
        FROM main.core_ownership__entities e JOIN _tl_nodes c ON c.node_id = e.entity_id
        ORDER BY entity_id""")
    if not cur.execute(f"SELECT count(*) FROM {SCHEMA}.core_ownership__entities").fetchone()[0]:
        # the loader needs an entity: one, alone in the first copy (no link reaches it, nothing changes)
        cur.execute(f"""INSERT INTO {SCHEMA}.core_ownership__entities
            SELECT '{prefix(0)}' || entity_id AS entity_id, 0 AS entity_no, COLUMNS('{ENTITY_COLUMNS}')
            FROM main.core_ownership__entities ORDER BY entity_id LIMIT 1""")
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_assets__assets AS
        SELECT a.* REPLACE (c.prefix || a.asset_id AS asset_id, c.prefix || a.parent_asset_id AS parent_asset_id)
        FROM main.core_assets__assets a JOIN _tl_assets c USING (asset_id) ORDER BY asset_id""")
    present = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                                         ).fetchall()}
    for t in ASSET_KEYED:
        if t in present:
            cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.{t} AS SELECT m.* REPLACE (c.prefix || m.asset_id AS asset_id)
                            FROM main.{t} m JOIN _tl_assets c USING (asset_id)""")
    # each copy's subjects take the state of the last evaluated day on or before the copy's day
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__links AS
        WITH evaluated AS (SELECT DISTINCT subject_kind, subject_id, day FROM _timeline_link_states),
        picked AS (
            SELECT c.prefix, e.subject_kind, e.subject_id, e.day
            FROM _tl_nodes c ASOF JOIN evaluated e ON c.node_id = e.subject_id AND c.day >= e.day
        ),
        dated AS (
            SELECT p.prefix, s.* FROM picked p JOIN _timeline_link_states s USING (subject_kind, subject_id, day)
        )
        SELECT l.link_id, l.subject_kind, d.prefix || l.subject_id AS subject_id,
               d.prefix || l.owner_entity_id AS owner_entity_id, eo.entity_no AS owner_no,
               CASE WHEN l.subject_kind <> 'asset' THEN es.entity_no END AS subject_no,
               l.interest_type, l.relationship, d.share_min, d.share_max, d.is_current, d.is_control,
               l.is_control_stated, d.control_basis, l.is_share_stated, l.source_id
        FROM main.core_ownership__links l
        JOIN dated d ON d.subject_kind = l.subject_kind AND d.subject_id = l.subject_id AND d.link_id = l.link_id
            AND d.owner_entity_id IS NOT DISTINCT FROM l.owner_entity_id
        LEFT JOIN {SCHEMA}.core_ownership__entities eo ON eo.entity_id = d.prefix || l.owner_entity_id
        LEFT JOIN {SCHEMA}.core_ownership__entities es ON es.entity_id = d.prefix || l.subject_id
            AND l.subject_kind <> 'asset'
        ORDER BY subject_kind, subject_id, owner_entity_id, link_id""")


def resolve_bands_only(con: duckdb.DuckDBPyConnection, settings: Settings) -> ownership.OwnershipGraph:
    """:func:`infrarisk.ownership.resolve` without the tables no band reads: the same load, control
    and graph (the score stage's input), and an empty ``out_ownership__asset_controllers`` (the
    controller columns of ``out_exposure__assets``, not read here). The per-asset owner and
    country tables it leaves out cost a dense solve per 256 assets against every root of the copies."""
    majority = settings.thresholds.majority
    loaded = ownership.load_network(con, settings)
    net = loaded.net
    ctl, _ = network.controllers(net)
    top, _depth = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    g = ownership.build_graph(con, settings, loaded)
    nodes = g.nodes
    new = np.full(net.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))

    def sub(x):  # as in resolve: whole-graph node numbers -> the scope's
        x = x[nodes]
        return np.where(x >= 0, new[np.maximum(x, 0)], -1)

    s_ctl = sub(ctl)
    g._control[majority] = ownership.Control.from_arrays(g.net, s_ctl, sub(top), cc[nodes], basis[nodes],
                                                         network.control_conflicts(g.net, s_ctl))
    con.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.out_ownership__asset_controllers (asset_id VARCHAR,
                   controller_entity_id VARCHAR, control_chain VARCHAR, controlling_country_code VARCHAR)""")
    return g


def score_bands_only(con: duckdb.DuckDBPyConnection, g: ownership.OwnershipGraph, profile: Profile,
                     settings: Settings) -> dict[str, bool]:
    """:func:`infrarisk.score.score` without the evidence (paths, edges, control steps): the same
    rows per asset and group (:func:`infrarisk.score._group_row`, the more exposed reading, the census
    statements; no band reasons, which no band reads), then ``out_exposure__ports`` and
    ``out_exposure__assets`` as the score stage writes them. Returns the ports of ``out_inge2__ports``
    and their ``is_via_special_regions_only`` (:func:`infrarisk.findings.inge2.counted_ports`: no
    holders, shares or sources, which the timeline does not read)."""
    majority = settings.thresholds.majority
    ctl = ownership.control(g, majority)
    assets = [v for v in range(g.n) if g.is_asset[v]]
    operators = set(vocab.operator_interest_types())
    alt = score.alt_countries(con, g)
    rows, held = [], {}
    for grp in profile.groups:
        member, exposed, switched = score.exposed_members(g, ctl, profile.members(grp), majority, alt)
        lo, hi = ownership.held_share(g, member, ctl)
        held[grp.id] = (member, lo, hi)
        xlo, xhi = ownership.held_share(g, exposed, ctl) if switched else (lo, hi)
        for a in assets:
            r = score._group_row(g, ctl, a, grp, member, lo, hi, operators, settings, reason=False)
            if switched:
                r1 = score._group_row(g, ctl, a, grp, exposed, xlo, xhi, operators, settings, reason=False)
                if (score.SEVERITY[r1["band"]], r1["share_min"], r1["share_max"]) > (
                        score.SEVERITY[r["band"]], r["share_min"], r["share_max"]):
                    r = {**r1, "is_more_exposed_reading": True}
            rows.append(r)
    score.write_groups(con, score.census_statements(con, rows))
    db.run_sql(con, "out/out_exposure__ports")
    db.run_sql(con, "out/out_exposure__assets", {"profile_name": profile.name})
    return inge2.counted_ports(con, g, ctl, profile, settings, held)
