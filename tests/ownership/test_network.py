"""Properties of the array engine: shares in [0, 1], min <= max, owners sum to at most 1,
independence of link order, termination on loops, subset = whole restricted, and the
all-countries look-through equal to the per-country solve."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infrarisk.ownership import network, shares, subgraph

TOL = 1e-9


@st.composite
def ownership_graph(draw, max_n=10):
    """Random ownership graphs with loops; each subject's owners hold at most 100%."""
    n = draw(st.integers(2, max_n))
    m = draw(st.integers(1, 3 * n))
    src = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    dst = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    key = np.unique(src * n + dst)
    src, dst = key // n, key % n
    raw = np.array(draw(st.lists(st.sampled_from([0.05, 0.2, 0.3, 0.49, 0.5, 0.51, 0.75, 0.96, 1.0]),
                                 min_size=len(src), max_size=len(src))))
    for d in set(dst.tolist()):  # owners of one subject hold at most 100%
        mask = dst == d
        tot = raw[mask].sum()
        if tot > 1:
            raw[mask] = raw[mask] / tot
    slack = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.3]), min_size=len(src), max_size=len(src))))
    lo, hi = raw, np.minimum(raw + slack, 1.0)
    codes = ["CN", "DE", "FR"]
    own = np.array(draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n)))
    is_state = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) & (own >= 0)
    return network.Network.from_arrays(n, src, dst, lo, hi, own_country=own, country_codes=codes, is_state=is_state)


def _shuffled(net: network.Network, rnd) -> tuple[network.Network, np.ndarray]:
    """The same network with its edges in another order (node numbers unchanged)."""
    order = list(range(len(net.src)))
    rnd.shuffle(order)
    o = np.array(order, dtype=np.int64)
    return network.Network.from_arrays(net.n, net.src[o], net.dst[o], net.lo[o], net.hi[o], rank=net.rank[o],
                                       own_country=net.own_country, country_codes=net.country_codes,
                                       is_state=net.is_state), o


@settings(max_examples=150, deadline=None)
@given(ownership_graph())
def test_shares_in_unit_interval_and_ordered(net):
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, _ = network.countries(net, ctl, top)
    member = network.in_group(net, top, cc, np.array([0]))
    lo, hi = shares.held_share(net, member, ctl)
    assert np.all((lo >= -TOL) & (lo <= 1 + TOL)) and np.all((hi >= -TOL) & (hi <= 1 + TOL))
    assert np.all(lo <= hi + TOL)
    W_lo, W_hi = shares.economic(net, list(range(net.n)))
    assert np.all(W_lo <= W_hi + TOL) and np.all((W_lo >= 0) & (W_hi <= 1))


@settings(max_examples=150, deadline=None)
@given(ownership_graph())
def test_owners_of_a_subject_sum_to_at_most_one(net):
    # the exact look-through shares of the ultimate owners (nodes without owners) of any
    # subject add up to at most 100% (no path is counted twice, loops included)
    W_lo, _ = shares.economic(net, list(range(net.n)))
    roots = ~net.has_owner
    for t in range(net.n):
        others = roots.copy()
        others[t] = False
        assert W_lo[others, t].sum() <= 1 + 1e-6


