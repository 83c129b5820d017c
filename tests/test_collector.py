"""The collector paused and put back as it was, even on an error; fewer collections during a build (:mod:`infrarisk.collector`)."""

from __future__ import annotations

import gc

import pytest

from infrarisk.collector import BUILD_THRESHOLDS, fewer_collections, paused


def test_pause_restores_the_state_it_found():
    was = gc.isenabled()
    try:
        gc.enable()
        with paused():
            assert not gc.isenabled()
            with paused():  # nested: the inner one leaves it off
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # a caller's own gc.disable is left alone
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_paused_turns_it_back_on_after_an_error_and_keeps_the_result():
    was = gc.isenabled()
    gc.enable()
    try:
        @paused()
        def f(x):
            if x is None:
                raise ValueError("boom")
            return gc.isenabled(), x

        assert f(3) == (False, 3) and f.__name__ == "f"
        with pytest.raises(ValueError):
            f(None)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_fewer_collections_sets_the_build_thresholds_and_restores_them_even_on_an_error():
    before = gc.get_threshold()
    with pytest.raises(KeyError):
        with fewer_collections():
            assert gc.get_threshold() == BUILD_THRESHOLDS != before
            raise KeyError
    assert gc.get_threshold() == before
