"""End to end on the shipped datasets: build, ingest GLEIF over it (chains reach further),
export BODS 0.4 (valid by libcovebods, offline), CSV and Parquet; help of the new verbs."""

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from infrarisk.cli import main
from tests.sources.registry.helpers import LEI_HEADER, RR_HEADER, lei, lei_row, rr_row, write_csv

REPO = Path(__file__).resolve().parents[1]


def cove_bods(path: Path, monkeypatch) -> tuple[list, list]:
    """libcovebods on a file, offline: (JSON-schema errors, additional-check findings).

    Its additional checks download the org-id.guide list of identifier schemes; the tests
    give it the schemes the export uses instead (no internet in tests).
    """
    import libcove2.common
    import libcovebods.config
    import libcovebods.data_reader
    import libcovebods.jsonschemavalidate
    import libcovebods.run_tasks
    import libcovebods.schema
    import libcovebods.tasks.checks.legacy_checks as legacy
    import libcovebods.tasks.checks.record_based_checks as record

    for mod in (libcove2.common, legacy, record):
        monkeypatch.setattr(mod, "get_orgids_prefixes", lambda *a, **k: ["XI-LEI", "GB-COH"])
    reader = libcovebods.data_reader.DataReader(str(path))
    config = libcovebods.config.LibCoveBODSConfig()
    schema = libcovebods.schema.SchemaBODS(reader, config)
    assert schema.schema_version == "0.4"
    errors = [e.json() for e in libcovebods.jsonschemavalidate.JSONSchemaValidator(schema).validate(reader)]
    checks = libcovebods.run_tasks.process_additional_checks(reader, config, schema,
                                                             libcovebods.run_tasks.TASK_CLASSES)
    return errors, checks["additional_checks"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry-cli")
    db = tmp / "db.duckdb"
    r = CliRunner().invoke(main, ["build", "--no-site", "--db", str(db)])
    assert r.exit_code == 0, r.output
    return tmp, db


def test_ingest_makes_chains_reach_further_and_exports_validate(built, monkeypatch):
    tmp, db = built
    con = duckdb.connect(str(db), read_only=True)
    # a curated holder of an asset with an LEI and no recorded controller
    holder, holder_lei = con.execute("""
        SELECT e.entity_id, e.lei FROM core_ownership__entities e
        JOIN out_ownership__entities o USING (entity_id)
        WHERE e.lei IS NOT NULL AND o.controller_entity_id IS NULL AND NOT o.is_state
          AND e.entity_id IN (SELECT owner_entity_id FROM core_ownership__links WHERE subject_kind = 'asset'
                              AND is_current)
        ORDER BY e.entity_id LIMIT 1""").fetchone()
    con.close()
    parent = lei(424242)
    lf = write_csv(tmp / "lei.csv", LEI_HEADER, [lei_row(holder_lei, "HOLDER AS IN GLEIF", "DE"),
                                                 lei_row(parent, "NEW PARENT SE", "LU")])
    rf = write_csv(tmp / "rr.csv", RR_HEADER, [rr_row(holder_lei, parent)])
    r = CliRunner().invoke(main, ["ingest", "gleif-lei", str(lf), "--db", str(db), "--no-build"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["ingest", "gleif-rr", str(rf), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "core_gleif__links: 1 rows" in r.output and "rebuilt" in r.output
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT controller_entity_id, controlling_country_code FROM out_ownership__entities "
                       "WHERE entity_id = ?", [holder]).fetchone() == (f"lei:{parent}", "LU")
    # the curated entity was matched by LEI, not duplicated
    assert con.execute("SELECT count(*) FROM core_ownership__entities WHERE lei = ?", [holder_lei]).fetchone()[0] == 1
    # no table of all paths is materialised: the only paths stored are the evidence of the assets' bands
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    assert [t for t in tables if "path" in t] == ["out_exposure__evidence_paths"]
    assert con.execute("SELECT count(*) FROM out_exposure__evidence_paths WHERE asset_id NOT IN "
                       "(SELECT asset_id FROM out_ownership__asset_controllers)").fetchone()[0] == 0
    con.close()
    # the parent itself declares no parent: an explicit unknown owner with its reason
    xf = write_csv(tmp / "repex.csv", ["LEI", "Exception.Category", "Exception.Reason.1"], [
        {"LEI": parent, "Exception.Category": "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT",
         "Exception.Reason.1": "NATURAL_PERSONS"}])
    r = CliRunner().invoke(main, ["ingest", "gleif-repex", str(xf), "--db", str(db), "--no-build"])
    assert r.exit_code == 0, r.output
    # a rebuild (with the site) keeps what was ingested
    r = CliRunner().invoke(main, ["build", "--db", str(db), "--out", str(tmp / "site")])
    assert r.exit_code == 0, r.output
    assert (tmp / "site" / "index.html").is_file()
    # the ingested tables live in the registry file beside the database, attached read-only by a
    # build: the build's own file holds none of them, and no copy of a previous build
    con = duckdb.connect(str(tmp / "registry.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM core_gleif__links").fetchone()[0] == 1
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                       "('core_gleif__links', 'core_gleif__entities', 'raw_gleif__lei_records')").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_registry__links").fetchone()[0] == 1
    con.close()

    out = tmp / "bods.json"
    r = CliRunner().invoke(main, ["export", "bods", "--out", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    statements = json.loads(out.read_text())
    assert {s["recordType"] for s in statements} == {"entity", "person", "relationship"}
    assert any(s["recordId"] == f"entity-lei:{parent}" for s in statements)
    declared = [s for s in statements if s["recordId"].startswith(f"declared-unknown-lei:{parent}")]
    assert declared and "NATURAL_PERSONS" in declared[0]["recordDetails"]["interestedParty"]["description"]
    errors, findings = cove_bods(out, monkeypatch)
    assert errors == [] and findings == []
    # deterministic
    r = CliRunner().invoke(main, ["export", "bods", "--out", str(tmp / "bods2.json"), "--db", str(db)])
    assert (tmp / "bods2.json").read_bytes() == out.read_bytes()

    for fmt in ("csv", "parquet"):
        r = CliRunner().invoke(main, ["export", fmt, "--out", str(tmp / fmt), "--db", str(db)])
        assert r.exit_code == 0, r.output
        assert (tmp / fmt / f"out_ownership__asset_owners.{fmt}").is_file()
    parquet = tmp / "parquet" / "out_ownership__entity_control.parquet"
    n = duckdb.sql(f"SELECT count(*) FROM '{parquet}'").fetchall()[0][0]
    assert n > 100


@pytest.mark.skipif(not (REPO.parent / "shared/data/ownership/formats").is_dir(), reason="samples not available")
def test_bods_samples_round_trip_validate(tmp_path, monkeypatch):
    # the published fixtures themselves pass the same validation (the test of the validator)
    errors, findings = cove_bods(REPO.parent / "shared/data/ownership/formats/bods_v0.4/01-direct-ownership.json",
                                 monkeypatch)
    assert errors == []


def test_help_of_new_verbs_has_examples():
    for verb in ("ingest", "export"):
        r = CliRunner().invoke(main, [verb, "--help"])
        assert r.exit_code == 0 and "Example" in r.output and f"infrarisk {verb}" in r.output


def test_ingest_unknown_format_and_missing_column(tmp_path):
    r = CliRunner().invoke(main, ["ingest", "gleif-xyz", str(tmp_path)])
    assert r.exit_code == 2
    f = write_csv(tmp_path / "x.csv", ["foo"], [{"foo": "1"}])
    r = CliRunner().invoke(main, ["ingest", "gleif-lei", str(f), "--db", str(tmp_path / "x.duckdb"), "--no-build"])
    assert r.exit_code == 3 and "no column LEI" in r.output
