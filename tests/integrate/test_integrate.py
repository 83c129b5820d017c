"""The layer loaders (cables, GEM, matching, telecom) and the integrate stage over tiny datasets.

The bad rows of the layer sources are reported by their loaders, the ids that only another
source can confirm (alias targets) by the integrate stage. Rows are numbered as in ``tests/layer_builders.py``. Every rejected row has an error with file,
row and reason; every suspicious value a warning; ``rows_in = rows_loaded + rows_rejected``.
"""

from __future__ import annotations

import csv

import pytest

from infrarisk.sources._derive import write_csv
from infrarisk.sources.matching.load import ALIAS_COLS
from infrarisk.sources import rehash
from tests.layer_builders import write_layer_datasets, load_layers

OWNERS = "submarine-cables/cable_owners.csv"
LANDINGS = "submarine-cables/landing_points.csv"
ASSETS = "gem-europe-gas/assets.csv"
STAKES = "gem-europe-gas/stakes.csv"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    ds = write_layer_datasets(tmp_path_factory.mktemp("layers") / "datasets")
    con, log, settings = load_layers(ds)
    yield ds, con, log, settings
    con.close()


def problems(log, file, check):
    return {p.row: p for p in log.problems if p.file == file and p.check == check}


def test_row_accounting_balances(tiny):
    _, _, log, _ = tiny
    for f in (OWNERS, LANDINGS, "submarine-cables/cables.csv", ASSETS, STAKES, "curated/telecom_stakes.csv",
              "matching/aliases.csv", "matching/entities.csv"):
        st = log.stats[f]
        assert st.balanced, f
        assert st.rows_rejected == len({p.row for p in log.errors if p.file == f}), f
    assert (log.stats[OWNERS].rows_in, log.stats[OWNERS].rows_rejected) == (10, 2)
    assert (log.stats[ASSETS].rows_in, log.stats[ASSETS].rows_rejected) == (10, 3)


def test_cable_bad_rows(tiny):
    _, con, log, _ = tiny
    assert "blank owner" in problems(log, OWNERS, "required")[9].reason
    assert problems(log, OWNERS, "unknown_key")[10].value == "zzz"
    split = problems(log, OWNERS, "several_owners")[4]
    assert split.severity == "warning" and "Telstra, PCCW" in split.reason
    assert con.execute("SELECT list(owner_name ORDER BY part) FROM core_cables__owner_mentions WHERE origin_row = 4"
                       ).fetchone()[0] == ["Telstra", "PCCW"]
    assert problems(log, "submarine-cables/cables.csv", "owners_disagree")[5].value == "Orange; Nobody"
    assert problems(log, LANDINGS, "coordinates")[5].severity == "error"
    assert problems(log, LANDINGS, "country_code")[6].value == "QQ"
    out = problems(log, LANDINGS, "outside_country")[4]
    assert out.severity == "warning" and "nearest polygon FR" in out.reason
    assert 7 in problems(log, LANDINGS, "site_to_be_decided")
    # nothing dropped silently: the station placed outside its country is kept
    assert con.execute("SELECT count(*) FROM core_assets__assets WHERE asset_id = 'landing:golden-bay-malta'"
                       ).fetchone()[0] == 1


