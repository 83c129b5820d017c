"""Hand-computed chains (Terminal Link, COSCO), control apart from economics, cycles."""

import numpy as np
import pytest

from infrarisk import ownership
from tests.builders import entity, link, load_tiny, stake


def _id(g, name):
    return g.names.index(name)


def test_terminal_link_chain_control_and_country(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    cmport = _id(g, "China Merchants Port")
    assert [g.names[x] for x in ctl.chain[cmport]] == ["China Merchants Port", "China Merchants Group", "SASAC"]
    assert ctl.country[cmport] == "CN" and ctl.reaches_state[cmport]
    tl = _id(g, "Terminal Link")
    assert [g.names[x] for x in ctl.chain[tl]] == ["Terminal Link", "CMA CGM", "Merit"]
    assert ctl.country[tl] == "FR"


def test_terminal_link_look_through_le_havre(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    member = ownership.in_group(g, ctl, {"CN", "HK", "MO"})
    lo, hi = ownership.held_share(g, member, ctl)
    gmp = _id(g, "Le Havre GMP")
    # China Merchants Port's 49% of Terminal Link, which holds 50.2% of GMP
    assert lo[gmp] == pytest.approx(0.502 * 0.49)
    assert hi[gmp] == pytest.approx(0.502 * 0.49)
    assert not member[gmp]  # Terminal Link controls GMP (majority) and is French-controlled
    # economics, reported apart: Merit's look-through share through CMA CGM
    econ = ownership.economic(g, [gmp])[gmp]
    assert econ[0][_id(g, "Merit")] == pytest.approx(0.502 * 0.51 * 0.73)
    assert econ[0][_id(g, "iCON")] == pytest.approx(0.498)
    # SASAC's economic share is undisclosed (blank links): at least 0, at most the whole CMPort stake
    assert econ[0][_id(g, "SASAC")] == pytest.approx(0.0)
    assert econ[1][_id(g, "SASAC")] == pytest.approx(0.502 * 0.49)


def test_cosco_chain_economic_and_control(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    z = _id(g, "Zeebrugge CSP")
    assert [g.names[x] for x in ctl.chain[z]] == [
        "Zeebrugge CSP", "COSCO SHIPPING Ports", "COSCO SHIPPING Holdings", "China COSCO Shipping", "SASAC"]
    assert ctl.country[z] == "CN"
    econ = ownership.economic(g, [z])[z]
    assert econ[0][_id(g, "SASAC")] == pytest.approx(0.8545 * 0.61 * 0.4194 * 0.90)
    member = ownership.in_group(g, ctl, {"CN"})
    lo, hi = ownership.held_share(g, member, ctl)
    assert member[z] and lo[z] == pytest.approx(0.8545)


def test_vado_adds_cosco_and_qingdao_but_is_not_controlled(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    v = _id(g, "Vado")
    member = ownership.in_group(g, ctl, {"CN"})
    lo, hi = ownership.held_share(g, member, ctl)
    assert lo[v] == pytest.approx(0.499)
    assert g.names[ctl.controller[v]] == "APM Terminals" and not member[v]


def test_out_tables_written(chains):
    con, g, s = chains
    row = con.execute("SELECT controlling_country_code, control_chain FROM out_ownership__asset_controllers "
                      "WHERE asset_id = 'terminal:zeebrugge-csp'").fetchone()
    assert row[0] == "CN" and row[1].endswith("SASAC")
    unknown = con.execute("SELECT share_min, share_max FROM out_ownership__asset_owners "
                          "WHERE asset_id = 'terminal:zeebrugge-csp' AND owner_entity_id IS NULL").fetchone()
    assert 0 <= unknown[0] <= unknown[1] <= 1


def test_cycle_terminates_with_exact_answer(tmp_path):
    # A 100% of asset; B holds 100% of A, C 100% of B, A 96% of C, X 4% of C: X holds it all.
    ents = [entity(n, "DE") for n in ("A", "B", "C", "X")]
    links = [link("A", "B", 100), link("B", "C", 100), link("C", "A", 96), link("C", "X", 4)]
    stakes = [stake("Loop terminal", "A", 100)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links)
    g = ownership.resolve(con, s)
    a = g.index["terminal:loop-terminal"]
    econ = ownership.economic(g, [a])[a]
    # X is not a root (C owns... no: X has no owner) -> X is the only root; its share is exactly 1
    assert econ[0][g.names.index("X")] == pytest.approx(1.0, abs=1e-12)
    loops = con.execute("SELECT size FROM out_ownership__loops").fetchall()
    assert loops == [(3,)]


def test_joint_control_by_one_country(tmp_path):
    # a consortium owned 40/40/20 by three Chinese-controlled holders has no single controller,
    # yet is controlled from China jointly; its 65% majority then controls the terminal
    ents = [entity("SPV", "LU"), entity("P1", "CN"), entity("P2", "HK"), entity("P3", "CN"), entity("Oman fund", "OM")]
    ents[-1]["hq_country"] = "US"
    links = [link("SPV", "P1", 40), link("SPV", "P2", 40), link("SPV", "P3", 20)]
    stakes = [stake("Kum", "SPV", 65), stake("Kum", "Oman fund", 35)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links)
    g = ownership.resolve(con, s)
    ctl = ownership.control(g)
    spv = g.names.index("SPV")
    assert ctl.controller[spv] < 0
    # CN alone holds 60%: a joint majority; CN+HK hold 100%
    assert ctl.country[spv] == "CN" and ctl.country_basis[spv] == "joint"
    member = ownership.in_group(g, ctl, {"CN", "HK"})
    lo, _ = ownership.held_share(g, member, ctl)
    k = g.index["terminal:kum"]
    assert member[k] and lo[k] == pytest.approx(0.65)


def test_conflicting_values_become_a_range(tmp_path):
    ents = [entity("Parent", "CN", etype="state body"), entity("Child", "HK")]
    links = [link("Child", "Parent", 61, "direct parent", as_of="2023-10-04"),
             link("Child", "Parent", 47.26, "direct parent", as_of="2024-01")]
    stakes = [stake("T", "Child", 100)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links)
    g = ownership.resolve(con, s)
    e = [e for e in g.edges if g.names[e.owner] == "Parent"][0]
    assert (e.lo, e.hi, e.is_conflict) == (pytest.approx(0.4726), pytest.approx(0.61), True)
    assert len(e.link_ids) == 2


def test_redundant_ultimate_parent_counts_once(tmp_path):
    # Child -> Mid 100% (direct parent), Mid -> Top 100%, and Child -> Top named as ultimate parent:
    # the ultimate-parent link is control only, so Top's share is 1, not 2
    ents = [entity(n, "CN") for n in ("Top", "Mid", "Child")]
    links = [link("Child", "Mid", 100, "direct parent"), link("Mid", "Top", 100, "direct parent"),
             link("Child", "Top", 100, "ultimate parent")]
    stakes = [stake("T", "Child", 100)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links)
    g = ownership.resolve(con, s)
    t = g.index["terminal:t"]
    econ = ownership.economic(g, [t])[t]
    assert econ[0][g.names.index("Top")] == pytest.approx(1.0)


def test_non_current_stakes_do_not_count(tmp_path):
    ents = [entity("Chinese holder", "CN"), entity("French holder", "FR")]
    stakes = [stake("T", "Chinese holder", 49, status="pending"), stake("T", "Chinese holder", 0, status="exited",
              as_of="2020"), stake("T", "French holder", 51)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    g = ownership.resolve(con, s)
    ctl = ownership.control(g)
    lo, hi = ownership.held_share(g, ownership.in_group(g, ctl, {"CN"}), ctl)
    t = g.index["terminal:t"]
    assert lo[t] == 0.0 and hi[t] == pytest.approx(0.49)  # the pending 49% is untraced, not held


def test_as_of_a_past_date_uses_the_facts_then(tmp_path):
    ents = [entity("Old holder", "CN"), entity("New holder", "FR")]
    stakes = [stake("T", "Old holder", 49, status="historical", as_of="2017-06"),
              stake("T", "Old holder", 0, status="exited", as_of="2023-06"),
              stake("T", "New holder", 49, status="current", as_of="2023-06")]
    for as_of, expected in [(None, {"new-holder"}), ("2020-01-01", {"old-holder"}), ("2016-01-01", set())]:
        sub = tmp_path / (as_of or "today")
        sub.mkdir()
        con, log, s = load_tiny(sub, entities=ents, stakes=stakes, as_of=as_of)
        held = {r[0] for r in con.execute("SELECT owner_entity_id FROM core_ownership__links WHERE is_current").fetchall()}
        assert held == expected, as_of
