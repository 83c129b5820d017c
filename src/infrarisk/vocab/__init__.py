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