def test_gem_bad_rows(tiny):
    _, con, log, _ = tiny
    assert problems(log, ASSETS, "unknown_code")[4].value == "coal_mine"
    assert problems(log, ASSETS, "unknown_code")[6].value == "rumoured"
    assert 5 in problems(log, ASSETS, "coordinates")
    assert "counted for each" in problems(log, ASSETS, "several_countries")[1].reason
    assert problems(log, ASSETS, "outside_country")[9].value == "48.0,2.0 MT"
    text = problems(log, STAKES, "share_as_text")
    assert len(text) == 1 and next(iter(text.values())).value == "unknown %"
    assert "counted once" in next(iter(problems(log, STAKES, "named_twice").values())).reason
    assert "120%" in next(iter(problems(log, STAKES, "shares_over_100").values())).reason
    assert next(iter(problems(log, STAKES, "share_range").values())).value == "150%"
    assert problems(log, ASSETS, "year")[7].value == "2"  # a truncated start year: blank, reported
    assert con.execute("SELECT start_year FROM core_gem__assets WHERE gem_asset_id = 'g03'").fetchone()[0] == 2027
    # the pipeline counts for both countries it crosses
    assert con.execute("SELECT list(country_code ORDER BY country_code) FROM core_assets__host_countries "
                       "WHERE asset_id = 'gem:g01'").fetchone()[0] == ["RU", "UA"]


def test_gem_parent_rows_count_owner_rows_are_context(tiny):
    _, con, _, _ = tiny
    rows = con.execute("SELECT level, entity_name, is_counted, not_counted_reason FROM core_gem__stakes "
                       "WHERE gem_asset_id = 'g01' ORDER BY level").fetchall()
    assert rows[0][:3] == ("owner", "Pipe Co", False) and "context" in rows[0][3]
    assert rows[1][:3] == ("parent", "Gazprom", True)
    links = con.execute("SELECT owner_entity_id, share_min FROM core_ownership__links WHERE subject_id = 'gem:g01'"
                        ).fetchall()
    assert links == [("pjsc-gazprom", 1.0)]  # the direct owner is not counted a second time


def test_placeholders_make_no_link_and_unknown_shares_stay_unknown(tiny):
    _, con, log, _ = tiny
    owners = con.execute("SELECT owner_entity_id, share_min, share_max FROM core_ownership__links "
                         "WHERE subject_id = 'gem:g02'").fetchall()
    assert owners == [("pjsc-gazprom", 0.3, 0.3)]  # 'Other [70%]' is no entity
    assert any(p.check == "placeholder_owner" and p.value == "Other" for p in log.warnings)
    g03 = dict(con.execute("SELECT owner_entity_id, share_max FROM core_ownership__links WHERE subject_id = 'gem:g03'"
                           ).fetchall())
    assert g03 == {"pjsc-gazprom": 0.5, "name:mystery-energy": 0.5}  # 'unknown %': from 0 to what is left


def test_cable_links_consortium_and_sole_owner(tiny):
    _, con, _, _ = tiny
    rows = con.execute("SELECT subject_id, owner_entity_id, interest_type, share_min, share_max, licence, "
                       "is_noncommercial FROM core_ownership__links WHERE subject_id LIKE 'cable:%' "
                       "ORDER BY subject_id, owner_entity_id").fetchall()
    by = {(r[0], r[1]): r[2:] for r in rows}
    assert by[("cable:alpha", "northwind-telecom-international-limited")][:3] == ("consortium_membership", 0.0, 1.0)
    assert by[("cable:beta", "orange-s-a")][:3] == ("shareholding", 1.0, 1.0)
    assert ("cable:eps", "orange-s-a") in by and by[("cable:eps", "orange-s-a")][0] == "consortium_membership"
    assert all(r[5] == "CC-BY-NC-SA-3.0" and r[6] for r in rows)
    assert not any(r[0] == "cable:delta" for r in rows)  # its only owner is the placeholder 'n.a.'


def test_landing_stations_have_no_ownership_only_lands_at(tiny):
    _, con, _, _ = tiny
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE subject_id LIKE 'landing:%'"
                       ).fetchone()[0] == 0
    lands = con.execute("SELECT list(cable_asset_id ORDER BY cable_asset_id) FROM core_cables__landings "
                        "WHERE landing_asset_id = 'landing:marseille-france'").fetchone()[0]
    assert lands == ["cable:alpha", "cable:beta"]


