"""Bands from shares, control and operation; words that match the figures."""

import numpy as np
import pytest

from infrarisk import ownership, score
from infrarisk.profiles import load_profile
from infrarisk.settings import Settings
from tests.builders import chinese_chains, entity, load_tiny, stake

S = Settings.load(environ={})


@pytest.mark.parametrize("lo,hi,controlled,operated,band", [
    (0.51, 0.51, True, False, "high"),
    (0.0, 1.0, True, False, "high"),          # controlled with an undisclosed share
    (0.25, 0.25, False, False, "high"),       # sizeable
    (0.2499, 0.2499, False, False, "elevated"),
    (0.10, 0.10, False, False, "elevated"),   # screening
    (0.0, 1.0, False, True, "elevated"),      # operated under contract
    (0.0999, 0.0999, False, False, "low"),
    (0.08, 0.5, False, False, "low"),
    (0.0, 0.0, False, False, "none"),
    (0.0, 0.0455, False, False, "none"),      # 4.55% untraced cannot reach the screening threshold
    (0.0, 0.0999, False, False, "none"),
    (0.0, 0.10, False, False, "unknown"),     # the untraced part could reach the screening threshold
    (0.0, 1.0, False, False, "unknown"),
])
def test_band_rules(lo, hi, controlled, operated, band):
    assert score.band_for(lo, hi, controlled, operated, S) == band


def test_thresholds_are_settings():
    s = Settings.load(environ={"INFRARISK_THRESHOLD_SIZEABLE": "0.20"})
    assert score.band_for(0.2499, 0.2499, False, False, s) == "high"


def test_scored_tables(tmp_path):
    t = chinese_chains()
    ents = t["entities"] + [entity("Op HK", "HK")]
    stakes = t["stakes"] + [stake("Operated", "Op HK", "", kind="management")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=t["links"], locations=t["locations"])
    g = ownership.resolve(con, s)
    score.score(con, g, load_profile("default"), s)
    bands = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets WHERE asset_class='terminal'").fetchall())
    assert bands == {"terminal:le-havre-gmp": "elevated", "terminal:zeebrugge-csp": "high", "terminal:vado": "high",
                     "terminal:operated": "elevated"}
    # the port rolls up its terminal (CSP Zeebrugge)
    assert con.execute("SELECT band FROM out_exposure__assets WHERE asset_id = 'wpi:2'").fetchone() == ("high",)
    reason = con.execute("SELECT band_reason FROM out_exposure__assets WHERE asset_id='terminal:le-havre-gmp'"
                         ).fetchone()[0]
    assert "24.6%" in reason and "screening" in reason
    inge = con.execute("SELECT unlocode, share_min, is_controlled FROM out_inge2__ports ORDER BY 1").fetchall()
    assert inge == [("BEHBT", pytest.approx(0.8545), True), ("FRPVL", pytest.approx(0.24598), False),
                    ("ITVDL", pytest.approx(0.499), False)]


def test_port_without_terminals_is_unknown(tmp_path):
    con, log, s = load_tiny(tmp_path, entities=[entity("A", "FR")], stakes=[stake("T", "A", 100)])
    g = ownership.resolve(con, s)
    score.score(con, g, load_profile("default"), s)
    assert con.execute("SELECT band, band_reason FROM out_exposure__assets WHERE asset_id='wpi:2'").fetchone() == (
        "unknown", "No ownership data for this asset.")
    assert con.execute("SELECT band FROM out_exposure__assets WHERE asset_id='terminal:t'").fetchone() == ("none",)


