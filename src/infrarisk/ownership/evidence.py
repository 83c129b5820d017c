"""Evidence: the ownership paths and control steps behind an asset's figures.

Contract: over the per-asset scope (:class:`~infrarisk.ownership.graph.OwnershipGraph`)
and a sparse link index (:class:`LinkIndex`: the economic edges into each node as CSR,
ordered by share then owner id; each edge carries its link ids), these functions give
what an explanation shows — for the asset being viewed, or for every asset once per build
to write an evidence table:

- :func:`paths_to` — simple ownership paths ending at an asset, from the holders where a
  ``stop`` mask holds (e.g. entities controlled from a group) or the tops of the chains;
- :func:`control_edges` — the edges of an asset's control chain;
- :func:`below` — the nodes a ``stop`` mask's paths can reach (the others need no walk);
- :func:`path_rows`, :func:`control_rows` — the same for many assets as flat rows (one per
  step: owner, subject, share interval, link ids; and for paths the product of minimum
  shares), ready for a table; link ids join to ``core_ownership__links`` for the sources.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from .graph import Control, Edge, OwnershipGraph


class LinkIndex:
    """Economic edges into each node, ``ptr``/``edge`` as CSR, in walking order
    (larger minimum share first, then lower owner id). Built once per graph."""

    def __init__(self, g: OwnershipGraph):
        es = g.edges
        econ = np.array([e.is_economic for e in es], dtype=bool)
        idx = np.flatnonzero(econ)
        subj = np.array([es[i].subject for i in idx], dtype=np.int64)
        lo = np.array([es[i].lo for i in idx], dtype=np.float64)
        owner = np.array([es[i].owner for i in idx], dtype=np.int64)  # node order is id order
        order = np.lexsort((owner, -lo, subj)) if len(idx) else idx
        self.edge = idx[order]
        self.ptr = np.zeros(g.n + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum(np.bincount(subj, minlength=g.n))

    def into(self, v: int) -> np.ndarray:
        """Indices into ``g.edges`` of the economic edges into ``v``, in walking order."""
        return self.edge[self.ptr[v]:self.ptr[v + 1]]


def link_index(g: OwnershipGraph) -> LinkIndex:
    """The :class:`LinkIndex` of ``g`` (built once, stored on the graph)."""
    if not hasattr(g, "_link_index"):
        g._link_index = LinkIndex(g)
    return g._link_index


def below(g: OwnershipGraph, mask: np.ndarray) -> np.ndarray:
    """Whether each node is one of ``mask`` or lies below one along economic edges (the edges
    :func:`paths_to` walks): only those can have a path from a ``mask`` node, so the others need
    no walk. One breadth-first pass from every ``mask`` node at once.

    Examples
    --------
    >>> from infrarisk.ownership.network import Network
    >>> net = Network.from_arrays(4, [0, 1], [1, 2], [0.5, 0.5])
    >>> g = OwnershipGraph(["a", "b", "c", "d"], ["A", "B", "C", "D"], net,
    ...                    [Edge(0, 1, 0.5, 0.5, False, 0, None, []), Edge(1, 2, 0.5, 0.5, False, 0, None, [])])
    >>> below(g, np.array([False, True, False, False])).tolist()
    [False, True, True, False]
    """
    ix = link_index(g)
    es = g.edges
    src = np.array([es[i].owner for i in ix.edge.tolist()], dtype=np.int64)
    dst = np.repeat(np.arange(g.n), np.diff(ix.ptr))
    seeds = np.flatnonzero(np.asarray(mask, bool))
    n = g.n  # node n: one source linked to every mask node
    adj = sp.csr_matrix((np.ones(len(src) + len(seeds), dtype=np.int8),
                         (np.concatenate([src, np.full(len(seeds), n)]), np.concatenate([dst, seeds]))),
                        shape=(n + 1, n + 1))
    out = np.zeros(n + 1, dtype=bool)
    out[breadth_first_order(adj, n, directed=True, return_predecessors=False)] = True
    return out[:n]


def paths_to(g: OwnershipGraph, target: int, stop: np.ndarray | None = None, max_paths: int = 50,
             max_depth: int = 12) -> list[list[Edge]]:
    """Simple ownership paths ending at ``target`` (for the asset being viewed).

    Walks upward from ``target`` and stops at roots, at nodes where ``stop`` is true
    (e.g. entities controlled from the group being explained) and at loops. Each path is a
    list of edges from the top holder down to the target; at most ``max_paths`` paths, of
    at most ``max_depth`` steps.
    """
    ix, es = link_index(g), g.edges
    out: list[list[Edge]] = []

    def walk(v: int, acc: list[Edge], seen: set[int]):
        if len(out) >= max_paths:
            return
        ups = ix.into(v)
        if not len(ups) or len(acc) >= max_depth:
            if acc:
                out.append(list(reversed(acc)))
            return
        for i in ups.tolist():
            e = es[i]
            if e.owner in seen or (stop is not None and stop[e.owner]):
                out.append(list(reversed([*acc, e])))  # a loop closes here, or a stop holder
                continue
            walk(e.owner, [*acc, e], seen | {e.owner})

    walk(target, [], {target})
    return out


def control_edges(g: OwnershipGraph, ctl: Control, v: int) -> list[Edge]:
    """The edges of ``v``'s control chain, from ``v``'s controller up to the ultimate one."""
    out = []
    chain = ctl.chain[v]
    for child, parent in zip(chain, chain[1:]):
        out.extend(e for e in g.in_edges.get(child, []) if e.owner == parent)
    return out


PATH_COLUMNS = ["asset_id", "group_id", "path_no", "step_no", "owner_entity_id", "subject_id", "share_min",
                "share_max", "link_ids", "look_through_min", "top_entity_id"]
CONTROL_COLUMNS = ["asset_id", "step_no", "owner_entity_id", "subject_id", "control_basis", "link_ids"]


def path_rows(g: OwnershipGraph, groups: dict[str, np.ndarray], assets: list[int] | None = None,
              max_paths: int = 50) -> pd.DataFrame:
    """Every path from a group's controlled holders down to each asset, one row per step.

    Parameters
    ----------
    groups : dict of group id to membership mask (e.g. from :func:`~infrarisk.ownership.graph.in_group`)
    assets : node numbers (default every asset of ``g``)

    Returns
    -------
    DataFrame with :data:`PATH_COLUMNS`: ``path_no`` numbers the paths of one asset and
    group in walking order, ``step_no`` the steps from the top holder (0) down to the
    asset; ``look_through_min`` is the product of the path's minimum shares. Only paths
    whose top holder is a member are listed (what the group's share is made of).
    """
    rows = []
    assets = np.flatnonzero(g.is_asset).tolist() if assets is None else assets
    for gid, member in groups.items():
        for a in assets:
            k = 0
            for path in paths_to(g, a, stop=member, max_paths=max_paths):
                top = path[0].owner
                if not member[top]:
                    continue
                look = float(np.prod([e.lo for e in path]))
                for s, e in enumerate(path):
                    rows.append((g.ids[a], gid, k, s, g.ids[e.owner], g.ids[e.subject], e.lo, e.hi, list(e.link_ids),
                                 look, g.ids[top]))
                k += 1
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def control_rows(g: OwnershipGraph, ctl: Control, assets: list[int] | None = None) -> pd.DataFrame:
    """The control chain of each asset with a controller, one row per step
    (:data:`CONTROL_COLUMNS`; step 0 is the asset's controller)."""
    rows = []
    assets = np.flatnonzero(g.is_asset).tolist() if assets is None else assets
    for a in assets:
        for s, e in enumerate(control_edges(g, ctl, a)):
            rows.append((g.ids[a], s, g.ids[e.owner], g.ids[e.subject], e.control_basis, list(e.link_ids)))
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS)