def test_every_owner_becomes_an_entity_with_its_origin(tiny):
    _, con, log, _ = tiny
    new = dict(con.execute("SELECT entity_id, origin_file FROM core_ownership__entities WHERE entity_id LIKE 'name:%'"
                           ).fetchall())
    assert {"name:telstra", "name:pccw", "name:pipe", "name:mystery-energy", "name:alpha-power"} <= set(new)
    assert new["name:telstra"] == OWNERS
    unknown = {p.value for p in log.warnings if p.check == "owner_country_unknown"}
    assert {"Telstra", "PCCW", "Pipe Co", "Mystery Energy SA"} <= unknown
    assert con.execute("SELECT hq_country_code FROM core_ownership__entities WHERE entity_id = 'pjsc-gazprom'"
                       ).fetchone()[0] == "RU"


def test_assets_and_links_carry_their_licence(tiny):
    _, con, _, _ = tiny
    lic = dict(con.execute("SELECT asset_class, list(DISTINCT licence) FROM core_assets__assets "
                           "WHERE asset_class IN ('cable', 'landing', 'energy') GROUP BY 1").fetchall())
    assert lic == {"cable": ["CC-BY-NC-SA-3.0"], "landing": ["CC-BY-NC-SA-3.0"], "energy": ["CC-BY-4.0"]}
    assert con.execute("SELECT count(*) FROM core_assets__assets WHERE licence IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE licence IS NULL").fetchone()[0] == 0


def test_telecom_assets_national_networks_at_their_country(tiny):
    _, con, _, _ = tiny
    rows = dict(con.execute("SELECT name, position_precision FROM core_assets__assets WHERE asset_class = 'telecom'"
                            ).fetchall())
    assert rows["Northwind data centre"] == "town"
    assert rows["Malta mobile network"].startswith("country: drawn at the label point of MT")


