"""The network files as the per-value Python writer made them before Arrow put their lines together:
the oracle the tests hold the fast writer to (same bytes). Not used by the program."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from infrarisk import licences
from infrarisk.export_graph import EDGE_ATTRS, GEXF_NS, GRAPHML_NS, NODE_ATTRS, STEM, STEM_EXCEPT_NC, esc


@dataclass
class Network:
    """Nodes and edges of the ownership network (dicts keyed by the attribute names above)."""

    nodes: list[dict]
    edges: list[dict]
    licence: str


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def network(con: duckdb.DuckDBPyConnection, include_nc: bool = True) -> Network:
    """The ownership network of the resolved scope (module docstring)."""
    return networks(con, except_nc=not include_nc)[-1]


def networks(con: duckdb.DuckDBPyConnection, except_nc: bool = False) -> list[Network]:
    """``[whole network]``, or with ``except_nc`` ``[whole, without non-commercial links]`` (one read)."""
    links = _rows(con, """
        WITH scope AS (SELECT asset_id AS id FROM out_ownership__asset_controllers
                       UNION SELECT entity_id FROM out_ownership__entities)
        SELECT l.link_id, l.subject_kind, l.subject_id, l.owner_entity_id, l.interest_type, l.relationship,
               l.share_min, l.share_max, l.is_share_stated, l.is_control, l.control_basis, l.status, l.is_current,
               l.as_of_date, l.end_date, l.source_url, l.source_title, l.licence,
               coalesce(l.is_noncommercial, false) AS is_noncommercial
        FROM core_ownership__links l
        WHERE l.subject_id IN (SELECT id FROM scope)
          AND l.owner_entity_id IN (SELECT entity_id FROM core_ownership__entities)
          AND (l.subject_kind <> 'asset' OR l.subject_id IN (SELECT asset_id FROM core_assets__assets))
          AND (l.subject_kind = 'asset' OR l.subject_id IN (SELECT entity_id FROM core_ownership__entities))
        ORDER BY l.link_id""")
    ents = {e["entity_id"]: e for e in _rows(con, """
        SELECT e.entity_id, e.entity_name, coalesce(e.hq_country_code, e.jurisdiction_code) AS country_code,
               e.entity_type, e.lei, o.controlling_country_code, o.ultimate_controller_entity_id,
               e.source_url, s.licence AS source_licence
        FROM core_ownership__entities e
        LEFT JOIN out_ownership__entities o USING (entity_id)
        LEFT JOIN core_meta__sources s USING (source_id)
        WHERE e.entity_id IN (SELECT owner_entity_id FROM core_ownership__links)
           OR e.entity_id IN (SELECT entity_id FROM out_ownership__entities)""")}
    assets = {a["asset_id"]: a for a in _rows(con, """
        SELECT a.asset_id, a.name, a.country_code, a.asset_type, a.asset_class, x.band, a.position_source_url,
               a.licence
        FROM core_assets__assets a LEFT JOIN out_exposure__assets x USING (asset_id)
        WHERE a.asset_id IN (SELECT asset_id FROM out_ownership__asset_controllers)""")}
    fallback = [r["licence"] for r in _rows(con, "SELECT licence FROM core_meta__sources WHERE source_id = 'curated'")]
    out = [_assemble(links, ents, assets, fallback)]
    if except_nc:
        out.append(_assemble([r for r in links if not r["is_noncommercial"]], ents, assets, fallback))
    return out


def _assemble(links: list[dict], ents: dict, assets: dict, fallback: list[str]) -> Network:
    """Nodes (the ends of ``links``) and edges, sorted, with the licence of the whole."""
    # an entity's licence: its own source's; one made from an owner name of a layer source
    # (no source of its own) has that of the links that name it (in this file)
    named: dict[str, set] = {}
    for r in links:
        for eid in (r["owner_entity_id"], r["subject_id"] if r["subject_kind"] != "asset" else None):
            if eid is not None:
                named.setdefault(eid, set()).update([r["licence"]] if r["licence"] else [])
    nodes = []
    for eid in sorted(named):
        e = ents[eid]
        lic = {e["source_licence"]} if e["source_licence"] else named[eid]
        nodes.append({"id": eid, "kind": "entity", "name": e["entity_name"],
                      "country_code": e["country_code"], "entity_type": e["entity_type"], "lei": e["lei"],
                      "controlling_country_code": e["controlling_country_code"],
                      "ultimate_controller_id": e["ultimate_controller_entity_id"], "source_url": e["source_url"],
                      "licence": licences.most_restrictive(lic) if lic else None})
    for aid in sorted({r["subject_id"] for r in links if r["subject_kind"] == "asset"}):
        a = assets[aid]
        nodes.append({"id": aid, "kind": "asset", "name": a["name"], "country_code": a["country_code"],
                      "asset_type": a["asset_type"], "asset_class": a["asset_class"], "band": a["band"],
                      "source_url": a["position_source_url"], "licence": a["licence"]})
    edges = [{"id": r["link_id"], "source": r["owner_entity_id"], "target": r["subject_id"],
              **{k: r[k] for k, _ in EDGE_ATTRS if k in r},
              "start_date": None if r["as_of_date"] is None else str(r["as_of_date"])[:10],
              "end_date": None if r["end_date"] is None else str(r["end_date"])[:10]} for r in links]
    lics = [x for x in [n["licence"] for n in nodes] + [e["licence"] for e in edges] if x]
    return Network(nodes, edges, licences.most_restrictive(lics or fallback or ["CC-BY-4.0"]))


def _value(value, typ: str) -> str:
    if typ == "boolean":
        return "true" if value else "false"
    if typ == "double":
        return repr(float(value))
    return esc(value)


def _licence_text(net: Network) -> str:
    return f"{net.licence} ({licences.url(net.licence)}); every node and edge carries the licence of its source"


_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def gexf(net: Network) -> str:
    """GEXF 1.3 text of the network (directed: owner -> subject; static; attributes declared)."""
    out = [_HEAD, f'<gexf xmlns="{GEXF_NS}" version="1.3">\n <meta>\n  <creator>infrarisk</creator>\n',
           "  <description>Ownership network of the mapped assets: entities and assets, recorded links "
           f"(owner -&gt; subject) with their sources. Licence: {esc(_licence_text(net))}</description>\n </meta>\n",
           ' <graph defaultedgetype="directed" mode="static">\n']
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        out.append(f'  <attributes class="{cls}">\n')
        out += [f'   <attribute id="{i}" title="{name}" type="{typ}"/>\n' for i, (name, typ) in enumerate(attrs)]
        out.append("  </attributes>\n")
    out.append("  <nodes>\n")
    for n in net.nodes:
        out.append(f'   <node id="{esc(n["id"])}" label="{esc(n["name"] or n["id"])}">')
        out.append(_gexf_values(n, NODE_ATTRS))
        out.append("</node>\n")
    out.append("  </nodes>\n  <edges>\n")
    for e in net.edges:
        w = f' weight="{float(e["share_min"])!r}"' if e["share_min"] else ""
        out.append(f'   <edge id="{esc(e["id"])}" source="{esc(e["source"])}" target="{esc(e["target"])}"{w}>')
        out.append(_gexf_values(e, EDGE_ATTRS))
        out.append("</edge>\n")
    out.append("  </edges>\n </graph>\n</gexf>\n")
    return "".join(out)


def _gexf_values(row: dict, attrs) -> str:
    vals = [f'<attvalue for="{i}" value="{_value(row[name], typ)}"/>'
            for i, (name, typ) in enumerate(attrs) if row.get(name) is not None]
    return f"<attvalues>{''.join(vals)}</attvalues>" if vals else ""


def graphml(net: Network) -> str:
    """GraphML text of the network (directed; keys declared; parallel edges keep their link ids)."""
    out = [_HEAD, f'<graphml xmlns="{GRAPHML_NS}">\n']
    for cls, attrs in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        out += [f' <key id="{cls[0]}_{name}" for="{cls}" attr.name="{name}" attr.type="{typ}"/>\n'
                for name, typ in attrs]
    out.append(' <key id="g_licence" for="graph" attr.name="licence" attr.type="string"/>\n')
    out.append(' <graph id="ownership" edgedefault="directed">\n')
    out.append(f'  <data key="g_licence">{esc(_licence_text(net))}</data>\n')
    for cls, rows, attrs in (("node", net.nodes, NODE_ATTRS), ("edge", net.edges, EDGE_ATTRS)):
        for r in rows:
            head = f'id="{esc(r["id"])}"' if cls == "node" else \
                f'id="{esc(r["id"])}" source="{esc(r["source"])}" target="{esc(r["target"])}"'
            data = "".join(f'<data key="{cls[0]}_{name}">{_value(r[name], typ)}</data>'
                           for name, typ in attrs if r.get(name) is not None)
            out.append(f"  <{cls} {head}>{data}</{cls}>\n")
    out.append(" </graph>\n</graphml>\n")
    return "".join(out)


def files(con: duckdb.DuckDBPyConnection) -> dict[str, bytes]:
    """href -> bytes of every file :func:`infrarisk.export_graph.write_site_files` writes."""
    nets = networks(con, except_nc=True)
    sets = [(STEM, nets[0])]
    nc = sum(1 for e in nets[0].edges if e["licence"] in licences.NONCOMMERCIAL)
    if 0 < nc < len(nets[0].edges):
        sets.append((STEM_EXCEPT_NC, nets[1]))
    return {f"{stem}.{fmt}": (gexf(net) if fmt == "gexf" else graphml(net)).encode("utf-8")
            for stem, net in sets for fmt in ("gexf", "graphml")}
