"""Builders for small ownership fixtures: a stub geography and a tiny ``curated`` folder.

The stub geography creates just the four tables the curated loader and the integrate stage
read of the geographic sources (``core_geo__countries``, ``core_geo__country_polygons`` without
rows, ``core_assets__ports``, ``raw_unlocode__locations``), so ownership tests run in milliseconds without the real
30,000-row sources.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from infrarisk.db import connect
from infrarisk import integrate
from infrarisk.sources._derive import write_csv
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import Manifest, describe_file, manifest_keys, packages, write_manifest

COUNTRIES = ["BE", "CN", "DE", "FR", "GB", "GR", "HK", "IT", "MT", "NL", "RU", "SG", "US", "CH", "DK", "ES"]
EUROPE = {"BE", "DE", "FR", "GB", "GR", "IT", "MT", "NL", "ES", "DK", "CH"}

from infrarisk.sources.curated import rows as curated_rows
from infrarisk.sources.curated import stakes as curated_stakes

ENTITY_COLS = curated_rows.ENTITY_COLS
STAKE_COLS = curated_stakes.STAKE_COLS
LINK_COLS = curated_stakes.LINK_COLS
LOCATION_COLS = curated_rows.LOCATION_COLS
#: the sources the stub geography stands in for
GEO_SOURCES = ("unlocode", "naturalearth", "wpi")


def stub_geo(con: duckdb.DuckDBPyConnection, ports: list[tuple] | None = None) -> None:
    """Countries, WPI-like ports ``(asset_id, name, cc, unlocode, lat, lon)`` and UN/LOCODE rows."""
    con.execute("CREATE OR REPLACE TABLE core_geo__countries (country_code VARCHAR, country_name VARCHAR, "
                "is_europe BOOLEAN)")
    for c in COUNTRIES:
        con.execute("INSERT INTO core_geo__countries VALUES (?, ?, ?)", [c, c, c in EUROPE])
    con.execute("CREATE OR REPLACE TABLE core_assets__ports (asset_id VARCHAR, name VARCHAR, country_code VARCHAR, "
                "unlocode VARCHAR, latitude DOUBLE, longitude DOUBLE, is_primary_for_unlocode BOOLEAN, "
                "wpi_number VARCHAR)")
    for p in ports or [("wpi:1", "Portville", "FR", "FRPVL", 49.5, 0.1), ("wpi:2", "Harbourton", "BE", "BEHBT", 51.3, 4.3)]:
        con.execute("INSERT INTO core_assets__ports VALUES (?, ?, ?, ?, ?, ?, true, ?)", [*p, p[0][4:]])
    con.execute("CREATE OR REPLACE TABLE raw_unlocode__locations (unlocode VARCHAR, name VARCHAR, is_duplicate_unlocode BOOLEAN, "
                "name_wo_diacritics VARCHAR, latitude DOUBLE, longitude DOUBLE)")
    con.execute("INSERT INTO raw_unlocode__locations VALUES ('DEXYZ', 'Xyzhafen', false, 'Xyzhafen', 53.5, 8.5)")
    # label points of the countries (telecom assets without a position are drawn there): none here
    con.execute("CREATE OR REPLACE TABLE core_geo__country_polygons (ne_id BIGINT, country_code VARCHAR, "
                "is_country_code_corrected BOOLEAN, population BIGINT, label_longitude DOUBLE, "
                "label_latitude DOUBLE, geometry_wkt VARCHAR)")


def entity(name, hq="", jur="", etype="company", lei="", eid=None, **kw) -> dict:
    from infrarisk.textids import slug
    row = {c: "" for c in ENTITY_COLS}
    row.update(entity_id=eid or slug(name), entity_name=name, hq_country=hq, jurisdiction=jur or hq,
               entity_type=etype, lei=lei, source_url="https://example.org/entity")
    row.update(kw)
    return row


def stake(asset, holder, pct, unlocode="FRPVL", country="FR", status="current", kind="equity",
          asset_type="container terminal", as_of="2024-01-01", url="https://example.org/stake", sid=None, **kw) -> dict:
    row = {c: "" for c in STAKE_COLS}
    row.update(stake_id=sid or f"S-{abs(hash((asset, holder, pct, status, as_of))) % 10**10:010d}", asset_name=asset,
               port_name="Portville", unlocode=unlocode, country=country, asset_type=asset_type,
               shareholder_company=holder, stake_pct=str(pct), stake_kind=kind, as_of=as_of, source_url=url,
               source_title="a source", status=status)
    row.update(kw)
    return row


def link(child, parent, pct, relationship="shareholder", status="current", as_of="2024-01-01",
         url="https://example.org/link", lid=None, **kw) -> dict:
    row = {c: "" for c in LINK_COLS}
    row.update(link_id=lid or f"L-{abs(hash((child, parent, pct, relationship, as_of))) % 10**10:010d}",
               child=child, parent=parent, stake_pct=str(pct), relationship=relationship, as_of=as_of,
               source_url=url, source_title="a source", status=status)
    row.update(kw)
    return row


def write_curated(folder: Path, entities, stakes, links=(), locations=(), controls=(), ranges=(), additions=(),
                  overrides=(), rechecks=None, stake_additions=None, entity_additions=None,
                  transactions=()) -> Path:
    """Write a complete ``curated`` source folder (with manifest) from row dicts (the re-check
    files only when given)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "entities.csv", ENTITY_COLS, list(entities))
    write_csv(folder / "asset_stakes.csv", STAKE_COLS, list(stakes))
    write_csv(folder / "telecom_stakes.csv", STAKE_COLS, [])
    write_csv(folder / "parent_links.csv", LINK_COLS, list(links))
    write_csv(folder / "asset_locations.csv", LOCATION_COLS, list(locations))
    write_csv(folder / "transactions.csv", ["transaction_id", "transaction", "assets_affected", "buyer", "seller",
                                            "stake_pct", "status", "status_date", "source_url", "source_title",
                                            "note"], list(transactions))
    c = folder / "corrections"
    write_csv(c / "control_statements.csv", curated_stakes.CONTROL_COLS, list(controls))
    write_csv(c / "stake_ranges.csv", curated_stakes.RANGE_COLS, list(ranges))
    write_csv(c / "link_additions.csv", curated_stakes.ADDITION_COLS, list(additions))
    write_csv(c / "entity_overrides.csv", ["entity_name", "field", "value", "source_url", "reason"], list(overrides))
    files = ["entities.csv", "asset_stakes.csv", "telecom_stakes.csv", "parent_links.csv", "asset_locations.csv",
             "transactions.csv", "corrections/control_statements.csv", "corrections/stake_ranges.csv",
             "corrections/link_additions.csv", "corrections/entity_overrides.csv"]
    from infrarisk.sources.curated import rechecks as rc
    for name, cols, rows in (("rechecks", rc.RECHECK_COLS, rechecks), ("stake_additions", rc.STAKE_ADD_COLS,
                                                                        stake_additions),
                             ("entity_additions", rc.ENTITY_ADD_COLS, entity_additions)):
        if rows is not None:
            write_csv(c / f"{name}.csv", cols, list(rows))
            files.append(f"corrections/{name}.csv")
    write_manifest(folder, Manifest(id="curated", title="tiny", publisher="tests", origin_url="https://example.org",
                                    licence="CC0-1.0", licence_url="https://example.org", attribution="tests",
                                    retrieved="2026-11-25", **manifest_keys("curated"),
                                    files=[describe_file(folder, f) for f in files]))
    return folder


