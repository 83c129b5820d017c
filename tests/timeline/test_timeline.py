"""The timeline (infrarisk.timeline) on a small hand-made fixture, every date against a full ``--as-of`` resolve.

A terminal's stake changes twice (a holder exits and two others come in; then both of those
change their share), the parent of one holder changes (a Chinese state parent, then a French
one), and a second terminal, in another port, rests on that holder unchanged: the bands of both
terminals, of both ports and the INGE2 count step on those dates. A third terminal, in a third
French port, is without a current link for two days, as the first one is for a day: its port then
takes the figures computed for the first port (:func:`infrarisk.timeline.states.assign`). On every change date, on the
day before each and between them, the stored figures must equal those of the same datasets
loaded, resolved and scored with ``as_of`` that date.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from infrarisk import ownership, score, timeline
from infrarisk.profiles import load_profile
from tests.builders import entity, link, load_tiny, stake

UNTIL = date(2026, 1, 1)


def fixture() -> dict:
    ents = [entity("SASAC", "CN", etype="state body"), entity("Blue Ports", "GB"), entity("Euro Holding", "FR"),
            entity("Other Fund", "GB"), entity("Merit", "FR", etype="family holding")]
    stakes = [
        # T1: Euro Holding alone, then Blue Ports 49% and Other Fund 51% (2018), then 60% / 40% (2022)
        stake("T1", "Euro Holding", 100, status="historical", as_of="2015-01-01", sid="S1"),
        stake("T1", "Euro Holding", 0, status="exited", as_of="2018-05-01", sid="S2"),
        stake("T1", "Blue Ports", 49, status="historical", as_of="2018-05-02", sid="S3"),
        stake("T1", "Other Fund", 51, status="historical", as_of="2018-05-02", sid="S4"),
        stake("T1", "Blue Ports", 0, status="exited", as_of="2022-01-01", sid="S5"),
        stake("T1", "Other Fund", 0, status="exited", as_of="2022-01-01", sid="S6"),
        stake("T1", "Blue Ports", 60, as_of="2022-01-02", sid="S7"),
        stake("T1", "Other Fund", 40, as_of="2022-01-02", sid="S8"),
        # T2, in another port: Blue Ports alone since 2017
        stake("T2", "Blue Ports", 100, unlocode="BEHBT", country="BE", as_of="2017-03-01", sid="S9"),
        # T3, in a third French port: Other Fund until it exits (2019-06-01), Merit from 2019-06-03
        stake("T3", "Other Fund", 100, unlocode="FRQSD", status="historical", as_of="2016-01-01", sid="S10"),
        stake("T3", "Other Fund", 0, unlocode="FRQSD", status="exited", as_of="2019-06-01", sid="S11"),
        stake("T3", "Merit", 50, unlocode="FRQSD", as_of="2019-06-03", sid="S12"),
    ]
    links = [
        # Blue Ports' parent: SASAC (2019-01-01) until it exits (2020-06-01), then Merit (2020-06-02)
        link("Blue Ports", "SASAC", 60, "direct parent", status="historical", as_of="2019-01-01", lid="L1"),
        link("Blue Ports", "SASAC", 0, "shareholder", status="exited", as_of="2020-06-01", lid="L2"),
        link("Blue Ports", "Merit", 70, "direct parent", as_of="2020-06-02", lid="L3"),
    ]
    return {"entities": ents, "stakes": stakes, "links": links}


PORTS = [("wpi:1", "Portville", "FR", "FRPVL", 49.5, 0.1), ("wpi:2", "Harbourton", "BE", "BEHBT", 51.3, 4.3),
         ("wpi:3", "Quayside", "FR", "FRQSD", 43.3, 5.4)]


def scored(tmp_path, as_of: str | None):
    con, _, s = load_tiny(tmp_path, ports=PORTS, as_of=as_of, **fixture())
    g = ownership.resolve(con, s)
    score.score(con, g, load_profile("default"), s)
    return con, s


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    con, s = scored(tmp_path_factory.mktemp("today"), None)
    timeline.run(con, s, load_profile("default"), until=UNTIL)
    return con


def _figures_on(con, day: date) -> tuple[dict, int]:
    """Every asset's (band, group, share interval, control) on ``day`` from the timeline, and the INGE2 count."""
    out = {r[0]: (r[1:]) for r in con.execute(
        "SELECT asset_id, band, band_group_id, round(share_min, 9), round(share_max, 9), is_controlled "
        "FROM out_exposure__assets").fetchall()}
    out.update({r[0]: r[1:] for r in con.execute(
        """SELECT asset_id, band, group_id, round(share_min, 9), round(share_max, 9), is_controlled
           FROM out_timeline__asset_bands WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)""",
        [day, day]).fetchall()})
    n = con.execute("""SELECT n_ports FROM out_timeline__inge2 WHERE valid_from <= ?
                       AND (valid_to IS NULL OR valid_to > ?)""", [day, day]).fetchone()
    return out, n[0]


