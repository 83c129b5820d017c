"""The census in the integrate and score stages: terminals found or added, stakes as links, curated rows winning."""

from __future__ import annotations

import pytest

from infrarisk import ownership, score
from infrarisk.integrate.census import base_name
from infrarisk.profiles import load_profile
from tests.builders import entity, link, load_tiny, stake
from tests.sources.census.worksheets import HOLDER, STAKE, TERMINAL, build_census

SMDG = "https://example.org/smdg"


@pytest.fixture
def built(tmp_path):
    terminals = [TERMINAL,
                 dict(TERMINAL, terminal="Beta Terminal", smdg_code="BET", latitude="49.6", longitude="0.2"),
                 dict(TERMINAL, terminal="Delta Terminal", smdg_code="DEL", latitude="", longitude=""),
                 dict(TERMINAL, terminal="Gamma Quay", smdg_code="GQ")]
    stakes = [dict(STAKE, stake_pct="75"),  # curated says 60: curated wins, the reading is a conflict
              dict(STAKE, holder="Gamma Fund", stake_pct="10"),  # not in curated: a census link on the curated terminal
              dict(STAKE, terminal="Beta Terminal", holder="COSCO Ports", stake_pct="30"),
              dict(STAKE, terminal="Delta Terminal", holder="Family Co", stake_pct="",
                   note="no foreign stake: the Family holds it"),
              dict(STAKE, terminal="Gamma Quay", holder="Alpha Holding", stake_pct="100",
                   note="reused curated row (S-00000000aa)")]
    holders = [HOLDER, dict(HOLDER, holder="Gamma Fund", country="GB", parent="COSCO Ports", parent_stake_pct="40"),
               dict(HOLDER, holder="Alpha Holding", parent="Somebody Else", parent_stake_pct="100")]
    build_census(tmp_path, sheets={"terminals_a": terminals, "stakes_a": stakes, "holders_a": holders})
    ents = [entity("Alpha Holding", "FR"), entity("COSCO Ports", "CN"), entity("Family Co", "FR"),
            entity("Parent Co", "FR")]
    cur = [stake("Alpha Terminal (north side)", "Alpha Holding", 60),
           stake("Other Terminal", "Parent Co", 100),
           stake("Gamma Container Quays", "Alpha Holding", 100, sid="S-00000000aa")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=cur, links=[link("Alpha Holding", "Parent Co", 100)])
    return con, log, s


def _map(con):
    return dict(con.execute("SELECT t.name, m.asset_id || ' ' || coalesce(m.match_basis, 'new') "
                            "FROM core_assets__census_map m JOIN core_census__terminals t USING (terminal_id)").fetchall())


def test_census_terminals_reuse_curated_ones_or_become_new_terminal_assets(built):
    con, _, _ = built
    assert _map(con) == {
        "Alpha Terminal (north)": "terminal:alpha-terminal-north-side name",
        "Gamma Quay": "terminal:gamma-container-quays cited stake",
        "Beta Terminal": "terminal:beta-terminal new",
        "Delta Terminal": "terminal:delta-terminal new"}
    rows = con.execute("SELECT asset_id, parent_asset_id, source_id, position_precision, latitude "
                       "FROM core_assets__assets WHERE source_id = 'census' ORDER BY asset_id").fetchall()
    assert rows == [("terminal:beta-terminal", "wpi:1", "census", "terminal", 49.6),
                    ("terminal:delta-terminal", "wpi:1", "census", "port (World Port Index point)", 49.5)]
    assert con.execute("SELECT count(*) FROM core_assets__assets WHERE name LIKE 'Alpha Terminal%'").fetchone() == (1,)


def test_census_stakes_become_links_and_curated_rows_win(built):
    con, _, _ = built
    links = con.execute("SELECT subject_id, owner_entity_id, share_min, source_id FROM core_ownership__links "
                        "WHERE source_id = 'census' ORDER BY subject_id, owner_entity_id").fetchall()
    assert ("terminal:beta-terminal", "cosco-ports", 0.3, "census") in links
    assert [r for r in links if r[0] == "terminal:alpha-terminal-north-side"][0][2] == 0.1  # Gamma Fund, added
    assert not [r for r in links if r[1] == "alpha-holding"]  # curated holds Alpha Holding's stakes
    conflicts = con.execute("SELECT asset_id, owner_entity_id, census_share, curated_readings "
                            "FROM core_ownership__stake_conflicts").fetchall()
    assert conflicts == [("terminal:alpha-terminal-north-side", "alpha-holding", 0.75, "0.6 current")]


def test_a_terminal_stated_without_foreign_stake_is_none_with_the_statement(built):
    con, _, s = built
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    band, basis, reason = con.execute("SELECT band, band_basis, band_reason FROM out_exposure__assets "
                                      "WHERE asset_id = 'terminal:delta-terminal'").fetchone()
    assert (band, basis) == ("none", "stated")
    assert "no foreign stake: the Family holds it" in reason and "https://example.org/a" in reason
    assert con.execute("SELECT band FROM out_exposure__assets WHERE asset_id = 'terminal:beta-terminal'"
                       ).fetchone() == ("high",)


