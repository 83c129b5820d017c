"""Ownership resolution: control chains, ultimate controllers, look-through shares.

Inputs: ``core_ownership__entities``, ``core_ownership__links`` (current links only),
``core_assets__assets``. Outputs (see :func:`resolve`):

- ``out_ownership__entities``: per entity its controller, ultimate controller, the control
  chain, its controlling country and how that was established, whether the chain reaches
  a state;
- ``out_ownership__asset_controllers``: per asset with ownership data, its controller chain;
- ``out_ownership__asset_owners``: per asset, the look-through economic share of each
  ultimate owner (a node with no recorded owner) as ``[share_min, share_max]``, plus an
  ``unknown`` row for what no recorded owner accounts for;
- ``out_ownership__asset_countries``: per asset and country, the share held by or through
  entities controlled from that country (see :func:`held_share`);
- ``out_ownership__entity_control``, ``out_ownership__entity_countries``,
  ``out_ownership__loops``: the same for *every* entity of the database (registries
  included), on arrays (:func:`resolve_all`, :mod:`infrarisk.network`).

The per-asset tables are computed on the assets' scope only — the assets, the curated
entities and every owner above them (:func:`scope_of_assets`, a recursive query) — so
resolving a handful of assets never touches the rest of a registry; every figure of a node
depends only on its ancestors, so the scope gives the whole graph's answer.

Maths (DESIGN §3). Links of one owner in one subject are merged into one edge whose
interval spans all current values (conflicting sources become a range). Economic
look-through sums over paths the product of shares, solved exactly with
:func:`infrarisk.graph.solve`; minima use every link's lower bound, maxima its upper bound
(capped at 1). An ``ultimate parent`` link whose parent the child already reaches through
other links is kept as a control statement only, so no path is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from . import db, network
from .settings import Settings

STATE_TYPES = ("state", "state_body")
#: interests that give use or operation of an asset but no ownership: kept as operator
#: links, never counted as shares
NON_OWNERSHIP = ("operating_contract", "tenancy", "fund_management", "fund_structure")


@dataclass
class Edge:
    owner: int
    subject: int
    lo: float
    hi: float
    is_control: bool
    control_rank: int
    control_basis: str | None
    link_ids: list[str]
    is_economic: bool = True
    is_conflict: bool = False
    interest_type: str = "shareholding"


class OwnershipGraph:
    """Nodes (entities then assets) and merged current edges, over an array network.

    Built for a scope of nodes that is closed upwards (every owner of a node in it is in
    it), so every figure computed on it equals the whole graph's. The per-edge
    :class:`Edge` objects serve evidence and the site; all the maths runs on
    :attr:`net` (:class:`infrarisk.network.Network`).

    Attributes
    ----------
    ids : list of str
        Node id (entity_id or asset_id) by node index.
    is_asset : ndarray of bool
    country : list of (str or None)
        Each entity's own country (jurisdiction for states, else per the
        ``country_attribute`` setting with fallback); assets' host country.
    is_state, is_listed : ndarray of bool
    edges : list of Edge
    net : Network
    """

    def __init__(self, ids, names, is_asset, country, is_state, is_listed, edges):
        self.ids, self.names, self.edges = list(ids), list(names), list(edges)
        self.is_asset, self.is_state, self.is_listed = (np.asarray(is_asset, bool), np.asarray(is_state, bool),
                                                        np.asarray(is_listed, bool))
        self.country = list(country)
        self.index = {k: i for i, k in enumerate(self.ids)}
        self.n = len(self.ids)
        self._arrays()

    def _arrays(self):
        codes = sorted({c for c in self.country if c})
        code_of = {c: i for i, c in enumerate(codes)}
        es = self.edges
        rank = np.array([e.control_rank if e.is_control else network.RANK_NONE for e in es], dtype=np.int8)
        self.net = network.Network.from_arrays(
            self.n, [e.owner for e in es], [e.subject for e in es], [e.lo for e in es], [e.hi for e in es],
            rank=rank, is_economic=[e.is_economic for e in es],
            own_country=[code_of.get(c, -1) if c else -1 for c in self.country], country_codes=codes,
            is_state=self.is_state, is_listed=self.is_listed, is_asset=self.is_asset)
        econ = self.net.econ
        self.econ_edges = [es[i] for i in econ]
        self.src, self.dst = self.net.src[econ], self.net.dst[econ]
        self.lo, self.hi = self.net.lo[econ], self.net.hi[econ]
        self.cond = self.net.cond
        self.in_edges: dict[int, list[Edge]] = {}
        for e in es:
            self.in_edges.setdefault(e.subject, []).append(e)
        self.has_owner = self.net.has_owner
        self.known_lo = self.net.known_lo


def _own_country_sql(attribute: str) -> str:
    first, second = ("jurisdiction_code", "hq_country_code") if attribute == "jurisdiction" else (
        "hq_country_code", "jurisdiction_code")
    return (f"CASE WHEN entity_type IN {STATE_TYPES} THEN coalesce(jurisdiction_code, hq_country_code) "
            f"ELSE coalesce({first}, {second}) END")


def _node_table(con: duckdb.DuckDBPyConnection, settings: Settings, scope: str | None,
                table: str = "_graph_nodes") -> None:
    """Temporary table ``_graph_nodes``: node number (entities by id, then assets by id),
    id, name, own country and flags; restricted to the ids of table ``scope`` if given."""
    ent_filter = f"WHERE entity_id IN (SELECT id FROM {scope} WHERE kind = 'entity')" if scope else ""
    asset_filter = f"AND asset_id IN (SELECT id FROM {scope} WHERE kind = 'asset')" if scope else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT (row_number() OVER (ORDER BY is_asset, node_id) - 1)::BIGINT AS node, *
        FROM (
            SELECT entity_id AS node_id, false AS is_asset, entity_name AS name,
                   {_own_country_sql(settings.country_attribute)} AS own_country,
                   entity_type IN {STATE_TYPES} AS is_state, entity_type = 'listed_company' AS is_listed
            FROM core_ownership__entities {ent_filter}
            UNION ALL
            SELECT asset_id, true, name, country_code, false, false
            FROM core_assets__assets
            WHERE asset_id IN (SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset') {asset_filter}
        )""")


