"""BODS 0.4: the three published fixtures (their .expected.md), JSON Lines, record status,
indirect interests, state bodies, bad input, a larger generated file."""

import json

import pytest

from infrarisk.ownership import network, shares
from infrarisk.sources import registry
from infrarisk.db import connect

from .helpers import FORMATS, bods_entity, bods_rel, lei, statement, write_jsonl

BODS = FORMATS / "bods_v0.4"
needs_samples = pytest.mark.skipif(not BODS.is_dir(), reason="format samples not available")


def rows(con, sql):
    return con.execute(sql).fetchall()


@needs_samples
def test_01_direct_ownership():
    con = connect(None)
    rep = registry.ingest(con, "bods", [BODS / "01-direct-ownership.json"])
    assert rep.rows == {"raw_bods__statements": 3, "core_bods__entities": 2, "core_bods__links": 1,
                        "core_bods__unknown_owners": 0}
    assert rows(con, "SELECT entity_id, entity_type FROM core_bods__entities ORDER BY 1") == [
        ("bods:rec-acme-holdings-ltd", "company"), ("bods:rec-jane-smith-1975", "person")]
    link = rows(con, "SELECT owner_entity_id, subject_id, share_min, share_max, is_control_kind, control_note, "
                     "start_date FROM core_bods__links")[0]
    # one hop, 75%, both interest types kept in the record, majority control
    assert link[:5] == ("bods:rec-jane-smith-1975", "bods:rec-acme-holdings-ltd", 0.75, 0.75, True)
    assert "shareholding" in link[5] and "votingRights" in link[5] and str(link[6]) == "2010-01-01"


@needs_samples
def test_10_circular_ownership_keeps_both_edges_and_terminates():
    con = connect(None)
    registry.ingest(con, "bods", [BODS / "10-circular-ownership.json"])
    assert rows(con, "SELECT count(*) FROM core_bods__links")[0][0] == 2  # both sides kept
    net = network.Network.from_arrays(2, [0, 1], [1, 0], [1.0, 1.0])
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    assert top.tolist() == [-1, -1]  # no ultimate controller, and never one of the loop as its own
    W_lo, _ = shares.economic(net, [0, 1])
    assert W_lo.max() <= 1.0  # not 200%


@needs_samples
def test_11_declared_unknown_owner_keeps_the_reason():
    con = connect(None)
    registry.ingest(con, "bods", [BODS / "11-anonymous-person.json"])
    assert rows(con, "SELECT count(*) FROM core_bods__entities WHERE entity_type = 'person'")[0][0] == 0
    assert rows(con, "SELECT count(*) FROM core_bods__links")[0][0] == 0
    got = rows(con, "SELECT subject_id, reason_code, description FROM core_registry__unknown_owners")
    assert got[0][:2] == ("bods:rec-opaque-holdings-sa", "subjectUnableToConfirmOrIdentifyBeneficialOwner")
    assert got[0][2].startswith("The subject entity has reported")


@needs_samples
def test_json_lines_read_like_the_array(tmp_path):
    st = json.loads((BODS / "01-direct-ownership.json").read_text())
    f = write_jsonl(tmp_path / "st.jsonl", st)
    con = connect(None)
    registry.ingest(con, "bods", [f])
    assert rows(con, "SELECT share_min FROM core_bods__links") == [(0.75,)]


