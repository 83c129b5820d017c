"""Owner pages: ``site/owners/<slug>.html``, one per entity that holds or controls a mapped asset.

Contract: :func:`collect` reads tables only — the ownership edges the score stage wrote
(``out_exposure__evidence_edges``, with the link ids behind each edge), the links
(``core_ownership__links``: source URL, title, date), the entities
(``core_ownership__entities``, ``out_ownership__entities``: country, control chain), the
assets' controllers (``out_ownership__asset_controllers``) and the mapped assets
(``out_exposure__assets``) — and computes each entity's look-through share in every asset
below it with the project's exact solver (:func:`.lookthrough.lookthrough`: loops solved,
never cut), and each edge's share as text (once per distinct pair of bounds). :func:`write_owner_pages` writes a page per entity with a holding (a look-through
share, or an asset whose control chain it is on): its country and the control chain above it
with the source of each step, the entities directly below it, every asset it holds or controls
(share, one ownership path with the source of each step), totals by host country and asset
type, and an inline SVG map of the assets. It returns ``{entity_id: "owners/<slug>.html"}``
for the links of other pages.

Slugs (:func:`slugs`) are the entity id in lower-case letters, digits and hyphens, cut to 80
characters; ids that would share a slug all get a hash of the id appended, so each slug is
unique and stable. Output is deterministic. A page is the frame (``owner.html``: ``base.html``
with the header and footer, rendered once per site by the autoescaping templates:
:func:`frame`) around its main part, put together by :class:`.owner_html.Pages` from pieces
escaped the same way (:mod:`.fragments`) and written as bytes (:func:`.files.write_files`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from math import copysign
from pathlib import Path

from markupsafe import Markup

from ..fmt import share_text
from .files import write_files
from .lookthrough import lookthrough
from .owner_html import Pages
from .render import render

FOLDER = "owners"


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
EDGE_COLUMNS = ("edge_id", "owner_entity_id", "subject_id", "subject_name", "share_min", "share_max", "is_control",
                "control_basis", "is_economic", "link_ids")


def _share_key(lo, hi):
    """``(lo, hi)``, told apart from the equal pair of the other zero's sign (``pct(-0.0)`` is ``'-0%'``)."""
    return (lo, hi) if lo and hi else (lo, hi, copysign(1.0, lo or 0.0), copysign(1.0, 1.0 if hi is None else hi))


def collect(con, edges: list[dict] | None = None) -> OwnerData:
    """Read the tables (module docstring) and compute every entity's holdings; ``edges``: the rows
    of ``out_exposure__evidence_edges`` in edge id order when the caller has read them (with at
    least :data:`EDGE_COLUMNS`; the Explainer's ``edges.values()``), else read here."""
    if edges is None:
        cur = con.execute(f"SELECT {', '.join(EDGE_COLUMNS)} FROM out_exposure__evidence_edges ORDER BY edge_id")
        edges = [dict(zip(EDGE_COLUMNS, r)) for r in cur.fetchall()]
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
               o.is_state_controlled
        FROM core_ownership__entities e LEFT JOIN out_ownership__entities o USING (entity_id)
        WHERE e.entity_id IN (SELECT entity_id FROM out_ownership__entities)""")}
    links = {r["link_id"]: r for r in _rows(con, """
        SELECT link_id, source_url, source_title, as_of_date FROM core_ownership__links
        WHERE link_id IN (SELECT unnest(link_ids) FROM out_exposure__evidence_edges)""")}
    controls: dict[str, set] = {}
    for aid, chain in con.execute("""SELECT asset_id, control_chain_ids FROM out_ownership__asset_controllers
                                     WHERE len(control_chain_ids) > 0""").fetchall():
        if aid in assets:
            for eid in chain:
                if eid in ents:
                    controls.setdefault(eid, set()).add(aid)
    owners = sorted({e["owner_entity_id"] for e in edges if e["is_economic"] and e["owner_entity_id"] in ents})
    lt = lookthrough(edges, owners, nodes=assets)
    data = OwnerData(ents, assets, edges, links, {o: h for o, h in lt.items() if h}, controls)
    out_edges, edge_of, texts = data.out_edges, data.edge_of, {}
    for e in edges:
        lo, hi = e["share_min"], e["share_max"]
        key = _share_key(lo, hi)
        text = texts.get(key)
        if text is None:
            text = texts[key] = share_text(float(lo or 0.0), float(1.0 if hi is None else hi))
        e["share"] = text
        o = e["owner_entity_id"]
        if o in out_edges:
            out_edges[o].append(e)
        else:
            out_edges[o] = [e]
        edge_of.setdefault((o, e["subject_id"]), e)
    return data


def owner_ids(d: OwnerData) -> list[str]:
    """The entities that get a page: a look-through share in, or control of, a mapped asset."""
    return sorted(set(d.holdings) | set(d.controls))


def owner_urls(d: OwnerData) -> dict[str, str]:
    """``{entity_id: "owners/<slug>.html"}`` for every entity that gets a page."""
    return {eid: f"{FOLDER}/{s}.html" for eid, s in slugs(owner_ids(d)).items()}


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


def write_owner_pages(d: OwnerData, out_dir: Path, urls: dict[str, str] | None = None, **common) -> dict[str, str]:
    """Write ``owners/<slug>.html`` for every owner; return ``{entity_id: "owners/<slug>.html"}``
    (``urls``: :func:`owner_urls` of ``d`` when the caller has it).

    The frame, the same on every owner page (``base.html`` with its header and footer), is
    rendered once (:func:`frame`); each page is :meth:`.owner_html.Pages.page`.
    """
    urls = owner_urls(d) if urls is None else urls
    rel = {eid: u[len(FOLDER) + 1:] for eid, u in urls.items()}  # links between owner pages
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    ctx = {**common, "page": "owner", "root": "../"}
    chrome = {"nav": Markup(render("_nav.html", **ctx)), "footer": Markup(render("_footer.html", **ctx))}
    head, tail = frame(chrome=chrome, **ctx)
    pages, head, tail = Pages(d, rel), [h.encode() for h in head], tail.encode()
    write_files(folder, ((rel[eid], pages.page(eid, head, tail)) for eid in sorted(rel)))
    return urls
