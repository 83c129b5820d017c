"""The ownership network as GEXF 1.3 and GraphML, for Gephi, NetworkX and other graph tools.

Contract: reads tables only (``core_ownership__links``, ``core_ownership__entities``,
``core_assets__assets``, ``out_ownership__entities``, ``out_ownership__asset_controllers``,
``out_exposure__assets``, ``core_meta__sources``) and returns or writes:

- :func:`network`: the network of the resolved scope (the assets of
  ``out_ownership__asset_controllers`` and the entities of ``out_ownership__entities``):
  every recorded link whose subject is in the scope (current and past, with share range,
  interest type, relationship, control, status, dates, source URL and title, licence) and
  the nodes those links join (entities with country, LEI, type, controlling country and
  ultimate controller; assets with type, host country and band). ``include_nc=False``
  leaves out the links of non-commercial sources and what only they name.
- :func:`gexf` / :func:`graphml`: the XML text of a :class:`Network` (GEXF 1.3, GraphML
  1.0), with the licence of the file (the most restrictive of its links, assets and
  entities, :func:`infrarisk.licences.most_restrictive`) in the graph's metadata.
- :func:`write_site_files`: ``data/ownership-network.gexf`` and ``.graphml`` in the site
  folder, and, when some links are non-commercial and others not, the same without them
  (``data/ownership-network-except-nc.*``), as the map's downloads do; returns their
  descriptions (href, format, licence, counts) for the sources page.

Output is deterministic: nodes and edges sorted by id, no timestamps. Text is escaped
(:func:`esc`); characters XML 1.0 cannot carry (control characters) are dropped. The
network is assembled by DuckDB and its lines put together column by column by Arrow's string
kernels (no Python call per value): 28 MB of XML for the shipped data. The network without
the non-commercial links takes its edges' escaped text and lines from the whole network's
(:attr:`Network.edges_of`), and its nodes' escaped text but for their licences (:attr:`Network.nodes_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import licences

GEXF_NS = "http://gexf.net/1.3"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
STEM = "data/ownership-network"
STEM_EXCEPT_NC = "data/ownership-network-except-nc"

#: node attributes: (name, type) — type is ``string``, ``double`` or ``boolean``
NODE_ATTRS = [("kind", "string"), ("name", "string"), ("country_code", "string"), ("entity_type", "string"),
              ("lei", "string"), ("controlling_country_code", "string"), ("ultimate_controller_id", "string"),
              ("asset_type", "string"), ("asset_class", "string"), ("band", "string"), ("source_url", "string"),
              ("licence", "string")]
EDGE_ATTRS = [("link_id", "string"), ("interest_type", "string"), ("relationship", "string"),
              ("share_min", "double"), ("share_max", "double"), ("is_share_stated", "boolean"),
              ("is_control", "boolean"), ("control_basis", "string"), ("status", "string"),
              ("is_current", "boolean"), ("start_date", "string"), ("end_date", "string"),
              ("source_url", "string"), ("source_title", "string"), ("licence", "string")]


@dataclass
class Network:
    """Nodes and edges of the ownership network, in file order: Arrow tables of text as the files write
    it (before escaping; null where a value is missing) with ``id`` and the attribute columns above;
    nodes also ``label`` (the name, else the id), edges ``source``, ``target`` and ``weight`` (the
    minimum share where there is one other than 0)."""

    nodes: pa.Table
    edges: pa.Table
    licence: str
    _escaped: dict = field(default_factory=dict, repr=False, compare=False)
    #: (network, mask): ``edges`` are that network's edges where ``mask`` is true, whose escaped text and
    #: lines this network takes (an edge's line depends on that edge only)
    edges_of: tuple | None = field(default=None, repr=False, compare=False)
    #: (network, mask): ``nodes`` are that network's nodes where ``mask`` is true but for their licences,
    #: whose escaped text this network takes (the licences escaped anew)
    nodes_of: tuple | None = field(default=None, repr=False, compare=False)
    _edge_lines: dict = field(default_factory=dict, repr=False, compare=False)

    def escaped(self, which: str) -> pa.Table:
        """``nodes`` or ``edges`` with their text escaped (:func:`esc_column`; a missing id as ``None``, as
        ``str`` wrote it), once for both formats."""
        if which not in self._escaped and which == "edges" and self.edges_of is not None:
            net, mask = self.edges_of
            self._escaped[which] = net.escaped("edges").filter(mask)
        if which not in self._escaped and which == "nodes" and self.nodes_of is not None:
            net, mask = self.nodes_of
            taken = net.escaped("nodes").filter(mask)
            at = taken.schema.get_field_index("licence")
            self._escaped[which] = taken.set_column(at, "licence", esc_column(self.nodes.column("licence")))
        if which not in self._escaped:
            table, types = (self.nodes, dict(NODE_ATTRS)) if which == "nodes" else (self.edges, dict(EDGE_ATTRS))
            cols = [esc_column(pc.fill_null(col, "None")) if name in ("id", "label", "source", "target")
                    else esc_column(col) if types.get(name) == "string" else col
                    for name, col in zip(table.column_names, table.columns)]
            self._escaped[which] = pa.table(cols, names=table.column_names)
        return self._escaped[which]

    def edge_lines(self, fmt: str) -> pa.ChunkedArray:
        """The line of each edge in ``fmt`` (``gexf`` or ``graphml``; :func:`_gexf_column`,
        :func:`_graphml_column`), once per format."""
        if fmt not in self._edge_lines:
            if self.edges_of is not None:
                net, mask = self.edges_of
                self._edge_lines[fmt] = net.edge_lines(fmt).filter(mask)
            else:
                make = _gexf_column if fmt == "gexf" else _graphml_column
                self._edge_lines[fmt] = make(self.escaped("edges"), "edge", EDGE_ATTRS)
        return self._edge_lines[fmt]


#: the links of the resolved scope (module docstring), their values as the files write them (:func:`_text`),
#: ``_nc``: of a non-commercial source
LINKS_SQL = """
    WITH scope AS (SELECT asset_id AS id FROM out_ownership__asset_controllers
                   UNION SELECT entity_id FROM out_ownership__entities)
    SELECT CAST(l.link_id AS VARCHAR) AS id, CAST(l.owner_entity_id AS VARCHAR) AS source,
           CAST(l.subject_id AS VARCHAR) AS target, l.subject_kind,
           coalesce(l.is_noncommercial, false) AS _nc,
           CASE WHEN l.share_min <> 0 THEN CAST(CAST(l.share_min AS DOUBLE) AS VARCHAR) END AS weight, {values}
    FROM core_ownership__links l
    WHERE l.subject_id IN (SELECT id FROM scope)
      AND l.owner_entity_id IN (SELECT entity_id FROM core_ownership__entities)
      AND (l.subject_kind <> 'asset' OR l.subject_id IN (SELECT asset_id FROM core_assets__assets))
      AND (l.subject_kind = 'asset' OR l.subject_id IN (SELECT entity_id FROM core_ownership__entities))"""

#: the nodes the links of ``_links`` join: entities (sorted by id), then assets (sorted by id). An
#: entity's licence: its own source's; one made from an owner name of a layer source (no source of
#: its own) has the most restrictive of the links that name it (in this file; ``_rank``: the order
#: of :mod:`infrarisk.licences`, unknown ids highest, among equals the first alphabetically). Also,
#: for the network without the links of non-commercial sources (``_nc``), whether it has the node
#: (``_free``) and the node's licence there (``_free_licence``): both networks' nodes in one query
NODES_SQL = """
    WITH named AS (SELECT source AS id, licence, _nc FROM _links
                   UNION ALL SELECT target, licence, _nc FROM _links WHERE subject_kind <> 'asset'),
    lic AS (SELECT n.id, min(CASE WHEN n.licence <> '' THEN struct_pack(r := -coalesce(k.rank, {unknown}),
                                                                         l := n.licence) END).l AS licence,
                   min(CASE WHEN n.licence <> '' AND NOT n._nc
                            THEN struct_pack(r := -coalesce(k.rank, {unknown}), l := n.licence) END).l AS free,
                   bool_or(NOT n._nc) AS _free
            FROM named n LEFT JOIN _rank k USING (licence) GROUP BY n.id)
    SELECT {values}, {free_licence} AS _free_licence, _free FROM (
        SELECT e.entity_id AS id, coalesce(nullif(e.entity_name, ''), e.entity_id) AS label, 'entity' AS kind,
               e.entity_name AS name, coalesce(e.hq_country_code, e.jurisdiction_code) AS country_code,
               e.entity_type, e.lei, o.controlling_country_code,
               o.ultimate_controller_entity_id AS ultimate_controller_id, NULL::VARCHAR AS asset_type,
               NULL::VARCHAR AS asset_class, NULL::VARCHAR AS band, e.source_url,
               CASE WHEN s.licence <> '' THEN s.licence ELSE lic.licence END AS licence,
               CASE WHEN s.licence <> '' THEN s.licence ELSE lic.free END AS free_licence, lic._free, 0 AS _block
        FROM lic JOIN core_ownership__entities e ON e.entity_id = lic.id
        LEFT JOIN out_ownership__entities o ON o.entity_id = lic.id
        LEFT JOIN core_meta__sources s ON s.source_id = e.source_id
        UNION ALL
        SELECT a.asset_id, coalesce(nullif(a.name, ''), a.asset_id), 'asset', a.name, a.country_code, NULL, NULL,
               NULL, NULL, a.asset_type, a.asset_class, x.band, a.position_source_url, a.licence, a.licence,
               a.asset_id IN (SELECT target FROM _links WHERE subject_kind = 'asset' AND NOT _nc), 1
        FROM core_assets__assets a LEFT JOIN out_exposure__assets x USING (asset_id)
        WHERE a.asset_id IN (SELECT target FROM _links WHERE subject_kind = 'asset')
          AND a.asset_id IN (SELECT asset_id FROM out_ownership__asset_controllers))
    ORDER BY _block, id"""


def network(con: duckdb.DuckDBPyConnection, include_nc: bool = True) -> Network:
    """The ownership network of the resolved scope (module docstring)."""
    return networks(con, except_nc=not include_nc)[-1]


def networks(con: duckdb.DuckDBPyConnection, except_nc: bool = False) -> list[Network]:
    """``[whole network]``, or with ``except_nc`` ``[whole, without non-commercial links]``."""
    fallback = [r[0] for r in con.execute("SELECT licence FROM core_meta__sources WHERE source_id = 'curated'")
                .fetchall()]
    links = con.sql(LINKS_SQL.format(values=_LINK_VALUES) + " ORDER BY l.link_id").to_arrow_table()
    both = _query(links, NODES_SQL.format(unknown=len(licences.ORDER), values=_NODE_VALUES,
                                          free_licence=_text("free_licence", "string")), con)
    out = []
    for nc in ([False, True] if except_nc else [False]):
        mask = pc.invert(links.column("_nc")) if nc else None
        edges = links.filter(mask) if nc else links
        nodes = both.drop_columns(["_free_licence", "_free"])
        if nc:  # the nodes its links join, with the licences they give
            free_mask = pc.fill_null(both.column("_free"), False)
            free = both.filter(free_mask)
            nodes = free.set_column(free.schema.get_field_index("licence"), "licence", free.column("_free_licence")) \
                .drop_columns(["_free_licence", "_free"])
        lics = [x for x in {*pc.unique(nodes.column("licence")).to_pylist(), *pc.unique(edges.column("licence")).to_pylist()}
                if x]
        out.append(Network(nodes, edges.drop_columns(["subject_kind", "_nc"]),
                           licences.most_restrictive(lics or fallback or ["CC-BY-4.0"]),
                           edges_of=(out[0], mask) if nc else None, nodes_of=(out[0], free_mask) if nc else None))
    return out


def _text(col: str, typ: str) -> str:
    """SQL for the text of an attribute value as the files write it (NULL stays NULL): ``true``/``false``;
    a number as Python's ``repr`` writes it (DuckDB writes the same shortest round-trip form); text as is."""
    if typ == "boolean":
        return f"CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"
    if typ == "double":
        return f"CAST(CAST({col} AS DOUBLE) AS VARCHAR)"
    return f"CAST({col} AS VARCHAR)"


