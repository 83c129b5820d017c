"""A ``folium.Map`` of any analysis result (GeoDataFrame), for inline display in a notebook.

Contract: :func:`to_map` takes a GeoDataFrame in EPSG:4326 (points, lines or polygons) and
returns a ``folium.Map`` with one GeoJSON layer of the features: points as circle markers
on a canvas renderer (thousands of them stay fast, DESIGN §5), lines as polylines, polygons
filled. Features are coloured by band (the site's colours), by look-through share, or by a
numeric column. The data are embedded in the map (nothing beside it); only a few
properties are embedded — an id, a tooltip and a popup built here — and every text taken
from the data is HTML-escaped first (Folium puts popup fields into ``innerHTML``, and its
JSON in a ``<script>``, where an unescaped ``</script>`` in a name would end the script).

Examples
--------
>>> import geopandas as gpd, shapely
>>> gdf = gpd.GeoDataFrame({"asset_id": ["a"], "name": ["<b>Pier</b>"], "band": ["high"]},
...                        geometry=[shapely.Point(4.4, 51.3)], crs="EPSG:4326")
>>> _popup({"name": "<b>Pier</b>", "band": "high"})
'<b>&lt;b&gt;Pier&lt;/b&gt;</b><br>Band: high'
>>> html = to_map(gdf, tiles=None).get_root().render()
>>> "<b>Pier</b>" in html, "Pier" in html
(False, True)
"""

from __future__ import annotations

import html
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: band colours of the site (infrarisk/site): severe to clean
BAND_COLORS = {"high": "#b2182b", "elevated": "#ef8a62", "low": "#f4d6a0", "unknown": "#9a9a9a", "none": "#4b8ec8"}
#: look-through share classes (lower bounds) and their colours
SHARE_CLASSES = [(0.5, "#67001f", "> 50%"), (0.25, "#b2182b", "25–50%"), (0.10, "#ef8a62", "10–25%"),
                 (0.0, "#f4d6a0", "under 10%")]
DEFAULT_COLOR = "#3366aa"
#: fields shown in a popup when the frame has them, with their labels
POPUP_FIELDS = [("asset_type", "Type"), ("owner_name", "Holder"), ("status", "Status"), ("country_code", "Country"), ("band", "Band"), ("group_label", "Group"),
                ("countries", "Controlling countries"), ("share", "Look-through share"),
                ("is_controlled", "Controlled"), ("band_reason", "Why"), ("control_chain", "Control chain"),
                ("controlling_entities", "Entities"), ("terminals", "Terminals"), ("n_assets", "Assets"),
                ("n_controlled_high_risk", "Controlled from a high-risk group")]


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    return str(v)


def _label(row: dict) -> str | None:
    for col in ("name", "subject_name", "port_name", "country_name"):
        t = _text(row.get(col))
        if t:
            return t
    return None


def _popup(row: dict) -> str:
    name = _label(row) or _text(row.get("asset_id")) or ""
    parts = [f"<b>{html.escape(name)}</b>"]
    for col, label in POPUP_FIELDS:
        t = _text(row.get(col))
        if t:
            parts.append(f"{html.escape(label)}: {html.escape(t)}")
    for col in ("asset_id", "port_asset_id"):
        t = _text(row.get(col))
        if t:
            parts.append(f"<code>{html.escape(t)}</code>")
            break
    return "<br>".join(parts)


def _colour(row: dict, column: str | None, bins: list[float] | None) -> str:
    if column is None:
        return DEFAULT_COLOR
    v = row.get(column)
    if column == "band":
        return BAND_COLORS.get(str(v), DEFAULT_COLOR)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return DEFAULT_COLOR
    if math.isnan(x):
        return BAND_COLORS["unknown"]
    if column == "share_min":
        return next(c for lo, c, _ in SHARE_CLASSES if x >= lo)
    # any other numeric column: four classes up to its maximum
    ramp = ["#fddbc7", "#f4a582", "#d6604d", "#b2182b"]
    if not bins or x <= 0:
        return "#f2f0eb"
    return ramp[min(3, int(np.searchsorted(bins, x, side="left")))]


