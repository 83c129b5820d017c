"""Census loader: typed tables, and every bad row named with file, row and reason and counted."""

from __future__ import annotations

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources.census.load import load
from tests.builders import stub_geo
from tests.sources.census.worksheets import HOLDER, PORT, PUBLISHED, STAKE, TERMINAL, build_census


def _load(tmp_path, **kw):
    build_census(tmp_path, **kw)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    load(con, Settings.load(environ={}, datasets_dir=tmp_path / "datasets"), log)
    return con, log


def _problems(log):
    return {(p.file, p.row, p.check) for p in log.problems}


def test_a_good_census_loads_typed_with_its_provenance(tmp_path):
    con, log = _load(tmp_path)
    assert not [p for p in log.problems if p.severity == "error"]
    t = con.execute("SELECT name, smdg_code, latitude, worksheet, worksheet_row FROM core_census__terminals").fetchall()
    assert t == [("Alpha Terminal (north)", "ALP", 49.5, "research/issue12/census/terminals_a.csv", 1)]
    s = con.execute("SELECT holder, share_fraction, interest_type, status, CAST(CAST(as_of_date AS DATE) AS VARCHAR) "
                    "FROM core_census__stakes").fetchall()
    assert s == [("Alpha Holding", 0.6, "shareholding", "current", "2024-05-01")]
    assert con.execute("SELECT country_code FROM core_census__holders").fetchall() == [("FR",)]
    assert con.execute("SELECT explanation FROM core_census__published").fetchall() == [("not a terminal",)]


def test_bad_values_are_rejected_with_file_row_and_reason(tmp_path):
    terminals = [TERMINAL,
                 dict(TERMINAL, terminal="Bad Locode", unlocode="F1"),
                 dict(TERMINAL, terminal="Far Away", smdg_code="FAR", latitude="95"),
                 dict(TERMINAL, terminal="Same Code")]  # SMDG code ALP again at FRPVL
    stakes = [STAKE,
              dict(STAKE, holder="Too Much", stake_pct="120"),
              dict(STAKE, holder="Nowhere", terminal="No Such Terminal")]
    ports = [PORT, dict(PORT, unlocode="QQABC", country="QQ", rank="2")]
    con, log = _load(tmp_path, sheets={"terminals_a": terminals, "stakes_a": stakes, "ports_a": ports})
    got = _problems(log)
    assert ("census/terminals.csv", 2, "unlocode") in got
    assert ("census/terminals.csv", 3, "coordinates") in got
    assert ("census/terminals.csv", 4, "duplicate_terminal") in got
    assert ("census/stakes.csv", 2, "share_range") in got
    assert ("census/stakes.csv", 3, "unknown_terminal") in got
    assert ("census/ports.csv", 2, "country_code") in got
    st = log.stats["census/terminals.csv"]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (4, 1, 3)
    assert log.stats["census/stakes.csv"].rows_rejected == 2


def test_shares_of_one_terminal_over_100_reject_its_current_equity_rows(tmp_path):
    stakes = [STAKE, dict(STAKE, holder="Beta Fund", stake_pct="50"),
              dict(STAKE, holder="Old Owner", stake_pct="0", status="exited")]
    con, log = _load(tmp_path, sheets={"stakes_a": stakes})
    assert {r for r in _problems(log) if r[2] == "shares_over_100"} == {
        ("census/stakes.csv", 1, "shares_over_100"), ("census/stakes.csv", 2, "shares_over_100")}
    assert con.execute("SELECT holder FROM core_census__stakes").fetchall() == [("Old Owner",)]


def test_a_holder_named_nowhere_resolves_to_nothing_and_a_statement_is_kept(tmp_path):
    stakes = [dict(STAKE, stake_pct="", note="no foreign stake: the family holds it")]
    holders = [HOLDER, dict(HOLDER, holder="Ghost Ltd")]
    con, log = _load(tmp_path, sheets={"stakes_a": stakes, "holders_a": holders})
    assert ("census/holders.csv", 2, "holder_unresolved") in _problems(log)
    assert ("census/holders.csv", 1, "holder_unresolved") not in _problems(log)
    row = con.execute("SELECT no_foreign_stake_statement, no_foreign_stake_source_url FROM core_census__terminals"
                      ).fetchone()
    assert row == ("Alpha Holding: no foreign stake: the family holds it", "https://example.org/a")


def test_a_published_row_needs_a_match_or_an_explanation(tmp_path):
    con, log = _load(tmp_path, published=[PUBLISHED, dict(PUBLISHED, explanation="", match_stake_id="")])
    assert ("census/published_investments.csv", 2, "required") in _problems(log)


def test_an_absent_folder_writes_the_tables_empty(tmp_path):
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    load(con, Settings.load(environ={}, datasets_dir=tmp_path), log)
    assert con.execute("SELECT count(*) FROM core_census__stakes").fetchone() == (0,)


def test_census_kinds_statuses_and_terminals_not_operating(tmp_path):
    stakes = [dict(STAKE, stake_kind="operator/owner", stake_pct=""),
              dict(STAKE, holder="Beta Fund", stake_kind="equity (in Alpha Holding)", stake_pct="49"),
              dict(STAKE, holder="Gavio", stake_kind="control", status="current (until the deal closes)")]
    terminals = [dict(TERMINAL, note="Closed in 2020. Not a current terminal; exclude from banding")]
    con, log = _load(tmp_path, sheets={"stakes_a": stakes, "terminals_a": terminals})
    got = _problems(log)
    assert ("census/stakes.csv", 2, "indirect_stake") in got
    assert {("census/stakes.csv", 1, "stake_kind_census"), ("census/stakes.csv", 3, "status_remark")} <= got
    rows = con.execute("SELECT holder, interest_type, is_control_kind, status FROM core_census__stakes "
                       "ORDER BY origin_row").fetchall()
    assert rows == [("Alpha Holding", "shareholding", False, "current"), ("Gavio", "shareholding", True, "current")]
    assert con.execute("SELECT excluded_reason IS NOT NULL FROM core_census__terminals").fetchone() == (True,)
