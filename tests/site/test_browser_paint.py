"""The map page's start in a real browser (issue 16): the canvas's first paint runs in slices
of a few milliseconds and ends as a full redraw of the same view would; a facet ticked while
the app is still starting is what the counts, the canvas and the table show once it has started.
"""

from __future__ import annotations

import pytest

from tests.site import browser as B

pytestmark = [pytest.mark.browser, pytest.mark.skipif(B.available() is not None, reason=str(B.available()))]

#: canvas pixels: [painted (not transparent), of the "high" band colour]; kept in window.__px
PIXELS = """(function () { var c = document.querySelector('canvas.ir-canvas'),
    d = window.__px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0, high = 0;
    for (var i = 0; i < d.length; i += 4) { if (d[i + 3]) { n++; }
      if (d[i] === 178 && d[i + 1] === 24 && d[i + 2] === 43) { high++; } }
    return [n, high]; })()"""
#: pixels of the canvas now that differ from window.__px by more than 48 in a channel
CHANGED = """(function () { var c = document.querySelector('canvas.ir-canvas'), a = window.__px,
    d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, k = 0;
    for (var i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - a[i]) > 48 || Math.abs(d[i + 1] - a[i + 1]) > 48 || Math.abs(d[i + 2] - a[i + 2]) > 48
          || Math.abs(d[i + 3] - a[i + 3]) > 48) { k++; } }
    return k; })()"""


@pytest.mark.parametrize("width", [1280, 412])
def test_first_paint_in_slices_matches_a_full_redraw(chromium, real_url, width):
    s = B.Session(chromium, real_url, width, 823)
    try:
        s.open()
        c = "infrarisk.app.canvas"
        assert s.js(f"{c}.slices") > 1 and s.js(f"{c}.paints") == 1
        drawn, (n, high) = s.js(f"{c}.drawn"), s.js(PIXELS)
        assert drawn > 100 and high > 10
        assert s.page.get_attribute("html", "data-painted") == str(drawn)
        s.js(f"{c}.redraw()")  # the same view at once
        assert s.js(f"{c}.drawn") == drawn and s.js(f"{c}.paints") == 2
        # the same picture, but where points of one colour overlap across slices (drawn twice, not cut out)
        changed = s.js(CHANGED)
        assert changed <= 0.005 * n, (changed, n)
        assert s.errors == [] and s.outside == []
    finally:
        s.close()


def test_a_facet_ticked_while_starting_is_shown_once_started(chromium, real_url):
    s = B.Session(chromium, real_url)
    try:
        s.page.goto(real_url + "index.html")
        s.page.wait_for_selector("#facet-band input", state="attached", timeout=30_000)
        s.js("document.querySelector('#facet-band input[value=high]').click()")
        s.page.wait_for_selector("html[data-painted]", timeout=30_000)
        want = s.js("""(function () { var st = infrarisk.app.store, ls = infrarisk.raw.index.layers, k = 0;
            for (var i = 0; i < st.n; i++) { if (st.band[i] === 0 && ls[st.layer[i]].shown) { k++; } } return k; })()""")
        assert 0 < want < s.js("infrarisk.app.store.n")
        assert s.js("infrarisk.raw.index.bands[0].id") == "high"
        assert s.page.is_checked("#facet-band input[value=high]")
        assert f" {want:,} of " in s.page.inner_text("#count")
        assert s.js("infrarisk.app.canvas.visible === infrarisk.app.filters.match")
        bands = s.js("Array.from(document.querySelectorAll('#table-body tr')).map(function (tr) {"
                     " return infrarisk.app.store.band[+tr.dataset.index]; })")
        assert bands and set(bands) == {0}
        assert "band=high" in s.js("location.hash")
        assert s.errors == [] and s.outside == []
    finally:
        s.close()