_RANKED_SQL = """
    WITH ranked AS (
        SELECT l.*, o.node AS src, s.node AS dst,
               CASE WHEN NOT l.is_control THEN 99
                    WHEN starts_with(coalesce(l.control_basis, ''), 'majority') THEN 0
                    WHEN l.relationship = 'direct parent' THEN 1
                    WHEN l.is_control_stated THEN 2
                    WHEN l.interest_type = 'concession' THEN 3
                    ELSE 4 END AS rank
        FROM core_ownership__links l
        JOIN {nodes} o ON o.node_id = l.owner_entity_id AND NOT o.is_asset
        JOIN {nodes} s ON s.node_id = l.subject_id AND s.is_asset = (l.subject_kind = 'asset')
        WHERE l.is_current
    )
"""
_EDGES_SQL = _RANKED_SQL.format(nodes="_graph_nodes") + """
    SELECT src, dst, min(share_min) AS lo, max(share_max) AS hi, bool_or(is_control) AS is_control,
           min(rank)::TINYINT AS rank, (list(control_basis ORDER BY rank, link_id))[1] AS control_basis,
           list(link_id ORDER BY link_id) AS link_ids,
           count(DISTINCT [share_min, share_max]) > 1 AS is_conflict,
           (list(interest_type ORDER BY link_id))[1] AS interest_type,
           bool_and(coalesce(relationship IN ('ultimate parent', 'indirect interest'), false)) AS is_ultimate_only
    FROM ranked
    GROUP BY src, dst
    ORDER BY dst, src
"""


