"""The main part of each owner page as UTF-8 bytes, from ready pieces worked out once per site.

Contract: :class:`Pages` takes the owner pages' data (:class:`.owner_pages.OwnerData`) and the
pages' file names (entity id -> ``<slug>.html``, the links between owner pages) and returns,
for an entity, the main part of its page (:meth:`Pages.main`), or the whole page in a frame
(:meth:`Pages.page`): its facts and the control chain above it, the entities directly below,
the inline map of its assets, totals by host country and asset type, every asset it holds or
controls (look-through share, one ownership path with the source of each step) and the page's
numbered sources (numbered in order of first use: the chain, the entities below, then the
holdings in asset id order).

What every page shows the same way — an edge's step, an entity's link, an asset's cells, a
share's cells, a source's item — is escaped and formatted once per site (:mod:`.fragments`,
cached on first use) and kept encoded; a page is one ``bytes.join`` of those pieces with the few
that are its own (source numbers, map positions, counts, its entity's facts): no page-sized
string is copied or encoded again. Byte for byte what the Jinja template ``_owner_main.html``
rendered from a dict context per page before (the tests keep that path as their reference,
``tests/site/owner_pages_before.py``); every value from data is escaped.
"""

from __future__ import annotations

import math
import re
from collections import deque
from math import copysign
from operator import itemgetter
from urllib.parse import quote

from ..fmt import share_text
from . import fragments as frag
from .features import TYPE_LABELS
from .render import BAND_COLOURS

MAP_W, MAP_H, MAP_PAD = 480, 300, 12
_YES, _NO = b"<td>yes</td>\n", b"<td>no</td>\n"
_ARROW = " → ".encode()
_NO_SHARE = "no economic share recorded"
_NONE: frozenset = frozenset()
#: ids a URL's fragment takes as they are (``quote(aid, safe=":")`` returns them unchanged)
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~:-]*").fullmatch
#: the holdings' order: look-through share, largest first, then name and id (the asset's rank)
_ORDER = itemgetter(0, 1, 2)


class _Asset:
    """An asset's ready pieces (bytes): its holdings-row parts, its place in the holdings' order (by
    name, then id), its totals labels, its position and its map circle (None: no position)."""

    __slots__ = ("open", "cells", "close", "rank", "country", "type", "lon", "lat", "circle")


def _path(kids: dict, start: str, targets: set) -> dict[str, list[dict]]:
    """One ownership path (fewest steps, edges in id order) from ``start`` to each target;
    ``kids``: node -> [(subject, edge, whether the subject is an asset)] in edge id order."""
    parent: dict[str, tuple] = {}  # node -> (the edge that reached it, its owner)
    seen, queue, found, want = {start}, deque([start]), 0, len(targets)
    while queue and found < want:
        v = queue.popleft()
        for w, e, is_asset in kids.get(v, ()):
            if w in seen:
                continue
            seen.add(w)
            parent[w] = (e, v)
            if w in targets:
                found += 1
            if not is_asset:
                queue.append(w)
    out = {}
    for t in targets:
        if t in parent:
            steps, w = [], t
            while w != start:
                e, w = parent[w]
                steps.append(e)
            out[t] = steps[::-1]
    return out


