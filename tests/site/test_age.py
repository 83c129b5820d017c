"""The age of every fact on the shipped data: the card, the map downloads, the API and
``infrarisk review`` carry the date of each fact's newest evidence and mark what is to be re-checked."""

from __future__ import annotations

import csv
import json
import re
from datetime import date

import duckdb
from click.testing import CliRunner

from infrarisk.cli import main
from infrarisk.profiles import load_profile
from infrarisk.review import AgeRule, review
from tests.site.conftest import detail_of

TODAY = date(2026, 12, 5)


def _con(s):
    return duckdb.connect(str(s.db_path), read_only=True)


def test_the_card_shows_the_age_of_each_stake_and_source(real_build):
    s, _ = real_build
    _, d, shard = detail_of(s.site_dir, "terminal:euromax-terminal-rotterdam")
    con = _con(s)
    want = dict(con.execute("""
        SELECT e.entity_name, CAST(l.evidence_date AS VARCHAR) FROM core_ownership__links l
        JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
        WHERE l.subject_id = 'terminal:euromax-terminal-rotterdam' AND l.is_current""").fetchall())
    rule = AgeRule.from_settings(s)
    seen = {}
    for h in d["holders"]:
        name = shard["ents"][h[0]][1]
        assert len(h) == 9
        if h[6]:  # current
            seen[name] = h[7]
            assert h[7].startswith("evidence of " + want[name][:7])
            assert re.search(r", (\d+ years?|\d+ months?|less than a month) old$", h[7])
            assert (h[8] is not None) == (rule.flag(date.fromisoformat(want[name]), h[2]) is not None)
        else:
            assert h[8] is None  # history is never marked
    assert set(seen) == set(want)
    # the sources of the card carry the age too, and the marks read as words
    marks = {x[5] for x in shard["srcs"] if x[5]}
    assert marks and all("to be re-checked" in m for m in marks)


def test_the_map_download_carries_evidence_date_and_mark(real_build):
    s, _ = real_build
    with open(s.site_dir / "data/infrarisk-map.csv", newline="") as fh:
        rows = {r["asset_id"]: r for r in csv.DictReader(fh)}
    con = _con(s)
    oldest = dict(con.execute("""
        SELECT subject_id, CAST(min(evidence_date) AS VARCHAR) FROM core_ownership__links
        WHERE subject_kind = 'asset' AND is_current GROUP BY ALL""").fetchall())
    checked = 0
    for aid, ev in oldest.items():
        if aid in rows:
            assert rows[aid]["evidence_date"] == (ev or ""), aid
            checked += 1
    assert checked > 1000
    assert "old" in rows["terminal:euromax-terminal-rotterdam"]["to_recheck"]
    gj = json.loads((s.site_dir / "data/infrarisk-map.geojson").read_text())
    assert {"evidence_date", "to_recheck"} <= set(gj["features"][0]["properties"])


def test_the_api_stakes_carry_the_age(real_build):
    from infrarisk.api import open_db
    s, _ = real_build
    db = open_db(s.db_path, settings=s)
    st = db.stakes(asset_id="terminal:hutchison-ports-best-barcelona-europe-south-terminal")
    til = st[st.owner_name == "Terminal Investment Limited Sarl"].iloc[0]
    # the EU in-depth review opened in December 2025: still pending, with that evidence date
    assert til.status == "pending" and til.evidence == "2025-12-11"
    assert {"evidence_date", "evidence_age_years", "age_flag"} <= set(st.columns)


def test_review_on_the_shipped_data(real_build):
    s, _ = real_build
    con = _con(s)
    res = review(con, s, load_profile(s.profile), today=TODAY)
    facts = res["facts"]
    assert res["n_facts"] == len(facts) > 0
    ranks = [f["rank"] for f in facts]
    assert ranks == sorted(ranks)
    # what the INGE2 count rests on comes first, and every such fact supports an INGE2 port
    inge2_links = {r[0] for r in con.execute("""
        SELECT DISTINCT unnest(e.link_ids) FROM out_exposure__evidence_paths p
        JOIN out_exposure__evidence_edges e USING (edge_id)
        WHERE p.group_id = 'china' AND p.asset_id IN (SELECT asset_id FROM out_inge2__terminals)""").fetchall()}
    assert facts[0]["rank"] == 1
    for f in facts:
        assert (f["rank"] == 1) == (f["n_inge2_ports"] > 0), f
        if f["link_id"] in inge2_links:
            assert f["rank"] == 1, f
    cutoff = date(TODAY.year - 3, TODAY.month, TODAY.day)
    for f in facts:
        assert f["file"] and f["row"] and f["source_url"].startswith("http"), f
        if "old" in f["reasons"]:
            assert date.fromisoformat(f["evidence_date"]) <= cutoff, f
    by_id = {f["link_id"]: f for f in facts}
    assert "pending" in by_id["S-a6c4223320"]["reasons"]  # BEST: TiL's 50% not closed, 12 months on
    assert "T-176aebb7aa" in by_id  # the HPH sale, still open


def test_review_command_text_and_json(real_build):
    s, _ = real_build
    r = CliRunner().invoke(main, ["review", "--db", str(s.db_path), "--as-of", TODAY.isoformat(), "--json"],
                           env={"INFRARISK_DATASETS_DIR": str(s.datasets_dir)})
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["as_of"] == "2026-12-05" and res["n_facts"] == len(res["facts"])
    r = CliRunner().invoke(main, ["review", "--db", str(s.db_path), "--as-of", TODAY.isoformat()],
                           env={"INFRARISK_DATASETS_DIR": str(s.datasets_dir), "INFRARISK_FACT_MAX_AGE_YEARS": "10"})
    assert r.exit_code == 0, r.output
    head = r.output.splitlines()[0]
    assert "older than 10 years" in head and int(head.split()[0]) < res["n_facts"]


def test_the_card_data_carry_the_readings_sources_disagree_on(real_build):
    """An owner whose sources give two seat countries carries both, with their sources, in the
    entity table of the card's shard (core_match__conflicts)."""
    s, _ = real_build
    con = _con(s)
    try:
        expected = con.execute("SELECT value, source_url FROM core_match__conflicts "
                               "WHERE entity_id = 'cosco-shipping-ports-limited' ORDER BY value").fetchall()
    finally:
        con.close()
    assert len(expected) == 2
    _, _, shard = detail_of(s.site_dir, "terminal:csp-zeebrugge-terminal")
    (row,) = [e for e in shard["ents"] if e[0] == "cosco-shipping-ports-limited"]
    assert sorted((c[1], c[2]) for c in row[5]) == expected
    assert {c[0] for c in row[5]} == {"seat country"}
    assert row[4] and (s.site_dir / row[4]).is_file()  # its owner page
    plain = [e for e in shard["ents"] if e[0] not in {"cosco-shipping-ports-limited"} and len(e) > 5]
    assert all(isinstance(e[5], list) and e[5] for e in plain)  # only entities with conflicts carry the sixth field
