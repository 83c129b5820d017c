"""Derive ``datasets/supply/`` from the issue-13 research worksheets.

Input: ``research/issue13/`` of the repository (``supply.csv``, ``vendors.csv``,
``mobile_operators.csv``, ``risk_sources.csv``, ``country_figures.csv``) and the terminal census of
issue 12 (``research/issue12/census/terminals_*.csv``, for the UN/LOCODE of each terminal a crane
row names). The ``shared`` argument of :func:`build` is not read: the worksheets live in the
repository, found from ``out_dir`` (``<repo>/datasets/supply`` -> ``<repo>/research``).

Output: the five files with the worksheet columns plus ``needs_review`` (true where the
researcher wrote REVIEW in the note; the row is kept and flagged, never dropped or trusted
silently) and, in ``supply.csv``, ``unlocode`` (the census terminal's code where the row names a
census terminal; blank otherwise). Rows are written in the worksheets' order, byte-deterministically;
the hand-written ``corrections/`` files are kept and listed. Strict interpretation: a changed header
or a repeated id stops the import.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import DataError
from .._derive import describe_corrections, read_csv_strict, sha256_file, write_csv
from ..manifest import Manifest, describe_file, write_manifest
from . import SOURCE_ID

MANIFEST_KEYS = {"package": "supply", "table_prefix": "supply", "depends_on": ["naturalearth"]}
RETRIEVED = "2026-12-05"
SUPPLY_COLS = ["supply_id", "asset_or_network", "asset_kind", "country", "component", "vendor_name", "share_pct",
               "share_basis", "start_date", "end_date", "status", "deadline", "source_url", "source_date", "note"]
VENDOR_COLS = ["vendor_id", "vendor_name", "seat_country", "ultimate_controller", "controller_country", "source_url",
               "source_date", "note"]
OPERATOR_COLS = ["operator_id", "operator_name", "country", "owner_group", "source_url", "source_date", "note"]
RISK_COLS = ["doc_id", "title", "issuer", "country", "doc_date", "vendors_named", "source_url", "source_date", "note"]
FIGURE_COLS = ["figure_id", "country", "metric", "value_pct", "year", "publisher", "source_url", "source_date", "note"]
CENSUS_COLS = ["port", "unlocode", "terminal", "smdg_code", "operator", "latitude", "longitude", "position_source_url",
               "source_url", "source_date", "note"]
#: worksheet -> (output file, columns, id column, description)
FILES = [
    ("supply.csv", "supply.csv", SUPPLY_COLS, "supply_id",
     "One supply relation per row: asset or network, asset kind, country, component, vendor name as the page writes "
     "it, published share and its basis, start/end dates, status, replacement deadline, source URL and date, note, "
     "needs_review, the terminal's UN/LOCODE (census terminals)."),
    ("vendors.csv", "vendors.csv", VENDOR_COLS, "vendor_id",
     "Vendors: id, name, seat country and ultimate controller only where the cited page states them, source, note, "
     "needs_review."),
    ("mobile_operators.csv", "operators.csv", OPERATOR_COLS, "operator_id",
     "Mobile network operators with their own radio network in the EU, EEA, UK and Switzerland (MCC-MNC list); "
     "owner_group is the entity the list names, not a verified parent."),
    ("risk_sources.csv", "risk_sources.csv", RISK_COLS, "doc_id",
     "Dated documents naming high-risk vendors: title, issuer, country, date, vendors named, source, note, needs_review."),
    ("country_figures.csv", "country_figures.csv", FIGURE_COLS, "figure_id",
     "Published country figures (share of Chinese vendors in 4G/5G radio networks): value, year, publisher, source."),
]
CORRECTIONS = {
    "corrections/vendor_names.csv": "Vendor names as the supply rows write them -> vendor ids (';' for several), with the "
                                    "reason the name means those vendors.",
    "corrections/vendors_added.csv": "Vendors a supply row names that vendors.csv lacks, cited to the page of that row "
                                     "(seat and controller only where that page states them).",
    "corrections/asset_aliases.csv": "Reviewed mappings of an operator or a supply row's name to an existing asset id "
                                     "(a curated network, a terminal, a cable), with the reason.",
}
_REVIEW = re.compile(r"\bREVIEW\b")


def needs_review(note: str) -> bool:
    """True where the researcher flagged the row for review in its note.

    Examples
    --------
    >>> needs_review("seat taken from 'US-made' — REVIEW (made-in is not seat)"), needs_review("reviewed")
    (True, False)
    """
    return bool(_REVIEW.search(note or ""))


def census_unlocodes(research: Path) -> dict[str, str]:
    """Terminal name -> UN/LOCODE from the issue-12 census (a name given two codes stops the import)."""
    out: dict[str, str] = {}
    for p in sorted((research / "issue12" / "census").glob("terminals_*.csv")):
        for r in read_csv_strict(p, CENSUS_COLS):
            name, code = r["terminal"].strip(), r["unlocode"].strip()
            if out.get(name, code) != code:
                raise DataError(f"{p}: terminal {name!r} has two UN/LOCODEs ({out[name]}, {code})")
            out[name] = code
    return out


def derive_rows(rows: list[dict], id_col: str, where: str, unlocodes: dict[str, str] | None = None) -> list[dict]:
    """Worksheet rows with ``needs_review`` (and ``unlocode`` for supply rows); a repeated id stops.

    Examples
    --------
    >>> derive_rows([{"supply_id": "S1", "asset_or_network": "T", "asset_kind": "container_terminal", "note": "x REVIEW"}],
    ...             "supply_id", "w", {"T": "NLRTM"})
    [{'supply_id': 'S1', 'asset_or_network': 'T', 'asset_kind': 'container_terminal', 'note': 'x REVIEW', 'needs_review': True, 'unlocode': 'NLRTM'}]
    """
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        if r[id_col] in seen:
            raise DataError(f"{where}: row {i} repeats the id {r[id_col]!r}")
        seen.add(r[id_col])
        row = dict(r, needs_review=needs_review(r.get("note", "")))
        if unlocodes is not None:
            row["unlocode"] = unlocodes.get(r["asset_or_network"].strip(), "") \
                if r["asset_kind"] == "container_terminal" else ""
        out.append(row)
    return out


def build(shared: Path | None, out_dir: Path, research: Path | None = None) -> Manifest:
    """Write the five files and the manifest; return the manifest (``shared`` is not read)."""
    out_dir = Path(out_dir)
    research = Path(research) if research else out_dir.resolve().parent.parent / "research"
    src = research / "issue13"
    if not src.is_dir():
        raise DataError(f"{src}: the issue-13 research worksheets are not there")
    unlocodes = census_unlocodes(research)
    files = []
    for name, out_name, cols, id_col, desc in FILES:
        path = src / name
        rows = derive_rows(read_csv_strict(path, cols), id_col, str(path), unlocodes if name == "supply.csv" else None)
        extra = ["needs_review"] + (["unlocode"] if name == "supply.csv" else [])
        write_csv(out_dir / out_name, cols + extra, rows)
        files.append(describe_file(out_dir, out_name, desc,
                                   derived_from=[{"path": f"research/issue13/{name}", "sha256": sha256_file(path)}]))
    files += describe_corrections(out_dir, CORRECTIONS)
    m = Manifest(
        id=SOURCE_ID,
        title="infrarisk supply relations: who built the mobile networks, terminals and cables (high-risk vendors)",
        publisher="infrarisk contributors",
        origin_url="https://github.com/infrarisk/infrarisk/tree/main/datasets/supply",
        licence="CC-BY-4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution=("infrarisk supply relations, compiled from the public pages cited on each row (press, operator and "
                     "vendor releases, port pages, the MCC-MNC list of pbakondy/mcc-mnc-list, MIT)."),
        retrieved=RETRIEVED,
        homepage="https://github.com/infrarisk/infrarisk/tree/main/datasets/supply",
        imported_by="infrarisk datasets import supply (infrarisk.sources.supply.derive)",
        notes=("Hand-compiled from public pages, one fact per row with the URL of a page that states it and that "
               "page's date (undated pages carry the retrieval date 2026-12-05 and say so in the note). Rows the "
               "researcher flagged REVIEW carry needs_review = true. No vendor, share or country is inferred from a "
               "name. Shares are published shares only; crane counts stay in share_basis."),
        files=files,
        **MANIFEST_KEYS,
    )
    write_manifest(out_dir, m)
    return m