def _map(pts: tuple[_Asset, ...]) -> bytes:
    """The inline map of the assets ``pts`` (in the holdings' order; those with a position), or
    the sentence saying none has one."""
    if not pts:
        return b"<p>No asset below it has a position.</p>\n"
    out = []
    lon = [a.lon for a in pts]
    lat = [a.lat for a in pts]
    w, e, s, n = min(lon), max(lon), min(lat), max(lat)
    k = math.cos(math.radians((s + n) / 2))
    x0, x1, y0, y1 = w * k, e * k, s, n
    # at least a degree either way: one point is not a map
    scale = min((MAP_W - 2 * MAP_PAD) / max(x1 - x0, 1.0), (MAP_H - 2 * MAP_PAD) / max(y1 - y0, 1.0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w0, s0, e0, n0 = round(w, 2), round(s, 2), round(e, 2), round(n, 2)
    out.append(f'<figure class="owner-map">\n<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_W}" '
               f'height="{MAP_H}" viewBox="0 0 {MAP_W} {MAP_H}" role="img" aria-label="{len(pts)} assets between '
               f'longitude {w0} and {e0}, latitude {s0} and {n0}">\n<rect width="{MAP_W}" height="{MAP_H}" '
               'fill="#f4f6f8" stroke="#c8ced6"/>\n'.encode())
    # a position to one decimal: "%.1f" writes what str(round(v, 1)) does (the same correctly
    # rounded digits) for every |v| < 1e16; positions lie within the map, 0 to 480
    out += [b'<circle cx="%.1f" cy="%.1f%s' % (MAP_W / 2 + (a.lon * k - cx) * scale, MAP_H / 2 - (a.lat - cy) * scale,
                                               a.circle) for a in pts]
    out.append(f"</svg>\n<figcaption>Positions of the assets below (longitude {w0} to {e0}, latitude {s0} to {n0}), "
               'coloured by band; open an asset on the <a href="../index.html">map</a> from the table.</figcaption>\n'
               "</figure>\n".encode())
    return b"".join(out)


def _totals(counts: dict, heads: dict, out: list) -> None:
    """The rows of a totals table, appended to ``out``: ``counts`` label -> [assets, controlled,
    over 50%], most assets first."""
    for label, (n, nc, nm) in sorted(counts.items(), key=lambda t: (-t[1][0], t[0])):
        head = heads.get(label)
        if head is None:
            head = heads[label] = frag.total_head(label).encode()
        out.append(b"%s%d</td><td>%d</td><td>%d</td></tr>\n" % (head, n, nc, nm))


_THEAD = ('<thead><tr><th scope="col">%s</th><th scope="col">Assets</th><th scope="col">Controlled</th>'
          '<th scope="col">Over 50%% look-through</th></tr></thead>\n')
_BY_COUNTRY = ('\n<h2>Totals</h2>\n<div class="owner-totals">\n<table class="data">\n<caption>By host country</caption>\n'
               + _THEAD % "Country" + "<tbody>\n").encode()
_BY_TYPE = ('</tbody>\n</table>\n<table class="data">\n<caption>By asset type</caption>\n' + _THEAD % "Type"
            + "<tbody>\n").encode()
_HOLDINGS = ("</tbody>\n</table>\n</div>\n\n<h2>Assets held or controlled</h2>\n<p>Look-through share: the sum over "
             "ownership paths of the product of the shares (a range where a share is undisclosed). One path is shown "
             'for each asset, with the source of every step.</p>\n<div class="table-wrap" tabindex="0" role="region" '
             'aria-label="Assets held or controlled (the table scrolls sideways)">\n<table class="data owner-holdings">\n'
             '<thead><tr><th scope="col">Asset</th><th scope="col">Host</th><th scope="col">Look-through share</th>'
             '<th scope="col">Controls</th><th scope="col">Band</th><th scope="col">Path and sources</th></tr></thead>\n'
             "<tbody>\n").encode()
_SOURCES = b"</tbody>\n</table>\n</div>\n\n<h2>Sources</h2>\n"
_ABOVE_NONE = b"<p>No controller above it is recorded: it is its own ultimate controller.</p>\n"
_BELOW = b"\n<h2>Entities directly below</h2>\n"
_BELOW_NONE = b"<p>None recorded (it holds assets directly).</p>\n"
_WHERE = b"\n<h2>Where its assets are</h2>\n"
_ROW_END = b"</td>\n</tr>\n"


def _facts(e: dict, name: str, n_rows: int, n_controlled: int) -> bytes:
    """The heading, the facts list and the next heading of an owner page (``name``: escaped)."""
    esc = frag.esc
    hq, jur, basis = e["hq_country_code"], e["jurisdiction_code"], e["controlling_country_basis"]
    return "".join([
        f'<h1>{name}</h1>\n<dl class="owner-facts">\n<dt>Country</dt><dd>{esc(hq or jur or "not stated by the sources")}',
        f" (registered in {esc(jur)})" if jur and hq and jur != hq else "",
        f'</dd>\n<dt>Controlled from</dt><dd>{esc(e["controlling_country_code"] or "not established")}',
        f' <span class="meta">({esc(basis)})</span>' if basis else "",
        " — state-controlled" if e["is_state_controlled"] else "", "</dd>\n",
        f'<dt>Type</dt><dd>{esc(e["entity_type"])}</dd>' if e["entity_type"] else "",
        f'<dt>LEI</dt><dd><code>{esc(e["lei"])}</code></dd>' if e["lei"] else "",
        f"<dt>Holdings</dt><dd>{n_rows} mapped assets ({n_controlled} on whose control chain it stands)</dd>\n"
        "</dl>\n\n<h2>Control chain above</h2>\n"]).encode()


class Pages:
    """The owner pages of one site (module docstring); ``urls``: entity id -> the file name of its
    page (the links between owner pages)."""

    def __init__(self, d, urls: dict[str, str]):
        self.d, self.urls = d, urls
        self.heads: dict = {}  # edge id -> frag.step_head
        self.srcs: dict = {}  # edge id -> its links' sources with a URL, one per URL: (url, frag.source_tail)
        self.links: dict = {}  # link id -> (url, frag.source_tail) or None
        self.tails: dict = {}  # (url, title, date) -> (url, frag.source_tail): links often share a source
        self.refs: dict = {}  # source numbers -> frag.refs
        self.assets: dict = {}  # asset id -> _Asset
        self.shares: dict = {}  # (min, max) or None (zeros told apart by sign) -> (min, max, *frag.holding_share)
        self.above: dict = {}  # (upper, lower) -> (frag.chain_head, edge) or (frag.chain_item, None)
        self.below: dict = {}  # edge id -> frag.below_head
        self.labels: dict = {}  # totals label -> frag.total_head
        self.maps: dict = {}  # the assets on a map, in order -> the map (pages often show the same)
        self.kids = {v: [(e["subject_id"], e, e["subject_id"] in d.assets) for e in es] for v, es in d.out_edges.items()}
        names = d.assets
        self.rank = {a: i for i, a in enumerate(sorted(names, key=lambda a: (names[a]["name"] or "", a)))}

    def _link(self, lid):
        lk = self.d.links.get(lid)
        if lk is None or not lk["source_url"]:
            info = None
        else:
            key = (lk["source_url"], lk["source_title"], lk["as_of_date"])
            info = self.tails.get(key)
            if info is None:
                url, title, date = key
                info = self.tails[key] = (url, frag.source_tail(
                    url, title or url, None if date is None else str(date)[:10],
                    url.startswith(("http://", "https://"))).encode())
        self.links[lid] = info
        return info

    def _srcs(self, e: dict) -> tuple:
        """An edge's sources with a URL, the first of its links for each URL (the page numbers URLs)."""
        out, seen, known = [], set(), self.links
        for lid in e["link_ids"] or ():
            info = known[lid] if lid in known else self._link(lid)
            if info is not None and info[0] not in seen:
                seen.add(info[0])
                out.append(info)
        out = self.srcs[e["edge_id"]] = tuple(out)
        return out

    def _asset(self, aid: str) -> _Asset:
        r = self.d.assets[aid]
        a = self.assets[aid] = _Asset()
        label = TYPE_LABELS.get(r["asset_type"], r["asset_type"])
        map_url = "../index.html#sel=" + (aid if _URL_SAFE(aid) else quote(aid, safe=":"))
        a.open, a.cells, a.close = (x.encode() for x in frag.holding_asset(aid, map_url, r["name"], label,
                                                                            r["country_code"], r["band"]))
        a.rank, a.country, a.type = self.rank[aid], r["country_code"] or "—", label or "—"
        a.lon, a.lat = lon, lat = r["longitude"], r["latitude"]
        ok = lon is not None and lat is not None and not (math.isnan(lon) or math.isnan(lat))
        a.circle = frag.circle_tail(BAND_COLOURS.get(r["band"], "#9a9a9a"), r["name"], r["band"]).encode() if ok else None
        return a

    def _share(self, lh, key) -> tuple:
        lo, hi = (0.0, 0.0) if lh is None else lh
        attrs, cell = frag.holding_share(lo, hi, _NO_SHARE if lh is None else share_text(lo, hi))
        out = self.shares[key] = (lo, hi, attrs.encode(), cell.encode())
        return out

    def _above(self, upper: str, lower: str) -> tuple:
        d = self.d
        edge = d.edge_of.get((upper, lower))
        name, url = d.entities.get(upper, {}).get("entity_name", upper), self.urls.get(upper)
        out = self.above[upper, lower] = ((frag.chain_head(name, url, edge["share"], edge["control_basis"]).encode(),
                                           edge) if edge else (frag.chain_item(name, url).encode(), None))
        return out

    def _head(self, x: dict) -> bytes:
        out = self.heads[x["edge_id"]] = frag.step_head(x["subject_name"], self.urls.get(x["subject_id"]), x["share"],
                                                        x["is_control"]).encode()
        return out

    def main(self, eid: str) -> bytes:
        """The main part of ``eid``'s page."""
        return b"".join(self._parts(eid, []))

    def page(self, eid: str, head: list[bytes], tail: bytes) -> bytes:
        """``eid``'s whole page in a frame: ``head``, the frame's text around each place the page's
        title goes (the entity's name), and ``tail``, its text after the main part."""
        title = frag.esc(self.d.entities[eid]["entity_name"]).encode()
        out = [head[0]]
        for h in head[1:]:
            out += (title, h)
        self._parts(eid, out)
        out.append(tail)
        return b"".join(out)

    def _parts(self, eid: str, out: list) -> list:
        """The pieces of ``eid``'s main part, appended to ``out``."""
        d, urls = self.d, self.urls
        heads, srcs, refs_of, assets, shares = self.heads, self.srcs, self.refs, self.assets, self.shares
        e = d.entities[eid]
        nums: dict[str, int] = {}  # URL -> its number on this page
        items: list[bytes] = []  # the page's sources in order of number

        def refs(edge: dict) -> bytes:
            ns = []
            infos = srcs.get(edge["edge_id"])
            for url, tail in self._srcs(edge) if infos is None else infos:
                n = nums.get(url)
                if n is None:
                    items.append(tail)
                    n = nums[url] = len(items)
                ns.append(n)
            ns = tuple(ns)
            html = refs_of.get(ns)
            if html is None:
                html = refs_of[ns] = frag.refs(ns).encode()
            return html

        chain = list(e["control_chain_ids"] or [eid])
        above = []
        for lower, upper in zip(chain, chain[1:]):
            head, edge = self.above.get((upper, lower)) or self._above(upper, lower)
            above.append(b"%s %s</li>\n" % (head, refs(edge)) if edge is not None else head)
        below = []
        for _, x, is_asset in self.kids.get(eid, ()):
            if not is_asset:
                head = self.below.get(x["edge_id"])
                if head is None:
                    head = self.below[x["edge_id"]] = frag.below_head(
                        x["subject_name"], urls.get(x["subject_id"]), x["share"], x["is_control"],
                        x["control_basis"]).encode()
                below.append(b"%s %s</li>\n" % (head, refs(x)))
        held = d.holdings.get(eid, {})
        ctl = d.controls.get(eid, _NONE)
        targets = held.keys() | ctl
        paths = _path(self.kids, eid, targets)
        steps: dict[int, bytes] = {}  # edge id -> its step on this page
        rows = []
        for aid in sorted(targets):  # a set: sorted, so the sources are numbered the same in every build
            a = assets.get(aid) or self._asset(aid)
            lh = held.get(aid)
            key = lh if lh is None or (lh[0] and lh[1]) else (*lh, copysign(1.0, lh[0]), copysign(1.0, lh[1]))
            sh = shares.get(key) or self._share(lh, key)
            path = []
            for x in paths.get(aid, ()):
                s = steps.get(x["edge_id"])
                if s is None:
                    s = steps[x["edge_id"]] = b"%s %s" % (heads.get(x["edge_id"]) or self._head(x), refs(x))
                path.append(s)
            rows.append((-sh[0], -sh[1], a.rank, a, sh, aid in ctl, path))
        rows.sort(key=_ORDER)
        name = frag.esc(e["entity_name"])
        out.append(_facts(e, name, len(rows), len(ctl)))
        if above:
            out.append(f'<ol class="chain-steps">\n<li>{name}</li>\n'.encode())
            out += above
            out.append(b"</ol>\n")
        else:
            out.append(_ABOVE_NONE)
        out.append(_BELOW)
        if below:
            out.append(b"<ul>\n")
            out += below
            out.append(b"</ul>\n")
        else:
            out.append(_BELOW_NONE)
        out.append(_WHERE)
        pts = tuple([r[3] for r in rows if r[3].circle is not None])
        svg = self.maps.get(pts)
        if svg is None:
            svg = self.maps[pts] = _map(pts)
        out.append(svg)
        by_country: dict[str, list] = {}
        by_type: dict[str, list] = {}
        for _, _, _, a, (lo, _, _, _), c, _ in rows:
            for totals, key in ((by_country, a.country), (by_type, a.type)):
                t = totals.get(key)
                if t is None:
                    t = totals[key] = [0, 0, 0]
                t[0] += 1
                t[1] += c
                t[2] += lo > 0.5
        out.append(_BY_COUNTRY)
        _totals(by_country, self.labels, out)
        out.append(_BY_TYPE)
        _totals(by_type, self.labels, out)
        out.append(_HOLDINGS)
        for _, _, _, a, (_, _, attrs, share), c, path in rows:
            out += (a.open, attrs, a.cells, share, _YES if c else _NO, a.close, _ARROW.join(path), _ROW_END)
        out.append(_SOURCES)
        if items:
            out.append(b'<ol class="owner-sources">\n')
            out += [b'<li id="src-%d%s' % (n, tail) for n, tail in enumerate(items, 1)]
            out.append(b"</ol>\n")
        url = e["source_url"]
        if url and url.startswith(("http://", "https://")):
            u = frag.esc(url)
            out.append(f'<p class="meta">Entity record: <a href="{u}" rel="noopener">{u}</a></p>'.encode())
        return out
