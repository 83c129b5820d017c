"""The band rule: what the traced holdings show, and what the untraced share could change.

Contract: pure functions, no database. :func:`interval_band` takes one asset's share
interval for one high-risk group — ``lo`` what the traced holdings show (entities
controlled from the group hold at least this by look-through), ``hi`` the worst case
(every untraced share is the group's: ``hi - lo`` is the untraced share) — whether the
group controls or operates the asset, and the thresholds of the settings; it returns a
:class:`Band`: the band, the bands of the best and the worst case, the untraced share and
the basis of the band. :func:`band_reason` says it in words. :mod:`infrarisk.score` writes
them into ``out_exposure__asset_groups``.

The rule (thresholds are settings: *screening* 10%, *sizeable* 25%, *majority* 50%):

- the **point band** of a share ``s`` is ``high`` (controlled, or ``s`` ≥ sizeable),
  ``elevated`` (``s`` ≥ screening, or operated under contract), ``low`` (``s`` > 0) or
  ``none`` (:func:`band_for`);
- the **best case** is the point band of ``lo`` (the untraced share is nobody's in the group);
  the **worst case** that of ``hi``, controlled also when ``hi`` exceeds the majority
  threshold (the untraced share all the group's);
- nothing untraced (``hi = lo``): the band is the best case (basis ``complete``);
- the best case is ``low`` or more: the band is the best case — never less than the traced
  holdings show — and where the worst case is more severe the basis is ``traced_minimum``
  (the band is a floor; ``band_max`` says what the untraced share could make it), else
  ``traced``;
- the best case is ``none``: if the worst case stays below the screening threshold (``none``
  or ``low``) the band is ``none`` on the traced holdings, "up to X% untraced" (basis
  ``traced``); if the untraced share could reach a threshold the band is ``unknown`` (basis
  ``untraced``).

So "unknown" means exactly: no exposure is established and the untraced share could reach
the screening threshold (or more). A share below the screening threshold is ``low`` when it
is traced and cannot make an asset ``unknown`` when it is untraced: ``low`` and ``none``
differ by no threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .fmt import pct, share_text
from .settings import Thresholds

SEVERITY = {"high": 4, "elevated": 3, "low": 2, "unknown": 1, "none": 0}
#: the basis of a band (``out_exposure__asset_groups.band_basis``)
BASES = ("complete", "traced", "traced_minimum", "untraced")
EPS = 1e-12


@dataclass(frozen=True)
class Band:
    """One asset's band for one group and what it rests on.

    Attributes
    ----------
    band : str
        The band shown.
    band_min, band_max : str
        Point bands of the best case (traced holdings only) and the worst case (the
        untraced share all the group's).
    untraced : float
        The untraced share, ``hi - lo`` (0 when every holding is traced).
    basis : str
        One of :data:`BASES` (module docstring).
    """

    band: str
    band_min: str
    band_max: str
    untraced: float
    basis: str


def band_for(share: float, controlled: bool, operated: bool, t: Thresholds) -> str:
    """The point band of a known share (module docstring).

    Examples
    --------
    >>> t = Thresholds()
    >>> [band_for(s, False, False, t) for s in (0.0, 0.05, 0.10, 0.2499, 0.25)]
    ['none', 'low', 'elevated', 'elevated', 'high']
    >>> band_for(0.0, True, False, t), band_for(0.0, False, True, t)
    ('high', 'elevated')
    """
    if controlled or share >= t.sizeable - EPS:
        return "high"
    if share >= t.screening - EPS or operated:
        return "elevated"
    if share > EPS:
        return "low"
    return "none"


@lru_cache(maxsize=8192)
def interval_band(lo: float, hi: float, controlled: bool, operated: bool, t: Thresholds) -> Band:
    """The band of a share interval ``[lo, hi]`` (module docstring).

    A pure function of its arguments (all hashable, the :class:`Band` immutable), so its
    results are kept for repeated arguments: a build asks for each asset and group, most of
    them with the same few intervals (no holding at all, most of all).

    Examples
    --------
    CSP Zeebrugge for Russia: 95.45% traced, none of it Russian, 4.55% untraced — below the
    screening threshold, so ``none`` on the traced holdings, not ``unknown``:

    >>> t = Thresholds()
    >>> interval_band(0.0, 0.0455, False, False, t)
    Band(band='none', band_min='none', band_max='low', untraced=0.0455, basis='traced')
    >>> interval_band(0.0, 0.10, False, False, t).band, interval_band(0.05, 0.30, False, False, t).basis
    ('unknown', 'traced_minimum')
    """
    hi = max(hi, lo)
    u = hi - lo
    best = band_for(lo, controlled, operated, t)
    worst = band_for(hi, controlled or hi > t.majority + EPS, operated, t)
    if u <= EPS:
        return Band(best, best, best, 0.0, "complete")
    if best == "none":
        if SEVERITY[worst] <= SEVERITY["low"]:
            return Band("none", best, worst, u, "traced")
        return Band("unknown", best, worst, u, "untraced")
    return Band(best, best, worst, u, "traced_minimum" if worst != best else "traced")


def band_reason(b: Band, label: str, lo: float, hi: float, controlled: bool, operator: str | None,
                controller_chain: str | None, t: Thresholds, has_holders: bool = True,
                undisclosed_holders: tuple[str, ...] = ()) -> str:
    """The band of one asset for one group in words, saying "up to X% untraced" where it applies.

    ``undisclosed_holders`` names the holders controlled from the group whose share the
    sources do not state (a consortium member, a holder GEM names without a share): a
    holding is then established, only its size is not, and an ``unknown`` band says so
    instead of "no holding is established".

    Examples
    --------
    >>> t = Thresholds()
    >>> b = interval_band(0.0, 0.0455, False, False, t)
    >>> band_reason(b, "Russia", 0.0, 0.0455, False, None, None, t)  # doctest: +NORMALIZE_WHITESPACE
    'None of the traced holdings (95.45%) reaches an entity controlled from Russia; up to 4.55% is untraced,
    below the 10% FDI-screening threshold, so it cannot change the band.'
    """
    band = b.band
    if band in ("high", "elevated", "low"):  # the sentence on the share held (made only where it is said)
        held = f"Entities controlled from {label} hold {share_text(lo, hi)} by look-through"
    if band == "high" and controlled:
        text = f"Controlled from {label}: {(controller_chain or '').rstrip('.')}." + (f" {held}." if lo > 0 else "")
    elif band == "high":
        text = f"{held}: at least the {pct(t.sizeable)} 'sizeable' threshold (blocking minority)."
    elif band == "elevated" and lo >= t.screening - EPS:
        text = f"{held}: at least the {pct(t.screening)} FDI-screening threshold."
    elif band == "elevated":
        text = f"Operated under contract by {operator}, an entity controlled from {label}."
    elif band == "low":
        text = f"{held}: below the {pct(t.screening)} FDI-screening threshold."
    elif band == "none" and b.basis == "complete":
        return f"Every recorded holding is traced and none reaches an entity controlled from {label}."
    elif band == "none":
        return (f"None of the traced holdings ({pct(1.0 - b.untraced)}) reaches an entity controlled from {label}; "
                f"up to {pct(b.untraced)} is untraced, below the {pct(t.screening)} FDI-screening threshold, "
                "so it cannot change the band.")
    elif not has_holders:
        return "No current ownership stake is recorded in the sources (see the stakes listed as not current)."
    elif undisclosed_holders:
        names = "; ".join(undisclosed_holders[:5]) + (f" and {len(undisclosed_holders) - 5} more"
                                                         if len(undisclosed_holders) > 5 else "")
        return (f"Held in part by or through entities controlled from {label} ({names}), a share the sources do not "
                "state; "
                f"with the rest of what is not accounted for it could be up to {pct(hi)}, enough to reach the "
                f"{_threshold_reached(hi, t)}, so the band stays unknown until the share is known.")
    else:
        return (f"No holding by entities controlled from {label} is established, but up to {pct(hi)} "
                "is not accounted for by the recorded holders' stated shares or held by holders whose country is "
                f"not known: enough to reach the {_threshold_reached(hi, t)}.")
    return text + untraced_note(b)


def untraced_note(b: Band) -> str:
    """What the untraced share of a band that traced holdings establish can change ("" if nothing is untraced).

    Examples
    --------
    >>> untraced_note(Band("low", "low", "high", 0.4, "traced_minimum"))
    " Up to 40% is untraced: it could make the band 'high'."
    >>> untraced_note(Band("high", "high", "high", 0.05, "traced"))
    ' Up to 5% is untraced, which cannot change the band.'
    """
    if b.basis == "traced_minimum":
        return f" Up to {pct(b.untraced)} is untraced: it could make the band '{b.band_max}'."
    if b.basis == "traced" and b.untraced > EPS:
        return f" Up to {pct(b.untraced)} is untraced, which cannot change the band."
    return ""


def _threshold_reached(hi: float, t: Thresholds) -> str:
    if hi > t.majority + EPS:
        return f"{pct(t.majority)} majority threshold"
    if hi >= t.sizeable - EPS:
        return f"{pct(t.sizeable)} 'sizeable' threshold (blocking minority)"
    return f"{pct(t.screening)} FDI-screening threshold"
