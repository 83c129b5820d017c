"""The one exact solver: linear propagation over an ownership graph with cycles.

Contract: given ``n`` nodes and weighted edges ``src -> dst`` (owner -> subject), solve

    x = b + Aᵀ x        (x[dst] += w · x[src])

exactly, for one or many right-hand sides ``b`` (dense ``(n,)``/``(n, k)``, or a sparse
``(n, k)`` matrix whose result stays sparse). This is the series (I − Aᵀ)⁻¹ b of
look-through ownership. The graph is condensed into strongly connected components
(:func:`condense`); components are processed level by level in topological order (owners
before subjects, :class:`Plan`), each level with one sparse product for what flows in from
earlier levels and a dense solve inside each multi-node component (a cross-holding).
No path is ever enumerated, so loops cost nothing extra and the result is exact —
unlike a depth cut or a fixpoint iteration, which need ~10⁵ rounds near 100% loops.

The **pass-on mask** (``whole``) says which nodes pass their *whole* stake on instead of
their own look-through value: ``x[v, c] = 1`` where ``whole[v] == c`` (or for every
column where ``whole[v] == ALL``). It is how "held by or through entities controlled from
a group" is computed: a controlled entity counts with its whole stake, every other holder
is looked through (:func:`infrarisk.ownership.shares.held_share`,
:func:`~infrarisk.ownership.shares.lookthrough_by_country`).

:func:`pass_on_edges` applies the same mask to the edges instead (the arithmetic of the
per-group tables). :func:`solve` is the entry point on edge lists; :func:`propagate` runs the same solver on
a prepared :class:`Plan` and level-ordered matrix (reused across calls on one graph).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

#: ``whole[v] == ALL``: node ``v`` passes its whole stake on in every column
ALL = -2


@dataclass
class Condensation:
    """Strongly connected components and their topological levels.

    Attributes
    ----------
    labels : ndarray of int
        Component of each node.
    level : ndarray of int
        Level of each component (0 = no incoming edge from another component).
    sizes : ndarray of int
        Nodes per component.
    """

    labels: np.ndarray
    level: np.ndarray
    sizes: np.ndarray

    @property
    def n_components(self) -> int:
        return len(self.sizes)

    def loops(self) -> list[np.ndarray]:
        """Node indices of each component with more than one node (the cycles)."""
        big = np.flatnonzero(self.sizes > 1)
        order = np.argsort(self.labels, kind="stable")
        starts = np.searchsorted(self.labels[order], big)
        return [np.sort(order[s:s + self.sizes[c]]) for s, c in zip(starts, big)]


def condense(n: int, src: np.ndarray, dst: np.ndarray) -> Condensation:
    """Strongly connected components of the graph and the level of each component.

    The level of a component is the length of the longest chain of components leading
    into it, so all components of one level depend only on lower levels. Linear in the
    number of edges: one scipy SCC pass, then Kahn's algorithm a frontier at a time.

    Examples
    --------
    >>> c = condense(4, [0, 1, 2], [1, 0, 3])
    >>> [x.tolist() for x in c.loops()], int(c.level[c.labels[3]])
    ([[0, 1]], 1)
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    # only a node with both an owner and a holding can sit on a cycle: the SCC pass runs on
    # those (most registry entities have neither); every other node is its own component
    core = np.zeros(n, dtype=bool)
    core[src] = True
    has_in = np.zeros(n, dtype=bool)
    has_in[dst] = True
    core &= has_in
    core_nodes = np.flatnonzero(core)
    at = np.full(n, -1, dtype=np.int64)
    at[core_nodes] = np.arange(len(core_nodes))
    inner = core[src] & core[dst]
    k = len(core_nodes)
    adj = sp.csr_matrix((np.ones(int(inner.sum()), dtype=np.int8), (at[src[inner]], at[dst[inner]])), shape=(k, k))
    ncore, core_labels = connected_components(adj, directed=True, connection="strong")
    labels = np.empty(n, dtype=np.int64)
    labels[core_nodes] = core_labels
    rest = np.flatnonzero(~core)
    labels[rest] = ncore + np.arange(len(rest))
    ncomp = ncore + len(rest)
    sizes = np.bincount(labels, minlength=ncomp)
    cs, cd = labels[src], labels[dst]
    keep = cs != cd
    # one key per component pair: duplicates removed without a 2-D unique
    key = sorted_unique(cs[keep] * np.int64(ncomp) + cd[keep])
    cs, cd = key // ncomp, key % ncomp
    indeg = np.bincount(cd, minlength=ncomp)
    out_ptr = np.zeros(ncomp + 1, dtype=np.int64)
    out_ptr[1:] = np.cumsum(np.bincount(cs, minlength=ncomp))  # key is sorted by cs already
    level = np.zeros(ncomp, dtype=np.int64)
    # Kahn's algorithm from the components that hold something and are held by none
    frontier = sorted_unique(cs)
    frontier = frontier[indeg[frontier] == 0]
    while len(frontier):
        idx, counts = csr_gather(out_ptr, frontier)
        if not len(idx):
            break
        targets = cd[idx]
        np.maximum.at(level, targets, np.repeat(level[frontier] + 1, counts))
        np.subtract.at(indeg, targets, 1)
        frontier = sorted_unique(targets[indeg[targets] == 0])
    return Condensation(labels=labels, level=level, sizes=sizes)


