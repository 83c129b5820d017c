"""Tests of infrarisk.sources.wpi.load and core_assets__ports (tiny fake datasets in tests/conftest.py)."""

from __future__ import annotations

import pytest

from infrarisk.errors import ManifestError
from tests.conftest import REPO_DATASETS, run_loaders

PORTS = "wpi/wpi_ports.csv"


def _by_row(log, check):
    return {p.row: p for p in log.problems if p.file == PORTS and p.check == check}


def test_bad_rows_are_rejected_with_file_row_and_reason(geo_db):
    _, log = geo_db
    dup = _by_row(log, "duplicate_wpi_number")[6]
    assert (dup.severity, dup.column, dup.value) == ("error", "wpi_number", "300")
    assert "already on row 5 (Sevastopol)" in dup.reason and "rejected" in dup.reason
    lat = _by_row(log, "lat_lon")[7]
    assert (lat.severity, lat.value) == ("error", "95.0,25.0")
    assert "latitude outside -90..90" in lat.reason
    country = _by_row(log, "country_code")[8]
    assert (country.severity, country.value) == ("error", "QQ")
    assert "not a known" in country.reason


def test_row_accounting_balances(geo_db):
    con, log = geo_db
    st = log.stats[PORTS]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (13, 10, 3)
    errors = {p.row for p in log.errors if p.file == PORTS}
    assert len(errors) == st.rows_rejected  # one rejected row per error row, none silent
    assert con.execute("SELECT count(*) FROM raw_wpi__ports").fetchone()[0] == st.rows_loaded
    assert con.execute("SELECT count(*) FROM core_assets__ports").fetchone()[0] == st.rows_loaded


def test_bad_locode_is_a_warning_and_nulled(geo_db):
    con, log = geo_db
    syntax = _by_row(log, "unlocode_syntax")
    assert (syntax[10].severity, syntax[10].value) == ("warning", "FIHE1")
    assert (syntax[13].severity, syntax[13].value) == ("warning", 'GB ME""')
    mismatch = _by_row(log, "unlocode_country")[12]
    assert (mismatch.severity, mismatch.value) == ("warning", "RULED")
    got = dict(con.execute(
        "SELECT wpi_number, unlocode FROM raw_wpi__ports WHERE wpi_number IN ('700', '900')").fetchall())
    assert got == {"700": None, "900": "RULED"}
    size = _by_row(log, "category")[10]
    assert (size.column, size.severity, size.value) == ("harbor_size", "warning", "Huge")


def test_position_far_from_its_country_is_reported(geo_db):
    _, log = geo_db
    far = _by_row(log, "position_country")
    # Sevastopol (UA) lies in the de-facto Russia polygon; the US has no polygon here.
    assert set(far) == {5, 12}
    assert "from the polygons of UA (nearest polygon: RU)" in far[5].reason
    assert "no_polygon" in far[12].reason
    assert all(p.severity == "warning" for p in far.values())


def test_core_ports_ids_flags_and_primary_port(geo_db):
    con, _ = geo_db
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT asset_id, asset_type, country_code, is_europe, is_primary_for_unlocode, has_container_facility, "
        "position_source, source_id FROM core_assets__ports").fetchall()}
    assert rows["wpi:100"] == ("port", "MT", True, True, True, "wpi", "wpi")    # Large beats Medium
    assert rows["wpi:102"][3] is False                                        # same LOCODE, smaller
    assert rows["wpi:101"][4] is False                                        # "No" -> false
    assert rows["wpi:200"][4] is None                                         # "Unknown" -> NULL
    assert rows["wpi:600"][2] is False                                        # Guadeloupe: not Europe
    assert rows["wpi:900"][3] is False                                        # prefix RU on a US port
    assert "wpi:300" in rows and len([k for k in rows if k == "wpi:300"]) == 1
    one_primary = con.execute(
        "SELECT count(*) FROM (SELECT unlocode FROM core_assets__ports WHERE unlocode IS NOT NULL "
        "AND NOT is_unlocode_country_mismatch GROUP BY 1 HAVING count(*) FILTER (WHERE is_primary_for_unlocode) <> 1)"
    ).fetchone()[0]
    assert one_primary == 0


def test_tampered_file_fails_verification(geo_datasets):
    path = geo_datasets / "wpi" / "wpi_ports.csv"
    path.write_bytes(path.read_bytes().replace(b"35.9,14.516667", b"53.9,14.516667"))
    with pytest.raises(ManifestError, match="wpi/wpi_ports.csv|wpi_ports.csv: sha256"):
        run_loaders(geo_datasets)


