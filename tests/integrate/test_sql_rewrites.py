"""Rewritten SQL files against their previous text, kept as a reference (tests/integrate/reference_sql/).

Each file was rewritten for speed (an aggregate with arg_min or a sorted list instead of a window or an ordered
aggregate; one sort serving a row number and the table's order); its result must not change. Each test fills the
tables a file reads with seeded random rows drawn from small sets of values, so ties, NULLs, shared shares and
several rows per group abound, runs the reference and the file on the same tables, and compares the column
names and types and every row in the stored order. Where the reference itself leaves a choice open (a window
ordered on a tie), the fixture keeps the key the reference relies on unique, as the build's data does.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from infrarisk import db

REFERENCE = Path(__file__).resolve().parent / "reference_sql"
SEEDS = [1, 2, 3, 4]
BANDS = ["high", "elevated", "low", "unknown", "none", None]


def _table(con, name: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    if rows:
        _rows = pd.DataFrame(rows, dtype=object)  # noqa: F841 - read by DuckDB (object columns: None stays NULL)
        con.execute(f"INSERT INTO {name} SELECT * FROM _rows")


def _same(con, name: str, params: dict | None = None) -> int:
    """Run the reference and the file of ``name`` (``layer/table``) into two tables; assert identical results."""
    table = name.rsplit("/", 1)[1]
    texts = {"ref": (REFERENCE / f"{table}.sql").read_text(encoding="utf-8"), "new": db.sql_text(name)}
    for tag, text in texts.items():
        head = f"CREATE OR REPLACE TABLE {table} AS"
        assert head in text
        text = text.replace(head, f"CREATE OR REPLACE TABLE _{tag}_{table} AS")
        con.execute(text, params) if params else con.execute(text)
    assert con.execute(f"DESCRIBE _ref_{table}").fetchall() == con.execute(f"DESCRIBE _new_{table}").fetchall()
    ref = con.execute(f"SELECT * FROM _ref_{table}").fetchall()
    assert ref == con.execute(f"SELECT * FROM _new_{table}").fetchall()
    return len(ref)


def _pick(rng: random.Random, values: list):
    return values[rng.randrange(len(values))]


def _groups(rng: random.Random, asset_ids: list[str]) -> list[tuple]:
    """out_exposure__asset_groups rows: 0-4 groups per asset (group id unique per asset, one may be NULL)."""
    rows = []
    for a in asset_ids:
        for g in rng.sample(["g1", "g2", "g3", None], rng.randrange(5)):
            rows.append((a, g, None if g is None else f"Group {g}", _pick(rng, [None, 0.0, 0.25, 0.5, 0.5, 1.0]),
                         _pick(rng, [None, 0.5, 1.0]), _pick(rng, [None, True, False]), None, _pick(rng, BANDS),
                         f"reason {a} {g}", 0.5, 0.5, "traced", _pick(rng, BANDS), rng.random() < 0.3))
    return rows


GROUP_COLS = ("asset_id VARCHAR, group_id VARCHAR, group_label VARCHAR, share_min DOUBLE, share_max DOUBLE, "
              "is_controlled BOOLEAN, operator_name VARCHAR, band VARCHAR, band_reason VARCHAR, traced_share DOUBLE, "
              "untraced_share DOUBLE, band_basis VARCHAR, band_max VARCHAR, is_more_exposed_reading BOOLEAN")


@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_exposure_assets_band_row(con, seed):
    rng = random.Random(seed)
    ids = [f"a{i:03d}" for i in range(120)]
    _table(con, "core_assets__assets",
           "asset_num BIGINT, asset_id VARCHAR, name VARCHAR, asset_type VARCHAR, asset_class VARCHAR, "
           "country_code VARCHAR, unlocode VARCHAR, parent_asset_id VARCHAR, latitude DOUBLE, longitude DOUBLE, "
           "position_precision VARCHAR, position_source_url VARCHAR, operator_name VARCHAR, is_planned BOOLEAN, "
           "source_id VARCHAR, source_files VARCHAR[], is_europe BOOLEAN, licence VARCHAR, is_noncommercial BOOLEAN",
           [(i, a, f"name {a}", "t", _pick(rng, ["port", "terminal", "cable"]), "FR",
             _pick(rng, [None, "FRAAA", "FRBBB", "FRCCC"]), None, 1.0, 2.0, "p", "u", None, False, "s", ["f"],
             rng.random() < 0.7, "L", False) for i, a in enumerate(ids)])
    _table(con, "out_exposure__asset_groups", GROUP_COLS, _groups(rng, ids))
    _table(con, "out_exposure__ports",
           "asset_id VARCHAR, n_terminals BIGINT, n_terminals_exposed BIGINT, band VARCHAR, band_group_id VARCHAR, "
           "band_group_label VARCHAR, max_share_min DOUBLE, max_share_max DOUBLE, has_controlled_terminal BOOLEAN, "
           "has_more_exposed_reading BOOLEAN, band_max VARCHAR",
           [(a, rng.randrange(3), 1, "low", "g1", "G", 0.1, 0.2, False, False, "low") for a in ids if rng.random() < 0.2])
    _table(con, "out_ownership__asset_controllers",
           "asset_id VARCHAR, controller_entity_id VARCHAR, control_chain VARCHAR, controlling_country_code VARCHAR",
           [(a, "e1", "e1", "CN") for a in ids if rng.random() < 0.2])
    _table(con, "core_census__ports", "unlocode VARCHAR", [("FRAAA",), (None,)] if seed % 2 else [("FRAAA",)])
    _table(con, "core_census__terminals", "unlocode VARCHAR", [("FRBBB",)])
    assert _same(con, "out/out_exposure__assets", {"profile_name": "p"}) == len(ids)


@pytest.mark.parametrize("seed", SEEDS)
def test_landings_most_exposed_cable(con, seed):
    rng = random.Random(seed)
    cables = [f"cable:{i:02d}" for i in range(25)]
    landings = [f"landing:{i:02d}" for i in range(40)]
    pairs = [(c, l) for l in landings for c in rng.sample(cables, rng.randrange(5))]
    _table(con, "core_cables__landings", "cable_asset_id VARCHAR, landing_asset_id VARCHAR",
           pairs + pairs[:10])  # repeated pairs count once
    _table(con, "out_exposure__assets",
           "asset_id VARCHAR, name VARCHAR, band VARCHAR, band_group_label VARCHAR, share_min DOUBLE, "
           "share_max DOUBLE, is_controlled BOOLEAN",
           [(c, f"Cable {c}", _pick(rng, BANDS), _pick(rng, [None, "G1", "G2"]),
             _pick(rng, [None, 0.0, 0.25, 0.5]), _pick(rng, [None, 1.0]), _pick(rng, [None, True, False]))
            for c in cables])
    assert _same(con, "out/out_exposure__landings") > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_country_assets_foreign_and_domestic_rows(con, seed):
    rng = random.Random(seed)
    assets = [f"a{i:03d}" for i in range(60)]
    cables = [f"cable:{i:02d}" for i in range(8)]
    countries = ["FR", "DE", "CN", "RU"]
    _table(con, "core_geo__countries", "country_code VARCHAR, is_europe BOOLEAN",
           [(c, c in ("FR", "DE", "RU")) for c in countries])
    hosts = sorted({(a, _pick(rng, countries)) for a in assets for _ in range(rng.randrange(1, 3))})
    _table(con, "core_assets__host_countries", "asset_id VARCHAR, country_code VARCHAR, basis VARCHAR",
           [(a, c, "located") for a, c in hosts])
    _table(con, "out_exposure__assets",
           "asset_id VARCHAR, name VARCHAR, asset_class VARCHAR, asset_type VARCHAR, band VARCHAR, "
           "controlling_country_code VARCHAR, control_chain VARCHAR, licence VARCHAR, is_noncommercial BOOLEAN",
           [(a, _pick(rng, [f"n{a}", "same name"]), _pick(rng, ["landing", "terminal", "port", "energy"]),
             _pick(rng, ["x", "y"]), _pick(rng, BANDS), None, None, "L", False) for a in assets + cables])
    _table(con, "out_exposure__asset_groups", GROUP_COLS, _groups(rng, assets + cables))
    _table(con, "core_cables__landings", "cable_asset_id VARCHAR, landing_asset_id VARCHAR",
           [(c, a) for a in assets for c in rng.sample(cables, rng.randrange(3))])
    _table(con, "out_exposure__group_countries", "group_id VARCHAR, group_label VARCHAR, country_code VARCHAR",
           [("g1", "Group g1", "CN"), ("g2", "Group g2", "RU"), ("g2", "Group g2", "FR")])
    _table(con, "out_exposure__landings", "asset_id VARCHAR, via_cable_name VARCHAR",
           [(a, "via") for a in assets if rng.random() < 0.3])
    assert _same(con, "out/out_exposure__country_assets") > 0


TELECOM_COLS = ("stake_id VARCHAR, asset_name VARCHAR, owner_entity_id VARCHAR, share_fraction DOUBLE, "
                "interest_type VARCHAR, is_control_kind BOOLEAN, status VARCHAR, as_of_date TIMESTAMP_S, "
                "as_of_precision VARCHAR, source_url VARCHAR, source_title VARCHAR, note VARCHAR, origin_file VARCHAR, "
                "origin_row BIGINT")


@pytest.mark.parametrize("seed", SEEDS)
def test_infra_links_cables_gem_census(con, seed):
    rng = random.Random(seed)
    entities = [f"e{i}" for i in range(6)]
    mentions = []
    # cables: owner names (repeated, several per entity, some unresolved), one system per cable
    systems, owner_rows = [], []
    for i in range(15):
        aid = f"cable:c{i}"
        n = rng.randrange(1, 4)
        systems.append((f"c{i}", aid, f"Cable {i}", _pick(rng, [None, "", "other owners too"]), n))
        for k in range(n):
            row = len(owner_rows) + 1
            name = _pick(rng, ["Acme", "acme", "Beta", "Gamma"])
            owner_rows.append((f"c{i}", aid, name, "cables/cable_owners.csv", row))
            mentions.append(("cables/cable_owners.csv", row, "owner", name, _pick(rng, entities + [None])))
    _table(con, "core_cables__systems",
           "cable_id VARCHAR, asset_id VARCHAR, name VARCHAR, notes VARCHAR, n_owners BIGINT", systems)
    _table(con, "core_cables__owner_mentions",
           "cable_id VARCHAR, asset_id VARCHAR, owner_name VARCHAR, origin_file VARCHAR, origin_row BIGINT", owner_rows)
    # GEM: several rows of one level naming one entity (shares summed in position order), NULL shares and names
    gem = []
    for i in range(30):
        for level in ("owner", "parent"):
            for pos in range(rng.randrange(7)):  # up to six rows: a sum of three or more depends on the order
                row = len(gem) + 1
                gem.append((f"gem:G{i}", f"G{i}", level, pos, _pick(rng, ["A Co", "B Co", None]),
                            None if rng.random() < 0.1 else _pick(rng, [0.1, 0.2, 0.3, 1 / 3, 0.7]),
                            rng.random() < 0.9, _pick(rng, [None, "https://gem.wiki/x"]), "gem-europe-gas/stakes.csv",
                            row))
                mentions.append(("gem-europe-gas/stakes.csv", row, "entity_name", None,
                                 _pick(rng, entities[:2] + [None])))
    _table(con, "core_gem__stakes",
           "asset_id VARCHAR, gem_asset_id VARCHAR, level VARCHAR, position BIGINT, entity_as_written VARCHAR, "
           "share_fraction DOUBLE, is_counted BOOLEAN, detail_url VARCHAR, origin_file VARCHAR, origin_row BIGINT", gem)
    # census: stakes on new and curated terminals, held today or not; holders' parents
    stakes, cmap = [], [("T1", "terminal:one", False), ("T2", "terminal:two", True), ("T3", None, True)]
    for row in range(1, 40):
        holder = _pick(rng, ["H1", "H2", "H3"])
        stakes.append((f"CS{row}", _pick(rng, ["T1", "T2", "T3"]), "Terminal", holder,
                       _pick(rng, [None, 0.0, 0.5, 1.0]), _pick(rng, ["shareholding", "concession"]), False,
                       _pick(rng, ["current", "unverified", "exited", "withdrawn", "historical"]), None, "day",
                       "https://example.org/c", None, _pick(rng, [None, "S-1"]), "census/stakes.csv", row))
        mentions.append(("census/stakes.csv", row, "holder", holder, _pick(rng, entities + [None])))
    _table(con, "core_census__stakes",
           "stake_id VARCHAR, terminal_id VARCHAR, terminal VARCHAR, holder VARCHAR, share_fraction DOUBLE, "
           "interest_type VARCHAR, is_control_kind BOOLEAN, status VARCHAR, as_of_date TIMESTAMP_S, "
           "as_of_precision VARCHAR, source_url VARCHAR, note VARCHAR, cited_stake_ids VARCHAR, origin_file VARCHAR, "
           "origin_row BIGINT", stakes)
    _table(con, "core_assets__census_map", "terminal_id VARCHAR, asset_id VARCHAR, is_new BOOLEAN", cmap)
    holders = []
    for row in range(1, 12):
        holders.append(("H", _pick(rng, [None, "P"]), _pick(rng, [None, 0.5]), "https://example.org/h", None, None,
                        "census/holders.csv", row))
        mentions.append(("census/holders.csv", row, "holder", "H", _pick(rng, entities + [None])))
        mentions.append(("census/holders.csv", row, "parent", "P", _pick(rng, entities + [None])))
    _table(con, "core_census__holders",
           "holder VARCHAR, parent VARCHAR, parent_share_fraction DOUBLE, source_url VARCHAR, source_date TIMESTAMP_S, "
           "note VARCHAR, origin_file VARCHAR, origin_row BIGINT", holders)
    _table(con, "core_match__mentions",
           "file VARCHAR, row BIGINT, column_name VARCHAR, name VARCHAR, entity_id VARCHAR", mentions)
    _table(con, "core_curated__entities", "entity_id VARCHAR", [("e1",)])
    _table(con, "core_curated__stakes", "asset_name VARCHAR, owner_entity_id VARCHAR",
           [("Terminal One", "e2"), ("Terminal One", "e2")])
    _table(con, "core_assets__terminals", "asset_id VARCHAR, name VARCHAR, source_id VARCHAR",
           [("terminal:one", "Terminal One", "curated")])
    _table(con, "core_curated__parent_links", "subject_entity_id VARCHAR", [("e3",)])
    _table(con, "core_match__owner_links", "child_entity_id VARCHAR", [("e4",)] + ([(None,)] if seed % 2 else []))
    _table(con, "core_curated__telecom_stakes", TELECOM_COLS, [])
    _table(con, "core_assets__infra", "asset_id VARCHAR, name VARCHAR, source_id VARCHAR", [])
    assert _same(con, "integrate/core_ownership__infra_links") > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_assets_numbering_and_licences(con, seed):
    rng = random.Random(seed)
    con.execute("SET threads = 2")
    files = ["a.csv", "b.csv", "c.csv", "missing.csv"]
    _table(con, "core_meta__licences", "file VARCHAR, licence VARCHAR, licence_rank BIGINT, is_noncommercial BOOLEAN",
           [("a.csv", "CC-BY", 1, False), ("b.csv", "CC-BY-NC", 5, True), ("c.csv", "ODbL", 3, False),
            ("wpi/wpi_ports.csv", "public", 0, False), ("curated/asset_stakes.csv", "CC-BY", 1, False)])
    _table(con, "core_geo__countries", "country_code VARCHAR, is_europe BOOLEAN", [("FR", True), ("CN", False)])
    ids = rng.sample(range(100000), 3000)
    _table(con, "core_assets__ports",
           "asset_id VARCHAR, name VARCHAR, country_code VARCHAR, unlocode VARCHAR, latitude DOUBLE, longitude DOUBLE",
           [(f"wpi:{i}", f"P{i}", _pick(rng, ["FR", "CN", None]), None, 1.0, 2.0) for i in ids[:1000]])
    _table(con, "core_assets__terminals",
           "asset_id VARCHAR, name VARCHAR, asset_type VARCHAR, asset_class VARCHAR, country_code VARCHAR, "
           "unlocode VARCHAR, port_name VARCHAR, parent_asset_id VARCHAR, parent_source VARCHAR, latitude DOUBLE, "
           "longitude DOUBLE, position_precision VARCHAR, position_source_url VARCHAR, operator_name VARCHAR, "
           "is_planned BOOLEAN, source_id VARCHAR",
           [(f"terminal:{i}", f"T{i}", "container_terminal", "terminal", "FR", None, "Port", f"place:fr:{i % 3}",
             "place", 1.0, 2.0, _pick(rng, ["terminal", "port"]), "u", None, False, _pick(rng, ["curated", "census"]))
            for i in ids[1000:1060]])
    _table(con, "raw_unlocode__locations",
           "unlocode VARCHAR, name_wo_diacritics VARCHAR, latitude DOUBLE, longitude DOUBLE, is_duplicate_unlocode BOOLEAN",
           [])
    lists = [[], None, ["a.csv"], ["b.csv", "a.csv"], ["a.csv", "b.csv"], ["missing.csv"], ["c.csv", "missing.csv"],
             ["a.csv", "a.csv"]]
    _table(con, "core_assets__infra",
           "asset_id VARCHAR, name VARCHAR, asset_type VARCHAR, asset_class VARCHAR, country_code VARCHAR, "
           "unlocode VARCHAR, parent_asset_id VARCHAR, latitude DOUBLE, longitude DOUBLE, position_precision VARCHAR, "
           "position_source_url VARCHAR, operator_name VARCHAR, is_planned BOOLEAN, source_id VARCHAR, "
           "source_files VARCHAR[]",
           [(f"x:{i}", f"X{i}", "t", "energy", _pick(rng, ["FR", "CN"]), None, None, 1.0, 2.0, "p", "u", None, False,
             "s", _pick(rng, lists)) for i in ids[1060:]])
    assert _same(con, "integrate/core_assets__assets") == 3000 + 3  # three places made for the terminals


@pytest.mark.parametrize("seed", SEEDS)
def test_entities_numbering(con, seed):
    rng = random.Random(seed)
    con.execute("SET threads = 2")
    _table(con, "core_match__owner_map", "owner_id VARCHAR, entity_id VARCHAR, matched_by VARCHAR",
           [("o1", "c1", "name"), ("o2", "c1", "lei"), ("o3", "m5", "register")])
    _table(con, "core_owners__owners",
           "owner_id VARCHAR, lei VARCHAR, seat_country_code VARCHAR, entity_type VARCHAR, source_url VARCHAR",
           [("o1", None, "FR", "company", "u1"), ("o2", "LEI2", "DE", None, "u2"), ("o3", "LEI3", "CN", "state", "u3")])
    _table(con, "core_curated__entities",
           "entity_id VARCHAR, entity_name VARCHAR, lei VARCHAR, lei_match VARCHAR, lei_legal_name VARCHAR, "
           "lei_related VARCHAR, lei_source_url VARCHAR, jurisdiction_code VARCHAR, hq_country_code VARCHAR, "
           "entity_type VARCHAR, entity_type_raw VARCHAR, state_owned_note VARCHAR, source_url VARCHAR, note VARCHAR, "
           "override_reason VARCHAR, origin_file VARCHAR, origin_row BIGINT",
           [(f"c{i}", f"C{i}", None, None, None, None, None, "FR", _pick(rng, [None, "FR"]),
             _pick(rng, [None, "unknown", "company"]), None, None, None, None, None, "curated/entities.csv", i)
            for i in range(1, 30)])
    _table(con, "core_registry__entities",
           "entity_id VARCHAR, entity_name VARCHAR, lei VARCHAR, jurisdiction_code VARCHAR, hq_country_code VARCHAR, "
           "entity_type VARCHAR, source_url VARCHAR, origin_file VARCHAR, origin_row BIGINT, source_id VARCHAR, "
           "placeholder_reason VARCHAR",
           [(f"r{i}", f"R{i}", None, "GB", "GB", "company", None, "gleif", i, "gleif", None) for i in range(20)])
    _table(con, "core_registry__entity_map", "registry_entity_id VARCHAR, entity_id VARCHAR", [("r3", "c3")])
    match_rows = [(f"m{i}", f"M{i}") for i in rng.sample(range(1000), 200)]
    match_rows.append((None, "no id"))
    _table(con, "core_match__entities",
           "entity_id VARCHAR, entity_name VARCHAR, lei VARCHAR, lei_match VARCHAR, lei_legal_name VARCHAR, "
           "lei_related VARCHAR, lei_source_url VARCHAR, jurisdiction_code VARCHAR, hq_country_code VARCHAR, "
           "entity_type VARCHAR, entity_type_raw VARCHAR, state_owned_note VARCHAR, source_url VARCHAR, note VARCHAR, "
           "override_reason VARCHAR, origin_file VARCHAR, origin_row BIGINT, source_id VARCHAR",
           [(e, n, None, None, None, None, None, None, _pick(rng, ["FR", "CN", None]), None, None, None, None, None,
             None, "matching/entities.csv", i, None) for i, (e, n) in enumerate(match_rows)])
    _table(con, "core_match__conflicts", "entity_id VARCHAR, field VARCHAR, value VARCHAR",
           [("m1", "seat_country", "CN"), ("m1", "seat_country", "FR"), ("c2", "seat_country", "DE"),
            ("c2", "hq", "XX")])
    assert _same(con, "integrate/core_ownership__entities") == 29 + 19 + 201
