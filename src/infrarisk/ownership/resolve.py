"""The resolve pass: every ``out_ownership__*`` table, control computed once.

Inputs: ``core_ownership__entities``, ``core_ownership__links`` (current links only),
``core_assets__assets``, read once by :func:`infrarisk.ownership.load.load_network`.
Outputs (:func:`resolve`):

- ``out_ownership__entity_control``, ``out_ownership__entity_countries``,
  ``out_ownership__loops``: for *every* entity of the database (registries included), on
  arrays — controller, ultimate controller, chain length, controlling country and basis,
  untraced share, ``unknown_max``; the look-through share by country (sparse); the
  strongly connected components;
- ``out_ownership__entities``: per entity of the per-asset scope, its controller, ultimate
  controller, control chain, controlling country and basis, whether the chain reaches a state;
- ``out_ownership__asset_controllers``: per asset with ownership data, its controller chain;
- ``out_ownership__asset_owners``: per asset, the look-through economic share of each
  ultimate owner (a node with no recorded owner) as ``[share_min, share_max]``, plus an
  ``unknown`` row for what no recorded owner accounts for;
- ``out_ownership__asset_countries``: per asset and country, the share held by or through
  entities controlled from that country (:func:`~infrarisk.ownership.graph.held_share`);
- ``out_ownership__control_conflicts``: nodes where other owners are also named as controlling.

Control (controllers, chains, countries) is computed once, on the whole graph; the scope's
:class:`~infrarisk.ownership.graph.Control` is that result restricted to the scope (every
figure of a node depends only on its ancestors) and is stored on the returned graph, so
later stages asking :func:`~infrarisk.ownership.graph.control` get it without recomputing.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import db
from ..collector import paused
from ..settings import Settings
from . import load, network, shares
from .graph import Control, OwnershipGraph, build_graph, held_shares, in_groups, untraced

_S, _F, _B = pa.string(), pa.float64(), pa.bool_()
#: column types of the per-scope tables (as written when empty too)
ENTITY_TYPES = {"entity_id": _S, "controller_entity_id": _S, "ultimate_controller_entity_id": _S, "control_chain": _S,
                "control_chain_ids": pa.list_(_S), "controlling_country_code": _S, "controlling_country_basis": _S,
                "is_state_controlled": _B, "is_state": _B, "untraced_fraction": _F}
CONTROLLER_TYPES = {"asset_id": _S, "controller_entity_id": _S, "control_basis": _S, "ultimate_controller_entity_id": _S,
                    "control_chain": _S, "control_chain_ids": pa.list_(_S), "controlling_country_code": _S,
                    "controlling_country_basis": _S, "is_state_controlled": _B}
OWNER_TYPES = {"asset_id": _S, "owner_entity_id": _S, "owner_country_code": _S, "is_state": _B, "share_min": _F,
               "share_max": _F}
COUNTRY_TYPES = {"asset_id": _S, "country_code": _S, "share_min": _F, "share_max": _F, "is_controlled": _B}


@paused()  # many objects (edges, chains, rows) and no reference cycles (tests/test_score_gc.py)
def resolve(con: duckdb.DuckDBPyConnection, settings: Settings) -> OwnershipGraph:
    """Resolve ownership and write every ``out_ownership__*`` table. Returns the scope's
    graph with its control stored. The cyclic garbage collector is paused meanwhile
    (:func:`infrarisk.collector.paused`): the pass makes many objects and no reference cycles."""
    majority = settings.thresholds.majority
    loaded = load.load_network(con, settings)
    net = loaded.net
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    write_entity_tables(con, loaded, ctl, top, depth, cc, basis)
    g = build_graph(con, settings, loaded)
    nodes = g.nodes
    new = np.full(net.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))

    def sub(x):  # node numbers of the whole graph -> of the scope (-1 stays -1)
        x = x[nodes]
        return np.where(x >= 0, new[np.maximum(x, 0)], -1)

    s_ctl = sub(ctl)
    g._control[majority] = Control.from_arrays(g.net, s_ctl, sub(top), cc[nodes], basis[nodes],
                                               network.control_conflicts(g.net, s_ctl))
    write_scope_tables(con, g, g._control[majority], settings)
    return g


def write_entity_tables(con: duckdb.DuckDBPyConnection, loaded: load.Loaded, ctl, top, depth, cc, basis) -> None:
    """``out_ownership__entity_control``, ``__entity_countries`` and ``__loops`` of every
    entity, from the whole graph's control arrays (ids stay in Arrow: rows come out in
    node order, which is id order for entities, so nothing is sorted again)."""
    net = loaded.net
    G, unknown = shares.lookthrough_by_country(net, cc)
    unt = shares.untraced(net, ctl)
    ents = np.flatnonzero(~net.is_asset)
    id_of = loaded.id_of

    def coded(idx, vocab):
        idx = np.asarray(idx, dtype=np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(np.maximum(idx, 0), mask=idx < 0),
                                              pa.array(vocab, pa.string())).cast(pa.string())

    d = depth[ents]
    # the frames are read by DuckDB's replacement scan of these local variables (no view registered and removed)
    _ctl = pa.table({  # noqa: F841
        "entity_id": id_of(ents), "controller_entity_id": id_of(ctl[ents]),
        "ultimate_controller_entity_id": id_of(top[ents]),
        "chain_length": pa.array(d, mask=d < 0), "is_in_control_loop": top[ents] < 0,
        "controlling_country_code": coded(cc[ents], net.country_codes or [""]),
        "controlling_country_basis": coded(basis[ents], list(network.BASES)),
        "untraced_fraction": unt[ents], "unknown_max": unknown[ents]})
    con.execute("CREATE OR REPLACE TABLE out_ownership__entity_control AS SELECT * FROM _ctl")
    G.sort_indices()
    rows = np.repeat(np.arange(net.n), np.diff(G.indptr))
    keep = ~net.is_asset[rows]
    _g = pa.table({"entity_id": id_of(rows[keep]),  # noqa: F841
                   "country_code": coded(G.indices[keep], net.country_codes or [""]),
                   "share_min": np.minimum(G.data[keep], 1.0)})
    con.execute("CREATE OR REPLACE TABLE out_ownership__entity_countries AS SELECT * FROM _g")
    rows = sorted((id_of(comp).to_pylist() for comp in net.cond.loops()), key=lambda c: c[0])
    db.write_frame(con, "out_ownership__loops", pd.DataFrame(
        [{"loop_no": i, "node_ids": c, "size": len(c)} for i, c in enumerate(rows)],
        columns=["loop_no", "node_ids", "size"]), order_by=["loop_no"])


def write_scope_tables(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, ctl: Control, settings: Settings) -> None:
    """The per-entity and per-asset tables of the scope (module docstring)."""
    names, ids_ = g.names, g.ids
    id_arr = pa.array(ids_, pa.string())

    def id_of(idx):  # ids of node numbers, null where idx < 0 (no Python object each)
        idx = np.asarray(idx, dtype=np.int64)
        return id_arr.take(pa.array(np.maximum(idx, 0), mask=idx < 0))

    unt = untraced(g, ctl)
    controller, ultimate = np.asarray(ctl.controller), np.asarray(ctl.ultimate)
    reaches, is_state = np.asarray(ctl.reaches_state, bool), np.asarray(g.is_state, bool)
    country, basis = ctl.country, ctl.country_basis
    ent = np.flatnonzero(~np.asarray(g.is_asset, bool))
    ents = ent.tolist()
    chains = [ctl.chain[v] for v in ents]
    db.write_columns(con, "out_ownership__entities", {
        "entity_id": id_of(ent), "controller_entity_id": id_of(controller[ent]),
        "ultimate_controller_entity_id": id_of(ultimate[ent]),
        "control_chain": [" > ".join([names[x] for x in chain]) for chain in chains],
        "control_chain_ids": [[ids_[x] for x in chain] for chain in chains],
        "controlling_country_code": [country[v] for v in ents],
        "controlling_country_basis": [basis[v] for v in ents],
        "is_state_controlled": reaches[ent] & ~is_state[ent],
        "is_state": is_state[ent],
        "untraced_fraction": unt[ent],
    }, ENTITY_TYPES, order_by=["entity_id"])

    asset_nodes = np.flatnonzero(np.asarray(g.is_asset, bool))
    assets = asset_nodes.tolist()
    ctrl_arr = controller[asset_nodes]
    has_ctrl = ctrl_arr >= 0
    ctrl = ctrl_arr.tolist()
    chains = [ctl.chain[a][1:] for a in assets]
    db.write_columns(con, "out_ownership__asset_controllers", {
        "asset_id": id_of(asset_nodes),
        "controller_entity_id": id_of(ctrl_arr),
        "control_basis": [next((e.control_basis for e in g.in_edges.get(a, []) if e.owner == c), None)
                          for a, c in zip(assets, ctrl)],
        "ultimate_controller_entity_id": id_of(np.where(has_ctrl, ultimate[asset_nodes], -1)),
        "control_chain": [" > ".join([names[x] for x in chain]) or None for chain in chains],
        "control_chain_ids": [[ids_[x] for x in chain] for chain in chains],
        "controlling_country_code": [country[a] if c >= 0 else None for a, c in zip(assets, ctrl)],
        "controlling_country_basis": [basis[a] if c >= 0 else "no controller identified" for a, c in zip(assets, ctrl)],
        "is_state_controlled": reaches[asset_nodes] & has_ctrl,
    }, CONTROLLER_TYPES, order_by=["asset_id"])

    ids = np.array(g.ids, dtype=object)
    country = np.array(g.country, dtype=object)
    cols: dict[str, list] = {k: [] for k in ("asset_id", "owner_entity_id", "owner_country_code", "is_state",
                                             "share_min", "share_max")}
    tops = np.flatnonzero(~g.has_owner)  # the nodes that can be roots (no recorded owner), in order
    all_assets = np.asarray(assets, dtype=np.int64)
    sparse = shares.economic_roots(g.net, all_assets, tops) if len(all_assets) else None
    if sparse is not None:  # every target at once: only the non-zero shares are ever formed
        r, j, r_lo, r_hi = sparse
        own = tops[r] != all_assets[j]  # the target itself is no root of its own
        _owner_rows(cols, ids, country, g.is_state, all_assets, tops, j[own], r[own], r_lo[own], r_hi[own])
    else:
        # targets in batches of 256: one dense (nodes x targets) solve of the thousands of layer assets took
        # about 1 GB; the columns are independent, so batching changes no figure
        top_row = np.full(g.n, -1, dtype=np.int64)
        top_row[tops] = np.arange(len(tops))
        for start in range(0, len(assets), 256):
            batch = all_assets[start:start + 256]
            W_lo, W_hi = shares.economic(g.net, batch, rows=tops)
            # per target its roots: nodes with a share and no recorded owner, the target itself aside
            is_root = (W_lo + W_hi) > 0
            own = top_row[batch] >= 0
            is_root[top_row[batch[own]], np.flatnonzero(own)] = False
            j, r = np.nonzero(is_root.T)  # by target, then by node
            _owner_rows(cols, ids, country, g.is_state, batch, tops, j, r, W_lo[r, j], W_hi[r, j])
    db.write_columns(con, "out_ownership__asset_owners", _joined(cols), OWNER_TYPES, order_by=["asset_id", "owner_entity_id"])

    db.write_frame(con, "out_ownership__control_conflicts", pd.DataFrame(
        [{"node_id": g.ids[s], "chosen_controller_id": g.ids[cs[0]], "other_controller_ids": " ".join(g.ids[x] for x in cs[1:])}
         for s, cs in ctl.conflicts], columns=["node_id", "chosen_controller_id", "other_controller_ids"]),
        order_by=["node_id"])

    # held by or through entities controlled from each single country
    countries = sorted({c for c in ctl.country if c})
    members = in_groups(g, ctl, [{c} for c in countries], settings.thresholds.majority)
    held_all = held_shares(g, members, ctl, copy=False)  # every country in one solve (stored on the graph; only read here)
    at, country_no, s_lo, s_hi, s_ctl = [], [], [], [], []
    for k, (member, (h_lo, h_hi)) in enumerate(zip(members, held_all)):
        held = asset_nodes[h_hi[asset_nodes] > 0]
        # an asset without an identified controller is controlled from nowhere, not from
        # its own host country
        at.append(held)
        country_no.append(np.full(len(held), k, dtype=np.int64))
        s_lo.append(h_lo[held])
        s_hi.append(h_hi[held])
        s_ctl.append(member[held] & (controller[held] >= 0))
    # rows by asset id, then country code (countries are in code order): sorted on integer ranks, not text
    id_rank = np.empty(g.n, dtype=np.int64)
    id_rank[asset_nodes[np.argsort(ids[asset_nodes], kind="stable")]] = np.arange(len(asset_nodes))
    at, country_no = (np.concatenate(at), np.concatenate(country_no)) if at else (np.zeros(0, np.int64),) * 2
    order = np.lexsort((country_no, id_rank[at]))
    cat = (lambda parts: np.concatenate(parts)[order]) if s_lo else (lambda parts: np.zeros(0))
    db.write_columns(con, "out_ownership__asset_countries", {
        "asset_id": id_of(at[order]), "country_code": pa.array(countries, pa.string()).take(pa.array(country_no[order])),
        "share_min": cat(s_lo), "share_max": cat(s_hi),
        "is_controlled": cat(s_ctl).astype(bool)}, COUNTRY_TYPES)


def _owner_rows(cols: dict[str, list], ids: np.ndarray, country: np.ndarray, is_state: np.ndarray,
                batch: np.ndarray, tops: np.ndarray, j: np.ndarray, r: np.ndarray, r_lo: np.ndarray,
                r_hi: np.ndarray) -> None:
    """Append the ``out_ownership__asset_owners`` rows of the targets ``batch``: each target's roots
    (``tops[r]`` holds ``[r_lo, r_hi]`` of ``batch[j]``, sorted by ``j`` then ``r``), then its unknown row."""
    k = len(batch)
    v = tops[r]
    cuts = np.searchsorted(j, np.arange(k + 1))
    lo_list, hi_list = r_lo.tolist(), r_hi.tolist()
    traced_min = [sum(lo_list[cuts[i]:cuts[i + 1]]) for i in range(k)]  # left to right, as always
    traced_max = [sum(hi_list[cuts[i]:cuts[i + 1]]) for i in range(k)]
    # each target's roots, then its unknown row: insert the unknown rows after each segment
    at = cuts[1:]
    cols["asset_id"].append(np.insert(ids[batch[j]], at, ids[batch]))
    cols["owner_entity_id"].append(np.insert(ids[v], at, None))
    cols["owner_country_code"].append(np.insert(country[v], at, None))
    cols["is_state"].append(np.insert(is_state[v].astype(bool), at, False))
    cols["share_min"].append(np.insert(r_lo, at, [max(0.0, 1.0 - t) for t in traced_max]))
    cols["share_max"].append(np.insert(np.minimum(r_hi, 1.0), at, [min(1.0, max(0.0, 1.0 - t)) for t in traced_min]))


def _joined(cols: dict[str, list]) -> dict[str, np.ndarray]:
    """The concatenated column parts."""
    return {k: np.concatenate(v) if v else np.array([], dtype=object) for k, v in cols.items()}


def resolve_all(con: duckdb.DuckDBPyConnection, settings: Settings) -> network.Network:
    """Only the whole-graph tables (``entity_control``, ``entity_countries``, ``loops``);
    :func:`resolve` writes them too. Returns the network."""
    loaded = load.load_network(con, settings)
    net = loaded.net
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, settings.thresholds.majority)
    write_entity_tables(con, loaded, ctl, top, depth, cc, basis)
    return net
