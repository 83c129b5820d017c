"""The map's layers as data: a registry of what is drawn, from which rows, in which style.

Contract: a :class:`Layer` names one set of map features (an id, a label, a geometry kind
``point``/``line``/``polygon``, the sources whose licences it carries, a size) and a
``select`` function that returns its features from a finished build as a DataFrame, one
row per asset. :data:`LAYERS` is the registry the site draws, in drawing order (later
layers on top). Adding a layer is adding an entry here: the features file
(``data/map/<id>.js``), the filters, the table, the legend, the detail cards and the
downloads follow from it, with no change to the JavaScript.

The DataFrame ``select`` returns has these columns (see :data:`FEATURE_COLUMNS`):
``asset_id``, ``name``, ``asset_type``, ``country_code`` (host), ``band`` (one of
:data:`infrarisk.score.BANDS`), ``status`` (one of :data:`STATUSES`), ``parent_asset_id``
(or None), ``code`` (a public identifier such as a UN/LOCODE, or None), ``licence`` (of the
asset's row, or None) and ``reason`` (the band in words) and the geometry: ``longitude``
and ``latitude`` for points; ``geometry`` (a shapely LineString/MultiLineString or
Polygon/MultiPolygon in EPSG:4326) for lines and polygons. Colours come from the band
(:data:`infrarisk.site.render.BAND_COLOURS`), so every layer shares one legend. A layer's
``card`` adds layer-specific evidence to its assets' detail records.

Examples
--------
>>> [layer.id for layer in LAYERS][:4]  # lines first, under the points
['gas-pipelines', 'cables', 'ports', 'container-terminals']
>>> sorted({layer.geometry for layer in LAYERS})
['line', 'point']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import pandas as pd

from . import infra, vendor_site
from .features import FEATURE_COLUMNS, GEOMETRIES, STATUSES, TYPE_LABELS, asset_frame, type_label  # noqa: F401

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

@dataclass(frozen=True)
class Layer:
    """One layer of the map.

    Attributes
    ----------
    id : str
        File-name-safe id: the features go to ``data/map/<id>.js``; permalinks name it.
    label : str
        What the layer list and the legend say.
    geometry : str
        ``point``, ``line`` or ``polygon``.
    select : callable
        ``select(site_builder) -> DataFrame`` of the features (columns in the module docstring).
    sources : tuple of str
        Source ids whose files the features are derived from; the most restrictive of their
        licences is the licence of the layer's data.
    size : float
        Circle radius (points) or line width (lines), in CSS pixels.
    shown : bool
        Whether the layer is on when the page opens.
    card : callable, optional
        ``card(site_builder, asset_id) -> dict``: evidence the layer adds to an asset's
        detail record (its ``x`` member), such as a landing station's cables.
    legend : str
        A line for the legend (layers sharing one line show it once).
    """

    id: str
    label: str
    geometry: str
    select: Callable[["SiteBuilder"], pd.DataFrame]
    sources: tuple[str, ...]
    size: float = 4.0
    shown: bool = True
    card: Callable[["SiteBuilder", str], dict] | None = None
    legend: str = ""

    def __post_init__(self):
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"layer {self.id}: geometry must be one of {GEOMETRIES}")


def european_ports(sb: "SiteBuilder") -> pd.DataFrame:
    a = sb.assets
    return asset_frame(a[(a["asset_class"] == "port") & a["is_europe"]])


def terminals_of(*types: str) -> Callable[["SiteBuilder"], pd.DataFrame]:
    """A ``select`` for the terminal-level assets of some types."""
    def select(sb: "SiteBuilder") -> pd.DataFrame:
        a = sb.assets
        return asset_frame(a[(a["asset_class"] == "terminal") & a["asset_type"].isin(types)])
    select.types = types  # type: ignore[attr-defined]
    return select


def other_terminals(sb: "SiteBuilder") -> pd.DataFrame:
    """Terminal-level assets of a type no other terminal layer draws (so none is lost)."""
    known = {t for layer in LAYERS for t in getattr(layer.select, "types", ())}
    a = sb.assets
    return asset_frame(a[(a["asset_class"] == "terminal") & ~a["asset_type"].isin(known)])


PORT_SOURCES = ("curated", "wpi")
CABLE_SOURCES = ("submarine-cables", "matching")
GEM_SOURCES = ("gem-europe-gas", "matching")
DOTS = "Large dots: terminals and sites; small: ports."
LINES = "Lines: submarine cables and pipelines."
#: the registry, in drawing order (later layers are drawn on top)
LAYERS: list[Layer] = [
    Layer("gas-pipelines", "Gas and hydrogen pipelines (GEM)", "line",
          infra.energy("gas_pipeline", "hydrogen_pipeline", lines=True), GEM_SOURCES, size=2, card=infra.card,
          legend=LINES),
    Layer("cables", "Submarine cables (TeleGeography 2021, non-commercial)", "line", infra.cables, CABLE_SOURCES,
          size=1.6, card=infra.card, legend=LINES),
    Layer("ports", "Ports (World Port Index)", "point", european_ports, PORT_SOURCES, size=2.5, legend=DOTS),
    Layer("container-terminals", "Container terminals", "point",
          terminals_of("container_terminal", "multipurpose_terminal"), PORT_SOURCES, size=6),
    Layer("inland-terminals", "Inland container terminals", "point", terminals_of("inland_container_terminal"),
          PORT_SOURCES, size=6),
    Layer("port-companies", "Port companies and authorities (whole port)", "point",
          terminals_of("port_authority", "whole_port_operator", "terminal_group"), PORT_SOURCES, size=7),
    Layer("bulk-terminals", "Bulk and liquid-bulk terminals", "point",
          terminals_of("bulk_terminal", "liquid_bulk_terminal"), PORT_SOURCES, size=6),
    Layer("planned-ports", "Planned ports", "point", terminals_of("planned_port"), PORT_SOURCES, size=6),
    Layer("other-terminals", "Other terminals", "point", other_terminals, PORT_SOURCES, size=6),
    Layer("gas-extraction", "Gas extraction areas (GEM)", "point", infra.energy("gas_extraction_area"), GEM_SOURCES,
          size=3.5, card=infra.card),
    Layer("gas-power-plants", "Gas power plants (GEM)", "point", infra.energy("gas_power_plant"), GEM_SOURCES,
          size=4, card=infra.card),
    Layer("lng-terminals", "LNG terminals (GEM)", "point", infra.energy("lng_terminal"), GEM_SOURCES, size=6,
          card=infra.card),
    Layer("landing-stations", "Cable landing stations (TeleGeography 2021, non-commercial)", "point",
          infra.landing_stations, CABLE_SOURCES, size=4, card=infra.card,
          legend="Landing stations take the band of the most exposed cable that lands there."),
    Layer("telecom-networks", "Mobile networks, towers and telecom groups", "point",
          vendor_site.with_mobile_networks(  # and the supply source's mobile networks (issue 13), at their country
              infra.telecom("mobile_network", "mobile_fixed_network", "tower_portfolio", "tower_company", "telecom_group")),
          ("curated", "supply"), size=7),
    Layer("data-centres", "Data centres", "point", infra.telecom("data_centre"), ("curated",), size=6),
    Layer("cable-landings", "Cable landings with sourced stakes", "point", infra.telecom("cable_landing"),
          ("curated",), size=6),
]
