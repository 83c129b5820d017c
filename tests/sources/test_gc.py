"""Tests of infrarisk.collector.paused and of the premise of pausing the collector in the loaders:
they make (almost) no reference cycles, so nothing waits long for the collector."""

from __future__ import annotations

import gc
from importlib import import_module

import pytest

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk import collector
from infrarisk.sources import discover
from tests.conftest import REPO_DATASETS


def test_paused_restores_the_collector_also_after_an_error_and_nests():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collector.paused():
            assert not gc.isenabled()
            with collector.paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner block leaves it paused for the outer one
            raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # paused by someone else: left so
    finally:
        gc.enable()


class _Log(ProblemLog):
    """A problem log noting whether the collector runs when a loader counts a file's rows."""

    def __init__(self):
        super().__init__()
        self.enabled = []

    def count(self, *args, **kwargs):
        self.enabled.append(gc.isenabled())
        return super().count(*args, **kwargs)


def test_the_shipped_loaders_run_paused_and_leave_next_to_no_cyclic_garbage():
    settings = Settings.load(environ={}, datasets_dir=REPO_DATASETS)
    con = connect(None)
    gc.collect()
    cyclic, counted = {}, {}
    for src in discover(REPO_DATASETS):
        log = _Log()
        import_module(src.load_module).load(con, settings, log)
        cyclic[src.id], counted[src.id] = gc.collect(), log.enabled
    assert len(counted) >= 10 and all(counted.values()) and not any(any(v) for v in counted.values()), counted
    assert gc.isenabled()
    assert sum(cyclic.values()) < 2000, cyclic  # objects only the collector frees: a few, from the libraries
