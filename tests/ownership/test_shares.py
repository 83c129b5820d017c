"""Untraced shares of consortia: listed members with undisclosed shares are the whole
ownership unless the source names an unnamed member (shares.untraced, load's members_complete)."""

import numpy as np
import pytest

from infrarisk import ownership, score
from infrarisk.ownership import load, shares
from infrarisk.ownership.network import Network
from infrarisk.profiles import load_profile
from tests.builders import entity, load_tiny, stake


def _cable(tmp_path, second_hq="IT", placeholder=False):
    """A cable of two consortium members (shares undisclosed, 0–100% each), scored."""
    ents = [entity("Gallic Telecom", "FR"), entity("Second Member", second_hq)]
    stakes = [stake("Cable One", "Gallic Telecom", "", kind="consortium"),
              stake("Cable One", "Second Member", "", kind="consortium")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    assert not log.errors, [str(p) for p in log.errors]
    (asset_id,) = con.execute("SELECT DISTINCT subject_id FROM core_ownership__links WHERE subject_kind = 'asset'"
                              ).fetchone()
    assert con.execute("SELECT list(DISTINCT interest_type), min(share_min), max(share_max) FROM "
                       "core_ownership__links WHERE subject_id = ?", [asset_id]).fetchone() == (
        ["consortium_membership"], 0.0, 1.0)
    if placeholder:  # the source lists an unnamed member ("Others") among the cable's owners
        con.execute("INSERT INTO core_cables__owner_mentions (cable_id, asset_id, owner_name, origin_file, origin_row) "
                    "VALUES ('cable-one', ?, 'Others', 'submarine-cables/cable_owners.csv', 7)", [asset_id])
        con.execute("INSERT INTO core_match__mentions (source_id, file, row, column_name, context, name, method) "
                    "VALUES ('submarine-cables', 'submarine-cables/cable_owners.csv', 7, 'owner', 'cable cable-one', "
                    "'Others', 'placeholder')")
    loaded = load.load_network(con, s)
    complete = {i for i, c in zip(loaded.ids.to_pylist(), loaded.net.members_complete) if c}
    g = ownership.resolve(con, s)
    score.score(con, g, load_profile("default"), s)
    row = con.execute("SELECT band, band_basis, untraced_share, band_reason FROM out_exposure__assets "
                      "WHERE asset_id = ?", [asset_id]).fetchone()
    return complete, asset_id, row


def test_a_cable_of_known_clean_members_is_banded_none(tmp_path):
    complete, asset_id, (band, basis, untraced, reason) = _cable(tmp_path)
    assert complete == {asset_id}
    assert (band, basis) == ("none", "complete") and untraced == pytest.approx(0.0)
    assert reason.startswith("Every recorded holding is traced")


def test_a_member_of_unknown_country_keeps_the_cable_unknown(tmp_path):
    complete, asset_id, (band, basis, untraced, _) = _cable(tmp_path, second_hq="")
    assert complete == {asset_id}  # the members are the whole ownership ...
    # ... but one of them could be controlled from anywhere, and could hold all of it
    assert (band, basis) == ("unknown", "untraced") and untraced == pytest.approx(1.0)


def test_an_unnamed_member_in_the_source_keeps_the_remainder_untraced(tmp_path):
    complete, asset_id, (band, basis, untraced, _) = _cable(tmp_path, placeholder=True)
    assert complete == set()
    assert (band, basis) == ("unknown", "untraced") and untraced == pytest.approx(1.0)


def test_a_member_controlled_from_the_group_counts_with_its_upper_bound():
    # nodes: 0 a member of the group, 1 a clean member, 2 the cable (members complete)
    net = Network.from_arrays(3, [0, 1], [2, 2], [0.0, 0.0], hi=[1.0, 1.0], own_country=[0, 1, 0],
                              country_codes=["CN", "FR"], is_asset=[False, False, True],
                              members_complete=[False, False, True])
    assert shares.untraced(net)[2] == 0.0
    lo, hi = shares.held_share(net, np.array([True, False, False]))
    assert (lo[2], hi[2]) == (0.0, 1.0)  # never 'none': the Chinese member may hold the whole cable
    lo, hi = shares.held_share(net, np.array([False, False, False]))
    assert (lo[2], hi[2]) == (0.0, 0.0)


# ---------------------------------------------------------------- GEM holder lists
def _gem_plant(tmp_path, parent):
    """One GEM power plant in France whose parents are ``parent`` (GEM's notation), scored;
    Alpha Power (FR) and Beta Energie AG (DE) are known entities, PJSC Gazprom is Russian."""
    from tests.layer_builders import _gem_asset, load_layers, write_gem, write_layer_datasets, write_matching
    ds = write_layer_datasets(tmp_path / "ds")
    write_gem(ds / "gem-europe-gas", assets=[
        _gem_asset("g01", "Plant A", "gas_power_plant", parent=parent, iso="FR", lat="46.0", lon="3.0")])
    added = [{"entity_id": eid, "entity_name": name, "lei": "", "gem_entity_id": "", "jurisdiction": hq,
              "hq_country": hq, "entity_type": "company", "source_url": f"https://example.org/{eid}",
              "reason": "test entity"}
             for eid, name, hq in [("alpha-power", "Alpha Power", "FR"), ("beta-energie", "Beta Energie AG", "DE"),
                                   ("pjsc-gazprom", "PJSC Gazprom", "RU")]]
    write_matching(ds / "matching", added=added)
    con, log, s = load_layers(ds)  # the tiny geography has deliberate bad rows; GEM's must load
    assert not [p for p in log.errors if p.file.startswith(("gem-europe-gas", "matching"))]
    loaded = load.load_network(con, s)
    complete = {i for i, c in zip(loaded.ids.to_pylist(), loaded.net.members_complete) if c and i.startswith("gem:")}
    g = ownership.resolve(con, s)
    score.score(con, g, load_profile("default"), s)
    row = con.execute("SELECT band, band_basis, untraced_share, band_reason FROM out_exposure__assets "
                      "WHERE asset_id LIKE 'gem:%'").fetchone()
    return complete, row


def test_gem_holders_without_shares_are_the_whole_ownership(tmp_path):
    complete, (band, basis, untraced, reason) = _gem_plant(tmp_path, "Alpha Power [unknown %]; Beta Energie AG [unknown %]")
    assert complete == {"gem:g01"}
    assert (band, basis) == ("none", "complete") and untraced == pytest.approx(0.0), reason


def test_gem_holder_list_with_an_unnamed_holder_keeps_the_rest_untraced(tmp_path):
    complete, (band, basis, untraced, _) = _gem_plant(tmp_path, "Alpha Power [unknown %]; Other [unknown %]")
    assert complete == set()
    assert (band, basis) == ("unknown", "untraced") and untraced == pytest.approx(1.0)


def test_gem_stated_shares_short_of_100_leave_the_rest_untraced(tmp_path):
    # every share stated: the 20% they leave is held by nobody GEM names
    complete, (band, basis, untraced, _) = _gem_plant(tmp_path, "Alpha Power [50%]; Beta Energie AG [30%]")
    assert complete == set()
    assert (band, basis) == ("unknown", "untraced") and untraced == pytest.approx(0.2)


def test_a_high_risk_holder_of_undisclosed_share_is_named_not_denied(tmp_path):
    complete, (band, basis, _, reason) = _gem_plant(tmp_path, "Alpha Power [60%]; PJSC Gazprom [unknown %]")
    assert complete == {"gem:g01"}
    assert band == "unknown" and basis == "untraced"
    assert reason.startswith("Held in part by or through entities controlled from Russia (PJSC Gazprom)"), reason
    assert "No holding" not in reason


def _random_dag(seed: int, n: int = 60, m: int = 140) -> Network:
    """Owners before subjects (no loop), lower and upper bounds with undisclosed (0, 1) stakes,
    parallel edges, some isolated nodes; the last third are assets."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n - 1, m)
    dst = np.minimum(src + 1 + rng.integers(0, n // 3, m), n - 1)
    lo = np.round(rng.uniform(0, 1, m), 3) * (rng.uniform(size=m) > 0.2)
    hi = np.where(lo > 0, np.minimum(lo + rng.uniform(0, 0.3, m), 1.2), 1.0)
    is_asset = np.arange(n) >= 2 * n // 3
    keep = ~is_asset[src]  # assets own nothing
    return Network.from_arrays(n, src[keep], dst[keep], lo[keep], hi=hi[keep], is_asset=is_asset)


@pytest.mark.parametrize("seed", range(8))
def test_economic_roots_equal_the_dense_solve_bit_for_bit(seed):
    net = _random_dag(seed)
    targets = np.flatnonzero(net.is_asset)
    rows = np.flatnonzero(~net.has_owner)
    r, j, lo, hi = shares.economic_roots(net, targets, rows)
    W_lo, W_hi = shares.economic(net, targets, rows=rows)
    jj, rr = np.nonzero(((W_lo + W_hi) > 0).T)  # the dense entries, by target then row
    assert r.tolist() == rr.tolist() and j.tolist() == jj.tolist()
    assert lo.tobytes() == W_lo[rr, jj].tobytes() and hi.tobytes() == W_hi[rr, jj].tobytes()
    assert (hi > lo).any() and (lo == 0).any()  # undisclosed stakes: an upper bound with no lower one


def test_economic_roots_decline_a_cross_holding():
    # 0 and 1 hold each other: a dense solve per component, left to the dense path
    net = Network.from_arrays(3, [0, 1, 1], [1, 0, 2], [0.3, 0.2, 0.5], is_asset=[False, False, True])
    assert shares.economic_roots(net, np.array([2]), np.array([0, 1])) is None
    W_lo, _ = shares.economic(net, [2])
    assert W_lo[1, 0] > 0.5


def test_asset_owners_rows_are_the_roots_then_the_unknown_row(tmp_path):
    # the sparse path of resolve: one root holding 40%, then the 60% no recorded holder accounts for
    con, log, s = load_tiny(tmp_path, entities=[entity("Gallic Telecom", "FR")],
                            stakes=[stake("Cable One", "Gallic Telecom", "40")])
    ownership.resolve(con, s)
    rows = con.execute("SELECT owner_entity_id IS NULL, share_min, share_max FROM out_ownership__asset_owners "
                       "ORDER BY owner_entity_id NULLS LAST").fetchall()
    assert rows == [(False, 0.4, 0.4), (True, 0.6, 0.6)]


@pytest.mark.parametrize("seed", range(6))
def test_held_share_many_equals_one_by_one_bit_for_bit(seed):
    net = _random_dag(seed)
    rng = np.random.default_rng(100 + seed)
    net.members_complete = net.is_asset & (rng.uniform(size=net.n) > 0.5)  # consortia with undisclosed splits
    ctl = np.where(rng.uniform(size=net.n) > 0.7, 0, -1)
    members = [rng.uniform(size=net.n) > q for q in (0.5, 0.8, 0.95, 1.0)]  # the last one: nobody
    many = shares.held_share_many(net, members, ctl, cells=4 * net.n)  # chunks of two memberships
    assert len(many) == len(members)
    for m, (lo, hi) in zip(members, many):
        lo1, hi1 = shares.held_share(net, m, ctl)
        assert lo.tobytes() == lo1.tobytes() and hi.tobytes() == hi1.tobytes()
    assert any((hi > lo).any() for lo, hi in many)  # the untraced shares are exercised


def test_held_share_many_declines_a_cross_holding():
    net = Network.from_arrays(3, [0, 1, 1], [1, 0, 2], [0.3, 0.2, 0.5], is_asset=[False, False, True])
    assert shares.held_share_many(net, [np.array([True, False, False])]) is None
