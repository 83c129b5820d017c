"""The licence of every data file: ``core_meta__licences``.

Contract: :func:`write` reads the manifests on disk (``datasets/*/manifest.toml``) and writes
``core_meta__licences``: one row per data file of every source folder (``file`` as
``<source>/<path>``) with its licence (the file's, else the source's), the licence's rank
(:mod:`infrarisk.licences`: higher is more restrictive) and whether it is non-commercial. The
unified asset and link tables give every row the most restrictive licence of the files it
draws on.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from .. import db, licences
from ..sources.manifest import list_sources, read_manifest


def licence_rows(datasets_dir: Path) -> pd.DataFrame:
    """Every data file of every source folder with its licence (file's, else the source's).

    Examples
    --------
    >>> licence_rows(Path("/nonexistent")).columns.tolist()
    ['file', 'source_id', 'licence', 'licence_rank', 'is_noncommercial']
    """
    rows = []
    try:
        folders = list_sources(Path(datasets_dir))
    except Exception:  # no datasets folder: no licences to record (the loaders report it)
        folders = []
    for folder in folders:
        m = read_manifest(folder)
        for f in m.files:
            lic = f.licence or m.licence
            rows.append({"file": f"{m.id}/{f.path}", "source_id": m.id, "licence": lic,
                         "licence_rank": licences.rank(lic),
                         "is_noncommercial": bool(m.is_noncommercial or lic in licences.NONCOMMERCIAL)})
    return pd.DataFrame(rows, columns=["file", "source_id", "licence", "licence_rank", "is_noncommercial"]).astype(
        {"licence_rank": "int64", "is_noncommercial": "bool"})


def write(con: duckdb.DuckDBPyConnection, datasets_dir: Path) -> None:
    """Write ``core_meta__licences`` (module docstring)."""
    db.write_frame(con, "core_meta__licences", licence_rows(datasets_dir), order_by=["file"])
