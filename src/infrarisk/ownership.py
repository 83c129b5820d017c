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
  entities controlled from that country (see :func:`held_share`).

Maths (DESIGN §3). Links of one owner in one subject are merged into one edge whose
interval spans all current values (conflicting sources become a range). Economic
look-through sums over paths the product of shares, solved exactly with
:func:`infrarisk.graph.solve`; minima use every link's lower bound, maxima its upper bound
(capped at 1). An ``ultimate parent`` link whose parent the child already reaches through
other links is kept as a control statement only, so no path is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from . import db, graph
from .settings import Settings

STATE_TYPES = ("state", "state_body")
#: interests that give use or operation of an asset but no ownership: kept as operator
#: links, never counted as shares
NON_OWNERSHIP = ("operating_contract", "tenancy")
# which claim wins when an entity has several controllers named (lower wins)
_CONTROL_PRIORITY = {"majority": 0, "direct parent": 1, "stated": 2, "concession": 3, "ultimate parent": 4}


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


@dataclass
class OwnershipGraph:
    """Nodes (entities then assets) and merged current edges.

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
    """

    ids: list[str]
    names: list[str]
    is_asset: np.ndarray
    country: list[str | None]
    is_state: np.ndarray
    is_listed: np.ndarray
    edges: list[Edge]
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.index = {k: i for i, k in enumerate(self.ids)}
        self.n = len(self.ids)
        self._arrays()

    def _arrays(self):
        econ = [e for e in self.edges if e.is_economic]
        self.src = np.array([e.owner for e in econ], dtype=np.int64)
        self.dst = np.array([e.subject for e in econ], dtype=np.int64)
        self.lo = np.array([e.lo for e in econ], dtype=np.float64)
        self.hi = np.array([e.hi for e in econ], dtype=np.float64)
        self.econ_edges = econ
        self.cond = graph.condense(self.n, self.src, self.dst)
        self.in_edges: dict[int, list[Edge]] = {}
        for e in self.edges:
            self.in_edges.setdefault(e.subject, []).append(e)
        self.has_owner = np.zeros(self.n, dtype=bool)
        self.has_owner[self.dst] = True
        self.known_lo = np.bincount(self.dst, weights=self.lo, minlength=self.n)


def _own_country(row: pd.Series, attribute: str) -> str | None:
    j, h = row["jurisdiction_code"], row["hq_country_code"]
    j = None if pd.isna(j) else j
    h = None if pd.isna(h) else h
    if row["entity_type"] in STATE_TYPES or attribute == "jurisdiction":
        return j or h
    return h or j


def build_graph(con: duckdb.DuckDBPyConnection, settings: Settings) -> OwnershipGraph:
    """Read the core tables into an :class:`OwnershipGraph` of current links."""
    ents = con.execute("SELECT * FROM core_ownership__entities ORDER BY entity_id").df()
    assets = con.execute(
        "SELECT asset_id, name, country_code FROM core_assets__assets "
        "WHERE asset_id IN (SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset') "
        "ORDER BY asset_id").df()
    links = con.execute(
        "SELECT * FROM core_ownership__links WHERE is_current ORDER BY subject_kind, subject_id, owner_entity_id, link_id"
    ).df()
    ids = list(ents["entity_id"]) + list(assets["asset_id"])
    names = list(ents["entity_name"]) + list(assets["name"])
    index = {k: i for i, k in enumerate(ids)}
    country = [_own_country(r, settings.country_attribute) for _, r in ents.iterrows()] + [
        None if pd.isna(c) else c for c in assets["country_code"]]
    is_state = np.array(list(ents["entity_type"].isin(STATE_TYPES)) + [False] * len(assets))
    is_listed = np.array(list(ents["entity_type"] == "listed_company") + [False] * len(assets))
    is_asset = np.array([False] * len(ents) + [True] * len(assets))
    edges: dict[tuple[int, int], Edge] = {}
    for _, r in links.iterrows():
        o, s = index[r["owner_entity_id"]], index[r["subject_id"]]
        basis = r["control_basis"]
        rank = 99
        if r["is_control"]:
            if isinstance(basis, str) and basis.startswith("majority"):
                rank = _CONTROL_PRIORITY["majority"]
            elif r["relationship"] == "direct parent":
                rank = _CONTROL_PRIORITY["direct parent"]
            elif r["is_control_stated"]:
                rank = _CONTROL_PRIORITY["stated"]
            elif r["interest_type"] == "concession":
                rank = _CONTROL_PRIORITY["concession"]
            else:
                rank = _CONTROL_PRIORITY["ultimate parent"]
        e = edges.get((o, s))
        if e is None:
            edges[(o, s)] = Edge(o, s, float(r["share_min"]), float(r["share_max"]), bool(r["is_control"]), rank,
                                 basis if isinstance(basis, str) else None, [r["link_id"]],
                                 is_economic=r["interest_type"] not in NON_OWNERSHIP,
                                 interest_type=r["interest_type"])
        else:  # several current rows of one owner in one subject: their values as a range
            e.is_conflict = e.is_conflict or (e.lo, e.hi) != (float(r["share_min"]), float(r["share_max"]))
            e.lo, e.hi = min(e.lo, float(r["share_min"])), max(e.hi, float(r["share_max"]))
            if rank < e.control_rank:
                e.control_rank, e.control_basis = rank, basis if isinstance(basis, str) else None
            e.is_control = e.is_control or bool(r["is_control"])
            e.link_ids.append(r["link_id"])
    rels = dict(zip(links["link_id"], links["relationship"]))
    g = OwnershipGraph(ids, names, is_asset, country, is_state, is_listed, sorted(edges.values(),
                       key=lambda e: (e.subject, e.owner)))
    _drop_redundant_ultimate(g, rels)
    return g


