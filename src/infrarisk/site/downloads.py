"""Downloads of everything on the map: CSV, GeoJSON and GeoParquet, each with its licence.

Contract: :func:`write_downloads` takes the mapped assets (:class:`~infrarisk.site.mapdata.MapData`)
and writes ``data/infrarisk-map.csv``, ``.geojson`` and ``.parquet`` (GeoParquet 1.0,
EPSG:4326): one row per mapped asset with its layer, type, host country, status, band and
reason, the look-through shares by controlling country, the ultimate controller and its
country. The licence of the three files is the most restrictive licence of the files of
every source the layers draw from (:func:`infrarisk.licences.most_restrictive`); the
GeoJSON carries it in a top-level ``licence`` member, the GeoParquet in its file metadata,
and :func:`write_downloads` returns it for the page. Output is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from .. import licences
from ..score import pct
from .layers import type_label
from .mapdata import MapData, layer_licence

if TYPE_CHECKING:  # pragma: no cover
    from . import SiteBuilder

STEM = "data/infrarisk-map"
COLUMNS = ["asset_id", "name", "layer", "asset_type", "asset_type_label", "country_code", "status", "band",
           "band_reason", "foreign_shares", "all_shares", "control", "ultimate_controller",
           "controlling_country_code", "parent_asset_id", "code"]


def table(sb: "SiteBuilder", md: MapData) -> gpd.GeoDataFrame:
    """One row per mapped asset, in map order, with its geometry."""
    f = md.facts
    names = sb.entity_info
    frames = []
    for layer, fr in md.layers:
        rows = pd.DataFrame({c: fr[c] for c in ("asset_id", "name", "asset_type", "country_code", "status", "band",
                                                "parent_asset_id", "code")})
        rows.insert(2, "layer", layer.id)
        if layer.geometry == "point":
            geom = shapely.points(fr["longitude"].to_numpy(float), fr["latitude"].to_numpy(float))
        else:
            geom = fr["geometry"].to_numpy()
        frames.append(gpd.GeoDataFrame(rows, geometry=geom, crs="EPSG:4326"))
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS}, geometry=[], crs="EPSG:4326")
    out = pd.concat(frames, ignore_index=True)
    reason = {a: r.get("band_reason") for a, r in sb.asset_rows.items()}
    ctl_cc = dict(sb.con.execute(
        "SELECT asset_id, controlling_country_code FROM out_ownership__asset_controllers").fetchall())

    def shares(aid: str, host, foreign: bool) -> str:
        return "; ".join(f"{c} {pct(lo) if abs(hi - lo) < 1e-9 else pct(lo) + '-' + pct(hi)}"
                         f"{' (controls)' if ctl else ''}"
                         for c, lo, hi, ctl in f.shares.get(aid, []) if not foreign or c != host)

    out["asset_type_label"] = [type_label(t) for t in out["asset_type"]]
    out["band_reason"] = [reason.get(a) for a in out["asset_id"]]
    out["foreign_shares"] = [shares(a, h, True) for a, h in zip(out["asset_id"], out["country_code"])]
    out["all_shares"] = [shares(a, h, False) for a, h in zip(out["asset_id"], out["country_code"])]
    out["control"] = [f.control.get(a, "none") for a in out["asset_id"]]
    out["ultimate_controller"] = [names.get(f.controller[a], {}).get("name") if a in f.controller else None
                                  for a in out["asset_id"]]
    out["controlling_country_code"] = [ctl_cc.get(a) for a in out["asset_id"]]
    return gpd.GeoDataFrame(out[[*COLUMNS, "geometry"]], geometry="geometry", crs="EPSG:4326")


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path, licence: dict) -> None:
    """GeoJSON through GDAL (fast at 100,000 features), with the licence as a top-level member."""
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": 6, "RFC7946": "YES"})
    text = path.read_text(encoding="utf-8")
    head = '"type": "FeatureCollection",\n'
    if head not in text[:200]:
        raise RuntimeError("unexpected GeoJSON layout from GDAL")
    text = text.replace(head, head + '"licence": ' + json.dumps(licence, sort_keys=True) + ",\n", 1)
    path.write_bytes(text.encode("utf-8"))


def write_downloads(sb: "SiteBuilder", md: MapData, out_dir: Path) -> list[dict]:
    """Write the three full downloads; return their descriptions (href, format, licence)."""
    lics = [layer_licence(sb, layer) for layer, _ in md.layers] or [
        f["licence"] for s in sb.sources for f in s["files"]]
    lic = licences.most_restrictive(lics)
    licence = {"id": lic, "url": licences.url(lic),
               "attribution": "infrarisk; sources and attributions: sources.html of the site"}
    gdf = table(sb, md)
    out = Path(out_dir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    plain = pd.DataFrame(gdf.drop(columns="geometry"))
    plain["wkt"] = shapely.to_wkt(gdf.geometry.to_numpy(), rounding_precision=6) if len(gdf) else []
    (out / f"{STEM}.csv").write_bytes(plain.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    _write_geojson(gdf, out / f"{STEM}.geojson", licence)
    gdf.to_parquet(out / f"{STEM}.parquet", index=False, compression="zstd", write_covering_bbox=False,
                   schema_version="1.0.0")
    _stamp_parquet(out / f"{STEM}.parquet", licence)
    return [{"label": label, "href": f"{STEM}.{ext}", "format": ext, "licence": lic, "licence_url": licences.url(lic)}
            for ext, label in (("csv", "CSV"), ("geojson", "GeoJSON"), ("parquet", "GeoParquet"))]


def _stamp_parquet(path: Path, licence: dict) -> None:
    """Add the licence to the Parquet file metadata (kept beside the ``geo`` metadata)."""
    import pyarrow.parquet as pq
    t = pq.read_table(path)
    meta = dict(t.schema.metadata or {})
    meta[b"licence"] = json.dumps(licence, sort_keys=True).encode()
    pq.write_table(t.replace_schema_metadata(meta), path, compression="zstd")
