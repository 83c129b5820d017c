"""The "built by" (vendor) dimension in a real browser: the filter with live counts, keyboard and permalink,
and the card's own section (Playwright + Debian chromium, as tests/site/test_browser.py)."""

from __future__ import annotations

import re

import pytest

from tests.site import browser as B
from tests.site.test_browser import _clean, _count_text, _wait_count, db, session  # noqa: F401  (fixtures)
from tests.site.test_vendor_site import TELEKOM, _features

pytestmark = [pytest.mark.browser, pytest.mark.skipif(B.available() is not None, reason=str(B.available()))]


def _expected(real_build, db) -> dict[str, int]:
    """Mapped assets per vendor band code ("nr": no supply row), from the database and the layer files."""
    s, _ = real_build
    bands = dict(db.execute("SELECT asset_id, band FROM out_vendor__assets").fetchall())
    out: dict[str, int] = {}
    for aid in _features(s.site_dir):
        b = bands.get(aid, "nr")
        out[b] = out.get(b, 0) + 1
    return out


def test_vendor_filter_live_counts_keyboard_and_permalink(session, chromium, real_url, db, real_build):  # noqa: F811
    s = session
    s.open()
    exp = _expected(real_build, db)
    assert exp["high"] and exp["nr"]
    fs = s.page.locator("#facet-vb")
    assert fs.locator("legend").inner_text().startswith("Built by")
    # every value has an accessible name and its live count
    high = s.page.get_by_role("checkbox", name=re.compile(r"^high-risk vendor, sizeable or main"))
    assert high.count() == 1
    for code, n in exp.items():
        assert fs.locator(f"input[value={code}] + label").inner_text().endswith(f"({n:,})"), code
    assert fs.locator("input[value=nr] + label").inner_text().startswith("not researched")
    high.click()
    _wait_count(s, exp["high"])
    assert "vb=high" in s.page.url
    # the other facets count over what passes this one: the ownership bands of the high vendor band add up to it
    counts = s.js("""Array.from(document.querySelectorAll('#facet-band .n'))
                       .map(function (x) { return +x.textContent.replace(/[(),]/g, ''); })""")
    assert sum(counts) == exp["high"]
    # keyboard: tick "elevated" with the space bar
    s.page.focus("#facet-vb input[value=elevated]")
    s.page.keyboard.press("Space")
    _wait_count(s, exp["high"] + exp["elevated"])
    assert re.search(r"vb=high(%2C|,)elevated", s.page.url)
    url = s.page.url
    other = B.Session(chromium, real_url)
    try:
        other.page.goto(url)
        other.page.wait_for_selector("html[data-painted]")
        assert _count_text(other) == exp["high"] + exp["elevated"]
        assert other.page.is_checked("#facet-vb input[value=high]") and other.page.is_checked("#facet-vb input[value=elevated]")
        _clean(other)
    finally:
        other.close()
    s.page.click("#reset")
    _wait_count(s, sum(exp.values()))
    assert "vb=" not in s.page.url
    _clean(s)


def test_card_has_its_own_built_by_section(session, db):  # noqa: F811
    s = session
    s.open("#sel=" + TELEKOM.replace(":", "%3A"), wait_detail=True)
    sec = s.page.locator("#detail section.built-by")
    assert sec.locator("h3").inner_text().startswith("Built by")
    rows = db.execute("SELECT vendor_name, source_url FROM out_vendor__supply WHERE asset_id = ? ORDER BY supply_id",
                      [TELEKOM]).fetchall()
    assert sec.locator("table.supply tbody tr").count() == len(rows)
    text = sec.inner_text()
    assert "Huawei (controlled from CN)" in text and "named high-risk" in text and "in service" in text
    hrefs = s.js("Array.from(document.querySelectorAll('#detail section.built-by a')).map(function (a) { return a.href; })")
    assert {u for _, u in rows} <= set(hrefs)
    assert "https://digital-strategy.ec.europa.eu/nl/news-redirect/791526" in hrefs  # the profile's source, cited
    band = db.execute("SELECT band FROM out_vendor__assets WHERE asset_id = ?", [TELEKOM]).fetchone()[0]
    assert sec.locator(f".vreason .vband-{band}").count() == 1
    # the ownership band above is not the vendor band: this network's holders are not traced
    assert s.page.inner_text("#detail .why .band") == "unknown"
    # an asset with no supply row: not researched, never "none"
    port = db.execute("""SELECT asset_id FROM out_exposure__assets WHERE asset_class = 'port' AND is_europe
                         AND asset_id NOT IN (SELECT asset_id FROM out_vendor__assets) ORDER BY asset_id LIMIT 1""").fetchone()[0]
    s.page.goto("about:blank")
    s.open("#sel=" + port.replace(":", "%3A"), wait_detail=True)
    sec = s.page.locator("#detail section.built-by")
    assert "not researched" in sec.inner_text() and sec.locator(".vband-nr").count() == 1
    _clean(s)
