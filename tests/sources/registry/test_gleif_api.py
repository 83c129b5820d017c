"""GLEIF API (JSON:API) responses: the captured samples of every endpoint kind, bad documents."""

import json

import pytest

from infrarisk.sources import registry
from infrarisk.db import connect

from .helpers import FORMATS, lei

API = FORMATS / "gleif_api"


def rows(con, sql):
    return con.execute(sql).fetchall()


@pytest.mark.skipif(not API.is_dir(), reason="format samples not available")
def test_api_samples():
    con = connect(None)
    rep = registry.ingest(con, "gleif-api", sorted(API.glob("*.json")))
    assert not rep.problems
    ents = dict(rows(con, "SELECT lei, entity_name FROM core_gleifapi__entities"))
    assert ents["5493001KJTIIGC8Y1R12"] == "Bloomberg Finance L.P." and ents["549300B56MD0ZC402L06"] == "Bloomberg L.P."
    links = {r[0]: r[1:] for r in rows(con, "SELECT link_id, relationship, is_control_kind, share_min, start_date "
                                            "FROM core_gleifapi__links")}
    direct = links["rr:5493001KJTIIGC8Y1R12>549300B56MD0ZC402L06:IS_DIRECTLY_CONSOLIDATED_BY"]
    # accounting consolidation: control without a share; the relationship period, not the accounting one
    assert direct[:3] == ("direct parent", True, None) and str(direct[3]) == "2007-06-05"
    # a page of direct children: each child is consolidated by the page's LEI
    assert "rr:254900RX3NW13DDG3905>5299001ERX0K10IZUL40:IS_DIRECTLY_CONSOLIDATED_BY" in links
    assert rows(con, "SELECT subject_id, category, reason_code FROM core_gleifapi__unknown_owners") == [
        ("lei:254900LNRYNOQ9YPU758", "direct parent", "NON_PUBLIC")]


def test_bad_documents_are_named(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "empty.json").write_text(json.dumps({"meta": {}}))
    bad = lei(5)[:-2] + "00" if not lei(5).endswith("00") else lei(5)[:-2] + "01"
    (tmp_path / "rec.json").write_text(json.dumps({"data": [
        {"type": "lei-records", "id": bad, "attributes": {"lei": bad, "entity": {"legalName": {"name": "X"}}}},
        {"type": "relationship-records", "id": "r", "attributes": {"relationship": {
            "startNode": {"id": lei(1)}, "endNode": {"id": lei(2)}, "type": "IS_NEW_KIND", "status": "ACTIVE"}}}]}))
    con = connect(None)
    rep = registry.ingest(con, "gleif-api", sorted(tmp_path.glob("*.json")))
    got = {(r[0], r[1]) for r in rows(con, "SELECT file, check_name FROM core_gleifapi__problems")}
    assert {("broken.json", "json"), ("empty.json", "required"), ("rec.json", "lei_check_digits"),
            ("rec.json", "unknown_code")} <= got
    assert rep.rows["core_gleifapi__entities"] == 0
