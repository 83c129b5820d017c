"""Look-through economic shares of owners in everything below them, for the owner pages.

Contract: :func:`lookthrough` takes the ownership edges of ``out_exposure__evidence_edges``
(records with ``owner_entity_id``, ``subject_id``, ``share_min``, ``share_max``,
``is_economic``) and a list of owners, and returns each owner's look-through share range
in every node it reaches through economic edges, solved exactly with the project's solver
(:func:`infrarisk.ownership.solver.solve`: loops solved, never cut). Used by
:func:`.owner_pages.collect`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..ownership import solver
from ..ownership.subgraph import reach


def lookthrough(edges: list[dict], owners: list[str]) -> dict[str, dict[str, tuple[float, float]]]:
    """Look-through economic share of each of ``owners`` in every node below it: ``{owner: {node: (lo, hi)}}``.

    The sum over ownership paths of the product of the shares (minimum and maximum),
    solved exactly on the economic edges (cross-holdings included); every node reached
    through economic edges is listed, with 0 where the recorded shares are 0.

    Examples
    --------
    >>> e = [{"owner_entity_id": "a", "subject_id": "b", "share_min": 0.5, "share_max": 0.5, "is_economic": True},
    ...      {"owner_entity_id": "b", "subject_id": "x", "share_min": 0.4, "share_max": 1.0, "is_economic": True}]
    >>> lookthrough(e, ["a"])["a"]["x"]
    (0.2, 0.5)
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
    B = sp.csr_matrix((np.ones(k), ([pos[o] for o in owners], np.arange(k))), shape=(n, k))
    cond = solver.condense(n, src, dst)
    X_lo = sp.csc_matrix(solver.solve(n, src, dst, lo, B, cond=cond))
    X_hi = sp.csc_matrix(solver.solve(n, src, dst, hi, B, cond=cond))
    # the columns as plain lists, sliced per owner (not a sparse column object per owner)
    lo_ptr, lo_idx, lo_val = X_lo.indptr.tolist(), X_lo.indices.tolist(), X_lo.data.tolist()
    hi_ptr, hi_idx, hi_val = X_hi.indptr.tolist(), X_hi.indices.tolist(), X_hi.data.tolist()
    below: dict[int, list[int]] = {}
    for a, b in zip(src.tolist(), dst.tolist()):
        below.setdefault(a, []).append(b)
    out = {}
    for j, o in enumerate(owners):
        # every node the owner reaches through economic edges (a recorded 0% stake included, as db.holdings)
        start = pos[o]
        seen = reach((start,), below)
        lo_of = dict(zip(lo_idx[lo_ptr[j]:lo_ptr[j + 1]], lo_val[lo_ptr[j]:lo_ptr[j + 1]]))
        hi_of = dict(zip(hi_idx[hi_ptr[j]:hi_ptr[j + 1]], hi_val[hi_ptr[j]:hi_ptr[j + 1]]))
        res = {}
        for i in seen - {start}:
            lv = min(max(lo_of.get(i, 0.0), 0.0), 1.0)
            res[ids[i]] = (lv, min(max(hi_of.get(i, 0.0), lv), 1.0))
        out[o] = res
    return out
