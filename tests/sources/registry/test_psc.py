"""UK PSC snapshot: the sample, share bands and their exclusive bounds, control, chains through
corporate PSCs, statements, bad input, a larger generated file."""

import pytest

from infrarisk.sources import registry
from infrarisk.db import connect
from infrarisk.sources.registry import psc

from .helpers import FORMATS, psc_line, write_jsonl

SAMPLE = FORMATS / "companies_house_psc" / "psc_snapshot_sample.jsonl"
IND = "individual-person-with-significant-control"
CORP = "corporate-entity-person-with-significant-control"


def rows(con, sql):
    return con.execute(sql).fetchall()


@pytest.mark.skipif(not SAMPLE.is_file(), reason="format samples not available")
def test_snapshot_sample():
    con = connect(None)
    rep = registry.ingest(con, "psc", [SAMPLE])
    links = {r[0]: r[1:] for r in rows(con, "SELECT subject_id, share_min, share_max, is_min_exclusive, "
                                            "is_max_exclusive, is_control_kind, status, end_date FROM core_psc__links")}
    # Alphabet: 75-100% of shares and votes, appoints the board: control, current
    assert links["gb-coh:03977902"][:6] == (0.75, 1.0, False, False, True, "current")
    # the individual: more than 50% and less than 75%, ceased in 2018
    assert links["gb-coh:09145694"][:5] == (0.5, 0.75, True, True, True)
    assert links["gb-coh:09145694"][5] == "historical" and str(links["gb-coh:09145694"][6]) == "2018-05-14"
    # the totals trailer is read as a check, not as a record
    assert ("warning", "row_count") in rep.problems


def test_bands_and_control():
    table = {r[0]: r[1:] for r in psc.nature_table()}
    assert table["ownership-of-shares-25-to-50-percent"] == ("economic", 0.25, 0.5, True, False, False)
    assert table["voting-rights-50-to-75-percent-as-trust"][-1] is True
    assert table["right-to-appoint-and-remove-directors-as-firm"][-1] is True
    assert table["significant-influence-or-control"][-1] is False


def test_chain_through_uk_corporate_psc_and_statements(tmp_path):
    lines = [
        psc_line("00000001", "p1", CORP, ["ownership-of-shares-75-to-100-percent"], name="Mid Holdings Ltd",
                 identification={"country_registered": "England", "registration_number": "2",
                                  "legal_authority": "Companies Act 2006"}),
        psc_line("00000002", "p2", CORP, ["ownership-of-shares-25-to-50-percent"], name="Top Corp",
                 identification={"country_registered": "Delaware", "registration_number": "99"}),
        {"company_number": "00000003", "data": {"kind": "persons-with-significant-control-statement",
                                                "statement": "no-individual-or-entity-with-signficant-control",
                                                "notified_on": "2017-01-01"}},
    ]
    con = connect(None)
    registry.ingest(con, "psc", [write_jsonl(tmp_path / "psc.jsonl", lines)])
    got = rows(con, "SELECT owner_entity_id, subject_id, share_min FROM core_psc__links ORDER BY subject_id")
    # company 1's corporate PSC is UK company 00000002, which has its own PSC: the chain goes on
    assert got[0] == ("gb-coh:00000002", "gb-coh:00000001", 0.75)
    assert got[1][0].startswith("psc:00000002/") and got[1][2] == 0.25
    assert rows(con, "SELECT subject_id, reason_code FROM core_registry__unknown_owners") == [
        ("gb-coh:00000003", "no-individual-or-entity-with-signficant-control")]


def test_bad_input_counted(tmp_path):
    lines = [
        psc_line("00000001", "p1", IND, ["ownership-of-shares-25-to-50-percent", "made-up-nature"]),
        psc_line("00000001", "p1", IND, ["ownership-of-shares-25-to-50-percent"]),  # the same PSC twice
        psc_line("00000002", "p2", IND, ["ownership-of-shares-50-to-75-percent"], ceased_on="2010-01-01"),
        {"company_number": "00000003", "data": {"kind": "mystery-kind"}},
        {"data": {"kind": IND, "name": "no company"}},
    ]
    con = connect(None)
    rep = registry.ingest(con, "psc", [write_jsonl(tmp_path / "bad.jsonl", lines)])
    checks = {k[1] for k in rep.problems}
    assert {"unknown_code", "duplicate_id", "date_order", "required"} <= checks
    assert rows(con, "SELECT row FROM core_psc__problems WHERE check_name = 'duplicate_id'") == [(2,)]
    assert rows(con, "SELECT status, end_date FROM core_psc__links WHERE subject_id = 'gb-coh:00000002'") == [
        ("current", None)]


def test_larger_generated_file(tmp_path):
    n = 4000
    natures = ["ownership-of-shares-25-to-50-percent", "ownership-of-shares-50-to-75-percent",
               "ownership-of-shares-75-to-100-percent", "voting-rights-25-to-50-percent"]
    lines = [psc_line(f"{i:08d}", f"p{i}", CORP, [natures[i % 4]], name=f"Parent {i}",
                      identification={"country_registered": "England", "registration_number": str(i // 4)})
             for i in range(4, n)]
    con = connect(None)
    rep = registry.ingest(con, "psc", [write_jsonl(tmp_path / "big.jsonl", lines)])
    assert rep.rows["core_psc__links"] == n - 4 and not rep.problems
    assert rows(con, "SELECT count(*) FROM core_registry__links WHERE dangling_reason IS NOT NULL")[0][0] == 0
