"""Tests of infrarisk.sources._gc and of the premise of pausing the collector in the loaders:
they make (almost) no reference cycles, so nothing waits long for the collector."""

from __future__ import annotations

import gc
from importlib import import_module

import pytest

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import _gc, discover
from tests.conftest import REPO_DATASETS


def test_paused_restores_the_collector_also_after_an_error_and_nests():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with _gc.paused():
            assert not gc.isenabled()
            with _gc.paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner block leaves it paused for the outer one
            raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with _gc.paused():
            pass
        assert not gc.isenabled()  # paused by someone else: left so
    finally:
        gc.enable()


def test_the_shipped_loaders_run_paused_and_leave_next_to_no_cyclic_garbage(monkeypatch):
    from infrarisk.sources import _load, manifest

    settings = Settings.load(environ={}, datasets_dir=REPO_DATASETS)
    con, log = connect(None), ProblemLog()
    enabled = {}
    verify = manifest.verify

    def spy(folder):  # each loader verifies its folder first
        enabled[folder.name] = gc.isenabled()
        return verify(folder)
    monkeypatch.setattr(manifest, "verify", spy)
    monkeypatch.setattr(_load, "_VERIFIED", {})
    gc.collect()
    cyclic = {}
    for src in discover(REPO_DATASETS):
        import_module(src.load_module).load(con, settings, log)
        cyclic[src.id] = gc.collect()
    assert len(enabled) >= 10 and not any(enabled.values()), enabled
    assert gc.isenabled()
    assert sum(cyclic.values()) < 2000, cyclic  # objects only the collector frees: a few, from the libraries
