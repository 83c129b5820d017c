"""Owner pages: ``site/owners/<slug>.html``, one per entity that holds or controls a mapped asset.

Contract: :func:`collect` reads tables only — the ownership edges the score stage wrote
(``out_exposure__evidence_edges``, with the link ids behind each edge), the links
(``core_ownership__links``: source URL, title, date), the entities
(``core_ownership__entities``, ``out_ownership__entities``: country, control chain), the
assets' controllers (``out_ownership__asset_controllers``) and the mapped assets
(``out_exposure__assets``) — and computes each entity's look-through share in every asset
below it with the project's exact solver (:func:`.lookthrough.lookthrough`: loops solved,
never cut). :func:`write_owner_pages` writes a page per entity with a holding (a look-through
share, or an asset whose control chain it is on): its country and the control chain above it
with the source of each step, the entities directly below it, every asset it holds or controls
(share, one ownership path with the source of each step), totals by host country and asset
type, and an inline SVG map of the assets. It returns ``{entity_id: "owners/<slug>.html"}``
for the links of other pages.

Slugs (:func:`slugs`) are the entity id in lower-case letters, digits and hyphens, cut to 80
characters; ids that would share a slug all get a hash of the id appended, so each slug is
unique and stable. Output is deterministic; every string from data goes through the
autoescaping templates (``owner.html``, the frame: ``base.html`` with the header and footer,
rendered once per site by :func:`frame`; ``_owner_main.html``, the main part, once per page), or,
in the page's repeated parts (the chain above, the entities below, the holdings, the map's
points, the totals, the sources: :func:`page_parts`), through :mod:`.fragments`, which escapes
the same way.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from ..fmt import share_text
from . import fragments as frag
from .features import TYPE_LABELS
from .files import write_files
from .lookthrough import lookthrough
from .render import BAND_COLOURS, render

FOLDER = "owners"
MAP_W, MAP_H, MAP_PAD = 480, 300, 12


def slugs(entity_ids) -> dict[str, str]:
    """Safe, unique, stable slugs for entity ids.

    Examples
    --------
    >>> slugs(["lei:ABC", "LEI:abc", "Terminal Link SAS"])["Terminal Link SAS"]
    'terminal-link-sas'
    >>> s = slugs(["lei:ABC", "LEI:abc"]); s["lei:ABC"] != s["LEI:abc"]
    True
    """
    base = {}
    for eid in sorted(set(entity_ids)):
        b = re.sub(r"[^a-z0-9]+", "-", eid.lower()).strip("-")[:80].strip("-") or "entity"
        base.setdefault(b, []).append(eid)
    out = {}
    for b, ids in base.items():
        for eid in ids:
            out[eid] = b if len(ids) == 1 else f"{b}-{hashlib.sha1(eid.encode()).hexdigest()[:10]}"
    return out


@dataclass
class OwnerData:
    """What the owner pages read, indexed (see :func:`collect`)."""

    entities: dict
    assets: dict
    edges: list[dict]
    links: dict
    holdings: dict  # entity id -> {asset id: (share_min, share_max)}
    controls: dict  # entity id -> set of asset ids on whose control chain it is
    out_edges: dict = field(default_factory=dict)  # owner id -> [edge]
    edge_of: dict = field(default_factory=dict)  # (owner id, subject id) -> edge


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


#: the columns of ``out_exposure__evidence_edges`` an owner page reads
EDGE_COLUMNS = ("edge_id", "owner_entity_id", "owner_name", "subject_id", "subject_name", "share_min", "share_max",
                "is_control", "control_basis", "is_economic", "interest_type", "link_ids")


def collect(con, edges: list[dict] | None = None) -> OwnerData:
    """Read the tables (module docstring) and compute every entity's holdings; ``edges``: the rows
    of ``out_exposure__evidence_edges`` in edge id order when the caller has read them (with at
    least :data:`EDGE_COLUMNS`; the Explainer's ``edges.values()``), else read here."""
    if edges is None:
        edges = _rows(con, f"SELECT {', '.join(EDGE_COLUMNS)} FROM out_exposure__evidence_edges ORDER BY edge_id")
    else:  # copies: the pages add a field to each
        edges = [{c: e[c] for c in EDGE_COLUMNS} for e in edges]
    # only the assets an owner page can show: below an edge, or on a control chain
    assets = {r["asset_id"]: r for r in _rows(con, """
        SELECT asset_id, name, asset_type, country_code, latitude, longitude, band FROM out_exposure__assets
        WHERE asset_id IN (SELECT subject_id FROM out_exposure__evidence_edges
                           UNION ALL SELECT asset_id FROM out_ownership__asset_controllers
                           WHERE len(control_chain_ids) > 0)""")}
    ents = {r["entity_id"]: r for r in _rows(con, """
        SELECT e.entity_id, e.entity_name, e.entity_type, e.lei, e.hq_country_code, e.jurisdiction_code,
               e.source_url, o.control_chain_ids, o.controlling_country_code, o.controlling_country_basis,
               o.is_state, o.is_state_controlled
        FROM core_ownership__entities e LEFT JOIN out_ownership__entities o USING (entity_id)
        WHERE e.entity_id IN (SELECT entity_id FROM out_ownership__entities)""")}
    links = {r["link_id"]: r for r in _rows(con, """
        SELECT link_id, source_url, source_title, as_of_date, status FROM core_ownership__links
        WHERE link_id IN (SELECT unnest(link_ids) FROM out_exposure__evidence_edges)""")}
    controls: dict[str, set] = {}
    for aid, chain in con.execute("""SELECT asset_id, control_chain_ids FROM out_ownership__asset_controllers
                                     WHERE len(control_chain_ids) > 0""").fetchall():
        if aid in assets:
            for eid in chain:
                controls.setdefault(eid, set()).add(aid)
    owners = sorted({e["owner_entity_id"] for e in edges if e["is_economic"] and e["owner_entity_id"] in ents})
    lt = lookthrough(edges, owners)
    holdings = {o: {a: s for a, s in lt[o].items() if a in assets} for o in owners}
    data = OwnerData(ents, assets, edges, links, {o: h for o, h in holdings.items() if h},
                     {c: s for c, s in controls.items() if c in ents})
    for e in edges:
        e["share"] = share_text(float(e["share_min"] or 0.0), float(1.0 if e["share_max"] is None else e["share_max"]))
        data.out_edges.setdefault(e["owner_entity_id"], []).append(e)
        data.edge_of.setdefault((e["owner_entity_id"], e["subject_id"]), e)
    return data


@dataclass
class Shared:
    """What every owner page of one site shows the same way, worked out once: each edge's fixed
    step fields (by edge id), each link's source (by link id: url, title, date, is_http, or None),
    each edge's sources (by edge id: those of its links that have a URL), each asset's fixed row
    fields (by asset id), share texts (by (min, max)) and the markup of a list of source numbers."""

    edges: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    edge_links: dict = field(default_factory=dict)
    assets: dict = field(default_factory=dict)
    shares: dict = field(default_factory=dict)
    refs_html: dict = field(default_factory=dict)


class _Sources:
    """The numbered sources of one page."""

    def __init__(self, links: dict, shared: Shared):
        self.links, self.urls, self.items = links, {}, []
        self.known, self.edge_links = shared.links, shared.edge_links

    def _link(self, lid):
        try:
            return self.known[lid]
        except KeyError:
            lk = self.links.get(lid)
            if lk is None or not lk["source_url"]:
                info = None
            else:
                url = lk["source_url"]
                info = (url, lk["source_title"] or url, None if lk["as_of_date"] is None else str(lk["as_of_date"])[:10],
                        url.startswith(("http://", "https://")))
            self.known[lid] = info
            return info

    def refs(self, edge: dict) -> tuple[int, ...]:
        """The numbers of the edge's sources on this page (numbered in order of first use)."""
        try:
            infos = self.edge_links[edge["edge_id"]]
        except KeyError:
            infos = self.edge_links[edge["edge_id"]] = [
                i for i in map(self._link, edge["link_ids"] or ()) if i is not None]
        out = []
        urls = self.urls
        for info in infos:
            n = urls.get(info[0])
            if n is None:
                n = urls[info[0]] = len(self.items) + 1
                self.items.append({"n": n, "url": info[0], "title": info[1], "date": info[2], "is_http": info[3]})
            if n not in out:
                out.append(n)
        return tuple(out)


def _path(d: OwnerData, start: str, targets: set) -> dict[str, list[dict]]:
    """One ownership path (fewest steps, edges in id order) from ``start`` to each target."""
    parent: dict[str, dict] = {}
    seen, queue, found = {start}, deque([start]), {}
    while queue and len(found) < len(targets):
        v = queue.popleft()
        for e in d.out_edges.get(v, ()):
            w = e["subject_id"]
            if w in seen:
                continue
            seen.add(w)
            parent[w] = e
            if w in targets:
                found[w] = None
            if w not in d.assets:
                queue.append(w)
    out = {}
    for t in found:
        steps, w = [], t
        while w != start:
            steps.append(parent[w])
            w = parent[w]["owner_entity_id"]
        out[t] = steps[::-1]
    return out


def _fixed(e: dict, urls: dict, shared: Shared) -> dict:
    """The fields of an edge's step that are the same on every page, with ``head_html``
    (:func:`.fragments.step_head`), once per site (:attr:`Shared.edges`)."""
    fixed = shared.edges.get(e["edge_id"])
    if fixed is None:
        fixed = shared.edges[e["edge_id"]] = {
            "owner": e["owner_name"], "owner_url": urls.get(e["owner_entity_id"]),
            "subject": e["subject_name"], "subject_url": urls.get(e["subject_id"]),
            "share": e["share"], "is_control": bool(e["is_control"]), "control_basis": e["control_basis"]}
        fixed["head_html"] = frag.step_head(fixed)
    return fixed


def _refs_html(refs: tuple[int, ...], shared: Shared) -> Markup:
    """Links to the numbered sources ``refs``, once per list of numbers (:attr:`Shared.refs_html`)."""
    html = shared.refs_html.get(refs)
    if html is None:  # source numbers are integers this module made: markup built here, not from data
        html = shared.refs_html[refs] = Markup("".join([f'<a href="#src-{n}">[{n}]</a>' for n in refs]))
    return html


def _step(e: dict, src: _Sources, urls: dict, shared: Shared) -> dict:
    """A step of a chain: the edge's own fields (:func:`_fixed`) and its sources, numbered on this page."""
    fixed = _fixed(e, urls, shared)
    refs = src.refs(e)
    return {**fixed, "refs": list(refs), "refs_html": _refs_html(refs, shared)}


def _path_html(edges: list[dict], src: _Sources, urls: dict, shared: Shared) -> Markup:
    """An ownership path as the holdings table shows it (the ``_path`` of :mod:`.fragments` of its
    :func:`_step` records), its sources numbered on this page in the order of its steps."""
    return Markup(" → ".join([f'{_fixed(e, urls, shared)["head_html"]} {_refs_html(src.refs(e), shared)}'
                              for e in edges]))


def _svg_points(rows: list[dict]) -> dict | None:
    pts = [(r["longitude"], r["latitude"], r) for r in rows
           if r["longitude"] is not None and r["latitude"] is not None
           and not (math.isnan(r["longitude"]) or math.isnan(r["latitude"]))]
    if not pts:
        return None
    lon = [p[0] for p in pts]
    lat = [p[1] for p in pts]
    k = math.cos(math.radians((min(lat) + max(lat)) / 2))
    x0, x1, y0, y1 = min(lon) * k, max(lon) * k, min(lat), max(lat)
    # at least a degree either way: one point is not a map
    scale = min((MAP_W - 2 * MAP_PAD) / max(x1 - x0, 1.0), (MAP_H - 2 * MAP_PAD) / max(y1 - y0, 1.0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    out = [{"x": round(MAP_W / 2 + (p[0] * k - cx) * scale, 1), "y": round(MAP_H / 2 - (p[1] - cy) * scale, 1),
            "colour": BAND_COLOURS.get(p[2]["band"], "#9a9a9a"), "name": p[2]["name"], "band": p[2]["band"]}
           for p in pts]
    return {"w": MAP_W, "h": MAP_H, "points": out, "n": len(out),
            "bounds": [round(min(lon), 2), round(min(lat), 2), round(max(lon), 2), round(max(lat), 2)]}


def page_context(d: OwnerData, eid: str, urls: dict, shared: Shared | None = None) -> dict:
    """Everything ``owner.html`` shows for one entity; ``shared``: what the pages of one site (the
    same ``urls``) show the same way (a fresh one when not given)."""
    shared = Shared() if shared is None else shared
    e = d.entities[eid]
    src = _Sources(d.links, shared)
    chain = list(e["control_chain_ids"] or [eid])
    above = []
    for lower, upper in zip(chain, chain[1:]):
        edge = d.edge_of.get((upper, lower))
        above.append({"name": d.entities.get(upper, {}).get("entity_name", upper), "url": urls.get(upper),
                      "step": _step(edge, src, urls, shared) if edge else None})
    below = [_step(x, src, urls, shared) for x in d.out_edges.get(eid, ()) if x["subject_id"] not in d.assets]
    held = d.holdings.get(eid, {})
    ctl = d.controls.get(eid, set())
    targets = set(held) | ctl
    paths = _path(d, eid, targets)
    fixed_rows, shares = shared.assets, shared.shares
    rows = []
    for aid in sorted(targets):  # a set: sorted, so the sources are numbered the same in every build
        fixed = fixed_rows.get(aid)
        if fixed is None:
            a = d.assets[aid]
            fixed = fixed_rows[aid] = {
                "asset_id": aid, "name": a["name"], "asset_type": a["asset_type"],
                "type_label": TYPE_LABELS.get(a["asset_type"], a["asset_type"]), "country_code": a["country_code"],
                "band": a["band"], "map_url": "../index.html#sel=" + quote(aid, safe=":"),
                "longitude": a["longitude"], "latitude": a["latitude"]}
            fixed["row_parts"] = frag.asset_row_parts(fixed)
        lh = held.get(aid)
        if lh is None:
            lo = hi = 0.0
            share = "no economic share recorded"
        else:
            lo, hi = lh
            share = shares.get(lh)
            if share is None:
                share = shares[lh] = share_text(lo, hi)
        rows.append({**fixed, "share_min": lo, "share_max": hi, "share": share, "controls": aid in ctl,
                     "path_html": _path_html(paths.get(aid, ()), src, urls, shared)})
    rows.sort(key=lambda r: (-r["share_min"], -r["share_max"], r["name"] or "", r["asset_id"]))
    totals: dict[tuple, dict] = {}
    for r in rows:
        for key in (("country", r["country_code"] or "—"), ("type", r["type_label"] or "—")):
            t = totals.setdefault(key, {"label": key[1], "n": 0, "n_controlled": 0, "n_majority": 0})
            t["n"] += 1
            t["n_controlled"] += r["controls"]
            t["n_majority"] += r["share_min"] > 0.5
    by = {k: sorted((v for (kind, _), v in totals.items() if kind == k), key=lambda t: (-t["n"], t["label"]))
          for k in ("country", "type")}
    return {"entity": {"id": eid, "name": e["entity_name"], "type": e["entity_type"], "lei": e["lei"],
                       "hq": e["hq_country_code"], "jurisdiction": e["jurisdiction_code"],
                       "controlling_country": e["controlling_country_code"],
                       "basis": e["controlling_country_basis"], "is_state": bool(e["is_state"]),
                       "state_controlled": bool(e["is_state_controlled"]), "source_url": e["source_url"]},
            "above": above, "below": below, "rows": rows, "by_country": by["country"], "by_type": by["type"],
            "n_controlled": len(ctl), "svg": _svg_points(rows), "page_sources": src.items}


def owner_ids(d: OwnerData) -> list[str]:
    """The entities that get a page: a look-through share in, or control of, a mapped asset."""
    return sorted(set(d.holdings) | set(d.controls))


def owner_urls(d: OwnerData) -> dict[str, str]:
    """``{entity_id: "owners/<slug>.html"}`` for every entity that gets a page."""
    return {eid: f"{FOLDER}/{s}.html" for eid, s in slugs(owner_ids(d)).items()}


def page_parts(page: dict) -> dict:
    """The repeated parts of ``owner.html`` as markup (:mod:`.fragments`), from :func:`page_context`."""
    svg = page["svg"]
    return {"above_html": frag.chain_items(page["above"]), "below_html": frag.below_items(page["below"]),
            "rows_html": frag.holdings_rows(page["rows"]),
            "svg_html": frag.svg_points(svg["points"]) if svg else Markup(""),
            "by_country_html": frag.total_rows(page["by_country"]),
            "by_type_html": frag.total_rows(page["by_type"]),
            "sources_html": frag.source_items(page["page_sources"])}


#: stand-ins for the title and the main part in the frame of the owner pages (:func:`frame`): no text
#: escapes to a NUL character
_TITLE, _MAIN = "\x00title\x00", "\x00main\x00"


def frame(**ctx) -> tuple[list[str], str]:
    """The frame of every owner page (``owner.html``: ``base.html`` with the site's header and
    footer), rendered once: (the text around each place the title goes, the text after the main
    part). A page is ``esc(title).join(head) + main + tail``, byte for byte what ``owner.html``
    renders with that title and main part."""
    text = render("owner.html", title=_TITLE, main_html=Markup(_MAIN), **ctx)
    head, tail = text.split(_MAIN)
    return head.split(_TITLE), tail


def page_html(head: list[str], tail: str, page: dict) -> str:
    """One owner page's HTML from :func:`frame` and its :func:`page_context`."""
    main = render("_owner_main.html", **page, **page_parts(page))
    return frag.esc(page["entity"]["name"]).join(head) + main + tail


def write_owner_pages(d: OwnerData, out_dir: Path, **common) -> dict[str, str]:
    """Write ``owners/<slug>.html`` for every owner; return ``{entity_id: "owners/<slug>.html"}``.

    The frame, the same on every owner page (``base.html`` with its header and footer), is
    rendered once (:func:`frame`); each page renders its main part (``_owner_main.html``).
    """
    urls = owner_urls(d)
    rel = {eid: f"{Path(u).name}" for eid, u in urls.items()}  # links between owner pages
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    ctx = {**common, "page": "owner", "root": "../"}
    chrome = {"nav": Markup(render("_nav.html", **ctx)), "footer": Markup(render("_footer.html", **ctx))}
    head, tail = frame(chrome=chrome, **ctx)
    shared = Shared()
    write_files(folder, ((rel[eid], page_html(head, tail, page_context(d, eid, rel, shared)).encode("utf-8"))
                         for eid in sorted(urls)))
    return urls
