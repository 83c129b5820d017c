"""The owner register's loader: every bad row rejected with file, row, column and reason, and counted."""

from __future__ import annotations

from infrarisk.db import connect
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources.owners.load import load
from tests.builders import stub_geo
from tests.integrate.owner_builders import OWNERS, LINKS, NAMES, olink, oname, owner, write_owners

BAD_OWNERS = [
    owner("owner:ok", "Fine Ltd", "FR"),                                   # 1 kept
    owner("Owner:Bad Id", "Bad Id", "FR"),                                 # 2 id syntax
    owner("owner:no-source", "No Source", "FR", url="", date=""),          # 3 no source
    owner("owner:bad-country", "Bad Country", "XX"),                       # 4 unknown country
    owner("lei:5493001KJTIIGC8Y1R12", "Wrong LEI", "FR", lei="5493001KJTIIGC8Y1R13"),  # 5 id/LEI check digits
    owner("owner:ok", "Fine Ltd again", "FR"),                             # 6 duplicate id
    owner("state:FR", "France", "DE", "state", url="", date=""),           # 7 state id vs seat
]
BAD_LINKS = [
    olink("owner:ok", "state:FR", pct="51", control="true"),              # 1 kept
    olink("owner:ok", "owner:ok", pct="10"),                               # 2 self link
    olink("owner:ok", "owner:x", pct="10", lo="5", hi="20"),               # 3 exact and range
    olink("owner:ok", "owner:y", pct="140"),                               # 4 over 100%
    olink("owner:ok", "owner:z", pct="10", as_of="2024-Q1"),               # 5 date
    olink("owner:a", "owner:b", control="true"),                           # 6 loop a -> b -> a
    olink("owner:b", "owner:a", control="true"),                           # 7
]
BAD_NAMES = [
    oname("Fine", "owner:ok"),                                             # 1 kept
    oname("Fine", "owner:ok"),                                             # 2 duplicate
    oname("Fine", "owner:ok", dataset="nowhere"),                          # 3 unknown dataset
    oname("Fine", "owner:ok", country="QQ"),                               # 4 unknown asset country
    oname("Fine", "owner:ok", reason=""),                                  # 5 no reason
]


def _load(tmp_path, **rows):
    write_owners(tmp_path / "owners", **rows)
    con, log = connect(None), ProblemLog()
    stub_geo(con)
    con.execute("INSERT INTO core_geo__countries VALUES ('CY', 'Cyprus', true), ('FI', 'Finland', true)")
    load(con, Settings.load(environ={}, datasets_dir=tmp_path), log)
    return con, log


def test_bad_rows_are_rejected_with_file_row_and_reason_and_counted(tmp_path):
    con, log = _load(tmp_path, owners=BAD_OWNERS, links=BAD_LINKS, names=BAD_NAMES)
    got = {(p.file, p.row, p.check) for p in log.problems}
    assert {("owners/owners.csv", 2, "id_syntax"), ("owners/owners.csv", 3, "source_required"),
            ("owners/owners.csv", 4, "country_code"), ("owners/owners.csv", 5, "lei_check_digits"),
            ("owners/owners.csv", 6, "duplicate_id"), ("owners/owners.csv", 7, "state_id")} <= got
    assert {("owners/owner_links.csv", 2, "self_link"), ("owners/owner_links.csv", 3, "share_exact_and_range"),
            ("owners/owner_links.csv", 4, "share_range"), ("owners/owner_links.csv", 5, "date"),
            ("owners/owner_links.csv", 6, "control_loop"), ("owners/owner_links.csv", 7, "control_loop")} <= got
    assert {("owners/owner_names.csv", 2, "duplicate_id"), ("owners/owner_names.csv", 3, "unknown_code"),
            ("owners/owner_names.csv", 4, "country_code"), ("owners/owner_names.csv", 5, "required")} <= got
    assert all(p.reason.endswith("row rejected") for p in log.problems if p.severity == "error")
    for f, n_in in (("owners/owners.csv", 7), ("owners/owner_links.csv", 7), ("owners/owner_names.csv", 5)):
        st = log.stats[f]
        assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (n_in, 1, n_in - 1)
    assert con.execute("SELECT owner_id FROM core_owners__owners").fetchall() == [("owner:ok",)]
    assert con.execute("SELECT share_fraction, is_control FROM core_owners__links").fetchall() == [(0.51, True)]


def test_good_rows_load_typed(tmp_path):
    con, log = _load(tmp_path, owners=OWNERS, links=LINKS, names=NAMES)
    assert not [p for p in log.problems if p.severity == "error"]
    assert con.execute("SELECT share_min_fraction, share_max_fraction FROM core_owners__links "
                       "WHERE child_id = 'owner:beta-energie' AND parent_id = 'owner:beta-holding'").fetchone() == (0.5, 0.75)
    assert con.execute("SELECT count(*) FROM core_owners__names WHERE asset_country_code = 'FR'").fetchone()[0] == 1
