"""Stable text identifiers: slugs of names and short hashes of key parts.

Contract: pure functions of their arguments (no I/O); the derive steps use them for the ids
written into ``datasets/`` and entity matching for the ids of the entities it makes, so the
same input always gives the same id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata


def slug(text: str, max_len: int = 60) -> str:
    """ASCII, lower-case, dash-separated identifier of a name.

    Examples
    --------
    >>> slug("Générale de Manutention Portuaire (GMP)")
    'generale-de-manutention-portuaire-gmp'
    >>> slug("!!!")
    'x'
    """
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t[:max_len].rstrip("-") or "x"


def short_hash(*parts: str, n: int = 10) -> str:
    """The first ``n`` hex digits of the SHA-1 of the parts joined by a unit separator.

    Examples
    --------
    >>> short_hash("a", "b")
    '687d61996b'
    >>> short_hash("a", "b") != short_hash("ab")
    True
    """
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:n]
