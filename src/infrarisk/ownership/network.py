"""Control on arrays: millions of entities, no Python object per edge.

Contract: a :class:`Network` holds nodes ``0..n-1`` (integer surrogate keys; names and
ids stay in DuckDB or in the caller) and merged edges owner → subject as parallel numpy
arrays (:mod:`infrarisk.ownership.load` builds it from the database). The functions below
compute, for every node at once:

- :func:`controllers` — the owner that controls each node (majority, named parent,
  stated, concession, ultimate parent; ties broken by share, then node number);
- :func:`ultimate` — the end of each control chain by pointer doubling (``-1`` inside or
  above a control loop) and the chain length;
- :func:`countries` — the controlling country of each node (a state's own country, else
  the seat; joint control by holders controlled from one country);
- :func:`in_group` — whether each node is controlled from a group of countries;
  :func:`in_groups` the same for several groups at once (one column each);

Reachability (ancestors, sub-networks) is in :mod:`infrarisk.ownership.subgraph`; shares
(look-through) in :mod:`infrarisk.ownership.shares`; the solver they use, and
the condensation and level plan cached here, in :mod:`infrarisk.ownership.solver`.
Semantics are DESIGN §3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import solver

#: control ranks (lower wins) — the order in which a named controller is believed
RANK_MAJORITY, RANK_DIRECT, RANK_STATED, RANK_CONCESSION, RANK_ULTIMATE, RANK_NONE = 0, 1, 2, 3, 4, 99
_TOL = 1e-12


@dataclass
class Network:
    """Nodes and merged current edges as arrays.

    Attributes
    ----------
    n : int
        Number of nodes.
    own_country : ndarray of int32
        Index into ``country_codes`` of each node's own country (``-1`` unknown): a
        state's jurisdiction, else the seat (per the ``country_attribute`` setting).
    country_codes : list of str
        Country codes, sorted (so a lower index is a lower code).
    is_state, is_listed, is_asset : ndarray of bool
    src, dst : ndarray of int64
        Edge owner and subject (one edge per owner and subject).
    lo, hi : ndarray of float64
        Share interval of each edge (fractions).
    rank : ndarray of int8
        Control rank of each edge (``RANK_NONE`` if it confers no control).
    is_economic : ndarray of bool
        False for edges that confer use or control but no ownership (operating
        contracts, ultimate-parent links already counted along a chain).
    members_complete : ndarray of bool
        Assets whose recorded holders are the whole ownership though their split is
        undisclosed: every current economic link into them is a consortium membership and
        the source names no unnamed member (:mod:`infrarisk.ownership.load`). Nothing of
        such an asset is untraced at the asset itself; each member's share is its interval.
    """

    n: int
    own_country: np.ndarray
    country_codes: list[str]
    is_state: np.ndarray
    is_listed: np.ndarray
    is_asset: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    rank: np.ndarray
    is_economic: np.ndarray
    members_complete: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.members_complete is None:
            self.members_complete = np.zeros(self.n, dtype=bool)

    @classmethod
    def from_arrays(cls, n, src, dst, lo, hi=None, rank=None, is_economic=None, own_country=None,
                    country_codes=None, is_state=None, is_listed=None, is_asset=None,
                    members_complete=None) -> "Network":
        """A network from plain arrays; missing attributes take neutral defaults.

        Examples
        --------
        >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.6, 0.3])
        >>> net.n, net.rank.tolist()
        (3, [0, 99])
        """
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        lo = np.asarray(lo, dtype=np.float64)
        hi = lo.copy() if hi is None else np.asarray(hi, dtype=np.float64)
        if rank is None:
            rank = np.where(lo > 0.5 + _TOL, RANK_MAJORITY, RANK_NONE)
        z = np.zeros(n, dtype=bool)
        return cls(
            n=int(n),
            own_country=np.full(n, -1, np.int32) if own_country is None else np.asarray(own_country, np.int32),
            country_codes=list(country_codes or []),
            is_state=z.copy() if is_state is None else np.asarray(is_state, bool),
            is_listed=z.copy() if is_listed is None else np.asarray(is_listed, bool),
            is_asset=z.copy() if is_asset is None else np.asarray(is_asset, bool),
            src=src, dst=dst, lo=lo, hi=hi, rank=np.asarray(rank, dtype=np.int8),
            is_economic=np.ones(len(src), bool) if is_economic is None else np.asarray(is_economic, bool),
            members_complete=None if members_complete is None else np.asarray(members_complete, bool),
        )

    # ------------------------------------------------------------------ derived
    @property
    def econ(self) -> np.ndarray:
        """Indices of the economic edges."""
        if "econ" not in self._cache:
            self._cache["econ"] = np.flatnonzero(self.is_economic)
        return self._cache["econ"]

    @property
    def cond(self) -> solver.Condensation:
        """Condensation of the economic edges (the SCCs are the cross-holdings)."""
        if "cond" not in self._cache:
            e = self.econ
            self._cache["cond"] = solver.condense(self.n, self.src[e], self.dst[e])
        return self._cache["cond"]

    @property
    def plan(self) -> solver.Plan:
        """Level schedule of :attr:`cond` (shared by every look-through on this network)."""
        if "plan" not in self._cache:
            e = self.econ
            self._cache["plan"] = solver.plan(self.cond, self.src[e], self.dst[e])
        return self._cache["plan"]

    @property
    def has_owner(self) -> np.ndarray:
        """Whether each node has a recorded economic owner."""
        if "has_owner" not in self._cache:
            h = np.zeros(self.n, dtype=bool)
            h[self.dst[self.econ]] = True
            self._cache["has_owner"] = h
        return self._cache["has_owner"]

    @property
    def known_lo(self) -> np.ndarray:
        """Sum of the recorded minimum shares in each node."""
        if "known_lo" not in self._cache:
            e = self.econ
            self._cache["known_lo"] = np.bincount(self.dst[e], weights=self.lo[e], minlength=self.n)
        return self._cache["known_lo"]

    def in_ptr(self) -> tuple[np.ndarray, np.ndarray]:
        """Edges grouped by subject: ``(ptr, edge_index)`` with the edges of node ``v`` in
        ``edge_index[ptr[v]:ptr[v+1]]``."""
        if "in_ptr" not in self._cache:
            order = np.argsort(self.dst, kind="stable")
            ptr = np.zeros(self.n + 1, dtype=np.int64)
            ptr[1:] = np.cumsum(np.bincount(self.dst, minlength=self.n))
            self._cache["in_ptr"] = (ptr, order)
        return self._cache["in_ptr"]


# --------------------------------------------------------------------------- control
def controllers(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The controller of each node and the edge that names it.

    Among the control edges into a node the lowest rank wins, then the larger minimum
    share, then the lower owner number (nodes are numbered in id order, so ties break on
    the id, as the per-object code did).

    Returns
    -------
    (controller, edge) : ndarrays of int64, ``-1`` where none.

    Examples
    --------
    >>> net = Network.from_arrays(3, [0, 1], [2, 2], [0.6, 0.4])
    >>> controllers(net)[0].tolist()
    [-1, -1, 0]
    """
    ctl = np.full(net.n, -1, dtype=np.int64)
    edge = np.full(net.n, -1, dtype=np.int64)
    cand = np.flatnonzero(net.rank < RANK_NONE)
    if len(cand):
        o = cand[np.lexsort((net.src[cand], -net.lo[cand], net.rank[cand], net.dst[cand]))]
        d = net.dst[o]
        first = np.ones(len(o), dtype=bool)
        first[1:] = d[1:] != d[:-1]
        ctl[d[first]] = net.src[o[first]]
        edge[d[first]] = o[first]
    return ctl, edge


