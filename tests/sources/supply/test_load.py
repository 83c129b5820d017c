"""The supply loader: every bad row rejected with file, row, column and reason, and counted."""

from __future__ import annotations

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources.supply.load import load
from tests.builders import stub_geo
from tests.sources.supply.builders import supply, write_supply

BAD = [
    supply("S01", "tel-de", share="60", basis="main vendor"),                    # 1 kept
    supply("S02", "nobody-de"),                                                  # 2 operator that does not exist
    supply("S03", "tel-de", vendor="Acme Radio"),                                # 3 vendor that does not exist
    supply("S04", "voda-de", share="140"),                                       # 4 share outside 0-100
    supply("S05", "voda-de", start="2020", end="2019-05", status="removed"),     # 5 removal before start
    supply("S06", "voda-de", url="", date=""),                                   # 6 no source
    supply("S07", "voda-de", country="XX"),                                      # 7 unknown country
    supply("S08", "voda-de", component="antennas"),                              # 8 unknown component
    supply("S09", "voda-de", status="maybe"),                                    # 9 unknown status
    supply("S10", "blue-de", component="ran", vendor="Ericsson", share="70"),    # 10 } shares of one component
    supply("S11", "blue-de", component="ran", vendor="Huawei", share="40"),      # 11 } sum over 100% even at the lower Huawei reading
    supply("S12", "blue-de", component="ran", vendor="Huawei", share="35", date="2020-01-01"),  # 12 older reading
    supply("S13", "blue-de", vendor="", status="not_disclosed"),                 # 13 kept: sourced not-disclosed
    supply("S14", "blue-de", vendor="", status="in_service"),                    # 14 a vendor is required
    supply("S15", "Terminal X", kind="container_terminal", component="sts_cranes", vendor="ZPMC",
           review="true"),                                                        # 15 kept, flagged
]


def _load(tmp_path, rows):
    write_supply(tmp_path / "supply", rows)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    con.execute("INSERT INTO core_geo__countries VALUES ('SE', 'Sweden', true), ('FI', 'Finland', true)")
    load(con, Settings.load(environ={}, datasets_dir=tmp_path), log)
    return con, log


def test_bad_rows_are_rejected_with_file_row_and_reason_and_counted(tmp_path):
    con, log = _load(tmp_path, BAD)
    got = {(p.row, p.check) for p in log.problems if p.file == "supply/supply.csv"}
    assert got == {(2, "asset_unknown"), (3, "vendor_unknown"), (4, "share_range"), (5, "end_before_start"),
                   (6, "source_required"), (7, "country_code"), (8, "unknown_code"), (9, "unknown_code"),
                   (10, "shares_over_100"), (11, "shares_over_100"), (12, "shares_over_100"), (14, "required")}
    assert all(p.reason.endswith("row rejected") and p.severity == "error" for p in log.problems)
    st = log.stats["supply/supply.csv"]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (15, 3, 12)
    kept = con.execute("SELECT supply_id, needs_review, share_fraction, is_main_vendor FROM core_supply__supply "
                       "ORDER BY 1").fetchall()
    assert [k[0] for k in kept] == ["S01", "S13", "S15"]
    assert kept[0][2:] == (0.6, True) and kept[2][1] is True


def test_two_readings_of_one_vendor_are_alternatives_not_parts(tmp_path):
    rows = [supply("S1", "blue-de", component="ran", vendor="Ericsson", share="51"),
            supply("S2", "blue-de", component="ran", vendor="Huawei", share="49"),
            supply("S3", "blue-de", component="ran", vendor="Huawei", share="53")]
    con, log = _load(tmp_path, rows)
    assert not log.problems
    assert con.execute("SELECT count(*) FROM core_supply__supply").fetchone()[0] == 3


def test_names_figures_and_regions(tmp_path):
    con, log = _load(tmp_path, [supply("S1", "tel-de", vendor="Ericsson; Huawei", component="ran")])
    assert con.execute("SELECT vendor_ids FROM core_supply__supply").fetchone()[0] == ["ericsson", "huawei"]
    figs = con.execute("SELECT figure_id, country_code, value_pct, bound, needs_review FROM core_supply__country_figures "
                       "ORDER BY 1").fetchall()
    assert figs == [("F1", "DE", 59.0, None, False), ("F2", "EU+", 50.0, "lower", True)]
    assert con.execute("SELECT country_code FROM core_supply__risk_sources").fetchone()[0] == "EU"


def test_absent_folder_writes_empty_tables(tmp_path):
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    load(con, Settings.load(environ={}, datasets_dir=tmp_path), log)
    for t in ("supply", "vendors", "operators", "risk_sources", "country_figures", "asset_aliases"):
        assert con.execute(f"SELECT count(*) FROM core_supply__{t}").fetchone()[0] == 0
