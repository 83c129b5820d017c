"""The country summary page: a choropleth of exposure by host country, and a panel per country.

Contract: :func:`country_page` reads ``out_exposure__countries`` and
``out_exposure__country_assets`` (see :mod:`infrarisk.summary`) and the Natural Earth 1:50m
polygons (``ISO_A2_EH``, via :func:`infrarisk.geo.country_polygons`) of a finished build and
returns the HTML of ``countries.html``: a Folium map (:mod:`infrarisk.site.mapping`) where
each European country is coloured by how many of its critical assets are controlled from a
high-risk country *other than itself* (foreign means foreign: Russia's own gas fields are not
Russia's foreign exposure; every European country drawn, those with none too; countries whose polygon
is small — Malta, Cyprus, Luxembourg … — also get a dot at their label point so they can be
seen and clicked), over the outlines of ``data/map/outline.js``, then one section per European
country listing, by asset type, its assets with their band, the assets controlled from a
foreign high-risk country or in the high or elevated band, and apart from them the assets
controlled from a high-risk group the country itself belongs to (domestic control), and — a separate
dimension, never mixed with ownership (:mod:`.vendor_site`) — its mobile networks on high-risk vendors'
radio equipment and the published vendor figures beside the computed ones, with both sources. Strings
from data are escaped: the template autoescapes; the GeoJSON goes through ``tojson``, and ``static/infrarisk/countries.js`` makes
the popups and tooltips of its properties as DOM text nodes.
"""

from __future__ import annotations

import json

from ..reads import dicts, pycolumns
from . import geojson, mapping, outlines, vendor_site

#: (lowest count, fill colour) of the choropleth classes
CLASSES = [(0, "#f2f0eb"), (1, "#fddbc7"), (2, "#f4a582"), (4, "#d6604d"), (10, "#b2182b")]
#: countries whose polygons cover less than this (square degrees) also get a dot
SMALL_AREA = 1.5
SIMPLIFY_DEG = outlines.SIMPLIFY_DEG


def colour(n: int) -> str:
    """Fill colour of a count.

    Examples
    --------
    >>> colour(0), colour(3), colour(12)
    ('#f2f0eb', '#f4a582', '#b2182b')
    """
    return [c for lo, c in CLASSES if n >= lo][-1]


def class_labels() -> list[tuple[str, str]]:
    out = []
    for i, (lo, c) in enumerate(CLASSES):
        hi = CLASSES[i + 1][0] - 1 if i + 1 < len(CLASSES) else None
        out.append((str(lo) if hi == lo else f"{lo}+" if hi is None else f"{lo}–{hi}", c))
    return out


def _present(v) -> bool:
    return v is not None and v == v


def _by_type(assets: list[dict], labels: dict) -> list[dict]:
    """Per (asset class, asset type) of one country's asset rows: counts, ordered by type label."""
    groups: dict[tuple, list[dict]] = {}
    for x in assets:
        if _present(x["asset_class"]) and _present(x["asset_type"]):  # groupby leaves out missing keys
            groups.setdefault((x["asset_class"], x["asset_type"]), []).append(x)
    rows = []
    for (_, typ), g in sorted(groups.items(), key=lambda kv: kv[0]):
        bands = [x["band"] for x in g]
        rows.append({"type": labels.get(typ, typ), "n": len(g),
                     "controlled": sum(1 for x in g if x["is_controlled_high_risk"]),
                     "domestic": sum(1 for x in g if x["is_controlled_domestic"]),
                     "high": bands.count("high"), "elevated": bands.count("elevated"),
                     "unknown": bands.count("unknown")})
    return sorted(rows, key=lambda r: r["type"])


def _records(rows: list[dict], labels: dict) -> list[dict]:
    """Rows for the template: missing values (NaN as pandas reads empty text) become None, so the
    page shows its dash for them, never "nan"."""
    return [{**{k: None if isinstance(v, float) and v != v else v for k, v in x.items()},
             "type_label": labels.get(x["asset_type"], x["asset_type"])} for x in rows]


