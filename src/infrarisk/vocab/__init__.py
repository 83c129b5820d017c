"""Controlled vocabularies: raw values of the sources mapped to the project's codes.

Each CSV maps every raw value a source is known to use (``raw_value``) to a code, with
a reason where the mapping is a judgement. A raw value missing from its table is an
error at load time (strict interpretation), never silently bucketed.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

VOCAB_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def table(name: str) -> dict[str, dict[str, str]]:
    """``raw_value -> row`` of ``vocab/<name>.csv``."""
    with open(VOCAB_DIR / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return {r["raw_value"]: r for r in csv.DictReader(fh)}


@lru_cache(maxsize=None)
def interest_types() -> dict[str, dict]:
    """``code -> row`` of ``vocab/interest_types.csv``, the one list of interest types.

    Each row: ``is_economic`` (counts towards look-through shares), ``is_control`` (holding
    it controls the subject whatever the share), ``is_operator`` (the holder operates the
    asset under contract: it names the operator an exposure band may rest on), ``bods_code`` (BODS 0.4 ``interestType``),
    ``phrase`` (how :mod:`infrarisk.plain` words the stake, with ``{share}`` and
    ``{subject}``), ``reason``.

    Examples
    --------
    >>> interest_types()["concession"]["bods_code"], interest_types()["tenancy"]["is_economic"]
    ('rightsGrantedByContract', False)
    """
    with open(VOCAB_DIR / "interest_types.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        for col in ("is_economic", "is_control", "is_operator"):
            if r[col] not in ("true", "false"):
                raise ValueError(f"vocab/interest_types.csv: {r['code']}: {col} must be true or false")
            r[col] = r[col] == "true"
        out[r["code"]] = r
    return out


def non_economic_interest_types() -> tuple[str, ...]:
    """Interest types that give use or operation of an asset but no ownership share: kept
    as links (an operator), never counted as shares.

    Examples
    --------
    >>> non_economic_interest_types()
    ('operating_contract', 'tenancy', 'fund_management', 'fund_structure')
    """
    return tuple(c for c, r in interest_types().items() if not r["is_economic"])


def sql_list(values) -> str:
    """Values as a SQL list of string literals, for an ``IN (...)`` generated from a vocabulary.

    Examples
    --------
    >>> sql_list(["tenancy", "o'k"])
    "('tenancy', 'o''k')"
    """
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


def operator_interest_types() -> tuple[str, ...]:
    """Interest types whose holder operates the asset under contract.

    Examples
    --------
    >>> operator_interest_types()
    ('operating_contract',)
    """
    return tuple(c for c, r in interest_types().items() if r["is_operator"])
