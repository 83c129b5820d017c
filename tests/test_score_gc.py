"""The resolve and score stages run with the cyclic garbage collector paused, and the premise of
pausing it there: they leave (next to) no cyclic garbage, so nothing waits long for the collector."""

from __future__ import annotations

import gc

import numpy as np

from infrarisk import bands, ownership, score
from infrarisk.ownership import network
from infrarisk.profiles import load_profile
from tests.builders import chinese_chains, load_tiny


def test_resolve_and_score_run_paused_and_leave_next_to_no_cyclic_garbage(tmp_path, monkeypatch):
    t = chinese_chains()
    con, log, s = load_tiny(tmp_path, entities=t["entities"], stakes=t["stakes"], links=t["links"],
                            locations=t["locations"])
    seen = []

    def noting(f):
        def call(*args, **kwargs):
            seen.append(gc.isenabled())
            return f(*args, **kwargs)
        return call

    monkeypatch.setattr(network, "chain", noting(network.chain))  # walked by the resolve pass
    monkeypatch.setattr(bands, "band_reason", noting(bands.band_reason))  # said by the score for each row
    gc.collect()
    assert gc.isenabled()
    g = ownership.resolve(con, s)
    assert gc.isenabled()  # back on after the stage
    after_resolve = gc.collect()
    n_resolve = len(seen)
    score.score(con, g, load_profile("default"), s)
    assert gc.isenabled()
    after_score = gc.collect()
    assert n_resolve > 0 and len(seen) > n_resolve and not any(seen), seen
    assert after_resolve == 0
    # the score stage's cycles: the path walk's recursive closure, a few objects per asset with a path
    assert after_score < 50 * np.count_nonzero(g.is_asset) + 100, after_score
