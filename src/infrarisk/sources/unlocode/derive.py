"""Derive ``datasets/unlocode/`` from the raw UN/LOCODE snapshot.

Contract
--------
Inputs (``<shared>/unlocode/``): ``unlocode_ports_multimodal.csv`` (the geoapify
compilation, repaired), ``country-codes.csv``, ``status-indicators.csv`` and
``function-classifiers.csv`` (``datasets/un-locode``), each with a strictly checked header.

Outputs (``<out_dir>/``), byte-deterministic:

- ``locations.csv``: all 30,645 port/multimodal entries with slim, renamed columns.
  Coordinates that geoapify geocoded (OSM-derived, ODbL) are removed and flagged
  ``has_geocoded_coords_removed`` so the file is purely ODC-PDDL-1.0. ``name`` is the
  official name, except where the snapshot's name holds U+FFFD (mis-decoded accents):
  there the intact ASCII name is used and ``is_name_from_ascii`` is set.
- ``country_codes.csv``, ``status_indicators.csv``, ``function_classifiers.csv``: the
  three code tables with snake_case headers, rows unchanged.
- ``manifest.toml``, listing the files above and the hand-written ``corrections/*.csv``.

Values are passed through otherwise: checking them is the loader's job.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import DataError
from ..manifest import FileEntry, Manifest, describe_file, write_manifest
from .._derive import describe_corrections, raw_ref, read_csv_strict, write_csv
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "unlocode",
    "table_prefix": "unlocode",
    "depends_on": [],
    "refresh": {
        "remotes": {
            "unlocode": {
                "kind": "unlocode",
                "folder": "unlocode",
                "title": "UN/LOCODE code list (datasets/un-locode)",
                "update": True,
                "note": "The official code list and its three code tables; the crawl writes unlocode_ports_multimodal.csv (ports and multimodal entries, decimal coordinates) for the derive step. ODC-PDDL-1.0.",
                "files": [
                    {
                        "name": "code-list.csv",
                        "url_key": "unlocode",
                        "url": "https://raw.githubusercontent.com/datasets/un-locode/main/data/code-list.csv"
                    },
                    {
                        "name": "country-codes.csv",
                        "url_key": "unlocode_country_codes",
                        "url": "https://raw.githubusercontent.com/datasets/un-locode/main/data/country-codes.csv"
                    },
                    {
                        "name": "function-classifiers.csv",
                        "url_key": "unlocode_function_classifiers",
                        "url": "https://raw.githubusercontent.com/datasets/un-locode/main/data/function-classifiers.csv"
                    },
                    {
                        "name": "status-indicators.csv",
                        "url_key": "unlocode_status_indicators",
                        "url": "https://raw.githubusercontent.com/datasets/un-locode/main/data/status-indicators.csv"
                    }
                ]
            }
        }
    }
}
RAW_DIR = "unlocode"

#: raw column -> output column; every raw column is listed (strict mapping).
LOCATION_COLUMNS = {
    "unlocode": "unlocode",
    "country": "country_code",
    "location": "location_code",
    "name": "name",
    "name_wo_diacritics": "name_wo_diacritics",
    "subdivision": "subdivision_code",
    "status": "status_code",
    "function": "function_code",
    "iata": "iata_code",
    "latitude": "latitude",
    "longitude": "longitude",
    "is_port": "is_port",
    "is_rail": "is_rail",
    "is_road": "is_road",
    "is_airport": "is_airport",
    "is_multimodal": "is_multimodal",
    "coords_geocoded_by_geoapify": "has_geocoded_coords_removed",
    "row_repaired": "is_row_repaired",
    # Recomputed from the text itself (U+FFFD in ``name``) rather than trusted.
    "name_has_replacement_char": "is_name_from_ascii",
}
OUT_COLUMNS = list(LOCATION_COLUMNS.values())
_BOOL_COLUMNS = ["is_port", "is_rail", "is_road", "is_airport", "is_multimodal", "row_repaired"]

#: raw code table -> (output file, {raw column: output column}, description)
CODE_TABLES = {
    "country-codes.csv": (
        "country_codes.csv",
        {"CountryCode": "country_code", "CountryName": "country_name"},
        "UN/LOCODE country code list (ISO 3166-1 alpha-2 plus XZ, international waters).",
    ),
    "status-indicators.csv": (
        "status_indicators.csv",
        {"STStatus": "status_code", "STDescription": "description"},
        "What each UN/LOCODE status code means.",
    ),
    "function-classifiers.csv": (
        "function_classifiers.csv",
        {"FunctionCode": "function_code", "FunctionDescription": "description"},
        "What each character of the 8-character UN/LOCODE function string means.",
    ),
}

#: hand-written files kept in the folder, with what they hold
CORRECTIONS = {
    "corrections/country_codes.csv": "Country codes added to the UN/LOCODE list, with a reason for each.",
}

ORIGIN_URL = "https://github.com/geoapify/un-locode/tree/2d18b0928396713dfa30b096cbeabcda36de9ae3/src/data"
REFRESH_URL = "https://raw.githubusercontent.com/datasets/un-locode/main/data/code-list.csv"
CODE_TABLES_URL = "https://github.com/datasets/un-locode/tree/b1309b37edea63334a819a78c22b8967f61c37ad/data"

NOTES = """\
Edition: the UN/LOCODE list as of October 2024 (most likely 2024-1), via geoapify/un-locode \
(last data change fe175edadd3571b4cb842b279b354130a03fd4f0, 2024-10-28); the three code tables \
come from datasets/un-locode at b1309b37edea63334a819a78c22b8967f61c37ad. \
Subset: entries whose function marks a sea port (1) or a multimodal facility (6); function 6 also \
covers airports and inland ICDs. \
Licence care: geoapify (MIT, (c) 2024 Geoapify) filled blank coordinates with its geocoder, which is \
built on OpenStreetMap (ODbL). Those 5,809 coordinates are removed here (has_geocoded_coords_removed) \
so every value shipped is UNECE's and the files are ODC-PDDL-1.0. \
Repairs inherited from the snapshot: 751 rows whose comma-containing names broke the geoapify CSV were \
re-parsed (is_row_repaired; their status is empty, and 14 of them carry a broken half-coordinate that \
the loader reports and drops). 2,663 names held U+FFFD for accented letters; the intact ASCII name is \
used there (is_name_from_ascii). \
Quirks: UN/LOCODE lists some locations twice under one code (bilingual name variants, e.g. FIHEL \
Helsinki/Helsingfors; 77 codes here); the loader keeps every row and flags the later ones \
(is_duplicate_unlocode). IT940 breaks the code syntax ([A-Z2-9] location part) and is rejected by the loader. \
Country codes: XK (Kosovo) is added in corrections/country_codes.csv because Natural Earth uses it. \
Refresh: refresh_url is the full 2025-1 code list (coordinates in DDMMN DDDMME form); \
see ../shared/data/unlocode/SOURCE.md."""


