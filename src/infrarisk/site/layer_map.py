"""Map layers of the telecom and energy assets: features with their popups, lines simplified.

Contract: :func:`map_layers` takes the :class:`~infrarisk.site.SiteBuilder` of a finished
build and returns, per entry of :data:`LAYERS` that has features, ``(label, feature
collection, radius, shown)`` for :func:`infrarisk.site.mapping.map_page` — the same shape as
the port and terminal layers. Points are circle markers and lines (cables, pipelines) canvas
polylines, both coloured by band (``static/map.js``); every feature carries its popup, rendered
and escaped on the server by ``popup_layer.html`` / ``popup_landing.html`` with the same
evidence as the ports (:class:`~infrarisk.explain.Explainer`), and its status group (``s``)
for the status filter.

Page weight: lines are simplified (Douglas-Peucker, :data:`SIMPLIFY_DEG`) and rounded to
:data:`ROUND` decimals; only cables that land in Europe and European landing stations are
drawn (the database keeps all of them).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import shapely

from .. import licences
from ..score import share_text
from .render import BAND_COLOURS, esc, render

#: (label, asset class, asset types or None for the whole class, shown at start)
LAYERS = [
    ("Submarine cables (TeleGeography 2021, non-commercial)", "cable", None, True),
    ("Cable landing stations (TeleGeography 2021, non-commercial)", "landing", None, True),
    ("Mobile networks, towers and telecom groups", "telecom",
     ("mobile_network", "mobile_fixed_network", "tower_portfolio", "tower_company", "telecom_group"), True),
    ("Data centres", "telecom", ("data_centre",), True),
    ("Cable landings with sourced stakes", "telecom", ("cable_landing",), True),
    ("Gas and hydrogen pipelines (GEM)", "energy", ("gas_pipeline", "hydrogen_pipeline"), True),
    ("LNG terminals (GEM)", "energy", ("lng_terminal",), True),
    ("Gas power plants (GEM)", "energy", ("gas_power_plant",), True),
    ("Gas extraction areas (GEM)", "energy", ("gas_extraction_area",), True),
]
TYPE_LABELS = {
    "cable_system": "Submarine cable system", "landing_station": "Cable landing station",
    "mobile_network": "Mobile network (national)", "mobile_fixed_network": "Mobile and fixed network (national)",
    "tower_portfolio": "Mobile tower portfolio (national)", "tower_company": "Tower company (listed)",
    "telecom_group": "Telecom group (listed)", "cable_landing": "Cable landing (sourced stakes)",
    "data_centre": "Data centre", "gas_power_plant": "Gas power plant", "gas_pipeline": "Gas pipeline",
    "hydrogen_pipeline": "Hydrogen pipeline", "lng_terminal": "LNG terminal",
    "gas_extraction_area": "Gas extraction area",
}
#: status groups offered by the map's status filter, in order
STATUS_GROUPS = ["operating", "in development", "inactive", "unknown"]
LEGEND_NOTES = ["Lines: submarine cables and pipelines.",
                "Landing stations take the band of the most exposed cable that lands there."]
SIMPLIFY_DEG = 0.01
ROUND = 3
POINT_RADIUS = 4.5
LINE_WEIGHT = {"high": 3.0, "elevated": 2.5, "low": 2.0, "unknown": 1.2, "none": 1.5}


def _records(df: pd.DataFrame) -> list[dict]:
    from . import _records as records
    return records(df)


def simplified(wkt: str, tolerance: float = SIMPLIFY_DEG, ndigits: int = ROUND) -> dict:
    """A line's GeoJSON geometry, simplified and rounded for the map page.

    Examples
    --------
    >>> simplified("MULTILINESTRING ((0 0, 1 0.0001, 2 0), (5 5, 6 6))")
    {'type': 'MultiLineString', 'coordinates': [[[0.0, 0.0], [2.0, 0.0]], [[5.0, 5.0], [6.0, 6.0]]]}
    """
    g = shapely.simplify(shapely.from_wkt(wkt), tolerance, preserve_topology=False)
    lines = list(g.geoms) if hasattr(g, "geoms") else [g]
    coords = [[[round(x, ndigits) + 0.0, round(y, ndigits) + 0.0] for x, y in line.coords] for line in lines
              if not line.is_empty]
    return {"type": "MultiLineString", "coordinates": coords}


class LayerData:
    """What the layer features need beyond ``out_exposure__assets``, read once per build."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.infra = con.execute("SELECT * FROM core_assets__infra ORDER BY asset_id").df().set_index("asset_id",
                                                                                                      drop=False)
        self.lines = dict(con.execute("SELECT asset_id, geometry_wkt FROM core_assets__lines").fetchall())
        self.landings = con.execute("""
            SELECT l.cable_asset_id, l.landing_asset_id, p.name, p.country_code, g.is_europe
            FROM (SELECT DISTINCT cable_asset_id, landing_asset_id FROM core_cables__landings) l
            JOIN core_cables__landing_points p ON p.asset_id = l.landing_asset_id
            LEFT JOIN core_geo__countries g ON g.country_code = p.country_code
            ORDER BY l.cable_asset_id, p.name, l.landing_asset_id""").df()
        self.via = con.execute("SELECT * FROM out_exposure__landings").df().set_index("asset_id", drop=False)
        context = con.execute("""
            SELECT asset_id, entity_name, share_fraction, share_text FROM core_gem__stakes
            WHERE NOT is_counted ORDER BY asset_id, level, position""").df()
        self.context: dict[str, list[dict]] = {}
        for r in _records(context):
            self.context.setdefault(r["asset_id"], []).append(r)
        self.countries = con.execute(
            "SELECT asset_id, list(country_code ORDER BY position) AS codes FROM core_gem__asset_countries "
            "GROUP BY asset_id").df().set_index("asset_id")["codes"].to_dict()
        self.by_cable: dict[str, list[dict]] = {}
        for r in _records(self.landings):
            self.by_cable.setdefault(r["cable_asset_id"], []).append(r)
        self.europe_cables = set(self.landings.loc[self.landings["is_europe"].fillna(False).astype(bool),
                                                   "cable_asset_id"])


