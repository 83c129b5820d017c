"""Refreshing the Submarine Cable Map: two GeoJSON layers, then one JSON per cable.

Contract: :data:`CHECKS` holds the checks of the two layers named in
``datasets/submarine-cables/manifest.toml`` ``[refresh]``; :data:`CRAWLS` holds the
``cables`` crawl: the layers, then (unless ``http.cable_details`` is off) each cable's
JSON (its owners) into ``cable/<id>.json``, at most ``http.crawl_requests_per_minute``
requests a minute, from the URL template of the ``cables_detail`` key. Cable ids must be
plain slugs (they become file names and URL parts). The v3 API is not documented: the
per-cable check is loose, but a crawl where no cable has an ``owners`` field fails.
"""

from __future__ import annotations

from ...errors import SchemaError
from ...http import RateLimiter
from .._checks import GeoJsonCheck, JsonCheck, json_get, load_json
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
    for n, cid in enumerate(ids, start=1):
        if n % 50 == 1:
            progress(f"[fetch] {src.id}: cable {n} of {len(ids)}")
        doc = json_file(client, stage, f"cable/{cid}.json", template.format(id=cid), JsonCheck(cable_detail),
                        src.id, res, limiter=limiter)
        with_owners += doc.get("owners") is not None
    if ids and not with_owners:
        raise SchemaError(f"{src.id}: none of the {len(ids)} cable JSON files has an 'owners' field; "
                          f"the API's shape changed ({template})")
    res.summary = {"cables": len(ids), "with_owners": with_owners}


CHECKS = {"cable-geo.json": GeoJsonCheck(("id", "name"), ("MultiLineString", "LineString")),
          "landing-point-geo.json": GeoJsonCheck(("id", "name"), ("Point",))}
CRAWLS = {"cables": crawl}
