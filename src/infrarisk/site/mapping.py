"""The Folium map pages: a ``folium.Map`` inside the site's own page, with stable element ids.

Contract: :func:`site_map` creates the ``folium.Map`` of a page (self-hosted Leaflet from
``static/vendor/``, no CDN, no tile layer, ``prefer_canvas``) and :func:`map_page` renders
its Folium figure into one of the site's Jinja templates: the template receives the
figure's header (the ``<script>``/``<link>`` elements Folium writes for the map's
``default_js``/``default_css``), its html (the map element) and its script (the
``L.map(...)`` call and the scripts of the elements added to the map) as
``folium_header``, ``folium_html`` and ``folium_script``, and places them in its blocks
around the rest of the page (panel, table, card). The header's scripts are deferred, so the
templates run ``folium_script`` on ``DOMContentLoaded``, once they have run. Elements hand the map object Folium
created to the page's own JavaScript with :class:`Attach`; nothing here embeds data
except through ``tojson`` (which escapes ``<``, ``>`` and ``&``).

Folium gives every element a random id; :func:`stable_ids` makes the ids deterministic
(``map_ir0001``, ...), so the same inputs give byte-identical pages.

Examples
--------
>>> with stable_ids():
...     m = site_map([50, 10], 4, js=[])
>>> m.get_name()
'map_ir0001'
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from markupsafe import Markup

from .render import render

LEAFLET = "static/vendor/leaflet-1.9.4"


@contextmanager
def stable_ids(prefix: str = "ir"):
    """Make every Folium/branca element created inside get a deterministic id."""
    counter = itertools.count(1)
    original = Element._generate_id
    Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter):04d}")
    try:
        yield
    finally:
        Element._generate_id = original


class SiteMap(folium.Map):
    """A ``folium.Map`` laid out by the site's stylesheet.

    Folium's map header sizes the map to the whole window (``html, body {height: 100%}``)
    and forbids zooming the page on phones (``user-scalable=no``); the site's pages set
    their own viewport and place the map element with CSS (``.folium-map``), so that
    header is left out. The map's element and its script are Folium's.
    """

    def render(self, **kwargs):
        super().render(**kwargs)
        self.get_root().header._children.pop(self.get_name(), None)


class Attach(MacroElement):
    """Hands the map Folium created to the page's script: ``call(map[, data])``.

    ``call`` is the name of a function of the page's scripts; ``data`` (optional) is
    embedded with ``tojson``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.call }}({{ this._parent.get_name() }}{% if this.data is not none %}, {{ this.data|tojson }}{% endif %});
        {% endmacro %}
    """)

    def __init__(self, call: str, data=None):
        super().__init__()
        self._name = "Attach"
        self.call, self.data = call, data

    def render(self, **kwargs):
        """:meth:`MacroElement.render`, but its script (which embeds ``data``: a quarter of a megabyte on
        the countries page) goes into the figure as text (:class:`_Text`) instead of being compiled
        as a Jinja template (~15 ms) that renders to that same text."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(_Text(script) if _Text.renders_as_is(script) else Element(script),
                                name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class _Text(Element):
    """An element that renders as ``text``: what ``Element(text)`` renders when ``text`` holds no
    Jinja syntax (:meth:`renders_as_is`), without compiling it; it takes an id as any element does."""

    def __init__(self, text: str):
        super().__init__()
        # a template drops one trailing newline (Jinja's keep_trailing_newline is off)
        self.text = text[:-1] if text.endswith("\n") else text

    @staticmethod
    def renders_as_is(text: str) -> bool:
        """Whether Jinja's default template of ``text`` renders it unchanged (but a last newline): no
        block, variable or comment marker, no carriage return (Jinja makes every line end ``\\n``)."""
        return not any(m in text for m in ("{{", "{%", "{#", "\r"))

    def render(self, **kwargs) -> str:
        return self.text


def site_map(location: list[float], zoom: int, js: list[tuple[str, str]], **options) -> folium.Map:
    """The ``folium.Map`` of a page.

    Parameters
    ----------
    location, zoom
        The initial view.
    js : list of (name, url)
        Scripts the map's own script needs, loaded (deferred) after Leaflet in the page head.
    **options
        Further Leaflet map options (camelCase), such as ``minZoom``.
    """
    m = SiteMap(location=location, zoom_start=zoom, tiles=None, prefer_canvas=True, **options)
    m.default_js = [("leaflet", f"{LEAFLET}/leaflet.js"), *js]
    m.default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css")]
    return m


class _PageTemplate:
    """Stands in for the Folium figure's template: the site's template with the figure's parts."""

    def __init__(self, template: str, ctx: dict):
        self.template, self.ctx = template, ctx

    def render(self, this, kwargs) -> str:
        # the header's scripts are deferred (they would block the first paint): the templates run
        # folium_script on DOMContentLoaded, after every deferred script
        header = this.header.render().replace("<script src=", "<script defer src=")
        return render(self.template, folium_header=Markup(header), folium_html=Markup(this.html.render()),
                      folium_script=Markup(this.script.render()), **self.ctx)


def map_page(m: folium.Map, template: str, **ctx) -> str:
    """Render the Folium figure of ``m`` as the site page ``template`` (module docstring)."""
    root = m.get_root()
    root.header._children.pop("meta_http", None)  # the page declares its charset itself
    root._template = _PageTemplate(template, ctx)
    return root.render()
