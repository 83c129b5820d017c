"""The one loader of the link graph: DuckDB tables in, integer arrays out.

Inputs: ``core_ownership__entities``, ``core_ownership__links`` (current links only),
``core_assets__assets``. Entities and link ends are joined on the integer keys the
integrate stage writes (``entity_no``: 0.. in entity_id order; ``owner_no``,
``subject_no``), never on text; tables made or edited afterwards, where an entity or a
current link end lacks its number, are numbered here the same way (:func:`_keys`). Outputs:

- :func:`load_network` — a :class:`Loaded`: every entity and every asset with an
  ownership link as nodes ``0..n-1``: entities with a current link in entity_no (that is
  id) order, assets with a link by id, then the other entities in the order they are read
  (every entity is read once, into Arrow; the nodes are numbered in numpy, nothing is
  sorted but the few assets). Temporary tables: ``_ownership_edge_nodes`` (ids of the nodes
  with edges, node = rowid), ``_ownership_entity_node`` (entity_no -> node) and
  ``_ownership_asset_node`` (asset_id -> node). Merged edges as arrays
  (:class:`~infrarisk.ownership.network.Network`, from one Arrow read of the links,
  :func:`_merge_edges`), ids as an Arrow array gathered when first asked for. Links of one
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
  link ids (CSR over a list) and its evidence attributes, from the links read sorted by edge.

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
        Node id (entity_id or asset_id) by node number: the ids of the nodes with edges
        (those of ``_ownership_edge_nodes``), then the other entities' ids, gathered when
        first asked for (the maths needs none).
    """

    net: network.Network
    is_curated: np.ndarray
    con: duckdb.DuckDBPyConnection
    edge_ids: pa.Array | None = None
    #: every entity id as read, and the positions of the other entities' among them
    entity_ids: pa.Array | None = None
    other_at: np.ndarray | None = None
    _ids: pa.Array | None = None

    @property
    def ids(self) -> pa.Array:
        if self._ids is None:
            others = [] if self.other_at is None else [self.entity_ids.take(pa.array(self.other_at))]
            self._ids = pa.concat_arrays([self.edge_ids.cast(pa.string()), *others])
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


def _statements(name: str) -> list[str]:
    """The statements of ``sql/<name>.sql`` (comment lines dropped), split at ``;`` + newline."""
    return [s for s in ("\n".join(line for line in stmt.splitlines() if not line.startswith("--")).strip()
                        for stmt in _sql(name).split(";\n")) if s]


def _keys(con: duckdb.DuckDBPyConnection) -> bool:
    """Make ``_ownership_entities_keyed`` / ``_ownership_links_keyed``: over the integer keys
    the integrate stage wrote, or (tables without them, or with an entity or a current link
    end missing its number: made or edited afterwards) over keys computed here
    (``sql/_ownership_keys.sql``). True when the written keys are used."""
    cols = {(r[0], r[1]) for r in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_name IN "
        "('core_ownership__entities', 'core_ownership__links') AND column_name IN ('entity_no', 'owner_no', "
        "'subject_no')").fetchall()}
    written = cols >= {("core_ownership__entities", "entity_no"), ("core_ownership__links", "owner_no"),
                       ("core_ownership__links", "subject_no")}
    if written:
        con.execute(_sql("_ownership_entities_keyed"))
        con.execute(_sql("_ownership_links_keyed"))
        # a NULL number is fine only where the id is NULL too (or, for a link end, names no entity)
        missing = con.execute(
            "SELECT (SELECT count(*) FROM _ownership_entities_keyed WHERE entity_no IS NULL)"
            " + (SELECT count(*) FROM _ownership_links_keyed WHERE is_current AND "
            "(owner_no IS NULL OR (subject_no IS NULL AND subject_kind <> 'asset')))").fetchall()[0][0]
        if missing:
            missing = con.execute(
                "SELECT (SELECT count(*) FROM _ownership_entities_keyed WHERE entity_no IS NULL AND entity_id IS NOT NULL)"
                " + (SELECT count(*) FROM _ownership_links_keyed WHERE is_current AND ((owner_no IS NULL AND "
                "owner_entity_id IS NOT NULL) OR (subject_no IS NULL AND subject_kind <> 'asset' AND subject_id IS NOT "
                "NULL)))").fetchall()[0][0]
        written = missing == 0
    if not written:
        for stmt in _statements("_ownership_keys"):
            con.execute(stmt)
    return written


