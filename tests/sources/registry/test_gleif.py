"""GLEIF golden copy (Level 1, Level 2, reporting exceptions): samples, a larger generated
file, bad input, matching to curated entities by LEI, dates."""

import pytest

from infrarisk import ownership
from infrarisk.sources import registry
from infrarisk.db import connect
from infrarisk.errors import DataError
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from tests.builders import entity, load_over_stub, stake, stub_geo, write_curated

from .helpers import FORMATS, LEI_HEADER, RR_HEADER, lei, lei_row, rr_row, write_csv

GC = FORMATS / "gleif_golden_copy"


def rows(con, sql):
    return con.execute(sql).fetchall()


def problems(con, source="gleif"):
    return {(r[0], r[1]) for r in rows(con, f"SELECT check_name, severity FROM core_{source}__problems")}


@pytest.mark.skipif(not GC.is_dir(), reason="format samples not available")
def test_golden_copy_samples_2019():
    con = connect(None)
    rep = registry.ingest(con, "gleif-lei", [GC / "lei2_level1_sample_2019.csv"])
    assert rep.rows["core_gleif__entities"] == 3
    fund = rows(con, "SELECT entity_type, hq_country_code, jurisdiction_code FROM core_gleif__entities "
                     "WHERE lei = '001GPB6A9XPE8XJICC14'")
    assert fund == [("fund", "US", "US")]
    registry.ingest(con, "gleif-rr", [GC / "rr_level2_sample_2019.csv"])
    links = rows(con, "SELECT link_id, relationship, is_control_kind, share_min, start_date, status "
                      "FROM core_gleif__links ORDER BY link_id")
    assert len(links) == 5
    assert all(r[2] and r[3] is None and r[5] == "current" for r in links)  # control, no share
    # epoch-millisecond timestamps of the 2019 file: 1498089600000 = 2017-06-22
    epoch = [r for r in links if r[0].startswith("rr:00TV1D5YIV5IDUGWBW29")][0]
    assert str(epoch[4]) == "2017-06-22" and epoch[1] == "direct parent"
    # parents outside the Level 1 sample are kept as dangling links with a reason
    dangling = rows(con, "SELECT count(*) FROM core_registry__links WHERE dangling_reason IS NOT NULL")[0][0]
    assert dangling == 5
    ph = rows(con, "SELECT entity_type, placeholder_reason FROM core_registry__entities "
                   "WHERE entity_id = 'lei:C7J4FOV6ELAVE39B7M82'")
    assert ph == [("unknown", "named by a link but described in no loaded file")]


def test_parsed_by_header_name_not_position(tmp_path):
    header = list(reversed(LEI_HEADER))  # other order, and a column this code does not know
    f = write_csv(tmp_path / "lei.csv", header, [{**lei_row(lei(1), "Alpha"), "Entity.NewColumn2031": "x"}])
    con = connect(None)
    registry.ingest(con, "gleif-lei", [f])
    assert rows(con, "SELECT entity_name FROM core_gleif__entities") == [("Alpha",)]
    assert rows(con, 'SELECT "Entity.NewColumn2031" FROM raw_gleif__lei_records') == [("x",)]  # kept in raw


def test_zipped_golden_copy(tmp_path):
    import zipfile

    f = write_csv(tmp_path / "lei.csv", LEI_HEADER, [lei_row(lei(1), "Alpha"), lei_row(lei(2), "Beta")])
    with zipfile.ZipFile(tmp_path / "20261125-gleif-goldencopy-lei2.csv.zip", "w") as z:
        z.write(f, "20261125-gleif-goldencopy-lei2.csv")
    con = connect(None)
    registry.ingest(con, "gleif-lei", [tmp_path / "20261125-gleif-goldencopy-lei2.csv.zip"])
    assert rows(con, "SELECT count(*), min(origin_file) FROM core_gleif__entities") == [
        (2, "20261125-gleif-goldencopy-lei2.csv.zip")]


