"""The one loader of the link graph: DuckDB tables in, integer arrays out.

Inputs: ``core_ownership__entities``, ``core_ownership__links`` (current links only),
``core_assets__assets``. Outputs:

- :func:`load_network` — a :class:`Loaded`: every entity and every asset with an
  ownership link as nodes ``0..n-1`` (temporary table ``_ownership_edge_nodes``, node =
  rowid: entities with a current link by id, assets by id; then the other entities —
  every entity is read once, into Arrow; among nodes with edges a lower number is a
  lower id, and only those are sorted), merged edges as arrays
  (:class:`~infrarisk.ownership.network.Network`), ids as an Arrow array. Links of one
  owner in one subject are merged into one edge whose interval spans all current values;
  an "ultimate parent" link whose parent the child already reaches through other links
  is kept as a control statement only (not economic), so no path is counted twice.
  ``members_complete`` marks the assets whose listed holders (cable consortium members, the
  holders GEM names with an undisclosed share) are the whole ownership
  (``sql/_ownership_members_complete.sql``; the unnamed holders a source names are read from
  ``core_match__mentions`` with ``core_cables__owner_mentions`` and ``core_gem__stakes`` where
  they exist).
- :func:`scope_nodes` — the assets, the curated entities and every owner above them (the
  per-asset tables' scope; closed upwards, so every figure on it equals the whole's).
- :func:`edge_links` — for the edges into a set of nodes, the link index: each edge's
  link ids (CSR over an Arrow array) and its evidence attributes.

Every path (the bulk tables, the per-asset scope, the analysts' API) goes through here.
SQL lives beside this module in ``sql/<table>.sql``; parameters are passed explicitly.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import vocab
from ..settings import Settings
from . import network, subgraph

SQL_DIR = Path(__file__).resolve().parent / "sql"
STATE_TYPES = ("state", "state_body")
#: interests that give use or operation of an asset but no ownership: kept as operator
#: links, never counted as shares (from vocab/interest_types.csv, the one list)
NON_OWNERSHIP = vocab.non_economic_interest_types()


def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class Loaded:
    """The whole link graph as arrays.

    Attributes
    ----------
    net : Network
        Nodes and merged current edges.
    is_curated : ndarray of bool
        Entities of the curated source (always in the per-asset scope).
    ids : pyarrow.StringArray
        Node id (entity_id or asset_id) by node number: those of ``_ownership_edge_nodes``
        read when first asked for (the maths needs none), then the other entities' ids.
    """

    net: network.Network
    is_curated: np.ndarray
    con: duckdb.DuckDBPyConnection
    other_ids: pa.Array | None = None
    _ids: pa.Array | None = None

    @property
    def ids(self) -> pa.Array:
        if self._ids is None:
            with _insertion_order(self.con):  # a plain scan: by node number
                edge = self.con.sql("SELECT node_id FROM _ownership_edge_nodes").to_arrow_table().column(0)
            others = [] if self.other_ids is None else [self.other_ids]
            self._ids = pa.chunked_array([*edge.chunks, *others], pa.string()).combine_chunks()
        return self._ids

    def id_of(self, idx) -> pa.Array:
        """Ids of node numbers ``idx`` (null where ``idx < 0``), without a Python object each."""
        idx = np.asarray(idx, dtype=np.int64)
        return pc.take(self.ids, pa.array(np.maximum(idx, 0), mask=idx < 0))


def load_network(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> Loaded:
    """Every entity and asset of the database as arrays (module docstring); ``settings``
    give the ``country_attribute`` (default ``hq``)."""
    with _insertion_order(con):
        return _load(con, settings.country_attribute if settings is not None else "hq")


@contextmanager
def _insertion_order(con: duckdb.DuckDBPyConnection):
    """Node numbers are the sorted node table's insertion order (its rowid, and the order
    of a plain scan): keep that order within the block, then restore the setting."""
    keep = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not keep:
            con.execute("SET preserve_insertion_order = false")


def _load(con: duckdb.DuckDBPyConnection, attribute: str) -> Loaded:
    first, *rest = [s for s in ("\n".join(line for line in stmt.splitlines() if not line.startswith("--")).strip()
                                for stmt in _sql("_ownership_nodes").split(";\n")) if s]
    con.execute(first)  # _ownership_linked
    # every entity read once: the linked ones are sorted into _ownership_edge_nodes, the others follow
    ents = con.sql(_sql("_ownership_entity_nodes"), params={"country_attribute": attribute}).to_arrow_table()
    con.register("_ownership_entity_nodes_arrow", ents)
    try:
        for stmt in rest:
            con.execute(stmt)
    finally:
        con.unregister("_ownership_entity_nodes_arrow")
    con.execute("DROP TABLE _ownership_linked")
    cols = ["own_country", "is_state", "is_listed", "is_asset", "is_curated"]
    edge_nodes = con.sql(f"SELECT {', '.join(cols)} FROM _ownership_edge_nodes").to_arrow_table()  # insertion order
    others = ents.filter(pc.equal(ents.column("is_linked"), False))
    others = others.append_column("is_asset", pa.array(np.zeros(others.num_rows, dtype=bool)))
    nodes = pa.concat_tables([edge_nodes, others.select(cols).cast(edge_nodes.schema)])
    # own country as an index into the sorted distinct codes (-1 unknown)
    own = nodes.column("own_country").combine_chunks().dictionary_encode()
    seen = own.dictionary.to_pylist()
    codes = sorted(seen)
    at = {c: i for i, c in enumerate(codes)}
    remap = np.array([at[c] for c in seen] + [-1], dtype=np.int32)  # index -1 (null) -> -1
    code = remap[pc.fill_null(own.indices, -1).to_numpy().astype(np.int64)]

    def flag(name):
        return nodes.column(name).to_numpy().astype(bool)

    con.execute(_sql("_ownership_ranked_links"))
    con.execute(_sql("_ownership_edges"), {"non_ownership": list(NON_OWNERSHIP)})
    e = con.sql("SELECT src, dst, lo, hi, rank, is_economic, is_ultimate_only FROM _ownership_edges").fetchnumpy()
    net = network.Network.from_arrays(
        nodes.num_rows, e["src"], e["dst"], e["lo"], e["hi"], rank=e["rank"],
        is_economic=np.asarray(e["is_economic"], bool), own_country=code, country_codes=codes,
        is_state=flag("is_state"), is_listed=flag("is_listed"), is_asset=flag("is_asset"))
    net.members_complete = _members_complete(con, nodes.num_rows)
    redundant = subgraph.redundant_ultimate(net, np.asarray(e["is_ultimate_only"], bool))
    if redundant.any():
        net.is_economic = net.is_economic & ~redundant
        net._cache.clear()
    return Loaded(net=net, is_curated=flag("is_curated"), con=con,
                  other_ids=others.column("node_id").combine_chunks().cast(pa.string()))


def _members_complete(con: duckdb.DuckDBPyConnection, n: int) -> np.ndarray:
    """Whether each of the ``n`` nodes is an asset whose listed holders are its whole
    ownership (every current economic link a consortium membership, or a GEM holder with at
    least one share undisclosed; no unnamed holder named by the source:
    ``sql/_ownership_members_complete.sql``); after ``_ownership_edge_nodes`` is made."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN "
        "('core_match__mentions', 'core_cables__owner_mentions', 'core_gem__stakes')").fetchall()}
    if {"core_match__mentions", "core_cables__owner_mentions"} <= tables:
        con.execute(_sql("_ownership_placeholder_assets"))
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _ownership_placeholder_assets (asset_id VARCHAR)")
    if {"core_match__mentions", "core_gem__stakes"} <= tables:
        con.execute(_sql("_ownership_placeholder_assets_gem"))
    con.execute(_sql("_ownership_members_complete"), {"non_ownership": list(NON_OWNERSHIP)})
    out = np.zeros(n, dtype=bool)
    out[con.sql("SELECT node FROM _ownership_members_complete").fetchnumpy()["node"].astype(np.int64)] = True
    con.execute("DROP TABLE _ownership_members_complete")
    con.execute("DROP TABLE _ownership_placeholder_assets")
    return out


