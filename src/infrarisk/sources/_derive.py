"""Helpers shared by importers: strict CSV reading and deterministic CSV writing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import DataError
from .manifest import FileEntry, describe_file, sha256_file


def read_csv_lists(path: Path, expected: list[str], encoding: str = "utf-8-sig") -> tuple[list[str], list[list[str]]]:
    """(header, rows as lists) of a CSV whose header must hold exactly the columns ``expected``
    (in any order).

    Raises
    ------
    DataError
        When the file is empty, columns are missing or unknown, or a row has the wrong number
        of fields, naming the file and row.
    """
    with open(path, newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        header = check_header(path, next(reader, None), expected)
        rows = list(reader)
    n = len(header)
    for i, rec in enumerate(rows, start=1):
        if len(rec) != n:
            raise DataError(f"{path}: row {i} has {len(rec)} fields, header has {n}")
    return header, rows


def check_header(path: Path, header: list[str] | None, expected: list[str]) -> list[str]:
    """``header`` (the first record of ``path``; None for an empty file) when it holds exactly
    the columns ``expected``, in any order; else DataError naming the missing and unknown ones."""
    if header is None:
        raise DataError(f"{path}: empty file")
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    if missing or unknown:
        raise DataError(
            f"{path}: header differs from the expected columns"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return header


def read_csv_strict(path: Path, expected: list[str], encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    """The rows of :func:`read_csv_lists` (same checks and errors) as dicts keyed by column."""
    header, rows = read_csv_lists(path, expected, encoding)
    return [dict(zip(header, rec)) for rec in rows]


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows as UTF-8 CSV with ``\\n`` line ends and minimal quoting (deterministic)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    w.writeheader()
    for r in rows:
        w.writerow({c: _fmt(r.get(c)) for c in columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if v != int(v) else str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


def raw_ref(shared: Path, path: Path) -> dict:
    """``derived_from`` entry: the raw file's path (relative to the snapshot root) and sha256."""
    return {"path": path.relative_to(shared).as_posix(), "sha256": sha256_file(path)}


def describe_corrections(out_dir: Path, known: dict[str, str]) -> list[FileEntry]:
    """Manifest entries of the hand-written ``corrections/`` files of a source folder.

    Shared by the three geographic importers. Every file present must be one a loader
    reads (``known``) and every known file must be present: a stray or lost correction
    file is an error, not a silent change of the data.
    """
    present = sorted(p.relative_to(out_dir).as_posix() for p in (out_dir / "corrections").glob("*") if p.is_file())
    unknown = sorted(set(present) - set(known))
    if unknown:
        raise DataError(f"{out_dir}: unexpected correction file(s) {', '.join(unknown)}; no loader reads them")
    missing = sorted(set(known) - set(present))
    if missing:
        raise DataError(f"{out_dir}: hand-written correction file(s) missing: {', '.join(missing)}")
    return [describe_file(out_dir, rel, known[rel]) for rel in present]
