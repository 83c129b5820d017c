"""Derive ``datasets/census/`` from the research worksheets of issue 12.

Inputs (in the repository, beside ``datasets/``): ``research/issue12/census/`` — every
``ports_*.csv``, ``terminals_*.csv``, ``stakes_*.csv`` and ``holders_*.csv`` — and every
``research/issue12/reconcile/published*.csv`` (all rows kept, in sorted file order).

Outputs: ``ports.csv``, ``terminals.csv``, ``stakes.csv``, ``holders.csv`` and
``published_investments.csv``, each row with the worksheet and row it came from, plus the
manifest. Values are copied as written: the loader checks them (nothing is dropped here
except superseded rows).

Superseding rule: the worksheets of one kind are read in sorted file order (``_a``, ``_b``,
``_c``, ...). A row of a later file whose key equals that of a row of an earlier file replaces
it (the later file is the later re-check); the replaced row is dropped and the new row says
which row it supersedes (``supersedes``). Keys: a port by its UN/LOCODE; a terminal by its
UN/LOCODE and name; a stake by terminal UN/LOCODE, terminal name, holder and stake kind; a
holder by its name and parent. Two rows with the same key in one file are both kept: the loader
reports the duplicate. Strict interpretation: a changed header stops the import.

Withdrawal: a stake row withdraws an earlier one with ``status`` ``withdrawn`` (kept, the loader makes
no link). Ports, terminals and holders have no status: a later row whose note starts with
``withdrawn`` (the reason follows) says the earlier row with its key was a mistake, and both are
left out of the derived file (the worksheets keep them); a withdrawing row that replaces no earlier
row stops the import.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import DataError
from ...textids import short_hash, slug
from .._derive import read_csv_strict, write_csv
from ..manifest import Manifest, describe_file, sha256_file, write_manifest
from . import SOURCE_ID

#: where the worksheets live, relative to the repository root (the parent of ``datasets/``)
CENSUS_DIR = "research/issue12/census"
RECONCILE_FILE = "research/issue12/reconcile/published.csv"
MANIFEST_KEYS = {"package": "census", "table_prefix": "census", "depends_on": ["naturalearth"]}  # its loader checks country codes
RETRIEVED = "2026-12-05"

PORT_COLUMNS = ["rank", "port", "country", "unlocode", "teu", "teu_year", "source_url", "source_date", "note"]
TERMINAL_COLUMNS = ["port", "unlocode", "terminal", "smdg_code", "operator", "latitude", "longitude",
                    "position_source_url", "source_url", "source_date", "note"]
STAKE_COLUMNS = ["terminal", "unlocode", "holder", "stake_pct", "stake_kind", "as_of", "status", "source_url",
                 "source_date", "note"]
HOLDER_COLUMNS = ["holder", "country", "parent", "parent_stake_pct", "source_url", "source_date", "note"]
PUBLISHED_COLUMNS = ["publication", "publication_url", "publication_date", "port", "country", "terminal_or_asset",
                     "investor", "stake_pct_as_published", "year_as_published", "note", "match_stake_id",
                     "explanation"]
ORIGIN = ["worksheet", "worksheet_row", "supersedes"]
#: the note of a port, terminal or holder row that withdraws the earlier row with its key
WITHDRAWN = re.compile(r"^\s*withdrawn\b", re.I)

#: kind -> (input columns, key of a row, id column and its prefix, description)
KINDS = {
    "ports": (PORT_COLUMNS, lambda r: (r["unlocode"].strip().upper(),), None,
              "The 40 largest container ports of the EU, EEA, UK, Ukraine and Türkiye by annual TEU: rank, "
              "UN/LOCODE, TEU and year, with the source of every figure."),
    "terminals": (TERMINAL_COLUMNS, lambda r: (r["unlocode"].strip().upper(), slug(r["terminal"], 200)),
                  ("terminal_id", "CT-"),
                  "The container terminals of the census ports: SMDG code, operator, position (SMDG Terminal Code "
                  "List v20201001 where it gives one) and source."),
    "stakes": (STAKE_COLUMNS, lambda r: (r["unlocode"].strip().upper(), slug(r["terminal"], 200),
                                         slug(r["holder"], 200), r["stake_kind"].strip().lower()),
               ("stake_id", "CS-"),
               "Operators and shareholders of each census terminal (or a sourced statement of who holds it with "
               "no foreign stake): share, kind, date, status and the page that states it."),
    "holders": (HOLDER_COLUMNS, lambda r: (slug(r["holder"], 200), slug(r["parent"], 200)), None,
                "Holders named by the stakes that were not yet in the data: country and parent where a page states "
                "them, with that page."),
}


def repo_root(out_dir: Path) -> Path:
    """The repository root of a ``datasets/census`` folder (two levels up)."""
    return Path(out_dir).resolve().parent.parent


def worksheets(census_dir: Path, kind: str) -> list[Path]:
    """The worksheets of one kind, in sorted order (``ports_a.csv``, ``ports_b.csv``, ...)."""
    return sorted(Path(census_dir).glob(f"{kind}_*.csv"))


def merge(files: list[Path], columns: list[str], key, rel) -> list[dict]:
    """Rows of ``files`` in order, a later file's row replacing an earlier file's row with the same key.

    Parameters
    ----------
    files : list of Path
        The worksheets, in the order they supersede each other.
    columns : list of str
        The exact header every worksheet must have.
    key : callable
        A row -> its key.
    rel : callable
        A path -> the name written into ``worksheet``.

    Returns
    -------
    list of dict
        The kept rows with ``worksheet``, ``worksheet_row`` and ``supersedes``.
    """
    out: dict[int, dict] = {}
    where: dict[tuple, list[int]] = {}
    n = 0
    for path in files:
        earlier = {k: list(v) for k, v in where.items()}  # keys from earlier files only
        for i, r in enumerate(read_csv_strict(path, columns), start=1):
            k = key(r)
            row = dict(r, worksheet=rel(path), worksheet_row=i, supersedes="")
            old = earlier.pop(k, None)
            if old:
                row["supersedes"] = "; ".join(f"{out[j]['worksheet']} row {out[j]['worksheet_row']}" for j in old)
                for j in old:
                    del out[j]
                where[k] = []
            out[n] = row
            where.setdefault(k, []).append(n)
            n += 1
    return [out[j] for j in sorted(out)]


def drop_withdrawn(rows: list[dict]) -> list[dict]:
    """The merged rows without the withdrawing ones (their superseded rows are already gone).

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`merge` of a kind without a ``status`` column.

    Returns
    -------
    list of dict
        The rows whose note does not start with ``withdrawn``.

    Raises
    ------
    DataError
        When a withdrawing row replaces no earlier row (its key matches none: a typo).
    """
    for r in rows:
        if WITHDRAWN.match(r["note"] or "") and not r["supersedes"]:
            raise DataError(f"{r['worksheet']} row {r['worksheet_row']}: withdraws no earlier row with its key")
    return [r for r in rows if not WITHDRAWN.match(r["note"] or "")]


def build(shared: Path | None, out_dir: Path) -> Manifest:
    """Write the census files and the manifest into ``out_dir``; return the manifest.

    ``shared`` (the raw snapshot folder) is not read: the worksheets are in the repository.
    """
    out_dir = Path(out_dir)
    root = repo_root(out_dir)
    census_dir = root / CENSUS_DIR
    if not census_dir.is_dir():
        raise DataError(f"{census_dir}: census worksheets not found")
    rel = lambda p: Path(p).resolve().relative_to(root).as_posix()  # noqa: E731
    files = []
    for kind, (columns, key, id_col, description) in KINDS.items():
        sheets = worksheets(census_dir, kind)
        if not sheets:
            raise DataError(f"{census_dir}: no {kind}_*.csv worksheet")
        rows = merge(sheets, columns, key, rel)
        if "status" not in columns:
            rows = drop_withdrawn(rows)
        cols = list(columns) + ORIGIN
        if id_col:
            name, prefix = id_col
            for r in rows:
                r[name] = prefix + short_hash(*key(r))
            cols = [name] + cols
        write_csv(out_dir / f"{kind}.csv", cols, rows)
        files.append(describe_file(out_dir, f"{kind}.csv", description,
                                   derived_from=[{"path": rel(p), "sha256": sha256_file(p)} for p in sheets]))
    pubs = sorted((root / RECONCILE_FILE).parent.glob("published*.csv"))
    if not pubs:
        raise DataError(f"{root / RECONCILE_FILE}: no published*.csv worksheet")
    rows = [dict(r, worksheet=rel(pub), worksheet_row=i, supersedes="")
            for pub in pubs for i, r in enumerate(read_csv_strict(pub, PUBLISHED_COLUMNS), start=1)]
    write_csv(out_dir / "published_investments.csv", PUBLISHED_COLUMNS + ORIGIN, rows)
    files.append(describe_file(
        out_dir, "published_investments.csv",
        "European port investments named by other public trackers and studies (publication, port, investor, stake as "
        "published), each matched to a stake row of the data or explained (exited, not a terminal, outside Europe).",
        derived_from=[{"path": rel(p), "sha256": sha256_file(p)} for p in pubs]))
    m = Manifest(
        id=SOURCE_ID,
        title="infrarisk census of the container terminals of Europe's 40 largest container ports",
        publisher="infrarisk contributors",
        origin_url="https://github.com/infrarisk/infrarisk/tree/main/research/issue12/census",
        licence="CC-BY-4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution=("infrarisk census of Europe's container terminals, hand-compiled from the public sources cited "
                     "on each row; terminal positions from the SMDG Terminal Code List (SMDG e.V.)."),
        retrieved=RETRIEVED,
        homepage="https://github.com/infrarisk/infrarisk/tree/main/datasets/census",
        imported_by="infrarisk datasets import census (infrarisk.sources.census.derive)",
        notes=("Hand-compiled data (issue 12): the 40 largest container ports of the EU, EEA, UK, Ukraine and Türkiye "
               "by annual TEU, their container terminals, operators and shareholders, each row with the URL and date "
               "of a public page that states it (undated pages carry the retrieval date 2026-12-05 and say so). "
               "Derived from the worksheets of research/issue12/census/ (a later worksheet's row replaces an "
               "earlier one with the same key) and research/issue12/reconcile/published*.csv."),
        files=files,
        **MANIFEST_KEYS,
    )
    write_manifest(out_dir, m)
    return m
