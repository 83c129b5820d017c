"""The date slider in a real browser: the map's bands, counts, shares on the card and in the table,
the permalink with a date, the INGE2 page, keyboard use, a 375 px screen and axe-core.

Every figure is checked against a real ``infrarisk build --as-of`` of the same date.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import duckdb
import pytest

from infrarisk.pipeline import build
from tests.site import browser as B
from tests.site.conftest import MAPPED_SQL
from tests.site.test_axe import violations
from tests.site.test_timeline import MAP_BANDS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(B.available() is not None, reason=str(B.available()))]

DAY = "2023-06-01"


@pytest.fixture(scope="module")
def then(real_build, tmp_path_factory):
    """(the map's band of every asset, (INGE2 count, of which through Hong Kong or Macao only), the assets' rows)
    of ``infrarisk build --as-of 2023-06-01``."""
    settings, _ = real_build
    folder = tmp_path_factory.mktemp("asof-browser")
    s = settings.with_(as_of=DAY, db_path=folder / "db.duckdb", site_dir=folder / "site")
    build(s, with_site=False)
    with duckdb.connect(str(s.db_path), read_only=True) as con:
        return (dict(con.execute(MAP_BANDS).fetchall()),
                con.execute("SELECT count(*), count(*) FILTER (WHERE is_via_special_regions_only) "
                            "FROM out_inge2__ports").fetchone(),
                {r[0]: r[1:] for r in con.execute("SELECT asset_id, band, band_group_label, share_min, share_max, "
                                                  "is_controlled FROM out_exposure__assets").fetchall()})


@pytest.fixture(scope="module")
def mapped(real_build):
    settings, _ = real_build
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return [r[0] for r in con.execute(MAPPED_SQL).fetchall()]


def _store_bands(s: B.Session) -> dict[str, str]:
    return s.js("(function () { var a = infrarisk.app, st = a.store, out = {};"
                " for (var i = 0; i < st.n; i++) { out[st.ids[i]] = a.index.bands[st.band[i]].id; } return out; })()")


def _clean(s: B.Session) -> None:
    assert s.errors == [] and s.console == [] and s.outside == [], (s.errors, s.console, s.outside)


def test_the_permalink_with_a_date_shows_the_bands_and_counts_of_an_as_of_build(chromium, real_url, then, mapped):
    bands, _, _ = then
    s = B.Session(chromium, real_url)
    try:
        s.open(f"#date={DAY}&band=high")
        s.page.wait_for_selector(f'html[data-timeline="{DAY}"]', timeout=20_000)
        shown = _store_bands(s)
        # the mapped assets with an ownership band (the supply source's mobile networks have none: no timeline)
        scored = [a for a in mapped if a in bands]
        assert len(scored) > 0.9 * len(mapped)
        assert {a: shown[a] for a in scored} == {a: bands[a] for a in scored}
        n_high = Counter(shown[a] for a in mapped)["high"]
        assert n_high == Counter(bands[a] for a in scored)["high"]
        text = s.page.inner_text("#count")
        assert f"as of {DAY}" in text and (f" {n_high:,} of" in text or f"all {n_high:,} " in text), text
        assert s.page.inner_text("#timeline-date") == DAY
        assert f"date={DAY}" in s.js("location.hash") and "band=high" in s.js("location.hash")
        # the table lists the same assets, with their bands of that date
        first = s.page.inner_text("#table-body tr:first-child")
        assert "high" in first
        _clean(s)
    finally:
        s.close()


def test_the_slider_is_keyboard_operable_and_repaints_from_the_stored_intervals(chromium, real_url, mapped):
    s = B.Session(chromium, real_url)
    try:
        s.open("")
        s.page.wait_for_selector("#timeline-range", timeout=10_000)
        assert s.js("document.querySelector('label[for=timeline-range]') !== null")
        assert s.js("infrarisk.timeline.data") is None  # not loaded before the slider is used
        today = _store_bands(s)
        s.page.focus("#timeline-range")
        s.page.keyboard.press("Home")  # the earliest dated fact
        s.page.wait_for_function("document.documentElement.getAttribute('data-timeline') !== null "
                                 "&& document.documentElement.getAttribute('data-timeline') !== 'today'", timeout=20_000)
        early = s.js("document.getElementById('timeline-date').textContent")
        assert early == s.js("infrarisk.timeline.summary.min")
        assert f"date={early}" in s.js("location.hash")
        assert _store_bands(s) != today
        # next change: a later date from the data, and the label follows
        s.page.click("#timeline-next")
        s.page.wait_for_function(f"document.getElementById('timeline-date').textContent > '{early}'", timeout=5_000)
        assert s.js("document.getElementById('timeline-date').textContent") in s.js("infrarisk.timeline.summary.dates")
        s.page.click("#timeline-today")
        s.page.wait_for_selector('html[data-timeline="today"]', timeout=5_000)
        assert _store_bands(s) == today and "date=" not in s.js("location.hash")
        _clean(s)
    finally:
        s.close()


def test_the_inge2_page_shows_the_count_as_of_2023_06_01(chromium, real_url, then):
    _, (n, n_sar), _ = then
    s = B.Session(chromium, real_url)
    try:
        s.page.goto(real_url + f"inge2.html#date={DAY}")
        s.page.wait_for_selector(f'html[data-timeline="{DAY}"]', timeout=10_000)
        assert s.page.inner_text("#inge2-lead strong") == f"{n} European ports"
        assert DAY in s.page.inner_text("#inge2-as-of")
        # every figure of the lead is that day's: those counted only through Hong Kong or Macao, and the rest
        sar = s.js("document.getElementById('inge2-sar').hidden ? 0 : "
                   "+document.getElementById('inge2-sar-n').textContent")
        rest = s.js("+document.getElementById('inge2-sar-rest').textContent")
        assert sar == n_sar and (sar == 0 or rest == n - n_sar)
        judgement = s.page.inner_text("#inge2-judgement")
        assert ("order of magnitude" in judgement) == (n >= 20) and "On that date" in judgement
        assert s.page.get_attribute("#timeline-range", "type") == "range"
        _clean(s)
    finally:
        s.close()


def test_the_card_and_the_table_give_the_share_as_of_the_date(chromium, real_url, real_build, then):
    """An asset whose band that day differs from today's: the card says its band and the share of the
    group behind it as of the date, as the --as-of build has them; the table's band cell too."""
    bands, _, rows = then
    settings, _ = real_build
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        today = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets").fetchall())
        kinds = dict(con.execute("SELECT asset_id, asset_class FROM out_exposure__assets").fetchall())
        names = dict(con.execute("SELECT asset_id, name FROM out_exposure__assets").fetchall())
    aid = next(a for a in sorted(rows) if rows[a][1] and kinds[a] == "terminal" and rows[a][0] != today[a]
               and rows[a][3] > 0)
    band, label, lo, hi, ctl = rows[aid]
    s = B.Session(chromium, real_url)
    try:
        s.open(f"#date={DAY}&sel={aid}&q=" + quote(names[aid]))
        s.page.wait_for_selector(f'html[data-timeline="{DAY}"]', timeout=20_000)
        s.page.wait_for_selector("#detail-as-of", timeout=10_000)
        text = s.page.inner_text("#detail-as-of")
        share = s.js(f"infrarisk.shareText({lo!r}, {hi!r})")
        assert text.startswith(f"As of {DAY}: {band} \u2014 {share} held from {label}"), (text, share)
        assert (", controls" in text) == bool(ctl)
        assert s.page.inner_text("#detail .why .band") == band
        cell = s.page.inner_text(f'#table-body tr[data-index="{s.js(f"infrarisk.app.store.byId.get({aid!r})")}"] td:nth-child(4)')
        assert band in cell and f"{share} held from {label}" in cell, cell
        # the columns that stay today's say so in their headers
        heads = s.js("Array.from(document.querySelectorAll('#table-header th')).map(function (t) { return t.textContent; })")
        assert [h.endswith("(today)") for h in heads] == [False] * 4 + [True, True], heads
        # back to today: no as-of line, today's band, plain headers
        s.page.click("#timeline-today")
        s.page.wait_for_selector('html[data-timeline="today"]', timeout=5_000)
        assert s.page.query_selector("#detail-as-of") is None
        assert s.page.query_selector("#table-header .as-today") is None
        assert s.page.inner_text("#detail .why .band") == today[aid]
        _clean(s)
    finally:
        s.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_slider_passes_axe_and_fits_a_phone(chromium, real_url, width):
    s = B.Session(chromium, real_url, width, 800)
    try:
        s.open(f"#date={DAY}")
        s.page.wait_for_selector(f'html[data-timeline="{DAY}"]', timeout=20_000)
        box = s.page.locator(".timeline").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        for sel in ("#timeline-prev", "#timeline-range", "#timeline-next", "#timeline-today"):
            b = s.page.locator(sel).bounding_box()
            assert b["height"] >= 24 and b["x"] + b["width"] <= width, (sel, b)
        s.page.focus("#timeline-range")
        assert violations(s.page) == []
        s.page.goto(real_url + f"inge2.html#date={DAY}")
        s.page.wait_for_selector(f'html[data-timeline="{DAY}"]', timeout=10_000)
        assert violations(s.page) == []
        assert s.errors == [] and s.outside == [], (s.errors, s.outside)
    finally:
        s.close()