def _load(con: duckdb.DuckDBPyConnection, attribute: str) -> Loaded:
    _keys(con)
    # every entity with a number, read once; its row in this table is its position below
    ents = con.sql(_sql("_ownership_entity_nodes"), params={"country_attribute": attribute}).to_arrow_table()
    ent_no = ents.column("entity_no").to_numpy()
    pos = np.full(int(ent_no.max()) + 1 if len(ent_no) else 0, -1, dtype=np.int64)
    pos[ent_no] = np.arange(len(ent_no))
    # node numbers: the entities with a current link in entity_no (= id) order, the assets with
    # an ownership link by id, then the other entities in the order they were read
    linked = con.sql(_sql("_ownership_linked")).to_arrow_table()
    null_party = bool(pc.any(linked.column("is_null_party")).as_py())
    mark = np.zeros(len(pos), dtype=bool)
    nos = linked.column("entity_no").drop_null().to_numpy()
    mark[nos[nos < len(pos)]] = True
    linked_no = np.flatnonzero(mark & (pos >= 0))  # sorted: entity_no, that is id, order
    linked_at = pos[linked_no]
    is_linked = np.zeros(len(ent_no), dtype=bool)
    is_linked[linked_at] = True
    other_at = np.zeros(0, dtype=np.int64) if null_party else np.flatnonzero(~is_linked)
    assets = con.sql("SELECT asset_id AS node_id, country_code AS own_country FROM core_assets__assets WHERE asset_id IN "
                     "(SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset') ORDER BY asset_id"
                     ).to_arrow_table()
    n_linked, n_assets = len(linked_at), assets.num_rows
    n = n_linked + n_assets + len(other_at)
    ids = ents.column("node_id").combine_chunks().cast(pa.string())
    edge_ids = pa.concat_arrays([ids.take(pa.array(linked_at)),
                                 assets.column("node_id").combine_chunks().cast(pa.string())])
    con.register("_ownership_entity_node_arrow", pa.table({"entity_no": linked_no,
                                                            "node": np.arange(n_linked, dtype=np.int64)}))
    con.register("_ownership_asset_node_arrow", pa.table({"node_id": edge_ids[n_linked:],
                                                           "node": np.arange(n_linked, n_linked + n_assets)}))
    con.register("_ownership_edge_nodes_arrow", pa.table({
        "node_id": edge_ids, "is_asset": np.arange(n_linked + n_assets) >= n_linked}))
    try:
        for stmt in _statements("_ownership_nodes"):
            con.execute(stmt)
    finally:
        for t in ("_ownership_entity_node_arrow", "_ownership_asset_node_arrow", "_ownership_edge_nodes_arrow"):
            con.unregister(t)
    # own country as an index into the sorted distinct codes of the nodes (-1 unknown)
    ent_country = ents.column("own_country").combine_chunks().cast(pa.string()).dictionary_encode()
    asset_country = assets.column("own_country").combine_chunks().cast(pa.string()).dictionary_encode()
    ent_code = pc.fill_null(ent_country.indices, -1).to_numpy().astype(np.int64)
    asset_code = pc.fill_null(asset_country.indices, -1).to_numpy().astype(np.int64)
    node_at = np.concatenate([linked_at, other_at])
    seen = ent_country.dictionary.to_pylist()
    ent_used = np.flatnonzero(np.bincount(ent_code[node_at] + 1, minlength=len(seen) + 1)[1:])
    codes = sorted({seen[i] for i in ent_used} | set(asset_country.dictionary.to_pylist()))
    at = {c: i for i, c in enumerate(codes)}
    ent_remap = np.array([at.get(c, -1) for c in seen] + [-1], dtype=np.int32)
    asset_remap = np.array([at[c] for c in asset_country.dictionary.to_pylist()] + [-1], dtype=np.int32)
    code = np.concatenate([ent_remap[ent_code[linked_at]], asset_remap[asset_code], ent_remap[ent_code[other_at]]])

    def flag(name):
        v = ents.column(name).to_numpy().astype(bool)
        return np.concatenate([v[linked_at], np.zeros(n_assets, dtype=bool), v[other_at]])

    con.execute(_sql("_ownership_ranked_links"))
    con.execute(_sql("_ownership_link_ends"))
    node_of = np.full(len(pos), -1, dtype=np.int64)
    node_of[linked_no] = np.arange(n_linked)
    rows = con.sql(_sql("_ownership_edge_rows"), params={"non_ownership": list(NON_OWNERSHIP)}).to_arrow_table()
    e = _merge_edges(rows, node_of, n)
    is_asset = np.zeros(n, dtype=bool)
    is_asset[n_linked:n_linked + n_assets] = True
    net = network.Network.from_arrays(
        n, e["src"], e["dst"], e["lo"], e["hi"], rank=e["rank"],
        is_economic=np.asarray(e["is_economic"], bool), own_country=code, country_codes=codes,
        is_state=flag("is_state"), is_listed=flag("is_listed"), is_asset=is_asset)
    net.members_complete = _members_complete(con, n)
    redundant = subgraph.redundant_ultimate(net, np.asarray(e["is_ultimate_only"], bool))
    if redundant.any():
        net.is_economic = net.is_economic & ~redundant
        net._cache.clear()
    return Loaded(net=net, is_curated=flag("is_curated"), con=con, edge_ids=edge_ids, entity_ids=ids,
                  other_at=other_at)