_BULK_EDGES_SQL = _RANKED_SQL.format(nodes="_bulk_nodes") + """
    SELECT src, dst, min(share_min) AS lo, max(share_max) AS hi, min(rank)::TINYINT AS rank,
           NOT list_contains(?, (list(interest_type ORDER BY link_id))[1]) AS is_economic,
           bool_and(coalesce(relationship IN ('ultimate parent', 'indirect interest'), false)) AS is_ultimate_only
    FROM ranked
    GROUP BY src, dst
    ORDER BY dst, src
"""


def network_from_db(con: duckdb.DuckDBPyConnection, settings: Settings) -> network.Network:
    """Every entity and asset of the database as a :class:`~infrarisk.network.Network`
    (node numbers in temporary table ``_bulk_nodes``); links merged in SQL, arrays out."""
    _node_table(con, settings, None, table="_bulk_nodes")
    codes = [r[0] for r in con.execute("SELECT DISTINCT own_country FROM _bulk_nodes WHERE own_country IS NOT NULL "
                                       "ORDER BY 1").fetchall()]
    nodes = con.execute("""
        SELECT coalesce(list_position(?, own_country) - 1, -1)::INTEGER AS code, is_state, is_listed, is_asset
        FROM _bulk_nodes ORDER BY node""", [codes]).fetchnumpy()
    e = con.execute(_BULK_EDGES_SQL, [list(NON_OWNERSHIP)]).fetchnumpy()
    net = network.Network.from_arrays(
        len(nodes["code"]), e["src"], e["dst"], e["lo"], e["hi"], rank=e["rank"],
        is_economic=np.asarray(e["is_economic"], bool), own_country=nodes["code"], country_codes=codes,
        is_state=np.asarray(nodes["is_state"], bool), is_listed=np.asarray(nodes["is_listed"], bool),
        is_asset=np.asarray(nodes["is_asset"], bool))
    redundant = network.redundant_ultimate(net, np.asarray(e["is_ultimate_only"], bool))
    if redundant.any():
        net = network.Network.from_arrays(net.n, net.src, net.dst, net.lo, net.hi, rank=net.rank,
                                          is_economic=net.is_economic & ~redundant, own_country=net.own_country,
                                          country_codes=codes, is_state=net.is_state, is_listed=net.is_listed,
                                          is_asset=net.is_asset)
    return net