def build(shared: Path, out_dir: Path) -> Manifest:
    """Write the derived UN/LOCODE files and manifest into ``out_dir``.

    Parameters
    ----------
    shared : Path
        Root of the raw snapshots (holding ``unlocode/``).
    out_dir : Path
        ``datasets/unlocode``; hand-written ``corrections/`` in it are kept.

    Returns
    -------
    Manifest
        The manifest written to ``out_dir/manifest.toml``.

    Raises
    ------
    DataError
        When a raw header differs from the expected one or a flag is not True/False.
    """
    raw = Path(shared) / RAW_DIR
    out_dir = Path(out_dir)
    files: list[FileEntry] = []

    src = raw / "unlocode_ports_multimodal.csv"
    rows = [_location(r, src, i) for i, r in enumerate(read_csv_strict(src, list(LOCATION_COLUMNS)), 1)]
    write_csv(out_dir / "locations.csv", OUT_COLUMNS, rows)
    files.append(describe_file(
        out_dir, "locations.csv",
        "UN/LOCODE entries with function port (1) or multimodal (6), worldwide; "
        "geocoded (OSM-derived) coordinates removed.",
        derived_from=[raw_ref(shared, src)],
    ))

    for raw_name, (out_name, columns, description) in CODE_TABLES.items():
        src = raw / raw_name
        table = read_csv_strict(src, list(columns))
        write_csv(out_dir / out_name, list(columns.values()),
                  [{columns[k]: v for k, v in r.items()} for r in table])
        files.append(describe_file(out_dir, out_name, description, derived_from=[raw_ref(shared, src)]))

    files.extend(describe_corrections(out_dir, CORRECTIONS))
    manifest = Manifest(
        id=SOURCE_ID,
        title="UN/LOCODE port and multimodal locations, with code tables",
        publisher="United Nations Economic Commission for Europe (UNECE)",
        origin_url=ORIGIN_URL,
        licence="ODC-PDDL-1.0",
        licence_url="https://opendatacommons.org/licenses/pddl/1-0/",
        attribution="UN/LOCODE, United Nations Economic Commission for Europe (UNECE)",
        retrieved="2026-11-25",
        refresh_url=REFRESH_URL,
        homepage="https://unece.org/trade/cefact/UNLOCODE-Download",
        imported_by=__name__,
        **MANIFEST_KEYS,
        notes=NOTES + f" Code tables from {CODE_TABLES_URL}.",
        files=files,
    )
    write_manifest(out_dir, manifest)
    return manifest


def _location(r: dict[str, str], src: Path, row: int) -> dict:
    """One output row; flags become booleans, geocoded coordinates are dropped."""
    flags = {}
    for col in _BOOL_COLUMNS + ["coords_geocoded_by_geoapify"]:
        if r[col] not in ("True", "False"):
            raise DataError(f"{src}: row {row}: {col} is {r[col]!r}, expected True or False")
        flags[col] = r[col] == "True"
    geocoded = flags.pop("coords_geocoded_by_geoapify")
    has_coords = bool(r["latitude"].strip() or r["longitude"].strip())
    # U+FFFD marks accents lost to a wrong decoding upstream; the ASCII name is intact.
    broken_name = "\ufffd" in r["name"]
    out = {LOCATION_COLUMNS[k]: v for k, v in r.items()}
    out.update({LOCATION_COLUMNS[k]: v for k, v in flags.items()})
    out["name"] = r["name_wo_diacritics"] if broken_name else r["name"]
    out["is_name_from_ascii"] = broken_name
    # ODbL must not reach the site: drop geocoded positions, keep the fact they existed.
    out["has_geocoded_coords_removed"] = geocoded and has_coords
    if geocoded:
        out["latitude"] = out["longitude"] = ""
    return out
