"""The resolved scope as objects: :class:`OwnershipGraph`, its :class:`Control`, cached.

Contract: :func:`build_graph` reads the link graph through the one loader
(:mod:`infrarisk.ownership.load`) and returns the per-asset scope — the assets, the
curated entities and every owner above them — as an :class:`OwnershipGraph`: node ids,
names, flags, one :class:`Edge` per merged edge (with its link ids: the link index the
evidence needs) and the array network the maths runs on. The scope is closed upwards, so
every figure on it equals the whole graph's.

Control is computed **once** per graph: :func:`control` returns the :class:`Control`
stored on the graph (the resolve pass stores the whole graph's, restricted to the scope;
otherwise it is computed on first use). :func:`in_group` and :func:`held_share` are
likewise computed once per group and stored (:func:`held_shares`: many groups in one solve). Later stages that read the ``out_`` tables
need none of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ..settings import Settings
from . import load, network, shares, subgraph

STATE_TYPES = load.STATE_TYPES
NON_OWNERSHIP = load.NON_OWNERSHIP


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
    """Nodes (entities then assets, by id) and merged current edges of a scope.

    Attributes
    ----------
    ids, names : list of str
        Node id (entity_id or asset_id) and name by node index; ``index`` maps back.
    is_asset, is_state, is_listed, has_owner : ndarray of bool
    country : list of (str or None)
        Each entity's own country (jurisdiction for states, else per the
        ``country_attribute`` setting with fallback); assets' host country.
    edges : list of Edge
        One per merged edge, in the order of :attr:`net`'s edges; ``in_edges[v]`` those into ``v``.
    net : Network
        The arrays all the maths runs on.
    nodes : ndarray of int64
        Each node's number in the whole graph (:func:`~infrarisk.ownership.load.load_network`).
    """

    def __init__(self, ids, names, net: network.Network, edges: list[Edge]):
        self.ids, self.names, self.edges, self.net = list(ids), list(names), edges, net
        self.n = net.n
        self.index = {k: i for i, k in enumerate(self.ids)}
        self.is_asset, self.is_state, self.is_listed = net.is_asset, net.is_state, net.is_listed
        codes = net.country_codes
        self.country = [codes[c] if c >= 0 else None for c in net.own_country.tolist()]
        self.in_edges: dict[int, list[Edge]] = {}
        for e in edges:
            self.in_edges.setdefault(e.subject, []).append(e)
        self.has_owner = net.has_owner
        self._control: dict[float, Control] = {}
        self._held: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def build_graph(con: duckdb.DuckDBPyConnection, settings: Settings, loaded: load.Loaded | None = None,
                scope: np.ndarray | None = None) -> OwnershipGraph:
    """The per-asset scope as an :class:`OwnershipGraph` (module docstring).

    ``loaded`` reuses a :func:`~infrarisk.ownership.load.load_network` result; ``scope``
    gives other node numbers (closed upwards) than :func:`~infrarisk.ownership.load.scope_nodes`.
    """
    loaded = loaded or load.load_network(con, settings)
    nodes = load.scope_nodes(loaded) if scope is None else np.asarray(scope, dtype=np.int64)
    # entities by id, then assets by id (ties break on the id, as in the whole graph)
    ids = loaded.id_of(nodes).to_pylist()
    at = sorted(range(len(nodes)), key=list(zip(loaded.net.is_asset[nodes].tolist(), ids)).__getitem__)
    nodes, ids = nodes[at], [ids[i] for i in at]
    sub = subgraph.subnetwork(loaded.net, nodes)
    # read by DuckDB's replacement scan of this local variable (no view registered and removed)
    _scope_ids = pa.table({"node_id": pa.array(ids, pa.string())})  # noqa: F841
    name_of = dict(con.execute("""
        SELECT entity_id, entity_name FROM core_ownership__entities WHERE entity_id IN (SELECT node_id FROM _scope_ids)
        """).fetchall())
    asset_name = dict(con.execute("""
        SELECT asset_id, name FROM core_assets__assets WHERE asset_id IN (SELECT node_id FROM _scope_ids)""").fetchall())
    names = [asset_name.get(i) if a else name_of.get(i) for i, a in zip(ids, sub.is_asset.tolist())]
    ix = load.edge_links(con, nodes)
    new = np.full(loaded.net.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))
    # the link index in the subnetwork's edge order (by subject, then owner)
    o = np.lexsort((new[ix.src], new[ix.dst]))
    assert np.array_equal(new[ix.dst[o]], sub.dst) and np.array_equal(new[ix.src[o]], sub.src)
    ptr = ix.link_ptr
    ix.link_ptr = np.concatenate([[0], np.cumsum(ptr[1:][o] - ptr[:-1][o])]).astype(np.int64)
    ix.link_ids = [lid for i in o.tolist() for lid in ix.link_ids[ptr[i]:ptr[i + 1]]]
    ix.is_control, ix.is_conflict = ix.is_control[o], ix.is_conflict[o]
    ix.control_basis = [ix.control_basis[i] for i in o.tolist()]
    ix.interest_type = [ix.interest_type[i] for i in o.tolist()]
    # tolist() gives Python ints, floats and bools already
    link_ids = ix.link_ids
    edges = [Edge(s, d, lo, hi, ic, r, cb, link_ids[a:b], ie, cf, it)
             for s, d, lo, hi, ic, r, cb, a, b, ie, cf, it in zip(
                 sub.src.tolist(), sub.dst.tolist(), sub.lo.tolist(), sub.hi.tolist(), ix.is_control.tolist(),
                 sub.rank.tolist(), ix.control_basis, ix.link_ptr[:-1].tolist(), ix.link_ptr[1:].tolist(),
                 sub.is_economic.tolist(), ix.is_conflict.tolist(), ix.interest_type)]
    g = OwnershipGraph(ids, names, sub, edges)
    g.nodes = nodes  # node number in the whole graph of each node of the scope
    return g


# --------------------------------------------------------------------------- control
class _Chains:
    """``chain[v]``: the control chain of node ``v``, computed when first asked for and kept (the
    resolve pass, the score and the evidence ask for the same chains; callers only read them)."""

    def __init__(self, controller: np.ndarray):
        self.controller = controller
        self._list = None  # the controllers as a list: walked faster than the array
        self._made: dict[int, list[int]] = {}

    def __getitem__(self, v: int) -> list[int]:
        made = self._made.get(v)
        if made is None:
            if self._list is None:
                self._list = np.asarray(self.controller).tolist()
            made = self._made[int(v)] = network.chain(self._list, int(v))
        return made

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
    conflicts : list of (node, [chosen, other, ...])
        Nodes where other owners are also named as controlling.
    country_code : ndarray of int
        ``country`` as indices into the network's country codes.
    """

    controller: np.ndarray
    ultimate: np.ndarray
    chain: _Chains
    country: list[str | None]
    country_basis: list[str]
    reaches_state: np.ndarray
    conflicts: list[tuple[int, list[int]]]
    country_code: np.ndarray | None = None

    @classmethod
    def from_arrays(cls, net: network.Network, ctl, top, cc, basis, conflicts) -> "Control":
        """A :class:`Control` from the array results of :mod:`~infrarisk.ownership.network`."""
        codes = net.country_codes
        country = [codes[c] if c >= 0 else None for c in cc.tolist()]
        bases = [network.BASES[b] for b in basis.tolist()]
        reaches_state = (top >= 0) & net.is_state[np.maximum(top, 0)]
        return cls(ctl, top, _Chains(ctl), country, bases, reaches_state, conflicts, cc)


