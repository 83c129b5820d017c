"""The tables the shared core models read besides the curated ones: file licences and layer rows.

Contract: :func:`ensure_tables` is called before ``core_assets__assets`` and
``core_ownership__links`` are built (by the curated loader, and again by
:mod:`infrarisk.load.layers` once the layers are loaded). It writes

- ``core_meta__licences``: one row per data file of every source folder (``file`` as
  ``<source>/<path>``) with its licence, the licence's rank (:mod:`infrarisk.licences`: higher is
  more restrictive) and whether it is non-commercial, read from the manifests on disk —
  the core models give every asset and link the most restrictive licence of the files it
  draws on;

and creates, only if they do not exist yet, the layer tables with their columns and no rows:

- ``core_assets__infra``: cable systems, landing stations, telecom assets and energy assets
  (made by ``sql/core/core_assets__infra.sql``);
- ``core_ownership__infra_links``: their ownership links (``sql/core/core_ownership__infra_links.sql``).

So the core models run the same way whether or not the layer loaders have run (a unit
test of the curated loader loads no layer).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from .. import db, licences
from ..sources import list_sources, read_manifest

#: columns of core_assets__infra (the SQL model must produce exactly these)
INFRA_ASSET_COLUMNS = {
    "asset_id": "VARCHAR", "name": "VARCHAR", "asset_type": "VARCHAR", "asset_class": "VARCHAR",
    "country_code": "VARCHAR", "unlocode": "VARCHAR", "parent_asset_id": "VARCHAR", "latitude": "DOUBLE",
    "longitude": "DOUBLE", "position_precision": "VARCHAR", "position_source_url": "VARCHAR",
    "operator_name": "VARCHAR", "is_planned": "BOOLEAN", "source_id": "VARCHAR", "source_files": "VARCHAR[]",
    "status": "VARCHAR", "status_group": "VARCHAR", "capacity": "DOUBLE", "capacity_unit": "VARCHAR",
    "start_year": "BIGINT", "detail_url": "VARCHAR", "geometry_kind": "VARCHAR", "n_countries": "BIGINT",
    "origin_file": "VARCHAR", "origin_row": "BIGINT",
}
#: columns of core_ownership__infra_links (those of the links model's input rows)
INFRA_LINK_COLUMNS = {
    "link_id": "VARCHAR", "subject_kind": "VARCHAR", "subject_id": "VARCHAR", "subject_key": "VARCHAR",
    "owner_entity_id": "VARCHAR", "interest_type": "VARCHAR", "relationship": "VARCHAR",
    "share_fraction": "DOUBLE", "range_min": "DOUBLE", "range_max": "DOUBLE", "range_reason": "VARCHAR",
    "range_source_url": "VARCHAR", "is_control_kind": "BOOLEAN", "status": "VARCHAR", "as_of_date": "DATE",
    "as_of_precision": "VARCHAR", "source_url": "VARCHAR", "source_title": "VARCHAR", "note": "VARCHAR",
    "correction_reason": "VARCHAR", "origin_file": "VARCHAR", "origin_row": "BIGINT",
}


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


def _create_empty(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    cols = ", ".join(f"{c} {t}" for c, t in columns.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")


def ensure_tables(con: duckdb.DuckDBPyConnection, datasets_dir: Path) -> None:
    """Write ``core_meta__licences``; create the empty layer tables if absent (module docstring)."""
    db.write_frame(con, "core_meta__licences", licence_rows(datasets_dir), order_by=["file"])
    _create_empty(con, "core_assets__infra", INFRA_ASSET_COLUMNS)
    _create_empty(con, "core_ownership__infra_links", INFRA_LINK_COLUMNS)