def _legend(column: str | None, bins: list[float] | None) -> str:
    if column == "band":
        items = [(c, b) for b, c in BAND_COLORS.items()]
    elif column == "share_min":
        items = [(c, label) for _, c, label in SHARE_CLASSES]
    elif column is not None and bins:
        items = [("#f2f0eb", "0")] + [(c, f"up to {b:g}") for c, b in
                                      zip(["#fddbc7", "#f4a582", "#d6604d", "#b2182b"], bins)]
    else:
        return ""
    rows = "".join(f'<div><span style="display:inline-block;width:10px;height:10px;background:{c};'
                   f'margin-right:4px"></span>{html.escape(str(t))}</div>' for c, t in items)
    return (f'<div style="position:absolute;bottom:24px;left:10px;z-index:1000;background:#fff;padding:4px 8px;'
            f'font:12px sans-serif;border:1px solid #999">{html.escape(column or "")}{rows}</div>')


def to_map(gdf: gpd.GeoDataFrame, *, column: str | None = None, tiles: str | None = "OpenStreetMap",
           outline: gpd.GeoDataFrame | None = None, name: str | None = None, **kwargs):
    """Draw ``gdf`` on a new ``folium.Map`` (see the module docstring).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in EPSG:4326; rows without geometry are left out (and counted in the
        layer name).
    column : str, optional
        Colour by this column: ``band``, ``share_min`` or any numeric column. Default:
        ``band`` if present, else ``share_min`` if present, else one colour.
    tiles : str or None
        Folium base map; None for none.
    outline : geopandas.GeoDataFrame, optional
        Country polygons drawn underneath (grey, not interactive).
    name : str, optional
        Layer name in the layer control.
    **kwargs
        Passed to ``folium.Map``.

    Returns
    -------
    folium.Map
    """
    import folium

    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    if column is None:
        column = "band" if "band" in gdf else "share_min" if "share_min" in gdf else None
    elif column not in gdf:
        raise ValueError(f"no column {column!r} to colour by")
    bins = None
    if column not in (None, "band", "share_min"):
        vals = pd.to_numeric(gdf[column], errors="coerce")
        top = float(vals.max()) if vals.notna().any() else 0.0
        bins = [top * q for q in (0.25, 0.5, 0.75, 1.0)] if top > 0 else None
    has_geom = gdf.geometry.notna() & ~gdf.geometry.is_empty
    shown = gdf[has_geom]
    features = []
    for i, (row, geom) in enumerate(zip(shown.drop(columns=shown.geometry.name).to_dict("records"), shown.geometry)):
        label = _label(row) or ""
        features.append({"type": "Feature", "id": str(i), "geometry": geom.__geo_interface__,
                         "properties": {"tip": html.escape(label), "popup": _popup(row),
                                        "color": _colour(row, column, bins)}})
    kwargs.setdefault("prefer_canvas", True)
    m = folium.Map(tiles=tiles, **kwargs)
    if outline is not None:
        shapes = outline.copy()
        # context only: about 10 km of detail and a 0.01-degree grid keep the embedded outline small
        shapes["geometry"] = shapely.set_precision(shapes.geometry.simplify(0.1).to_numpy(), 0.01)
        shapes = shapes[~shapes.geometry.is_empty]
        if has_geom.any():  # only around the data
            minx, miny, maxx, maxy = gdf[has_geom].total_bounds
            shapes = shapes.clip((max(minx - 5, -180), max(miny - 5, -90), min(maxx + 5, 180), min(maxy + 5, 90)))
        folium.GeoJson(shapes[["geometry"]].__geo_interface__, name="Countries", control=False,
                       style_function=lambda f: {"color": "#8a8a8a", "weight": 0.6, "fillColor": "#f3f1ec",
                                                 "fillOpacity": 1}, interactive=False).add_to(m)
    missing = int((~has_geom).sum())
    layer = name or f"{len(features)} features" + (f" ({missing} without a position, not drawn)" if missing else "")
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name=layer,
            marker=folium.CircleMarker(radius=6, weight=1, fill=True, fill_opacity=0.85),
            style_function=lambda f: {"color": f["properties"]["color"], "fillColor": f["properties"]["color"],
                                      "weight": 2 if f["geometry"]["type"] in ("LineString", "MultiLineString")
                                      else 1, "fillOpacity": 0.6 if "Polygon" in f["geometry"]["type"] else 0.85},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
        ).add_to(m)
        minx, miny, maxx, maxy = shown.total_bounds
        m.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    legend = _legend(column, bins)
    if legend:
        m.get_root().html.add_child(folium.Element(legend))
    folium.LayerControl(collapsed=True).add_to(m)
    return m
