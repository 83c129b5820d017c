"""Dataset manifests: what each file in ``datasets/`` is, where it came from, its licence.

Contract: every source folder ``datasets/<id>/`` holds a ``manifest.toml`` listing each
data file with its sha256, size and expected row count, plus the source's origin URL,
licence (SPDX id or ``LicenseRef-``), the attribution text the site must show and the
retrieval date. :func:`verify` checks a folder against its manifest; loaders call it
before reading anything. (Pattern: zavod dataset YAMLs, PUDL ``metadata/sources.py``.)

A manifest also says how the build treats its source (written by the source's derive
step, kept by :func:`rehash`): ``package`` (the package under :mod:`infrarisk.sources`
that derives and loads it), ``table_prefix`` (its ``raw_<prefix>__*`` tables),
``depends_on`` (sources whose tables its loader reads, so they load first),
``derived_from`` (sources whose ``datasets/`` folders its derive step reads besides, so they
are derived first; the loader does not read their tables) and
``[refresh]`` (how ``infrarisk fetch``/``update`` refresh its raw snapshot: see
:mod:`infrarisk.sources._fetch`). :mod:`infrarisk.sources` discovers the sources from
these keys; no list of sources exists in code.

:func:`verify` counts the features of a GeoJSON by parsing it; it keeps that parse for the
loader, which takes it with :func:`read_geojson` (once, and only while the file is
unchanged) instead of parsing the file a second time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import pickle
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import tomli_w

from ..errors import ManifestError
from ..collector import paused

MANIFEST = "manifest.toml"


@dataclass
class FileEntry:
    """One data file of a source.

    Attributes
    ----------
    path : str
        Path relative to the source folder.
    sha256, bytes, rows :
        Checksum, size and row count (CSV records without the header, GeoJSON
        features, JSON Lines lines).
    description : str
        What the file holds.
    licence, attribution : str
        Set where the file's licence differs from the source's (the most
        restrictive licence of what a file contains is the file's licence).
    derived_from : list of dict
        ``{"path", "sha256"}`` of the raw snapshot file(s) it was derived from.
    """

    path: str
    sha256: str
    bytes: int
    rows: int
    description: str = ""
    licence: str = ""
    attribution: str = ""
    derived_from: list[dict] = field(default_factory=list)


@dataclass
class Manifest:
    """Provenance of one source folder."""

    id: str
    title: str
    publisher: str
    origin_url: str
    licence: str
    licence_url: str
    attribution: str
    retrieved: str
    refresh_url: str = ""
    homepage: str = ""
    imported_by: str = ""
    notes: str = ""
    is_noncommercial: bool = False
    package: str = ""
    table_prefix: str = ""
    depends_on: list[str] = field(default_factory=list)
    derived_from: list[str] = field(default_factory=list)
    refresh: dict = field(default_factory=dict)
    files: list[FileEntry] = field(default_factory=list)

    def file(self, path: str) -> FileEntry:
        for f in self.files:
            if f.path == path:
                return f
        raise ManifestError(f"{self.id}: {path} is not listed in its manifest")

    def licence_of(self, path: str) -> tuple[str, str]:
        """(licence, attribution) of one file, falling back to the source's."""
        f = self.file(path)
        return f.licence or self.licence, f.attribution or self.attribution

    def to_dict(self) -> dict:
        d = asdict(self)
        d["files"] = [{k: v for k, v in asdict(f).items() if v not in ("", [], None)} for f in self.files]
        return {k: v for k, v in d.items() if v not in ("", None, {}) and not (k == "depends_on" and not self.package)
                and not (k == "derived_from" and not v)}


#: manifest text -> its parse (pickled: each reader gets its own copy); a build reads each manifest
#: several times (to list the sources, to plan the load, to verify)
_TOML: dict[bytes, bytes] = {}


def _parse_toml(data: bytes) -> dict:
    """``tomllib`` of ``data``, parsed once per text."""
    hit = _TOML.get(data)
    if hit is not None:
        return pickle.loads(hit)
    d = tomllib.loads(data.decode("utf-8"))
    if len(_TOML) >= 256:  # a long-lived process reading many folders (the tests)
        _TOML.clear()
    _TOML[data] = pickle.dumps(d)
    return d


def read_manifest(folder: Path) -> Manifest:
    """Read ``folder/manifest.toml``; ManifestError when absent or malformed."""
    path = folder / MANIFEST
    if not path.exists():
        raise ManifestError(f"{folder}: no {MANIFEST}; run `infrarisk datasets import` to create it")
    try:
        d = _parse_toml(path.read_bytes())
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path}: not valid TOML: {e}") from None
    files = d.pop("files", [])
    required = ["id", "title", "publisher", "origin_url", "licence", "licence_url", "attribution", "retrieved"]
    missing = [k for k in required if not d.get(k)]
    if missing:
        raise ManifestError(f"{path}: missing {', '.join(missing)}")
    if isinstance(d.get("retrieved"), date):
        d["retrieved"] = d["retrieved"].isoformat()
    try:
        m = Manifest(**d, files=[FileEntry(**f) for f in files])
    except TypeError as e:
        raise ManifestError(f"{path}: {e}") from None
    if m.id != folder.name:
        raise ManifestError(f"{path}: id {m.id!r} differs from its folder name {folder.name!r}")
    return m


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write the manifest deterministically (stable key and file order)."""
    manifest.files.sort(key=lambda f: f.path)
    path = folder / MANIFEST
    path.write_bytes(tomli_w.dumps(manifest.to_dict()).encode("utf-8"))
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: GeoJSON parsed by verify, by (path, size, mtime, inode), until its loader takes it
_PARSED: dict[tuple, dict] = {}


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


def read_geojson(path: Path) -> dict:
    """The parsed GeoJSON at ``path``: the parse :func:`verify` kept if the file is unchanged
    since (handed over once, then forgotten), else read now."""
    path = Path(path)
    data = _PARSED.pop(_file_key(path), None)
    if data is None:
        with open(path, encoding="utf-8") as fh, paused():
            data = json.load(fh)
    return data


#: a quoted field, quotes inside doubled (:func:`plain_csv` checks that it stands at a field's start and end)
_QUOTED_FIELD = re.compile(rb'"[^"]*(?:""[^"]*)*"')
_FIELD_LIMIT = csv.field_size_limit()


def _plain_body(data: bytes) -> bytes | None:
    """``data`` without its BOM and with each quoted field replaced by ``q``, when
    :func:`plain_csv` holds for it; else None."""
    if b"\r" in data or b"\x00" in data:
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b'"' in body:
        for m in _QUOTED_FIELD.finditer(body):
            start, end = m.span()
            if body[start - 1:start] not in (b"", b",", b"\n") or body[end:end + 1] not in (b"", b",", b"\n"):
                return None
        body = _QUOTED_FIELD.sub(b"q", body)
        if b'"' in body:
            return None
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)  # the line ends, as one array
    lengths = np.diff(ends, prepend=-1) - 1
    if (lengths == 0).any():  # a blank line
        return None
    longest = max(int(lengths.max(initial=0)), len(body) - 1 - int(ends[-1]) if len(ends) else len(body))
    return body if longest < _FIELD_LIMIT else None


def plain_csv(data: bytes) -> bool:
    r"""Whether DuckDB's CSV reader (``,`` ``"``, strict) reads ``data`` record for record and
    field for field as Python's ``csv.reader`` does: no carriage return or NUL, every quote
    part of a well-formed quoted field, no blank line, no line longer than the csv module's
    field limit. Anything else is read by ``csv.reader`` itself
    (:func:`infrarisk.sources._setops.csv_table`); :func:`count_rows` counts its records fast.

    Examples
    --------
    >>> plain_csv(b'a,b\n"x\ny","1,""2"\n'), plain_csv(b'a,b\nx"y,1\n'), plain_csv(b'a,b\n\n1,2\n')
    (True, False, False)
    """
    return _plain_body(data) is not None


def count_rows(path: Path, keep: bool = False) -> int:
    """Records in a data file: CSV rows without header, GeoJSON features, JSONL lines.

    With ``keep``, a parsed GeoJSON is kept for :func:`read_geojson`.
    """
    suffix = path.name.lower()
    if suffix.endswith(".csv"):
        data = path.read_bytes()
        if b'"' not in data and b"\r" not in data:  # no quoted field, one terminator: a record is a line
            return max(data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1) - 1, 0)
        body = _plain_body(data)
        if body is not None:  # quoted fields well formed, no blank line: a record is a line of the rest
            return max(body.count(b"\n") + (0 if not body or body.endswith(b"\n") else 1) - 1, 0)
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return max(sum(1 for _ in csv.reader(fh)) - 1, 0)
    if suffix.endswith(".geojson"):
        key = _file_key(path) if keep else None
        with open(path, encoding="utf-8") as fh, paused():  # no cycles among the parsed objects
            data = json.load(fh)
        if keep:
            _PARSED[key] = data
        return len(data["features"])
    if suffix.endswith(".jsonl"):
        with open(path, encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())
    if suffix.endswith(".json"):
        with open(path, encoding="utf-8") as fh, paused():
            d = json.load(fh)
        return len(d) if isinstance(d, list) else 1
    raise ManifestError(f"{path}: cannot count rows of this file type")


def describe_file(folder: Path, rel: str, description: str = "", **extra) -> FileEntry:
    """Make a :class:`FileEntry` for a file just written into ``folder``."""
    p = folder / rel
    return FileEntry(
        path=rel, sha256=sha256_file(p), bytes=p.stat().st_size, rows=count_rows(p),
        description=description, **extra,
    )


def verify(folder: Path, keep: bool = True) -> Manifest:
    """Check a source folder against its manifest.

    Every listed file must exist with the recorded sha256, size and row count, and
    every file in the folder must be listed. With ``keep`` (the default) a GeoJSON parsed to
    count its features is kept for its loader (:func:`read_geojson`).

    Raises
    ------
    ManifestError
        Naming each file that differs and how.
    """
    m = read_manifest(folder)
    problems: list[str] = []
    listed = {f.path for f in m.files}
    for f in m.files:
        p = folder / f.path
        if not p.exists():
            problems.append(f"{f.path}: listed in the manifest but missing")
            continue
        size = p.stat().st_size
        if size != f.bytes:
            problems.append(f"{f.path}: {size} bytes, manifest says {f.bytes}")
        digest = sha256_file(p)
        if digest != f.sha256:
            problems.append(f"{f.path}: sha256 {digest[:12]}…, manifest says {f.sha256[:12]}…")
        else:
            rows = count_rows(p, keep=keep)
            if rows != f.rows:
                problems.append(f"{f.path}: {rows} rows, manifest says {f.rows}")
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != MANIFEST and rel not in listed:
            problems.append(f"{rel}: present but not listed in the manifest")
    if problems:
        raise ManifestError(f"datasets/{folder.name}: " + "; ".join(problems))
    return m


def list_sources(datasets_dir: Path) -> list[Path]:
    """Source folders (those with a manifest), sorted by name."""
    if not datasets_dir.is_dir():
        raise ManifestError(f"datasets folder {datasets_dir} does not exist")
    return sorted(p.parent for p in datasets_dir.glob(f"*/{MANIFEST}"))


def verify_all(datasets_dir: Path) -> list[Manifest]:
    """Verify every source folder; one ManifestError listing all that fail."""
    out, errors = [], []
    folders = list_sources(datasets_dir)
    if not folders:
        raise ManifestError(f"{datasets_dir}: no source folders with a {MANIFEST}")
    for folder in folders:
        try:
            out.append(verify(folder))
        except ManifestError as e:
            errors.append(str(e))
    if errors:
        raise ManifestError("\n".join(errors))
    return out


def rehash(folder: Path) -> Manifest:
    """Re-record checksums, sizes and row counts after a deliberate hand edit.

    Every file in the folder is (re-)listed; files that disappeared are dropped. Use after
    editing a ``corrections/`` file; derived files should be re-made with
    ``infrarisk datasets import`` instead.
    """
    m = read_manifest(folder)
    old = {f.path: f for f in m.files}
    files = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if not p.is_file() or rel == MANIFEST:
            continue
        prev = old.get(rel)
        files.append(describe_file(folder, rel, prev.description if prev else "hand-written file",
                                   licence=prev.licence if prev else "", attribution=prev.attribution if prev else "",
                                   derived_from=prev.derived_from if prev else []))
    m.files = files
    write_manifest(folder, m)
    return m