def _merge_edges(rows: pa.Table, node_of: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """The links of ``rows`` (``sql/_ownership_edge_rows.sql``) merged into one edge per owner
    and subject node, sorted by subject then owner: the interval spanning all their values
    (lowest minimum, highest maximum), the best control rank, economic as the link first by
    link_id is (true where no link has an id, as ``arg_min_null`` gives NULL), ultimate-only
    when every link is an ultimate-parent or indirect statement. ``node_of`` maps entity_no to
    node number (-1: no node)."""
    def col(name, fill):
        return pc.fill_null(rows.column(name), fill).to_numpy()

    lookup = np.append(node_of, -1)  # an unknown or missing key looks up the last slot: -1

    def node(no):
        return lookup[np.where((no >= 0) & (no < len(node_of)), no, len(node_of))]

    asset = col("asset_node", -1)
    src = node(col("owner_no", -1))
    dst = np.where(asset >= 0, asset, node(col("subject_no", -1)))
    keep = np.flatnonzero((src >= 0) & (dst >= 0))
    order = keep[np.argsort(dst[keep] * n + src[keep], kind="stable")]  # stable: ties keep the read order
    key = dst[order] * n + src[order]
    new_group = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    first = order[starts]
    econ = col("is_economic", True).astype(bool)
    no_id = rows.column("link_id").is_null().to_numpy(zero_copy_only=False)
    is_economic = np.where(no_id[first], True, econ[first])
    # an edge of several links: economic as its first link by link_id is (Arrow sorts as DuckDB does)
    multi = np.flatnonzero(np.diff(np.r_[starts, len(key)])[group] > 1)
    if len(multi):
        t = pa.table({"g": group[multi], "link_id": rows.column("link_id").take(pa.array(order[multi])),
                      "row": order[multi]}).sort_by([("g", "ascending"), ("link_id", "ascending")])
        g = t.column("g").to_numpy()
        head = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        is_economic[g[head]] = np.where(no_id[t.column("row").to_numpy()[head]], True,
                                        econ[t.column("row").to_numpy()[head]])

    def merged(ufunc, name, fill, dtype):
        v = col(name, fill).astype(dtype)[order]
        return ufunc.reduceat(v, starts) if len(starts) else v[:0]

    return {"src": src[first], "dst": dst[first], "lo": merged(np.fmin, "share_min", np.nan, np.float64),
            "hi": merged(np.fmax, "share_max", np.nan, np.float64), "rank": merged(np.minimum, "rank", 99, np.int8),
            "is_economic": is_economic, "is_ultimate_only": merged(np.logical_and, "is_ultimate", False, bool)}


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
    """The :class:`EdgeLinks` of every edge into ``nodes`` (after :func:`load_network`).

    The links come sorted by edge (subject, then owner) and link_id
    (``sql/_ownership_edge_link_rows.sql``); each edge's figures are then taken over its run
    of rows: ``is_control`` any link's (a NULL is no), ``control_basis`` that of its first
    link of the best (lowest) control rank, ``is_conflict`` whether two links state different
    ``[share_min, share_max]`` (NULL equal to NULL, as SQL's DISTINCT has it), ``interest_type``
    its first link's.
    """
    con.register("_ownership_scope_nodes", pa.table({"node": np.asarray(nodes, dtype=np.int64)}))
    try:
        con.execute(_sql("_ownership_ranked_links"))
        t = con.sql(_sql("_ownership_edge_link_rows")).to_arrow_table()
    finally:
        con.unregister("_ownership_scope_nodes")
    src, dst = t.column("src").to_numpy().astype(np.int64), t.column("dst").to_numpy().astype(np.int64)
    m = len(src)
    new = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])] if m else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    rank = t.column("rank").to_numpy().astype(np.int64)
    # the first link (in link_id order) of each edge's lowest rank
    best = np.flatnonzero(rank == np.minimum.reduceat(rank, starts)[group]) if m else np.zeros(0, np.int64)
    best = best[np.r_[True, group[best][1:] != group[best][:-1]]] if len(best) else best
    is_control = pc.fill_null(t.column("is_control"), False).to_numpy(zero_copy_only=False).astype(bool)
    differs = np.zeros(m, dtype=bool)
    for name in ("share_min", "share_max"):  # a row stating another interval than its edge's first row
        col = t.column(name).combine_chunks()
        null = col.is_null().to_numpy(zero_copy_only=False)
        v = pc.fill_null(col, 0.0).to_numpy(zero_copy_only=False).astype(np.float64)
        first = starts[group]
        same = (null & null[first]) | (~null & ~null[first] & ((v == v[first]) | (np.isnan(v) & np.isnan(v[first]))))
        differs |= ~same
    return EdgeLinks(
        src=src[starts], dst=dst[starts], link_ptr=np.r_[starts, m].astype(np.int64),
        link_ids=t.column("link_id").to_pylist(),
        is_control=np.logical_or.reduceat(is_control, starts) if m else np.zeros(0, dtype=bool),
        is_conflict=np.logical_or.reduceat(differs, starts) if m else np.zeros(0, dtype=bool),
        control_basis=t.column("control_basis").take(pa.array(best)).to_pylist(),
        interest_type=t.column("interest_type").take(pa.array(starts)).to_pylist())
