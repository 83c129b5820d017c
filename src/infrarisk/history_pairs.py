"""The holdings a state compares: per (subject, holder) pair of its links, the one that counts.

Contract: :func:`_pairs` takes the links of a state (:data:`infrarisk.history.LINK_COLUMNS`, a
frame) and returns, per (subject kind, subject, holder), a :class:`_Pair`: the share (in words),
its lower bound, status, dates, source and names of the holding that counts today (its current
rows: their share range, the latest's status), else of its latest row. :mod:`infrarisk.history`
digests and compares states by them. ``_date`` writes a date as ``YYYY-MM-DD`` (None when missing).
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

import pandas as pd

from .fmt import share_text


def _date(v) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return str(v)[:10]



class _Pair(NamedTuple):
    """The holding of a (subject, holder) pair that counts (a named tuple: thousands are made per build)."""

    share: str | None
    share_lo: float | None
    status: str
    valid_from: str | None
    valid_to: str | None
    source_url: str | None
    subject_name: str
    owner_name: str


def _pairs(links: pd.DataFrame) -> dict[tuple, _Pair]:
    """Per (subject, holder): the holding that counts today (current rows), else the latest row.

    One pass over the rows (tuples, the columns read by position) sorted once (per-pair DataFrame
    operations took seconds at a few thousand pairs).
    """
    out: dict[tuple, _Pair] = {}
    if links.empty:
        return out
    names = list(links.columns)
    (kind, subj, owner, as_of, link, cur_, lo_, hi_, stated_, status_, end_, url_, sname, oname) = map(names.index, (
        "subject_kind", "subject_id", "owner_entity_id", "as_of_date", "link_id", "is_current", "share_min",
        "share_max", "is_share_stated", "status", "end_date", "source_url", "subject_name", "owner_name"))
    rows = [r for r in zip(*(links[c].to_numpy(dtype=object, na_value=None) for c in names))
            if r[kind] is not None and r[subj] is not None and r[owner] is not None]
    rows.sort(key=lambda r: (r[kind], r[subj], r[owner], r[as_of] or "", r[link]))
    nan = float("nan")
    for key, grp in groupby(rows, key=itemgetter(kind, subj, owner)):  # rows of a pair by date then id
        grp = list(grp)
        if len(grp) == 1:  # most pairs: one row (the branches below, for one row)
            top = grp[0]
            lo, hi = top[lo_], top[hi_]
            if top[cur_]:
                lo, hi = (nan if lo is None else float(lo)), (nan if hi is None else float(hi))
                share = share_text(lo, hi) if bool(top[stated_]) or lo > 0 else "undisclosed"
            else:
                lo = float(lo) if lo is not None else None
                share = (share_text(lo, float(hi)) if lo is not None and (bool(top[stated_]) or lo > 0)
                         else "undisclosed")
            out[key] = _Pair(share, lo, str(top[status_]), _date(top[as_of]), _date(top[end_]), top[url_],
                             str(top[sname]), str(top[oname]))
            continue
        cur = [r for r in grp if r[cur_]]
        if cur:
            los = [float(r[lo_]) for r in cur if r[lo_] is not None]
            his = [float(r[hi_]) for r in cur if r[hi_] is not None]
            lo, hi = (min(los) if los else float("nan")), (max(his) if his else float("nan"))
            top = cur[-1]
            stated = any(bool(r[stated_]) for r in cur) or lo > 0
            share = share_text(lo, hi) if stated else "undisclosed"
        else:
            top = grp[-1]
            lo = float(top[lo_]) if top[lo_] is not None else None
            share = (share_text(lo, float(top[hi_])) if lo is not None and (bool(top[stated_]) or lo > 0)
                     else "undisclosed")
        out[key] = _Pair(share=share, share_lo=lo, status=str(top[status_]), valid_from=_date(top[as_of]),
                         valid_to=_date(top[end_]), source_url=top[url_],
                         subject_name=str(top[sname]), owner_name=str(top[oname]))
    return out
