"""Import Global Energy Monitor's Europe Gas Tracker into ``datasets/gem-europe-gas/``.

Inputs: ``<shared>/gem-europe-gas/`` — ``gem_europe_gas_assets.csv`` (3,641 assets, owners
and parents as ``;``-joined text fields) and ``gem_europe_gas_pipelines.geojson`` (the
pipeline routes), the May 2024 map export (see its ``SOURCE.md``).

Outputs (deterministic, one row per input row or field entry, nothing dropped):

- ``assets.csv``: the assets as read, with their 1-based ``source_row``;
- ``stakes.csv``: one row per entry of the ``owner`` and ``parent`` fields, in field order:
  ``asset_id, level, position, entity_as_written, entity_name, share_text``. The share
  suffix is split off only when it is a bracketed or parenthesised text ending in ``%``
  (``Name [12.50%]``, ``Name (50%)``, ``Name [unknown %]``, ``Name (nan%)``); other
  parentheses are part of the name (``Energie Beheer Nederland (EBN)``). The text of the
  suffix is kept as written; the loader decides what it means;
- ``pipelines.geojson``: each pipeline's route with only its ``asset_id``, compact,
  coordinates rounded to 5 decimals (about 1 m).

Strict interpretation: an unexpected column, a duplicate asset id, a line asset without a
route or a route without its asset stops the import.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ...errors import DataError
from ..manifest import Manifest, describe_file, write_manifest
from .._derive import raw_ref, read_csv_strict, write_csv
from ..cables.derive import compact_geojson, round_coords
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "gem",
    "table_prefix": "gem",
    "depends_on": [
        "naturalearth"
    ],
    "refresh": {
        "remotes": {
            "gem-europe-gas": {
                "kind": "gem",
                "folder": "gem-europe-gas",
                "title": "Global Energy Monitor, Europe Gas Tracker",
                "update": True,
                "note": "The map's CSV (UTF-16 with a BOM); the crawl writes the assets CSV and the pipeline routes the derive step reads, keeping asset ids. The release to follow is the URL of [urls] gem_europe_gas: the repository copy is frozen at May 2024, pin a newer release there. CC BY 4.0.",
                "files": [
                    {
                        "name": "data.csv",
                        "url_key": "gem_europe_gas",
                        "url": "https://raw.githubusercontent.com/GlobalEnergyMonitor/europe_gas_tracker/main/docs/static/data/data.csv"
                    }
                ]
            }
        }
    }
}
RAW_DIR = "gem-europe-gas"
ASSET_COLUMNS = ["asset_id", "project", "unit", "type", "owner", "parent", "countries", "status_tabular",
                 "start_year", "capacity", "production", "units", "geom", "latitude", "longitude", "url", "pci5",
                 "pci6", "status", "iso_a2_list"]
STAKE_COLUMNS = ["asset_id", "level", "position", "entity_as_written", "entity_name", "share_text"]
LEVELS = ("owner", "parent")
_SHARE_SUFFIX = re.compile(r"^(.*?)\s*[\[(]\s*([^\[\]()]*%)\s*[\])]\s*$")
RETRIEVED = "2026-11-25"
#: the credit GEM asks for, exactly as its SOURCE.md gives it
ATTRIBUTION = "Global Energy Monitor, Europe Gas Tracker, May 2024 release."


def split_entries(field: str) -> list[tuple[str, str, str]]:
    """Split an owner/parent field into ``(as_written, name, share_text)`` entries.

    Examples
    --------
    >>> split_entries("ExxonMobil [70.70%]; QatarEnergy [22.00%]")
    [('ExxonMobil [70.70%]', 'ExxonMobil', '70.70%'), ('QatarEnergy [22.00%]', 'QatarEnergy', '22.00%')]
    >>> split_entries("Energie Beheer Nederland (EBN) (50%);Other [unknown %]")
    [('Energie Beheer Nederland (EBN) (50%)', 'Energie Beheer Nederland (EBN)', '50%'), ('Other [unknown %]', 'Other', 'unknown %')]
    >>> split_entries("")
    []
    """
    out = []
    for token in field.split(";"):
        t = token.strip()
        if not t:
            continue
        m = _SHARE_SUFFIX.match(t)
        out.append((t, m.group(1).strip(), m.group(2).strip()) if m else (t, t, ""))
    return out


def _pipelines(path: Path, line_ids: set[str]) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out, seen = [], set()
    for i, f in enumerate(data.get("features", []), start=1):
        aid = (f.get("properties") or {}).get("asset_id")
        geom = f.get("geometry") or {}
        if aid not in line_ids:
            raise DataError(f"{path}: feature {i} has asset_id {aid!r}, which is no line asset of the asset table")
        if aid in seen:
            raise DataError(f"{path}: feature {i}: second route for {aid}")
        if geom.get("type") not in ("LineString", "MultiLineString"):
            raise DataError(f"{path}: feature {i} ({aid}) is a {geom.get('type')}, not a line")
        seen.add(aid)
        out.append({"type": "Feature", "properties": {"asset_id": aid},
                    "geometry": {"type": geom["type"], "coordinates": round_coords(geom["coordinates"])}})
    missing = sorted(line_ids - seen)
    if missing:
        raise DataError(f"{path}: no route for line asset(s) {', '.join(missing[:10])}")
    return sorted(out, key=lambda f: f["properties"]["asset_id"])


def build(shared: Path, out_dir: Path) -> Manifest:
    """Derive ``datasets/gem-europe-gas`` from ``<shared>/gem-europe-gas``; return its manifest."""
    src = shared / RAW_DIR
    files = {"assets": src / "gem_europe_gas_assets.csv", "pipelines": src / "gem_europe_gas_pipelines.geojson"}
    for p in files.values():
        if not p.exists():
            raise DataError(f"raw snapshot file {p} not found")
    assets = read_csv_strict(files["assets"], ASSET_COLUMNS)
    ids = [r["asset_id"] for r in assets]
    if len(set(ids)) != len(ids):
        raise DataError(f"{files['assets']}: duplicate asset_id")
    stakes = []
    for r in assets:
        for level in LEVELS:
            for pos, (written, name, share) in enumerate(split_entries(r[level]), start=1):
                stakes.append({"asset_id": r["asset_id"], "level": level, "position": pos,
                               "entity_as_written": written, "entity_name": name, "share_text": share})
    routes = _pipelines(files["pipelines"], {r["asset_id"] for r in assets if r["geom"] == "line"})

    write_csv(out_dir / "assets.csv", ["source_row", *ASSET_COLUMNS],
              sorted(({"source_row": i, **r} for i, r in enumerate(assets, start=1)), key=lambda r: r["asset_id"]))
    write_csv(out_dir / "stakes.csv", STAKE_COLUMNS, sorted(stakes, key=lambda r: (r["asset_id"], r["level"],
                                                                                  r["position"])))
    (out_dir / "pipelines.geojson").write_bytes(compact_geojson(routes))

    ref = lambda k: [raw_ref(shared, files[k])]  # noqa: E731
    entries = [
        describe_file(out_dir, "assets.csv", "Gas power plants, pipelines (gas and hydrogen), extraction areas "
                      "and LNG terminals: project, unit, type, owner and parent fields as written, countries, "
                      "status, capacity, position (points), GEM.wiki page.", derived_from=ref("assets")),
        describe_file(out_dir, "stakes.csv", "One row per entry of the owner and parent fields of assets.csv: "
                      "the entry as written, the entity name and the text of its share suffix (a percentage, "
                      "'unknown %', 'nan%' or empty).", derived_from=ref("assets")),
        describe_file(out_dir, "pipelines.geojson", "Route of each gas and hydrogen pipeline (MultiLineString, "
                      "CRS84), coordinates rounded to 5 decimals (about 1 m).", derived_from=ref("pipelines")),
    ]
    manifest = Manifest(
        id=SOURCE_ID,
        title="Global Energy Monitor, Europe Gas Tracker (May 2024 map export)",
        publisher="Global Energy Monitor",
        origin_url="https://github.com/GlobalEnergyMonitor/europe_gas_tracker/blob/"
                   "59e0db431ea486a5c22dac91e33bbe372f9755f9/docs/static/data/data.csv",
        homepage="https://globalenergymonitor.org/projects/europe-gas-tracker/",
        licence="CC-BY-4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution=ATTRIBUTION,
        retrieved=RETRIEVED,
        refresh_url="https://globalenergymonitor.org/projects/europe-gas-tracker/",
        imported_by=__name__,
        **MANIFEST_KEYS,
        notes=("GEM publishes its tracker data under CC BY 4.0 (its stated general policy); the repository and "
               "the CSV carry no licence file, so confirm on globalenergymonitor.org before a release. The copy "
               "is frozen at May 2024 (commit 59e0db43 of 2024-05-16; the file is UTF-16 upstream, UTF-8 here). "
               "asset_id (gem-eu-gas-NNNNN) and iso_a2_list were added by the snapshot, ids are stable only "
               "within this file. Owner and parent names are free text, not normalised, with placeholders "
               "('other', 'unknown'); shares are given as [x%] or (x%), or as 'unknown %'. The parent field "
               "gives GEM's parent companies with their share of the asset (a look-through share), the owner "
               "field the direct owners: adding both would count an asset twice."),
        files=entries,
    )
    write_manifest(out_dir, manifest)
    return manifest