def compute_control(net: network.Network, majority: float = 0.5) -> Control:
    """Controllers, ultimate controllers and controlling countries of every node of ``net``."""
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    return Control.from_arrays(net, ctl, top, cc, basis, network.control_conflicts(net, ctl))


def control(g: OwnershipGraph, majority: float = 0.5) -> Control:
    """The control structure of ``g``: the one stored by the resolve pass, else computed
    once and stored."""
    if majority not in g._control:
        g._control[majority] = compute_control(g.net, majority)
    return g._control[majority]


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


def in_groups(g: OwnershipGraph, ctl: Control, groups: list[set[str]], majority: float = 0.5) -> list[np.ndarray]:
    """:func:`in_group` of several groups, worked out together (the same masks)."""
    codes = g.net.country_codes
    cc = ctl.country_code if ctl.country_code is not None else np.array(
        [codes.index(c) if c in codes else -1 for c in ctl.country], dtype=np.int64)
    at = {c: i for i, c in enumerate(codes)}
    member = network.in_groups(g.net, ctl.ultimate, cc, [np.array(sorted(at[c] for c in grp if c in at), dtype=np.int64)
                                                         for grp in groups], majority)
    return list(np.ascontiguousarray(member.T))


def untraced(g: OwnershipGraph, ctl: Control | None = None) -> np.ndarray:
    """Share of each node that no recorded holder accounts for, where it matters
    (:func:`infrarisk.ownership.shares.untraced`)."""
    return shares.untraced(g.net, None if ctl is None else ctl.controller)