def _extra(r: dict, d: LayerData) -> dict:
    """The layer-specific part of a popup (``x`` in ``popup_layer.html``)."""
    inf = d.infra.loc[r["asset_id"]]
    cls = r["asset_class"]
    x = {"status": _na(inf["status"]), "status_group": _na(inf["status_group"]),
         "capacity": _na(inf["capacity"]), "capacity_unit": _na(inf["capacity_unit"]),
         "start_year": None if pd.isna(inf["start_year"]) else int(inf["start_year"]),
         "year_label": "ready for service" if cls == "cable" else "start year",
         "countries": [], "countries_label": "Countries", "landings": [], "context_owners": [],
         "licence": r["licence"], "licence_url": licences.url(r["licence"]),
         "is_noncommercial": bool(r["is_noncommercial"])}
    if cls == "energy":
        codes = list(d.countries.get(r["asset_id"], []))
        if len(codes) > 1:
            x["countries"], x["countries_label"] = codes, "Crosses"
        x["context_owners"] = [{"name": o["entity_name"],
                                "share": share_text(o["share_fraction"], o["share_fraction"])
                                if o["share_fraction"] is not None else o["share_text"]}
                               for o in d.context.get(r["asset_id"], [])]
    if cls == "cable":
        x["landings"] = [{"name": f"{l['name']}"} for l in d.by_cable.get(r["asset_id"], [])]
        if cls == "cable" and x["capacity"] is not None:
            x["capacity_unit"] = "km long"
    return x


def _popup_record(r: dict, labels: dict) -> dict:
    a = dict(r)
    a["asset_type_label"] = labels.get(r["asset_type"], r["asset_type"])
    a["port_name"] = None
    if a["country_code"] is None:
        a["country_code"] = "international"
    return a


def _point(r: dict, popup: str, band: str, status: str | None) -> dict:
    props = {"id": r["asset_id"], "t": str(esc(r["name"])), "b": band, "c": BAND_COLOURS[band], "r": POINT_RADIUS}
    if status:  # assets without a status (telecom, landing stations) are never filtered out
        props["s"] = status
    props["popup"] = popup
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(r["longitude"]), 5),
                                                                             round(float(r["latitude"]), 5)]},
            "properties": props}


def _line(r: dict, geometry: dict, popup: str, band: str, status: str | None) -> dict:
    props = {"id": r["asset_id"], "t": str(esc(r["name"])), "b": band, "c": BAND_COLOURS[band], "w": LINE_WEIGHT[band]}
    if status:
        props["s"] = status
    props["popup"] = popup
    return {"type": "Feature", "geometry": geometry, "properties": props}


