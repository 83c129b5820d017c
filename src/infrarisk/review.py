"""The age of every fact, and the list of facts that need re-checking (``infrarisk review``).

Contract: :class:`AgeRule` (from the settings ``fact_max_age_years`` and
``pending_max_age_months`` and the build's date: ``as_of`` or today) says how old a fact's
newest evidence (``evidence_date`` of ``core_ownership__links``) is, in words for the card
(``"evidence of 2016-05-12, 10 years old"``), and marks it: ``old`` (its newest evidence is
``fact_max_age_years`` or more old) or ``pending`` (a pending or awarded row whose newest
evidence is older than ``pending_max_age_months``). Only facts that hold or may come to hold
are marked (status current, unverified, pending, awarded); history is not.

:func:`review` reads a finished build (``sql/review/review_facts.sql``: the curated stakes
and links and the owner register's parent links, the hand-compiled facts a person re-checks)
and returns the facts that need re-checking — old, pending too long, unverified or undated —
ranked by how much they could change a band:

1. facts an INGE2 port's count rests on (on the ownership path or the control chain behind a
   terminal's high or elevated band), most ports first;
2. pending or awarded stakes of holders controlled from a risk group's country (if they
   complete, they add a stake from that group);
3. facts behind other assets' high bands, then elevated bands (most assets first);
4. facts on any asset's control chain (most assets first);
5. the rest.

Within one rank: pending too long before unverified before old before undated, then the
oldest evidence first, then file and row. Facts of the public snapshots (cables, GEM, GLEIF)
are not listed one by one: they are refreshed with their source (``infrarisk update``);
:func:`review` counts their old facts per source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from . import db
from .profiles import Profile
from .settings import Settings

#: statuses whose age matters (facts that hold, or may come to hold, today)
LIVE_STATUSES = ("current", "unverified", "pending", "awarded")
#: why a fact is listed, most urgent first
REASONS = ("pending", "unverified", "old", "undated")


def as_date(d) -> date | None:
    """A date from a date, datetime, Timestamp or ISO text; None for a missing value."""
    if d is None or d is pd.NaT or (isinstance(d, float) and math.isnan(d)):
        return None
    if isinstance(d, (pd.Timestamp, datetime)):
        return d.date()
    return d if isinstance(d, date) else date.fromisoformat(str(d)[:10])


@dataclass(frozen=True)
class AgeRule:
    """How old a fact is on the build's date, and whether that is too old.

    Examples
    --------
    >>> r = AgeRule(date(2026, 12, 5), 3.0, 6)
    >>> r.text(date(2016, 5, 12), "day")
    'evidence of 2016-05-12, 10 years old'
    >>> r.flag(date(2016, 5, 12), "current"), r.flag(date(2026, 3, 1), "pending"), r.flag(date(2026, 9, 1), "pending")
    ('old', 'pending', None)
    """

    ref: date
    max_years: float = 3.0
    pending_months: int = 6

    @classmethod
    def from_settings(cls, settings: Settings, today: date | None = None) -> "AgeRule":
        """The rule of a build: its ``as_of`` date (else ``today``, default the current date)."""
        ref = date.fromisoformat(settings.as_of) if settings.as_of else (today or date.today())
        return cls(ref, settings.fact_max_age_years, settings.pending_max_age_months)

    def years(self, d) -> float | None:
        """Age in years (365.25 days) on :attr:`ref`; None without a date."""
        d = as_date(d)
        return None if d is None else (self.ref - d).days / 365.25

    def months(self, d) -> int | None:
        """Whole calendar months from ``d`` to :attr:`ref`."""
        d = as_date(d)
        if d is None:
            return None
        return (self.ref.year - d.year) * 12 + self.ref.month - d.month - (self.ref.day < d.day)

    def age(self, d) -> str | None:
        """``"10 years old"``, ``"7 months old"``, ``"less than a month old"``; None without a date."""
        m = self.months(d)
        if m is None:
            return None
        if m < 0:
            return "dated after the build's date"
        if m >= 12:
            y = m // 12
            return f"{y} year{'s' if y > 1 else ''} old"
        return "less than a month old" if m == 0 else f"{m} month{'s' if m > 1 else ''} old"

    def text(self, d, precision: str | None = None) -> str | None:
        """``"evidence of <date at its precision>, <age>"``; None without a date."""
        d = as_date(d)
        if d is None:
            return None
        shown = d.isoformat()[:{"year": 4, "month": 7}.get(precision or "day", 10)]
        return f"evidence of {shown}, {self.age(d)}"

    def flag(self, d, status: str) -> str | None:
        """``"pending"`` (pending or awarded too long), ``"old"``, or None (history is never marked)."""
        if status not in LIVE_STATUSES:
            return None
        d = as_date(d)
        if d is None:
            return None
        if status in ("pending", "awarded") and self.months(d) >= self.pending_months:
            return "pending"
        return "old" if self.years(d) >= self.max_years else None

    def flag_text(self, flag: str | None) -> str | None:
        """The mark shown beside a flagged fact."""
        if flag == "old":
            return f"older than {self.max_years:g} years: to be re-checked"
        if flag == "pending":
            return f"pending for more than {self.pending_months} months: to be re-checked"
        return None


def _reasons(rule: AgeRule, r: dict) -> list[str]:
    out = []
    flag = rule.flag(r["evidence_date"], r["status"])
    if flag == "pending":
        out.append("pending")
    if r["status"] == "unverified":
        out.append("unverified")
    if flag == "old" or (flag == "pending" and rule.years(r["evidence_date"]) >= rule.max_years):
        out.append("old")
    if as_date(r["evidence_date"]) is None:
        out.append("undated")
    return out


def impact(r: dict) -> tuple[int, str]:
    """Rank (1 = could change the most) and its words, from the weights of ``review_facts.sql``."""
    if r["n_inge2_ports"]:
        return 1, f"an INGE2 port count rests on it ({r['n_inge2_ports']} port{'s' if r['n_inge2_ports'] > 1 else ''})"
    if r["could_raise"]:
        return 2, "pending stake of a holder controlled from a risk group: completing it adds a stake"
    if r["n_high"]:
        return 3, f"the high band of {r['n_high']} asset{'s' if r['n_high'] > 1 else ''} rests on it"
    if r["n_elevated"]:
        return 4, f"the elevated band of {r['n_elevated']} asset{'s' if r['n_elevated'] > 1 else ''} rests on it"
    if r["n_control"]:
        return 5, f"on the control chain of {r['n_control']} asset{'s' if r['n_control'] > 1 else ''}"
    return 6, "no band rests on it"


def _sort_key(r: dict):
    n = {1: -r["n_inge2_ports"], 2: 0, 3: -r["n_high"], 4: -r["n_elevated"], 5: -r["n_control"]}.get(r["rank"], 0)
    ev = as_date(r["evidence_date"])
    return (r["rank"], n, REASONS.index(r["reasons"][0]), ev or date.min, r["file"], r["row"])


def review(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile,
           today: date | None = None) -> dict:
    """The facts that need re-checking, ranked (module docstring).

    Returns
    -------
    dict with ``as_of`` (the date ages are counted to), ``fact_max_age_years``,
    ``pending_max_age_months``, ``facts`` (ranked rows: rank, impact, reasons, file, row,
    link_id, subject, holder, share, status, source_url, evidence_date, age) and
    ``snapshot_old`` (per public-snapshot source: facts older than the limit).
    """
    rule = AgeRule.from_settings(settings, today)
    risk = sorted({c for g in profile.groups for c in profile.members(g)})
    cur = con.execute(db.sql_text("review/review_facts"), {"risk_countries": risk})
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        reasons = _reasons(rule, r)
        if not reasons:
            continue
        rank, words = impact(r)
        lo, hi = r["share_min"], r["share_max"]
        share = None if lo is None else (f"{lo * 100:g}%" if r["is_share_stated"] else f"{lo * 100:g}-{hi * 100:g}%")
        ev = as_date(r["evidence_date"])
        out.append({"rank": rank, "impact": words, "reasons": reasons, "file": r["origin_file"],
                    "row": int(r["origin_row"]) if r["origin_row"] is not None else None, "link_id": r["link_id"],
                    "subject": r["subject_name"], "holder": r["owner_name"] or r["owner_entity_id"],
                    "holder_country": r["owner_country_code"], "share": share, "status": r["status"],
                    "source_url": r["source_url"], "evidence_date": ev.isoformat() if ev else None,
                    "age": rule.age(ev), "n_inge2_ports": r["n_inge2_ports"], "n_high": r["n_high"],
                    "n_elevated": r["n_elevated"], "n_control": r["n_control"],
                    "could_raise": bool(r["could_raise"])})
    out += _transactions(con, rule)
    out.sort(key=_sort_key)
    cutoff = date(rule.ref.year - int(rule.max_years), rule.ref.month, min(rule.ref.day, 28))
    snap = con.execute("""
        SELECT source_id, count(*) FROM core_ownership__links
        WHERE source_id NOT IN ('curated', 'owners') AND is_current AND evidence_date <= ?
        GROUP BY ALL ORDER BY source_id""", [cutoff]).fetchall()
    return {"as_of": rule.ref.isoformat(), "fact_max_age_years": rule.max_years,
            "pending_max_age_months": rule.pending_months, "n_facts": len(out), "facts": out,
            "snapshot_old": {s: n for s, n in snap}}


def _transactions(con: duckdb.DuckDBPyConnection, rule: AgeRule) -> list[dict]:
    """Open curated transactions (not re-checked as completed, status not 'completed') whose newest
    evidence is older than the pending limit: rank 2, completing them changes the holders of assets."""
    rows = con.execute("""
        SELECT t.transaction_id, t.transaction, t.assets_affected, t.buyer, t.status, t.status_date, t.evidence_date,
               coalesce(t.evidence_url, t.source_url) AS source_url, t.recheck_result,
               coalesce(t.recheck_file, 'curated/transactions.csv'),
               coalesce(TRY_CAST(t.recheck_row AS BIGINT), r.row_number)
        FROM core_curated__transactions t
        LEFT JOIN raw_curated__transactions r USING (transaction_id)
        ORDER BY t.transaction_id""").fetchall()
    out = []
    for tid, what, assets, buyer, status, status_date, ev_text, url, result, rfile, rrow in rows:
        if result == "completed" or (result is None and status.lower().startswith("completed")):
            continue
        ev = as_date(ev_text) if ev_text else None
        try:
            ev = ev or as_date(status_date + "-01-01"[len(status_date) - 4:] if status_date else None)
        except ValueError:
            ev = None
        if ev is None or rule.months(ev) < rule.pending_months:
            continue
        out.append({"rank": 2, "impact": f"open transaction: when it completes the holders of {assets} change",
                    "reasons": ["pending"] + (["old"] if rule.years(ev) >= rule.max_years else []),
                    "file": rfile, "row": int(rrow) if rrow else None, "link_id": tid,
                    "subject": what, "holder": buyer, "holder_country": None, "share": None, "status": status,
                    "source_url": url, "evidence_date": ev.isoformat(), "age": rule.age(ev), "n_inge2_ports": 0,
                    "n_high": 0, "n_elevated": 0, "n_control": 0, "could_raise": False})
    return out


def summary(res: dict, top: int = 10) -> dict:
    """What the run report carries of a :func:`review`: the count, by reason and by rank, the first ``top``."""
    by_reason: dict[str, int] = {}
    by_rank: dict[str, int] = {}
    for f in res["facts"]:
        for r in f["reasons"]:
            by_reason[r] = by_reason.get(r, 0) + 1
        by_rank[str(f["rank"])] = by_rank.get(str(f["rank"]), 0) + 1
    return {"as_of": res["as_of"], "facts_to_recheck": res["n_facts"], "by_reason": by_reason, "by_rank": by_rank,
            "first": [{k: f[k] for k in ("file", "row", "holder", "subject", "reasons", "impact", "evidence_date")}
                      for f in res["facts"][:top]],
            "snapshot_old": res["snapshot_old"]}


def text_report(res: dict) -> str:
    """The review as plain text, one fact per line (what ``infrarisk review`` prints)."""
    lines = [f"{res['n_facts']} fact(s) to re-check on {res['as_of']} (older than {res['fact_max_age_years']:g} years, "
             f"pending over {res['pending_max_age_months']} months, unverified or undated), most consequential first:"]
    for k, f in enumerate(res["facts"], start=1):
        ev = f"evidence of {f['evidence_date']} ({f['age']})" if f["evidence_date"] else "no date"
        lines.append(f"{k:4d}. [{', '.join(f['reasons'])}] {f['holder']} -> {f['subject']}"
                     f"{' ' + f['share'] if f['share'] else ''} ({f['status']}); {ev}; {f['impact']}; "
                     f"{f['file']} row {f['row']}; {f['source_url']}")
    for s, n in res["snapshot_old"].items():
        lines.append(f"      {s}: {n} current fact(s) older than {res['fact_max_age_years']:g} years "
                     "(a public snapshot: refreshed with its source by `infrarisk update`)")
    return "\n".join(lines)
