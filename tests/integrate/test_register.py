"""The owner register and GEM's pairs in the integrate stage: entities, scoped decisions, links, errors, conflicts."""

from __future__ import annotations

import pytest

from tests.integrate.owner_builders import write_register_datasets
from tests.layer_builders import load_layers


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    ds = write_register_datasets(tmp_path_factory.mktemp("reg") / "datasets")
    con, log, _ = load_layers(ds)
    return con, log


def _mentions(con, name):
    return dict(con.execute("SELECT context, entity_id FROM core_match__mentions WHERE name = ? ORDER BY context",
                            [name]).fetchall())


def test_a_register_row_with_an_asset_country_decides_only_those_mentions(built):
    con, _ = built
    m = _mentions(con, "Mystery Energy SA")
    assert m == {"g03 parent": "owner:mystery-fr", "g09 parent": "owner:mystery-mt"}
    rows = con.execute("SELECT method, entity_id, scope FROM core_match__names WHERE name = 'Mystery Energy SA' "
                       "ORDER BY entity_id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("register", "owner:mystery-fr"), ("register", "owner:mystery-mt")]
    assert "assets in FR" in rows[0][2] and "row 2" in rows[1][2]


def test_register_owners_are_entities_and_enrich_curated_ones(built):
    con, _ = built
    e = dict(con.execute("SELECT entity_id, hq_country_code FROM core_ownership__entities").fetchall())
    assert e["owner:beta-energie"] == "DE" and e["state:RU"] == "RU"
    assert e["orange-s-a"] == "FR"  # curated fields win over the register's DE
    src = con.execute("SELECT source_id FROM core_ownership__entities WHERE entity_id = 'owner:beta-holding'").fetchone()
    assert src == ("owners",)


def test_register_links_join_the_link_table_with_shares_ranges_and_control(built):
    con, _ = built
    rows = {(r[0], r[1]): r[2:] for r in con.execute("""
        SELECT subject_id, owner_entity_id, share_min, share_max, is_control, status, start_date IS NOT NULL, source_id
        FROM core_ownership__links WHERE source_id = 'owners'""").fetchall()}
    assert rows[("owner:beta-energie", "owner:beta-holding")] == (0.5, 0.75, True, "current", True, "owners")
    assert rows[("owner:beta-holding", "state:RU")][:3] == (0.6, 0.6, True)
    # the superseded reading is kept as a dated historical row, not current
    assert rows[("owner:beta-energie", "owner:mystery-mt")][3] == "historical"
    assert rows[("owner:beta-energie", "owner:mystery-mt")][2] is False


def test_ids_naming_no_entity_and_loops_across_sources_are_errors_with_file_and_row(built):
    con, log = built
    errs = {(p.file, p.row, p.check) for p in log.problems if p.severity == "error"}
    assert ("owners/owner_links.csv", 3, "unknown_entity") in errs
    assert ("owners/owner_names.csv", 4, "unknown_entity") in errs
    assert ("owners/owner_links.csv", 5, "control_loop") in errs
    loop = next(p for p in log.problems if p.check == "control_loop")
    assert "curated/parent_links.csv" in loop.reason
    # rejected rows are counted: 5 link rows in, 3 loaded; 5 name rows in, 4 loaded
    assert (log.stats["owners/owner_links.csv"].rows_in, log.stats["owners/owner_links.csv"].rows_loaded) == (5, 3)
    assert log.stats["owners/owner_names.csv"].rows_loaded == 4
    n = con.execute("SELECT count(*) FROM core_ownership__links WHERE source_id = 'owners' AND "
                    "subject_id = 'northwind-telecom-international-limited'").fetchone()[0]
    assert n == 0


def test_the_alias_table_wins_over_the_register_and_the_conflict_is_listed(built):
    con, log = built
    assert _mentions(con, "Northwind") == {"cable alpha": "northwind-telecom-international-limited"}
    w = [p for p in log.problems if p.check == "alias_over_register"]
    assert [(p.file, p.row) for p in w] == [("owners/owner_names.csv", 5)]


def test_gem_hq_step_gives_the_corrected_country_and_keeps_two(built):
    con, _ = built
    names = dict(con.execute("SELECT name, method FROM core_match__names").fetchall())
    assert names["Gamma GmbH"] == "gem_hq" and names["Alpha Power"] == "gem_hq"
    e = {r[0]: r[1:] for r in con.execute(
        "SELECT entity_id, hq_country_code, alt_country_codes, source_url FROM core_ownership__entities "
        "WHERE entity_id LIKE 'gemhq:%'").fetchall()}
    assert e["gemhq:gamma"][:2] == ("DE", [])  # GEM said US; the correction says DE
    assert e["gemhq:alpha-power"] == ("CY", ["FI"], "https://www.gem.wiki/Alpha")


def test_conflicts_keep_every_reading_with_its_source(built):
    con, _ = built
    rows = con.execute("SELECT entity_id, field, value, source_id FROM core_match__conflicts ORDER BY ALL").fetchall()
    assert ("orange-s-a", "seat_country", "DE", "owners") in rows
    assert ("orange-s-a", "seat_country", "FR", "curated") in rows
    assert ("pjsc-gazprom", "seat_country", "CY", "gem-ownership") in rows
    assert ("pjsc-gazprom", "seat_country", "RU", "matching") in rows
    assert not any(r[0] == "owner:beta-energie" for r in rows)  # one reading: no conflict
    alt = dict(con.execute("SELECT entity_id, alt_country_codes FROM core_ownership__entities "
                           "WHERE entity_id IN ('orange-s-a', 'pjsc-gazprom', 'owner:beta-energie')").fetchall())
    assert alt == {"orange-s-a": ["DE"], "pjsc-gazprom": ["CY"], "owner:beta-energie": []}