def test_alias_table_edit_changes_the_build(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets", aliases=[])
    con, _, _ = load_layers(ds)
    assert con.execute("SELECT entity_id FROM core_match__names WHERE name = 'Northwind'").fetchone()[0] == \
        "name:northwind"
    write_csv(ds / "matching" / "aliases.csv", ALIAS_COLS, [
        {"alias": "Northwind", "entity": "northwind-telecom-international-limited", "reason": "same group",
         "source": "https://example.org/a"},
        {"alias": "Orange", "entity": "no match", "reason": "a different Orange", "source": "https://example.org/b"},
        {"alias": "Ghost", "entity": "no-such-entity", "reason": "x", "source": "https://example.org/c"}])
    rehash(ds / "matching")
    con, log, _ = load_layers(ds)
    names = dict(con.execute("SELECT name, entity_id FROM core_match__names").fetchall())
    assert names["Northwind"] == "northwind-telecom-international-limited"
    assert names["Orange"] == "name:orange"
    bad = [p for p in log.errors if p.file == "matching/aliases.csv"]
    assert [(p.row, p.check) for p in bad] == [(3, "unknown_entity")]
    st = log.stats["matching/aliases.csv"]  # rejected by the integrate stage, counted against the file
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (3, 2, 1)


def test_noncommercial_setting_leaves_the_cables_out(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    con, log, _ = load_layers(ds, include_noncommercial=False)
    assert con.execute("SELECT count(*) FROM core_assets__assets WHERE is_noncommercial").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE is_noncommercial").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_match__mentions WHERE source_id = 'submarine-cables'"
                       ).fetchone()[0] == 0
    assert not any(p.file.startswith("submarine-cables/") for p in log.problems)
    assert con.execute("SELECT count(*) FROM core_assets__assets WHERE asset_class = 'energy'").fetchone()[0] == 7


def test_match_tables_sorted_stably_with_nulls_last():
    """core_match__* rows come out sorted by their keys, NULLs last, ties in the order matching gave
    them (the order the frame path's stable sort gave); text columns hold text, NaN is NULL."""
    from infrarisk import db
    from infrarisk.integrate import matching
    from infrarisk.match.model import MatchResult, Mention, NameMatch

    def men(name, row, column):
        return Mention(name, "gem", "gem/stakes.csv", row, column)
    names = [NameMatch("Zed", "zed", "new", "name:zed", mentions=[men("Zed", 2, "owner"), men("Zed", 1, "owner")]),
             NameMatch("Acme", "acme", "alias", "E1", scope="gem rows", score=float("nan"),
                       mentions=[men("Acme", 3, "parent"), men("Acme", 3, "owner")]),
             NameMatch("Acme", "acme", "new", "name:acme", mentions=[men("Acme", 3, "holder")]),
             NameMatch("Acme", "acme", "fuzzy", "E2", scope="gem rows", score=95.0)]
    con = db.connect(None)
    ents = [{"entity_id": "E2", "entity_name": "Two", "origin_row": None, "note": "n"},
            {"entity_id": "E1", "entity_name": "One", "origin_row": 4, "lei": float("nan")}]
    matching.write_tables(con, MatchResult(names, [], 92.0), ents)
    assert con.execute("SELECT name, scope, method, score FROM core_match__names").fetchall() == [
        ("Acme", "gem rows", "alias", None), ("Acme", "gem rows", "fuzzy", 95.0), ("Acme", None, "new", None),
        ("Zed", None, "new", None)]
    assert con.execute("SELECT row, column_name, entity_id FROM core_match__mentions").fetchall() == [
        (1, "owner", "name:zed"), (2, "owner", "name:zed"), (3, "parent", "E1"), (3, "owner", "E1"),
        (3, "holder", "name:acme")]
    assert con.execute("SELECT entity_id, origin_row, lei, note FROM core_match__entities").fetchall() == [
        ("E1", 4, None, None), ("E2", None, None, "n")]
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'core_match__names'").fetchall())
    assert (types["score"], types["n_mentions"], types["is_matched"], types["scope"]) == (
        "DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR")


def test_conflicts_equal_the_pandas_reference(monkeypatch):
    """core_match__conflicts from the readings as the frame path made it (kept here as the reference):
    duplicates once, several parents of one source no conflict, a NULL value not counted, sorted."""
    import pandas as pd

    from infrarisk import db
    from infrarisk.integrate import conflicts

    def r(e, field, value, source, url="u", detail="d"):
        return dict(zip(conflicts.COLS, (e, field, value, source, url, detail)))
    seats = [r("E1", "seat_country", "DE", "curated"), r("E1", "seat_country", "NL", "gleif"),
             r("E1", "seat_country", "DE", "curated", detail="again"), r("E2", "seat_country", "FR", "curated"),
             r("E2", "seat_country", None, "owners"), r("E3", "seat_country", "IT", "owners"),
             r("E3", "seat_country", "IT", "gleif")]
    parents = [r("E4", "controlling_parent", "P1", "curated"), r("E4", "controlling_parent", "P2", "curated"),
               r("E5", "controlling_parent", "P1", "curated"), r("E5", "controlling_parent", "P2", "owners"),
               r("E0", "controlling_parent", "P9", "owners"), r("E0", "controlling_parent", "P1", "curated")]
    monkeypatch.setattr(conflicts, "seat_readings", lambda con, result, p: [tuple(x.values()) for x in seats])
    monkeypatch.setattr(conflicts, "parent_readings", lambda con: [tuple(x.values()) for x in parents])
    con = db.connect(None)
    conflicts.write(con, None, [])
    got = con.execute("SELECT * FROM core_match__conflicts").fetchall()
    df = pd.DataFrame(seats + parents, columns=conflicts.COLS).drop_duplicates(["entity_id", "field", "value", "source_id"])
    n = df.groupby(["entity_id", "field"])["value"].transform("nunique")
    sources = df.groupby(["entity_id", "field"])["source_id"].transform("nunique")
    df = df[(n > 1) & ((df["field"] == "seat_country") | (sources > 1))]
    df = df.sort_values(["entity_id", "field", "value", "source_id"], kind="mergesort")
    assert got == [tuple(None if pd.isna(v) else v for v in t) for t in df.itertuples(index=False, name=None)]
    assert {t[0] for t in got} == {"E0", "E1", "E5"}


def test_the_tables_sort_in_arrow_as_the_stable_python_sort_with_nulls_last():
    """The Arrow order of write_tables equals Python's stable sort by the key with NULLs after every
    value (the key the tables were sorted by before; kept here as the reference), also for text
    outside ASCII and ties."""
    import random

    import pyarrow as pa

    from infrarisk.integrate.matching import _key_order

    def nulls_last(at):
        def key(r):
            out = []
            for i in at:
                out += (True, "") if r[i] is None else (False, r[i])
            return tuple(out)
        return key

    rnd = random.Random(7)
    words = ["a", "b", "B", "é", "z", "Ω", "中", "😀", "", "a b", None]
    rows = [(rnd.choice(words), rnd.choice([1, 2, 5, 10**12, None]), rnd.choice(words), i) for i in range(500)]
    arrays = {"k0": pa.array([r[0] for r in rows]), "k1": pa.array([r[1] for r in rows], pa.int64()),
              "k2": pa.array([r[2] for r in rows])}
    for at in ([0, 1, 2], [2], [1, 0], [0]):
        order = _key_order(arrays, [f"k{i}" for i in at]).to_pylist()
        assert [rows[i] for i in order] == sorted(rows, key=nulls_last(at))


def test_owner_links_written_as_the_frame_path_wrote_them():
    """core_match__owner_links from columns equals the table the frame path made (kept here as the
    reference): values, NULLs (NaN too), the sort by link id and, where dates are given, the types."""
    import datetime as dt

    import pandas as pd

    from infrarisk import db
    from infrarisk.integrate import matching, register

    def link(key, share, as_of, source, note, row):
        return {"link_id": f"owners:{key}", "child_entity_id": "c", "parent_entity_id": "p", "share_fraction": share,
                "share_min_fraction": None, "share_max_fraction": 0.5, "is_control": share is not None,
                "status": "current", "as_of_date": as_of, "as_of_precision": "day" if as_of else None,
                "source_url": "u", "source_date": source, "note": note, "origin_file": register.LINKS_FILE,
                "origin_row": row}
    links = [link("b", 0.25, dt.datetime(2024, 5, 1), dt.date(2024, 6, 1), "n", 2),
             link("a", None, None, dt.date(2023, 1, 31), None, 1), link("c", float("nan"), None, None, "x", 3)]

    def frame(links):  # the frame path as it was
        df = pd.DataFrame(links, columns=register.LINK_COLS)
        df = df.astype({"share_fraction": "float64", "share_min_fraction": "float64", "share_max_fraction": "float64",
                        "is_control": "bool", "origin_row": "int64"})
        for c in ("as_of_date", "source_date"):
            df[c] = pd.to_datetime(df[c])
        return df.astype({c: "string" for c in register.LINK_COLS if df[c].dtype == object})
    con = db.connect(None)
    matching._write_owner_links(con, links)
    db.write_frame(con, "core_x__reference", frame(links), order_by=["link_id"])
    got, want = (con.execute(f"SELECT * FROM {t}").fetchall() for t in ("core_match__owner_links", "core_x__reference"))
    assert got == want and [r[0] for r in got] == ["owners:a", "owners:b", "owners:c"]
    types = [con.execute(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{t}' "
                         "ORDER BY ordinal_position").fetchall()
             for t in ("core_match__owner_links", "core_x__reference")]
    assert types[0] == types[1]
    matching._write_owner_links(con, [])  # no links: the typed, empty table
    assert con.execute("SELECT count(*) FROM core_match__owner_links").fetchone()[0] == 0
    assert dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'core_match__owner_links'").fetchall())["as_of_date"] == "TIMESTAMP"
