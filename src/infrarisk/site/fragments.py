"""The long, repeated parts of pages as HTML strings, written without a template call per value.

Contract: each function takes values from data and returns markup, as a ``str``, byte for byte
what the Jinja loops they replace wrote with ``trim_blocks``/``lstrip_blocks``: every value
from data is escaped exactly as the template's autoescaping does (:func:`esc`: ``markupsafe``'s
escaping of text, or the same five replacements in Python); markup passes as it is.

- The owner pages (:mod:`.owner_html`) are put together from pieces each worked out once per
  site and joined per page: :func:`who`, :func:`refs` (links to a page's numbered sources),
  :func:`step_head` (a step of an ownership path without its sources), :func:`chain_head` and
  :func:`chain_item` (a step of the control chain above), :func:`below_head` (an entity
  directly below), :func:`holding_asset` and :func:`holding_share` (the parts of a holdings
  row), :func:`circle_tail` (a circle of the inline map), :func:`total_head` (a totals row)
  and :func:`source_tail` (a numbered source).
- ``assets.html`` (rows of :meth:`.builder.SiteBuilder.assets_rows`): :func:`asset_rows`.

A site of 100,000 assets has hundreds of thousands of these values; one Jinja expression each
was most of those pages' time.
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


def who(name, url) -> str:
    """A name, as a link to ``url`` when there is one (``owner.html``'s ``who`` macro).

    Examples
    --------
    >>> who("A & B", "a-b.html"), who("A & B", None)
    ('<a href="a-b.html">A &amp; B</a>', 'A &amp; B')
    """
    return f'<a href="{esc(url)}">{esc(name)}</a>' if url else esc(name)


def refs(numbers) -> str:
    """Links to the sources numbered ``numbers`` on a page (integers: markup made here, not from data).

    Examples
    --------
    >>> refs((2, 5))
    '<a href="#src-2">[2]</a><a href="#src-5">[5]</a>'
    """
    return "".join([f'<a href="#src-{n}">[{n}]</a>' for n in numbers])


def step_head(subject, url, share, is_control) -> str:
    """A step of an ownership path without its sources: the subject (a link to its page if it has
    one), the share and whether the step controls. The step is ``step_head + " " + refs``, and a
    path its steps joined by ``" → "``."""
    return f'{who(subject, url)} {esc(share)}{" (controls)" if is_control else ""}'


def chain_head(name, url, share, basis) -> str:
    """A step of the control chain above an owner, up to its sources: ``chain_head + " " + refs +
    "</li>\\n"``."""
    return f'<li>controlled by {who(name, url)} — {esc(share)}{", " + esc(basis) if basis else ""}'


def chain_item(name, url) -> str:
    """A step of the control chain above an owner with no recorded link: the whole ``<li>`` and its newline."""
    return f'<li>controlled by {who(name, url)}</li>\n'


def below_head(subject, url, share, is_control, basis) -> str:
    """An entity directly below an owner, up to its sources: ``below_head + " " + refs + "</li>\\n"``."""
    ctl = f' (controls{": " + esc(basis) if basis else ""})' if is_control else ""
    return f'<li>{who(subject, url)}: {esc(share)}{ctl}'


def holding_asset(asset_id, map_url, name, type_label, country_code, band) -> tuple[str, str, str]:
    """The parts of a holdings row that depend on the asset only: the row's opening up to its
    share attributes, the name and host cells, the band cell with the opening of the path cell.

    A row is ``open + attrs + cells + share_cell + controls_cell + band + path + "</td>\\n</tr>\\n"``
    (:func:`holding_share`: ``attrs``, ``share_cell``; ``controls_cell``: ``"<td>yes</td>\\n"`` or
    ``"<td>no</td>\\n"``).
    """
    return (f'<tr data-asset-id="{esc(asset_id)}" ',
            f'<td><a href="{esc(map_url)}">{esc(name)}</a><br>'
            f'<span class="meta">{esc(type_label)}</span></td>\n<td>{esc(country_code)}</td>\n',
            f'<td><span class="band band-{esc(band)}">{esc(band)}</span></td>\n<td>')


def holding_share(share_min: float, share_max: float, share) -> tuple[str, str]:
    """The parts of a holdings row that depend on the look-through share only: the share
    attributes that close the row's opening tag, and the share cell (:func:`holding_asset`).

    Examples
    --------
    >>> holding_share(0.5, 1.0, "50–100%")
    ('data-share-min="0.500000000" data-share-max="1.000000000">\\n', '<td>50–100%</td>\\n')
    """
    return (f'data-share-min="{"%.9f" % share_min}" data-share-max="{"%.9f" % share_max}">\n',
            f'<td>{esc(share)}</td>\n')


def circle_tail(colour, name, band) -> str:
    """A circle of the inline map after its position: ``'<circle cx="X" cy="Y' + circle_tail``."""
    return (f'" r="4" fill="{esc(colour)}" stroke="#222" stroke-width="0.5">'
            f'<title>{esc(name)} ({esc(band)})</title></circle>\n')


def total_head(label) -> str:
    """A row of a totals table up to its counts: ``total_head + "N</td><td>C</td><td>M</td></tr>\\n"``."""
    return f'<tr><td>{esc(label)}</td><td>'


def source_tail(url, title, date, is_http) -> str:
    """A numbered source after its number: ``'<li id="src-N' + source_tail``; a link when the URL
    is http(s), its date when known."""
    link = f'<a href="{esc(url)}" rel="noopener">{esc(title)}</a>' if is_http else esc(title)
    return f'">{link}{", " + esc(date) if date else ""}</li>\n'


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
