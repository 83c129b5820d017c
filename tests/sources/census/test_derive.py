"""Census derive: every worksheet in sorted order, later rows replacing earlier ones with the same key."""

from __future__ import annotations

import pytest

from infrarisk.errors import DataError
from infrarisk.sources import verify
from tests.sources.census.worksheets import PORT, STAKE, TERMINAL, build_census, read


def test_a_later_worksheet_row_supersedes_the_earlier_one_with_the_same_key(tmp_path):
    newer = dict(STAKE, stake_pct="75", source_date="2025-06-01")
    other = dict(STAKE, holder="Beta Fund", stake_pct="25")
    build_census(tmp_path, sheets={"stakes_a": [STAKE], "stakes_b": [newer, other]})
    rows = read(tmp_path, "stakes")
    assert [(r["holder"], r["stake_pct"], r["worksheet"], r["supersedes"]) for r in rows] == [
        ("Alpha Holding", "75", "research/issue12/census/stakes_b.csv", "research/issue12/census/stakes_a.csv row 1"),
        ("Beta Fund", "25", "research/issue12/census/stakes_b.csv", "")]
    assert rows[0]["stake_id"].startswith("CS-") and rows[0]["stake_id"] != rows[1]["stake_id"]


def test_files_are_read_in_sorted_order_and_repeats_within_a_file_are_kept(tmp_path):
    ports_c = [dict(PORT, teu="3000")]
    build_census(tmp_path, sheets={"ports_b": [dict(PORT, teu="2000")], "ports_c": ports_c,
                                   "terminals_a": [TERMINAL, TERMINAL]})
    assert [r["teu"] for r in read(tmp_path, "ports")] == ["3000"]
    assert len(read(tmp_path, "terminals")) == 2  # the loader reports the duplicate


def test_manifest_lists_every_file_with_its_worksheets_and_verifies(tmp_path):
    m = build_census(tmp_path)
    assert sorted(f.path for f in m.files) == ["holders.csv", "ports.csv", "published_investments.csv",
                                               "stakes.csv", "terminals.csv"]
    assert m.licence == "CC-BY-4.0" and m.package == "census" and m.depends_on == ["naturalearth"]
    assert m.file("stakes.csv").derived_from[0]["path"] == "research/issue12/census/stakes_a.csv"
    verify(tmp_path / "datasets" / "census")


def test_a_changed_header_stops_the_import(tmp_path):
    build_census(tmp_path)
    sheet = tmp_path / "research/issue12/census/stakes_b.csv"
    sheet.write_text("terminal,holder\nA,B\n")
    with pytest.raises(DataError, match="header"):
        build_census(tmp_path, sheets={})


def test_a_later_terminal_or_port_row_noted_withdrawn_leaves_both_rows_out(tmp_path):
    other = dict(TERMINAL, terminal="Beta Terminal", smdg_code="BET")
    gone = dict(TERMINAL, smdg_code="", source_url="", note="withdrawn: not a terminal (a catch-all row)")
    port_b = dict(PORT, unlocode="FRQQQ", port="Otherville")
    build_census(tmp_path, sheets={"terminals_a": [TERMINAL, other], "terminals_b": [gone],
                                   "ports_a": [PORT, port_b], "ports_b": [dict(port_b, note="Withdrawn: no figure")]})
    assert [r["terminal"] for r in read(tmp_path, "terminals")] == ["Beta Terminal"]
    assert [r["unlocode"] for r in read(tmp_path, "ports")] == ["FRPVL"]


def test_a_withdrawing_row_that_replaces_no_earlier_row_stops_the_import(tmp_path):
    typo = dict(TERMINAL, terminal="Alpha Terminal (nort)", note="withdrawn: not a terminal")
    with pytest.raises(DataError, match="withdraws no earlier row"):
        build_census(tmp_path, sheets={"terminals_b": [typo]})


def test_a_stake_row_noted_withdrawn_is_kept_its_status_says_so(tmp_path):
    build_census(tmp_path, sheets={"stakes_b": [dict(STAKE, status="withdrawn", note="withdrawn: not a stake")]})
    assert [r["status"] for r in read(tmp_path, "stakes")] == ["withdrawn"]