#: the links' attributes as the files write them; the dates as ``YYYY-MM-DD``
_DATES = {"start_date": "left(CAST(l.as_of_date AS VARCHAR), 10)", "end_date": "left(CAST(l.end_date AS VARCHAR), 10)"}
_LINK_VALUES = ", ".join(f"{_text(_DATES.get(n, 'l.' + n), t)} AS {n}" for n, t in EDGE_ATTRS)
_NODE_VALUES = ", ".join(f"{_text(n, t)} AS {n}" for n, t in [("id", "string"), ("label", "string"), *NODE_ATTRS])


def _query(links: pa.Table, sql: str, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``sql`` run on ``con`` with ``_links`` (the network's links) and ``_rank`` (licence order) at hand."""
    cur = con.cursor()  # its own registrations, gone when closed
    try:
        cur.register("_links", links)
        cur.register("_rank", pa.table({"licence": licences.ORDER, "rank": list(range(len(licences.ORDER)))}))
        return cur.sql(sql).to_arrow_table()
    finally:
        cur.close()


_ESC = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("\n"): "&#10;",
        ord("\r"): "&#13;", ord("\t"): "&#9;", 0xFFFE: None, 0xFFFF: None,
        **{c: None for c in range(0x20) if c not in (9, 10, 13)}}
_NEEDS_ESC = re.compile("[&<>\"\x00-\x1f\ufffe\uffff]")


def esc(value) -> str:
    r"""``value`` as XML text or attribute value: markup escaped, line breaks kept, control characters dropped.

    >>> esc('<img src=x onerror="alert(1)"> & \x07')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; '
    """
    text = str(value)
    # most values need nothing: a scan in C is cheaper than translating every character
    return text.translate(_ESC) if _NEEDS_ESC.search(text) else text


def _licence_text(net: Network) -> str:
    return f"{net.licence} ({licences.url(net.licence)}); every node and edge carries the licence of its source"


_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
#: characters :func:`esc` changes, and those it drops, as RE2 classes
_RE_NEEDS_ESC = "[&<>\"\\x00-\\x1f\\x{FFFE}\\x{FFFF}]"
_RE_DROPPED = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{FFFE}\\x{FFFF}]"
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"),
             ("\t", "&#9;"))


