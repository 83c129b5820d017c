"""The change list between two states, the state digest, and the history store."""

from __future__ import annotations

import pandas as pd
import pytest

from infrarisk.history import LINK_COLUMNS, History, State, diff


def L(subject, owner, lo, hi=None, status="current", as_of="2024-01-01", link_id=None, kind="asset",
      stated=True, end=None, url="https://example.org/s", names=("", "")):
    hi = lo if hi is None else hi
    return {"subject_kind": kind, "subject_id": subject, "subject_name": names[0] or subject.title(),
            "owner_entity_id": owner, "owner_name": names[1] or owner.title(), "link_id": link_id or f"{subject}-{owner}-{as_of}",
            "interest_type": "shareholding", "share_min": lo, "share_max": hi, "is_share_stated": stated,
            "status": status, "is_current": status in ("current", "unverified") and (lo or 0) > 0 or
            (status in ("current", "unverified") and not stated), "as_of_date": as_of, "end_date": end,
            "source_url": url}


def S(links, bands=(), date="2026-01-01") -> State:
    return State(links=pd.DataFrame(links, columns=LINK_COLUMNS),
                 bands=pd.DataFrame(list(bands), columns=["asset_id", "name", "asset_class", "country_code", "band"]),
                 data_date=date)


def B(asset, band):
    return (asset, asset.title(), "terminal", "DE", band)


def test_added_removed_changed_and_band():
    old = S([L("ctt", "cosco", 0.35), L("ctt", "hhla", 0.65), L("pct", "cosco", 1.0)], [B("ctt", "high")])
    new = S([L("ctt", "cosco", 0.2499, as_of="2023-06-19"), L("ctt", "hhla", 0.7501, as_of="2023-06-19"),
             L("vado", "cosco", 0.4)], [B("ctt", "elevated"), B("vado", "high")])
    got = [(c.change_kind, c.subject_id, c.owner_entity_id, c.share_before, c.share_after) for c in diff(old, new)]
    assert got == [
        ("added", "vado", "cosco", None, "40%"),
        ("changed", "ctt", "cosco", "35%", "24.99%"),
        ("changed", "ctt", "hhla", "65%", "75.01%"),
        ("removed", "pct", "cosco", "100%", None),
        ("band", "ctt", None, None, None),
        ("band", "vado", None, None, None),
    ]
    ctt = diff(old, new)[1]
    assert (ctt.valid_from_before, ctt.valid_from_after, ctt.what) == ("2024-01-01", "2023-06-19", "share")
    bands = [(c.subject_id, c.band_before, c.band_after) for c in diff(old, new) if c.change_kind == "band"]
    assert bands == [("ctt", "high", "elevated"), ("vado", "unknown", "high")]


def test_an_exit_is_a_status_change_with_its_end_date():
    old = S([L("ctt", "cosco", 0.35, as_of="2021-09-01")])
    new = S([L("ctt", "cosco", 0.35, status="historical", as_of="2021-09-01"),
             L("ctt", "cosco", 0.0, status="exited", as_of="2025-03-01", end="2025-03-01")])
    (c,) = diff(old, new)
    assert (c.change_kind, c.status_before, c.status_after, c.valid_to_after) == ("changed", "current", "exited",
                                                                               "2025-03-01")
    assert (c.share_before, c.share_after, c.what) == ("35%", "0%", "share and status")


def test_undisclosed_shares_and_unchanged_evidence():
    old = S([L("ctt", "cosco", 0.0, 0.49, stated=False, url="https://a.example")])
    new = S([L("ctt", "cosco", 0.0, 0.49, stated=False, url="https://b.example", link_id="other-id")])
    assert diff(old, new) == []  # a new source URL or row id alone is no change of holdings
    assert old.digest == new.digest
    assert diff(None, new) == []


def test_digest_ignores_names_and_order():
    a = S([L("x", "o1", 0.5), L("x", "o2", 0.5)], [B("x", "high")])
    b = S([L("x", "o2", 0.5, names=("Renamed", "Someone")), L("x", "o1", 0.5)], [B("x", "high")])
    assert a.digest == b.digest
    assert a.digest != S([L("x", "o1", 0.5)], [B("x", "high")]).digest


def _record(store: History, state: State, run_id: str):
    prev = store.previous_state(state.digest)
    changes = diff(prev, state)
    tmp = store.prepare({"run_id": run_id, "started_at": "t0", "published_at": "t1"}, state, prev, changes)
    store.commit(tmp)
    return changes