def country_data(con, labels: dict, shapes=None, vendor_rows: dict | None = None) -> tuple[list[dict], dict]:
    """Per European country its counts, by-type rows and listed assets; and the map's GeoJSON.

    ``shapes``: the outlines of :func:`.outlines.read` if the caller has them (else read here);
    ``vendor_rows``: :func:`.vendor_site.country_rows` if the caller has them (else read here).
    """
    summary = dicts(*pycolumns(con, "SELECT * FROM out_exposure__countries ORDER BY country_name, country_code"))
    by_country: dict[str, list[dict]] = {}  # through Arrow: a missing value None (NaN in a pandas frame)
    for x in dicts(*pycolumns(con, "SELECT * FROM out_exposure__country_assets ORDER BY country_code, name, asset_id")):
        by_country.setdefault(x["country_code"], []).append(x)  # one pass instead of a filter per country
    countries = []
    for r in summary:
        a = by_country.get(r["country_code"], [])
        listed = [x for x in a if x["is_controlled_high_risk"] or x["band"] in ("high", "elevated")]
        domestic = [x for x in a if x["is_controlled_domestic"]]
        countries.append({**r, "by_type": _by_type(a, labels), "listed": _records(listed, labels),
                          "domestic": _records(domestic, labels)})
    by_code = {c["country_code"]: c for c in countries}
    # "built by": a separate dimension, beside the ownership counts
    vend = vendor_site.country_rows(con) if vendor_rows is None else vendor_rows
    for c in countries:
        c["vendor"] = vend.get(c["country_code"], vendor_site.empty_country())

    if shapes is None:
        shapes = outlines.read(con)
    rows = shapes[[cc in by_code for cc in shapes["country_code"]]]  # sorted by country code, then id
    simplified = rows["geometry"].to_numpy()
    geoms = geojson.polygons(simplified, 3, positive_zero=True)  # rounded as _rounded rounds them
    feats, rounded = [], geoms is not None
    for i, r in enumerate(rows.itertuples()):
        c = by_code[r.country_code]
        props = {"cc": c["country_code"], "t": f"{c['country_name']}: {c['n_controlled_high_risk']}",
                 "c": colour(int(c["n_controlled_high_risk"])), "p": _popup(c)}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": geoms[i] if rounded else json.loads(json.dumps(simplified[i].__geo_interface__))})
        if r.area < SMALL_AREA:
            feats.append({"type": "Feature", "properties": {**props, "dot": True},
                          "geometry": {"type": "Point", "coordinates": [round(float(r.label_longitude), 4),
                                                                        round(float(r.label_latitude), 4)]}})
    if rounded:  # the dots' coordinates still to round
        _rounded([f for f in feats if f["geometry"]["type"] == "Point"])
    else:
        _rounded(feats)
    return countries, {"type": "FeatureCollection", "features": feats}


def _popup(c: dict) -> dict:
    """What a country's popup says (made into text nodes by ``countries.js``)."""
    return {"name": c["country_name"], "n": int(c["n_controlled_high_risk"]), "assets": int(c["n_assets"]),
            "high": int(c["n_high"]), "elevated": int(c["n_elevated"]), "unknown": int(c["n_unknown"]),
            "domestic": int(c["n_controlled_domestic"]),
            "types": [[t["type"], t["n"], t["controlled"]] for t in c["by_type"]],
            "vendor": [len(c["vendor"]["hr_networks"]), c["vendor"]["n_networks"],
                       [n["name"] for n in c["vendor"]["hr_networks"]]]}


def _rounded(feats: list[dict], ndigits: int = 3) -> list[dict]:
    def rnd(c):
        if isinstance(c, float):
            return round(c, ndigits) + 0.0
        if isinstance(c, (list, tuple)):
            return [[round(p[0], ndigits) + 0.0, round(p[1], ndigits) + 0.0]  # an x, y pair at once
                    if type(p) is list and len(p) == 2 and type(p[0]) is float and type(p[1]) is float
                    else rnd(p) for p in c]
        return c
    for f in feats:
        f["geometry"]["coordinates"] = rnd(f["geometry"]["coordinates"])
    return feats


def country_page(con, labels: dict, downloads: list[dict], shapes=None, vendor_rows: dict | None = None,
                 **ctx) -> tuple[str, list[dict]]:
    """HTML of ``countries.html`` and the per-country rows (module docstring).

    ``shapes``: the outlines of :func:`.outlines.read` if the caller has them (:attr:`.mapdata.MapData.outlines`);
    ``vendor_rows`` as :func:`country_data` takes them; ``ctx`` is what every page of the site gets
    (sources, profile, as_of).
    """
    countries, data = country_data(con, labels, shapes, vendor_rows)
    with mapping.stable_ids("cc"):
        m = mapping.site_map([51.0, 16.0], 4, js=[("infrarisk_core", "static/infrarisk/core.js"),
                                                  ("outline", "data/map/outline.js"),
                                                  ("countries", "static/infrarisk/countries.js")],
                             minZoom=3)
        m.add_child(mapping.Attach("infrarisk.choropleth", data))
        codes = {c["country_code"] for c in countries}
        europe = [f for f in vendor_site.figures(con) if f["country_code"] not in codes]  # EU+: no country section
        html = mapping.map_page(m, "countries.html", page="countries", title="Countries", countries=countries,
                                classes=class_labels(), downloads=downloads, vendor_figures_europe=europe, **ctx)
    return html, countries
