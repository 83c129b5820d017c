"""The interval band rule: at and around each threshold, as properties, and in words."""

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from infrarisk.bands import BASES, SEVERITY, Band, band_for, band_reason, interval_band
from infrarisk.settings import Thresholds

T = Thresholds()


@pytest.mark.parametrize("lo,hi,band,basis,band_max", [
    # nothing untraced: the point band
    (0.0, 0.0, "none", "complete", "none"),
    (0.0999, 0.0999, "low", "complete", "low"),
    (0.10, 0.10, "elevated", "complete", "elevated"),
    (0.25, 0.25, "high", "complete", "high"),
    # no traced stake: the untraced part decides between none and unknown at the screening threshold
    (0.0, 0.0455, "none", "traced", "low"),        # 95.45% traced, 4.55% untraced
    (0.0, 0.0999, "none", "traced", "low"),
    (0.0, 0.10, "unknown", "untraced", "elevated"),
    (0.0, 0.2499, "unknown", "untraced", "elevated"),
    (0.0, 0.25, "unknown", "untraced", "high"),
    (0.0, 0.51, "unknown", "untraced", "high"),     # beyond the majority threshold: control possible
    # a traced stake: never less than it shows; the basis says what the untraced part could reach
    (0.05, 0.0999, "low", "traced", "low"),
    (0.05, 0.10, "low", "traced_minimum", "elevated"),
    (0.12, 0.2499, "elevated", "traced", "elevated"),
    (0.12, 0.25, "elevated", "traced_minimum", "high"),
    (0.30, 0.50, "high", "traced", "high"),
    (0.30, 0.51, "high", "traced", "high"),
])
def test_interval_rule_at_and_around_each_threshold(lo, hi, band, basis, band_max):
    b = interval_band(lo, hi, False, False, T)
    assert (b.band, b.basis, b.band_max) == (band, basis, band_max)
    assert b.untraced == pytest.approx(hi - lo)


def test_control_and_operation_are_not_undone_by_untraced_shares():
    assert interval_band(0.0, 1.0, True, False, T).band == "high"
    b = interval_band(0.0, 0.2, False, True, T)
    assert (b.band, b.basis, b.band_max) == ("elevated", "traced", "elevated")
    assert interval_band(0.0, 0.3, False, True, T).basis == "traced_minimum"


def test_thresholds_are_the_settings():
    t = Thresholds(screening=0.05, sizeable=0.2, majority=0.5)
    assert interval_band(0.0, 0.0455, False, False, t).band == "none"
    assert interval_band(0.0, 0.05, False, False, t).band == "unknown"


shares = st.floats(0, 1, allow_nan=False)


@hsettings(max_examples=400, deadline=None)
@given(shares, shares, st.booleans(), st.booleans())
def test_band_never_claims_less_than_traced_nor_hides_a_reachable_threshold(a, b, controlled, operated):
    lo, hi = min(a, b), max(a, b)
    r = interval_band(lo, hi, controlled, operated, T)
    traced = band_for(lo, controlled, operated, T)
    worst = band_for(hi, controlled or hi > T.majority, operated, T)
    assert r.basis in BASES and r.band in SEVERITY
    # never less than the traced holdings show
    if traced != "none":
        assert r.band == traced
    else:
        assert r.band in ("none", "unknown")
    # never hides a threshold the untraced share could reach
    for t in (T.screening, T.sizeable, T.majority + 1e-9):
        at_t = band_for(t, controlled or t > T.majority, operated, T)
        if lo < t - 1e-12 and hi >= t - 1e-12 and SEVERITY[at_t] > SEVERITY[traced]:
            assert r.band == "unknown" or SEVERITY[r.band_max] >= SEVERITY[at_t] > SEVERITY[r.band]
            assert r.basis in ("untraced", "traced_minimum")
    assert r.band_max == worst
    if SEVERITY[worst] > SEVERITY[traced] and worst != "low":
        assert r.basis in ("untraced", "traced_minimum")
    # "none" only where no threshold is reachable, "unknown" only where one is
    if r.band == "none":
        assert hi < T.screening and not controlled and not operated
    if r.band == "unknown":
        assert lo <= 1e-12 and hi >= T.screening - 1e-12
    # what is untraced is said, and adds up with what is traced
    assert r.untraced == pytest.approx(hi - lo, abs=1e-12)


def test_words_say_up_to_x_untraced():
    b = interval_band(0.0, 0.0455, False, False, T)
    text = band_reason(b, "Russia", 0.0, 0.0455, False, None, None, T)
    assert "95.45%" in text and "up to 4.55% is untraced" in text and "cannot change the band" in text
    b = interval_band(0.05, 0.45, False, False, T)
    text = band_reason(b, "China", 0.05, 0.45, False, None, None, T)
    assert text.startswith("Entities controlled from China hold 5–45% by look-through: below the 10%")
    assert "Up to 40% is untraced: it could make the band 'high'." in text
    b = interval_band(0.0, 0.3, False, False, T)
    assert "enough to reach the 25% 'sizeable' threshold" in band_reason(b, "China", 0.0, 0.3, False, None, None, T)
    complete = band_reason(Band("none", "none", "none", 0.0, "complete"), "China", 0.0, 0.0, False, None, None, T)
    assert complete == "Every recorded holding is traced and none reaches an entity controlled from China."
    assert "untraced" not in band_reason(interval_band(0.3, 0.3, False, False, T), "China", 0.3, 0.3, False, None,
                                         None, T)