def test_missing_required_column_names_the_file(tmp_path):
    f = write_csv(tmp_path / "rr.csv", ["Relationship.StartNode.NodeID"], [{"Relationship.StartNode.NodeID": lei(1)}])
    with pytest.raises(DataError, match="rr.csv.*Relationship.EndNode.NodeID"):
        registry.ingest(connect(None), "gleif-rr", [f])


def test_bad_input_is_counted_and_named(tmp_path):
    bad_lei = lei(2)[:-1] + ("0" if lei(2)[-1] != "0" else "1")
    lf = write_csv(tmp_path / "lei.csv", LEI_HEADER, [
        lei_row(lei(1), "Good"), lei_row(bad_lei, "Bad check digits"), lei_row(lei(1), "Duplicate"),
        lei_row(lei(3), "Odd category", category="MYSTERY"), lei_row(lei(4), "Odd country", country="Atlantis")])
    rf = write_csv(tmp_path / "rr.csv", RR_HEADER, [
        rr_row(lei(1), lei(3)),
        rr_row(lei(1), lei(4), "IS_SOMETHING_ELSE"),
        rr_row(lei(3), lei(4), end="2010-01-01T00:00:00Z"),          # ends before it starts
        rr_row(lei(4), lei(5), pct="140"),                              # over 100%
        rr_row(lei(1), lei(3)),                                         # duplicate
        rr_row(bad_lei, lei(3))])
    con = connect(None)
    registry.ingest(con, "gleif-lei", [lf])
    registry.ingest(con, "gleif-rr", [rf])
    p = problems(con)
    assert {("lei_check_digits", "error"), ("duplicate_id", "error"), ("unknown_code", "warning"),
            ("country_code", "warning"), ("unknown_code", "error"), ("date_order", "warning"),
            ("share_range", "warning")} <= p
    named = rows(con, "SELECT file, row, value FROM core_gleif__problems WHERE check_name = 'lei_check_digits' "
                      "ORDER BY file, row")
    assert ("lei.csv", 2, bad_lei) in named and ("rr.csv", 6, bad_lei) in named
    assert rows(con, "SELECT count(*) FROM core_gleif__entities")[0][0] == 3
    assert rows(con, "SELECT count(*) FROM core_gleif__links")[0][0] == 3
    assert rows(con, f"SELECT start_date, end_date FROM core_gleif__links WHERE subject_id = 'lei:{lei(3)}'") == [
        (None, None)]
    assert rows(con, f"SELECT share_min FROM core_gleif__links WHERE subject_id = 'lei:{lei(4)}'") == [(None,)]


def test_reporting_exceptions_are_explicit_unknown_parents(tmp_path):
    f = write_csv(tmp_path / "repex.csv", ["LEI", "Exception.Category", "Exception.Reason.1", "Exception.Reference.1"], [
        {"LEI": lei(1), "Exception.Category": "DIRECT_ACCOUNTING_CONSOLIDATION_PARENT",
         "Exception.Reason.1": "NON_CONSOLIDATING"},
        {"LEI": lei(2), "Exception.Category": "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT",
         "Exception.Reason.1": "NATURAL_PERSONS"},
        {"LEI": lei(3), "Exception.Category": "SOMETHING", "Exception.Reason.1": "NON_PUBLIC"}])
    con = connect(None)
    registry.ingest(con, "gleif-repex", [f])
    got = rows(con, "SELECT subject_id, category, reason_code, description FROM core_registry__unknown_owners "
                    "ORDER BY subject_id")
    assert got[0][:3] == (f"lei:{lei(1)}", "direct parent", "NON_CONSOLIDATING")
    assert "not reported: non consolidating" in got[0][3]
    assert len(got) == 2 and ("unknown_code", "error") in problems(con)


