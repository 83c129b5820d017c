"""The vendor ("built by") dimension: assets matched, vendors resolved, bands, figures, coverage."""

from __future__ import annotations

import pytest

from infrarisk import vendors
from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.profiles import load_profile
from infrarisk.settings import Settings
from infrarisk.sources.supply.load import load
from tests.builders import stub_geo
from tests.sources.supply.builders import supply, write_supply

#: the census terminals as terminal assets (issue 12), a curated network, two cables
ASSETS = [
    ("terminal:terminal-x-rotterdam", "Terminal X", "terminal", "container_terminal", "NL", "NLRTM"),
    ("terminal:terminal-x-amsterdam", "Terminal X", "terminal", "container_terminal", "NL", "NLAMS"),
    ("terminal:quay-z", "Quay Z", "terminal", "container_terminal", "BE", "BEANR"),
    ("telecom:curated-network", "Curated Network (FR)", "telecom", "mobile_network", "FR", None),
    ("cable:peace-cable", "PEACE Cable", "cable", "cable_system", None, None),
    ("cable:other", "Other", "cable", "cable_system", None, None),
]
ROWS = [
    supply("S01", "tel-de", basis="main vendor (one of two)"),                                   # high
    supply("S02", "voda-de", share="20", basis="share of sites"),                                # elevated
    supply("S03", "blue-de", vendor="Ericsson", basis="sole radio supplier"),                    # none
    supply("S04", "blue-de", vendor="", status="not_disclosed"),                                 # superseded by S03
    supply("S05", "curated-fr", country="FR", component="ran", vendor="", status="not_disclosed"),  # unknown
    supply("S06", "Terminal X", kind="container_terminal", country="NL", component="sts_cranes", vendor="ZPMC",
           unlocode="NLRTM"),
    supply("S07", "Terminal Q", kind="container_terminal", country="NL", component="sts_cranes", vendor="ZPMC",
           unlocode="NLRTM"),                                                                    # unmatched
    supply("S08", "PEACE Cable", kind="submarine_cable", country="FR", component="cable_system_supply",
           vendor="SubCom"),
    supply("S09", "voda-de", component="mobile_core", vendor="Huawei", status="being_replaced", deadline="2026-12-31"),
    supply("S10", "Quay Z", kind="container_terminal", country="BE", component="sts_cranes", vendor="Acme Cranes Oy"),
    supply("S11", "Census Terminal C (north quay)", kind="container_terminal", country="BE", component="sts_cranes",
           vendor="ZPMC", unlocode="BEANR"),                                                     # via the census map
]
#: census terminals (issue 12) and the asset the integrate stage gave each
CENSUS = [("CT-1", "Census Terminal C (north quay)", "BEANR", "terminal:quay-z"), ("CT-2", "Closed One", "BEANR", None)]


def _census_tables(con, rows=CENSUS):
    con.execute("CREATE TABLE core_census__terminals (terminal_id VARCHAR, name VARCHAR, unlocode VARCHAR)")
    con.execute("CREATE TABLE core_assets__census_map (terminal_id VARCHAR, asset_id VARCHAR, is_new BOOLEAN, "
                "match_basis VARCHAR)")
    for tid, name, loc, asset in rows:
        con.execute("INSERT INTO core_census__terminals VALUES (?, ?, ?)", [tid, name, loc])
        if asset:
            con.execute("INSERT INTO core_assets__census_map VALUES (?, ?, false, 'smdg')", [tid, asset])


@pytest.fixture
def built(tmp_path):
    write_supply(tmp_path / "supply", ROWS)
    con, log = connect(tmp_path / "vendors.duckdb"), ProblemLog()
    stub_geo(con)
    con.execute("INSERT INTO core_geo__countries VALUES ('SE', 'Sweden', true), ('FI', 'Finland', true)")
    settings = Settings.load(environ={}, datasets_dir=tmp_path)
    load(con, settings, log)
    con.execute("CREATE TABLE core_assets__assets (asset_id VARCHAR, name VARCHAR, asset_class VARCHAR, "
                "asset_type VARCHAR, country_code VARCHAR, unlocode VARCHAR, latitude DOUBLE, longitude DOUBLE, "
                "position_precision VARCHAR, licence VARCHAR, source_id VARCHAR)")
    for a in ASSETS:
        con.execute("INSERT INTO core_assets__assets VALUES (?, ?, ?, ?, ?, ?, 50, 5, 'site', 'CC-BY-4.0', 'tests')", list(a))
    con.execute("CREATE TABLE core_assets__host_countries AS SELECT * FROM (VALUES ('cable:peace-cable', 'FR', 'landing'),"
                " ('cable:other', 'GB', 'landing')) t(asset_id, country_code, basis)")
    con.execute("CREATE TABLE core_ownership__entities AS SELECT * FROM (VALUES ('acme-oyj', 'ACME CRANES OYJ', NULL))"
                " t(entity_id, entity_name, lei_legal_name)")
    con.execute("CREATE TABLE out_ownership__entities AS SELECT * FROM (VALUES ('acme-oyj', 'SE', 'controller'))"
                " t(entity_id, controlling_country_code, controlling_country_basis)")
    _census_tables(con)
    before = con.execute("SELECT * FROM out_ownership__entities").fetchall()
    vendors.run(con, load_profile("default"), settings, log)
    assert con.execute("SELECT * FROM out_ownership__entities").fetchall() == before
    return con, log


def _band(con, asset_id):
    return con.execute("SELECT band, band_reason FROM out_vendor__assets WHERE asset_id = ?", [asset_id]).fetchone()


