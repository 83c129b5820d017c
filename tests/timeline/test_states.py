"""The timeline's plan (infrarisk.timeline.states.plan) against a plain reading of its rule on random graphs.

``plan`` reuses the moving nodes above each owner and the events of assets with the same links
above them; the reference below walks everything above each asset on its own, as the rule says.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from infrarisk.ownership.subgraph import reach
from infrarisk.timeline.states import plan, state_at


def _plan_reference(steps, today, down, up, cls, terminals):
    moving = {s for s, (_, keys) in steps.items() if any(k != today.get(s) for k in keys)}
    assets = {n for n in reach(moving, down) if n in cls}
    for p, ts in terminals.items():
        if ts & assets:
            assets.add(p)
    out = {}
    for a in sorted(assets):
        members = {a} | terminals.get(a, set())
        above = sorted(reach(members, up) & moving)
        solo = a in steps and cls.get(a) != "port"
        prev, events = (), []
        for d in sorted({d for s in above for d in steps[s][0]}):
            if solo and state_at(steps, a, d) is None:
                key, need = None, today.get(a) is not None
            else:
                key = tuple(state_at(steps, s, d) for s in above)
                need = any(k != today.get(s) for s, k in zip(above, key))
            if key != prev:
                prev = key
                events.append((d, need))
        out[a] = events
    return out


def _random_case(seed: int):
    """Entities owning entities (cycles allowed) and assets; ports with terminals; dated states."""
    rng = random.Random(seed)
    ents = [f"e{i}" for i in range(12)]
    assets = [f"a{i:02d}" for i in range(30)]
    ports = [f"p{i}" for i in range(4)]
    cls = {a: "terminal" for a in assets} | {p: "port" for p in ports}
    terminals = defaultdict(set)
    for a in assets[:12]:
        terminals[rng.choice(ports)].add(a)
    down, up = defaultdict(set), defaultdict(set)
    for s in ents + assets:
        for o in rng.sample(ents, rng.randint(0, 3)):
            if o != s:
                down[o].add(s)
                up[s].add(o)
    days = [date(2015, 1, 1) + timedelta(days=90 * i) for i in range(12)]
    steps, today = {}, {}
    for s in ents + assets:
        if s not in up or (s in cls and rng.random() < 0.4):  # some assets without states of their own:
            continue                                          # their events are those of what is above
        ds = sorted(rng.sample(days, rng.randint(1, 4)))
        keys = [rng.choice(["k1", "k2", "k3", None]) for _ in ds]
        steps[s] = (ds, keys)
        today[s] = rng.choice(["k1", keys[-1], None])
    return steps, today, down, up, cls, terminals


@pytest.mark.parametrize("seed", range(12))
def test_plan_equals_the_rule_walked_asset_by_asset(seed):
    case = _random_case(seed)
    got = plan(*case)
    assert got == _plan_reference(*case)
    assert sum(len(v) for v in got.values()) > 0  # the case has events
    alike = defaultdict(list)  # assets sharing the events of another (the reuse in plan)
    for a, evs in got.items():
        if a not in case[0] or case[4].get(a) == "port":
            alike[tuple(evs)].append(a)
    assert any(len(v) > 1 for v in alike.values())
