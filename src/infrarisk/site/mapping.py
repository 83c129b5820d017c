"""The Folium map page: canvas layers of ports and terminals coloured by band.

Contract: :func:`map_page` takes the features (with server-built, escaped popup HTML)
and returns the complete HTML of ``index.html``. Leaflet is self-hosted (no CDN), the
data are embedded through ``tojson`` (escaped for ``<script>``), the points are drawn as
one GeoJSON layer of circle markers per layer on a shared canvas renderer (thousands of
individual markers fail to render; DESIGN §5), and Folium's random element ids are made
stable so the same inputs give byte-identical pages.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import folium
from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import escape

from .render import BAND_COLOURS, render

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


class PointLayer(MacroElement):
    """A GeoJSON layer of circle markers on canvas, with a layer-control entry."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = infrariskLayer({{ this._parent.get_name() }}, {{ this.data|tojson }},
            {{ this.opts|tojson }});
        {{ this.control }}.addOverlay({{ this.get_name() }}, {{ this.label|tojson }});
        {% endmacro %}
    """)

    def __init__(self, data: dict, label: str, control: str, radius: float = 5, show: bool = True):
        super().__init__()
        self._name = "PointLayer"
        self.data, self.label, self.control = data, label, control
        self.opts = {"radius": radius, "weight": 0.6, "fillOpacity": 0.85, "show": show}


class Outline(MacroElement):
    """Country outlines as an always-on, offline base layer (Natural Earth)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJSON({{ this.data|tojson }}, {interactive: false, style: {color: "#8a8a8a", weight: 0.6,
            fillColor: "#f3f1ec", fillOpacity: 1}}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data: dict):
        super().__init__()
        self._name = "Outline"
        self.data = data


class Control(MacroElement):
    """A layer control created before the point layers so they can register with it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.layers({ {{ this.tiles_label|tojson }}: L.tileLayer(
            "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
            {attribution: "&copy; OpenStreetMap contributors &copy; CARTO", subdomains: "abcd", maxZoom: 19}) },
            {}, {collapsed: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "LayerControl"
        self.tiles_label = "Street map (online)"


class StatusFilter(MacroElement):
    """A control that hides features by status group (``static/map.js``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        infrariskStatusFilter({{ this._parent.get_name() }}, {{ this.groups|tojson }});
        {% endmacro %}
    """)

    def __init__(self, groups: list[str]):
        super().__init__()
        self._name = "StatusFilter"
        self.groups = list(groups)


def legend_html(notes: list[str] | None = None) -> str:
    items = "".join(
        f'<div><i style="background:{BAND_COLOURS[b]}"></i>{b}</div>' for b in ("high", "elevated", "low", "unknown", "none")
    )
    extra = "".join(f'<div class="meta">{escape(n)}</div>' for n in notes or [])
    return ('<div class="legend" role="region" aria-label="Legend"><strong>Band</strong> '
            '(<a href="methodology.html#bands">rules</a>)' + items +
            '<div class="meta">Large dots: terminals; small dots: ports.</div>' + extra + '</div>')


def map_page(layers: list[tuple[str, dict, float, bool]], outline: dict, nav_html: str, footer_html: str,
             status_groups: list[str] | None = None, legend_notes: list[str] | None = None) -> str:
    """Render ``index.html``.

    Parameters
    ----------
    layers : list of (label, feature collection, radius, shown)
    outline : dict
        GeoJSON of the country outlines.
    nav_html, footer_html : str
        Already rendered (escaped) page header and footer.
    status_groups : list of str, optional
        Status groups of the status filter control (none: no control).
    legend_notes : list of str, optional
        Extra lines for the legend (plain text, escaped here).
    """
    with stable_ids():
        m = folium.Map(location=[50.0, 12.0], zoom_start=4, tiles=None, prefer_canvas=True, control_scale=True,
                       min_zoom=3, max_bounds=False)
        m.default_js = [("leaflet", f"{LEAFLET}/leaflet.js"), ("infrarisk_map", "static/map.js")]
        m.default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css"), ("site_css", "static/site.css")]
        root = m.get_root()
        root.header.add_child(Element('<title>Map — infrarisk</title>'), name="title")
        m.add_child(Outline(outline))
        ctl = Control()
        m.add_child(ctl)
        for label, data, radius, show in layers:
            m.add_child(PointLayer(data, label, ctl.get_name(), radius=radius, show=show))
        legend = MacroElement()
        legend._template = Template("""
            {% macro script(this, kwargs) %}
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () { var d = L.DomUtil.create("div"); d.innerHTML = """ + '{{ this.html|tojson }}' + """;
                L.DomEvent.disableClickPropagation(d); return d; };
            legend.addTo({{ this._parent.get_name() }});
            {% endmacro %}
        """)
        legend.html = legend_html(legend_notes)
        m.add_child(legend)
        if status_groups:
            m.add_child(StatusFilter(status_groups))
        html = root.render()
    if html.count("<body>") != 1 or html.count("</body>") != 1:
        raise RuntimeError("unexpected Folium page layout")
    html = html.replace("<body>", '<body class="map-page">\n' + nav_html, 1)
    return html.replace("</body>", footer_html + "\n</body>", 1)
