"""The INGE2 finding: counted for the group the risk profile names, never a hard-coded country."""

import pytest

from infrarisk import ownership, score
from infrarisk.errors import ConfigError
from infrarisk.findings import inge2
from infrarisk.profiles import Profile, RiskGroup, Source, load_profile
from tests.builders import chinese_chains, load_tiny, stake

SRC = Source("A dated list", "Someone", "2024-01-01", "https://example.org/list")


def test_the_group_comes_from_the_profile():
    c = inge2.group_for(load_profile("default"))
    assert (c.label, sorted(c.members), sorted(c.own_countries)) == ("China", ["CN", "HK", "MO"], ["CN"])
    ru, fr = RiskGroup.build("russia", "Russia", ["RU"], sources=[SRC]), RiskGroup.build("fr", "France", ["FR"],
                                                                                           sources=[SRC])
    assert inge2.group_for(Profile.build("p", [ru, fr])).label == "Russia"  # default: the first group
    assert inge2.group_for(Profile.build("p", [ru, fr], inge2_group="fr")).label == "France"
    with pytest.raises(ConfigError, match="inge2_group"):
        Profile.build("p", [ru], inge2_group="china")


def test_a_profile_file_names_the_group(tmp_path):
    text = (load_profile("default").path and open(load_profile("default").path).read())
    p = tmp_path / "russia-first.toml"
    p.write_text(text.replace('inge2_group = "china"', 'inge2_group = "russia"'))
    assert inge2.group_for(load_profile(p)).label == "Russia"


def test_ports_counted_for_another_group(tmp_path):
    """With France as the claim's group, the ports French-controlled entities hold 10% of count."""
    t = chinese_chains()
    con, log, s = load_tiny(tmp_path, entities=t["entities"], stakes=t["stakes"], links=t["links"],
                            locations=t["locations"])
    g = ownership.resolve(con, s)
    fr = RiskGroup.build("fr", "France", ["FR"], sources=[SRC])
    score.score(con, g, Profile.build("fr", [fr]), s)
    rows = con.execute("SELECT unlocode, group_label, group_countries, is_via_special_regions_only "
                       "FROM out_inge2__ports ORDER BY 1").fetchall()
    assert rows == [("BEHBT", "France", "FR", False), ("FRPVL", "France", "FR", False)]
    left_out = inge2.not_counted(con, frozenset({"FR"}))
    assert all(r["controlling_country_code"] == "FR" for r in left_out)


def test_share_display():
    assert inge2.share_display({"is_controlled": False, "share_min": 0.2499, "share_max": 0.2499}) == "24.99%"


@pytest.mark.parametrize("profile", ["default", "france", "hong-kong-only"])
def test_counted_ports_are_the_ports_the_table_lists(tmp_path, profile):
    """The timeline's short path (ports and whether only through special regions) gives what
    out_inge2__ports lists, for a group with special regions and one without, and with a port
    counted only through Hong Kong."""
    t = chinese_chains()
    if profile == "hong-kong-only":  # Vado held by a Hong Kong company alone, with no parent in China
        t["links"] = [x for x in t["links"] if x["child"] != "Qingdao Port HK"]
        t["stakes"] = [x for x in t["stakes"] if x["asset_name"] != "Vado"] + [
            stake("Vado", "Qingdao Port HK", 30, unlocode="ITVDL", country="IT"),
            stake("Vado", "APM Terminals", 70, unlocode="ITVDL", country="IT")]
    con, log, s = load_tiny(tmp_path, entities=t["entities"], stakes=t["stakes"], links=t["links"],
                            locations=t["locations"])
    g = ownership.resolve(con, s)
    p = (load_profile("default") if profile != "france"
         else Profile.build("fr", [RiskGroup.build("fr", "France", ["FR"], sources=[SRC])]))
    score.score(con, g, p, s)
    ctl = ownership.control(g, s.thresholds.majority)
    grp = inge2.group_for(p).group
    member = ownership.in_group(g, ctl, p.members(grp), s.thresholds.majority)
    lo, hi = ownership.held_share(g, member, ctl)
    got = inge2.counted_ports(con, g, ctl, p, s, {grp.id: (member, lo, hi)})
    table = dict(con.execute("SELECT port_asset_id, is_via_special_regions_only FROM out_inge2__ports").fetchall())
    assert got == table and table
    assert (True in table.values()) == (profile == "hong-kong-only")
