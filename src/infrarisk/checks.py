"""Data checks: SQL that returns offending rows, each with a severity and a tolerance.

Contract: every ``sql/checks/<name>.sql`` is a SELECT returning the offending rows. Its
header comment declares ``-- severity: error|warning`` and ``-- tolerance: N`` (offending
rows allowed before the check fails) and a ``-- why:`` line. A failed ``error`` check stops
the build before anything is published (:class:`~infrarisk.errors.CheckFailed`); warnings
are reported. Results are written to ``out_build__checks``. (Pattern: PUDL data tests,
zavod assertions.) A check may name a vocabulary list as ``{non_economic_interest_types}``:
it is filled in from ``vocab/interest_types.csv`` (:func:`check_sql`), so a check counts
shares with the same interest types as the resolver. Settings a check needs (a tolerance,
say) are named parameters (``$share_sum_tolerance``) passed by the caller, never session
variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from . import db, vocab
from .errors import CheckFailed

_HEADER = re.compile(r"^--\s*(severity|tolerance|why):\s*(.+)$", re.M)


@dataclass
class CheckResult:
    name: str
    severity: str
    tolerance: int
    why: str
    offending: int
    sample: list[dict]

    @property
    def failed(self) -> bool:
        return self.offending > self.tolerance


def parse_header(text: str) -> dict[str, str]:
    return {k: v.strip() for k, v in _HEADER.findall(text)}


def check_sql(name: str) -> str:
    """The SQL of ``sql/checks/<name>.sql`` with its vocabulary lists filled in.

    Examples
    --------
    >>> "('operating_contract', 'tenancy', 'fund_management', 'fund_structure')" in check_sql("shares_over_100")
    True
    """
    text = db.sql_text(f"checks/{name}")
    return text.replace("{non_economic_interest_types}", vocab.sql_list(vocab.non_economic_interest_types()))


def run_checks(con: duckdb.DuckDBPyConnection, names: list[str] | None = None,
               params: dict[str, object] | None = None) -> list[CheckResult]:
    """Run the SQL checks and record them in ``out_build__checks``.

    ``params`` are the named parameters the checks may use (``$name`` in the SQL); each check
    gets the ones it names.
    """
    results = []
    for name in names or db.check_names():
        text = check_sql(name)
        h = parse_header(text)
        severity = h.get("severity", "error")
        if severity not in ("error", "warning"):
            raise ValueError(f"checks/{name}.sql: severity must be error or warning")
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", text)}
        df = con.execute(text, used).df() if used else con.execute(text).df()
        # the sample as text (none to convert where no row offends, as in most checks)
        results.append(CheckResult(name, severity, int(h.get("tolerance", 0)), h.get("why", ""), len(df),
                                   df.head(20).astype(str).to_dict("records") if len(df) else []))
    return results


def record(con: duckdb.DuckDBPyConnection, results: list[CheckResult]) -> None:
    df = pd.DataFrame([{"check_name": r.name, "severity": r.severity, "tolerance": r.tolerance,
                        "offending_rows": r.offending, "is_failed": r.failed, "why": r.why,
                        "sample": "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in r.sample[:5])}
                       for r in results],
                      columns=["check_name", "severity", "tolerance", "offending_rows", "is_failed", "why", "sample"])
    db.write_frame(con, "out_build__checks", df, order_by=["check_name"])


def raise_on_failure(results: list[CheckResult]) -> None:
    failed = [r for r in results if r.failed and r.severity == "error"]
    if failed:
        lines = [f"{r.name}: {r.offending} offending row(s) (tolerance {r.tolerance}) — {r.why}; e.g. {r.sample[:2]}"
                 for r in failed]
        raise CheckFailed("data checks failed:\n  " + "\n  ".join(lines), failed)
