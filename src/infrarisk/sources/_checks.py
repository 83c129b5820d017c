"""Schema checks a downloaded snapshot file must pass before it replaces the previous one.

Contract: each check is a callable ``check(path) -> str`` (a one-line summary ending in
``N records`` or ``N features`` where the file has records; see
:func:`infrarisk.http.records_in`) that raises :class:`~infrarisk.errors.SchemaError`
naming the file and the first problem. Sources pick and configure them in their
``fetch.py``; nothing here touches the network.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SchemaError


def _open_text(path: Path, encoding: str):
    """Open text, sniffing a UTF-16 or UTF-8 byte-order mark when ``encoding`` is ``auto``."""
    if encoding == "auto":
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
    return open(path, newline="", encoding=encoding)


def _csv_rows(fh, where: str, columns: tuple[str, ...], exact: bool, min_rows: int, header_only: bool) -> str:
    try:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise SchemaError(f"{where}: empty file, expected a CSV header") from None
        if len(set(header)) != len(header):
            dupes = sorted({c for c in header if header.count(c) > 1})
            raise SchemaError(f"{where}: duplicate column(s) {', '.join(dupes)}")
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns] if exact else []
        if missing or unknown:
            shown = ", ".join(header[:8]) + (" …" if len(header) > 8 else "")
            raise SchemaError(
                f"{where}: the schema changed"
                + (f"; missing column(s): {', '.join(missing[:10])}" + (" …" if len(missing) > 10 else "") if missing else "")
                + (f"; new column(s): {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else "") if unknown else "")
                + f" (header starts: {shown})"
            )
        if header_only:
            return f"CSV header of {len(header)} columns"
        n = 0
        for n, rec in enumerate(reader, start=1):
            if len(rec) != len(header) and rec != []:
                raise SchemaError(f"{where}: malformed CSV: record {n} has {len(rec)} fields, the header has "
                                  f"{len(header)}")
        if n < min_rows:
            raise SchemaError(f"{where}: {n} record(s), expected at least {min_rows}")
        return f"CSV, {len(header)} columns, {n} records"
    except csv.Error as e:
        raise SchemaError(f"{where}: malformed CSV: {e}") from None
    except UnicodeDecodeError as e:
        raise SchemaError(f"{where}: not text in the expected encoding ({e.reason} at byte {e.start})") from None


@dataclass(frozen=True)
class CsvCheck:
    """A CSV whose header holds ``columns`` (exactly these, in any order, if ``exact``)
    and whose every record has as many fields as the header.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> CsvCheck(("a", "b"), exact=True)(p)
    'CSV, 2 columns, 1 records'
    >>> _ = p.write_text("a,c\\n1,2\\n")
    >>> CsvCheck(("a", "b"))(p)
    Traceback (most recent call last):
    ...
    infrarisk.errors.SchemaError: ...a.csv: the schema changed; missing column(s): b (header starts: a, c)
    """

    columns: tuple[str, ...]
    exact: bool = False
    encoding: str = "auto"
    min_rows: int = 1

    def __call__(self, path: Path) -> str:
        with _open_text(path, self.encoding) as fh:
            return _csv_rows(fh, str(path), self.columns, self.exact, self.min_rows, header_only=False)


@dataclass(frozen=True)
class ZipCsvCheck:
    """A zip holding one CSV (the GLEIF golden-copy layout), or a bare CSV; header only,
    because the full files hold millions of records."""

    columns: tuple[str, ...]

    def __call__(self, path: Path) -> str:
        if not zipfile.is_zipfile(path):
            with _open_text(path, "auto") as fh:
                return _csv_rows(fh, str(path), self.columns, False, 0, header_only=True)
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise SchemaError(f"{path}: expected one CSV in the zip, found {len(members)}: "
                                      f"{', '.join(zf.namelist()[:5])}")
                with zf.open(members[0]) as raw:
                    fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    summary = _csv_rows(fh, f"{path}!{members[0]}", self.columns, False, 0, header_only=True)
                return f"zip of {members[0]}: {summary}"
        except zipfile.BadZipFile as e:
            raise SchemaError(f"{path}: broken zip: {e}") from None


def load_json(path: Path):
    """Parse a JSON file; SchemaError (with line and column) when it is not JSON."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SchemaError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise SchemaError(f"{path}: malformed JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None


@dataclass(frozen=True)
class GeoJsonCheck:
    """A GeoJSON FeatureCollection whose features carry ``properties`` and geometries of
    the given types."""

    properties: tuple[str, ...]
    geometry_types: tuple[str, ...]
    min_features: int = 1

    def __call__(self, path: Path) -> str:
        doc = load_json(path)
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
            raise SchemaError(f"{path}: not a GeoJSON FeatureCollection")
        feats = doc["features"]
        if len(feats) < self.min_features:
            raise SchemaError(f"{path}: {len(feats)} feature(s), expected at least {self.min_features}")
        for i, f in enumerate(feats, start=1):
            props = f.get("properties") if isinstance(f, dict) else None
            geom = f.get("geometry") if isinstance(f, dict) else None
            if not isinstance(props, dict):
                raise SchemaError(f"{path}: feature {i} has no properties")
            missing = [p for p in self.properties if p not in props]
            if missing:
                raise SchemaError(f"{path}: the schema changed; feature {i} lacks {', '.join(missing)}")
            if not isinstance(geom, dict) or geom.get("type") not in self.geometry_types:
                got = geom.get("type") if isinstance(geom, dict) else None
                raise SchemaError(f"{path}: feature {i} has geometry {got!r}, expected "
                                  f"{' or '.join(self.geometry_types)}")
        return f"GeoJSON, {len(feats)} features"


@dataclass(frozen=True)
class JsonCheck:
    """JSON checked by ``validate(doc, where)``, which raises SchemaError or returns a summary."""

    validate: Callable[[object, str], str]

    def __call__(self, path: Path) -> str:
        return self.validate(load_json(path), str(path))


# --- JSON shapes of the remote APIs -------------------------------------------------------

def _get(doc, keys: tuple, where: str, kind: type | tuple = (str,)):
    cur = doc
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            raise SchemaError(f"{where}: unexpected shape: no {'.'.join(map(str, keys))}")
        cur = cur[k]
    if not isinstance(cur, kind):
        raise SchemaError(f"{where}: unexpected shape: {'.'.join(map(str, keys))} is {type(cur).__name__}")
    return cur


def json_get(doc, keys: tuple, where: str, kind: type | tuple = (str,)):
    """``doc[keys[0]][keys[1]]…``, which must be of type ``kind``; SchemaError naming the path.

    Examples
    --------
    >>> json_get({"data": {"id": "x"}}, ("data", "id"), "f.json")
    'x'
    >>> json_get({"data": {}}, ("data", "id"), "f.json")
    Traceback (most recent call last):
    ...
    infrarisk.errors.SchemaError: f.json: unexpected shape: no data.id
    """
    cur = doc
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            raise SchemaError(f"{where}: unexpected shape: no {'.'.join(map(str, keys))}")
        cur = cur[k]
    if not isinstance(cur, kind):
        raise SchemaError(f"{where}: unexpected shape: {'.'.join(map(str, keys))} is {type(cur).__name__}")
    return cur