def _drop_redundant_ultimate(g: OwnershipGraph, rels: dict[str, str]) -> None:
    """Keep an ``ultimate parent`` edge as control only when the child already reaches
    the parent through other links (the holding is then counted along that chain)."""
    changed = False
    up: dict[int, list[Edge]] = {}
    for e in g.edges:
        up.setdefault(e.subject, []).append(e)
    for e in g.edges:
        if not all(rels.get(l) == "ultimate parent" for l in e.link_ids):
            continue
        seen, stack = {e.subject}, [x.owner for x in up.get(e.subject, []) if x is not e]
        while stack:
            v = stack.pop()
            if v == e.owner:
                e.is_economic = False
                changed = True
                break
            if v in seen:
                continue
            seen.add(v)
            stack.extend(x.owner for x in up.get(v, []) if x.is_economic)
    if changed:
        g._arrays()


# --------------------------------------------------------------------------- control
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
    chain : list of list of int
        The nodes from each node up to its ultimate controller.
    country : list of (str or None)
        Controlling country of each node.
    country_basis : list of str
        How it was established (``controller``, ``state``, ``joint``, ``seat``, ``unknown``).
    reaches_state : ndarray of bool
        Whether the control chain ends at a state or state body.
    """

    controller: np.ndarray
    ultimate: np.ndarray
    chain: list[list[int]]
    country: list[str | None]
    country_basis: list[str]
    reaches_state: np.ndarray
    conflicts: list[tuple[int, list[int]]]


def control(g: OwnershipGraph, majority: float = 0.5) -> Control:
    """Controllers, ultimate controllers and controlling countries of every node."""
    n = g.n
    controller = np.full(n, -1, dtype=np.int64)
    conflicts = []
    for s, es in g.in_edges.items():
        cands = sorted((e for e in es if e.is_control), key=lambda e: (e.control_rank, -e.lo, g.ids[e.owner]))
        if not cands:
            continue
        controller[s] = cands[0].owner
        others = sorted({e.owner for e in cands[1:] if e.owner != cands[0].owner and e.control_rank <= 3})
        if others:
            conflicts.append((s, [cands[0].owner, *others]))
    ultimate = np.full(n, -1, dtype=np.int64)
    chain: list[list[int]] = [[] for _ in range(n)]
    for v in range(n):
        path, seen, u = [v], {v}, v
        while controller[u] >= 0:
            u = int(controller[u])
            if u in seen:  # control loop: no ultimate controller outside it
                path = [*path, u]
                u = -1
                break
            seen.add(u)
            path.append(u)
        ultimate[v] = u
        chain[v] = path
    country: list[str | None] = [None] * n
    basis = ["unknown"] * n
    memo: dict[int, tuple[str | None, str]] = {}

    def top_country(u: int, stack: frozenset) -> tuple[str | None, str]:
        """Country of an ultimate controller ``u`` (a node without controller)."""
        if u in memo:
            return memo[u]
        if g.is_state[u]:
            res = (g.country[u], "state" if g.country[u] else "unknown")
        else:
            res = (g.country[u], "seat" if g.country[u] else "unknown")
            shares: dict[str, float] = {}
            for e in g.in_edges.get(u, []):
                if not e.is_economic or e.owner in stack:
                    continue
                c = node_country(e.owner, stack | {u})[0]
                if c:
                    shares[c] = shares.get(c, 0.0) + e.lo
            best = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
            if best and best[0][1] > majority + 1e-12:
                res = (best[0][0], "joint")
        memo[u] = res
        return res

    def node_country(v: int, stack: frozenset = frozenset()) -> tuple[str | None, str]:
        u = int(ultimate[v])
        if u < 0:
            return None, "unknown"
        c, how = top_country(u, stack)
        return c, ("controller" if u != v and how != "unknown" else how)

    for v in range(n):
        country[v], basis[v] = node_country(v)
    reaches_state = np.array([ultimate[v] >= 0 and bool(g.is_state[ultimate[v]]) for v in range(n)])
    return Control(controller, ultimate, chain, country, basis, reaches_state, conflicts)


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
    member = np.array([c in group for c in ctl.country])
    for _ in range(g.n):  # joint control can cascade; converges in at most n rounds
        changed = False
        for u in set(int(x) for x in ctl.ultimate if x >= 0):
            if member[u]:
                continue
            joint = sum(e.lo for e in g.in_edges.get(u, []) if e.is_economic and member[e.owner])
            if joint > majority + 1e-12:
                member[u] = True
                changed = True
        for v in range(g.n):
            u = ctl.ultimate[v]
            if u >= 0 and member[u] and not member[v]:
                member[v] = True
                changed = True
        if not changed:
            break
    return member


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
    u = np.maximum(0.0, 1.0 - g.known_lo)
    u[~g.has_owner] = 0.0
    u[g.is_listed] = 0.0
    if ctl is not None:
        u[(ctl.controller >= 0) & ~g.is_asset] = 0.0
    u[g.is_asset & ~g.has_owner] = 1.0
    # a holder with no recorded holder and no known country (an owner name a source gives
    # without a country) could be controlled from anywhere: unknown, never clean
    no_country = np.array([c is None for c in g.country], dtype=bool)
    u[~g.has_owner & ~g.is_asset & no_country] = 1.0
    return u


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
    w_src_member = member[g.src]
    b_min = np.bincount(g.dst, weights=np.where(w_src_member, g.lo, 0.0), minlength=g.n)
    w = np.where(w_src_member, 0.0, g.lo)  # recursion only through non-members
    u = untraced(g, ctl)
    u[member & ~g.is_asset] = 0.0
    lo = graph.solve(g.n, g.src, g.dst, w, b_min, cond=g.cond)
    hi = graph.solve(g.n, g.src, g.dst, w, b_min + u, cond=g.cond)
    lo[member & ~g.is_asset] = 1.0
    hi[member & ~g.is_asset] = 1.0
    return np.clip(lo, 0, 1), np.clip(np.maximum(hi, lo), 0, 1)


def economic(g: OwnershipGraph, targets: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Look-through economic share of every node in each target, as ``(min, max)``.

    For a target ``a``, ``W[v]`` is the sum over paths ``v -> ... -> a`` of the product of
    the shares; computed exactly by solving on the reversed graph.
    """
    out = {}
    if not targets:
        return out
    k = len(targets)
    B = np.zeros((g.n, k))
    B[targets, np.arange(k)] = 1.0
    # reversed graph: subject -> owner, same weights
    rcond = graph.condense(g.n, g.dst, g.src)
    W_lo = graph.solve(g.n, g.dst, g.src, g.lo, B, cond=rcond)
    W_hi = graph.solve(g.n, g.dst, g.src, np.minimum(g.hi, 1.0), B, cond=rcond)
    for j, t in enumerate(targets):
        out[t] = (np.clip(W_lo[:, j], 0, 1), np.clip(W_hi[:, j], 0, 1))
    return out


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
    """Resolve ownership and write the ``out_ownership__*`` tables. Returns the graph."""
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
    loops = [{"loop_no": i, "node_ids": [g.ids[x] for x in comp], "size": len(comp)}
             for i, comp in enumerate(sorted(g.cond.loops(), key=lambda c: g.ids[c[0]]))]
    db.write_frame(con, "out_ownership__loops", pd.DataFrame(loops, columns=["loop_no", "node_ids", "size"]),
                   order_by=["loop_no"])

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
                         "share_max": float(h_hi[a]), "is_controlled": bool(member[a])})
    db.write_frame(con, "out_ownership__asset_countries", pd.DataFrame(
        rows, columns=["asset_id", "country_code", "share_min", "share_max", "is_controlled"]),
        order_by=["asset_id", "country_code"])
    return g