def test_rows_attach_to_networks_terminals_and_cables(built):
    con, log = built
    got = dict(con.execute("SELECT supply_id, asset_id FROM core_vendor__supply").fetchall())
    assert got["S01"] == "mobile:tel-de" and got["S05"] == "telecom:curated-network"   # the curated network, reused
    assert got["S06"] == "terminal:terminal-x-rotterdam"                               # name + UN/LOCODE
    assert got["S08"] == "cable:peace-cable" and got["S07"] is None
    assert got["S11"] == "terminal:quay-z"                                              # census terminal -> its asset
    how = dict(con.execute("SELECT supply_id, matched_by FROM core_vendor__supply").fetchall())
    assert how["S11"] == "census terminal (name and UN/LOCODE)" and how["S06"] == "terminal name and UN/LOCODE"
    assert con.execute("SELECT count(*) FROM core_vendor__networks WHERE asset_id = 'mobile:curated-fr'").fetchone()[0] == 0
    unmatched = [(p.file, p.row, p.check, p.severity) for p in log.problems if p.check == "asset_unmatched"]
    assert unmatched == [("supply/supply.csv", 7, "asset_unmatched", "warning")]


def test_bands_follow_the_profile_and_shares(built):
    con, _ = built
    band, reason = _band(con, "mobile:tel-de")
    assert band == "high" and "Huawei (named high-risk by European Commission, 2023-06-15" in reason
    assert "https://example.org/page, 2024-05-01" in reason
    assert _band(con, "mobile:voda-de")[0] == "elevated"        # 20% share; core being replaced by a deadline
    assert _band(con, "mobile:blue-de")[0] == "none"            # Ericsson; the not-disclosed row is superseded
    assert _band(con, "telecom:curated-network")[0] == "unknown"
    zpmc = con.execute("SELECT band, vendor_country_codes FROM out_vendor__assets "
                       "WHERE asset_id = 'terminal:terminal-x-rotterdam'").fetchone()
    assert zpmc == ("none", ["CN"])                             # not named by the profile: context only
    assert set(vendors.SEVERITY) == {"high", "elevated", "low", "unknown", "none"}


def test_vendors_resolve_to_entities_like_owners(built):
    con, _ = built
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT vendor_id, entity_id, controlling_country_code, is_high_risk FROM core_vendor__entities").fetchall()}
    assert got["acme"] == ("acme-oyj", "SE", False)             # the entity's controlling country, not the seat FI
    assert got["huawei"] == (None, "CN", True)                  # seat as vendors.csv states it
    assert _band(con, "terminal:quay-z")[0] == "none"


def test_country_figures_and_coverage(built):
    con, _ = built
    f = con.execute("SELECT published_pct, computed_pct, n_operators_disclosed, n_operators_cn, operators_cn "
                    "FROM out_vendor__country_figures WHERE figure_id = 'F1'").fetchone()
    assert f == (59.0, pytest.approx(66.7), 3, 2, ["tel-de", "voda-de"])
    cov = {r["metric_order"]: (r["numerator"], r["denominator"]) for _, r in vendors.coverage(con).iterrows()}
    assert cov[1] == (4, 4) and cov[2] == (3, 4) and cov[3] == (2, 4)
    assert cov[4] == (2, 3)                                     # terminals with a crane row
    assert cov[5] == (3, 4)                                     # crane rows attached
    assert cov[6] == (1, 2)                                     # European cables with a supplier row
    lines = vendors.report_lines(vendors.report(con))
    assert lines[0] == "coverage" and any("F1 DE" in x and "published 59%" in x for x in lines)


def test_vendor_report_cli(built, tmp_path):
    import json

    from click.testing import CliRunner

    from infrarisk.cli import main
    con, _ = built
    con.close()
    db = str(tmp_path / "vendors.duckdb")
    res = CliRunner().invoke(main, ["vendor-report", "--json", "--db", db])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    first = rep["coverage"][0]
    assert (first["numerator"], first["denominator"], first["pct"]) == (4, 4, 100.0)
    assert {"asset_kind": "mobile_network", "band": "high", "n": 1} in rep["assets_by_band"]
    text = CliRunner().invoke(main, ["vendor-report", "--db", db]).output
    assert "operators with a sourced radio-network vendor row or a sourced not-disclosed row: 4 of 4 (100.0%)" in text


def test_a_build_without_the_supply_source_writes_empty_tables(tmp_path):
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    settings = Settings.load(environ={}, datasets_dir=tmp_path)
    load(con, settings, log)
    con.execute("CREATE TABLE core_assets__assets (asset_id VARCHAR, name VARCHAR, asset_class VARCHAR, "
                "asset_type VARCHAR, country_code VARCHAR, unlocode VARCHAR, latitude DOUBLE, longitude DOUBLE, "
                "position_precision VARCHAR, licence VARCHAR, source_id VARCHAR)")
    con.execute("CREATE TABLE core_assets__host_countries (asset_id VARCHAR, country_code VARCHAR, basis VARCHAR)")
    _census_tables(con, [])
    con.execute("CREATE TABLE core_ownership__entities (entity_id VARCHAR, entity_name VARCHAR, lei_legal_name VARCHAR)")
    con.execute("CREATE TABLE out_ownership__entities (entity_id VARCHAR, controlling_country_code VARCHAR, "
                "controlling_country_basis VARCHAR)")
    vendors.run(con, load_profile("default"), settings, log)
    for t in vendors.OUT_TABLES[:3]:
        assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
    assert con.execute("SELECT numerator FROM out_vendor__coverage WHERE metric_order = 1").fetchone()[0] == 0