def test_the_fixture_moves(built):
    """The fixture is a real test: bands and the count change over time."""
    dates = [r[0] for r in built.execute("SELECT change_date FROM out_timeline__dates ORDER BY 1").fetchall()]
    assert {date(2018, 5, 2), date(2019, 1, 1), date(2020, 6, 1), date(2022, 1, 2)} <= set(dates)
    counts = {r[0] for r in built.execute("SELECT n_ports FROM out_timeline__inge2").fetchall()}
    assert len(counts) > 1
    assert built.execute("SELECT count(DISTINCT band) FROM out_timeline__asset_bands").fetchone()[0] > 1


def test_a_port_takes_another_ports_figures(built):
    """The fixture exercises the ports without a current link below them: one port's dates are
    computed by another port's copy (and the as-of test below checks its figures)."""
    from infrarisk.settings import Settings

    p = timeline.past(built, Settings.load(environ={}), load_profile("default"), until=UNTIL)
    assert p.stats["aliased_ports"] > 0


def test_every_date_equals_an_as_of_resolve(built, tmp_path):
    dates = [r[0] for r in built.execute("SELECT change_date FROM out_timeline__dates ORDER BY 1").fetchall()]
    days = sorted({d + timedelta(days=k) for d in dates for k in (-1, 0, 1)} - {dates[0] - timedelta(days=1)})
    for k, day in enumerate(days):
        mine, n = _figures_on(built, day)
        then, s = scored(tmp_path / str(k), day.isoformat())
        real = {r[0]: r[1:] for r in then.execute(
            "SELECT asset_id, band, band_group_id, round(share_min, 9), round(share_max, 9), is_controlled "
            "FROM out_exposure__assets").fetchall()}
        assert mine == real, day
        assert n == then.execute("SELECT count(*) FROM out_inge2__ports").fetchone()[0], day


def test_the_copies_leave_nothing_behind(built):
    # the copies live in an in-memory database attached for the stage only
    assert [r[0] for r in built.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall()
            ] == [built.execute("SELECT current_database()").fetchone()[0]]
    assert not built.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 't0%' "
                             "OR table_schema = 'timeline'").fetchone()[0]


def _intervals(df, key: str | None, value: list[str]):
    """The stage's pandas intervals before (kept as the reference): consecutive rows (by key, then
    valid_from) with the same values merged into one row ``[valid_from, valid_to)``; ``valid_to`` is the next row's start (None for the last one)."""
    import pandas as pd

    df = df.sort_values(([key] if key else []) + ["valid_from"], kind="mergesort").reset_index(drop=True)
    if df.empty:
        return df.assign(valid_to=pd.Series(dtype=object))
    same = pd.Series(True, index=df.index) if key is None else df[key].eq(df[key].shift())
    for c in value:
        prev = df[c].shift()
        same &= df[c].eq(prev) | (df[c].isna() & prev.isna())
    same.iloc[0] = False
    out = df[~same].reset_index(drop=True)
    follows = pd.Series(True, index=out.index) if key is None else out[key].eq(out[key].shift(-1))
    out["valid_to"] = out["valid_from"].shift(-1).where(follows, None)
    out.loc[out.index[-1], "valid_to"] = None
    return out


def _reference_bands(dense, today):
    """The band intervals as the stage made them in pandas before (kept as the reference): consecutive
    equal rows merged (_intervals), assets kept whose figures on some interval differ from today's."""
    import pandas as pd

    bands = _intervals(dense, "asset_id", timeline.VALUE)
    both = bands.merge(today, on="asset_id", how="left", suffixes=("", "_today"))
    same = pd.Series(True, index=both.index)
    for c in timeline.VALUE:
        a, b = both[c], both[c + "_today"]
        same &= a.eq(b) | (a.isna() & b.isna())
    bands = bands[bands["asset_id"].isin(set(both.loc[~same, "asset_id"]))]
    return [tuple(None if pd.isna(v) else v for v in r)
            for r in bands[timeline.BAND_COLUMNS].itertuples(index=False, name=None)]