def test_committed_dataset_loads_with_the_known_problems():
    con, log = run_loaders(REPO_DATASETS)
    st = log.stats[PORTS]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (3805, 3803, 2)
    dups = _by_row(log, "duplicate_wpi_number")
    assert sorted(p.value for p in dups.values()) == ["400", "49460"]
    assert len(_by_row(log, "unlocode_syntax")) == 5
    assert len(_by_row(log, "unlocode_country")) == 9
    ports = con.execute(
        "SELECT count(*), count(DISTINCT asset_id), count(*) FILTER (WHERE is_europe), "
        "count(*) FILTER (WHERE is_europe IS NULL) FROM core_assets__ports").fetchone()
    assert ports[0] == ports[1] == 3803 and ports[2] > 1000 and ports[3] == 0
    # St Petersburg, Florida carries RULED but the Russian port is the one a terminal links to
    assert con.execute(
        "SELECT name, country_code FROM core_assets__ports WHERE unlocode = 'RULED' AND is_primary_for_unlocode"
    ).fetchall() == [("Sankt-Peterburg", "RU")]
    for name, code in [("Valletta Harbors", "MT"), ("Limassol", "CY"), ("Piraievs", "GR")]:
        assert con.execute(
            "SELECT is_europe FROM core_assets__ports WHERE name = ? AND country_code = ?", [name, code]
        ).fetchone() == (True,)


def test_values_are_read_with_pythons_strip_upper_and_float(tmp_path):
    """The checks run in SQL, with Python's semantics for text and numbers: Unicode digits in a
    WPI number, a code that upper-cases to a known one, padding, 'nan', 'inf', '-0'."""
    import csv

    from infrarisk.db import connect
    from infrarisk.problems import ProblemLog
    from infrarisk.sources.wpi.derive import OUT_COLUMNS
    from infrarisk.sources.wpi.load import load_ports

    base = {c: "" for c in OUT_COLUMNS} | {"port_name": "P", "country_code": "IT", "latitude": "40.1",
                                            "longitude": "15.2", "has_invalid_unlocode": "false"}
    rows = [
        {"wpi_number": "\u0661\u0662"},                                      # 1: Arabic-Indic digits: \d
        {"wpi_number": "2", "country_code": "\u0131t"},                       # 2: 'ıt'.upper() == 'IT'
        {"wpi_number": " 3 ", "port_name": "\u3000Q\xa0", "latitude": " 40.5\t"},  # 3: padding stripped
        {"wpi_number": "4", "latitude": "nan"},                               # 4: nan: coordinate missing
        {"wpi_number": "5", "channel_depth_m": "inf", "anchorage_depth_m": "-0", "max_vessel_beam_m": "nan"},
        {"wpi_number": "6", "unlocode": "\ufb01hel", "harbor_size": " Large "},  # 6: 'ﬁhel'.upper() == 'FIHEL'
        {"wpi_number": "7", "longitude": "1_5"},                              # 7: float('1_5') == 15.0
        {"wpi_number": "8", "latitude": "1e400"},                             # 8: inf: outside -90..90
        {"wpi_number": "9", "country_code": "\xdf"},                          # 9: 'ß'.upper() == 'SS'
    ]
    (tmp_path / "wpi").mkdir()
    with open(tmp_path / "wpi" / "wpi_ports.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=OUT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(base | r for r in rows)
    con, log = connect(None), ProblemLog()
    assert load_ports(con, tmp_path, {"IT", "SS"}, log) == 7
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT source_row, wpi_number, port_name, country_code, latitude, longitude, unlocode, harbor_size, "
        "channel_depth_m, anchorage_depth_m, max_vessel_beam_m FROM raw_wpi__ports").fetchall()}
    assert got[1][0] == "\u0661\u0662"
    assert got[2][2] == "\u0131t"                      # kept as written, accepted by its upper case
    assert got[3][:4] == ("3", "Q", "IT", 40.5)
    assert repr(got[5][7:]) == repr((float("inf"), -0.0, None))
    assert got[6][5:7] == ("FIHEL", "Large")
    assert got[7][4] == 15.0
    assert got[9][2] == "\xdf"
    problems = {(p.row, p.check): p for p in log.problems}
    assert problems[(4, "lat_lon")].reason == "coordinate missing; row rejected"
    assert problems[(8, "lat_lon")].reason == "latitude outside -90..90; row rejected"
    assert problems[(5, "number")].value == "nan" and problems[(5, "number")].column == "max_vessel_beam_m"
    assert sorted(problems) == [(4, "lat_lon"), (5, "number"), (6, "unlocode_country"), (8, "lat_lon")]