def control_conflicts(net: Network, ctl: np.ndarray) -> list[tuple[int, list[int]]]:
    """Nodes where other owners are also named as controlling (rank up to concession)."""
    cand = np.flatnonzero((net.rank <= RANK_CONCESSION) & (net.src != ctl[net.dst]) & (ctl[net.dst] >= 0))
    if not len(cand):
        return []
    pairs = np.unique(np.stack([net.dst[cand], net.src[cand]], axis=1), axis=0)
    out: dict[int, list[int]] = {}
    for s, o in pairs.tolist():
        out.setdefault(s, []).append(o)
    return [(s, [int(ctl[s]), *sorted(os)]) for s, os in sorted(out.items())]


def ultimate(ctl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End of every control chain by pointer doubling, and the chain length.

    Returns
    -------
    (top, depth) : ndarrays of int64
        ``top[v]`` is the last controller reached from ``v`` (``v`` itself when it has
        none) or ``-1`` when the chain runs into a control loop; ``depth[v]`` the number
        of steps (``-1`` for loops).

    Examples
    --------
    >>> ultimate(np.array([-1, 0, 1, 4, 3]))[0].tolist()
    [0, 0, 0, -1, -1]
    """
    n = len(ctl)
    idx = np.arange(n, dtype=np.int64)
    nxt = np.where(ctl >= 0, ctl, idx)
    dist = (ctl >= 0).astype(np.int64)
    # pointer doubling on the nodes whose pointer is not yet a chain's top: the active
    # set shrinks to the nodes in or under control loops after ~log2(depth) rounds
    active = np.flatnonzero(ctl >= 0)
    active = active[ctl[nxt[active]] >= 0]
    rounds = int(np.ceil(np.log2(max(n, 2)))) + 1
    for _ in range(rounds):
        if not len(active):
            break
        nx = nxt[active]
        dist[active] = dist[active] + dist[nx]
        nxt[active] = nxt[nx]
        active = active[ctl[nxt[active]] >= 0]
    is_root = ctl[nxt] < 0
    top = np.where(is_root, nxt, -1)
    depth = np.where(is_root, dist, -1)
    return top, depth


def chain(ctl: np.ndarray, v: int, limit: int = 10_000) -> list[int]:
    """Nodes from ``v`` up its control chain (the loop's first repeated node ends it)."""
    path, seen, u = [v], {v}, v
    while ctl[u] >= 0 and len(path) < limit:
        u = int(ctl[u])
        path.append(u)
        if u in seen:
            break
        seen.add(u)
    return path


def _group_sum(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique ``keys`` (int64) and the sum of ``values`` per key."""
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv, weights=values, minlength=len(uk))


def countries(net: Network, ctl: np.ndarray, top: np.ndarray, majority: float = 0.5
              ) -> tuple[np.ndarray, np.ndarray]:
    """Controlling country of every node and how it was established.

    The country of a chain's top is its own (a state's jurisdiction, else the seat); a top
    that is not a state but whose holders controlled from one country together hold a
    majority is controlled from that country (``joint``); the rule is applied until
    nothing changes, so joint control cascades. Where tops hold each other so that the rule
    never settles (their joint countries alternate), those tops keep their own country: the
    answer then depends only on a node's ancestors, never on how many other nodes the
    network holds (a sub-network gives the same countries as the whole).

    Returns
    -------
    (country, basis) : ndarrays
        ``country`` indexes ``net.country_codes`` (``-1`` unknown); ``basis`` is one of
        :data:`BASES` by index.
    """
    n = net.n
    roots = top == np.arange(n)
    top_c = net.own_country.copy()
    joint = np.zeros(n, dtype=bool)
    country = np.where(top >= 0, top_c[np.maximum(top, 0)], -1)
    e = net.econ
    # candidate edges: economic edges into tops that are not states, from owners with a country
    into_top = e[roots[net.dst[e]] & ~net.is_state[net.dst[e]]]
    ncc = max(len(net.country_codes), 1)
    cand = np.unique(net.dst[into_top])  # the only tops whose country the rule can change
    seen: dict[bytes, int] = {}
    history: list[np.ndarray] = []
    while True:
        state = np.concatenate([top_c[cand], joint[cand]])
        key = state.tobytes()
        if key in seen:  # the rule alternates: tops whose outcome changes within the cycle keep their own country
            steady = np.all([h == state for h in history[seen[key]:]], axis=0)
            steady = steady[:len(cand)] & steady[len(cand):]
            top_c[cand[~steady]] = net.own_country[cand[~steady]]
            joint[cand[~steady]] = False
            country = np.where(top >= 0, top_c[np.maximum(top, 0)], -1)
            break
        seen[key] = len(history)
        history.append(state)
        oc = country[net.src[into_top]]
        ok = oc >= 0
        keys, sums = _group_sum(net.dst[into_top][ok] * ncc + oc[ok], net.lo[into_top][ok])
        node, cc = keys // ncc, keys % ncc
        # best country per node: largest sum, then lowest code
        order = np.lexsort((cc, -sums, node))
        node, cc, sums = node[order], cc[order], sums[order]
        first = np.ones(len(node), dtype=bool)
        first[1:] = node[1:] != node[:-1]
        win = first & (sums > majority + _TOL)
        new_top_c = net.own_country.copy()
        new_joint = np.zeros(n, dtype=bool)
        new_top_c[node[win]] = cc[win]
        new_joint[node[win]] = True
        new_country = np.where(top >= 0, new_top_c[np.maximum(top, 0)], -1)
        if np.array_equal(new_country, country) and np.array_equal(new_joint, joint):
            break
        country, top_c, joint = new_country, new_top_c, new_joint
    tt = np.maximum(top, 0)
    basis = np.full(n, B_UNKNOWN, dtype=np.int8)
    known = (top >= 0) & (country >= 0)
    basis[known & joint[tt]] = B_JOINT
    basis[known & ~joint[tt] & net.is_state[tt]] = B_STATE
    basis[known & ~joint[tt] & ~net.is_state[tt]] = B_SEAT
    basis[known & (top != np.arange(n))] = B_CONTROLLER
    return country, basis


B_CONTROLLER, B_STATE, B_JOINT, B_SEAT, B_UNKNOWN = 0, 1, 2, 3, 4
BASES = ("controller", "state", "joint", "seat", "unknown")


def in_group(net: Network, top: np.ndarray, country: np.ndarray, group_codes: np.ndarray,
             majority: float = 0.5) -> np.ndarray:
    """Whether each node is controlled from a country of the group.

    A node is, when its controlling country is in the group, or when its chain's top has
    no controlling holder but holders controlled from the group together hold a majority
    (joint control by the group, e.g. China and Hong Kong together); cascades to a fixpoint.
    """
    n = net.n
    member = np.isin(country, np.asarray(group_codes, dtype=country.dtype)) & (country >= 0)
    e = net.econ
    roots = top == np.arange(n)
    into_top = e[roots[net.dst[e]]]
    tt = np.maximum(top, 0)
    for _ in range(n + 1):
        w = np.where(member[net.src[into_top]], net.lo[into_top], 0.0)
        joint = np.bincount(net.dst[into_top], weights=w, minlength=n) > majority + _TOL
        new = member | (roots & joint)
        new = new | ((top >= 0) & new[tt])
        if np.array_equal(new, member):
            break
        member = new
    return member


def in_groups(net: Network, top: np.ndarray, country: np.ndarray, groups: list[np.ndarray],
              majority: float = 0.5, cells: int = 4_000_000) -> np.ndarray:
    """:func:`in_group` of several groups at once: column ``j`` of the ``(n, len(groups))``
    result is ``in_group(net, top, country, groups[j], majority)``, bit for bit (each joint
    sum adds the same terms in the same order; a column at its fixpoint stays there). Groups
    in chunks of about ``cells`` values per array.

    >>> net = Network.from_arrays(3, [0, 1], [2, 2], [0.3, 0.3], is_asset=[False, False, True])
    >>> in_groups(net, np.array([0, 1, 2]), np.array([0, 1, -1]), [np.array([0]), np.array([0, 1])]).T.tolist()
    [[True, False, False], [True, True, True]]
    """
    step = max(1, cells // max(net.n, len(net.src), 1))
    if len(groups) > step:
        return np.concatenate([in_groups(net, top, country, groups[i:i + step], majority, cells)
                               for i in range(0, len(groups), step)], axis=1)
    n = net.n
    member = np.zeros((n, len(groups)), dtype=bool)
    for j, codes in enumerate(groups):
        member[:, j] = np.isin(country, np.asarray(codes, dtype=country.dtype)) & (country >= 0)
    e = net.econ
    roots = top == np.arange(n)
    into_top = e[roots[net.dst[e]]]
    src, lo = net.src[into_top], net.lo[into_top]
    m = len(into_top)  # row v: a 1 at each edge into v, in edge order (np.bincount's order of terms)
    inc = sp.csr_matrix((np.ones(m), (net.dst[into_top], np.arange(m))), shape=(n, m))
    tt, has_top, roots = np.maximum(top, 0), (top >= 0)[:, np.newaxis], roots[:, np.newaxis]
    for _ in range(n + 1):
        joint = (inc @ np.where(member[src], lo[:, np.newaxis], 0.0)) > majority + _TOL
        new = member | (roots & joint)
        new = new | (has_top & new[tt])
        if np.array_equal(new, member):
            break
        member = new
    return member
