"""Control is computed once: the resolve pass stores the whole graph's, which equals the scope's own."""

import numpy as np

from infrarisk import ownership


def test_control_is_stored_once_and_equals_the_scope_computation(chains):
    con, g, s = chains
    ctl = ownership.control(g, s.thresholds.majority)
    assert ownership.control(g, s.thresholds.majority) is ctl  # stored, not recomputed
    own = ownership.compute_control(g.net, s.thresholds.majority)
    np.testing.assert_array_equal(ctl.controller, own.controller)
    np.testing.assert_array_equal(ctl.ultimate, own.ultimate)
    assert ctl.country == own.country and ctl.country_basis == own.country_basis
    assert ctl.conflicts == own.conflicts
    np.testing.assert_array_equal(ctl.reaches_state, own.reaches_state)


def test_scope_control_agrees_with_the_whole_graph_table(chains):
    con, g, s = chains
    ctl = ownership.control(g, s.thresholds.majority)
    rows = dict(con.execute("SELECT entity_id, controlling_country_code FROM out_ownership__entity_control").fetchall())
    for v in np.flatnonzero(~g.is_asset):
        assert rows[g.ids[v]] == ctl.country[v]


def test_held_share_is_stored_per_membership_and_returned_as_copies(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    before = len(g._held)  # the resolve pass stored one per single country
    member = np.zeros(g.n, dtype=bool)  # a membership the resolve pass never asked for
    member[[g.names.index("iCON"), g.names.index("Merit")]] = True
    lo, hi = ownership.held_share(g, member, ctl)
    lo[:] = -1
    lo2, _ = ownership.held_share(g, member, ctl)
    assert lo2.min() >= 0 and len(g._held) == before + 1
    fr = ownership.in_group(g, ctl, {"FR"})  # computed by the resolve pass already
    ownership.held_share(g, fr, ctl)
    assert len(g._held) == before + 1


def test_held_shares_copies_unless_told_not_to(chains):
    from infrarisk.ownership.graph import held_shares

    con, g, s = chains
    ctl = ownership.control(g)
    fr = ownership.in_group(g, ctl, {"FR"})
    (lo, hi), = held_shares(g, [fr], ctl)
    (lo_s, hi_s), = held_shares(g, [fr], ctl, copy=False)
    np.testing.assert_array_equal(lo, lo_s)
    np.testing.assert_array_equal(hi, hi_s)
    assert not np.shares_memory(lo, lo_s)
    (lo_s2, _), = held_shares(g, [fr], ctl, copy=False)
    assert lo_s2 is lo_s  # the stored array itself
