"""The date slider's data (infrarisk.timeline, infrarisk.site.timeline) against real ``--as-of`` builds."""

from __future__ import annotations

import duckdb
import pytest

from infrarisk.pipeline import build
from infrarisk.site import timeline as site_timeline

from .conftest import payload

#: dates checked against real builds: the INGE2 vote, an early date, dates around the GEM and register changes
DATES = ["2023-06-01", "2015-01-01", "2024-04-30", "2025-03-05"]
#: the band the map shows: a landing station's is that of the most exposed cable landing there
MAP_BANDS = """SELECT a.asset_id, coalesce(l.via_band, a.band) FROM out_exposure__assets a
               LEFT JOIN out_exposure__landings l USING (asset_id)"""


def timeline_bands(con, day: str) -> dict[str, str]:
    """Every asset's band on ``day``: today's, overridden by the stored interval holding ``day``."""
    bands = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets").fetchall())
    bands.update(con.execute("""SELECT asset_id, band FROM out_timeline__asset_bands
                                WHERE valid_from <= CAST(? AS DATE) AND (valid_to IS NULL OR valid_to > CAST(? AS DATE))""",
                             [day, day]).fetchall())
    return bands


@pytest.fixture(scope="module")
def as_of_builds(real_build, tmp_path_factory):
    """{date: database path} of ``infrarisk build --as-of date`` of the shipped datasets (no site)."""
    settings, _ = real_build
    out = {}
    for day in DATES:
        folder = tmp_path_factory.mktemp(f"asof-{day}")
        s = settings.with_(as_of=day, db_path=folder / "db.duckdb", site_dir=folder / "site")
        build(s, with_site=False)
        out[day] = s.db_path
    return out


@pytest.mark.parametrize("day", DATES)
def test_bands_and_inge2_count_equal_an_as_of_build(real_build, as_of_builds, day):
    settings, _ = real_build
    with duckdb.connect(str(settings.db_path), read_only=True) as con, \
            duckdb.connect(str(as_of_builds[day]), read_only=True) as then:
        real = dict(then.execute("SELECT asset_id, band FROM out_exposure__assets").fetchall())
        mine = timeline_bands(con, day)
        assert mine == real
        n = con.execute("""SELECT n_ports FROM out_timeline__inge2 WHERE valid_from <= CAST(? AS DATE)
                           AND (valid_to IS NULL OR valid_to > CAST(? AS DATE))""", [day, day]).fetchone()
        assert n is not None and n[0] == then.execute("SELECT count(*) FROM out_inge2__ports").fetchone()[0]


def test_the_band_table_is_sparse_and_its_intervals_tile_time(real_build):
    settings, _ = real_build
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        # only assets whose band, group, share or control differs from today's on some date
        assert con.execute("""SELECT count(*) FROM (SELECT asset_id FROM out_timeline__asset_bands t
                              JOIN out_exposure__assets a USING (asset_id) GROUP BY asset_id
                              HAVING NOT bool_or(t.band <> a.band OR t.group_id IS DISTINCT FROM a.band_group_id
                                  OR t.share_min IS DISTINCT FROM round(a.share_min, 9)
                                  OR t.share_max IS DISTINCT FROM round(a.share_max, 9)
                                  OR t.is_controlled <> a.is_controlled))""").fetchone()[0] == 0
        # and every asset whose band on some date differs is there
        assert con.execute("SELECT count(DISTINCT asset_id) FROM out_timeline__asset_bands").fetchone()[0] > 100
        # each asset's intervals follow one another without gaps; the last one is open
        gaps = con.execute("""SELECT count(*) FROM (SELECT valid_to, lead(valid_from) OVER w AS nxt
                              FROM out_timeline__asset_bands WINDOW w AS (PARTITION BY asset_id ORDER BY valid_from))
                              WHERE valid_to IS DISTINCT FROM nxt""").fetchone()[0]
        assert gaps == 0
        first = con.execute("SELECT min(change_date) FROM out_timeline__dates").fetchone()[0]
        assert con.execute("SELECT min(valid_from) FROM out_timeline__inge2").fetchone()[0] == first


