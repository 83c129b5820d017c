"""Derive ``datasets/gem-ownership/`` from the raw snapshot ``<shared>/gem-ownership/``.

Input: ``gem_parent_hq_country.csv`` (GEM's parent names with their headquarters country and an
example GEM.wiki page; see its SOURCE.md). Output: ``parent_hq_country.csv`` with the same rows
in a stable order and the columns the loader reads; the hand-written
``corrections/country_corrections.csv`` is kept and listed in the manifest. Strict
interpretation: a changed header or a duplicate (name, country) pair stops the import.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import DataError
from .._derive import describe_corrections, raw_ref, read_csv_strict, write_csv
from ..manifest import Manifest, describe_file, write_manifest
from . import SOURCE_ID

RAW_DIR = "gem-ownership"
RAW_FILE = "gem_parent_hq_country.csv"
RAW_COLUMNS = ["parent_name", "parent_hq_country", "parent_hq_iso_a2", "n_asset_rows", "sources",
               "example_wiki_url", "name_has_several_countries"]
OUT_COLUMNS = ["parent_name", "parent_hq_country", "country_code", "n_asset_rows", "trackers", "example_wiki_url",
               "has_several_countries"]
RETRIEVED = "2026-12-04"
MANIFEST_KEYS = {"package": "gem_ownership", "table_prefix": "gemownership", "depends_on": ["naturalearth"]}
ATTRIBUTION = ("Global Energy Monitor, Global Gas Infrastructure Tracker (Dec 2023 / Jan 2024 releases) and Global "
               "Oil Infrastructure Tracker (May 2024), via the Africa Energy Tracker (July 2024) and Asia Gas Tracker "
               "(August 2024) data downloads, CC BY 4.0.")


def build(shared: Path, out_dir: Path) -> Manifest:
    """Write ``parent_hq_country.csv`` and the manifest; return the manifest."""
    src = Path(shared) / RAW_DIR / RAW_FILE
    rows = read_csv_strict(src, RAW_COLUMNS)
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        key = (r["parent_name"], r["parent_hq_iso_a2"])
        if key in seen:
            raise DataError(f"{src}: row {i} repeats the pair {key}")
        seen.add(key)
        out.append({"parent_name": r["parent_name"], "parent_hq_country": r["parent_hq_country"],
                    "country_code": r["parent_hq_iso_a2"], "n_asset_rows": r["n_asset_rows"],
                    "trackers": r["sources"], "example_wiki_url": r["example_wiki_url"],
                    "has_several_countries": r["name_has_several_countries"].strip().lower() == "true"})
    out.sort(key=lambda r: (r["parent_name"], r["country_code"]))
    write_csv(out_dir / "parent_hq_country.csv", OUT_COLUMNS, out)
    files = [describe_file(out_dir, "parent_hq_country.csv",
                           "GEM parent name, headquarters country as GEM writes it, its ISO code, the number of "
                           "asset rows giving the pair, the trackers, an example GEM.wiki page, and whether GEM "
                           "gives the name several countries.",
                           derived_from=[raw_ref(Path(shared), src)])]
    files += describe_corrections(out_dir, {
        "corrections/country_corrections.csv": "Pairs GEM got wrong: parent name, the country GEM gives, the correct country, "
                                   "a source URL and date, and the reason."})
    m = Manifest(
        id=SOURCE_ID,
        title="Global Energy Monitor: parent company -> headquarters country (GGIT/GOIT ParentHQCountry)",
        publisher="Global Energy Monitor",
        origin_url="https://github.com/GlobalEnergyMonitor/maps/tree/094c98ba5e883930b2f9f250e6538bbfcba7d124/trackers",
        licence="CC-BY-4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution=ATTRIBUTION, retrieved=RETRIEVED,
        refresh_url="https://globalenergymonitor.org/projects/global-gas-infrastructure-tracker/",
        homepage="https://globalenergymonitor.org/",
        imported_by="infrarisk datasets import gem-ownership (infrarisk.sources.gem_ownership.derive)",
        notes=("Pairs from GEM's Asian and African tracker downloads, not from European assets: a European name "
               "that only looks like an Asian parent can meet the wrong pair, so the owner register and the alias "
               "table win over these pairs in matching. No LEI, registration country or ownership chain."),
        files=files,
        **MANIFEST_KEYS,
    )
    write_manifest(out_dir, m)
    return m