@settings(max_examples=100, deadline=None)
@given(ownership_graph(), st.randoms())
def test_results_independent_of_link_order(net, rnd):
    net2, _ = _shuffled(net, rnd)
    for a, b in ((net, net2),):
        ca, _ = network.controllers(a)
        cb, _ = network.controllers(b)
        np.testing.assert_array_equal(ca, cb)
        ta, _ = network.ultimate(ca)
        cca, ba = network.countries(a, ca, ta)
        ccb, bb = network.countries(b, cb, network.ultimate(cb)[0])
        np.testing.assert_array_equal(cca, ccb)
        np.testing.assert_array_equal(ba, bb)
        Ga, ua = shares.lookthrough_by_country(a, cca)
        Gb, ub = shares.lookthrough_by_country(b, ccb)
        np.testing.assert_allclose(Ga.toarray(), Gb.toarray(), atol=1e-12)
        np.testing.assert_allclose(ua, ub, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(ownership_graph())
def test_loops_terminate_and_chains_end(net):
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    for v in range(net.n):
        chain = network.chain(ctl, v)
        assert len(chain) <= net.n + 1
        if top[v] >= 0:
            assert chain[-1] == top[v] and depth[v] == len(chain) - 1
        else:
            assert len(set(chain)) < len(chain)  # the chain runs into a loop


@settings(max_examples=150, deadline=None)
@given(ownership_graph(), st.data())
def test_subset_equals_whole_restricted(net, data):
    targets = data.draw(st.lists(st.integers(0, net.n - 1), min_size=1, max_size=3))
    nodes = subgraph.ancestors(net, targets)
    sub = subgraph.subnetwork(net, nodes)
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top)
    sctl, _ = network.controllers(sub)
    stop, _ = network.ultimate(sctl)
    scc, sbasis = network.countries(sub, sctl, stop)
    # node numbers differ: compare through the mapping
    back = np.where(sctl >= 0, nodes[np.maximum(sctl, 0)], -1)
    np.testing.assert_array_equal(back, ctl[nodes])
    np.testing.assert_array_equal(scc, cc[nodes])
    np.testing.assert_array_equal(sbasis, basis[nodes])
    m = network.in_group(net, top, cc, np.array([0, 1]))
    sm = network.in_group(sub, stop, scc, np.array([0, 1]))
    np.testing.assert_array_equal(sm, m[nodes])
    lo, hi = shares.held_share(net, m, ctl)
    slo, shi = shares.held_share(sub, sm, sctl)
    np.testing.assert_allclose(slo, lo[nodes], atol=1e-9)
    np.testing.assert_allclose(shi, hi[nodes], atol=1e-9)
    G, _ = shares.lookthrough_by_country(net, cc)
    sG, _ = shares.lookthrough_by_country(sub, scc)
    np.testing.assert_allclose(sG.toarray(), G.toarray()[nodes], atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(ownership_graph())
def test_all_countries_at_once_equals_one_country_at_a_time(net):
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, _ = network.countries(net, ctl, top)
    G, unknown = shares.lookthrough_by_country(net, cc)
    dense = G.toarray()
    for c in range(len(net.country_codes)):
        member = (cc == c)
        lo, _ = shares.held_share(net, member, ctl)
        np.testing.assert_allclose(dense[:, c], lo, atol=1e-9)
    assert np.all(unknown >= 0) and np.all(unknown <= 1)


@given(ownership_graph())
def test_many_groups_at_once_equal_one_group_at_a_time(net):
    # resolve's per-country memberships: in_groups' columns are in_group's masks
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, _ = network.countries(net, ctl, top)
    groups = [np.array([0]), np.array([1]), np.array([2]), np.array([0, 1]), np.array([], dtype=np.int64),
              np.array([0, 1, 2])]
    many = network.in_groups(net, top, cc, groups, 0.5)
    assert many.shape == (net.n, len(groups))
    # in chunks of one or two groups: the same columns
    np.testing.assert_array_equal(network.in_groups(net, top, cc, groups, 0.5, cells=1), many)
    np.testing.assert_array_equal(network.in_groups(net, top, cc, groups, 0.5, cells=2 * max(net.n, len(net.src))), many)
    for j, codes in enumerate(groups):
        np.testing.assert_array_equal(many[:, j], network.in_group(net, top, cc, codes, 0.5))


def test_joint_control_cascades_in_every_group_at_once():
    # 0 (CN) and 1 (HK) hold 30% each of 2, which controls 3: only the group of both controls 2 and 3
    net = network.Network.from_arrays(4, [0, 1, 2], [2, 2, 3], [0.3, 0.3, 0.8], own_country=[0, 1, -1, -1],
                                      country_codes=["CN", "HK"])
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    cc, _ = network.countries(net, ctl, top)
    many = network.in_groups(net, top, cc, [np.array([0]), np.array([0, 1])])
    assert many.T.tolist() == [[True, False, False, False], [True, True, True, True]]
    for j, codes in enumerate([np.array([0]), np.array([0, 1])]):
        np.testing.assert_array_equal(many[:, j], network.in_group(net, top, cc, codes))


def test_pointer_doubling_handles_long_chains_and_loops():
    n = 1000
    ctl = np.arange(-1, n - 1)  # 0 <- 1 <- 2 ... : node v controlled by v-1
    ctl = np.where(np.arange(n) == 0, -1, np.arange(n) - 1)
    top, depth = network.ultimate(ctl)
    assert top.tolist() == [0] * n and depth.tolist() == list(range(n))
    ctl[0] = n - 1  # close the loop: no chain ends
    top, depth = network.ultimate(ctl)
    assert (top == -1).all() and (depth == -1).all()


def test_100_100_96_loop_exact_in_the_country_look_through():
    # A 100% of B, B 100% of C, C 96% of A, X (CN) 4% of A: X's group holds all three
    net = network.Network.from_arrays(4, [0, 1, 2, 3], [1, 2, 0, 0], [1.0, 1.0, 0.96, 0.04],
                                      own_country=[1, 1, 1, 0], country_codes=["CN", "DE"])
    ctl, _ = network.controllers(net)
    top, _ = network.ultimate(ctl)
    assert (top[:3] == -1).all()  # a control loop: no ultimate controller
    G, _ = shares.lookthrough_by_country(net, np.array([-1, -1, -1, 0]))
    assert G.toarray()[:3, 0] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)


def test_redundant_ultimate_parent_found_through_a_chain():
    # child 0 <- direct 1 <- direct 2; 2 also named ultimate parent of 0
    net = network.Network.from_arrays(3, [1, 2, 2], [0, 1, 0], [1.0, 1.0, 0.0])
    assert subgraph.redundant_ultimate(net, np.array([False, False, True])).tolist() == [False, False, True]
    # without the chain the ultimate-parent link is the only route: kept
    net = network.Network.from_arrays(3, [2], [0], [0.0])
    assert subgraph.redundant_ultimate(net, np.array([True])).tolist() == [False]
