"""The owner pages' look-through: the array lookup equals, value for value, the per-owner dicts it
replaced (kept here as the reference) on random graphs with loops, recorded 0% stakes and open
ranges, on crafted solver results (NaN, signed zeros, out of range), and on the shipped build."""

from __future__ import annotations

import math
import random

import duckdb
import numpy as np
import pytest
import scipy.sparse as sp

from infrarisk.ownership import solver
from infrarisk.ownership.subgraph import reach
from infrarisk.site import lookthrough as lt
from infrarisk.site import owner_pages


def _before(edges, owners, solve=solver.solve):
    """``lookthrough`` as it was: a dict of each owner's solver column, read per reached node."""
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
    X_lo = sp.csc_matrix(solve(n, src, dst, lo, B, cond=cond))
    X_hi = sp.csc_matrix(solve(n, src, dst, hi, B, cond=cond))
    below: dict[int, list[int]] = {}
    for a, b in zip(src.tolist(), dst.tolist()):
        below.setdefault(a, []).append(b)
    out = {}
    for j, o in enumerate(owners):
        start = pos[o]
        seen = reach((start,), below)
        col_lo, col_hi = X_lo[:, j], X_hi[:, j]
        lo_of = dict(zip(col_lo.indices.tolist(), col_lo.data.tolist()))
        hi_of = dict(zip(col_hi.indices.tolist(), col_hi.data.tolist()))
        res = {}
        for i in seen - {start}:
            lv = min(max(lo_of.get(i, 0.0), 0.0), 1.0)
            res[ids[i]] = (lv, min(max(hi_of.get(i, 0.0), lv), 1.0))
        out[o] = res
    return out


def _same(a: dict, b: dict) -> bool:
    """Equal, float for float, NaN and the sign of zero included."""
    if a.keys() != b.keys():
        return False
    for o in a:
        if a[o].keys() != b[o].keys():
            return False
        for node, (x, y) in a[o].items():
            for p, q in zip((x, y), b[o][node]):
                if not (repr(p) == repr(q)):
                    return False
    return True


def _graph(seed: int) -> list[dict]:
    """Random ownership edges: entities e0.., assets a0.., loops among entities, some non-economic
    edges, recorded 0% stakes, undisclosed (None) bounds, shares above 1."""
    rng = random.Random(seed)
    n_e, n_a = rng.randint(1, 25), rng.randint(0, 15)
    nodes = [f"e{i}" for i in range(n_e)] + [f"a{i}" for i in range(n_a)]
    edges = []
    for i in range(rng.randint(0, 60)):
        o = f"e{rng.randrange(n_e)}"
        s = rng.choice(nodes)
        if s == o:
            continue
        lo = rng.choice([None, 0.0, 0.1, 0.25, 0.5, 0.51, 1.0, rng.random()])
        hi = rng.choice([None, 0.0, 1.0, 1.2, (lo or 0.0) + 0.1, lo])
        edges.append({"owner_entity_id": o, "subject_id": s, "share_min": lo, "share_max": hi,
                      "is_economic": rng.random() > 0.15})
    return edges


@pytest.mark.parametrize("seed", range(60))
def test_equals_the_per_owner_dicts_on_random_graphs(seed):
    edges = _graph(seed)
    owners = sorted({e["owner_entity_id"] for e in edges if e["is_economic"]} | ({"e0"} if seed % 3 else set()))
    got = lt.lookthrough(edges, owners)
    assert _same(got, _before(edges, owners))
    # only some nodes: the same values for those
    nodes = {f"a{i}" for i in range(0, 15, 2)} | {"e1"}
    want = {o: {v: s for v, s in h.items() if v in nodes} for o, h in got.items()}
    assert _same(lt.lookthrough(edges, owners, nodes=nodes), want)


def test_no_edges_or_no_owners():
    e = [{"owner_entity_id": "a", "subject_id": "b", "share_min": 0.5, "share_max": 0.5, "is_economic": False}]
    assert lt.lookthrough(e, ["a"]) == {"a": {}} == _before(e, ["a"])
    assert lt.lookthrough([], []) == {}
    # an owner no economic edge leaves holds nothing
    e2 = e + [{"owner_entity_id": "b", "subject_id": "c", "share_min": 0.5, "share_max": 0.5, "is_economic": True}]
    assert lt.lookthrough(e2, ["a", "b"]) == {"a": {}, "b": {"c": (0.5, 0.5)}}


@pytest.mark.parametrize("value", [math.nan, -0.0, 0.0, -0.3, 1.7, 0.4, math.inf, -math.inf])
@pytest.mark.parametrize("other", [math.nan, -0.0, 0.2, 1.5, -1.0])
def test_clipping_takes_min_and_max_as_python_does(value, other, monkeypatch):
    """Crafted solver results: the clipping to [0, 1] and hi >= lo as Python's min and max of floats."""
    edges = [{"owner_entity_id": "o", "subject_id": "x", "share_min": 0.5, "share_max": 0.5, "is_economic": True},
             {"owner_entity_id": "o", "subject_id": "y", "share_min": 0.5, "share_max": 0.5, "is_economic": True}]
    calls = []

    def solve(n, src, dst, w, b, cond=None):  # nodes o, x, y: x gets ``value`` as its lower bound, ``other`` as its upper
        calls.append(1)
        return sp.csr_matrix(np.array([[1.0], [value if len(calls) % 2 else other], [0.0]]))
    want = _before(edges, ["o"], solve=solve)
    monkeypatch.setattr(lt.solver, "solve", solve)
    got = lt.lookthrough(edges, ["o"])
    assert len(calls) == 4 and _same(got, want), (got, want)


def test_values_at_reads_stored_entries_and_zeros():
    rng = np.random.default_rng(3)
    dense = rng.random((30, 12)) * (rng.random((30, 12)) > 0.7)
    rows, cols = rng.integers(0, 30, 500), rng.integers(0, 12, 500)
    for m in (sp.csr_matrix(dense), sp.csc_matrix(dense), sp.coo_matrix(dense)):
        assert lt.values_at(m, rows, cols).tolist() == dense[rows, cols].tolist()
    assert lt.values_at(sp.csr_matrix((3, 2)), np.array([0, 2]), np.array([1, 0])).tolist() == [0.0, 0.0]


def test_equals_the_per_owner_dicts_on_the_shipped_build(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        d = owner_pages.collect(con)
    finally:
        con.close()
    owners = sorted({e["owner_entity_id"] for e in d.edges if e["is_economic"] and e["owner_entity_id"] in d.entities})
    got = lt.lookthrough(d.edges, owners)
    assert sum(map(len, got.values())) > 1000
    assert _same(got, _before(d.edges, owners))