def esc_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`esc` of every value of an Arrow text column (nulls stay null), by Arrow's string kernels."""
    needs = pc.match_substring_regex(col, _RE_NEEDS_ESC) if len(col) else None
    if needs is None or not pc.any(needs).as_py():
        return col  # most columns need nothing
    needs = pc.fill_null(needs, False).combine_chunks()
    sub = pc.replace_substring_regex(pc.filter(col, needs), _RE_DROPPED, "")  # only the values that need it
    for ch, ent in _ENTITIES:  # "&" first: the entities' own are not escaped again
        sub = pc.replace_substring(sub, ch, ent)
    return pa.chunked_array([pc.replace_with_mask(col.combine_chunks(), needs, sub.combine_chunks())])


def _join(*parts) -> pa.ChunkedArray:
    """Row by row, the concatenation of ``parts`` (text columns and strings); null where one is null."""
    return pc.binary_join_element_wise(*parts, "")


def _attrs(table: pa.Table, attrs, fragment) -> pa.ChunkedArray:
    """Row by row, ``fragment(index, name)`` (the text before and after) around each non-null attribute value
    of ``table`` (:meth:`Network.escaped`), one after the other."""
    frags = []
    for i, (name, typ) in enumerate(attrs):
        col = table.column(name)
        before, after = fragment(i, name)
        frags.append(pc.fill_null(_join(before, col, after), ""))
    return _join(*frags)