def held_share(g: OwnershipGraph, member: np.ndarray, ctl: Control | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Share of every node held by or through entities controlled from a group, computed
    once per membership and stored.

    ``h[s] = Σ_owners lo(o,s) · (1 if o is controlled from the group else h[o])``: an
    owner controlled from the group counts with its whole stake; through any other owner
    the group's share is looked through (e.g. China Merchants Port's 49% of Terminal Link,
    which holds 50.2% of a Le Havre terminal, counts 24.6%). The maximum adds, at each
    level looked through, the share no recorded holder accounts for.

    Returns
    -------
    (h_min, h_max) : arrays over nodes
    """
    key = _held_key(member, ctl)
    if key not in g._held:
        g._held[key] = shares.held_share(g.net, member, None if ctl is None else ctl.controller)
    lo, hi = g._held[key]
    return lo.copy(), hi.copy()


def _held_key(member: np.ndarray, ctl: Control | None) -> tuple:
    return np.asarray(member, bool).tobytes(), None if ctl is None else id(ctl.controller)


def held_shares(g: OwnershipGraph, members: list[np.ndarray], ctl: Control | None = None, copy: bool = True
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`held_share` of several memberships, those not stored yet solved together
    (:func:`~infrarisk.ownership.shares.held_share_many`; one by one where the scope has a
    cross-holding), each stored like :func:`held_share`'s. ``copy=False`` returns the stored
    arrays themselves (for a caller that only reads them)."""
    keys = [_held_key(m, ctl) for m in members]
    todo = [i for i, k in enumerate(keys) if k not in g._held]
    controller = None if ctl is None else ctl.controller
    got = shares.held_share_many(g.net, [members[i] for i in todo], controller)
    if got is None:
        got = [shares.held_share(g.net, members[i], controller) for i in todo]
    for i, r in zip(todo, got):
        g._held[keys[i]] = r
    if not copy:
        return [g._held[k] for k in keys]
    return [(g._held[k][0].copy(), g._held[k][1].copy()) for k in keys]


def economic(g: OwnershipGraph, targets: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Look-through economic share of every node in each target, as ``(min, max)``.

    For a target ``a``, ``W[v]`` is the sum over paths ``v -> ... -> a`` of the product of
    the shares; computed exactly by solving on the reversed graph.
    """
    if not len(targets):
        return {}
    W_lo, W_hi = shares.economic(g.net, targets)
    return {t: (W_lo[:, j], W_hi[:, j]) for j, t in enumerate(targets)}
