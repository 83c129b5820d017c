"""Tiny datasets for the telecom and energy layers: cables, GEM, matching, over the tiny geography.

Each folder is written in its ``datasets/`` layout (as the importers write it) with a
manifest, with deliberate bad rows; the tests name the row they rely on. The geography is the
tiny one of ``tests/conftest.py`` (box countries MT, CY, FR, DE, FI, UA, RU …) and the curated
folder comes from ``tests/builders.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from infrarisk.db import connect
from infrarisk.sources.cables import derive as cables_import
from infrarisk.sources.gem import derive as gem_import
from infrarisk.sources._derive import write_csv
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import Manifest, describe_file, manifest_keys, write_manifest
from tests.builders import entity, stake, write_curated
from tests.conftest import write_geo_datasets

CABLES = [  # cable_id, name, rfs, rfs_year, owners field
    ("alpha", "Alpha", "2016", "2016.0", "Northwind; Orange"),              # consortium: undisclosed shares
    ("beta", "Beta", "2019 May", "2019.0", "Orange"),                       # sole owner: 100%
    ("gamma", "Gamma", "2010", "2010.0", "Telstra and PCCW; Telstra; PCCW"),  # an entry naming two owners
    ("delta", "Delta", "2024 Q1", "2024.0", "n.a."),                        # placeholder owner, planned
    ("eps", "Epsilon", "", "", "Orange; Nobody"),                           # no RFS year; owners field disagrees
]
#: cable_owners rows (1-based in the comment)
OWNERS = [
    ("alpha", "Northwind"),         # 1 alias to a curated entity
    ("alpha", "Orange"),            # 2
    ("beta", "Orange"),             # 3
    ("gamma", "Telstra and PCCW"),  # 4 split into Telstra, PCCW
    ("gamma", "Telstra"),           # 5
    ("gamma", "PCCW"),              # 6
    ("delta", "n.a."),              # 7 placeholder
    ("eps", "Orange"),              # 8
    ("eps", "  "),                  # 9 blank owner: rejected
    ("zzz", "Orange"),              # 10 unknown cable: rejected
]
#: landing rows: cable, id, name, country name, iso, lat, lon, tbd (1-based in the comment)
LANDINGS = [
    ("alpha", "valletta-malta", "Valletta, Malta", "Malta", "MT", "35.9", "14.5", "False"),          # 1
    ("alpha", "marseille-france", "Marseille, France", "France", "FR", "43.3", "5.37", "False"),     # 2
    ("beta", "marseille-france", "Marseille, France", "France", "FR", "43.3", "5.37", "False"),      # 3
    ("beta", "golden-bay-malta", "Golden Bay, Malta", "Malta", "MT", "40.0", "0.0", "False"),         # 4 outside MT
    ("gamma", "bad-point", "Bad, France", "France", "FR", "95", "5", "False"),                       # 5 lat: rejected
    ("gamma", "atlantis", "Atlantis, Nowhere", "Nowhere", "QQ", "30.0", "-30.0", "False"),            # 6 unknown code
    ("delta", "tbd-france", "t.b.d., France", "France", "FR", "45.0", "2.0", "True"),                 # 7 to be decided
    ("eps", "limassol-cyprus", "Limassol, Cyprus", "Cyprus", "CY", "34.7", "33.0", "False"),          # 8
]

GEM_COLUMNS = gem_import.ASSET_COLUMNS


def _gem_asset(gid, project, typ, parent="", owner="", iso="MT", lat="35.9", lon="14.5", status="operating",
               geom="point", **kw):
    row = {c: "" for c in GEM_COLUMNS}
    row.update(asset_id=gid, project=project, type=typ, parent=parent, owner=owner, iso_a2_list=iso, countries=iso,
               latitude=lat if geom == "point" else "", longitude=lon if geom == "point" else "", status=status,
               geom=geom, url=f"https://www.gem.wiki/{project.replace(' ', '_')}", status_tabular=status)
    row.update(kw)
    return row


#: GEM assets (1-based rows in the comment)
GEM_ASSETS = [
    _gem_asset("g01", "Pipe One", "gas_pipeline", parent="Gazprom [100.00%]", owner="Pipe Co [100%]",
               iso="RU;UA", geom="line"),                                                  # 1 two countries
    _gem_asset("g02", "Plant Two", "gas_power_plant", parent="PJSC Gazprom [30%]; Other [70%]",
               capacity="400"),                                                            # 2 Gazprom 30%
    _gem_asset("g03", "Field Three", "gas_extraction_area", parent="Gazprom PJSC (unknown %); Mystery Energy SA (50%)",
               iso="FR", lat="46.0", lon="3.0", status="proposed_plus",
               start_year="2027 (expected)"),                                              # 3 share as text
    _gem_asset("g04", "Mine Four", "coal_mine"),                                           # 4 unknown type
    _gem_asset("g05", "Plant Five", "gas_power_plant", lat="", lon=""),                    # 5 no position
    _gem_asset("g06", "Plant Six", "gas_power_plant", status="rumoured"),                  # 6 unknown status
    _gem_asset("g07", "Plant Seven", "gas_power_plant", parent="Alpha Power [60%]; Alpha Power [40%]", iso="FR",
               lat="46.0", lon="3.0", start_year="2"),                                     # 7 named twice, year cut
    _gem_asset("g08", "Plant Eight", "gas_power_plant", parent="Beta Energie AG [80%]; Gamma GmbH [40%]", iso="DE",
               lat="50.0", lon="10.0"),                                                    # 8 over 100%
    _gem_asset("g09", "Plant Nine", "lng_terminal", parent="Mystery Energy SA [100%]", lat="48.0", lon="2.0"),
    #                                                                                        9 MT stated, FR point
    _gem_asset("g10", "Plant Ten", "gas_power_plant", parent="Nobody Ltd [150%]", iso="FR", lat="46.0", lon="3.0"),
    #                                                                                       10 share over 100%
]


def _manifest(folder: Path, source_id: str, files: list[str], licence="CC-BY-4.0", nc=False) -> None:
    write_manifest(folder, Manifest(
        id=source_id, title=f"tiny {source_id}", publisher="tests", origin_url="https://example.org",
        licence=licence, licence_url="https://example.org/licence", attribution=f"tests {source_id}",
        retrieved="2026-11-25", is_noncommercial=nc, files=[describe_file(folder, f) for f in files],
        **manifest_keys(source_id)))


def _lines(coords_by_key: dict[str, list], key: str) -> bytes:
    return cables_import.compact_geojson([
        {"type": "Feature", "properties": {key: k},
         "geometry": {"type": "MultiLineString", "coordinates": [c]}} for k, c in sorted(coords_by_key.items())])


def write_cables(folder: Path, owners=OWNERS, landings=LANDINGS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "cables.csv", ["source_row", *cables_import.CABLE_COLUMNS], [
        {"source_row": i, "cable_id": c, "cable_numeric_id": i, "name": n, "rfs": rfs, "rfs_year": y, "length": "",
         "length_km": "100", "n_owners": len(o.split("; ")), "owners": o, "n_landing_points": 2,
         "url": "", "notes": ""} for i, (c, n, rfs, y, o) in enumerate(CABLES, start=1)])
    write_csv(folder / "cable_owners.csv", ["source_row", *cables_import.OWNER_COLUMNS], [
        {"source_row": i, "cable_id": c, "cable_name": c, "owner": o} for i, (c, o) in enumerate(owners, start=1)])
    write_csv(folder / "landing_points.csv", ["source_row", *cables_import.LANDING_COLUMNS], [
        {"source_row": i, "cable_id": c, "landing_point_id": lid, "landing_point_numeric_id": i,
         "landing_point_name": n, "country_name": cn, "iso_a2": iso, "latitude": lat, "longitude": lon,
         "is_tbd": tbd} for i, (c, lid, n, cn, iso, lat, lon, tbd) in enumerate(landings, start=1)])
    (folder / "cable_routes.geojson").write_bytes(_lines(
        {c[0]: [[14.5, 35.9], [10.0, 40.0], [5.37, 43.3]] for c in CABLES}, "cable_id"))
    _manifest(folder, "submarine-cables", ["cables.csv", "cable_owners.csv", "landing_points.csv",
                                           "cable_routes.geojson"], licence="CC-BY-NC-SA-3.0", nc=True)
    return folder


def write_gem(folder: Path, assets=GEM_ASSETS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "assets.csv", ["source_row", *GEM_COLUMNS],
              [{"source_row": i, **r} for i, r in enumerate(assets, start=1)])
    stakes = []
    for r in assets:
        for level in gem_import.LEVELS:
            for pos, (written, name, share) in enumerate(gem_import.split_entries(r[level]), start=1):
                stakes.append({"asset_id": r["asset_id"], "level": level, "position": pos,
                               "entity_as_written": written, "entity_name": name, "share_text": share})
    write_csv(folder / "stakes.csv", gem_import.STAKE_COLUMNS, stakes)
    (folder / "pipelines.geojson").write_bytes(_lines(
        {r["asset_id"]: [[33.0, 45.0], [35.0, 47.0]] for r in assets if r["geom"] == "line"}, "asset_id"))
    _manifest(folder, "gem-europe-gas", ["assets.csv", "stakes.csv", "pipelines.geojson"])
    return folder


ALIASES = [
    {"alias": "Northwind", "entity": "northwind-telecom-international-limited", "reason": "the group's arm",
     "source": "https://example.org/northwind"},
]
ADDED = [
    {"entity_id": "pjsc-gazprom", "entity_name": "PJSC Gazprom", "lei": "", "gem_entity_id": "", "jurisdiction": "RU",
     "hq_country": "RU", "entity_type": "listed company", "source_url": "https://example.org/gazprom",
     "reason": "named by GEM without a country"},
]


def write_matching(folder: Path, aliases=ALIASES, added=ADDED) -> Path:
    from infrarisk.sources.matching.load import ALIAS_COLS, ENTITY_COLS
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "aliases.csv", ALIAS_COLS, list(aliases))
    write_csv(folder / "entities.csv", ENTITY_COLS, list(added))
    _manifest(folder, "matching", ["aliases.csv", "entities.csv"])
    return folder


def write_layer_datasets(root: Path, aliases=ALIASES, telecom: bool = True) -> Path:
    """A complete tiny ``datasets/``: geography, curated ownership, cables, GEM, matching."""
    write_geo_datasets(root)
    own = root / "curated"
    write_curated(own, entities=[entity("Northwind Telecom International Limited", "RU"), entity("Orange S.A.", "FR")],
                    stakes=[stake("T1", "Orange S.A.", 100)])
    if telecom:
        from infrarisk.sources.curated.stakes import STAKE_COLS
        write_csv(own / "telecom_stakes.csv", STAKE_COLS, [
            stake("Northwind data centre", "Northwind Telecom International Limited", 100, unlocode="", country="MT",
                  asset_type="data centre", sid="S-t1"),
            stake("Malta mobile network", "Orange S.A.", 100, unlocode="", country="MT",
                  asset_type="mobile network operator", sid="S-t2")])
        write_csv(own / "asset_locations.csv", ["source_row", "asset_name", "source_file", "latitude", "longitude",
                                                "precision", "source_url", "source_title", "note"], [
            {"source_row": 1, "asset_name": "Northwind data centre", "source_file": "telecom_stakes", "latitude": "35.88",
             "longitude": "14.45", "precision": "town", "source_url": "https://example.org/dc", "source_title": "dc",
             "note": ""}])
        from infrarisk.sources import rehash
        rehash(own)
    write_cables(root / "submarine-cables")
    write_gem(root / "gem-europe-gas")
    write_matching(root / "matching", aliases=aliases)
    return root


def load_layers(datasets: Path, **settings_overrides):
    """Run every loader and the integrate stage over ``datasets`` into a fresh in-memory database.

    Returns (con, log, settings).
    """
    from infrarisk import integrate
    from infrarisk.sources import load_all
    settings = Settings.load(environ={}, datasets_dir=datasets, **settings_overrides)
    con, log = connect(None), ProblemLog()
    load_all(con, settings, log)
    integrate.run(con, settings, log)
    return con, log, settings


def geojson(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
