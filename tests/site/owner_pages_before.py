"""The owner pages' main part as the dict contexts, the fragment functions and the Jinja template
``_owner_main.html`` made it before the pages were put together from ready strings: the oracle the
tests hold the fast writer (:func:`infrarisk.site.owner_pages.write_owner_pages`) to (same bytes).
Not used by the program."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import quote

from markupsafe import Markup

from infrarisk.fmt import share_text
from infrarisk.site.features import TYPE_LABELS
from infrarisk.site.fragments import esc
from infrarisk.site.owner_html import MAP_H, MAP_PAD, MAP_W
from infrarisk.site.owner_pages import OwnerData
from infrarisk.site.render import BAND_COLOURS, environment

#: the template of the main part (``templates/_owner_main.html`` as it was)
MAIN_TEMPLATE = '{# the main part of an owner page (owner.html), rendered on its own: owner_pages.write_owner_pages #}\n{% set e = entity %}\n<h1>{{ e[\'name\'] }}</h1>\n<dl class="owner-facts">\n<dt>Country</dt><dd>{{ e[\'hq\'] or e[\'jurisdiction\'] or \'not stated by the sources\' }}{% if e[\'jurisdiction\'] and e[\'hq\'] and e[\'jurisdiction\'] != e[\'hq\'] %} (registered in {{ e[\'jurisdiction\'] }}){% endif %}</dd>\n<dt>Controlled from</dt><dd>{{ e[\'controlling_country\'] or \'not established\' }}{% if e[\'basis\'] %} <span class="meta">({{ e[\'basis\'] }})</span>{% endif %}{% if e[\'state_controlled\'] %} — state-controlled{% endif %}</dd>\n{% if e[\'type\'] %}<dt>Type</dt><dd>{{ e[\'type\'] }}</dd>{% endif %}\n{% if e[\'lei\'] %}<dt>LEI</dt><dd><code>{{ e[\'lei\'] }}</code></dd>{% endif %}\n<dt>Holdings</dt><dd>{{ rows|length }} mapped assets ({{ n_controlled }} on whose control chain it stands)</dd>\n</dl>\n\n<h2>Control chain above</h2>\n{% if above %}\n<ol class="chain-steps">\n<li>{{ e[\'name\'] }}</li>\n{{ above_html }}</ol>\n{% else %}\n<p>No controller above it is recorded: it is its own ultimate controller.</p>\n{% endif %}\n\n<h2>Entities directly below</h2>\n{% if below %}\n<ul>\n{{ below_html }}</ul>\n{% else %}\n<p>None recorded (it holds assets directly).</p>\n{% endif %}\n\n<h2>Where its assets are</h2>\n{% if svg %}\n<figure class="owner-map">\n<svg xmlns="http://www.w3.org/2000/svg" width="{{ svg[\'w\'] }}" height="{{ svg[\'h\'] }}" viewBox="0 0 {{ svg[\'w\'] }} {{ svg[\'h\'] }}" role="img" aria-label="{{ svg[\'n\'] }} assets between longitude {{ svg[\'bounds\'][0] }} and {{ svg[\'bounds\'][2] }}, latitude {{ svg[\'bounds\'][1] }} and {{ svg[\'bounds\'][3] }}">\n<rect width="{{ svg[\'w\'] }}" height="{{ svg[\'h\'] }}" fill="#f4f6f8" stroke="#c8ced6"/>\n{{ svg_html }}</svg>\n<figcaption>Positions of the assets below (longitude {{ svg[\'bounds\'][0] }} to {{ svg[\'bounds\'][2] }}, latitude {{ svg[\'bounds\'][1] }} to {{ svg[\'bounds\'][3] }}), coloured by band; open an asset on the <a href="../index.html">map</a> from the table.</figcaption>\n</figure>\n{% else %}\n<p>No asset below it has a position.</p>\n{% endif %}\n\n<h2>Totals</h2>\n<div class="owner-totals">\n<table class="data">\n<caption>By host country</caption>\n<thead><tr><th scope="col">Country</th><th scope="col">Assets</th><th scope="col">Controlled</th><th scope="col">Over 50% look-through</th></tr></thead>\n<tbody>\n{{ by_country_html }}</tbody>\n</table>\n<table class="data">\n<caption>By asset type</caption>\n<thead><tr><th scope="col">Type</th><th scope="col">Assets</th><th scope="col">Controlled</th><th scope="col">Over 50% look-through</th></tr></thead>\n<tbody>\n{{ by_type_html }}</tbody>\n</table>\n</div>\n\n<h2>Assets held or controlled</h2>\n<p>Look-through share: the sum over ownership paths of the product of the shares (a range where a share is undisclosed). One path is shown for each asset, with the source of every step.</p>\n<div class="table-wrap" tabindex="0" role="region" aria-label="Assets held or controlled (the table scrolls sideways)">\n<table class="data owner-holdings">\n<thead><tr><th scope="col">Asset</th><th scope="col">Host</th><th scope="col">Look-through share</th><th scope="col">Controls</th><th scope="col">Band</th><th scope="col">Path and sources</th></tr></thead>\n<tbody>\n{{ rows_html }}</tbody>\n</table>\n</div>\n\n<h2>Sources</h2>\n{% if page_sources %}\n<ol class="owner-sources">\n{{ sources_html }}</ol>\n{% endif %}\n{% if e[\'source_url\'] and e[\'source_url\'].startswith((\'http://\', \'https://\')) %}<p class="meta">Entity record: <a href="{{ e[\'source_url\'] }}" rel="noopener">{{ e[\'source_url\'] }}</a></p>{% endif %}\n'

_MAIN = None


def _render_main(**ctx) -> str:
    global _MAIN
    if _MAIN is None:
        _MAIN = environment().from_string(MAIN_TEMPLATE)
    return _MAIN.render(**ctx)


# the fragment functions (site/fragments.py) as they were

def step_head(s: dict) -> Markup:
    """A step of an ownership path without its sources: the subject (a link to its page if it has
    one), the share and whether the step controls."""
    subject = esc(s["subject"])
    who = f'<a href="{esc(s["subject_url"])}">{subject}</a>' if s["subject_url"] else subject
    return Markup(f'{who} {esc(s["share"])}{" (controls)" if s["is_control"] else ""}')


def _steps_path(steps: list[dict]) -> str:
    """The steps of a path, each as :func:`step_head` (``head_html`` when the step has it) and its sources."""
    return " → ".join([f'{s.get("head_html") or step_head(s)} {s["refs_html"]}' for s in steps])


def _who(name, url) -> str:
    """A name, as a link to ``url`` when there is one (``owner.html``'s ``who`` macro)."""
    return f'<a href="{esc(url)}">{esc(name)}</a>' if url else esc(name)


def chain_items(above: list[dict]) -> Markup:
    """The ``<li>`` of each step of the control chain above an owner, each followed by a newline."""
    out = []
    for a in above:
        s = a["step"]
        if s:
            basis = f', {esc(s["control_basis"])}' if s["control_basis"] else ""
            out.append(f'<li>controlled by {_who(a["name"], a["url"])} — {esc(s["share"])}{basis} '
                       f'{s["refs_html"]}</li>\n')
        else:
            out.append(f'<li>controlled by {_who(a["name"], a["url"])}</li>\n')
    return Markup("".join(out))


def below_items(below: list[dict]) -> Markup:
    """The ``<li>`` of each entity directly below an owner, each followed by a newline."""
    out = []
    for s in below:
        ctl = (f' (controls{": " + esc(s["control_basis"]) if s["control_basis"] else ""})' if s["is_control"]
               else "")
        out.append(f'<li>{_who(s["subject"], s["subject_url"])}: {esc(s["share"])}{ctl} {s["refs_html"]}</li>\n')
    return Markup("".join(out))


def asset_row_parts(r: dict) -> tuple[str, str, str]:
    """The parts of a holdings row that depend on the asset only: its escaped id, its name and host
    cells, its band cell."""
    return (esc(r["asset_id"]),
            f'<td><a href="{esc(r["map_url"])}">{esc(r["name"])}</a><br>'
            f'<span class="meta">{esc(r["type_label"])}</span></td>\n<td>{esc(r["country_code"])}</td>\n',
            f'<td><span class="band band-{esc(r["band"])}">{esc(r["band"])}</span></td>\n')


def holdings_rows(rows: list[dict]) -> Markup:
    """The ``<tr>`` rows of the holdings table, each followed by a newline. A row may carry its
    :func:`asset_row_parts` (``row_parts``) and its path as markup (``path_html``, the
    :func:`_path` of its ``path``), worked out once elsewhere."""
    out = []
    for r in rows:
        aid, cells, band = r.get("row_parts") or asset_row_parts(r)
        path = r["path_html"] if "path_html" in r else _steps_path(r["path"])
        out.append(f'<tr data-asset-id="{aid}" data-share-min="{"%.9f" % r["share_min"]}" '
                   f'data-share-max="{"%.9f" % r["share_max"]}">\n{cells}<td>{esc(r["share"])}</td>\n'
                   f'<td>{"yes" if r["controls"] else "no"}</td>\n{band}<td>{path}</td>\n</tr>\n')
    return Markup("".join(out))


def svg_points(points: list[dict]) -> Markup:
    """The ``<circle>`` of each asset on the inline map, each followed by a newline."""
    return Markup("".join(
        f'<circle cx="{p["x"]}" cy="{p["y"]}" r="4" fill="{esc(p["colour"])}" stroke="#222" '
        f'stroke-width="0.5"><title>{esc(p["name"])} ({esc(p["band"])})</title></circle>\n' for p in points))


def total_rows(totals: list[dict]) -> Markup:
    """The rows of a totals table (by host country or by asset type), each followed by a newline."""
    return Markup("".join(
        f'<tr><td>{esc(t["label"])}</td><td>{t["n"]}</td><td>{t["n_controlled"]}</td>'
        f'<td>{t["n_majority"]}</td></tr>\n' for t in totals))


def source_items(sources: list[dict]) -> Markup:
    """The ``<li>`` of each numbered source, each followed by a newline."""
    out = []
    for s in sources:
        title = esc(s["title"])
        link = f'<a href="{esc(s["url"])}" rel="noopener">{title}</a>' if s["is_http"] else title
        out.append(f'<li id="src-{s["n"]}">{link}{", " + esc(s["date"]) if s["date"] else ""}</li>\n')
    return Markup("".join(out))


frag = SimpleNamespace(esc=esc, step_head=step_head, chain_items=chain_items, below_items=below_items,
                       asset_row_parts=asset_row_parts, holdings_rows=holdings_rows, svg_points=svg_points,
                       total_rows=total_rows, source_items=source_items)


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
            "owner_url": urls.get(e["owner_entity_id"]),
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
                       "basis": e["controlling_country_basis"], "is_state": bool(e.get("is_state")),
                       "state_controlled": bool(e["is_state_controlled"]), "source_url": e["source_url"]},
            "above": above, "below": below, "rows": rows, "by_country": by["country"], "by_type": by["type"],
            "n_controlled": len(ctl), "svg": _svg_points(rows), "page_sources": src.items}


def page_parts(page: dict) -> dict:
    """The repeated parts of ``owner.html`` as markup (:mod:`.fragments`), from :func:`page_context`."""
    svg = page["svg"]
    return {"above_html": frag.chain_items(page["above"]), "below_html": frag.below_items(page["below"]),
            "rows_html": frag.holdings_rows(page["rows"]),
            "svg_html": frag.svg_points(svg["points"]) if svg else Markup(""),
            "by_country_html": frag.total_rows(page["by_country"]),
            "by_type_html": frag.total_rows(page["by_type"]),
            "sources_html": frag.source_items(page["page_sources"])}


def page_html(head: list[str], tail: str, page: dict) -> str:
    """One owner page's HTML from :func:`frame` and its :func:`page_context`."""
    main = _render_main(**page, **page_parts(page))
    return frag.esc(page["entity"]["name"]).join(head) + main + tail
