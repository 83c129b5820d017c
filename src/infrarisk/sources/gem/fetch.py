"""Refreshing the GEM Europe Gas Tracker: the map's CSV, turned into the snapshot layout the derive step reads.

Contract: :data:`CHECKS` maps ``data.csv`` (named in ``datasets/gem-europe-gas/manifest.toml``
``[refresh]``; UTF-16 with a byte-order mark, the check sniffs it) to the check of the
columns GEM publishes; :data:`CRAWLS` holds the ``gem`` crawl: ``data.csv`` verbatim, then the
two files of the first snapshot (:func:`convert`):

- ``gem_europe_gas_assets.csv``: the rows in UTF-8, ``lat``/``lng`` as ``latitude``/``longitude``,
  the ``route`` column moved out, an ``asset_id`` and the ``iso_a2_list`` of ``countries``;
- ``gem_europe_gas_pipelines.geojson``: each line asset's route (GEM writes ``lat,lng`` pairs
  joined by ``:``, segments by ``;``) as a MultiLineString ``[lon, lat]``.

Asset ids (``gem-eu-gas-NNNNN``) stay stable across releases: an asset keeps the id of the
same (project, unit, type) in the previous snapshot (else in ``datasets/gem-europe-gas``),
repeated keys in order; a new asset gets the next free number, in file order. Country names
are mapped with :func:`infrarisk.sources._convert.country_codes` (Natural Earth names and the
pairs the shipped assets state); a name mapped by neither is left out of ``iso_a2_list`` and
listed in the crawl summary (``countries_unmapped``). The release to follow is the URL of the
``gem_europe_gas`` key: a CSV in the map's columns (GEM's download portal gives XLSX workbooks
in another layout, which the check refuses).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...errors import SchemaError
from .._checks import CsvCheck, _open_text
from .._convert import country_codes, csv_bytes, read_csv_rows, write_derived
from .._fetch import fetch_files

PUBLISHED_COLUMNS = ("project", "unit", "type", "owner", "parent", "countries", "status_tabular", "start_year",
                     "capacity", "production", "units", "geom", "lat", "lng", "route", "url", "pci5", "pci6", "status")
GEM_COLUMNS = PUBLISHED_COLUMNS  # what the check asks of data.csv
ASSETS, PIPELINES = "gem_europe_gas_assets.csv", "gem_europe_gas_pipelines.geojson"
_ID = re.compile(r"^gem-eu-gas-(\d+)$")


def route(text: str) -> list[list[list[float]]]:
    """GEM's route text as MultiLineString coordinates ``[[[lon, lat], …], …]``.

    Examples
    --------
    >>> route("42.27,24.68:42.30,24.71;53.0,9.04:53.1,9.2")
    [[[24.68, 42.27], [24.71, 42.3]], [[9.04, 53.0], [9.2, 53.1]]]
    """
    lines = []
    for seg in (text or "").split(";"):
        pts = []
        for pair in seg.split(":"):
            if not pair.strip():
                continue
            lat, lon = (float(x) for x in pair.split(","))
            pts.append([lon, lat])
        if pts:
            lines.append(pts)
    return lines


def _ids(rows: list[dict], previous: list[dict]) -> list[str]:
    known: dict[tuple, list[str]] = {}
    top = -1
    for p in previous:
        m = _ID.match(p.get("asset_id", ""))
        if m:
            known.setdefault((p["project"], p["unit"], p["type"]), []).append(p["asset_id"])
            top = max(top, int(m.group(1)))
    out: list[str | None] = []
    for r in rows:
        ids = known.get((r["project"], r["unit"], r["type"]))
        out.append(ids.pop(0) if ids else None)
    for i, x in enumerate(out):
        if x is None:
            top += 1
            out[i] = f"gem-eu-gas-{top:05d}"
    return out  # type: ignore[return-value]


def convert(rows: list[dict], previous: list[dict], codes: dict[str, str]) -> tuple[list[dict], list[dict], list[str]]:
    """(asset rows, pipeline features, country names not mapped) from the published rows."""
    from .derive import ASSET_COLUMNS

    unmapped: set[str] = set()
    assets, features = [], []
    for aid, r in zip(_ids(rows, previous), rows):
        isos = []
        for name in (x.strip() for x in (r["countries"] or "").split(",")):
            if not name:
                continue
            code = codes.get(name.casefold())
            if code is None:
                unmapped.add(name)
            elif code not in isos:
                isos.append(code)
        row = {**{c: r.get(c, "") for c in PUBLISHED_COLUMNS if c not in ("lat", "lng", "route")},
               "asset_id": aid, "latitude": r["lat"], "longitude": r["lng"], "iso_a2_list": ";".join(isos)}
        assets.append({c: row[c] for c in ASSET_COLUMNS})
        if r["geom"] == "line" and (r.get("route") or "").strip():
            try:
                coords = route(r["route"])
            except ValueError:
                raise SchemaError(f"route of {r['project']!r} is not lat,lng pairs") from None
            features.append({"type": "Feature", "properties": {"asset_id": aid},
                             "geometry": {"type": "MultiLineString", "coordinates": coords}})
    return assets, features, sorted(unmapped)


def crawl(client, src, settings, stage, res, progress) -> None:
    """``data.csv``, then the two files the derive step reads (module docstring)."""
    from .derive import ASSET_COLUMNS

    fetch_files(client, src, settings, stage, res, progress)
    data = stage.path("data.csv")
    with _open_text(data, "auto") as fh:
        import csv
        rows = list(csv.DictReader(fh))
    shipped = read_csv_rows(Path(settings.datasets_dir) / "gem-europe-gas" / "assets.csv")
    previous = read_csv_rows(stage.previous(ASSETS)) or shipped
    pairs = []
    for r in shipped:  # the names and codes the shipped assets state side by side
        names = [x.strip() for x in r.get("countries", "").split(",")]
        codes = r.get("iso_a2_list", "").split(";")
        if len(names) == len(codes):
            pairs += list(zip(names, codes))
    assets, features, unmapped = convert(rows, previous, country_codes(settings.datasets_dir, pairs))
    write_derived(stage, ASSETS, csv_bytes(ASSET_COLUMNS, assets), data, src.id, res, f"{len(assets)} assets")
    body = (json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                       separators=(",", ":")) + "\n").encode("utf-8")
    write_derived(stage, PIPELINES, body, data, src.id, res, f"{len(features)} routes")
    known = {p.get("asset_id") for p in previous}
    res.summary = {"assets": len(assets), "routes": len(features),
                   "new_asset_ids": sum(1 for a in assets if a["asset_id"] not in known),
                   "countries_unmapped": unmapped}


CHECKS = {"data.csv": CsvCheck(GEM_COLUMNS, encoding="auto")}
CRAWLS = {"gem": crawl}