def scope_nodes(loaded: Loaded) -> np.ndarray:
    """Sorted node numbers of the per-asset scope: every asset with an ownership link,
    every curated entity, and everything that owns or controls any of them."""
    net = loaded.net
    return subgraph.ancestors(net, np.flatnonzero(net.is_asset | loaded.is_curated))


def scope_of_assets(con: duckdb.DuckDBPyConnection, loaded: Loaded | None = None) -> str:
    """Temporary table ``_graph_scope(kind, id)`` of the :func:`scope_nodes` (``kind``
    ``'asset'`` or ``'entity'``), for SQL that reads the per-asset scope; returns its name."""
    loaded = loaded or load_network(con)
    nodes = scope_nodes(loaded)
    kind = np.where(loaded.net.is_asset[nodes], "asset", "entity")
    con.register("_graph_scope_arrow", pa.table({"kind": pa.array(kind), "id": loaded.id_of(nodes)}))
    con.execute("CREATE OR REPLACE TEMP TABLE _graph_scope AS SELECT * FROM _graph_scope_arrow")
    con.unregister("_graph_scope_arrow")
    return "_graph_scope"


@dataclass
class EdgeLinks:
    """The link index of some edges (aligned with the edges into the scope, sorted by
    subject then owner).

    Attributes
    ----------
    src, dst : ndarray of int64
        Edge endpoints (whole-graph node numbers).
    link_ptr : ndarray of int64
        Links of edge ``i`` are ``link_ids[link_ptr[i]:link_ptr[i+1]]`` (link_id order).
    link_ids : list of str
    is_control, is_conflict : ndarray of bool
    control_basis, interest_type : list of (str or None)
    """

    src: np.ndarray
    dst: np.ndarray
    link_ptr: np.ndarray
    link_ids: list[str]
    is_control: np.ndarray
    is_conflict: np.ndarray
    control_basis: list
    interest_type: list


def edge_links(con: duckdb.DuckDBPyConnection, nodes: np.ndarray) -> EdgeLinks:
    """The :class:`EdgeLinks` of every edge into ``nodes`` (after :func:`load_network`)."""
    con.register("_scope_nodes_arrow", pa.table({"node": np.asarray(nodes, dtype=np.int64)}))
    con.execute("CREATE OR REPLACE TEMP TABLE _scope_nodes AS SELECT * FROM _scope_nodes_arrow")
    con.unregister("_scope_nodes_arrow")
    con.execute(_sql("_ownership_ranked_links"))
    con.execute(_sql("_ownership_edge_links"))
    t = con.sql("SELECT * FROM _ownership_edge_links").to_arrow_table()
    lists = t.column("link_ids").combine_chunks()
    return EdgeLinks(
        src=t.column("src").to_numpy().astype(np.int64), dst=t.column("dst").to_numpy().astype(np.int64),
        link_ptr=lists.offsets.to_numpy().astype(np.int64) - int(lists.offsets[0].as_py() or 0),
        link_ids=lists.flatten().to_pylist(),
        is_control=t.column("is_control").to_numpy().astype(bool),
        is_conflict=t.column("is_conflict").to_numpy().astype(bool),
        control_basis=t.column("control_basis").to_pylist(), interest_type=t.column("interest_type").to_pylist())
