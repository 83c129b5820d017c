"""Census worksheets for the tests: a tiny repository with ``research/issue12/`` and ``datasets/``."""

from __future__ import annotations

import csv
from pathlib import Path

from infrarisk.sources.census import derive

SMDG = "https://example.org/smdg"
PORT = {"rank": "1", "port": "Portville", "country": "FR", "unlocode": "FRPVL", "teu": "1000", "teu_year": "2024",
        "source_url": "https://example.org/teu", "source_date": "2025-01-10", "note": ""}
TERMINAL = {"port": "Portville", "unlocode": "FRPVL", "terminal": "Alpha Terminal (north)", "smdg_code": "ALP",
            "operator": "Alpha Ops", "latitude": "49.5", "longitude": "0.1", "position_source_url": SMDG,
            "source_url": SMDG, "source_date": "2020-10-01", "note": ""}
STAKE = {"terminal": "Alpha Terminal (north)", "unlocode": "FRPVL", "holder": "Alpha Holding", "stake_pct": "60",
         "stake_kind": "equity", "as_of": "2024-05", "status": "current", "source_url": "https://example.org/a",
         "source_date": "2024-05-02", "note": ""}
HOLDER = {"holder": "Alpha Holding", "country": "FR", "parent": "", "parent_stake_pct": "",
          "source_url": "https://example.org/h", "source_date": "2024-01-01", "note": ""}
PUBLISHED = {"publication": "A study", "publication_url": "https://example.org/study", "publication_date": "2023-10-03",
             "port": "Portville", "country": "FR", "terminal_or_asset": "Alpha", "investor": "Alpha Holding",
             "stake_pct_as_published": "60", "year_as_published": "2024", "note": "", "match_stake_id": "",
             "explanation": "not a terminal"}
COLUMNS = {"ports": derive.PORT_COLUMNS, "terminals": derive.TERMINAL_COLUMNS, "stakes": derive.STAKE_COLUMNS,
           "holders": derive.HOLDER_COLUMNS}


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


def write_worksheets(root: Path, sheets: dict[str, list[dict]] | None = None, published: list[dict] | None = None):
    """Write ``root/research/issue12/...``; ``sheets`` maps ``stakes_a`` etc. to rows (defaults: one of each)."""
    sheets = sheets if sheets is not None else {}
    defaults = {"ports_a": [PORT], "terminals_a": [TERMINAL], "stakes_a": [STAKE], "holders_a": [HOLDER]}
    for name, rows in {**defaults, **sheets}.items():
        _write(root / derive.CENSUS_DIR / f"{name}.csv", COLUMNS[name.split("_")[0]], rows)
    _write(root / derive.RECONCILE_FILE, derive.PUBLISHED_COLUMNS, published if published is not None else [PUBLISHED])


def build_census(root: Path, **kw):
    """Worksheets written and derived into ``root/datasets/census``; the manifest."""
    write_worksheets(root, **kw)
    return derive.build(None, root / "datasets" / "census")


def read(root: Path, name: str) -> list[dict]:
    """Rows of a derived file."""
    with open(root / "datasets" / "census" / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