@dataclass
class Plan:
    """The level schedule of one condensation, computed once per graph.

    Attributes
    ----------
    order : ndarray of int64
        Nodes in level order (stable: node order within a level).
    pos : ndarray of int64
        Position of each node in ``order``.
    bounds : ndarray of int64
        Level ``lv`` occupies positions ``bounds[lv]:bounds[lv+1]``.
    groups : dict of int to list of ndarray
        Per level, the sorted positions of the members of each component that needs a
        dense solve (a multi-node component, or a node owning part of itself).
    """

    order: np.ndarray
    pos: np.ndarray
    bounds: np.ndarray
    groups: dict[int, list[np.ndarray]]

    def matrix(self, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
        """``Aᵀ`` in positions: row = subject, column = owner, both level-ordered."""
        n = len(self.order)
        return sp.csr_matrix((np.asarray(w, np.float64), (self.pos[dst], self.pos[src])), shape=(n, n))


def plan(cond: Condensation, src: np.ndarray, dst: np.ndarray) -> Plan:
    """The :class:`Plan` of ``cond`` (whose edges are ``src -> dst``)."""
    n = len(cond.labels)
    node_level = cond.level[cond.labels]
    top = int(node_level.max(initial=0))
    # levels are small integers: a stable sort of 16-bit keys is a radix sort
    order = np.argsort(node_level.astype(np.int16) if top < 2 ** 15 else node_level, kind="stable")
    bounds = np.searchsorted(node_level[order], np.arange(top + 2))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    self_loop = np.zeros(n, dtype=bool)
    src = np.asarray(src, dtype=np.int64)
    self_loop[src[src == np.asarray(dst, dtype=np.int64)]] = True
    special = np.flatnonzero((cond.sizes[cond.labels] > 1) | self_loop)
    special = special[np.lexsort((special, cond.labels[special]))]
    cuts = np.flatnonzero(np.diff(cond.labels[special])) + 1
    groups: dict[int, list[np.ndarray]] = {}
    for members in (np.split(special, cuts) if len(special) else []):
        groups.setdefault(int(node_level[members[0]]), []).append(pos[members])
    return Plan(order=order, pos=pos, bounds=bounds, groups=groups)


def csr_gather(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``ptr[r] .. ptr[r+1]-1`` of every ``r`` in ``rows``, concatenated, and the
    count per row: the entries of several CSR rows at once, without a Python loop.

    Examples
    --------
    >>> idx, counts = csr_gather(np.array([0, 2, 2, 5]), np.array([0, 2]))
    >>> idx.tolist(), counts.tolist()
    ([0, 1, 2, 3, 4], [2, 3])
    """
    counts = ptr[rows + 1] - ptr[rows]
    total = int(counts.sum())
    return np.repeat(ptr[rows] - (np.cumsum(counts) - counts), counts) + np.arange(total), counts


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a plain sort: faster than ``np.unique``'s hashing here)."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def solve(n: int, src, dst, w, b, cond: Condensation | None = None, whole=None):
    """Solve ``x = b + Aᵀx`` exactly (see module docstring).

    Parameters
    ----------
    n : int
        Number of nodes.
    src, dst : array of int
        Edge endpoints: ``src`` owns ``w`` of ``dst``.
    w : array of float
        Edge weights (fractions, >= 0).
    b : array, shape (n,) or (n, k), or sparse matrix (n, k)
        Right-hand side(s).
    cond : Condensation, optional
        Reuse a condensation computed for the same edges.
    whole : array of int, optional
        The pass-on mask (module docstring); dense ``b`` takes only ``ALL``/``-1``.

    Returns
    -------
    ndarray or csr_matrix
        ``x`` with the shape of ``b``. Components whose loop weight reaches 1 (a
        closed loop owning itself) have no finite series; they are solved in the
        least-squares sense and clipped at 0.

    Examples
    --------
    A owns 100% of B, B 100% of C, C 96% of A and X the other 4% of A: X's
    look-through share of C is exactly 1.

    >>> x = solve(4, [0, 1, 2, 3], [1, 2, 0, 0], [1.0, 1.0, 0.96, 0.04], [0, 0, 0, 1.0])
    >>> round(float(x[2]), 12)
    1.0
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if cond is None:
        cond = condense(n, src, dst)
    p = plan(cond, src, dst)
    At_p = p.matrix(src, dst, w)
    mask = None if whole is None else np.asarray(whole, dtype=np.int64)[p.order]
    if sp.issparse(b):
        return propagate(p, At_p, sp.csr_matrix(b)[p.order], mask)[p.pos]
    b = np.asarray(b, dtype=np.float64)
    X = propagate(p, At_p, b.reshape(n, -1)[p.order], mask)[p.pos]
    return X[:, 0] if b.ndim == 1 else X


def propagate(p: Plan, At_p: sp.csr_matrix, B_p, whole_p: np.ndarray | None = None):
    """:func:`solve` on a prepared plan: everything in positions (level order).

    ``B_p`` dense ``(n, k)`` or sparse; ``whole_p`` the pass-on mask in positions. Each
    level: inflow from lower levels (already final) plus ``B``; pass-on values set; then
    the dense solve of each component of the level (members are still 0 while their
    level's inflow is computed, and components of one level never feed each other).
    """
    sparse = sp.issparse(B_p)
    X = _Rows(B_p.shape) if sparse else np.zeros(B_p.shape)
    for lv in range(len(p.bounds) - 1):
        a, b = int(p.bounds[lv]), int(p.bounds[lv + 1])
        if a == b:
            continue
        w = None if whole_p is None else whole_p[a:b]
        if not sparse:
            X[a:b] = B_p[a:b] + At_p[a:b] @ X
            if w is not None:
                X[a:b][w == ALL] = 1.0
            for m in p.groups.get(lv, ()):
                X[m] = _solve_dense(At_p, X[m], m, None if w is None else w[m - a] == ALL)
            continue
        # rows not yet solved are empty, so the product takes only lower levels' values
        H = (B_p[a:b] if lv == 0 else B_p[a:b] + At_p[a:b] @ X.matrix()).tocsr()
        G = _pass_on_sparse(H, w)
        if lv in p.groups:
            G = _solve_sparse(G, H, At_p, a, p.groups[lv], w)
        X.append(a, G)
    return X.matrix() if sparse else X


class _Rows:
    """A CSR matrix filled a block of rows at a time, in row order; rows not yet filled are
    empty. Appending copies only the new block (no re-stacking of what is done)."""

    def __init__(self, shape):
        self.shape = shape
        self.indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        self.indices = np.zeros(1024, dtype=np.int64)
        self.data = np.zeros(1024)
        self.nnz = 0

    def append(self, a: int, G: sp.csr_matrix) -> None:
        nnz, k = self.nnz, G.nnz
        if nnz + k > len(self.data):
            cap = max(2 * len(self.data), nnz + k)
            self.indices = np.concatenate([self.indices[:nnz], np.zeros(cap - nnz, np.int64)])
            self.data = np.concatenate([self.data[:nnz], np.zeros(cap - nnz)])
        self.indices[nnz:nnz + k] = G.indices
        self.data[nnz:nnz + k] = G.data
        b = a + G.shape[0]
        self.indptr[a + 1:b + 1] = nnz + G.indptr[1:]
        self.indptr[b + 1:] = nnz + k
        self.nnz = nnz + k

    def matrix(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.data[:self.nnz], self.indices[:self.nnz], self.indptr), shape=self.shape,
                             copy=False)


def pass_on_edges(n: int, src, dst, w, fixed) -> tuple[np.ndarray, np.ndarray]:
    """The pass-on mask for every column at once, applied to the edges instead of the
    values: the edges of a ``fixed`` owner move into the right-hand side whole (weight
    times 1) and leave the matrix. Solving ``x = b + Aᵀx`` with the returned weights and
    ``b`` gives the same as ``whole = ALL`` on the fixed nodes, except at the fixed nodes
    themselves (set them to 1), and sums in the order the per-group tables always have.

    Examples
    --------
    >>> w, b = pass_on_edges(3, [0, 1], [1, 2], [0.4, 0.5], np.array([True, False, False]))
    >>> w.tolist(), b.tolist()
    ([0.0, 0.5], [0.0, 0.4, 0.0])
    """
    src, dst, w = np.asarray(src, np.int64), np.asarray(dst, np.int64), np.asarray(w, np.float64)
    f = np.asarray(fixed, bool)[src]
    return np.where(f, 0.0, w), np.bincount(dst, weights=np.where(f, w, 0.0), minlength=n)


def _solve_block(sub: np.ndarray, rhs: np.ndarray, fixed: np.ndarray | None) -> np.ndarray:
    """Exact solve of ``x = rhs + sub·x`` with ``x[fixed] = 1`` (rows of one component)."""
    if fixed is None or not fixed.any():
        mat, r = np.eye(len(sub)) - sub, rhs
    else:
        passes = ~fixed
        mat = np.eye(len(sub)) - sub * passes[np.newaxis, :]
        r = rhs + (sub @ fixed.astype(float)).reshape((-1,) + (1,) * (rhs.ndim - 1))
    try:
        x = np.linalg.solve(mat, r)
        if not np.all(np.isfinite(x)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        x = np.linalg.lstsq(mat, r, rcond=None)[0]
    x = np.maximum(x, 0.0)
    if fixed is not None:
        x[fixed] = 1.0
    return x


def _solve_dense(At_p, rhs: np.ndarray, m: np.ndarray, fixed: np.ndarray | None) -> np.ndarray:
    """One component of a dense solve; ``rhs`` holds ``b`` plus the inflow from outside."""
    return _solve_block(dense_block(At_p, m, m), rhs, fixed)


def _pass_on_sparse(H: sp.csr_matrix, whole: np.ndarray | None) -> sp.csr_matrix:
    """``H`` with 1 in each masked node's pass-on column (replacing its value)."""
    if whole is None:
        return H
    Hc = H.tocoo()
    sel = whole >= 0
    drop = sel[Hc.row] & (whole[Hc.row] == Hc.col)
    rows = np.flatnonzero(sel)
    r = np.concatenate([Hc.row[~drop], rows])
    c = np.concatenate([Hc.col[~drop], whole[rows]])
    v = np.concatenate([Hc.data[~drop], np.ones(len(rows))])
    return sp.csr_matrix((v, (r, c)), shape=H.shape)


def _solve_sparse(G, H, At_p, a, groups, whole) -> sp.csr_matrix:
    """The components of one level of a sparse solve, column by column (few, small).

    Only the columns that flow into a component or that a member passes on are solved.
    """
    R, Cc, V = [], [], []
    rows = np.concatenate(groups) - a
    for m_abs in groups:
        m = m_abs - a
        sub = dense_block(At_p, m_abs, m_abs)
        ext = H[m].toarray()  # b plus the inflow from lower levels
        own = whole[m] if whole is not None else np.full(len(m), -1)
        cols = np.unique(np.concatenate([np.flatnonzero(ext.any(axis=0)), own[own >= 0]]))
        for c in cols:
            x = _solve_block(sub, ext[:, c], own == c)
            R.extend(m.tolist())
            Cc.extend([int(c)] * len(m))
            V.extend(x.tolist())
    Gc = G.tocoo()
    drop = np.zeros(G.shape[0], dtype=bool)
    drop[rows] = True
    keep = ~drop[Gc.row]
    return sp.csr_matrix((np.concatenate([Gc.data[keep], V]),
                          (np.concatenate([Gc.row[keep], np.asarray(R, np.int64)]),
                           np.concatenate([Gc.col[keep], np.asarray(Cc, np.int64)]))), shape=G.shape)


def dense_block(M: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Dense ``M[rows][:, cols]`` for a few rows and sorted columns, without scipy's
    column indexing (which costs the full width of ``M`` per call)."""
    R = M[rows]
    where = np.searchsorted(cols, R.indices)
    where = np.minimum(where, len(cols) - 1)
    hit = cols[where] == R.indices
    out = np.zeros((len(rows), len(cols)))
    row_of = np.repeat(np.arange(len(rows)), np.diff(R.indptr))
    np.add.at(out, (row_of[hit], where[hit]), R.data[hit])
    return out