def resolve_all(con: duckdb.DuckDBPyConnection, settings: Settings) -> network.Network:
    """Control and look-through by country of *every* entity, on arrays.

    Writes ``out_ownership__entity_control`` (per entity: controller, ultimate controller,
    chain length, controlling country and basis, whether the chain ends in a control
    loop, untraced share, and ``unknown_max``: what no recorded holder accounts for along
    its chains), ``out_ownership__entity_countries`` (per entity and country with a
    non-zero share: the share held by or through entities controlled from that country;
    sparse) and ``out_ownership__loops`` (the strongly connected components).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    net = network_from_db(con, settings)
    majority = settings.thresholds.majority
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    G, unknown = network.lookthrough_by_country(net, cc)
    unt = network.untraced(net, ctl)
    # ids stay in Arrow: looked up by node number with take(), no Python object per node, and
    # rows come out in node order (= id order for entities), so nothing is sorted again
    ids = con.sql("SELECT node_id FROM _bulk_nodes ORDER BY node").to_arrow_table().column(0).combine_chunks()
    ents = np.flatnonzero(~net.is_asset)

    def id_of(idx):
        idx = np.asarray(idx, dtype=np.int64)
        return pc.take(ids, pa.array(np.maximum(idx, 0), mask=idx < 0))

    def coded(idx, vocab):
        idx = np.asarray(idx, dtype=np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(np.maximum(idx, 0), mask=idx < 0),
                                              pa.array(vocab, pa.string())).cast(pa.string())

    d = depth[ents]
    con.register("_ctl", pa.table({
        "entity_id": id_of(ents), "controller_entity_id": id_of(ctl[ents]),
        "ultimate_controller_entity_id": id_of(top[ents]),
        "chain_length": pa.array(d, mask=d < 0), "is_in_control_loop": top[ents] < 0,
        "controlling_country_code": coded(cc[ents], net.country_codes or [""]),
        "controlling_country_basis": coded(basis[ents], list(network.BASES)),
        "untraced_fraction": unt[ents], "unknown_max": unknown[ents]}))
    con.execute("CREATE OR REPLACE TABLE out_ownership__entity_control AS SELECT * FROM _ctl")
    con.unregister("_ctl")
    G = G.tocsr()
    G.sort_indices()
    rows = np.repeat(np.arange(net.n), np.diff(G.indptr))
    keep = ~net.is_asset[rows]
    con.register("_g", pa.table({"entity_id": id_of(rows[keep]),
                                 "country_code": coded(G.indices[keep], net.country_codes or [""]),
                                 "share_min": np.minimum(G.data[keep], 1.0)}))
    con.execute("CREATE OR REPLACE TABLE out_ownership__entity_countries AS SELECT * FROM _g")
    con.unregister("_g")
    loops = net.cond.loops()
    rows = sorted((id_of(comp).to_pylist() for comp in loops), key=lambda c: c[0])
    db.write_frame(con, "out_ownership__loops", pd.DataFrame(
        [{"loop_no": i, "node_ids": c, "size": len(c)} for i, c in enumerate(rows)],
        columns=["loop_no", "node_ids", "size"]), order_by=["loop_no"])
    return net


def scope_of_assets(con: duckdb.DuckDBPyConnection) -> str:
    """Temporary table ``_graph_scope(kind, id)``: the assets with ownership links, the
    entities of the curated source, and everything that owns or controls any of them
    (current links, followed upwards by a recursive query that stops at loops)."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _graph_scope AS
        WITH RECURSIVE up(kind, id) AS (
            SELECT DISTINCT 'asset', subject_id FROM core_ownership__links WHERE subject_kind = 'asset'
            UNION
            SELECT 'entity', entity_id FROM core_ownership__entities WHERE source_id = 'curated'
            UNION
            SELECT 'entity', l.owner_entity_id
            FROM core_ownership__links l JOIN up ON l.subject_kind = up.kind AND l.subject_id = up.id
            WHERE l.is_current
        )
        SELECT DISTINCT kind, id FROM up""")
    return "_graph_scope"


def build_graph(con: duckdb.DuckDBPyConnection, settings: Settings, scope: str | None = "assets") -> OwnershipGraph:
    """Read current links into an :class:`OwnershipGraph`.

    ``scope="assets"`` (default) reads only the assets, the curated entities and their
    ancestors (:func:`scope_of_assets`); ``None`` reads every entity; any other value
    names a table of ``(kind, id)`` rows closed upwards.
    """
    if scope == "assets":
        scope = scope_of_assets(con)
    _node_table(con, settings, scope)
    nodes = con.execute("SELECT node_id, name, is_asset, own_country, is_state, is_listed FROM _graph_nodes "
                        "ORDER BY node").fetchall()
    rows = con.execute(_EDGES_SQL).fetchall()
    edges = []
    ultimate_only = []
    for src, dst, lo, hi, is_ctl, rank, basis, link_ids, conflict, itype, ult in rows:
        edges.append(Edge(int(src), int(dst), float(lo), float(hi), bool(is_ctl), int(rank), basis, list(link_ids),
                          is_economic=itype not in NON_OWNERSHIP, is_conflict=bool(conflict), interest_type=itype))
        ultimate_only.append(bool(ult))
    g = OwnershipGraph([r[0] for r in nodes], [r[1] for r in nodes], [r[2] for r in nodes],
                       [r[3] for r in nodes], [r[4] for r in nodes], [r[5] for r in nodes], edges)
    redundant = network.redundant_ultimate(g.net, np.array(ultimate_only, dtype=bool))
    if redundant.any():
        for i in np.flatnonzero(redundant):
            g.edges[i].is_economic = False
        g._arrays()
    return g


# --------------------------------------------------------------------------- control
class _Chains:
    """``chain[v]``: the control chain of node ``v``, computed when asked for."""

    def __init__(self, controller: np.ndarray):
        self.controller = controller

    def __getitem__(self, v: int) -> list[int]:
        return network.chain(self.controller, int(v))

    def __len__(self) -> int:
        return len(self.controller)

    def __iter__(self):
        return (self[v] for v in range(len(self)))


@dataclass
class Control:
    """Control structure of every node.

    Attributes
    ----------
    controller : ndarray of int
        The owner that controls each node (-1 if none is identified).
    ultimate : ndarray of int
        End of the control chain (the node itself when it has no controller; -1 inside
        a control loop).
    chain : sequence of list of int
        The nodes from each node up to its ultimate controller (computed on access).
    country : list of (str or None)
        Controlling country of each node.
    country_basis : list of str
        How it was established (``controller``, ``state``, ``joint``, ``seat``, ``unknown``).
    reaches_state : ndarray of bool
        Whether the control chain ends at a state or state body.
    """

    controller: np.ndarray
    ultimate: np.ndarray
    chain: _Chains
    country: list[str | None]
    country_basis: list[str]
    reaches_state: np.ndarray
    conflicts: list[tuple[int, list[int]]]
    country_code: np.ndarray | None = None


def control(g: OwnershipGraph, majority: float = 0.5) -> Control:
    """Controllers, ultimate controllers and controlling countries of every node."""
    net = g.net
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    codes = net.country_codes
    country = [codes[c] if c >= 0 else None for c in cc.tolist()]
    bases = [network.BASES[b] for b in basis.tolist()]
    reaches_state = (top >= 0) & net.is_state[np.maximum(top, 0)]
    return Control(ctl, top, _Chains(ctl), country, bases, reaches_state, network.control_conflicts(net, ctl), cc)


def control_edges(g: OwnershipGraph, ctl: Control, v: int) -> list[Edge]:
    """The edges of ``v``'s control chain, from ``v``'s controller up to the ultimate one."""
    out = []
    chain = ctl.chain[v]
    for child, parent in zip(chain, chain[1:]):
        out.extend(e for e in g.in_edges.get(child, []) if e.owner == parent)
    return out


def in_group(g: OwnershipGraph, ctl: Control, group: set[str], majority: float = 0.5) -> np.ndarray:
    """Whether each node is controlled from a country of ``group``.

    A node is, when its controlling country is in the group, or when its ultimate
    controller has no controlling holder but holders controlled from the group together
    hold a majority (joint control by the group, e.g. China and Hong Kong together).
    """
    codes = g.net.country_codes
    cc = ctl.country_code if ctl.country_code is not None else np.array(
        [codes.index(c) if c in codes else -1 for c in ctl.country], dtype=np.int64)
    group_codes = np.array([i for i, c in enumerate(codes) if c in group], dtype=np.int64)
    return network.in_group(g.net, ctl.ultimate, cc, group_codes, majority)


# --------------------------------------------------------------------------- shares
def untraced(g: OwnershipGraph, ctl: "Control | None" = None) -> np.ndarray:
    """Share of each node that no recorded holder accounts for, where it matters.

    Counted for assets, and for holding companies without an identified controller.
    Not counted for companies with no recorded holder (they count for their own
    country; one whose country is not known is wholly untraced), for the free float of listed companies (dispersed rather than unknown), nor
    for companies whose controller is identified (their undisclosed remainder is, as far
    as the sources go, the controller's: e.g. a state investment company whose ultimate
    parent is named without a percentage).
    """
    return network.untraced(g.net, None if ctl is None else ctl.controller)


def held_share(g: OwnershipGraph, member: np.ndarray, ctl: Control | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Share of every node held by or through entities controlled from a group.

    ``h[s] = Σ_owners lo(o,s) · (1 if o is controlled from the group else h[o])``: an
    owner controlled from the group counts with its whole stake; through any other owner
    the group's share is looked through (e.g. China Merchants Port's 49% of Terminal Link,
    which holds 50.2% of a Le Havre terminal, counts 24.6%). The maximum adds, at each
    level looked through, the share no recorded holder accounts for.

    Returns
    -------
    (h_min, h_max) : arrays over nodes
    """
    return network.held_share(g.net, member, None if ctl is None else ctl.controller)