def load_over_stub(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog,
                   registry_file: bool = True) -> None:
    """The registry and every source's loader but the geographic ones (absent folders give
    empty tables), then the integrate stage.

    ``registry_file=False`` when the test ingested registry data into ``con`` itself (the
    registry loader, which attaches the registry file, is then not run).
    """
    from importlib import import_module

    from infrarisk.sources.registry.load import load as load_registry
    if registry_file:
        load_registry(con, settings, log)
    for sid, pkg in sorted(packages().items()):
        if sid not in GEO_SOURCES:
            import_module(f"{pkg.__name__}.load").load(con, settings, log)
    integrate.run(con, settings, log)


def load_tiny(tmp_path: Path, ports=None, as_of: str | None = None, **tables):
    """Write a tiny curated folder and load it (and integrate it) over the stub geography.

    Returns
    -------
    (con, log, settings)
    """
    datasets = tmp_path / "datasets"
    write_curated(datasets / "curated", **tables)
    settings = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp_path / "db.duckdb",
                             site_dir=tmp_path / "site", as_of=as_of)
    con, log = connect(None), ProblemLog()
    stub_geo(con, ports)
    load_over_stub(con, settings, log)
    return con, log, settings


#: the Terminal Link / COSCO shapes of the real data, reduced to what the maths needs
def chinese_chains() -> dict:
    ents = [
        entity("SASAC", "CN", etype="state body"),
        entity("China COSCO Shipping", "CN", etype="company (central SOE)"),
        entity("COSCO SHIPPING Holdings", "CN", etype="listed holding"),
        entity("COSCO SHIPPING Ports", "HK", jur="BM", etype="listed holding"),
        entity("China Merchants Group", "HK", jur="CN", etype="company (central SOE)"),
        entity("China Merchants Port", "HK", etype="listed holding"),
        entity("CMA CGM", "FR"),
        entity("Merit", "FR", etype="family holding"),
        entity("Terminal Link", "FR"),
        entity("iCON", "GB", etype="fund manager"),
        entity("APM Terminals", "NL"),
        entity("Qingdao Port HK", "HK"),
    ]
    links = [
        link("China COSCO Shipping", "SASAC", 90, "ultimate parent"),
        link("COSCO SHIPPING Holdings", "China COSCO Shipping", 41.94, "direct parent"),
        link("COSCO SHIPPING Ports", "COSCO SHIPPING Holdings", 61, "direct parent"),
        link("China Merchants Group", "SASAC", "", "ultimate parent"),
        link("China Merchants Port", "China Merchants Group", "", "ultimate parent"),
        link("Terminal Link", "CMA CGM", 51, "direct parent"),
        link("Terminal Link", "China Merchants Port", 49, "shareholder"),
        link("CMA CGM", "Merit", 73, "direct parent"),
        link("Qingdao Port HK", "China COSCO Shipping", "", "direct parent"),
    ]
    stakes = [
        stake("Le Havre GMP", "Terminal Link", 50.2),
        stake("Le Havre GMP", "iCON", 49.8),
        stake("Zeebrugge CSP", "COSCO SHIPPING Ports", 85.45, unlocode="BEHBT", country="BE"),
        stake("Zeebrugge CSP", "CMA CGM", 10, unlocode="BEHBT", country="BE"),
        stake("Vado", "COSCO SHIPPING Ports", 40, unlocode="ITVDL", country="IT"),
        stake("Vado", "Qingdao Port HK", 9.9, unlocode="ITVDL", country="IT"),
        stake("Vado", "APM Terminals", 50.1, unlocode="ITVDL", country="IT"),
    ]
    locations = [{"source_row": "1", "asset_name": "Vado", "source_file": "asset_stakes", "latitude": "44.27",
                  "longitude": "8.44", "precision": "terminal", "source_url": "https://example.org/pos",
                  "source_title": "pos", "note": ""}]
    return {"entities": ents, "links": links, "stakes": stakes, "locations": locations}