def test_score_writes_the_evidence_its_bands_rest_on(tmp_path):
    """Paths, control steps and edges are tables; the table reader gives them back with sources."""
    from infrarisk.explain import Explainer

    t = chinese_chains()
    con, log, s = load_tiny(tmp_path, entities=t["entities"], stakes=t["stakes"], links=t["links"],
                            locations=t["locations"])
    g = ownership.resolve(con, s)
    profile = load_profile("default")
    score.score(con, g, profile, s)
    # Le Havre: China Merchants Port's 49% of Terminal Link, which holds 50.2%: one path, 24.598% by look-through
    path = con.execute("""
        SELECT p.step, e.owner_name, e.subject_name, p.top_country_code, p.look_through
        FROM out_exposure__evidence_paths p JOIN out_exposure__evidence_edges e USING (edge_id)
        WHERE p.asset_id = 'terminal:le-havre-gmp' AND p.group_id = 'china' ORDER BY p.path, p.step""").fetchall()
    assert [r[:4] for r in path] == [(1, "China Merchants Port", "Terminal Link", "CN"),
                                     (2, "Terminal Link", "Le Havre GMP", "CN")]
    assert path[0][4] == pytest.approx(0.49 * 0.502)
    assert con.execute("SELECT count(*) FROM out_exposure__evidence_paths WHERE group_id = 'russia'").fetchone() == (0,)
    # Zeebrugge's control chain, step by step from the asset up
    steps = con.execute("""
        SELECT e.owner_name FROM out_exposure__evidence_control c JOIN out_exposure__evidence_edges e USING (edge_id)
        WHERE c.asset_id = 'terminal:zeebrugge-csp' ORDER BY c.step""").fetchall()
    assert [r[0] for r in steps][:2] == ["COSCO SHIPPING Ports", "COSCO SHIPPING Holdings"]
    # every edge names the links it merges, and those links exist
    assert con.execute("""
        SELECT count(*) FROM (SELECT unnest(link_ids) AS link_id FROM out_exposure__evidence_edges)
        WHERE link_id NOT IN (SELECT link_id FROM core_ownership__links)""").fetchone() == (0,)
    ev = Explainer(con, profile, s).asset("terminal:le-havre-gmp")
    china = next(x for x in ev["groups"] if x["group_id"] == "china")
    assert china["band"] == "elevated" and china["paths"][0]["look_through"] == "24.6%"
    assert china["paths"][0]["steps"][0]["sources"], "each step carries its sources"
    assert Explainer(con, profile, s).asset("terminal:zeebrugge-csp")["control"]["steps"][0]["basis"]


def _bands(con, asset_id):
    return {r[0]: r[1:] for r in con.execute(
        "SELECT group_id, band, band_basis, traced_share, untraced_share, band_max, is_more_exposed_reading, "
        "band_reason FROM out_exposure__asset_groups WHERE asset_id = ? ORDER BY group_id", [asset_id]).fetchall()}