def test_history_store_keeps_each_state_once_and_compares_with_the_last_different_one(tmp_path):
    store = History(tmp_path / "history.duckdb")
    a = S([L("ctt", "cosco", 0.35)], date="2026-01-01")
    b = S([L("ctt", "cosco", 0.2499)], date="2026-02-01")
    assert store.previous_state(a.digest) is None and store.transitions(a.digest, 5) == []
    assert _record(store, a, "r1") == []
    assert [c.share_after for c in _record(store, b, "r2")] == ["24.99%"]
    # republishing b: compared with a again, so the page does not change
    assert [c.share_after for c in diff(store.previous_state(b.digest), b)] == ["24.99%"]
    _record(store, b, "r3")
    assert len(store.runs()) == 3 and list(store.states()["state_digest"]) == [a.digest, b.digest]
    # back to a: a change of its own; a is recorded once, now as the latest state
    assert [c.share_after for c in _record(store, a, "r4")] == ["35%"]
    assert list(store.states()["state_digest"]) == [b.digest, a.digest]
    earlier = store.transitions(a.digest, 5)
    assert [t.to_digest for t in earlier] == [b.digest]
    assert [c.share_after for c in earlier[0].changes] == ["24.99%"]
    assert store.load_state(b.digest).links["share_min"].tolist() == [pytest.approx(0.2499)]


def test_a_failed_run_leaves_no_trace_in_the_history(tmp_path):
    store = History(tmp_path / "history.duckdb")
    _record(store, S([L("ctt", "cosco", 0.35)]), "r1")
    before = store.path.read_bytes()
    tmp = store.prepare({"run_id": "r2", "started_at": "t", "published_at": "t"}, S([L("ctt", "cosco", 0.2)]),
                        None, [])
    tmp.unlink()  # the run failed before publishing: its prepared copy is dropped
    assert store.path.read_bytes() == before and len(store.runs()) == 1


def test_an_unreadable_history_is_a_clear_data_error(tmp_path):
    from infrarisk.errors import DataError
    (tmp_path / "history.duckdb").write_bytes(b"not a database")
    with pytest.raises(DataError, match="cannot be read.*move it aside"):
        History(tmp_path / "history.duckdb").previous_state("x")


def C(rows):
    from infrarisk.history import CONTROLLER_COLUMNS
    return pd.DataFrame(rows, columns=CONTROLLER_COLUMNS)


def R(rows):
    from infrarisk.history import REGISTRATION_COLUMNS
    return pd.DataFrame(rows, columns=REGISTRATION_COLUMNS)


def test_controllers_and_registrations_changed():
    old = S([L("pvl", "port", 1.0)])
    old.controllers = C([("port", "Port", "city", "City")])
    old.registrations = R([("port", "Port", "969500PORT", "ISSUED/ACTIVE"), ("city", "City", "969500CITY", "ISSUED/ACTIVE")])
    new = S([L("pvl", "port", 1.0)])
    new.controllers = C([("port", "Port", "dragon", "Dragon Holdings")])
    new.registrations = R([("port", "Port", "969500PORT", "LAPSED/ACTIVE"), ("city", "City", "969500CITY", "ISSUED/ACTIVE"),
                           ("dragon", "Dragon Holdings", "300300DRAG", "ISSUED/ACTIVE"),
                           ("shell", "Shell Co", "300300SHEL", "RETIRED/INACTIVE")])
    got = [(c.change_kind, c.subject_id, c.share_before, c.share_after) for c in diff(old, new)]
    # a newly seen LEI counts only when it is lapsed or retired
    assert got == [("controller", "port", "City", "Dragon Holdings"),
                   ("registration", "port", "ISSUED/ACTIVE", "LAPSED/ACTIVE"),
                   ("registration", "shell", "not in the registry", "RETIRED/INACTIVE")]
    from infrarisk.history import change_summary
    s = change_summary(diff(old, new))
    assert s["entities_controller_changed"] == ["port"] and s["leis_registration_changed"] == ["port", "shell"]


def test_registrations_enter_the_digest_only_when_known():
    a, b = S([L("pvl", "port", 1.0)]), S([L("pvl", "port", 1.0)])
    assert a.digest == b.digest
    c = S([L("pvl", "port", 1.0)])
    c.registrations = R([("port", "Port", "969500PORT", "LAPSED/ACTIVE")])
    from infrarisk.history import state_digest
    assert state_digest(c) != a.digest


