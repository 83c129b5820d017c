"""Helpers of the crawls that turn a publisher's current layout into the raw layout a derive step reads.

Contract: some publishers changed their layout since the raw snapshot a source was first
derived from (UN/LOCODE's official code list, GEM's map CSV, the Submarine Cable Map's API v3).
Their crawls (``sources/<package>/fetch.py``) download the published files verbatim, then
write the files the derive step reads beside them with :func:`write_derived`: the bytes, and
a provenance sidecar naming the published file they come from (its URL and retrieval time,
``schema = "derived from <file>: …"``), so :func:`infrarisk.snapshots.verify_snapshot` checks them
like any fetched file and the manifest's ``derived_from`` points at them.
:func:`country_codes` maps English country names to ISO 3166-1 alpha-2 codes from the
Natural Earth dataset (``NAME``, ``NAME_LONG``, ``ADMIN``) and the pairs a shipped dataset
already states (names and codes side by side); a name in neither stays unmapped and is
reported by the crawl, never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from ..fsops import write_atomic
from ..http import FetchResult, Provenance, read_provenance, sidecar_of, utcnow

_ISO2 = re.compile(r"^[A-Z]{2}$")


def csv_bytes(header: list[str], rows: list[dict]) -> bytes:
    """UTF-8 CSV (``\\n`` line ends, minimal quoting) of ``rows`` in ``header`` order."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="raise")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_derived(stage, rel: str, body: bytes, origin: Path, src_id: str, res, summary: str) -> FetchResult:
    """Write ``body`` as ``rel`` of the staged snapshot with a sidecar naming ``origin`` (a
    fetched file of the same stage) as its source; record it in ``res.files``."""
    prov = read_provenance(origin)
    if prov is None:
        raise ValueError(f"{origin} has no provenance record")
    digest = hashlib.sha256(body).hexdigest()
    dest = stage.path(rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    previous = read_provenance(stage.previous(rel))
    write_atomic(dest, body)
    p = Provenance(source=src_id, url=prov.url, retrieved_at=prov.retrieved_at, checked_at=utcnow(),
                   status=prov.status, sha256=digest, bytes=len(body), content_type=None,
                   schema=f"derived from {origin.name}: {summary}")
    write_atomic(sidecar_of(dest), p.to_json())
    outcome = "new" if previous is None else ("unchanged" if previous.sha256 == digest else "changed")
    r = FetchResult(src_id, rel, prov.url, outcome, digest, len(body), 0, 0.0, 0.0, p.schema)
    res.files.append(r)
    return r


def country_codes(datasets_dir: Path, pairs: list[tuple[str, str]] = ()) -> dict[str, str]:
    """English country name (case-folded) -> ISO alpha-2, from Natural Earth and ``pairs``."""
    out: dict[str, str] = {}
    ne = Path(datasets_dir) / "naturalearth" / "countries.geojson"
    if ne.is_file():
        for f in json.loads(ne.read_text(encoding="utf-8")).get("features", []):
            p = f.get("properties") or {}
            code = str(p.get("ISO_A2_EH") or "")
            if _ISO2.match(code):
                for k in ("ADMIN", "NAME_LONG", "NAME"):
                    if p.get(k):
                        out[str(p[k]).casefold()] = code
    for name, code in pairs:  # what a shipped dataset states wins over the polygons' names
        if name and _ISO2.match(code or ""):
            out[name.strip().casefold()] = code
    return out


def read_csv_rows(path: Path, encoding: str = "utf-8-sig") -> list[dict]:
    if not Path(path).is_file():
        return []
    with open(path, newline="", encoding=encoding) as fh:
        return list(csv.DictReader(fh))