def text_parts(col: pa.ChunkedArray) -> list:
    """The values of an Arrow text column as views of their UTF-8 bytes, end to end (no copy)."""
    parts = []
    for ch in col.chunks:  # an Arrow string array: offsets into one buffer of UTF-8 text
        if len(ch) == 0:
            continue
        if not (pa.types.is_string(ch.type) or pa.types.is_large_string(ch.type)):
            parts.append(memoryview("".join(ch.to_pylist()).encode("utf-8")))
            continue
        offs = np.frombuffer(ch.buffers()[1], dtype=np.int64 if pa.types.is_large_string(ch.type) else np.int32)
        parts.append(memoryview(ch.buffers()[2])[offs[ch.offset]:offs[ch.offset + len(ch)]])
    return parts


def _gexf_lines(table: pa.Table, cls: str, attrs) -> list:
    return text_parts(_gexf_column(table, cls, attrs)) if table.num_rows else []


def _gexf_column(table: pa.Table, cls: str, attrs) -> pa.ChunkedArray:
    """The GEXF line of each row of ``table`` (:meth:`Network.escaped`), a node or an edge."""
    if not table.num_rows:
        return pa.chunked_array([], pa.string())
    vals = _attrs(table, attrs, lambda i, _: (f'<attvalue for="{i}" value="', '"/>'))
    vals = pc.if_else(pc.equal(vals, ""), "", _join("<attvalues>", vals, "</attvalues>"))
    if cls == "node":
        head = _join('   <node id="', table.column("id"), '" label="', table.column("label"), '">')
    else:
        weight = pc.fill_null(_join(' weight="', table.column("weight"), '"'), "")
        head = _join('   <edge id="', table.column("id"), '" source="', table.column("source"), '" target="',
                     table.column("target"), '"', weight, ">")
    return _join(head, vals, f"</{cls}>\n")