def economic(g: OwnershipGraph, targets: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Look-through economic share of every node in each target, as ``(min, max)``.

    For a target ``a``, ``W[v]`` is the sum over paths ``v -> ... -> a`` of the product of
    the shares; computed exactly by solving on the reversed graph.
    """
    if not len(targets):
        return {}
    W_lo, W_hi = network.economic(g.net, targets)
    return {t: (W_lo[:, j], W_hi[:, j]) for j, t in enumerate(targets)}


# --------------------------------------------------------------------------- evidence
def paths_to(g: OwnershipGraph, target: int, stop: np.ndarray | None = None, max_paths: int = 50,
             max_depth: int = 12) -> list[list[Edge]]:
    """Simple ownership paths ending at ``target`` (for the asset being viewed).

    Walks upward from ``target`` and stops at roots, at nodes where ``stop`` is true
    (e.g. entities controlled from the group being explained) and at loops.
    Each path is a list of edges from the top holder down to the target.
    """
    out: list[list[Edge]] = []

    def walk(v: int, acc: list[Edge], seen: set[int]):
        if len(out) >= max_paths:
            return
        ups = [e for e in g.in_edges.get(v, []) if e.is_economic]
        if not ups or len(acc) >= max_depth:
            if acc:
                out.append(list(reversed(acc)))
            return
        for e in sorted(ups, key=lambda e: (-e.lo, g.ids[e.owner])):
            if e.owner in seen:
                out.append(list(reversed([*acc, e])))  # loop closes here
                continue
            if stop is not None and stop[e.owner]:
                out.append(list(reversed([*acc, e])))
                continue
            walk(e.owner, [*acc, e], seen | {e.owner})

    walk(target, [], {target})
    return out


# --------------------------------------------------------------------------- tables
def resolve(con: duckdb.DuckDBPyConnection, settings: Settings) -> OwnershipGraph:
    """Resolve ownership and write the ``out_ownership__*`` tables. Returns the graph.

    The per-asset tables are computed on the assets' ancestor scope only; the
    per-entity bulk tables and the loops on the whole graph (:func:`resolve_all`).
    """
    g = build_graph(con, settings)
    ctl = control(g, settings.thresholds.majority)
    names = g.names

    rows = []
    unt = untraced(g, ctl)
    for v in range(g.n):
        if g.is_asset[v]:
            continue
        rows.append({
            "entity_id": g.ids[v],
            "controller_entity_id": g.ids[ctl.controller[v]] if ctl.controller[v] >= 0 else None,
            "ultimate_controller_entity_id": g.ids[ctl.ultimate[v]] if ctl.ultimate[v] >= 0 else None,
            "control_chain": " > ".join(names[x] for x in ctl.chain[v]),
            "control_chain_ids": [g.ids[x] for x in ctl.chain[v]],
            "controlling_country_code": ctl.country[v],
            "controlling_country_basis": ctl.country_basis[v],
            "is_state_controlled": bool(ctl.reaches_state[v]) and not bool(g.is_state[v]),
            "is_state": bool(g.is_state[v]),
            "untraced_fraction": float(unt[v]),
        })
    db.write_frame(con, "out_ownership__entities", pd.DataFrame(rows), order_by=["entity_id"])

    assets = [v for v in range(g.n) if g.is_asset[v]]
    rows = []
    for a in assets:
        c = int(ctl.controller[a])
        rows.append({
            "asset_id": g.ids[a],
            "controller_entity_id": g.ids[c] if c >= 0 else None,
            "control_basis": next((e.control_basis for e in g.in_edges.get(a, []) if e.owner == c), None),
            "ultimate_controller_entity_id": g.ids[ctl.ultimate[a]] if c >= 0 and ctl.ultimate[a] >= 0 else None,
            "control_chain": " > ".join(names[x] for x in ctl.chain[a][1:]) or None,
            "control_chain_ids": [g.ids[x] for x in ctl.chain[a][1:]],
            "controlling_country_code": ctl.country[a] if c >= 0 else None,
            "controlling_country_basis": ctl.country_basis[a] if c >= 0 else "no controller identified",
            "is_state_controlled": bool(ctl.reaches_state[a]) and c >= 0,
        })
    db.write_frame(con, "out_ownership__asset_controllers", pd.DataFrame(rows), order_by=["asset_id"])

    rows = []
    # targets in batches of 256: one dense (nodes x targets) solve of the thousands of layer assets took
    # about 1 GB; the columns are independent, so batching changes no figure
    econ = {}
    for start in range(0, len(assets), 256):
        econ = economic(g, assets[start:start + 256])
        for a in assets[start:start + 256]:
            lo, hi = econ[a]
            roots = [v for v in np.flatnonzero(lo + hi > 0) if not g.has_owner[v] and v != a]
            for v in roots:
                rows.append({"asset_id": g.ids[a], "owner_entity_id": g.ids[v], "owner_country_code": g.country[v],
                             "is_state": bool(g.is_state[v]),
                             "share_min": float(lo[v]), "share_max": float(min(hi[v], 1.0))})
            traced_min = sum(float(lo[v]) for v in roots)
            traced_max = sum(float(hi[v]) for v in roots)
            rows.append({"asset_id": g.ids[a], "owner_entity_id": None, "owner_country_code": None,
                         "is_state": False, "share_min": max(0.0, 1.0 - traced_max),
                         "share_max": min(1.0, max(0.0, 1.0 - traced_min))})
    df = pd.DataFrame(rows)
    db.write_frame(con, "out_ownership__asset_owners", df, order_by=["asset_id", "owner_entity_id"])

    db.write_frame(con, "out_ownership__control_conflicts", pd.DataFrame(
        [{"node_id": g.ids[s], "chosen_controller_id": g.ids[cs[0]], "other_controller_ids": " ".join(g.ids[x] for x in cs[1:])}
         for s, cs in ctl.conflicts], columns=["node_id", "chosen_controller_id", "other_controller_ids"]),
        order_by=["node_id"])
    resolve_all(con, settings)

    # held by or through entities controlled from each single country
    countries = sorted({c for c in ctl.country if c})
    rows = []
    for c in countries:
        member = in_group(g, ctl, {c}, settings.thresholds.majority)
        h_lo, h_hi = held_share(g, member, ctl)
        for a in assets:
            if h_hi[a] <= 0:
                continue
            rows.append({"asset_id": g.ids[a], "country_code": c, "share_min": float(h_lo[a]),
                         # an asset without an identified controller is controlled from nowhere,
                         # not from its own host country
                         "share_max": float(h_hi[a]),
                         "is_controlled": bool(member[a]) and bool(ctl.controller[a] >= 0)})
    db.write_frame(con, "out_ownership__asset_countries", pd.DataFrame(
        rows, columns=["asset_id", "country_code", "share_min", "share_max", "is_controlled"]),
        order_by=["asset_id", "country_code"])
    return g
