"""Snapshot provenance: the ``.provenance`` sidecar of each fetched file and what one download did.

Contract: :class:`Provenance` (url, retrieval and check times, HTTP status, sha256, bytes,
ETag, Last-Modified, content type, final URL, the schema check's summary) is written as JSON
beside each snapshot file (:func:`sidecar_of`: ``F.provenance``; the suffix keeps sidecars
out of ``*.json`` globs) and read back by :func:`read_provenance` (None when absent or
unreadable); :class:`FetchResult` is what one download did. No network here: the client that
writes them is :mod:`infrarisk.http`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

SIDECAR = ".provenance"


@dataclass
class Provenance:
    """Where one snapshot file came from (its ``.provenance`` sidecar)."""

    source: str
    url: str
    retrieved_at: str
    checked_at: str
    status: int
    sha256: str
    bytes: int
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    schema: str = ""

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=1, sort_keys=True) + "\n").encode("utf-8")


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def read_provenance(path: Path) -> Provenance | None:
    """The sidecar of snapshot file ``path``; None when absent or unreadable."""
    side = sidecar_of(Path(path))
    try:
        return Provenance(**json.loads(side.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


@dataclass
class FetchResult:
    """What one download did."""

    source: str
    path: str
    url: str
    outcome: str  # new | changed | unchanged | not-modified | missing
    sha256: str = ""
    bytes: int = 0
    attempts: int = 0
    waited_s: float = 0.0
    seconds: float = 0.0
    schema: str = ""
