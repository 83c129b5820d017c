"""The GLEIF names loader and the registry step in the build of the layers (tiny datasets).

The tiny GEM table names ``Mystery Energy SA`` (assets g03, g09) and ``Beta Energie AG`` (g08);
``datasets/gleif`` gives the first one record and the second two.
"""

from __future__ import annotations

import pytest

from infrarisk.sources._derive import write_csv
from infrarisk.sources.gleif.derive import COLUMNS
from infrarisk.sources.matching.load import ALIAS_COLS
from infrarisk.sources import rehash
from tests.layer_builders import ALIASES, _manifest, load_layers, write_layer_datasets
from tests.test_match import lei

FILE = "gleif/legal_names.csv"
A, B, C = (lei(f"5299000000000000{x}") for x in ("A1", "B2", "C3"))
ROWS = [  # 1-based rows in the comment
    (A, "MYSTERY ENERGY S.A.", "FR", "GENERAL", "mystery energy"),    # 1 unique: matches
    (B, "Beta Energie AG", "DE", "GENERAL", "beta energie"),          # 2 two records of one name:
    (C, "BETA ENERGIE AG", "FR", "GENERAL", "beta energie"),          # 3 ambiguous
    (A[:-2] + "00", "Gamma GmbH", "DE", "GENERAL", "gamma"),          # 4 check digits fail: rejected
    (A, "Mystery Energy SA", "FR", "GENERAL", "mystery energy"),      # 5 LEI repeated: rejected
    (lei("5299000000000000D4"), "Alpha Power Ltd", "QQ", "GENERAL", "alpha power"),  # 6 unknown country: kept
    (lei("5299000000000000E5"), "Nobody Ltd", "DE", "ODD", "nobody old"),  # 7 unknown category, stale key: kept
    (lei("5299000000000000F6"), " ", "DE", "GENERAL", ""),           # 8 blank legal name: rejected
]


def write_gleif(root, rows=ROWS):
    folder = root / "gleif"
    write_csv(folder / "legal_names.csv", COLUMNS, [dict(zip(COLUMNS, r)) for r in rows])
    _manifest(folder, "gleif", ["legal_names.csv"], licence="CC0-1.0")
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    ds = write_layer_datasets(tmp_path_factory.mktemp("gleif") / "datasets")
    write_gleif(ds)
    con, log, settings = load_layers(ds)
    yield ds, con, log
    con.close()


def _problems(log, check):
    return {p.row: p for p in log.problems if p.file == FILE and p.check == check}


def test_bad_rows_are_counted_and_named(tiny):
    _, con, log = tiny
    st = log.stats[FILE]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (8, 5, 3) and st.balanced
    assert set(_problems(log, "lei_check_digits")) == {4} and 8 in _problems(log, "required")
    assert set(_problems(log, "duplicate_id")) == {5}
    assert _problems(log, "country_code")[6].severity == "warning"
    assert _problems(log, "unknown_code")[7].value == "ODD"
    assert "'nobody'" in _problems(log, "stale_normalised_name")[7].reason
    kept = dict(con.execute("SELECT lei, country_code FROM core_gleifnames__legal_names").fetchall())
    assert len(kept) == 5 and kept[A] == "FR" and kept[lei("5299000000000000D4")] is None


def test_unique_name_becomes_a_registry_entity_with_its_country(tiny):
    _, con, log = tiny
    method, eid = con.execute("SELECT method, entity_id FROM core_match__names WHERE name = 'Mystery Energy SA'"
                              ).fetchone()
    assert (method, eid) == ("registry", f"lei:{A}")
    e = con.execute("SELECT entity_name, lei, jurisdiction_code, hq_country_code, entity_type, source_url, note, "
                    "origin_file, origin_row FROM core_ownership__entities WHERE entity_id = ?", [eid]).fetchone()
    assert e[:6] == ("MYSTERY ENERGY S.A.", A, "FR", "FR", "company", f"https://search.gleif.org/#/record/{A}")
    assert "taken as its seat absent better data" in e[6] and "GLEIF Level 1, golden copy of 2025-10-06" in e[6]
    assert e[7:] == (FILE, 1)
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE owner_entity_id = ?", [eid]).fetchone()[0] > 0
    assert not [p for p in log.problems if p.check == "owner_country_unknown" and p.value == "Mystery Energy SA"]


def test_a_name_of_several_records_is_ambiguous_with_their_leis(tiny):
    _, con, log = tiny
    method, eid, cands = con.execute("SELECT method, entity_id, candidates FROM core_match__names "
                                     "WHERE name = 'Beta Energie AG'").fetchone()
    assert (method, eid) == ("ambiguous", "name:beta-energie")
    assert cands == f"lei:{B} 100; lei:{C} 100"
    assert [p for p in log.problems if p.check == "ambiguous_name" and p.value == "Beta Energie AG"]


def test_an_alias_picks_a_record_or_undoes_a_registry_match(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    write_gleif(ds)
    write_csv(ds / "matching" / "aliases.csv", ALIAS_COLS, [*ALIASES, *[
        {"alias": "Beta Energie AG", "entity": f"lei:{C}", "reason": "the French one", "source": "https://example.org/b"},
        {"alias": "Mystery Energy SA", "entity": "no match", "reason": "another Mystery", "source": "https://example.org/m"},
        {"alias": "Alpha Power", "entity": "lei:" + lei("5299000000000000Z9"), "reason": "x",
         "source": "https://example.org/z"}]])
    rehash(ds / "matching")
    con, log, _ = load_layers(ds)
    names = {n: (m, e) for n, m, e in con.execute("SELECT name, method, entity_id FROM core_match__names").fetchall()}
    assert names["Beta Energie AG"] == ("alias", f"lei:{C}")
    assert names["Mystery Energy SA"] == ("no_match", "name:mystery-energy")
    assert con.execute("SELECT hq_country_code FROM core_ownership__entities WHERE entity_id = ?",
                       [f"lei:{C}"]).fetchone() == ("FR",)
    bad = [(p.row, p.check) for p in log.errors if p.file == "matching/aliases.csv"]
    assert bad == [(4, "unknown_entity")]  # an LEI that is no record of gleif/legal_names.csv


def test_without_the_folder_there_is_no_registry_step(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    con, log, _ = load_layers(ds)
    assert con.execute("SELECT count(*) FROM core_gleifnames__legal_names").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_match__names WHERE method = 'registry'").fetchone()[0] == 0
