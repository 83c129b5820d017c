"""Look-through shares on arrays, all through the one solver.

Contract: on a :class:`~infrarisk.ownership.network.Network` (economic edges only; the
condensation and level plan cached on it), compute for every node at once:

- :func:`untraced` — the share of a node that no recorded holder accounts for, where it
  matters (unknown, never clean); none at an asset whose listed consortium members are the
  whole ownership (``Network.members_complete``: the split is undisclosed, not the owners);
- :func:`held_share` — ``(min, max)`` share held by or through entities controlled from a
  group (a membership mask): members pass their whole stake on, every other holder is
  looked through; :func:`held_share_many` — the same for many memberships in one solve
  (:func:`propagate_masked`: the solver with a pass-on mask per column on the values);
- :func:`economic` — the look-through economic share of every node in a few targets;
  :func:`economic_roots` — the same for many targets at once, sparse (the non-zero entries only);
- :func:`lookthrough_by_country` — :func:`held_share`'s minimum for *every* country at
  once, as a sparse nodes × countries matrix (never a dense 3M × 250 one).

All of them are :func:`infrarisk.ownership.solver.propagate` with a right-hand side and
a pass-on mask; minima use every link's lower bound, maxima its upper bound (capped at 1).
In :func:`held_share` the maximum looks through an edge at its lower bound plus the
subject's untraced share, except into a ``members_complete`` asset, where each member
counts with its upper bound (a consortium member of unknown country, or one controlled
from the group, could hold the whole undisclosed split).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import solver
from .network import Network


def untraced(net: Network, ctl: np.ndarray | None = None) -> np.ndarray:
    """Share of each node that no recorded holder accounts for, where it matters.

    Counted for assets and for holding companies without an identified controller; not
    for companies with no recorded holder (they count for their own country) unless their
    country is unknown, nor for the free float of listed companies (dispersed rather than
    unknown), nor where a controller is identified (the undisclosed remainder is, as far
    as the sources go, the controller's), nor for an asset whose listed consortium members
    are its whole ownership (``members_complete``: their split is undisclosed, not who they
    are; a member's own untraced share still counts, see :func:`held_share`).

    Examples
    --------
    A cable of two consortium members with undisclosed shares (``[0, 1]`` each):

    >>> net = Network.from_arrays(3, [0, 1], [2, 2], [0.0, 0.0], hi=[1.0, 1.0], own_country=[0, 1, 0],
    ...                           country_codes=["FR", "IT"], is_asset=[False, False, True])
    >>> untraced(net).tolist()
    [0.0, 0.0, 1.0]
    >>> net.members_complete[2] = True
    >>> untraced(net).tolist()
    [0.0, 0.0, 0.0]
    """
    u = np.maximum(0.0, 1.0 - net.known_lo)
    u[~net.has_owner] = 0.0
    u[net.is_listed] = 0.0
    if ctl is not None:
        u[(ctl >= 0) & ~net.is_asset] = 0.0
    u[net.is_asset & ~net.has_owner] = 1.0
    u[net.members_complete & net.is_asset & net.has_owner] = 0.0
    # a holder with no recorded holder and no known country (an owner name a source gives
    # without a country) could be controlled from anywhere: unknown, never clean
    u[~net.has_owner & ~net.is_asset & (net.own_country < 0)] = 1.0
    return u


def _matrix(net: Network, weights: str = "lo") -> sp.csr_matrix:
    """``Aᵀ`` of the economic edges in level positions (cached per weight)."""
    key = f"At_{weights}"
    if key not in net._cache:
        e = net.econ
        w = net.lo[e] if weights == "lo" else np.minimum(net.hi[e], 1.0)
        net._cache[key] = net.plan.matrix(net.src[e], net.dst[e], w)
    return net._cache[key]


def held_share(net: Network, member: np.ndarray, ctl: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Share of every node held by or through entities controlled from a group.

    ``h[s] = Σ_owners lo(o,s) · (1 if o is a member else h[o])``, solved exactly (the
    members' pass-on mask, applied to the edges: :func:`~infrarisk.ownership.solver.pass_on_edges`);
    the maximum adds, at each level looked through, the share no recorded holder accounts for,
    and takes the edges into a ``members_complete`` asset at their upper bound (module docstring).

    Examples
    --------
    China Merchants Port (a member) holds 49% of Terminal Link, which holds 50.2% of a
    terminal: the group's share of the terminal is 24.6%.

    >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.49, 0.502])
    >>> lo, _ = held_share(net, np.array([True, False, False]))
    >>> [round(float(x), 4) for x in lo]
    [1.0, 0.49, 0.246]
    """
    e = net.econ
    u = untraced(net, ctl)
    ent_member = member & ~net.is_asset
    u[ent_member] = 0.0
    p = net.plan
    # the members' pass-on mask, applied to the edges: their stakes count whole in b
    w, b_min = solver.pass_on_edges(net.n, net.src[e], net.dst[e], net.lo[e], member)
    both = solver.propagate(p, p.matrix(net.src[e], net.dst[e], w), np.stack([b_min, b_min + u], axis=1)[p.order])
    lo_, hi_ = both[p.pos, 0], both[p.pos, 1]
    return _held_bounds(net, member, lo_, hi_, net.members_complete[net.dst[e]] & net.is_asset[net.dst[e]])


def held_share_many(net: Network, members: list[np.ndarray], ctl: np.ndarray | None = None,
                    cells: int = 4_000_000) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """:func:`held_share` of several memberships (e.g. one per country), solved together.

    The same figures bit for bit: each membership's pass-on edges have the same positions in
    the matrix as the plain one (a member's are zero, :func:`~infrarisk.ownership.solver.pass_on_edges`),
    so one product with the members' values zeroed column by column sums the same terms in the
    same order. ``None`` when the graph has a cross-holding (a dense solve per component: the
    caller solves membership by membership). At most ``cells`` values are held at once
    (memberships in chunks of ``cells // (2 n)``).

    Examples
    --------
    >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.49, 0.502])
    >>> (lo, hi), = held_share_many(net, [np.array([True, False, False])])
    >>> lo.tolist() == held_share(net, np.array([True, False, False]))[0].tolist()
    True
    """
    p = net.plan
    if p.groups:
        return None
    e = net.econ
    src, dst, w = net.src[e], net.dst[e], net.lo[e]
    u0 = untraced(net, ctl)
    At_p = _matrix(net)  # the plain weights; a member's edges are zeroed through its values below
    into = net.members_complete[dst] & net.is_asset[dst]
    # sums over the edges into each node, every membership at once: the rows of ``inc`` take the
    # edges in their order, as np.bincount adds them (the same terms in the same order)
    inc = _incidence(net.n, dst)
    inc_into = _incidence(net.n, dst[into])
    ent = ~net.is_asset[:, np.newaxis]
    out = []
    step = max(1, cells // (2 * max(net.n, 1)))
    for start in range(0, len(members), step):
        M = np.stack([np.asarray(m, bool) for m in members[start:start + step]], axis=1)  # (n, k)
        k = M.shape[1]
        # the members' edges move into b whole (solver.pass_on_edges, column by column)
        b_min = inc @ np.where(M[src], w[:, np.newaxis], 0.0)
        B = np.empty((net.n, 2 * k))
        B[:, 0::2] = b_min
        B[:, 1::2] = b_min + np.where(M & ent, 0.0, u0[:, np.newaxis])
        keep = np.repeat(~M, 2, axis=1)  # which values pass on (not a member's)
        both = propagate_masked(p, At_p, B[p.order], keep[p.order])[p.pos]
        lo_, hi_ = _held_bounds_many(net, M, both[:, 0::2], both[:, 1::2], into, inc_into)
        out += [(lo_[i], hi_[i]) for i in range(k)]
    return out


def _incidence(n: int, dst: np.ndarray) -> sp.csr_matrix:
    """``(n, len(dst))``: row ``v`` has a 1 at each edge into ``v``, in edge order, so that
    ``_incidence(n, dst) @ W`` sums each column of ``W`` as ``np.bincount(dst, weights=...)``
    sums one: the same terms in the same order, the same figures bit for bit.

    Examples
    --------
    >>> (_incidence(3, np.array([2, 0, 2])) @ np.array([[0.1], [0.2], [0.3]]))[:, 0].tolist()
    [0.2, 0.0, 0.4]
    """
    m = len(dst)
    return sp.csr_matrix((np.ones(m), (np.asarray(dst, np.int64), np.arange(m))), shape=(n, m))


def _held_bounds_many(net: Network, M: np.ndarray, lo_: np.ndarray, hi_: np.ndarray, into: np.ndarray,
                      inc_into: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_held_bounds` of the memberships ``M`` (columns) at once, the same figures bit for
    bit; returns ``(lo, hi)`` with one row per membership."""
    hi_ = hi_.copy()
    if into.any():
        e = net.econ
        src = net.src[e][into]
        w_max = np.minimum(net.hi[e][into], 1.0)
        via = np.where(M[src], 1.0, hi_[src])
        at = np.flatnonzero(net.members_complete & net.is_asset)
        hi_[at] = (inc_into @ (w_max[:, np.newaxis] * via))[at]
    lo_ = lo_.copy()
    ent_member = M & ~net.is_asset[:, np.newaxis]
    lo_[ent_member] = 1.0
    hi_[ent_member] = 1.0
    return np.ascontiguousarray(np.clip(lo_, 0, 1).T), np.ascontiguousarray(np.clip(np.maximum(hi_, lo_), 0, 1).T)


def propagate_masked(p: solver.Plan, At_p: sp.csr_matrix, B_p: np.ndarray, keep_p: np.ndarray) -> np.ndarray:
    """:func:`~infrarisk.ownership.solver.propagate` of a dense ``B_p`` on a plan without dense components, where a value
    passes on only where ``keep_p`` (same shape, in positions) is true: column ``c`` is the
    solve of the matrix whose columns (owners) not kept in ``c`` are zero — with the same terms
    summed in the same order (a dropped owner adds ``w · 0``), so bit for bit that solve.

    Examples
    --------
    >>> p = solver.plan(solver.condense(3, [0, 1], [1, 2]), [0, 1], [1, 2])
    >>> At = p.matrix(np.array([0, 1]), np.array([1, 2]), [0.5, 0.5])
    >>> B = np.zeros((3, 2)); B[p.pos[0]] = 1.0
    >>> keep = np.ones((3, 2), bool); keep[p.pos[1], 1] = False
    >>> propagate_masked(p, At, B, keep)[p.pos].tolist()
    [[1.0, 1.0], [0.5, 0.5], [0.25, 0.0]]
    """
    if p.groups:
        raise ValueError("propagate_masked: the plan has components that need a dense solve")
    X = np.zeros(B_p.shape)
    Xm = np.zeros(B_p.shape)  # the values that pass on
    for lv in range(len(p.bounds) - 1):
        a, b = int(p.bounds[lv]), int(p.bounds[lv + 1])
        if a == b:
            continue
        X[a:b] = B_p[a:b] + At_p[a:b] @ Xm
        Xm[a:b] = np.where(keep_p[a:b], X[a:b], 0.0)
    return X


def _held_bounds(net: Network, member: np.ndarray, lo_: np.ndarray, hi_: np.ndarray,
                 into: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last steps of :func:`held_share` on the solved ``(lo, hi)``: the edges into a
    ``members_complete`` asset at their upper bound, members at 1, clipped."""
    e = net.econ
    ent_member = member & ~net.is_asset
    if into.any():
        # assets own nothing (owners are entities), so a members_complete asset is a sink: its
        # maximum is its members' upper bounds times their own maxima, no further solve
        src, dst = net.src[e][into], net.dst[e][into]
        w_max = np.minimum(net.hi[e][into], 1.0)
        via = np.where(member[src], 1.0, hi_[src])
        at = np.flatnonzero(net.members_complete & net.is_asset)
        hi_[at] = np.bincount(dst, weights=w_max * via, minlength=net.n)[at]
    lo_[ent_member] = 1.0
    hi_[ent_member] = 1.0
    return np.clip(lo_, 0, 1), np.clip(np.maximum(hi_, lo_), 0, 1)


def economic(net: Network, targets: list[int] | np.ndarray,
             rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Look-through economic share of every node in each target: ``(W_min, W_max)``,
    arrays of shape ``(n, len(targets))``; exact, solved on the reversed graph. With
    ``rows`` (node numbers), only those nodes' rows, shape ``(len(rows), len(targets))``:
    the same figures, without gathering and clipping the others.

    Examples
    --------
    >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.5, 0.5], hi=[0.5, 0.7])
    >>> W_lo, W_hi = economic(net, [2])
    >>> W_lo[:, 0].tolist(), W_hi[:, 0].tolist()
    ([0.25, 0.5, 1.0], [0.35, 0.7, 1.0])
    """
    targets = np.asarray(targets, dtype=np.int64)
    k = len(targets)
    e = net.econ
    src, dst = net.src[e], net.dst[e]
    rp = _reversed_plan(net)
    B = np.zeros((net.n, k))
    B[rp.pos[targets], np.arange(k)] = 1.0
    at = rp.pos if rows is None else rp.pos[np.asarray(rows, dtype=np.int64)]
    W_lo = solver.propagate(rp, rp.matrix(dst, src, net.lo[e]), B)[at]
    W_hi = solver.propagate(rp, rp.matrix(dst, src, np.minimum(net.hi[e], 1.0)), B)[at]
    # upper bounds of loops whose maximal weights reach 100% have no finite series: the
    # bound is then at least the minimum (and at most 1)
    return np.clip(W_lo, 0, 1), np.clip(np.maximum(W_hi, W_lo), 0, 1)


def _reversed_plan(net: Network) -> solver.Plan:
    """The level plan of the reversed economic edges (subject -> owner), cached on ``net``."""
    if "rplan" not in net._cache:
        e = net.econ
        src, dst = net.src[e], net.dst[e]
        net._cache["rplan"] = solver.plan(solver.condense(net.n, dst, src), dst, src)
    return net._cache["rplan"]


def economic_roots(net: Network, targets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The non-zero entries of :func:`economic` on ``rows``, for every target at once, sparse.

    Returns ``(r, j, lo, hi)``: row ``rows[r]`` has the economic share ``[lo, hi]`` of target
    ``targets[j]`` (``lo + hi > 0``), sorted by target, then row — the entries of the dense
    ``(W_min, W_max)`` restricted to ``rows``, bit for bit (the sparse product sums the same
    terms in the same order, leaving out only zero ones). ``None`` when the reversed graph has a
    cross-holding (a dense solve per component: the caller uses :func:`economic`, whose
    multi-column solve may round differently from one column at a time).

    Examples
    --------
    >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.5, 0.5], hi=[0.5, 0.7])
    >>> r, j, lo, hi = economic_roots(net, np.array([2]), np.array([0, 1, 2]))
    >>> r.tolist(), j.tolist(), lo.tolist(), hi.tolist()
    ([0, 1, 2], [0, 0, 0], [0.25, 0.5, 1.0], [0.35, 0.7, 1.0])
    """
    rp = _reversed_plan(net)
    if rp.groups:
        return None
    targets, rows = np.asarray(targets, dtype=np.int64), np.asarray(rows, dtype=np.int64)
    k = len(targets)
    e = net.econ
    src, dst = net.src[e], net.dst[e]
    B = sp.csr_matrix((np.ones(k), (rp.pos[targets], np.arange(k))), shape=(net.n, k))
    at = rp.pos[rows]
    parts = []
    for w in (net.lo[e], np.minimum(net.hi[e], 1.0)):
        W = solver.propagate(rp, rp.matrix(dst, src, w), B)[at].tocoo()
        parts.append((W.col.astype(np.int64) * len(rows) + W.row, W.data))
    (k_lo, v_lo), (k_hi, v_hi) = parts
    keys = np.union1d(k_lo, k_hi)  # sorted: by target, then row

    def spread(k_, v_):
        out = np.zeros(len(keys))
        out[np.searchsorted(keys, k_)] = v_
        return out
    raw_lo, raw_hi = spread(k_lo, v_lo), spread(k_hi, v_hi)
    lo = np.clip(raw_lo, 0, 1)
    hi = np.clip(np.maximum(raw_hi, raw_lo), 0, 1)
    keep = (lo + hi) > 0
    keys = keys[keep]
    return keys % len(rows) if len(rows) else keys, keys // max(len(rows), 1), lo[keep], hi[keep]


def lookthrough_by_country(net: Network, country: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The share of every node held by or through entities controlled from each country.

    Column ``c`` equals :func:`held_share`'s minimum for the group ``{c}`` (membership by
    controlling ``country``), for all countries in one sparse solve: each entity passes 1
    on in its own controlling country's column (the pass-on mask) and its own share in the
    others; one more column carries the share no recorded holder accounts for. The result
    stays sparse: a node has a non-zero only for the countries its chains reach.

    Returns
    -------
    (G, unknown) : (csr_matrix of shape (n, len(country_codes)), ndarray)
        ``G[v, c]`` as above (for an entity controlled from ``c`` it is 1; for assets it is
        the look-through share); ``unknown[v]`` bounds what no recorded holder accounts
        for along the chains (an upper bound on what any country may hold beyond ``G``).

    Examples
    --------
    >>> net = Network.from_arrays(3, [0, 1], [1, 2], [0.4, 0.5], own_country=[0, 1, 1],
    ...                           country_codes=["CN", "FR"])
    >>> G, _ = lookthrough_by_country(net, np.array([0, 1, 1]))
    >>> G.toarray().round(3).tolist()
    [[1.0, 0.0], [0.4, 1.0], [0.2, 1.0]]
    """
    n, C = net.n, max(len(net.country_codes), 1)
    p = net.plan
    u = untraced(net)
    r = np.flatnonzero(u[p.order] > 0)
    B_p = sp.csr_matrix((u[p.order][r], (r, np.full(len(r), C))), shape=(n, C + 1))
    whole = np.where(net.is_asset | (country < 0), -1, country).astype(np.int64)
    done = solver.propagate(p, _matrix(net), B_p, whole[p.order])
    G_nodes = done[p.pos].tocsr()
    unknown = np.asarray(G_nodes[:, C].todense()).ravel()
    G_nodes = G_nodes[:, :C].tocsr()
    G_nodes.eliminate_zeros()
    return G_nodes, np.clip(unknown, 0, 1)