def test_base_name_ignores_parentheses_accents_and_case():
    assert base_name("Eurofos (Terminal de la Méditerranée)") == base_name("EUROFOS") == "eurofos"


def test_a_european_port_outside_the_census_says_so(built):
    con, _, s = built
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    got = dict(con.execute("SELECT asset_id, band_reason FROM out_exposure__assets WHERE asset_class = 'port'"
                           ).fetchall())
    assert got["wpi:2"] == "Not in the census of the 40 largest container ports; terminals not researched."
    assert got["wpi:1"].startswith("Roll-up of 5 terminal(s)")  # 3 curated (one with census holders), 2 added


def test_census_holders_parents_are_links_unless_curated_records_the_parents(built):
    con, _, s = built
    rows = con.execute("SELECT subject_id, owner_entity_id, share_min, source_id FROM core_ownership__links "
                       "WHERE link_id LIKE 'CH-%'").fetchall()
    gamma = con.execute("SELECT entity_id, hq_country_code FROM core_ownership__entities "
                        "WHERE entity_name = 'Gamma Fund'").fetchone()
    assert gamma[1] == "GB"  # the country census/holders.csv states
    assert rows == [(gamma[0], "cosco-ports", 0.4, "census")]  # Alpha Holding's parents are curated: no census link
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    share = con.execute("SELECT share_min FROM out_exposure__asset_groups WHERE asset_id = "
                        "'terminal:alpha-terminal-north-side' AND group_id = 'china'").fetchone()
    assert share[0] == pytest.approx(0.1 * 0.4)  # Gamma Fund's 10%, 40% of it COSCO's


def test_a_terminal_not_operating_is_no_asset(tmp_path):
    build_census(tmp_path, sheets={"terminals_a": [dict(TERMINAL, terminal="Closed Quay", note="exclude from banding")],
                                   "stakes_a": [dict(STAKE, terminal="Closed Quay")]})
    con, _, _ = load_tiny(tmp_path, entities=[entity("Alpha Holding", "FR")], stakes=[])
    assert con.execute("SELECT asset_id, match_basis FROM core_assets__census_map").fetchall() == [(None, "excluded")]
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE source_id = 'census'").fetchone() == (0,)


def test_coverage_counts_the_ports_unknown_with_and_without_the_census(built):
    from infrarisk.findings import census as census_facts
    con, _, s = built
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    c = census_facts.coverage(con)
    bands = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets WHERE asset_class = 'port' AND is_europe"
                             ).fetchall())
    assert c["n_ports"] == len(bands) and c["n_unknown"] == sum(b == "unknown" for b in bands.values())
    assert (c["n_new_terminals"], c["n_found_terminals"], c["n_excluded_terminals"]) == (2, 2, 0)
    # wpi:1 is banded by its curated terminals with or without the census; wpi:2 is unknown either way
    assert c["n_unknown_before"] == c["n_unknown"]


def test_a_row_a_later_worksheet_withdraws_makes_no_link_and_past_holders_need_a_link_today(tmp_path):
    """``stakes_b`` withdraws ``stakes_a``'s COSCO row as a mistake (same key, status withdrawn): it is kept
    with its source in the census tables and makes no link; an exited holder whose only current census row
    was that one is then no past holder either (its holding today made no link)."""
    beta = dict(TERMINAL, terminal="Beta Terminal", smdg_code="BET", latitude="49.6", longitude="0.2")
    build_census(tmp_path, sheets={
        "terminals_a": [TERMINAL, beta],
        "stakes_a": [dict(STAKE, terminal="Beta Terminal", holder="COSCO Ports", stake_pct="30"),
                     dict(STAKE, holder="COSCO Ports", stake_pct="20", status="exited")],
        "stakes_b": [dict(STAKE, terminal="Beta Terminal", holder="COSCO Ports", stake_pct="30", status="withdrawn",
                          note="not a stake in Beta Terminal: the 30% is in its parent")]})
    # COSCO Ports is no curated entity here (a curated entity stays in scope as a past holder anyway)
    con, log, _ = load_tiny(tmp_path, entities=[entity("Alpha Holding", "FR")], stakes=[])
    assert not [p for p in log.errors if p.file.startswith("census")], [str(p) for p in log.errors]
    assert con.execute("SELECT status FROM core_census__stakes WHERE holder = 'COSCO Ports' "
                       "AND terminal = 'Beta Terminal'").fetchall() == [("withdrawn",)]
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE source_id = 'census' "
                       "AND owner_entity_id LIKE '%cosco%'").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM core_census__stakes WHERE holder = 'COSCO Ports'").fetchone() == (2,)
