"""Tiny supply datasets for the tests: write ``datasets/supply`` (files and manifest) from row dicts."""

from __future__ import annotations

from pathlib import Path

from infrarisk.sources._derive import write_csv
from infrarisk.sources.manifest import Manifest, describe_file, write_manifest
from infrarisk.sources.supply.derive import (FIGURE_COLS, MANIFEST_KEYS, OPERATOR_COLS, RISK_COLS, SUPPLY_COLS,
                                             VENDOR_COLS)

URL, DATE = "https://example.org/page", "2024-05-01"


def supply(sid, ref, kind="mobile_network", country="DE", component="ran_5g", vendor="Huawei", share="", basis="",
           start="", end="", status="in_service", deadline="", url=URL, date=DATE, note="", unlocode="", review="false"):
    return dict(supply_id=sid, asset_or_network=ref, asset_kind=kind, country=country, component=component,
                vendor_name=vendor, share_pct=share, share_basis=basis, start_date=start, end_date=end, status=status,
                deadline=deadline, source_url=url, source_date=date, note=note, needs_review=review, unlocode=unlocode)


def vendor(vid, name, seat="", controller="", ccountry="", url=URL, date=DATE):
    return dict(vendor_id=vid, vendor_name=name, seat_country=seat, ultimate_controller=controller,
                controller_country=ccountry, source_url=url, source_date=date, note="", needs_review="false")


def operator(oid, name, country="DE"):
    return dict(operator_id=oid, operator_name=name, country=country, owner_group="", source_url=URL,
                source_date=DATE, note="", needs_review="false")


VENDORS = [vendor("huawei", "Huawei", "CN"), vendor("ericsson", "Ericsson", "SE"), vendor("zpmc", "ZPMC", "CN"),
           vendor("acme", "Acme Cranes Oy", "FI"), vendor("subcom", "SubCom", "US")]
OPERATORS = [operator("tel-de", "Tel"), operator("voda-de", "Voda"), operator("blue-de", "Blue"),
             operator("curated-fr", "Curated", "FR")]
FIGURES = [dict(figure_id="F1", country="DE", metric="share of Chinese vendors in 5G RAN", value_pct="59", year="2022",
                publisher="Strand", source_url=URL, source_date=DATE, note="", needs_review="false"),
           dict(figure_id="F2", country="EU+", metric="share of Chinese vendors in 5G RAN", value_pct=">50", year="2022",
                publisher="Strand", source_url=URL, source_date=DATE, note="", needs_review="true")]
RISKS = [dict(doc_id="ec", title="EC communication", issuer="European Commission", country="EU", doc_date="2023-06-15",
              vendors_named="Huawei; ZTE", source_url=URL, source_date=DATE, note="", needs_review="false")]
NAMES = [dict(name="Ericsson; Huawei", vendor_ids="ericsson;huawei", reason="two vendors named")]
ALIASES = [dict(asset_kind="mobile_network", name="curated-fr", country="FR", asset_id="telecom:curated-network",
                reason="the curated network is this operator's")]


def write_supply(folder: Path, rows: list[dict], vendors=VENDORS, operators=OPERATORS, names=NAMES,
                 aliases=ALIASES, added=()) -> Path:
    """Write a complete ``supply`` source folder with a valid manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "supply.csv", SUPPLY_COLS + ["needs_review", "unlocode"], rows)
    write_csv(folder / "vendors.csv", VENDOR_COLS + ["needs_review"], vendors)
    write_csv(folder / "operators.csv", OPERATOR_COLS + ["needs_review"], operators)
    write_csv(folder / "risk_sources.csv", RISK_COLS + ["needs_review"], RISKS)
    write_csv(folder / "country_figures.csv", FIGURE_COLS + ["needs_review"], FIGURES)
    write_csv(folder / "corrections/vendor_names.csv", ["name", "vendor_ids", "reason"], names)
    write_csv(folder / "corrections/vendors_added.csv", VENDOR_COLS + ["needs_review"], list(added))
    write_csv(folder / "corrections/asset_aliases.csv", ["asset_kind", "name", "country", "asset_id", "reason"], aliases)
    files = ["supply.csv", "vendors.csv", "operators.csv", "risk_sources.csv", "country_figures.csv",
             "corrections/vendor_names.csv", "corrections/vendors_added.csv", "corrections/asset_aliases.csv"]
    write_manifest(folder, Manifest(id="supply", title="tiny supply", publisher="tests", origin_url=URL,
                                    licence="CC-BY-4.0", licence_url=URL, attribution="tests", retrieved="2026-12-05",
                                    files=[describe_file(folder, f) for f in files], **MANIFEST_KEYS))
    return folder
