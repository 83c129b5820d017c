"""Shares and dates in words: the one formatter every reader uses."""

import datetime

import pytest

from infrarisk import fmt


@pytest.mark.parametrize("lo,hi,text", [
    (0.2499, 0.2499, "24.99%"), (0.4726, 0.61, "47.26–61%"), (0.5, 0.5, "50%"), (0.000012, 0.000012, "<0.01%"),
    (0.0, 1.0, "0–100%"),
])
def test_share_text(lo, hi, text):
    assert fmt.share_text(lo, hi) == text


def test_stake_and_edge_shares_say_undisclosed_only_without_a_share():
    assert fmt.stake_share(0.0, 1.0, False) == fmt.UNDISCLOSED == "undisclosed share"
    assert fmt.stake_share(0.0, 0.0, True) == "0%"          # a stated 0% (an exit) is a share
    assert fmt.edge_share(0.0, 1.0) == "undisclosed share" and fmt.edge_share(0.0, 0.5) == "0–50%"


def test_share_span_is_plain_ascii_for_downloads():
    assert fmt.share_span(0.1, 0.25) == "10%-25%" and fmt.share_span(0.1, 0.1) == "10%"


@pytest.mark.parametrize("d,prec,text", [
    (datetime.date(2023, 6, 19), "day", "2023-06-19"), ("2023-06-19", "month", "2023-06"),
    ("2023-06-19", "year", "2023"), ("2023-06-19", None, "2023-06-19"), (None, "day", None),
    (float("nan"), "day", None),
])
def test_date_text_keeps_the_source_precision(d, prec, text):
    assert fmt.date_text(d, prec) == text
