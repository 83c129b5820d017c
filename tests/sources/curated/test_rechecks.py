"""Re-checks of curated rows become dated data: bad correction rows are errors naming file and row;
changes end the old row and add a dated one; a view on a past date counts a re-check only from its page."""

from infrarisk.sources.curated.rechecks import ENTITY_ADD_COLS, RECHECK_COLS, STAKE_ADD_COLS
from tests.builders import entity, link, load_tiny, stake

F = "curated/corrections/rechecks.csv"


def recheck(key, result, file="asset_stakes.csv", url="https://example.org/recheck", date="2025-06-01", **kw):
    row = {c: "" for c in RECHECK_COLS}
    row.update(target_file=file, target_key=key, result=result, source_url=url, source_date=date,
               reason="the page says so", research_row="test")
    row.update(kw)
    return row


def _world():
    ents = [entity("Cosco", "CN"), entity("Port Authority", "FR", etype="state body"), entity("Fund", "FR"),
            entity("Parent", "FR")]
    stakes = [stake("T1", "Cosco", 40, sid="S-cosco", as_of="2017-03-01"),
              stake("T1", "Port Authority", 60, sid="S-pa", as_of="2017-03-01"),
              stake("T2", "Cosco", 50, sid="S-pend", status="current", as_of="2025-01-01")]
    links = [link("Fund", "Parent", 30, lid="L-fund", as_of="2019-01-01")]
    return ents, stakes, links


def _links(con):
    return {r[0]: r[1:] for r in con.execute(
        "SELECT link_id, status, share_min, is_current, CAST(evidence_date AS VARCHAR), CAST(end_date AS VARCHAR) "
        "FROM core_ownership__links").fetchall()}


def test_bad_correction_rows_are_errors_naming_file_and_row(tmp_path):
    ents, stakes, links = _world()
    rows = [recheck("S-cosco", "confirmed"),                           # 1 ok
            recheck("S-nothing", "confirmed"),                         # 2 targets no row
            recheck("S-cosco", "exited", effective_date="2023-02"),    # 3 contradicts row 1
            recheck("S-pa", "confirmed", url=""),                      # 4 no source
            recheck("S-pa", "changed", date=""),                       # 5 no page date
            recheck("L-fund", "confirmed"),                            # 6 wrong file for the key
            recheck("S-pend", "rumoured"),                             # 7 unknown result
            recheck("S-pend", "changed", new_share_pct="140")]         # 8 share out of range
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links, rechecks=rows)
    errs = {(p.row, p.check) for p in log.errors if p.file == F}
    assert errs == {(2, "unknown_target"), (3, "contradicts"), (4, "source_required"), (5, "source_required"),
                    (6, "unknown_target"), (7, "unknown_code"), (8, "share_range")}
    st = log.stats[F]
    assert (st.rows_in, st.rows_loaded) == (8, 1)
    msg = {p.row: p.reason for p in log.errors if p.file == F}
    assert "row 1 already re-checks S-cosco" in msg[3]
    assert "no row 'S-nothing' in asset_stakes.csv" in msg[2]


def test_results_become_dated_rows(tmp_path):
    ents, stakes, links = _world()
    rows = [recheck("S-cosco", "exited", effective_date="2023-02", date="2023-03-08"),
            recheck("S-pa", "changed", new_share_pct="100", effective_date="2023-02", date="2023-03-08"),
            recheck("S-pend", "not completed", new_status="pending", date="2025-12-11"),
            recheck("L-fund", "confirmed", file="parent_links.csv", date="2024-07-15")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links, rechecks=rows)
    assert not [p for p in log.errors if p.file == F]
    lk = _links(con)
    # the exit ends the old stake and is a row of its own with the re-check's source
    assert lk["S-cosco"][:3] == ("historical", 0.4, False) and lk["S-cosco"][4] == "2023-02-01"
    assert lk["S-cosco-X1"][:3] == ("exited", 0.0, False)
    # a change: the old row ends, the new one holds from the effective date with the page's date as evidence
    assert lk["S-pa"][0] == "historical"
    assert lk["S-pa-R2"][:4] == ("current", 1.0, True, "2023-03-08")
    # a transaction that did not close stays pending with the newest evidence date
    assert lk["S-pend"][:4] == ("pending", 0.5, False, "2025-12-11")
    # a confirmation only adds the newer evidence date
    assert lk["L-fund"][:4] == ("current", 0.3, True, "2024-07-15")
    ev = dict(con.execute("SELECT link_id, recheck_result FROM core_curated__evidence").fetchall())
    assert ev == {"S-cosco": "exited", "S-cosco-X1": "exited", "S-pa": "changed", "S-pa-R2": "changed",
                  "S-pend": "not completed", "L-fund": "confirmed"}


