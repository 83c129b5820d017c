"""Words for numbers: shares, percentages and source dates, the one place they are formatted.

Contract: pure functions from fractions (0-1) and dates to the text every reader shows
(site, API, plain-words explanations, history, downloads). Nothing else formats a share.

Examples
--------
>>> pct(0.2499), share_text(0.4726, 0.61), stake_share(0.0, 1.0, False)
('24.99%', '47.26–61%', 'undisclosed share')
>>> date_text("2023-05-17", "month")
'2023-05'
"""

from __future__ import annotations

import pandas as pd

UNDISCLOSED = "undisclosed share"


def pct(x: float) -> str:
    """A fraction as a short percentage: 0.2499 -> '24.99%'.

    Examples
    --------
    >>> pct(0.246), pct(0.5), pct(0.000012)
    ('24.6%', '50%', '<0.01%')
    """
    v = 100 * x
    if 0 < v < 0.01:
        return "<0.01%"
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{s}%"


def share_text(lo: float, hi: float) -> str:
    """'24.99%' for an exact value, '47.26–61%' for a range (en dash).

    Examples
    --------
    >>> share_text(0.2499, 0.2499), share_text(0.5156, 1.0)
    ('24.99%', '51.56–100%')
    """
    return pct(lo) if abs(hi - lo) < 1e-9 else f"{pct(lo).rstrip('%')}–{pct(hi)}"


def share_span(lo: float, hi: float) -> str:
    """'24%' for an exact value, '24%-30%' for a range (the downloads' plain-ASCII form).

    Examples
    --------
    >>> share_span(0.24, 0.24), share_span(0.24, 0.3)
    ('24%', '24%-30%')
    """
    return pct(lo) if abs(hi - lo) < 1e-9 else f"{pct(lo)}-{pct(hi)}"


def stake_share(lo: float, hi: float, is_stated: bool) -> str:
    """A recorded stake's share: the stated value or range, or 'undisclosed share' when the
    source gives none (no stated share and no positive lower bound).

    Examples
    --------
    >>> stake_share(0.2499, 0.2499, True), stake_share(0.0, 1.0, False), stake_share(0.1, 1.0, False)
    ('24.99%', 'undisclosed share', '10–100%')
    """
    return share_text(lo, hi) if is_stated or lo > 0 else UNDISCLOSED


def edge_share(lo: float, hi: float) -> str:
    """The share of a merged ownership edge: 'undisclosed share' when it spans 0-100%.

    Examples
    --------
    >>> edge_share(0.0, 1.0), edge_share(0.491, 0.491)
    ('undisclosed share', '49.1%')
    """
    return share_text(lo, hi) if (lo > 0 or hi < 1) else UNDISCLOSED


def date_text(d, precision: str | None) -> str | None:
    """A source date at the precision the source gives it (year, month or day); None if missing.

    Examples
    --------
    >>> date_text("2023-06-19", "day"), date_text("2023-06-19", "year"), date_text(None, "day")
    ('2023-06-19', '2023', None)
    """
    if d is None or pd.isna(d):
        return None
    d = pd.Timestamp(d)
    return d.strftime({"year": "%Y", "month": "%Y-%m"}.get(precision, "%Y-%m-%d"))