def test_larger_generated_file(tmp_path):
    n = 5000
    lf = write_csv(tmp_path / "lei.csv", LEI_HEADER, [lei_row(lei(i), f"Company {i}", "FR") for i in range(n)])
    rel = [rr_row(lei(i), lei(i // 10)) for i in range(10, n)]
    rel += [rr_row(lei(i), lei(0), "IS_ULTIMATELY_CONSOLIDATED_BY") for i in range(100, n, 7)]
    rf = write_csv(tmp_path / "rr.csv", RR_HEADER, rel)
    con = connect(None)
    registry.ingest(con, "gleif-lei", [lf])
    rep = registry.ingest(con, "gleif-rr", [rf])
    assert rep.rows["core_gleif__links"] == len(rel)
    assert rows(con, "SELECT count(*) FROM core_registry__links WHERE dangling_reason IS NOT NULL")[0][0] == 0
    assert not rep.problems


def _load_with_registry(tmp_path, ingests, as_of=None, **tables):
    datasets = tmp_path / "datasets"
    write_curated(datasets / "curated", **tables)
    settings = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp_path / "db.duckdb",
                             site_dir=tmp_path / "site", as_of=as_of)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    for fmt, paths in ingests:
        registry.ingest(con, fmt, paths)
    load_over_stub(con, settings, log, registry_file=False)  # the loaders, then the integrate stage
    assert not log.errors, [str(p) for p in log.errors]
    return con, settings


def test_curated_entity_matched_by_lei_chain_reaches_further(tmp_path):
    # curated: "Hafen Holding" (LEI 1) holds 60% of a terminal; GLEIF: LEI 1 is consolidated by
    # LEI 2 (a Chinese government entity), so the terminal's control chain now reaches China
    lf = write_csv(tmp_path / "lei.csv", LEI_HEADER, [
        lei_row(lei(1), "HAFEN HOLDING GMBH", "DE"),
        lei_row(lei(2), "STATE INVESTMENT CO", "CN", category="RESIDENT_GOVERNMENT_ENTITY"),
        lei_row(lei(9), "UNRELATED", "US")])
    rf = write_csv(tmp_path / "rr.csv", RR_HEADER, [rr_row(lei(1), lei(2)),
                                                    rr_row(lei(1), lei(2), "IS_ULTIMATELY_CONSOLIDATED_BY")])
    ents = [entity("Hafen Holding", "DE", lei=lei(1)), entity("Other", "FR")]
    stakes = [stake("T", "Hafen Holding", 60), stake("T", "Other", 40)]
    con, s = _load_with_registry(tmp_path, [("gleif-lei", [lf]), ("gleif-rr", [rf])], entities=ents, stakes=stakes)
    # nothing merges on an empty id; the curated entity keeps its id and meets GLEIF by LEI
    assert rows(con, "SELECT entity_id, matched_by FROM core_registry__entity_map WHERE matched_by = 'lei'") == [
        ("hafen-holding", "lei")]
    g = ownership.resolve(con, s)
    ctl = ownership.control(g)
    t = g.index["terminal:t"]
    assert [g.names[x] for x in ctl.chain[t]] == ["T", "Hafen Holding", "STATE INVESTMENT CO"]
    assert ctl.country[t] == "CN" and ctl.reaches_state[t]
    lo, hi = ownership.held_share(g, ownership.in_group(g, ctl, {"CN"}), ctl)
    assert lo[t] == pytest.approx(0.6)
    # the unrelated registry entity is resolved in bulk but not pulled into the asset scope
    assert "lei:" + lei(9) not in g.index
    assert rows(con, f"SELECT controlling_country_code FROM out_ownership__entity_control "
                     f"WHERE entity_id = 'lei:{lei(9)}'") == [("US",)]
    assert rows(con, "SELECT ultimate_controller_entity_id FROM out_ownership__entity_control "
                     "WHERE entity_id = 'hafen-holding'") == [(f"lei:{lei(2)}",)]


@pytest.mark.parametrize("as_of,current", [(None, False), ("2019-06-01", True), ("2021-01-01", False),
                                           ("2017-01-01", False)])
def test_as_of_uses_registry_periods(tmp_path, as_of, current):
    lf = write_csv(tmp_path / "lei.csv", LEI_HEADER, [lei_row(lei(1), "A"), lei_row(lei(2), "B")])
    rf = write_csv(tmp_path / "rr.csv", RR_HEADER, [rr_row(lei(1), lei(2), start="2018-01-01T00:00:00Z",
                                                           end="2020-06-30T00:00:00Z")])
    con, s = _load_with_registry(tmp_path, [("gleif-lei", [lf]), ("gleif-rr", [rf])], as_of=as_of,
                                 entities=[entity("X", "DE")], stakes=[stake("T", "X", 100)])
    got = rows(con, "SELECT is_current, end_date FROM core_ownership__links WHERE source_id = 'gleif'")
    assert got[0][0] is current and str(got[0][1]) == "2020-06-30"


def test_lei_check_digits_sql_agrees_with_iso_7064():
    import random
    import string

    def mod97(s):  # ISO 7064 MOD 97-10 with letters as 10..35
        return int("".join(str(int(c, 36)) for c in s)) % 97

    rnd = random.Random(7)
    codes = []
    for _ in range(2000):
        base = "".join(rnd.choice(string.digits + string.ascii_uppercase) for _ in range(18))
        good = base + f"{98 - mod97(base + '00'):02d}"
        codes += [good, good[:-1] + str((int(good[-1]) + 1) % 10), base[:5] + rnd.choice("ABCXYZ") + good[6:]]
    codes += ["001GPB6A9XPE8XJICC14", "001gpb6a9xpe8xjicc14", "001GPB6A9XPE8XJICC1", "001GPB6A9XPE8XJICC1A", "", None]
    con = connect(None)
    got = [r[0] for r in con.execute(
        f"SELECT coalesce({registry.lei_ok('x')}, false) FROM unnest(?::VARCHAR[]) WITH ORDINALITY AS t(x, i) "
        "ORDER BY i", [codes]).fetchall()]
    want = [bool(c) and len(c) == 20 and c.isalnum() and c == c.upper() and c[-2:].isdigit() and mod97(c) == 1
            for c in codes]
    assert got == want and sum(want) > 2000


def test_two_files_in_one_ingest_keep_their_rows_and_the_first_duplicate(tmp_path):
    a = write_csv(tmp_path / "a.csv", LEI_HEADER, [lei_row(lei(1), "One"), lei_row(lei(2), "Two")])
    b = write_csv(tmp_path / "b.csv", LEI_HEADER, [lei_row(lei(3), "Three"), lei_row(lei(1), "One again"),
                                                   lei_row("NOTALEI", "Bad")])
    con = connect(None)
    rep = registry.ingest(con, "gleif-lei", [b, a])  # an LEI stays with its first row by (file name, row)
    assert rep.rows["core_gleif__entities"] == 3 and rep.rows["raw_gleif__lei_records"] == 5
    assert rows(con, "SELECT lei, entity_name, origin_file, origin_row FROM core_gleif__entities ORDER BY lei") == [
        (lei(1), "One", "a.csv", 1), (lei(2), "Two", "a.csv", 2), (lei(3), "Three", "b.csv", 1)]
    assert rows(con, "SELECT file, row, check_name, value FROM core_gleif__problems ORDER BY file, row") == [
        ("b.csv", 2, "duplicate_id", lei(1)), ("b.csv", 3, "lei_check_digits", "NOTALEI")]
    assert rows(con, "SELECT origin_file, origin_row FROM raw_gleif__lei_records WHERE LEI = 'NOTALEI'") == [
        ("b.csv", 3)]
    assert [c for c, in rows(con, "SELECT column_name FROM information_schema.columns WHERE "
                                  "table_name = 'core_gleif__entities' ORDER BY ordinal_position")] == list(
        registry.ENTITY_COLUMNS)