def test_an_untraced_share_below_screening_leaves_the_traced_band(tmp_path):
    ents = [entity("Gallic Ports", "FR"), entity("Mystery Holder", ""), entity("Big Mystery", "")]
    stakes = [stake("Small Gap", "Gallic Ports", 95.45), stake("Small Gap", "Mystery Holder", 4.55),
              stake("Wide Gap", "Gallic Ports", 80), stake("Wide Gap", "Big Mystery", 20)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    small = _bands(con, "terminal:small-gap")
    band, basis, traced, untraced, band_max, alt, reason = small["russia"]
    assert (band, basis, band_max, alt) == ("none", "traced", "low", False)
    assert traced == pytest.approx(0.9545) and untraced == pytest.approx(0.0455)
    assert "up to 4.55% is untraced" in reason
    wide = _bands(con, "terminal:wide-gap")
    assert wide["china"][:2] == ("unknown", "untraced") and wide["china"][3] == pytest.approx(0.2)
    # the asset table carries the figures of the group behind its band
    row = con.execute("SELECT band, band_basis, untraced_share, band_reason FROM out_exposure__assets "
                      "WHERE asset_id = 'terminal:small-gap'").fetchone()
    assert row[:2] == ("none", "traced") and row[2] == pytest.approx(0.0455) and "up to 4.55%" in row[3]
    assert con.execute("SELECT band_basis, untraced_share FROM out_exposure__assets WHERE asset_id = 'wpi:2'"
                       ).fetchone() == ("no_data", 1.0)
    # the plain-words explanation says it too, and the evidence carries the figures
    from infrarisk.explain import Explainer
    from infrarisk.plain import explain_asset

    profile = load_profile("default")
    asset = con.execute("SELECT * FROM out_exposure__assets WHERE asset_id = 'terminal:small-gap'").df()
    evidence = Explainer(con, profile, s).asset("terminal:small-gap")
    text = explain_asset({"asset": asset.to_dict("records")[0]}, evidence, profile, "russia")
    assert "For Russia: band 'none'. None of the traced holdings (95.45%)" in text and "up to 4.55%" in text
    russia = next(x for x in evidence["groups"] if x["group_id"] == "russia")
    assert russia["band_basis"] == "traced" and russia["untraced_share"] == pytest.approx(0.0455)


def test_the_more_exposed_reading_of_an_entity_with_alternative_countries(tmp_path):
    ents = [entity("Baltic Gas Trading", "DE"), entity("Gallic Ports", "FR")]
    stakes = [stake("Dual Seat", "Baltic Gas Trading", 60), stake("Dual Seat", "Gallic Ports", 40)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    g = ownership.resolve(con, s)
    profile = load_profile("default")
    score.score(con, g, profile, s)
    assert _bands(con, "terminal:dual-seat")["russia"][0] == "none"
    # the integrate stage records that another source seats the company in Russia
    con.execute("ALTER TABLE core_ownership__entities ADD COLUMN IF NOT EXISTS alt_country_codes VARCHAR[]")
    eid = con.execute("SELECT entity_id FROM core_ownership__entities WHERE entity_name = 'Baltic Gas Trading'"
                      ).fetchone()[0]
    con.execute("UPDATE core_ownership__entities SET alt_country_codes = ['RU'] WHERE entity_id = ?", [eid])
    score.score(con, g, profile, s)
    band, basis, traced, untraced, band_max, alt, reason = _bands(con, "terminal:dual-seat")["russia"]
    assert (band, alt) == ("high", True)
    assert "more exposed reading" in reason and "Baltic Gas Trading (recorded DE, also RU)" in reason
    assert _bands(con, "terminal:dual-seat")["china"][0] == "none"  # RU is not in the China group
    assert con.execute("SELECT band, is_more_exposed_reading FROM out_exposure__assets "
                       "WHERE asset_id = 'terminal:dual-seat'").fetchone() == ("high", True)
    # the INGE2 finding keeps what the sources record
    assert con.execute("SELECT count(*) FROM out_inge2__terminals WHERE asset_id = 'terminal:dual-seat' "
                       "AND is_controlled").fetchone() == (0,)


@pytest.mark.parametrize("column, values", [
    ("VARCHAR[]", {"Baltic Gas Trading": "['RU', 'cn ']", "Gallic Ports": "[]"}),
    ("VARCHAR", {"Baltic Gas Trading": "'RU; cn'", "Gallic Ports": "' , '"}),
])
def test_alt_countries_of_a_list_or_a_text_column(tmp_path, column, values):
    ents = [entity("Baltic Gas Trading", "DE"), entity("Gallic Ports", "FR")]
    stakes = [stake("Dual Seat", "Baltic Gas Trading", 60), stake("Dual Seat", "Gallic Ports", 40)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    g = ownership.resolve(con, s)
    con.execute("ALTER TABLE core_ownership__entities DROP COLUMN alt_country_codes")
    assert score.alt_countries(con, g) == {}  # no such column
    con.execute(f"ALTER TABLE core_ownership__entities ADD COLUMN alt_country_codes {column}")
    for name, v in values.items():
        con.execute(f"UPDATE core_ownership__entities SET alt_country_codes = {v} WHERE entity_name = ?", [name])
    baltic = g.index[con.execute("SELECT entity_id FROM core_ownership__entities "
                                 "WHERE entity_name = 'Baltic Gas Trading'").fetchone()[0]]
    assert score.alt_countries(con, g) == {baltic: frozenset({"RU", "CN"})}  # empty ones are left out


def test_group_row_from_lists_and_facts_is_the_row_from_arrays(tmp_path):
    """score reads memberships, shares and the per-node facts as lists (score._asset_facts); the
    timeline reads arrays: the same rows, operated and controlled assets included."""
    t = chinese_chains()
    ents = t["entities"] + [entity("Op HK", "HK")]
    stakes = t["stakes"] + [stake("Operated", "Op HK", "", kind="management")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=t["links"], locations=t["locations"])
    g = ownership.resolve(con, s)
    profile = load_profile("default")
    ctl = ownership.control(g, s.thresholds.majority)
    operators = set(score.vocab.operator_interest_types())
    facts = score._asset_facts(g, ctl, operators)
    assert facts[2], "the fixture has an operated asset"
    n = 0
    for grp in profile.groups:
        member = ownership.in_group(g, ctl, set(profile.members(grp)), s.thresholds.majority)
        lo, hi = ownership.held_share(g, member, ctl)
        for a in range(g.n):
            if not g.is_asset[a]:
                continue
            for reason in (True, False):
                slow = score._group_row(g, ctl, a, grp, member, lo, hi, operators, s, reason=reason)
                fast = score._group_row(g, ctl, a, grp, member.tolist(), lo.tolist(), hi.tolist(), operators, s,
                                        reason=reason, facts=facts)
                assert fast == slow and [type(v) for v in fast.values()] == [type(bool(v)) if isinstance(v, np.bool_)
                                                                            else type(v) for v in slow.values()]
                n += slow["band"] != "none" or slow["operator_name"] is not None
    assert n > 0
