"""Every page type of the built site passes axe-core's WCAG 2.1 A/AA rules, on a desktop and a phone.

axe-core (MPL-2.0) is the ``axe.min.js`` that the ``axe-playwright-python`` package (MIT, in
the ``[test]`` extra) ships, injected into each page with Playwright; the pages are those of
a build of the shipped datasets, in Debian's chromium with no network. The views: the map,
the map with an asset card open, the map's panel open on a phone, and every HTML page of the
site (named ones below, and any page added later, found by listing the site).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site import browser as B

pytestmark = [pytest.mark.browser, pytest.mark.skipif(B.available() is not None, reason=str(B.available()))]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CARD = "index.html#map=5/49/9.5&sel=terminal:csp-zeebrugge-terminal"
#: the page types named by issue 16; any other page of the site is checked by test_every_other_page
PAGES = ["assets.html", "inge2.html", "countries.html", "methodology.html", "sources.html", "changes.html"]
WIDTHS = [1280, 375]


def axe_source() -> str:
    """The text of axe-core's ``axe.min.js`` (from the axe-playwright-python package)."""
    import axe_playwright_python
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on ``page``: one line per rule, with a few of its elements."""
    page.add_script_tag(content=axe_source())
    res = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({len(v['nodes'])}): {v['help']}: " + "; ".join(
        " ".join(n["target"]) + " " + (n.get("failureSummary") or "").replace("\n", " ")[:160]
        for n in v["nodes"][:3]) for v in res["violations"]]


def _check(chromium, base: str, path: str, width: int, before=None) -> None:
    s = B.Session(chromium, base, width, 800)
    try:
        s.page.goto(base + path)
        if path.startswith("index.html"):
            s.page.wait_for_selector("html[data-painted]", timeout=30_000)
            if "sel=" in path:
                s.page.wait_for_selector("#detail[data-loaded]", timeout=10_000)
        if before:
            before(s.page)
        found = violations(s.page)
        assert found == [], f"{path} at {width} px:\n" + "\n".join(found)
        assert s.errors == [] and s.outside == [], (s.errors, s.outside)
    finally:
        s.close()


def test_axe_sees_a_violation(chromium, real_url):
    """The check can fail: an image without a text alternative is reported."""
    s = B.Session(chromium, real_url)
    try:
        s.page.goto(real_url + "sources.html")
        s.page.evaluate("document.querySelector('main').appendChild(document.createElement('img')).src = 'data:,'")
        assert any(v.startswith("image-alt") for v in violations(s.page))
    finally:
        s.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["index.html", CARD], ids=["map", "card"])
def test_map_page(chromium, real_url, path, width):
    _check(chromium, real_url, path, width)


def test_map_panel_open_on_a_phone(chromium, real_url):
    def open_panel(page):
        page.click("#panel-toggle")
        page.wait_for_selector("#facets fieldset", state="visible")
    _check(chromium, real_url, "index.html", 375, open_panel)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_page(chromium, real_url, path, width):
    _check(chromium, real_url, path, width)


def test_every_other_page_type(chromium, real_url, real_build):
    """Page types the list above does not name pass too, at both widths: every other page at the top
    level, and of each folder of generated pages (owner pages, one per entity: 1,600 on the shipped
    data) the largest three and the first, which between them carry every part of the template."""
    site = real_build[0].site_dir
    others, by_folder = [], {}
    for p in sorted(site.rglob("*.html")):
        rel = str(p.relative_to(site))
        if rel in PAGES + ["index.html"]:
            continue
        if p.parent == site:
            others.append(rel)
        else:
            by_folder.setdefault(p.parent, []).append(p)
    for pages in by_folder.values():
        largest = sorted(pages, key=lambda q: (-q.stat().st_size, q.name))[:3]
        others += sorted({str(q.relative_to(site)) for q in [pages[0], *largest]})
    assert others, "no other page type found"
    for path in others:
        for width in WIDTHS:
            _check(chromium, real_url, path, width)
