"""The map's layers as data: a registry of what is drawn, from which rows, in which style.

Contract: a :class:`Layer` names one set of map features (an id, a label, a geometry kind
``point``/``line``/``polygon``, the sources whose licences it carries, a size) and a
``select`` function that returns its features from a finished build as a DataFrame, one
row per asset. :data:`LAYERS` is the registry the site draws, in drawing order (later
layers on top). Adding a layer is adding an entry here: the features file
(``data/map/<id>.js``), the filters, the table, the legend and the downloads follow from
it, with no change to the JavaScript.

The DataFrame ``select`` returns has these columns (see :data:`FEATURE_COLUMNS`):
``asset_id``, ``name``, ``asset_type``, ``country_code`` (host), ``band`` (one of
:data:`infrarisk.score.BANDS`), ``status``, ``parent_asset_id`` (or None), ``code`` (a
public identifier such as a UN/LOCODE, or None) and the geometry: ``longitude`` and
``latitude`` for points; ``geometry`` (a shapely LineString/MultiLineString or
Polygon/MultiPolygon in EPSG:4326) for lines and polygons. Colours come from the band
(:data:`infrarisk.site.render.BAND_COLOURS`), so every layer shares one legend.

Examples
--------
>>> [layer.id for layer in LAYERS][:2]
['ports', 'container-terminals']
>>> sorted({layer.geometry for layer in LAYERS})
['point']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from . import SiteBuilder

GEOMETRIES = ("point", "line", "polygon")
FEATURE_COLUMNS = ["asset_id", "name", "asset_type", "country_code", "band", "status", "parent_asset_id", "code"]
#: status of an asset (not of a stake), with the words the filters show
STATUSES = {"operating": "Operating", "planned": "Planned or under construction"}

TYPE_LABELS = {
    "port": "Port", "container_terminal": "Container terminal", "inland_container_terminal": "Inland container terminal",
    "port_authority": "Port authority (whole port)", "terminal_group": "Terminal group", "planned_port": "Planned port",
    "whole_port_operator": "Port company (whole port)", "multipurpose_terminal": "Multipurpose terminal",
    "bulk_terminal": "Bulk terminal", "liquid_bulk_terminal": "Liquid bulk terminal",
}


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
    """

    id: str
    label: str
    geometry: str
    select: Callable[["SiteBuilder"], pd.DataFrame]
    sources: tuple[str, ...]
    size: float = 4.0
    shown: bool = True

    def __post_init__(self):
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"layer {self.id}: geometry must be one of {GEOMETRIES}")


def asset_frame(assets: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``out_exposure__assets`` as point features (the columns of the contract)."""
    return pd.DataFrame({
        "asset_id": assets["asset_id"], "name": assets["name"], "asset_type": assets["asset_type"],
        "country_code": assets["country_code"], "band": assets["band"],
        "status": ["planned" if p else "operating" for p in assets["is_planned"].fillna(False)],
        "parent_asset_id": assets["parent_asset_id"], "code": assets["unlocode"],
        "longitude": assets["longitude"], "latitude": assets["latitude"],
    })


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


PORT_SOURCES = ("ownership", "wpi")
#: the registry, in drawing order (later layers are drawn on top)
LAYERS: list[Layer] = [
    Layer("ports", "Ports (World Port Index)", "point", european_ports, PORT_SOURCES, size=2.5),
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
]


def type_label(asset_type: str) -> str:
    """Words for an asset type code.

    Examples
    --------
    >>> type_label("container_terminal"), type_label("lng_terminal")
    ('Container terminal', 'Lng terminal')
    """
    return TYPE_LABELS.get(asset_type) or asset_type.replace("_", " ").capitalize()
