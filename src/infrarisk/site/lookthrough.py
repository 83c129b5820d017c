"""Look-through economic shares of owners in everything below them, for the owner pages.

Contract: :func:`lookthrough` takes the ownership edges of ``out_exposure__evidence_edges``
(records with ``owner_entity_id``, ``subject_id``, ``share_min``, ``share_max``,
``is_economic``), a list of owners and optionally the nodes to report, and returns each
owner's look-through share range in every node it reaches through economic edges, solved
exactly with the project's solver (:func:`infrarisk.ownership.solver.solve`: loops solved,
never cut). The shares of every (owner, node below it) pair are looked up in the solver's
sparse result at once, as arrays (:func:`values_at`). Used by :func:`.owner_pages.collect`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..ownership import solver
from ..ownership.subgraph import reach


def values_at(x, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The entries ``x[rows[i], cols[i]]`` of the sparse matrix ``x`` as an array (0 where none is stored).

    Examples
    --------
    >>> values_at(sp.csr_matrix([[0.0, 2.0], [3.0, 0.0]]), np.array([0, 1, 1]), np.array([1, 0, 1])).tolist()
    [2.0, 3.0, 0.0]
    """
    x = sp.csc_matrix(x)
    x.sum_duplicates()  # sorted rows within each column, one entry each: the keys below are sorted
    n_rows = x.shape[0]
    keys = np.repeat(np.arange(x.shape[1], dtype=np.int64), np.diff(x.indptr)) * n_rows + x.indices
    want = np.asarray(cols, dtype=np.int64) * n_rows + np.asarray(rows, dtype=np.int64)
    if not len(keys):
        return np.zeros(len(want))
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    return np.where(keys[at] == want, x.data[at], 0.0)


def lookthrough(edges: list[dict], owners: list[str], nodes=None) -> dict[str, dict[str, tuple[float, float]]]:
    """Look-through economic share of each of ``owners`` in every node below it: ``{owner: {node: (lo, hi)}}``.

    The sum over ownership paths of the product of the shares (minimum and maximum),
    solved exactly on the economic edges (cross-holdings included); every node reached
    through economic edges is listed (only those in ``nodes`` when given), with 0 where
    the recorded shares are 0.

    Examples
    --------
    >>> e = [{"owner_entity_id": "a", "subject_id": "b", "share_min": 0.5, "share_max": 0.5, "is_economic": True},
    ...      {"owner_entity_id": "b", "subject_id": "x", "share_min": 0.4, "share_max": 1.0, "is_economic": True}]
    >>> lookthrough(e, ["a"])["a"]["x"]
    (0.2, 0.5)
    >>> lookthrough(e, ["a"], nodes={"x"})
    {'a': {'x': (0.2, 0.5)}}
    """
    econ = [e for e in edges if e["is_economic"]]
    ids = sorted({e["owner_entity_id"] for e in econ} | {e["subject_id"] for e in econ} | set(owners))
    pos = {v: i for i, v in enumerate(ids)}
    n, k = len(ids), len(owners)
    if not econ or not k:
        return {o: {} for o in owners}
    src = np.array([pos[e["owner_entity_id"]] for e in econ], dtype=np.int64)
    dst = np.array([pos[e["subject_id"]] for e in econ], dtype=np.int64)
    lo = np.array([float(e["share_min"] or 0.0) for e in econ])
    hi = np.minimum(np.array([float(1.0 if e["share_max"] is None else e["share_max"]) for e in econ]), 1.0)
    starts = np.array([pos[o] for o in owners], dtype=np.int64)
    B = sp.csr_matrix((np.ones(k), (starts, np.arange(k))), shape=(n, k))
    cond = solver.condense(n, src, dst)
    X_lo = solver.solve(n, src, dst, lo, B, cond=cond)
    X_hi = solver.solve(n, src, dst, hi, B, cond=cond)
    # every node each owner reaches through economic edges (a recorded 0% stake included, as db.holdings)
    below: dict[int, list[int]] = {}
    for a, b in zip(src.tolist(), dst.tolist()):
        below.setdefault(a, []).append(b)
    v, counts = [], []
    for s in starts.tolist():
        seen = reach((s,), below)
        seen.discard(s)
        v.extend(seen)
        counts.append(len(seen))
    v = np.array(v, dtype=np.int64)
    j = np.repeat(np.arange(k), counts)
    if nodes is not None:
        keep = np.fromiter((i in nodes for i in ids), dtype=bool, count=n)[v]
        j, v = j[keep], v[keep]
    # min(max(lo, 0), 1) and min(max(hi, lo), 1) as Python's min and max take them (the first
    # argument unless the second is strictly beyond it, NaN and signed zeros included)
    lv = values_at(X_lo, v, j)
    lv = np.where(0.0 > lv, 0.0, lv)
    lv = np.where(1.0 < lv, 1.0, lv)
    hv = values_at(X_hi, v, j)
    hv = np.where(lv > hv, lv, hv)
    hv = np.where(1.0 < hv, 1.0, hv)
    names = [ids[i] for i in v.tolist()]
    shares = list(zip(lv.tolist(), hv.tolist()))
    cut = np.searchsorted(j, np.arange(k + 1)).tolist()
    return {o: dict(zip(names[cut[x]:cut[x + 1]], shares[cut[x]:cut[x + 1]])) for x, o in enumerate(owners)}