def _gexf_parts(net: Network) -> list:
    out = [_HEAD, f'<gexf xmlns="{GEXF_NS}" version="1.3">\n <meta>\n  <creator>infrarisk</creator>\n',
           "  <description>Ownership network of the mapped assets: entities and assets, recorded links "
           f"(owner -&gt; subject) with their sources. Licence: {esc(_licence_text(net))}</description>\n </meta>\n",
           ' <graph defaultedgetype="directed" mode="static">\n']
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        out.append(f'  <attributes class="{cls}">\n')
        out += [f'   <attribute id="{i}" title="{name}" type="{typ}"/>\n' for i, (name, typ) in enumerate(attrs)]
        out.append("  </attributes>\n")
    out.append("  <nodes>\n")
    parts = ["".join(out).encode("utf-8"), *_gexf_lines(net.escaped("nodes"), "node", NODE_ATTRS),
             b"  </nodes>\n  <edges>\n"]
    parts += text_parts(net.edge_lines("gexf"))
    return parts + [b"  </edges>\n </graph>\n</gexf>\n"]


def gexf(net: Network) -> str:
    """GEXF 1.3 text of the network (directed: owner -> subject; static; attributes declared)."""
    return _text_of(net, "gexf")


def _graphml_parts(net: Network) -> list:
    out = [_HEAD, f'<graphml xmlns="{GRAPHML_NS}">\n']
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        out += [f' <key id="{cls[0]}_{name}" for="{cls}" attr.name="{name}" attr.type="{typ}"/>\n'
                for name, typ in attrs]
    out.append(' <key id="g_licence" for="graph" attr.name="licence" attr.type="string"/>\n')
    out.append(' <graph id="ownership" edgedefault="directed">\n')
    out.append(f'  <data key="g_licence">{esc(_licence_text(net))}</data>\n')
    parts = ["".join(out).encode("utf-8"), *text_parts(_graphml_column(net.escaped("nodes"), "node", NODE_ATTRS)),
             *text_parts(net.edge_lines("graphml"))]
    return parts + [b" </graph>\n</graphml>\n"]


def _graphml_column(table: pa.Table, cls: str, attrs) -> pa.ChunkedArray:
    """The GraphML line of each row of ``table`` (:meth:`Network.escaped`), a node or an edge."""
    if not table.num_rows:
        return pa.chunked_array([], pa.string())
    head = [f'  <{cls} id="', table.column("id"), '"']
    if cls == "edge":
        head += [' source="', table.column("source"), '" target="', table.column("target"), '"']
    data = _attrs(table, attrs, lambda _, name: (f'<data key="{cls[0]}_{name}">', "</data>"))
    return _join(*head, ">", data, f"</{cls}>\n")


def graphml(net: Network) -> str:
    """GraphML text of the network (directed; keys declared; parallel edges keep their link ids)."""
    return _text_of(net, "graphml")


def _parts(net: Network, fmt: str) -> list:
    return _gexf_parts(net) if fmt == "gexf" else _graphml_parts(net)


def _text_of(net: Network, fmt: str) -> str:
    return b"".join(_parts(net, fmt)).decode("utf-8")


def write(net: Network, path: Path, fmt: str) -> None:
    """Write ``net`` as ``fmt`` (``gexf`` or ``graphml``) to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for part in _parts(net, fmt):
            f.write(part)


def write_site_files(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[dict]:
    """The network files of the site (module docstring); their descriptions for the sources page."""
    nets = networks(con, except_nc=True)
    sets = [("all", STEM, nets[0])]
    counts = pc.value_counts(nets[0].edges.column("licence"))  # each licence once, with its number of links
    nc = sum(n for x, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())
             if x in licences.NONCOMMERCIAL)
    if 0 < nc < nets[0].edges.num_rows:
        sets.append(("except-nc", STEM_EXCEPT_NC, nets[1]))
    out = []
    for name, stem, net in sets:
        for fmt, label in (("gexf", "GEXF 1.3"), ("graphml", "GraphML")):
            write(net, Path(out_dir) / f"{stem}.{fmt}", fmt)
            out.append({"set": name, "label": label, "href": f"{stem}.{fmt}", "format": fmt,
                        "licence": net.licence, "licence_url": licences.url(net.licence),
                        "nc": net.licence in licences.NONCOMMERCIAL, "n_nodes": net.nodes.num_rows,
                        "n_edges": net.edges.num_rows})
    return out
