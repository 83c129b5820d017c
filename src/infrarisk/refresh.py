"""What a refresh changed, and the registry part of ``infrarisk update``.

Contract:

- :func:`refresh_registry` gives the build of an update its registry database: a copy of
  the published one (``settings.registry_db_path``) in the build folder, into which each
  fetched remote whose manifest says ``ingest = "<format>"`` is ingested — ``gleif-api``
  through :func:`infrarisk.sources.registry.ingest` (the API responses replace the previous
  ones: each run asks for every LEI the data uses), ``gleif-delta`` through
  :func:`infrarisk.sources.registry.delta.apply_deltas` (patches the golden copy; skipped,
  and said so, when none was ingested). The published registry file is never written: the
  copy replaces it at publish time, with the site it built (:mod:`infrarisk.publish`).
- :func:`table_changes` counts rows added, changed and removed between two versions of a
  table, by key; :func:`dataset_changes` does so for every file of a re-derived dataset
  (key: its first column other than ``source_row``), :func:`registry_changes` for the
  registry tables an ingest replaced.

The counts go into the run report (``changes.sources``), beside the change list.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Callable

import duckdb

from .settings import Settings

Progress = Callable[[str], None]
#: registry table kind -> key columns
REGISTRY_KEYS = {"entities": ("entity_id",), "links": ("link_id",), "unknown_owners": ("subject_id", "category")}


def table_changes(old: dict[tuple, tuple], new: dict[tuple, tuple]) -> dict[str, int]:
    """Rows added, changed and removed from ``old`` to ``new`` (key -> row values).

    Examples
    --------
    >>> table_changes({("a",): (1,), ("b",): (2,)}, {("a",): (1,), ("b",): (3,), ("c",): (4,)})
    {'added': 1, 'changed': 1, 'removed': 0}
    """
    return {"added": sum(1 for k in new if k not in old),
            "changed": sum(1 for k, v in new.items() if k in old and old[k] != v),
            "removed": sum(1 for k in old if k not in new)}


def _csv_rows(path: Path) -> dict[tuple, tuple]:
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        r = csv.reader(fh)
        header = next(r, [])
        cols = [i for i, c in enumerate(header) if c != "source_row"]
        if not cols:
            return {}
        k = cols[0]
        out = {}
        for row in r:
            vals = tuple(row[i] for i in cols if i < len(row))
            key = (row[k] if k < len(row) else "",)
            while key in out:  # a key given twice (long tables): keep both rows apart
                key = key + ("+",)
            out[key] = vals
        return out


def dataset_changes(before: Path, after: Path, source_id: str) -> dict[str, dict[str, int]]:
    """Per data file of ``datasets/<source_id>``: rows added, changed, removed."""
    out = {}
    files = sorted({p.relative_to(d / source_id).as_posix() for d in (before, after)
                    for p in (d / source_id).rglob("*.csv")} if (after / source_id).is_dir() else [])
    for rel in files:
        if rel.startswith("corrections/"):
            continue
        ch = table_changes(_csv_rows(before / source_id / rel), _csv_rows(after / source_id / rel))
        out[rel] = ch
    return out


def _registry_rows(con, table: str, keys: tuple[str, ...]) -> dict[tuple, tuple]:
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "AND table_catalog = current_database()").fetchall()}
    if table not in have:
        return {}
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in ("origin_file", "origin_row")]
    rows = con.execute(f"SELECT {', '.join(keys)}, {', '.join(cols)} FROM {table}").fetchall()
    return {tuple(r[:len(keys)]): tuple(str(x) for x in r[len(keys):]) for r in rows}


def registry_changes(con, source: str, before: dict[str, dict]) -> dict[str, dict[str, int]]:
    """Rows added/changed/removed per ``core_<source>__*`` table against ``before`` (from :func:`registry_snapshot`)."""
    return {kind: table_changes(before.get(kind, {}), _registry_rows(con, f"core_{source}__{kind}", keys))
            for kind, keys in REGISTRY_KEYS.items()}


def registry_snapshot(con, source: str) -> dict[str, dict]:
    return {kind: _registry_rows(con, f"core_{source}__{kind}", keys) for kind, keys in REGISTRY_KEYS.items()}


def refresh_registry(settings: Settings, build_dir: Path, ingests: list[tuple[str, str, Path]],
                     progress: Progress) -> tuple[Path | None, dict]:
    """Ingest this run's fetched registry snapshots into a copy of the registry database.

    Parameters
    ----------
    ingests : list of (remote id, format, snapshot folder)
        ``gleif-api``: every ``*.json`` of the folder; ``gleif-delta``: every ``*.zip``/``*.csv``.

    Returns
    -------
    (path of the new registry database or None when nothing was ingested, report per remote)
    """
    from .sources import registry
    from .sources.registry.delta import apply_deltas

    report: dict = {}
    if not ingests:
        return None, report
    published = Path(settings.registry_db_path) if settings.registry_db_path else None
    new = Path(build_dir) / "registry.duckdb"
    if published is not None and published.is_file():
        shutil.copyfile(published, new)
    con = duckdb.connect(str(new))
    try:
        for rid, fmt, folder in ingests:
            folder = Path(folder)
            if fmt == "gleif-api":
                files = sorted(p for p in folder.glob("*.json") if p.is_file())
                if not files:
                    report[rid] = {"skipped": "no API responses in the snapshot"}
                    continue
                before = registry_snapshot(con, "gleifapi")
                progress(f"[ingest] {rid}: {len(files)} GLEIF API responses")
                rep = registry.ingest(con, "gleif-api", files)
                report[rid] = {"format": fmt, "files": len(files), "rows": rep.rows,
                               "problems": {f"{s} {c}": n for (s, c), n in rep.problems.items()},
                               "changes": registry_changes(con, "gleifapi", before)}
            elif fmt == "gleif-delta":
                files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".zip", ".csv", ".gz"))
                if "core_gleif__entities" not in set(registry.table_names(con)):
                    report[rid] = {"skipped": "no golden copy ingested: nothing to patch"}
                    continue
                progress(f"[ingest] {rid}: patching the golden copy with {len(files)} delta file(s)")
                report[rid] = {"format": fmt, "files": len(files), "changes": apply_deltas(con, files)}
            else:
                raise ValueError(f"{rid}: unknown ingest format {fmt!r}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return new, report


def ingest_for_update(settings: Settings, ids: list[str], build_dir: Path, staged: dict[str, Path],
                      progress: Progress, verify: Callable[[Path, str], dict]) -> tuple[Path | None, dict]:
    """The remotes among ``ids`` whose manifest says ``ingest``: their snapshot (this run's staged
    one, else the kept one), checked against its sidecars by ``verify``, ingested by
    :func:`refresh_registry`."""
    from .sources import _fetch

    if settings.registry_db_path is None:  # no registry database configured: nothing to ingest into
        return None, {}
    todo = []
    for rid in ids:
        src = _fetch.by_id(settings, rid)
        if not src.ingest:
            continue
        folder = staged.get(src.folder) or Path(settings.snapshots_dir) / src.folder
        if Path(folder).is_dir():
            verify(Path(folder), src.folder)
            todo.append((rid, src.ingest, Path(folder)))
    return refresh_registry(settings, build_dir, todo, progress)


def dataset_refresh(settings: Settings, imported: dict, build_dir: Path) -> dict:
    """Rows added, changed, removed per re-derived dataset file, against the datasets of the
    last published build (kept in ``builds_dir``), else the checkout's ``datasets/``."""
    from .history import History

    last = History(settings.history_path).last_run() if Path(settings.history_path).exists() else None
    before = Path(settings.datasets_dir)
    if last is not None:
        kept = Path(settings.builds_dir) / str(last["run_id"]) / "datasets"
        if kept.is_dir():
            before = kept
    out = {}
    for rid, info in imported.items():
        out[rid] = {"dataset": info["importer"], "compared_with": str(before),
                    "files": dataset_changes(before, Path(build_dir) / "datasets", info["importer"])}
    return out
