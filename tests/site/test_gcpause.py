"""The collector is held off inside the site's preparation and put back as it was, even on an error."""

from __future__ import annotations

import gc

import pytest

from infrarisk.site.gcpause import pause, paused


def test_pause_restores_the_state_it_found():
    was = gc.isenabled()
    try:
        gc.enable()
        with pause():
            assert not gc.isenabled()
            with pause():  # nested: the inner one leaves it off
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # a caller's own gc.disable is left alone
        with pause():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_paused_turns_it_back_on_after_an_error_and_keeps_the_result():
    was = gc.isenabled()
    gc.enable()
    try:
        @paused
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