def test_ranges_states_record_status_and_indirect(tmp_path):
    recs = [
        bods_entity("s1", "e-port", "Port Co", "GR"),
        bods_entity("s2", "e-state", "Republic", "CN", etype="state"),
        bods_entity("s3", "e-agency", "Agency", "CN", etype="stateBody", lei_code=lei(7)),
        bods_rel("s4", "r1", "e-port", "e-agency", [
            {"type": "shareholding", "directOrIndirect": "direct", "share": {"minimum": 25, "exclusiveMaximum": 50},
             "startDate": "2016-04-06"}]),
        bods_rel("s5", "r2", "e-agency", "e-state", [{"type": "appointmentOfBoard", "directOrIndirect": "direct"}]),
        bods_rel("s6", "r3", "e-port", "e-state", [
            {"type": "shareholding", "directOrIndirect": "indirect", "share": {"exact": 30}}]),
        # an update then a closing statement of one relationship: the latest wins
        bods_rel("s7", "r4", "e-port", "e-state", [{"type": "votingRights", "share": {"exact": 10}}], date="2020-01-01"),
        bods_rel("s8", "r4", "e-port", "e-state", [{"type": "votingRights", "share": {"exact": 10}}], status="closed",
                 date="2022-01-01"),
    ]
    f = write_jsonl(tmp_path / "st.jsonl", recs)
    con = connect(None)
    registry.ingest(con, "bods", [f])
    types = dict(rows(con, "SELECT entity_name, entity_type FROM core_bods__entities"))
    assert types == {"Port Co": "company", "Republic": "state", "Agency": "state_body"}
    # the XI-LEI identifier names the entity, so it meets GLEIF and curated records
    assert rows(con, "SELECT entity_id FROM core_bods__entities WHERE entity_name = 'Agency'") == [(f"lei:{lei(7)}",)]
    links = {r[0]: r[1:] for r in rows(con, "SELECT link_id, share_min, share_max, is_min_exclusive, is_max_exclusive, "
                                            "is_control_kind, relationship, status FROM core_bods__links")}
    assert links["r1"] == (0.25, 0.5, False, True, False, None, "current")
    assert links["r2"][4] is True  # board appointment: control
    assert links["r3"][5] == "indirect interest"
    assert links["r4"][6] == "historical"


def test_bad_input_counted_and_named(tmp_path):
    recs = [
        bods_entity("dup", "e1", "One"),
        bods_entity("dup", "e2", "Two"),  # duplicate statement id: rejected
        bods_entity("s3", "e3", "Three"),
        bods_rel("s4", "r1", "e1", "e3", [{"type": "shareholding", "share": {"minimum": 60, "maximum": 40}}]),
        bods_rel("s5", "r2", "e3", "e1", [{"type": "shareholding", "share": {"exact": 140}}]),
        bods_rel("s6", "r3", "e1", "e-missing", [{"type": "madeUpInterest", "startDate": "2020-01-01",
                                                  "endDate": "2019-01-01"}]),
        statement("s7", "x1", "mystery", {}),
    ]
    f = write_jsonl(tmp_path / "bad.jsonl", recs)
    con = connect(None)
    rep = registry.ingest(con, "bods", [f])
    checks = {k[1] for k in rep.problems}
    assert {"duplicate_id", "share_order", "share_range", "unknown_code", "date_order"} <= checks
    assert rows(con, "SELECT row FROM core_bods__problems WHERE check_name = 'duplicate_id'") == [(2,)]
    # the relationship stays (with no share) when its interest is rejected; the unknown party dangles
    assert rows(con, "SELECT link_id, share_min FROM core_bods__links ORDER BY 1") == [
        ("r1", None), ("r2", None), ("r3", None)]
    assert rows(con, "SELECT dangling_reason FROM core_registry__links WHERE link_id = 'r3'") == [
        ("owner bods:e-missing is in no loaded entity file",)]


def test_larger_generated_file_resolves(tmp_path):
    n = 3000
    recs = [bods_entity(f"e{i}", f"e{i}", f"Entity {i}", "GB") for i in range(n)]
    recs += [bods_rel(f"r{i}", f"r{i}", f"e{i}", f"e{i // 3}", [{"type": "shareholding", "share": {"exact": 60}}])
             for i in range(3, n)]
    recs += [bods_rel("loop", "loop", "e2", "e6", [{"type": "shareholding", "share": {"exact": 30}}])]
    f = tmp_path / "big.json"
    f.write_text(json.dumps(recs))
    con = connect(None)
    rep = registry.ingest(con, "bods", [f])
    assert rep.rows["core_bods__links"] == n - 2 and not rep.problems
    # resolved on arrays: every chain ends at e0, e1 or e2 (e6 holds 30% of its owner e2: an
    # ownership loop, not a control loop)
    ids = [r[0] for r in rows(con, "SELECT entity_id FROM core_bods__entities ORDER BY 1")]
    at = {k: i for i, k in enumerate(ids)}
    links = rows(con, "SELECT owner_entity_id, subject_id, share_min FROM core_bods__links")
    net = network.Network.from_arrays(len(ids), [at[o] for o, _, _ in links], [at[s] for _, s, _ in links],
                                      [w for _, _, w in links])
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    assert set(top.tolist()) == {at["bods:e0"], at["bods:e1"], at["bods:e2"]} and depth.max() >= 6
    assert len(net.cond.loops()) == 1