@pytest.mark.parametrize("kept", [False, True])
def test_the_band_intervals_equal_the_pandas_reference(kept):
    """Edge cases of the SQL intervals: runs of equal rows, NULL and NaN shares and groups, a NULL
    control flag, an asset without a row today, one equal to today on every interval (left out),
    one that returns to today's figures, rows given out of order. ``kept``: the rows with today's
    figures (after rounding) given as events back to today's figures, which the SQL joins."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from infrarisk import db

    d = [date(2020, 1, 1) + timedelta(days=30 * i) for i in range(6)]
    rows = [  # (valid_from, asset_id, band, group_id, share_min, share_max, is_controlled)
        (d[0], "a", "high", "cn", 0.5, 0.5, True), (d[1], "a", "high", "cn", 0.5, 0.5, True),
        (d[2], "a", "low", "cn", 0.1, 0.2, False), (d[3], "a", "high", "cn", 0.5, 0.5, True),
        (d[0], "b", "unknown", None, np.nan, np.nan, None), (d[2], "b", "unknown", None, None, None, None),
        (d[4], "b", "none", None, 0.0, 0.0, False),
        (d[1], "c", "low", "ru", 0.123456789, 0.2, False), (d[3], "c", "low", "ru", 0.123456789, 0.2, False),
        (d[5], "e", "elevated", "cn", 0.3, 0.4, False), (d[0], "e", "high", "cn", 0.6, 0.6, True),
        (d[0], "f", "low", "cn", 0.1, 0.1, None)]
    dense = pd.DataFrame(rows, columns=["valid_from", "asset_id", *timeline.VALUE])
    table = timeline.dense_table(*(list(dense[c]) for c in ["valid_from", "asset_id", *timeline.VALUE]))
    for c in ("share_min", "share_max"):  # as the stage rounded them in pandas before
        dense[c] = pd.to_numeric(dense[c]).round(9)
    today = pd.DataFrame([("a", "high", "cn", 0.5, 0.5, True), ("b", "none", None, 0.0, 0.0, False),
                          ("c", "low", "ru", 0.1234567891, 0.2, False), ("e", "elevated", "cn", 0.3, 0.4, False)],
                         columns=["asset_id", "band", "band_group_id", "share_min", "share_max", "is_controlled"])
    con = db.connect(None)
    con.register("today_df", today)
    con.execute("CREATE TABLE out_exposure__assets AS SELECT * FROM today_df")
    if kept:
        back = {("a", d[0]), ("a", d[1]), ("a", d[3]), ("b", d[4]), ("c", d[1]), ("c", d[3]), ("e", d[5])}
        is_back = [(a, v) in back for a, v in zip(dense["asset_id"], dense["valid_from"])]
        events = table.filter(pa.array([not x for x in is_back]))
        back_events = table.filter(pa.array(is_back)).select(["asset_id", "valid_from"])
        today_figures = timeline.today_table(con.sql(
            "SELECT asset_id, band, band_group_id AS group_id, share_min, share_max, is_controlled "
            "FROM out_exposure__assets").to_arrow_table())
        n_assets, n_rows = timeline._write_bands(con, events, back_events, today_figures)
    else:
        n_assets, n_rows = timeline._write_bands(con, table)
    got = con.execute(f"SELECT {', '.join(timeline.BAND_COLUMNS)} FROM out_timeline__asset_bands").fetchall()
    ref = today.rename(columns={"band_group_id": "group_id"})
    ref = ref.assign(share_min=ref["share_min"].round(9), share_max=ref["share_max"].round(9))
    want = _reference_bands(dense, ref)
    assert got == want
    assert {r[0] for r in got} == {"a", "b", "e", "f"} and (n_assets, n_rows) == (4, len(want))


@pytest.mark.parametrize("counts", [[], [3], [3, 3], [3, 4, 4, 3, 5], [1, 1, 2, 2, 2, 1]])
def test_the_inge2_steps_equal_the_pandas_reference(counts):
    """The INGE2 intervals (timeline._steps) as pandas merged them before: equal neighbours merged,
    a count that comes back is a new interval, the last one open."""
    import pandas as pd

    rows = [(date(2020, 1, 1) + timedelta(days=k), n, n // 2) for k, n in enumerate(counts)]
    cols = ["valid_from", "n_ports", "n_ports_via_special_regions_only"]
    ref = _intervals(pd.DataFrame(rows, columns=cols), None, cols[1:])
    want = [(r.valid_from, None if pd.isna(r.valid_to) else r.valid_to, r.n_ports, r.n_ports_via_special_regions_only)
            for r in ref.itertuples()]
    assert timeline._steps(rows) == want
