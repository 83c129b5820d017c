"""Reachability on the array network: ancestors, sub-networks, redundant links.

Contract: on a :class:`~infrarisk.ownership.network.Network`, a frontier at a time (no
Python loop per node; loops terminate):

- :func:`ancestors`, :func:`subnetwork` — the owners of a few nodes and the graph
  restricted to them: every figure of a node depends only on its ancestors, so resolving
  a handful of assets touches only their ancestor subgraph;
- :func:`redundant_ultimate` — "ultimate parent" links whose parent the child already
  reaches through other links (kept as control statements, not counted as holdings);

and :func:`reach`, the same question on a small adjacency dict (node -> next nodes), for the
callers that hold one (the timeline's plan and copies, an owner page's look-through).
"""

from __future__ import annotations

import numpy as np

from . import solver
from .network import Network


def reach(start, edges: dict) -> set:
    """Every node reachable from the nodes ``start`` along ``edges`` (node -> next nodes), ``start`` included.

    Examples
    --------
    >>> sorted(reach({"a"}, {"a": ["b"], "b": ["c", "a"], "d": ["a"]}))
    ['a', 'b', 'c']
    """
    seen, todo = set(start), list(start)
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def redundant_ultimate(net: Network, ultimate_only: np.ndarray) -> np.ndarray:
    """Which "ultimate parent" edges the child already reaches through other links.

    Such an edge stays a control statement but is not counted as a holding (its parent's
    share is counted along the chain). Reachability runs upwards from each child through
    economic edges other than ultimate-parent ones, for all candidate edges at once
    (pairs of candidate and node, a frontier at a time).

    Examples
    --------
    >>> net = Network.from_arrays(3, [1, 2, 2], [0, 1, 0], [1.0, 1.0, 0.0])
    >>> redundant_ultimate(net, np.array([False, False, True])).tolist()
    [False, False, True]
    """
    out = np.zeros(len(net.src), dtype=bool)
    cand = np.flatnonzero(np.asarray(ultimate_only, bool) & net.is_economic)
    if not len(cand):
        return out
    usable = np.flatnonzero(net.is_economic & ~np.asarray(ultimate_only, bool))
    usable = usable[np.argsort(net.dst[usable], kind="stable")]
    ptr = np.zeros(net.n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(net.dst[usable], minlength=net.n))
    n = np.int64(net.n)
    target = net.src[cand]
    found = np.zeros(len(cand), dtype=bool)
    pid, node = np.arange(len(cand), dtype=np.int64), net.dst[cand]
    visited = np.sort(pid * n + node)
    while len(pid):
        idx, counts = solver.csr_gather(ptr, node)
        if not len(idx):
            break
        pid = np.repeat(pid, counts)
        node = net.src[usable[idx]]
        found[pid[node == target[pid]]] = True
        keep = ~found[pid]
        key = solver.sorted_unique(pid[keep] * n + node[keep])
        key = key[~np.isin(key, visited)]
        visited = np.union1d(visited, key)
        pid, node = key // n, key % n
    out[cand[found]] = True
    return out


def ancestors(net: Network, targets, economic_only: bool = False) -> np.ndarray:
    """Sorted node numbers of ``targets`` and everything that owns or controls them,
    directly or indirectly (a frontier at a time; loops terminate)."""
    ptr, order = net.in_ptr()
    seen = np.zeros(net.n, dtype=bool)
    frontier = np.unique(np.asarray(targets, dtype=np.int64))
    seen[frontier] = True
    while len(frontier):
        idx, _ = solver.csr_gather(ptr, frontier)
        if not len(idx):
            break
        edges = order[idx]
        if economic_only:
            edges = edges[net.is_economic[edges]]
        owners = np.unique(net.src[edges])
        frontier = owners[~seen[owners]]
        seen[frontier] = True
    return np.flatnonzero(seen)


def subnetwork(net: Network, nodes: np.ndarray) -> Network:
    """The network induced by ``nodes``, renumbered ``0..len(nodes)-1`` in the order given;
    edges sorted by subject, then owner, in the new numbers."""
    nodes = np.asarray(nodes, dtype=np.int64)
    new = np.full(net.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))
    keep = np.flatnonzero((new[net.src] >= 0) & (new[net.dst] >= 0))
    keep = keep[np.lexsort((new[net.src[keep]], new[net.dst[keep]]))]
    return Network(
        n=len(nodes), own_country=net.own_country[nodes], country_codes=net.country_codes,
        is_state=net.is_state[nodes], is_listed=net.is_listed[nodes], is_asset=net.is_asset[nodes],
        src=new[net.src[keep]], dst=new[net.dst[keep]], lo=net.lo[keep], hi=net.hi[keep],
        rank=net.rank[keep], is_economic=net.is_economic[keep], members_complete=net.members_complete[nodes])
