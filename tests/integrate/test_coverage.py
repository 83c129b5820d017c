"""The coverage figures of ``infrarisk match-report``: owner mentions with a known controlling country."""

from __future__ import annotations

import json

from click.testing import CliRunner

from infrarisk.cli import main
from infrarisk.integrate.coverage import run_in_memory
from infrarisk.settings import Settings
from tests.integrate.owner_builders import write_register_datasets


def test_coverage_counts_every_mention_and_resolves_chains(tmp_path):
    ds = write_register_datasets(tmp_path / "datasets")
    result, _, cov = run_in_memory(Settings.load(environ={}, datasets_dir=ds))
    n_mentions = sum(len(n.mentions) for n in result.names)
    assert cov["mentions"] == n_mentions  # no curated telecom stakes here
    n_placeholders = sum(len(n.mentions) for n in result.names if n.method == "placeholder")
    assert cov["placeholders"] == n_placeholders > 0
    assert cov["pct_all"] == round(100 * cov["with_country"] / cov["mentions"], 1)
    assert cov["pct_holders"] == round(100 * cov["with_country"] / (cov["mentions"] - n_placeholders), 1)
    assert sum(t["mentions"] for t in cov["by_dataset"].values()) == cov["mentions"]
    assert sum(t["with_country"] for t in cov["by_method"].values()) == cov["with_country"]
    # Beta Energie AG -> Beta Holding (50-75%, control) -> Russia: the register's chain resolves it
    assert cov["by_method"]["register"]["with_country"] == cov["by_method"]["register"]["mentions"]
    assert cov["by_method"]["gem_hq"]["with_country"] >= 1
    # the unresolved names left, largest first, never a placeholder
    left = cov["largest_unresolved"]
    assert left and all(u["entity_id"] for u in left)
    assert [u["mentions"] for u in left] == sorted((u["mentions"] for u in left), reverse=True)
    assert {"Telstra", "PCCW"} <= {u["name"] for u in left}  # cable owners nothing resolves


def test_match_report_prints_the_coverage_and_its_denominator(tmp_path):
    ds = write_register_datasets(tmp_path / "datasets")
    r = CliRunner().invoke(main, ["-q", "match-report", "--datasets-dir", str(ds)])
    assert r.exit_code == 0, r.output
    assert "owner mentions with a known controlling country" in r.output
    assert "placeholders" in r.output and "denominator:" in r.output
    assert "register" in r.output and "gem_hq" in r.output
    j = CliRunner().invoke(main, ["-q", "match-report", "--json", "--datasets-dir", str(ds)])
    cov = json.loads(j.output)["coverage"]
    assert 0 < cov["pct_all"] <= cov["pct_holders"] <= 100


def test_mentions_of_other_sources_are_outside_the_denominator():
    """The figure counts the gas, cable and curated telecom owner mentions only: a census holder's
    mention (matched like the others) neither counts nor breaks the tallies."""
    import duckdb

    from infrarisk.integrate.coverage import coverage
    con = duckdb.connect()
    con.execute("CREATE TABLE core_match__mentions AS SELECT * FROM (VALUES "
                "('gem-europe-gas', 'Alpha', 'alpha', 'rule'), ('census', 'Beta', 'beta', 'register'), "
                "('submarine-cables', 'Other', NULL, 'placeholder')) t(source_id, name, entity_id, method)")
    con.execute("CREATE TABLE core_curated__telecom_stakes (owner_entity_id VARCHAR)")
    con.execute("CREATE TABLE core_ownership__entities AS SELECT * FROM (VALUES ('alpha', 'curated'), "
                "('beta', 'owners')) t(entity_id, source_id)")
    con.execute("CREATE TABLE out_ownership__entity_control AS SELECT * FROM (VALUES ('alpha', 'FR'), "
                "('beta', 'DE')) t(entity_id, controlling_country_code)")
    cov = coverage(con)
    assert (cov["mentions"], cov["with_country"], cov["placeholders"]) == (2, 1, 1)
    assert sorted(cov["by_dataset"]) == ["cable", "gas"]
