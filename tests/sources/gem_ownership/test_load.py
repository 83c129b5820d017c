"""GEM's parent -> HQ-country pairs: loaded with the sourced corrections applied; bad rows named and counted."""

from __future__ import annotations

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources.gem_ownership.load import load
from tests.builders import stub_geo
from tests.integrate.owner_builders import CORRECTIONS, PAIRS, write_gem_ownership


def _load(tmp_path, pairs=PAIRS, corrections=CORRECTIONS):
    write_gem_ownership(tmp_path / "gem-ownership", pairs=pairs, corrections=corrections)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    con.execute("INSERT INTO core_geo__countries VALUES ('CY', 'Cyprus', true), ('FI', 'Finland', true)")
    load(con, Settings.load(environ={}, datasets_dir=tmp_path), log)
    return con, log


def test_a_correction_replaces_gems_country_and_keeps_what_changed(tmp_path):
    con, log = _load(tmp_path)
    row = con.execute("SELECT country_code, gem_country_code, corrected_from_code, correction_source_url "
                      "FROM core_gemownership__parent_hq WHERE parent_name = 'Gamma GmbH'").fetchone()
    assert row == ("DE", "US", "US", "https://example.org/gamma")
    two = con.execute("SELECT list(country_code ORDER BY country_code) FROM core_gemownership__parent_hq "
                      "WHERE parent_name = 'Alpha Power'").fetchone()[0]
    assert two == ["CY", "FI"]  # a name with two countries: both kept
    assert not log.problems


def test_bad_country_and_unused_correction_are_errors(tmp_path):
    pairs = [*PAIRS, ("Bad Co", "Nowhere", "QQ", 1, "asia:LNG Terminals", "https://www.gem.wiki/Bad", "false")]
    fixes = [*CORRECTIONS, dict(CORRECTIONS[0], parent_name="Nobody Here")]
    con, log = _load(tmp_path, pairs=pairs, corrections=fixes)
    got = {(p.file, p.row, p.check) for p in log.problems}
    assert ("gem-ownership/parent_hq_country.csv", 5, "country_code") in got
    assert ("gem-ownership/corrections/country_corrections.csv", 2, "unknown_entity") in got
    st = log.stats["gem-ownership/parent_hq_country.csv"]
    assert (st.rows_in, st.rows_loaded) == (5, 4)