def layer_features(sb, d: LayerData, asset_class: str, types: tuple[str, ...] | None) -> dict:
    """The FeatureCollection of one layer."""
    from . import TYPE_LABELS as labels
    a = sb.assets[sb.assets["asset_class"] == asset_class]
    if types is not None:
        a = a[a["asset_type"].isin(types)]
    if asset_class == "cable":
        a = a[a["asset_id"].isin(d.europe_cables)]
    if asset_class == "landing":
        a = a[a["is_europe"]]
    feats = []
    by_id = None
    for r in _records(a):
        inf = d.infra.loc[r["asset_id"]]
        status = _na(inf["status_group"])
        if asset_class == "landing":
            v = d.via.loc[r["asset_id"]] if r["asset_id"] in d.via.index else None
            if v is None:
                continue
            if by_id is None:
                by_id = {c["asset_id"]: c for c in _records(sb.assets[sb.assets["asset_class"] == "cable"])}
            cables = sorted(({"name": by_id[c]["name"], "band": by_id[c]["band"],
                              "band_group_label": by_id[c]["band_group_label"],
                              "detail_url": d.infra.loc[c, "detail_url"]} for c in v["cable_asset_ids"]),
                            key=lambda c: (c["name"], c["detail_url"]))
            popup = render("popup_landing.html", a=r, v=dict(v), cables=cables, licence_url=licences.url(r["licence"]))
            feats.append(_point(r, popup, v["via_band"], None))
            continue
        ev = sb.explainer.asset(r["asset_id"])
        popup = render("popup_layer.html", a=_popup_record(r, labels), ev=ev, x=_extra(r, d))
        if inf["geometry_kind"] == "line" and r["asset_id"] in d.lines:
            feats.append(_line(r, simplified(d.lines[r["asset_id"]]), popup, r["band"], status))
        else:
            feats.append(_point(r, popup, r["band"], status))
    return {"type": "FeatureCollection", "features": feats}


def map_layers(sb) -> list[tuple[str, dict, float, bool]]:
    """The layers of :data:`LAYERS` that have features, in order."""
    d = LayerData(sb.con)
    out = []
    for label, cls, types, shown in LAYERS:
        fc = layer_features(sb, d, cls, types)
        if fc["features"]:
            out.append((label, fc, POINT_RADIUS, shown))
    return out


def _na(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def band_counts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Assets per band of each layer of :data:`LAYERS` (all assets in the database, not only those drawn;
    landing stations by the band of their most exposed cable)."""
    df = con.execute("""
        SELECT a.asset_class, a.asset_type, coalesce(v.via_band, a.band) AS band, count(*) AS n
        FROM out_exposure__assets a LEFT JOIN out_exposure__landings v USING (asset_id)
        WHERE a.asset_class IN ('cable', 'landing', 'telecom', 'energy')
        GROUP BY ALL""").df()
    out = []
    for label, cls, types, _ in LAYERS:
        sel = df[(df["asset_class"] == cls) & (df["asset_type"].isin(types) if types else True)]
        bands = {b: int(sel.loc[sel["band"] == b, "n"].sum()) for b in ("high", "elevated", "low", "unknown", "none")}
        if sum(bands.values()):
            out.append({"label": label, "n": sum(bands.values()), **bands})
    return out


def methodology_facts(con: duckdb.DuckDBPyConnection, settings, downloads: list[dict]) -> dict:
    """What the methodology page states about the layers, matching and licences for this build."""
    from ..match import MATCHED, SCORER, UNMATCHED
    names = con.execute("SELECT method, count(*) AS n, sum(n_mentions) AS m FROM core_match__names GROUP BY 1").df()
    by = dict(zip(names["method"], names["n"].astype(int)))
    problems = dict(con.execute("""
        SELECT check_name, count(*) FROM out_build__problems
        WHERE check_name IN ('several_owners', 'several_countries', 'share_as_text', 'outside_country',
                             'owner_country_unknown', 'placeholder_owner', 'named_twice', 'ambiguous_name',
                             'shares_over_100', 'site_to_be_decided')
        GROUP BY 1""").fetchall())
    new = con.execute("SELECT count(*) FROM core_ownership__entities WHERE entity_id LIKE 'name:%'").fetchone()[0]
    return {
        "layers": band_counts(con),
        "matched_by": {m: by.get(m, 0) for m in MATCHED}, "unmatched_by": {m: by.get(m, 0) for m in UNMATCHED},
        "n_names": int(names["n"].sum()), "n_mentions": int(names["m"].sum() or 0),
        "n_matched": sum(by.get(m, 0) for m in MATCHED), "n_new_entities": int(new),
        "threshold": settings.match_fuzzy_threshold, "scorer": SCORER,
        "include_noncommercial": settings.include_noncommercial, "problems": problems,
        "downloads": [d for d in downloads if not d["name"].startswith("country-")],
    }
