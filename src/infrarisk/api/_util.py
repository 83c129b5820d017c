"""Helpers of the analysts' API: argument checks, SQL filters, profile and date parsing.

Contract: pure functions shared by the modules of :mod:`infrarisk.api` (no database state):
``_strings``/``_codes`` validate list arguments, ``_where`` builds a ``WHERE`` clause with its
parameters, ``_source_text`` words a list of sources, ``_profile``/``_iso_date`` parse
arguments.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..profiles import Profile, load_profile

CRS = "EPSG:4326"
#: the tables the score stage writes (:mod:`infrarisk.score`, :mod:`infrarisk.summary`): a
#: re-score replaces these and reads every other table of the database as it is
SCORE_PREFIXES = ("out_exposure__", "out_inge2__")


def _profile(p: Profile | str) -> Profile:
    return p if isinstance(p, Profile) else load_profile(p)


def _iso_date(d: str | date) -> str:
    s = d.isoformat() if isinstance(d, date) else str(d)
    try:
        date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"as_of must be a date YYYY-MM-DD, got {d!r}") from None
    return s[:10]


def _strings(v, name: str) -> list[str] | None:
    """A string or list of strings as a list (None stays None: no filter)."""
    if v is None:
        return None
    vals = [v] if isinstance(v, str) else list(v)
    if not vals or not all(isinstance(x, str) and x for x in vals):
        raise ValueError(f"{name} must be a non-empty string or list of strings, got {v!r}")
    return vals


def _codes(v, name: str) -> list[str] | None:
    """ISO alpha-2 codes, upper case (None stays None)."""
    if v is None:
        return None
    vals = [x.upper() for x in _strings(v, name)]
    bad = [x for x in vals if len(x) != 2 or not x.isalpha()]
    if bad:
        raise ValueError(f"{name}: {', '.join(bad)} is not an ISO 3166-1 alpha-2 code")
    return vals


def _where(lists: list[tuple[str, list | None]], others: list[tuple[str, object]] = ()) -> tuple[str, list]:
    """``WHERE col IN (values) AND ...`` for the lists given (None: no filter), then other
    ``(clause, parameter)`` pairs; returns the clause ('' for none) and its parameters."""
    clauses = [(f"{col} IN (SELECT unnest(?::VARCHAR[]))", vals) for col, vals in lists if vals is not None]
    clauses += list(others)
    return ("WHERE " + " AND ".join(c for c, _ in clauses) if clauses else ""), [v for _, v in clauses]


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")



def _source_text(sources: list[dict]) -> str:
    """'title (date) <url>; ...' for a list of source dicts."""
    out = []
    for s in sources:
        when = f" ({s['as_of']})" if s.get("as_of") else ""
        out.append(f"{s.get('title') or s['url']}{when} <{s['url']}>")
    return "; ".join(out)
