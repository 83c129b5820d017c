"""The map's data files: compact, column-wise JSON beside the page, one file per layer.

Contract: :func:`collect` runs every :class:`~infrarisk.site.layers.Layer` of the registry
against a finished build and adds, per asset, the ownership facts the filters need
(:class:`Facts`); :func:`write_map_data` writes

- ``data/map/index.js``: dictionaries shared by all layers (bands with their colours and
  line widths, types, statuses, countries, the entities that own or control any mapped
  asset, the layers with their licences (marked when non-commercial) and legend lines, the
  share thresholds offered, the detail shard size);
- ``data/map/<layer>.js``: one file per non-empty layer, column-wise (ids, names,
  integer coordinates in 1e-5 degrees, small integer codes into the dictionaries, sparse
  lists of look-through shares by controlling country in millionths, and of related
  entities for the search, and ``vband``, the sparse "built by" band of :mod:`.vendor_site` (index ``vendor_bands``: a separate
  dimension, absent where not researched));
- ``data/map/outline.js``: the Natural Earth country outlines drawn under the data
  (:mod:`.outlines`: read and simplified by :func:`collect`, :attr:`MapData.outlines`, with
  the site's other reads; the country page draws them too).

Each file is a single call ``infrarisk.data("<name>", <JSON>)`` (the outline's:
``infrarisk.data("outline", JSON.parse("<JSON>"))``, quicker to read): a classic script, so the
site also works when opened from ``file://`` (where browsers refuse ``fetch``). The JSON
is written with ``<``, ``>`` and ``&`` escaped and non-ASCII as ``\\u`` escapes: data can
neither close a script element nor be read as markup, and the page builds every text
with DOM text nodes. Output is deterministic (sorted rows, no timestamps).

Examples
--------
>>> js_call("layer", {"name": "<b>x</b>"})
'infrarisk.data("layer",{"name":"\\\\u003cb\\\\u003ex\\\\u003c/b\\\\u003e"});\\n'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import licences
from ..score import BANDS, SEVERITY
from . import layers as registry
from . import outlines
from . import vendor_site
from ..collector import paused
from ..reads import pycolumns
from .layers import STATUSES, Layer, type_label
from .render import BAND_COLOURS, BAND_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

#: minimum look-through shares the filter offers (fractions)
SHARE_OPTIONS = [0.0, 0.01, 0.10, 0.25, 0.50]
#: control categories of an asset (terminals: their controller; ports: their most exposed terminal)
CONTROLS = {"foreign": "Controlled from another country", "domestic": "Controlled from its own country",
            "none": "No controller identified"}
#: line width of each band, as a factor of the layer's size (the most exposed lines stand out)
LINE_WIDTH = {"high": 1.6, "elevated": 1.3, "low": 1.0, "unknown": 0.7, "none": 0.85}
#: assets per detail file (details are fetched when an asset is opened)
SHARD_SIZE = 200
COORD_SCALE = 100_000
SHARE_SCALE = 1_000_000


def dumps(obj) -> str:
    """Deterministic JSON, safe to place in a script (``<``, ``>``, ``&`` escaped)."""
    s = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def js_call(name: str, obj, parse: bool = False) -> str:
    """The text of one data file: ``infrarisk.data(name, obj);``; with ``parse``, the JSON as a
    string handed to ``JSON.parse`` (browsers read that much faster than a large script literal
    of many small arrays, such as the outline's coordinate pairs)."""
    body = dumps(obj)
    return f"infrarisk.data({dumps(name)},{'JSON.parse(' + json.dumps(body) + ')' if parse else body});\n"


@dataclass
class Facts:
    """Ownership facts of the mapped assets, keyed by asset id."""

    shares: dict[str, list[tuple[str, float, float, bool]]] = field(default_factory=dict)
    control: dict[str, str] = field(default_factory=dict)
    controller: dict[str, str] = field(default_factory=dict)
    related: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class MapData:
    """The layers with their features, in drawing order, and the facts behind the filters."""

    layers: list[tuple[Layer, pd.DataFrame]]
    facts: Facts
    order: list[str]  # asset ids by global index (layer after layer)
    #: the country outlines the map and the country page draw (:func:`.outlines.read`), read with the layers
    outlines: pd.DataFrame | None = None

    @property
    def n(self) -> int:
        return len(self.order)


def _sorted_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows by band, least severe first (the most exposed assets are drawn on top), then by id (a
    stable sort: equal keys keep their order; numpy's, not a frame sort: 16 small layers)."""
    ids = np.array(frame["asset_id"].tolist(), dtype=str)  # compared by code point, as Python compares them
    severity = np.fromiter(map(SEVERITY.__getitem__, frame["band"].tolist()), dtype=np.int64, count=len(frame))
    return frame.take(np.lexsort((ids, severity))).reset_index(drop=True)


@paused()
def collect(sb: "SiteBuilder", layers: list[Layer] | None = None) -> MapData:
    """Run the layer registry against a build and gather the facts the filters need."""
    out, seen = [], set()
    for layer in layers if layers is not None else registry.LAYERS:
        frame = layer.select(sb)
        if frame.empty:
            continue
        dup = set(frame["asset_id"]) & seen
        if dup:
            raise ValueError(f"layer {layer.id}: assets already drawn by another layer: {sorted(dup)[:3]}")
        seen |= set(frame["asset_id"])
        bad = set(frame["band"]) - set(BANDS)
        if bad:
            raise ValueError(f"layer {layer.id}: unknown band(s) {sorted(bad)}")
        out.append((layer, _sorted_features(frame)))
    order = [a for _, f in out for a in f["asset_id"]]
    return MapData(out, facts(sb, out), order, outlines.read(sb.con) if layers is None else None)


def facts(sb: "SiteBuilder", layers: list[tuple[Layer, pd.DataFrame]]) -> Facts:
    """Look-through shares by controlling country, control and related entities per asset.

    Ports (and any asset whose children are mapped) roll up their children: a port shows
    the largest share each country holds in any of its terminals, the most severe control
    category and every entity related to a terminal (DESIGN §2: port-level views are
    roll-ups of their terminals).
    """
    con, in_edges = sb.con, sb.explainer.in_edges
    f = Facts()
    rows = con.execute("""
        SELECT asset_id, country_code, share_min, share_max, is_controlled
        FROM out_ownership__asset_countries
        WHERE share_min > 0 OR is_controlled
        ORDER BY asset_id, share_min DESC, country_code""").fetchall()
    for aid, cc, lo, hi, ctl in rows:
        f.shares.setdefault(aid, []).append((cc, float(lo), float(hi), bool(ctl)))
    host = dict(zip(sb.assets["asset_id"].tolist(), sb.assets["country_code"].tolist()))
    for aid, ultimate, cc in con.execute("""
            SELECT asset_id, ultimate_controller_entity_id, controlling_country_code
            FROM out_ownership__asset_controllers
            WHERE controller_entity_id IS NOT NULL ORDER BY asset_id""").fetchall():
        if ultimate is not None:  # None: the chain ends in a loop
            f.controller[aid] = ultimate
        if cc is not None:
            f.control[aid] = "domestic" if cc == host.get(aid) else "foreign"
    # entities upstream of each asset in the ownership graph (for the search): its owners and theirs
    above: dict[str, frozenset[str]] = {}  # entity -> the entities upstream of it, worked out once

    def upstream(v: str) -> set[str]:
        """Breadth-first with a visited set (exact with loops too); an entity whose upstream is known is
        not walked again: its upstream joins at once (closed: everything upstream of it is in it)."""
        seen, todo = set(), [v]
        while todo:
            for o in (e["owner_entity_id"] for e in in_edges.get(todo.pop(), ())):
                if o not in seen:
                    seen.add(o)
                    if o in above:
                        seen |= above[o]
                    else:
                        todo.append(o)
        return seen

    def of_asset(aid: str) -> set[str]:  # its owners and what is upstream of each
        out = set()
        for o in (e["owner_entity_id"] for e in in_edges[aid]):
            if o not in out:
                out.add(o)
                out |= above[o] if o in above else above.setdefault(o, frozenset(upstream(o)))
        return out

    mapped = {a for _, fr in layers for a in fr["asset_id"].tolist()}
    related: dict[str, set[str]] = {}  # as sets until the end, then sorted once
    for aid in sorted(mapped & in_edges.keys()):
        if sb.explainer.has(aid):
            related[aid] = of_asset(aid)
    for aid, owners in _recorded_holders(sb).items():  # holders of stakes that are not current
        if aid in host:
            related[aid] = related[aid] | owners if aid in related else owners
    # roll-ups of children into their parents
    children: dict[str, list[str]] = {}
    for _, fr in layers:
        for aid, parent in zip(fr["asset_id"].tolist(), fr["parent_asset_id"].tolist()):
            if isinstance(parent, str):
                children.setdefault(parent, []).append(aid)
    sev = {"foreign": 2, "domestic": 1, "none": 0}
    for parent, kids in sorted(children.items()):
        best: dict[str, tuple[str, float, float, bool]] = {}
        for k in kids:
            for cc, lo, hi, ctl in f.shares.get(k, []):
                cur = best.get(cc, (cc, 0.0, 0.0, False))
                best[cc] = (cc, max(lo, cur[1]), max(hi, cur[2]), ctl or cur[3])
        if best:
            f.shares[parent] = sorted(best.values(), key=lambda t: (-t[1], t[0]))
        cats = [f.control.get(k, "none") for k in kids]
        top = max(cats, key=lambda c: sev[c])
        if top != "none" and parent not in f.control:
            f.control[parent] = top
        rel = set(related.get(parent, ()))
        for k in kids:
            rel |= related.get(k, set())
        if rel:
            related[parent] = rel
    f.related = {aid: sorted(rel) for aid, rel in related.items()}
    return f


def _recorded_holders(sb: "SiteBuilder") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for aid, owner in zip(*pycolumns(sb.con, """
            SELECT subject_id, owner_entity_id FROM core_ownership__links
            WHERE subject_kind = 'asset' ORDER BY 1, 2""")[1]):
        out.setdefault(aid, set()).add(owner)
    return out


# --------------------------------------------------------------------------- encoding
def _coords(geom) -> list[list[int]]:
    """Parts of a line or polygon geometry as flat integer coordinate lists."""
    parts = []
    geoms = getattr(geom, "geoms", [geom])
    for gm in geoms:
        rings = [gm.exterior, *gm.interiors] if gm.geom_type == "Polygon" else [gm]
        for ring in rings:
            xy = np.asarray(ring.coords)[:, :2]
            parts.append(np.rint(xy * COORD_SCALE).astype(np.int64).ravel().tolist())
    return parts


class Codes:
    """A sorted dictionary of codes; ``codes(value)`` is its index, -1 for a missing value."""

    def __init__(self, values):
        self.values = sorted({v for v in values if v is not None})
        self.index = {v: i for i, v in enumerate(self.values)}

    def __call__(self, v) -> int:
        return -1 if v is None else self.index[v]

    def many(self, values) -> list[int]:
        """``[self(v) for v in values]``."""
        index = self.index
        return [-1 if v is None else index[v] for v in values]


def _none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _values(s: pd.Series) -> list:
    """The values of a column as a list, missing ones (None, NaN) as None: ``_none`` of each,
    without iterating the Series value by value (slow for Arrow-backed text)."""
    return [None if v is None or (isinstance(v, float) and v != v) else v  # _none, inline: 100,000s of values
            for v in s.to_numpy(dtype=object).tolist()]


def layer_payload(layer: Layer, frame: pd.DataFrame, md: MapData, codes: dict[str, Codes], offset: int) -> dict:
    """The compact, column-wise content of one layer file."""
    ids = frame["asset_id"].tolist()
    f = md.facts
    ent, cc = codes["entities"], codes["countries"]
    shares_i, shares_v, rel_i, rel_v, ctrl_i, ctrl_v, par_i, par_v = [], [], [], [], [], [], [], []
    for i, aid in enumerate(ids):
        if aid in f.shares:
            shares_i.append(i)
            shares_v.append([x for c, lo, hi, ctl in f.shares[aid]
                             for x in (cc(c), round(lo * SHARE_SCALE), round(hi * SHARE_SCALE), int(ctl))])
        if aid in f.related:
            rel_i.append(i)
            rel_v.append([ent(e) for e in f.related[aid]])
        if aid in f.controller:
            ctrl_i.append(i)
            ctrl_v.append(ent(f.controller[aid]))
    band_ix = {b: BANDS.index(b) for b in BANDS}
    control_ix = {c: i for i, c in enumerate(CONTROLS)}
    for i, p in enumerate(frame["parent_asset_id"].to_numpy(dtype=object).tolist()):
        if isinstance(p, str):
            par_i.append(i)
            par_v.append(p)
    out = {
        "id": layer.id, "offset": offset, "n": len(ids), "ids": ids,
        "names": [str(x) for x in frame["name"].to_numpy(dtype=object).tolist()],
        "codes": _values(frame["code"]),
        "type": codes["types"].many(frame["asset_type"].to_numpy(dtype=object).tolist()),
        "host": cc.many(_values(frame["country_code"])),
        "band": [band_ix[b] for b in frame["band"].to_numpy(dtype=object).tolist()],
        "status": codes["statuses"].many(frame["status"].to_numpy(dtype=object).tolist()),
        "control": [control_ix[f.control.get(a, "none")] for a in ids],
        "shares": {"i": shares_i, "v": shares_v},
        "related": {"i": rel_i, "v": rel_v},
        "controller": {"i": ctrl_i, "v": ctrl_v},
        "parent": {"i": par_i, "v": par_v},
    }
    if layer.geometry == "point":
        xy = np.column_stack([frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float)])
        out["xy"] = np.rint(xy * COORD_SCALE).astype(np.int64).ravel().tolist()
    else:
        out["parts"] = [_coords(gm) for gm in frame["geometry"]]
    return out


def layer_licence(sb: "SiteBuilder", layer: Layer, frame: pd.DataFrame | None = None) -> str:
    """The most restrictive licence of the files of the layer's sources and of its rows (``licence`` column)."""
    lics = [fl["licence"] for s in sb.sources for fl in s["files"] if s["source_id"] in layer.sources]
    if frame is not None and "licence" in frame:
        lics += sorted({x for x in frame["licence"].tolist() if isinstance(x, str)})
    return licences.most_restrictive(lics) if lics else licences.ORDER[-1]


def index_payload(sb: "SiteBuilder", md: MapData, codes: dict[str, Codes], downloads: list[dict]) -> dict:
    """Dictionaries and settings shared by every layer file."""
    names = dict(sb.con.execute("SELECT country_code, country_name FROM core_geo__countries").fetchall())
    ent_rows = [[str(sb.entity_info[e]["name"]), codes["countries"](sb.entity_info[e]["country"])]
                for e in codes["entities"].values]
    risk = sorted({c for grp in sb.profile.groups for c in sb.profile.members(grp)})
    layer_rows = []
    for layer, frame in md.layers:
        lic = layer_licence(sb, layer, frame)
        layer_rows.append({"id": layer.id, "label": layer.label, "geometry": layer.geometry, "n": len(frame),
                           "size": layer.size, "shown": layer.shown, "licence": lic, "licence_url": licences.url(lic),
                           "nc": lic in licences.NONCOMMERCIAL, "legend": layer.legend})
    lic_order = sorted({row["licence"] for row in layer_rows}, key=lambda k: (licences.rank(k), k))
    return {
        "version": 1,
        "bands": [{"id": b, "label": BAND_LABELS[b], "colour": BAND_COLOURS[b], "line": LINE_WIDTH[b]} for b in BANDS],
        "types": [[t, type_label(t)] for t in codes["types"].values],
        "statuses": [[s, STATUSES.get(s, s.replace("_", " ").capitalize())] for s in codes["statuses"].values],
        "controls": [[k, v] for k, v in CONTROLS.items()],
        "countries": [[c, names.get(c) or c] for c in codes["countries"].values],
        "entities": ent_rows,
        "layers": layer_rows,
        "share_options": SHARE_OPTIONS,
        "vendor_bands": vendor_site.index_entry(),
        "share_scale": SHARE_SCALE,
        "coord_scale": COORD_SCALE,
        "shard_size": SHARD_SIZE,
        "n": md.n,
        "risk_countries": risk,
        "profile": sb.profile.title,
        # the licences of the layers, least restrictive first (the page names the most restrictive of what it shows)
        "licence_order": lic_order,
        "licence_urls": {k: licences.url(k) for k in lic_order},
        "licence_nc": [k for k in lic_order if k in licences.NONCOMMERCIAL],
        "downloads": downloads,
        "as_of": sb.settings.as_of,
    }


def make_codes(sb: "SiteBuilder", md: MapData) -> dict[str, Codes]:
    frames = [f for _, f in md.layers]
    col = (lambda c: [v for f in frames for v in _values(f[c])]) if frames else (lambda c: [])
    ents = {e for rel in md.facts.related.values() for e in rel} | set(md.facts.controller.values())
    countries = set(col("country_code")) | {c for v in md.facts.shares.values() for c, *_ in v}
    countries |= {sb.entity_info[e]["country"] for e in ents}
    return {"types": Codes(col("asset_type")), "statuses": Codes(col("status")), "countries": Codes(countries),
            "entities": Codes(ents)}


def outline_payload(sb: "SiteBuilder", md: MapData | None = None) -> dict:
    """Country outlines around Europe, simplified (drawn under the data, not interactive): those of
    ``md`` (:attr:`MapData.outlines`), else read now (:func:`.outlines.payload`)."""
    shapes = md.outlines if md is not None and md.outlines is not None else outlines.read(sb.con)
    return outlines.payload(shapes)


def write_map_data(sb: "SiteBuilder", md: MapData, out_dir: Path, downloads: list[dict]) -> dict:
    """Write ``data/map/*.js``; return what the page template needs (script paths, index)."""
    folder = Path(out_dir) / "data" / "map"
    folder.mkdir(parents=True, exist_ok=True)
    codes = make_codes(sb, md)
    index = index_payload(sb, md, codes, downloads)
    scripts = ["data/map/index.js", "data/map/outline.js"]
    (folder / "index.js").write_bytes(js_call("index", index).encode())
    (folder / "outline.js").write_bytes(js_call("outline", outline_payload(sb, md), parse=True).encode())
    offset = 0
    for layer, frame in md.layers:
        payload = layer_payload(layer, frame, md, codes, offset)
        payload["vband"] = vendor_site.codes(sb, payload["ids"])  # "built by" band (issue 13); absent: not researched
        (folder / f"{layer.id}.js").write_bytes(js_call("layer", payload).encode())
        scripts.append(f"data/map/{layer.id}.js")
        offset += len(frame)
    return {"scripts": scripts, "index": index}