def test_the_site_file_gives_the_as_of_bands_of_the_mapped_assets(real_build, as_of_builds):
    settings, _ = real_build
    kind, data = payload(settings.site_dir / "data/map/timeline.js")
    assert kind == "timeline"
    day = "2023-06-01"
    with duckdb.connect(str(as_of_builds[day]), read_only=True) as then:
        real = dict(then.execute(MAP_BANDS).fetchall())
    with duckdb.connect(str(as_of_builds[day]), read_only=True) as then:
        shares = {r[0]: r[1:] for r in then.execute(
            "SELECT asset_id, band_group_id, share_min, share_max, is_controlled FROM out_exposure__assets").fetchall()}
    checked = with_share = 0
    scale, groups = data["share_scale"], [g for g, _ in data["groups"]]
    for k, aid in enumerate(data["ids"]):
        starts = [data["dates"][j] for j in data["from"][k]]
        i = max((i for i, d in enumerate(starts) if d <= day), default=None)
        if i is not None:
            assert data["bands"][data["band"][k][i]] == real[aid], aid
            checked += 1
            if data["group"][k][i] >= 0:  # the share of the group behind the band, as of the date
                grp, lo, hi, ctl = shares[aid]
                assert groups[data["group"][k][i]] == grp, aid
                coded = [-1 if x is None else round(x * scale) for x in (lo, hi)]
                assert [data["lo"][k][i], data["hi"][k][i]] == coded, aid
                assert bool(data["ctl"][k][i]) == bool(ctl), aid
                with_share += 1
    assert checked > 0 and with_share > 0
    kind, small = payload(settings.site_dir / "data/timeline-inge2.js")
    assert kind == "timeline_summary" and small["min"] == data["min"] and small["max"] >= day
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert site_timeline.payload(con, set(data["ids"]))["ids"] == data["ids"]


def test_the_link_states_of_one_pass_equal_the_link_sql_on_each_date(real_build, tmp_path):
    """Every link's state from the one SQL pass (sql/timeline/_timeline_link_states.sql) equals what
    integrate/core_ownership__links.sql gives with $as_of_date, on every 8th change date and the day
    before it: current or not, and for a current link its share interval, control and basis."""
    import shutil
    from datetime import timedelta

    from infrarisk import db
    from infrarisk.integrate import link_params
    from infrarisk.timeline import states

    settings, _ = real_build
    path = tmp_path / "db.duckdb"
    shutil.copy(settings.db_path, path)
    with duckdb.connect(str(path)) as con:
        dates = [r[0] for r in con.execute("SELECT change_date FROM out_timeline__dates ORDER BY 1").fetchall()]
        con.execute("CREATE SCHEMA scratch")
        con.execute("SET search_path = 'scratch,main'")
        states.subject_states(con, settings, dates[0], dates[-1])
        checked = 0
        for day in sorted({d + timedelta(days=k) for d in dates[::8] for k in (-1, 0)} - {dates[0] - timedelta(days=1)}):
            db.run_sql(con, "integrate/core_ownership__links", link_params(settings.with_(as_of=day.isoformat())))
            diff = con.execute(f"""
                WITH evaluated AS (SELECT DISTINCT subject_kind, subject_id, day FROM _timeline_link_states),
                picked AS (SELECT e.subject_kind, e.subject_id, max(e.day) AS day FROM evaluated e
                           WHERE e.day <= CAST(? AS DATE) GROUP BY ALL),
                mine AS (SELECT s.link_id, s.subject_kind, s.subject_id, coalesce(s.is_current, false) AS cur,
                                CASE WHEN s.is_current THEN struct_pack(a := s.share_min, b := s.share_max,
                                     c := s.is_control, d := s.control_basis) END AS st
                         FROM _timeline_link_states s JOIN picked USING (subject_kind, subject_id, day)),
                real AS (SELECT link_id, subject_kind, subject_id, coalesce(is_current, false) AS cur,
                                CASE WHEN is_current THEN struct_pack(a := share_min, b := share_max,
                                     c := is_control, d := control_basis) END AS st
                         FROM scratch.core_ownership__links)
                SELECT count(*) FROM real FULL JOIN mine USING (link_id, subject_kind, subject_id)
                WHERE real.cur IS DISTINCT FROM mine.cur OR real.st IS DISTINCT FROM mine.st""", [day]).fetchone()[0]
            assert diff == 0, day
            checked += 1
        assert checked > 50
