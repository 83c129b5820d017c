"""Evidence paths over the link index: shares, look-through and link ids of each step."""

import numpy as np
import pytest

from infrarisk import ownership


def test_paths_from_the_group_down_to_le_havre(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    member = ownership.in_group(g, ctl, {"CN", "HK", "MO"})
    rows = ownership.path_rows(g, {"china": member})
    gmp = rows[rows.asset_id == "terminal:le-havre-gmp"].sort_values(["path_no", "step_no"])
    assert list(gmp.owner_entity_id) == ["china-merchants-port", "terminal-link"]
    assert list(gmp.subject_id) == ["terminal-link", "terminal:le-havre-gmp"]
    assert gmp.look_through_min.iloc[0] == pytest.approx(0.49 * 0.502)
    links = {r[0] for r in con.execute("SELECT link_id FROM core_ownership__links WHERE is_current").fetchall()}
    assert all(ids and set(ids) <= links for ids in gmp.link_ids)
    # only paths whose top holder is a member are listed
    assert rows.top_entity_id.map(lambda e: bool(member[g.index[e]])).all()


def test_walking_order_is_larger_share_first(chains):
    con, g, s = chains
    v = g.index["terminal:le-havre-gmp"]
    firsts = [p[-1].owner for p in ownership.paths_to(g, v)]
    assert [g.names[x] for x in dict.fromkeys(firsts)] == ["Terminal Link", "iCON"]


def test_control_rows_follow_the_chain(chains):
    con, g, s = chains
    ctl = ownership.control(g)
    rows = ownership.control_rows(g, ctl)
    z = rows[rows.asset_id == "terminal:zeebrugge-csp"].sort_values("step_no")
    assert list(z.owner_entity_id)[0] == "cosco-shipping-ports" and list(z.owner_entity_id)[-1] == "sasac"
    assert list(z.subject_id)[1:] == list(z.owner_entity_id)[:-1]
    assert all(len(ids) >= 1 for ids in z.link_ids)


@pytest.mark.parametrize("seed", range(6))
def test_below_is_where_a_path_from_the_mask_can_end(seed):
    # random owners (loops included, some non-economic edges): a node has a path from a mask node
    # exactly when below() says so; every other node's walk finds none
    import random

    from infrarisk.ownership import below, paths_to
    from infrarisk.ownership.graph import Edge, OwnershipGraph
    from infrarisk.ownership.network import Network
    rng = random.Random(seed)
    n = 40
    pairs = sorted({(rng.randrange(n), rng.randrange(n)) for _ in range(70)})
    pairs = [(o, s) for o, s in pairs if o != s]
    econ = [rng.random() > 0.15 for _ in pairs]
    net = Network.from_arrays(n, [o for o, _ in pairs], [s for _, s in pairs], [0.3] * len(pairs), is_economic=econ)
    edges = [Edge(o, s, 0.3, 0.3, False, 0, None, [], is_economic=e) for (o, s), e in zip(pairs, econ)]
    g = OwnershipGraph([f"n{i:02d}" for i in range(n)], [f"N{i}" for i in range(n)], net, edges)
    mask = np.array([rng.random() < 0.1 for _ in range(n)])
    up = {}
    for (o, s), e in zip(pairs, econ):
        if e:
            up.setdefault(s, set()).add(o)
    got = below(g, mask)
    for v in range(n):
        seen, todo = {v}, [v]
        while todo:
            for o in up.get(todo.pop(), ()):
                if o not in seen:
                    seen.add(o)
                    todo.append(o)
        assert got[v] == bool(mask[sorted(seen)].any())
        if not got[v]:
            assert not any(mask[p[0].owner] for p in paths_to(g, v, stop=mask))
    assert got.any() and not got.all()
