"""The matching loader: its own rows checked and counted; what needs another source is left to integrate."""

from __future__ import annotations

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources.matching import load as matching
from tests.builders import stub_geo
from tests.layer_builders import ADDED, write_matching

URL = "https://example.org/a"


def _load(tmp_path, aliases, added=ADDED):
    write_matching(tmp_path / "datasets" / "matching", aliases=aliases, added=added)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    matching.load(con, Settings.load(environ={}, datasets_dir=tmp_path / "datasets"), log)
    return con, log


def test_bad_alias_and_entity_rows_are_rejected_and_counted(tmp_path):
    aliases = [
        {"alias": "Northwind", "entity": "some-entity", "reason": "same group", "source": URL},      # 1 ok
        {"alias": "  northwind ", "entity": "other", "reason": "again", "source": URL},              # 2 duplicate
        {"alias": "", "entity": "x", "reason": "blank", "source": URL},                              # 3 blank
        {"alias": "Orange", "entity": "No Match", "reason": "a different Orange", "source": URL},    # 4 ok
        {"alias": "Ghost", "entity": "ghost", "reason": "", "source": URL},                          # 5 no reason
        {"alias": "Nobody", "entity": "unknown-id", "reason": "x", "source": URL},                   # 6 ok here
    ]
    added = [dict(ADDED[0]), dict(ADDED[0], entity_name="Again"), dict(ADDED[0], entity_id="lei:123"),
             dict(ADDED[0], entity_id="x-co", jurisdiction="XX", lei="NOTALEI")]
    con, log = _load(tmp_path, aliases, added)
    st = log.stats["matching/aliases.csv"]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (6, 3, 3)
    errs = {(p.row, p.check) for p in log.errors if p.file == "matching/aliases.csv"}
    assert errs == {(2, "duplicate_id"), (3, "required"), (5, "source_required")}
    got = con.execute("SELECT alias, alias_key, entity_id, origin_row FROM core_matching__aliases").fetchall()
    assert got == [("Northwind", "northwind", "some-entity", 1), ("Orange", "orange", None, 4),
                   ("Nobody", "nobody", "unknown-id", 6)]  # an unknown target is integrate's to reject
    st = log.stats["matching/entities.csv"]
    assert (st.rows_in, st.rows_loaded) == (4, 2)
    assert {(p.row, p.check) for p in log.errors if p.file == "matching/entities.csv"} == {
        (2, "duplicate_id"), (3, "duplicate_id")}
    warn = {(p.row, p.check) for p in log.warnings if p.file == "matching/entities.csv"}
    assert warn == {(4, "country_code"), (4, "lei_check_digits")}
    assert con.execute("SELECT entity_id, hq_country_code, jurisdiction_code, lei FROM core_matching__entities "
                       "ORDER BY origin_row").fetchall() == [("pjsc-gazprom", "RU", "RU", None),
                                                             ("x-co", "RU", None, None)]


def test_no_folder_gives_empty_typed_tables(tmp_path):
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    matching.load(con, Settings.load(environ={}, datasets_dir=tmp_path / "datasets"), log)
    for t in ("core_matching__entities", "core_matching__aliases"):
        assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
        types = dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                                 f"WHERE table_name = '{t}'").fetchall())
        assert types["origin_row"] == "BIGINT" and types["entity_id"] == "VARCHAR"
    assert not log.problems
