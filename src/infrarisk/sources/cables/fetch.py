"""Refreshing the Submarine Cable Map: two GeoJSON layers, one JSON per cable, then the derive step's layout.

Contract: :data:`CHECKS` holds the checks of the two layers named in
``datasets/submarine-cables/manifest.toml`` ``[refresh]``; :data:`CRAWLS` holds the
``cables`` crawl: the layers, then (unless ``http.cable_details`` is off) each cable's
JSON (its owners) into ``cable/<id>.json``, at most ``http.crawl_requests_per_minute``
requests a minute, from the URL template of the ``cables_detail`` key. Cable ids must be
plain slugs (they become file names and URL parts). The v3 API is not documented: the
per-cable check is loose, but a crawl where no cable has an ``owners`` field fails.

From the layers and the per-cable JSON (``name``, ``owners`` as a comma-separated text or a
list, ``landing_points`` with ``id``, ``name``, ``country``, ``is_tbd``, ``rfs``,
``rfs_year``, ``length``, ``url``, ``notes``) it then writes the four files the derive step
reads (:func:`derive_layout`): ``cables.csv``, ``cable_owners.csv``,
``cable_landing_points.csv`` (positions from the landing-point layer, ISO codes from
:func:`infrarisk.sources._convert.country_codes`, unmapped names listed in the summary) and
``cables_geo.geojson`` (the routes keyed by ``slug``). Numeric ids, which v3 does not give,
stay blank. Without the per-cable JSON (``http.cable_details = false``) nothing is written
and the derive step reads the shipped snapshot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...errors import SchemaError
from ...http import RateLimiter
from .._checks import GeoJsonCheck, JsonCheck, json_get, load_json
from .._convert import country_codes, csv_bytes, read_csv_rows, write_derived
from .._fetch import fetch_files, is_slug, json_file, url_for


def cable_detail(doc, where: str) -> str:
    """One cable of the Submarine Cable Map API (v3 shape not documented: checked loosely)."""
    if not isinstance(doc, dict):
        raise SchemaError(f"{where}: expected a JSON object")
    json_get(doc, ("id",), where)
    json_get(doc, ("name",), where)
    owners = doc.get("owners")
    if owners is not None and not isinstance(owners, (str, list)):
        raise SchemaError(f"{where}: owners is {type(owners).__name__}, expected text or a list")
    return f"cable {doc['id']}"


def crawl(client, src, settings, stage, res, progress) -> None:
    """The two layers, then one JSON per cable (see the module docstring)."""
    fetch_files(client, src, settings, stage, res, progress)
    if not settings.http.cable_details:
        return
    template = url_for(settings, "cables_detail", src.extra_urls["cables_detail"])
    geo = load_json(stage.path(src.files[0].name))
    ids = sorted({str(f["properties"]["id"]) for f in geo["features"]})
    bad = [i for i in ids if not is_slug(i)]
    if bad:
        raise SchemaError(f"{src.id}: cable ids that are not plain slugs: {', '.join(bad[:5])}")
    limiter = RateLimiter(settings.http.crawl_requests_per_minute)
    with_owners = 0
    docs = {}
    for n, cid in enumerate(ids, start=1):
        if n % 50 == 1:
            progress(f"[fetch] {src.id}: cable {n} of {len(ids)}")
        doc = json_file(client, stage, f"cable/{cid}.json", template.format(id=cid), JsonCheck(cable_detail),
                        src.id, res, limiter=limiter)
        with_owners += doc.get("owners") is not None
        docs[cid] = doc
    if ids and not with_owners:
        raise SchemaError(f"{src.id}: none of the {len(ids)} cable JSON files has an 'owners' field; "
                          f"the API's shape changed ({template})")
    pairs = [(r["country_name"], r["iso_a2"]) for r in
             read_csv_rows(Path(settings.datasets_dir) / "submarine-cables" / "landing_points.csv")]
    tables, unmapped = derive_layout(geo, load_json(stage.path(src.files[1].name)), docs,
                                     country_codes(settings.datasets_dir, pairs))
    origin = stage.path(src.files[0].name)
    for name, (header, rows) in tables.items():
        write_derived(stage, name, csv_bytes(header, rows), origin, src.id, res, f"{len(rows)} rows")
    routes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"slug": str(f["properties"]["id"])}, "geometry": f["geometry"]}
        for f in geo["features"]]}
    write_derived(stage, "cables_geo.geojson", (json.dumps(routes, separators=(",", ":")) + "\n").encode(), origin,
                  src.id, res, f"{len(routes['features'])} route features")
    res.summary = {"cables": len(ids), "with_owners": with_owners, "countries_unmapped": unmapped}


def _owners(value) -> list[str]:
    if isinstance(value, list):
        return [str(x).strip() for x in value if str(x).strip()]
    return [x.strip() for x in (value or "").split(", ") if x.strip()]


def _km(text) -> str:
    m = re.match(r"^\s*([\d,.]+)\s*km", str(text or ""))
    return f"{float(m.group(1).replace(',', ''))}" if m else ""


def derive_layout(geo: dict, points: dict, docs: dict[str, dict], codes: dict[str, str]) -> tuple[dict, list[str]]:
    """``{file: (header, rows)}`` of the derive step's CSVs, and the country names not mapped."""
    from .derive import CABLE_COLUMNS, LANDING_COLUMNS, OWNER_COLUMNS, OWNERS_SEPARATOR

    where = {str((f.get("properties") or {}).get("id")): (f.get("geometry") or {}).get("coordinates")
             for f in points.get("features", [])}
    cables, owners, landings, unmapped = [], [], [], set()
    for cid in sorted(docs):
        d = docs[cid]
        names = _owners(d.get("owners"))
        lps = d.get("landing_points") or []
        year = d.get("rfs_year")
        cables.append({"cable_id": cid, "cable_numeric_id": "", "name": d["name"], "rfs": str(d.get("rfs") or ""),
                       "rfs_year": f"{float(year)}" if isinstance(year, (int, float)) else "",
                       "length": str(d.get("length") or ""), "length_km": _km(d.get("length")),
                       "n_owners": str(len(names)), "owners": OWNERS_SEPARATOR.join(names),
                       "n_landing_points": str(len(lps)), "url": str(d.get("url") or ""),
                       "notes": str(d.get("notes") or "")})
        owners += [{"cable_id": cid, "cable_name": d["name"], "owner": o} for o in names]
        for lp in lps:
            lid, name = str(lp.get("id") or ""), str(lp.get("name") or "")
            country = str(lp.get("country") or name.rsplit(", ", 1)[-1])
            code = codes.get(country.casefold(), "")
            if not code:
                unmapped.add(country)
            pos = where.get(lid) or ["", ""]
            landings.append({"cable_id": cid, "landing_point_id": lid, "landing_point_numeric_id": "",
                             "landing_point_name": name, "country_name": country, "iso_a2": code,
                             "latitude": str(pos[1]), "longitude": str(pos[0]), "is_tbd": str(bool(lp.get("is_tbd")))})
    return {"cables.csv": (CABLE_COLUMNS, cables), "cable_owners.csv": (OWNER_COLUMNS, owners),
            "cable_landing_points.csv": (LANDING_COLUMNS, landings)}, sorted(unmapped)


CHECKS = {"cable-geo.json": GeoJsonCheck(("id", "name"), ("MultiLineString", "LineString")),
          "landing-point-geo.json": GeoJsonCheck(("id", "name"), ("Point",))}
CRAWLS = {"cables": crawl}