def test_a_state_recorded_before_controllers_were_kept_compares_without_them(tmp_path):
    store = History(tmp_path / "history.duckdb")
    old = S([L("pvl", "port", 1.0)])  # no controllers: an older history
    _record(store, old, "r1")
    new = S([L("pvl", "port", 0.5)])
    new.controllers = C([("port", "Port", "dragon", "Dragon")])
    prev = store.previous_state(new.digest)
    assert prev.controllers is None
    assert [c.change_kind for c in diff(prev, new)] == ["changed"]


@pytest.mark.parametrize("current", [True, False])
@pytest.mark.parametrize("lo,hi", [(None, None), (0.0, 0.0), (0.0, 0.3), (0.25, 0.25), (0.2, 0.5), (1.0, 1.0),
                                   (None, 0.4)])
@pytest.mark.parametrize("stated", [True, False])
def test_a_pair_of_one_row_is_read_as_the_same_row_twice(current, lo, hi, stated):
    """The pairs of one row (its own quick branch) are those of that row and a copy of it under another
    link id (the branch for several rows): same share, lower share, status, dates, source and names."""
    from infrarisk.history import _pairs

    row = {**L("a", "e", lo, hi, stated=stated, end="2025-01-01"), "share_min": lo, "share_max": hi,
           "is_current": current, "status": "current" if current else "ended"}
    one = _pairs(pd.DataFrame([row], columns=LINK_COLUMNS))
    two = _pairs(pd.DataFrame([row, {**row, "link_id": row["link_id"] + "-copy"}], columns=LINK_COLUMNS))
    assert one.keys() == two.keys() == {("asset", "a", "e")}
    a, b = one[("asset", "a", "e")], two[("asset", "a", "e")]
    assert a._replace(share_lo=None) == b._replace(share_lo=None)
    assert a.share_lo == b.share_lo or (a.share_lo != a.share_lo and b.share_lo != b.share_lo)  # both NaN


def test_pairs_word_each_share_as_share_text_does_signed_zeros_nan_and_repeats_included():
    """The pairs' share texts are :func:`share_text`'s for every pair: shares repeated across pairs, -0.0
    and 0.0 (equal, differently worded: a cache by value would mix them up), NaN; dates as text, as
    timestamps and missing."""
    from infrarisk.fmt import share_text
    from infrarisk.history import _pairs

    rows = [L(f"s{i}", "e", lo, hi, stated=True, end=end, as_of=as_of)
            for i, (lo, hi, end, as_of) in enumerate([
                (0.25, 0.25, None, "2024-01-01"), (0.25, 0.25, "2025-02-03", "2024-01-01"), (0.2, 0.5, None, None),
                (0.0, 0.3, None, "2024-05-06"), (-0.0, 0.3, None, "2024-05-06"), (-0.0, -0.0, None, None),
                (0.0, 0.0, None, None), (float("nan"), float("nan"), None, None), (0.1, float("nan"), None, None),
                (0.2, 0.5, pd.Timestamp("2025-01-02"), pd.Timestamp("2024-03-04"))])]
    for r in rows:
        r["is_current"] = True
    pairs = _pairs(pd.DataFrame(rows, columns=LINK_COLUMNS))
    assert len(pairs) == len(rows)
    for r in rows:
        p = pairs[("asset", r["subject_id"], "e")]
        assert p.share == share_text(float(r["share_min"]), float(r["share_max"])), r
        assert p.valid_from == (None if r["as_of_date"] is None else str(r["as_of_date"])[:10])
        assert p.valid_to == (None if r["end_date"] is None else str(r["end_date"])[:10])
    assert pairs[("asset", "s4", "e")].share != pairs[("asset", "s3", "e")].share  # -0 is worded apart


def test_the_state_read_through_arrow_is_the_state_pandas_reads(real_build, monkeypatch):
    """Real data: the links and bands of :func:`state_of`, read through Arrow (:func:`infrarisk.reads.frame`),
    are the frames ``df()`` gives, column types included, and so is the digest."""
    import duckdb

    from infrarisk import history

    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        fast = history.state_of(con)
        monkeypatch.setattr(history, "frame", lambda c, sql, plain_text=True: c.execute(sql).df())
        slow = history.state_of(con)
    finally:
        con.close()
    assert len(fast.links) > 1000 and len(fast.bands) > 100
    for a, b in ((fast.links, slow.links), (fast.bands, slow.bands)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert [repr(t) for t in a.dtypes] == [repr(t) for t in b.dtypes]
    assert fast.digest == slow.digest