def test_a_later_recheck_targets_the_row_an_earlier_one_made(tmp_path):
    ents, stakes, links = _world()
    rows = [recheck("S-pa", "changed", new_share_pct="100", effective_date="2016-05-02", date="2016-05-03"),
            recheck("S-pa-R1", "changed", new_share_pct="", effective_date="2019-03", date="2019-03-11")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links, rechecks=rows)
    lk = _links(con)
    assert lk["S-pa-R1"][0] == "historical" and lk["S-pa-R1"][4] == "2019-03-01"
    assert lk["S-pa-R1-R2"][0] == "current"


def _past(tmp_path, as_of):
    ents, stakes, links = _world()
    rows = [recheck("S-cosco", "exited", effective_date="2023-02", date="2023-03-08"),
            recheck("S-pa", "changed", new_share_pct="100", effective_date="2023-02", date="2023-03-08")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links, rechecks=rows, as_of=as_of)
    return {k: v[2] for k, v in _links(con).items()}


def test_a_past_view_counts_a_recheck_only_from_its_page(tmp_path):
    # before the effective date: the old rows hold
    before = _past(tmp_path / "a", "2022-12-31")
    assert before["S-cosco"] and before["S-pa"] and not before["S-pa-R2"]
    # after the effective date but before the page that states it: still the old view
    unknown = _past(tmp_path / "b", "2023-02-15")
    assert unknown["S-cosco"] and unknown["S-pa"] and not unknown["S-pa-R2"]
    # once the page exists: the exit and the change count, the ended rows do not
    after = _past(tmp_path / "c", "2023-06-01")
    assert not after["S-cosco"] and not after["S-pa"] and after["S-pa-R2"]


def test_additions_need_a_known_asset_a_source_and_a_date(tmp_path):
    ents, stakes, links = _world()
    eadd = [dict({c: "" for c in ENTITY_ADD_COLS}, entity_name="Newco", entity_type="company",
                 source_url="https://example.org/e", source_date="2023-08-16", reason="found by a re-check"),
            dict({c: "" for c in ENTITY_ADD_COLS}, entity_name="Cosco", entity_type="company",
                 source_url="https://example.org/e", source_date="2023-08-16", reason="exists already")]
    base = {c: "" for c in STAKE_ADD_COLS}
    sadd = [dict(base, file="asset_stakes.csv", asset_name="T1", shareholder_company="Newco", stake_pct="20",
                 stake_kind="equity", as_of="2023-08", status="current", source_url="https://example.org/s",
                 source_date="2023-08-16", reason="bought 20%"),
            dict(base, file="asset_stakes.csv", asset_name="Nowhere", shareholder_company="Newco", stake_pct="5",
                 stake_kind="equity", as_of="2023-08", status="current", source_url="https://example.org/s",
                 source_date="2023-08-16", reason="no such asset"),
            dict(base, file="asset_stakes.csv", asset_name="T1", shareholder_company="Newco", stake_pct="5",
                 stake_kind="equity", as_of="2023-08", status="current", source_url="",
                 source_date="2023-08-16", reason="no source")]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links, entity_additions=eadd,
                            stake_additions=sadd)
    assert {(p.file, p.row, p.check) for p in log.errors} >= {
        ("curated/corrections/entity_additions.csv", 2, "duplicate_id"),
        ("curated/corrections/stake_additions.csv", 2, "unknown_asset"),
        ("curated/corrections/stake_additions.csv", 3, "source_required")}
    row = con.execute("SELECT share_min, is_current, CAST(evidence_date AS VARCHAR) FROM core_ownership__links "
                      "WHERE link_id = 'SA-1'").fetchone()
    assert row == (0.2, True, "2023-08-16")
