"""Tests of infrarisk.sources.unlocode.load on the tiny fake datasets (tests/conftest.py) and the real ones."""

from __future__ import annotations

import pytest

from infrarisk.errors import ManifestError
from infrarisk.sources import verify
from tests.conftest import REPO_DATASETS, run_loaders

LOC = "unlocode/locations.csv"


def _problems(log, file, check):
    return [p for p in log.problems if p.file == file and p.check == check]


def test_bad_code_and_unknown_country_are_rejected_with_file_and_row(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode"])
    [syntax] = _problems(log, LOC, "unlocode_syntax")
    assert (syntax.row, syntax.severity, syntax.value) == (5, "error", "IT940")
    assert "2 letters and 3 letters/digits 2-9" in syntax.reason and "rejected" in syntax.reason
    [country] = _problems(log, LOC, "country_code")
    assert (country.row, country.severity, country.value) == (7, "error", "QQ")
    assert "not a known" in country.reason
    codes = {r[0] for r in con.execute("SELECT unlocode FROM raw_unlocode__locations").fetchall()}
    assert "IT940" not in codes and "QQXYZ" not in codes


def test_row_accounting_balances(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode"])
    st = log.stats[LOC]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (9, 7, 2)
    assert st.rows_in == st.rows_loaded + st.rows_rejected
    assert con.execute("SELECT count(*) FROM raw_unlocode__locations").fetchone()[0] == st.rows_loaded
    assert st.rows_rejected == len([p for p in log.errors if p.file == LOC])
    assert all(s.balanced for s in log.stats.values())


def test_duplicate_code_keeps_every_row_and_flags_the_later_one(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode"])
    [dup] = _problems(log, LOC, "duplicate_unlocode")
    assert (dup.row, dup.severity, dup.value) == (4, "warning", "FIHEL")
    assert "already on row 3 (Helsinki (Helsingfors))" in dup.reason
    rows = con.execute(
        "SELECT source_row, name, is_duplicate_unlocode FROM raw_unlocode__locations "
        "WHERE unlocode = 'FIHEL' ORDER BY source_row"
    ).fetchall()
    assert rows == [(3, "Helsinki (Helsingfors)", False), (4, "Helsingfors (Helsinki)", True)]


def test_bad_coordinates_are_dropped_not_the_row(geo_datasets):
    con, log = run_loaders(geo_datasets, ["unlocode"])
    probs = {p.row: p for p in _problems(log, LOC, "lat_lon")}
    assert set(probs) == {2, 8}
    assert probs[2].severity == probs[8].severity == "warning"
    assert "only one of latitude and longitude" in probs[2].reason
    assert "latitude outside -90..90" in probs[8].reason and probs[8].value == "95.0,10.0"
    got = dict(con.execute(
        "SELECT unlocode, latitude FROM raw_unlocode__locations WHERE unlocode IN ('DEBRV', 'DEHAM', 'MTMLA')"
    ).fetchall())
    assert got == {"DEBRV": None, "DEHAM": None, "MTMLA": 35.9}


def test_added_country_code_is_known_and_marked(geo_datasets):
    con, _ = run_loaders(geo_datasets, ["unlocode"])
    rows = con.execute(
        "SELECT country_code, is_unlocode_code, added_reason IS NOT NULL FROM raw_unlocode__country_codes "
        "WHERE country_code IN ('XK', 'MT') ORDER BY 1"
    ).fetchall()
    assert rows == [("MT", True, False), ("XK", False, True)]


def test_tampered_file_fails_verification(geo_datasets):
    path = geo_datasets / "unlocode" / "locations.csv"
    path.write_bytes(path.read_bytes().replace(b"Valletta", b"Vallettb"))
    with pytest.raises(ManifestError, match="locations.csv: sha256"):
        run_loaders(geo_datasets, ["unlocode"])


def test_unlisted_file_fails_verification(geo_datasets):
    (geo_datasets / "unlocode" / "corrections" / "more.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="more.csv: present but not listed"):
        verify(geo_datasets / "unlocode")


def test_committed_dataset_loads_with_the_known_problems():
    con, log = run_loaders(REPO_DATASETS, ["unlocode"])
    st = log.stats[LOC]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (30645, 30644, 1)
    counts = {}
    for p in log.problems:
        counts[(p.check, p.severity)] = counts.get((p.check, p.severity), 0) + 1
    assert counts == {("duplicate_unlocode", "warning"): 77, ("lat_lon", "warning"): 19,
                      ("unlocode_syntax", "error"): 1}
    assert con.execute("SELECT count(*) FROM raw_unlocode__country_codes").fetchone()[0] == 250
    one_per_code = ("SELECT count(DISTINCT unlocode) = count(*) FROM raw_unlocode__locations "
                    "WHERE NOT is_duplicate_unlocode")
    assert con.execute(one_per_code).fetchone()[0]
    assert con.execute("SELECT count(*) FROM raw_unlocode__locations WHERE is_duplicate_unlocode").fetchone()[0] == 77


def test_fast_row_test_agrees_with_the_full_checks(tmp_path):
    """A row the SQL test calls clean is one on which the full checks log nothing, and the
    values SQL takes for it are those the full checks make (rows it does not call clean go
    through the full checks, so a false "not clean" only costs time)."""
    import csv

    import duckdb

    from infrarisk.problems import ProblemLog
    from infrarisk.sources._setops import csv_table
    from infrarisk.sources.unlocode.derive import OUT_COLUMNS
    from infrarisk.sources.unlocode.load import _COLUMNS, _clean_values, _location, clean_sql

    base = {"unlocode": "FIHEL", "country_code": "FI", "location_code": "HEL", "name": "Helsinki",
            "name_wo_diacritics": "Helsinki", "subdivision_code": "18", "status_code": "AI", "iata_code": "",
            "function_code": "1234----", "latitude": "60.17", "longitude": "24.93", "is_port": "true",
            "is_rail": "true", "is_road": "true", "is_airport": "true", "is_multimodal": "false",
            "has_geocoded_coords_removed": "false", "is_row_repaired": "false", "is_name_from_ascii": "false"}
    variants = [{}, {"unlocode": "fihel"}, {"unlocode": "FI HEL"}, {"country_code": "XX"},
                {"location_code": "HEX"}, {"name": " "}, {"is_rail": "yes"}, {"latitude": "91"},
                {"latitude": ""}, {"latitude": "", "longitude": ""}, {"longitude": "1e2"}, {"latitude": "nan"},
                {"status_code": "ZZ"}, {"status_code": ""}, {"function_code": "1234---"},
                {"function_code": "-234----"}, {"is_multimodal": "true"}, {"latitude": " 60.17"},
                {"name": "\u3000Helsinki\xa0", "iata_code": " HEL\t"}, {"location_code": "HEL\u2028"},
                {"latitude": "-0.0", "longitude": "+1"}, {"latitude": "60.1234567890123456789"}]
    path = tmp_path / "locations.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=OUT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows({**base, **change} for change in variants)
    con = duckdb.connect()
    csv_table(con, path, OUT_COLUMNS, "_unlocode_locations_csv")
    got = con.execute(f"SELECT {clean_sql()} AS clean, {_clean_values()} FROM _unlocode_locations_csv "
                      "ORDER BY row_number", {"countries": ["FI"], "statuses": ["AI"]}).fetchall()
    n_clean = 0
    for (clean, *values), change in zip(got, variants):
        row, log = {**base, **change}, ProblemLog()
        rec = _location(row, values[0], {"FI"}, {"AI"}, log)
        if clean:
            n_clean += 1
            assert rec is not None and not log.problems, change
            assert repr(values) == repr([rec[c] for c in _COLUMNS[:-1]]), change  # repr: -0.0 is not 0.0
        elif change in ({"country_code": "XX"}, {"latitude": "91"}, {"status_code": "ZZ"}, {"is_multimodal": "true"}):
            assert log.problems, change
    assert n_clean == 5  # the base row, no status, no coordinates, padded texts and codes (a padded number: full checks)


def test_load_for_dependents_writes_the_country_codes_alone_as_load_writes_them(geo_datasets):
    from infrarisk.db import connect, tables
    from infrarisk.problems import ProblemLog
    from infrarisk.settings import Settings
    from infrarisk.sources.unlocode import load as unlocode_load

    full, full_log = run_loaders(geo_datasets, ["unlocode"])
    con, log = connect(None), ProblemLog()
    unlocode_load.load_for_dependents(con, Settings.load(environ={}, datasets_dir=geo_datasets), log)
    assert tables(con) == ["raw_unlocode__country_codes"]
    q = "SELECT * FROM raw_unlocode__country_codes"
    assert con.execute(q).fetchall() == full.execute(q).fetchall() and len(con.execute(q).fetchall()) > 3
    assert [c[1:] for c in con.execute("PRAGMA table_info('raw_unlocode__country_codes')").fetchall()] == \
        [c[1:] for c in full.execute("PRAGMA table_info('raw_unlocode__country_codes')").fetchall()]
    assert log.problems == [p for p in full_log.problems if "country_codes" in p.file]
    assert set(log.stats) == {f for f in full_log.stats if "country_codes" in f}


def _locations_both_ways(datasets, monkeypatch=None):
    """(table rows, column types, problems, row counts) of load_locations and of the reference."""
    import duckdb

    from infrarisk.problems import ProblemLog
    from infrarisk.sources.unlocode import load as unlocode_load
    from tests.sources.unlocode.locations_before import load_locations_before

    log = ProblemLog()
    countries = set(unlocode_load.load_country_codes(datasets, log)["country_code"])
    statuses = set(unlocode_load._code_table(datasets, unlocode_load.STATUSES, "status_code", log)["status_code"])
    out = []
    for fn in (unlocode_load.load_locations, load_locations_before):
        con, log = duckdb.connect(), ProblemLog()
        n = fn(con, datasets, countries, statuses, log)
        out.append((n, con.execute("SELECT * FROM raw_unlocode__locations").fetchall(),
                    con.execute("DESCRIBE raw_unlocode__locations").fetchall(), log.problems,
                    log.stats, sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())))
    return out


def test_locations_as_the_reference_writes_them_on_the_real_data():
    new, before = _locations_both_ways(REPO_DATASETS)
    assert new == before
    assert new[0] == 30644 and len(new[3]) == 97


@pytest.mark.parametrize("reader", ["duckdb", "csv.reader"])
def test_locations_as_the_reference_writes_them_on_edge_cases(tmp_path, reader, monkeypatch):
    """Rows rejected, repaired, repeated (a code whose first row is rejected, one repeated three
    times, a repeat of a repaired row): the same table, in the same order, the same problems."""
    import csv
    import shutil

    from infrarisk.sources import _setops
    from infrarisk.sources.unlocode.derive import OUT_COLUMNS

    shutil.copytree(REPO_DATASETS / "unlocode", tmp_path / "unlocode")
    base = {"unlocode": "FIHEL", "country_code": "FI", "location_code": "HEL", "name": "Helsinki",
            "name_wo_diacritics": "Helsinki", "subdivision_code": "18", "status_code": "AI", "iata_code": "",
            "function_code": "1234----", "latitude": "60.17", "longitude": "24.93", "is_port": "true",
            "is_rail": "true", "is_road": "true", "is_airport": "true", "is_multimodal": "false",
            "has_geocoded_coords_removed": "false", "is_row_repaired": "false", "is_name_from_ascii": "false"}
    rows = [{}, {"name": "Helsingfors"}, {"unlocode": "FIESP", "location_code": "ESP", "country_code": "XX"},
            {"unlocode": "FIESP", "location_code": "ESP", "latitude": "91"},
            {"unlocode": "FIESP", "location_code": "ESP", "latitude": " 60.2 "},
            {"unlocode": "FITKU", "location_code": "TKU", "is_rail": "yes"},
            {"unlocode": "FITKU", "location_code": "TKU", "status_code": "ZZ", "longitude": ""},
            {"unlocode": "FIOUL", "location_code": "OUL", "function_code": "1234---", "iata_code": " OUL "},
            {"latitude": "60.1700", "name": "\u3000Helsinki"}, {"unlocode": "FI HE"},
            {"unlocode": "FIVAA", "location_code": "VAA", "latitude": "", "longitude": ""},
            {"unlocode": "FIVAA", "location_code": "VAA", "is_multimodal": "true"}]
    with open(tmp_path / "unlocode" / "locations.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=OUT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows({**base, **change} for change in rows)
    if reader == "csv.reader":
        monkeypatch.setattr(_setops, "plain_csv", lambda data: False)
    new, before = _locations_both_ways(tmp_path)
    assert new == before
    checks = {p.check for p in new[3]}
    assert {"duplicate_unlocode", "country_code", "lat_lon", "boolean", "status_code", "function_code",
            "unlocode_syntax"} <= checks
    assert sum(r[-1] for r in new[1]) == 4  # duplicates flagged
