"""Ownership: one loader, one solver, one resolve pass, evidence paths.

Contract — inputs: ``core_ownership__entities``, ``core_ownership__links`` (current
links), ``core_assets__assets``; outputs: the ``out_ownership__*`` tables written by
:func:`resolve` (see :mod:`~infrarisk.ownership.resolve`), and the functions below. Maths
is DESIGN §3.

Modules (each imports only those above it):

- :mod:`~infrarisk.ownership.solver` — the one exact solver ``x = b + Aᵀx``: strongly
  connected components, level by level, dense solves inside cross-holdings, with a
  pass-on mask (an entity controlled from a group passes its whole stake on);
- :mod:`~infrarisk.ownership.network` — the link graph as integer arrays and control on
  it (controllers, ultimate controllers, controlling countries, group membership);
- :mod:`~infrarisk.ownership.subgraph` — ancestors, sub-networks, redundant
  "ultimate parent" links;
- :mod:`~infrarisk.ownership.shares` — look-through shares (held by a group, economic,
  by every country at once) through the solver;
- :mod:`~infrarisk.ownership.load` — the one loader: DuckDB tables to arrays, the
  per-asset scope, the link index of the scope's edges;
- :mod:`~infrarisk.ownership.graph` — the scope as :class:`OwnershipGraph` with its
  :class:`Control` (computed once and stored on the graph);
- :mod:`~infrarisk.ownership.evidence` — ownership paths and control steps with link ids;
- :mod:`~infrarisk.ownership.resolve` — the resolve pass writing every table.

Evidence API (for stages that write an evidence table once per build)::

    g = ownership.resolve(con, settings)                 # or build_graph(con, settings)
    ctl = ownership.control(g, majority)                 # stored: never recomputed
    member = ownership.in_group(g, ctl, {"CN", "HK"}, majority)
    lo, hi = ownership.held_share(g, member, ctl)        # stored per membership
    paths = ownership.path_rows(g, {"china": member})    # one row per step, link ids
    steps = ownership.control_rows(g, ctl)               # control chains, link ids
    ownership.paths_to(g, node, stop=member)             # one asset: lists of Edge

``path_rows`` columns: ``asset_id, group_id, path_no, step_no, owner_entity_id,
subject_id, share_min, share_max, link_ids, look_through_min, top_entity_id``;
``control_rows``: ``asset_id, step_no, owner_entity_id, subject_id, control_basis,
link_ids``. Link ids join to ``core_ownership__links`` for source URL, title and date.

Kept for the stages that still take the live graph (score, explain, site, API), as thin
layers over the stored results: :func:`control` (returns the stored :class:`Control`),
:func:`held_share` (stored per membership), :func:`paths_to` and :func:`control_edges`
(superseded by :func:`path_rows`/:func:`control_rows`), :attr:`OwnershipGraph.in_edges`.
A stage that reads the ``out_`` tables needs none of them.
"""

from .evidence import (CONTROL_COLUMNS, PATH_COLUMNS, LinkIndex, below, control_edges, control_rows, link_index,
                       path_rows, paths_to)
from .graph import (NON_OWNERSHIP, STATE_TYPES, Control, Edge, OwnershipGraph, build_graph, compute_control,
                    control, economic, held_share, in_group, untraced)
from .load import Loaded, load_network, scope_of_assets, scope_nodes
from .resolve import resolve, resolve_all

__all__ = [
    "CONTROL_COLUMNS", "PATH_COLUMNS", "NON_OWNERSHIP", "STATE_TYPES", "Control", "Edge", "LinkIndex", "Loaded",
    "OwnershipGraph", "below", "build_graph", "compute_control", "control", "control_edges", "control_rows", "economic",
    "held_share", "in_group", "link_index", "load_network", "path_rows", "paths_to", "resolve", "resolve_all",
    "scope_nodes", "scope_of_assets", "untraced",
]
