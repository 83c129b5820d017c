"""The long, repeated parts of pages as HTML strings, written without a template call per value.

Contract: each function takes the rows a page's context holds and returns the markup of one
repeated part of its template — of ``owner.html`` (rows of :func:`.owner_pages.page_context`):
:func:`chain_items` (the control chain above), :func:`below_items` (the entities directly below),
:func:`holdings_rows` (the rows of the holdings table with their ownership paths),
:func:`svg_points` (the circles of the inline map), :func:`total_rows` (a totals table's
rows) and :func:`source_items` (the numbered sources); of ``assets.html`` (rows of
:meth:`.builder.SiteBuilder.assets_rows`): :func:`asset_rows` — as
:class:`~markupsafe.Markup`, byte for byte what the Jinja loops they replace wrote with
``trim_blocks``/``lstrip_blocks``: every value from data is escaped exactly as the
template's autoescaping does (:func:`esc`: ``markupsafe``'s escaping of text, or the same five
replacements in Python;
markup such as ``refs_html`` passes as it is). A site of 100,000 assets has hundreds of
thousands of these values; one Jinja expression each was most of those pages' time.
"""

from __future__ import annotations

from markupsafe import Markup


def _replace(text: str) -> str:
    """``markupsafe.escape``'s five replacements, in Python."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


try:  # markupsafe's own escaping, in C: what the templates' autoescape runs
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover  (markupsafe without its C speedups)
    _escape_inner = _replace


def esc(value) -> str:
    """The text of ``value`` as the autoescaping template writes it (``{{ value }}``).

    Examples
    --------
    >>> esc('<a href="x">Tom & Jerry\\'s</a>')
    '&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;'
    >>> esc(None), esc(0.5), esc(Markup("<b>x</b>"))
    ('None', '0.5', Markup('<b>x</b>'))
    """
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return value.__html__()
        value = str(value)
    return _escape_inner(value)


def step_head(s: dict) -> Markup:
    """A step of an ownership path without its sources: the subject (a link to its page if it has
    one), the share and whether the step controls."""
    subject = esc(s["subject"])
    who = f'<a href="{esc(s["subject_url"])}">{subject}</a>' if s["subject_url"] else subject
    return Markup(f'{who} {esc(s["share"])}{" (controls)" if s["is_control"] else ""}')


def _path(steps: list[dict]) -> str:
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
        path = r["path_html"] if "path_html" in r else _path(r["path"])
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


def _unlocode(code) -> str:
    return f'<br><span class="meta">{esc(code)}</span>' if code else ""


def _countries(countries: list[dict]) -> str:
    return "<br>".join(f'{esc(c["country_code"])}: {esc(c["share"])}{" (controls)" if c["is_controlled"] else ""}'
                       for c in countries)


def _holders(holders: list[dict], owner_urls: dict) -> str:
    out = []
    for h in holders:
        name = esc(h["owner_name"])
        who = f'<a href="{esc(owner_urls[h["owner_id"]])}">{name}</a>' if h["owner_id"] in owner_urls else name
        out.append(f'{who} {esc(h["share"])} ({esc(h["status"])}{", " + esc(h["as_of"]) if h["as_of"] else ""}) '
                   f'<a href="{esc(h["source_url"])}" rel="noopener">source</a>')
    return "<br>".join(out)


def asset_rows(rows: list[dict], owner_urls: dict) -> Markup:
    """The ``<tr>`` rows of the foreign-stakes table (``assets.html``), each followed by a newline;
    ``owner_urls``: entity id -> owner page (holders with a page are links)."""
    return Markup("".join(
        "<tr>\n"
        f'<td>{esc(r["name"])}<br><span class="meta">{esc(r["asset_type_label"])}</span></td>\n'
        f'<td>{esc(r["port_name"])}{_unlocode(r["unlocode"])}</td>\n'
        f'<td>{esc(r["country_code"])}</td>\n'
        f'<td>{_countries(r["countries"])}</td>\n'
        f'<td>{esc(r["control_chain"] or "no controller identified")}</td>\n'
        f'<td><span class="band band-{esc(r["band"])}">{esc(r["band"])}</span></td>\n'
        f'<td>{_holders(r["holders"], owner_urls)}</td>\n'
        "</tr>\n" for r in rows))
