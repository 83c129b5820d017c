"""Derive ``datasets/naturalearth/`` from the raw Natural Earth 1:50m admin-0 GeoJSON.

Contract
--------
Input: ``<shared>/natural-earth/ne_50m_admin_0_countries.geojson`` (242 features, 168
attributes each). Every feature must carry the attributes in :data:`KEEP` and a Polygon
or MultiPolygon geometry; the other attributes (names in 26 languages, point-of-view
codes, map colours ...) are deliberately dropped.

Outputs (``<out_dir>/``), byte-deterministic:

- ``countries.geojson``: the 242 features in upstream order, attributes :data:`KEEP`
  (upstream names, so Natural Earth's documentation applies), geometry unchanged
  (coordinates re-serialised from the parsed floats, numerically identical), CRS84.
  One feature per line, compact separators.
- ``manifest.toml``, also listing the hand-written ``corrections/*.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...errors import DataError
from ..manifest import Manifest, describe_file, write_manifest
from .._derive import raw_ref
from .._derive import describe_corrections
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "naturalearth",
    "table_prefix": "naturalearth",
    "depends_on": [
        "unlocode"
    ],
    "refresh": {
        "remotes": {
            "naturalearth": {
                "kind": "files",
                "folder": "natural-earth",
                "title": "Natural Earth admin-0 countries, 1:50m",
                "update": True,
                "files": [
                    {
                        "name": "ne_50m_admin_0_countries.geojson",
                        "url_key": "naturalearth",
                        "url": "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/master/geojson/ne_50m_admin_0_countries.geojson"
                    }
                ]
            }
        }
    }
}
RAW_FILE = "natural-earth/ne_50m_admin_0_countries.geojson"

#: attributes kept, in output order. Use the ``_EH`` codes: filled in for de-facto entities.
KEEP = [
    "ISO_A2_EH", "ISO_A3_EH", "NAME", "NAME_LONG", "ADMIN", "SOVEREIGNT", "TYPE",
    "CONTINENT", "REGION_UN", "SUBREGION", "POP_EST", "WIKIDATAID", "NE_ID", "LABEL_X", "LABEL_Y",
]

CORRECTIONS = {
    "corrections/feature_country_codes.csv": (
        "Country codes for the features whose ISO_A2_EH is -99 (keyed by NE_ID), with a reason."
    ),
    "corrections/countries.csv": (
        "Per country code: continent and subregion for codes without their own polygon, the code whose "
        "polygon covers them, and the is_europe decisions that differ from CONTINENT = Europe, with a reason."
    ),
}

NOTES = """\
Version: Natural Earth 5.1.x admin-0 countries at 1:50m (ISO_A2 = CN-TW for Taiwan, POP_YEAR 2019), \
copied from mikeskydev/energy-globe public/data/ne_50m_admin_0_countries.geojson (blob \
152955a3cd84fa6424722f9f7ce7e54ae4c968b4, commit 4e50f998923f0232bbda75c975eacfe2a5721527). \
Kept: 15 of 168 attributes (ISO_A2_EH, ISO_A3_EH, NAME, NAME_LONG, ADMIN, SOVEREIGNT, TYPE, CONTINENT, \
REGION_UN, SUBREGION, POP_EST, WIKIDATAID, NE_ID, LABEL_X, LABEL_Y); geometry unchanged. \
Codes: use ISO_A2_EH. It is -99 for Somaliland, Northern Cyprus and Siachen Glacier; \
corrections/feature_country_codes.csv assigns Northern Cyprus to CY and Somaliland to SO (de jure) and \
leaves Siachen unassigned. Three features carry AU (Australia, Indian Ocean Territories, Ashmore and \
Cartier). Dependencies are separate features (Greenland, Faroe Islands, Aland, Jersey ...), but \
France is one MultiPolygon with its overseas departements, Norway includes Svalbard and Spain covers \
Gibraltar at this scale: corrections/countries.csv records which polygon covers each code that has none. \
Boundaries are de facto: Crimea (Sevastopol, Simferopol, Kerch) lies inside the Russia polygon, not \
Ukraine. We keep the geometry unchanged and do not assign countries by polygon (asset countries come \
from their sources); a position check against the stated country therefore reports Crimean ports \
stated as UA. An EU-facing map that draws borders should use an upstream point-of-view variant \
(10m ne_10m_admin_0_countries_<pov>) or reassign Crimea. \
1:50m coastlines are coarse: many port points lie in the water, so position checks use a tolerance."""


def build(shared: Path, out_dir: Path) -> Manifest:
    """Write ``countries.geojson`` and the manifest into ``out_dir``.

    Parameters
    ----------
    shared : Path
        Root of the raw snapshots (holding ``natural-earth/``).
    out_dir : Path
        ``datasets/naturalearth``; hand-written ``corrections/`` in it are kept.

    Returns
    -------
    Manifest
        The manifest written to ``out_dir/manifest.toml``.

    Raises
    ------
    DataError
        When a feature lacks a kept attribute or is not a (multi)polygon.
    """
    src = Path(shared) / RAW_FILE
    out_dir = Path(out_dir)
    with open(src, encoding="utf-8") as fh:
        data = json.load(fh)
    lines = [_feature_line(f, src, i) for i, f in enumerate(data.get("features") or [], 1)]
    if not lines:
        raise DataError(f"{src}: no features")
    head = {"type": "FeatureCollection", "name": "countries", "crs": data.get("crs")}
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    (out_dir / "countries.geojson").write_bytes(text.encode("utf-8"))

    files = [describe_file(
        out_dir, "countries.geojson",
        "Natural Earth 1:50m admin-0 countries (242 features), 15 attributes, geometry unchanged, CRS84.",
        derived_from=[raw_ref(shared, src)],
    )]
    files.extend(describe_corrections(out_dir, CORRECTIONS))
    manifest = Manifest(
        id=SOURCE_ID,
        title="Natural Earth admin-0 countries, 1:50m",
        publisher="Natural Earth (NACIS)",
        origin_url=(
            "https://github.com/mikeskydev/energy-globe/blob/4e50f998923f0232bbda75c975eacfe2a5721527"
            "/public/data/ne_50m_admin_0_countries.geojson"
        ),
        licence="LicenseRef-Natural-Earth-Public-Domain",
        licence_url="https://www.naturalearthdata.com/about/terms-of-use/",
        attribution="Made with Natural Earth.",
        retrieved="2026-11-25",
        refresh_url=(
            "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/master/geojson/"
            "ne_50m_admin_0_countries.geojson"
        ),
        homepage="https://www.naturalearthdata.com",
        imported_by=__name__,
        **MANIFEST_KEYS,
        notes=NOTES,
        files=files,
    )
    write_manifest(out_dir, manifest)
    return manifest


def _feature_line(feature: dict, src: Path, n: int) -> str:
    """One output feature as a compact JSON line (kept attributes, same geometry)."""
    props = feature.get("properties") or {}
    missing = [k for k in KEEP if k not in props]
    if missing:
        raise DataError(f"{src}: feature {n} lacks attribute(s) {', '.join(missing)}")
    geom = feature.get("geometry") or {}
    if geom.get("type") not in ("Polygon", "MultiPolygon"):
        raise DataError(f"{src}: feature {n} ({props.get('ADMIN')}) has geometry {geom.get('type')!r}")
    out = {"type": "Feature", "properties": {k: props[k] for k in KEEP}, "geometry": geom}
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))
