"""The map page in a real browser (Debian chromium through Playwright), with no network.

Loads with no console errors and no request leaving 127.0.0.1; draws every feature of the
data; filters, search and their counts agree with the database; permalinks restore the
view, filters and selection; the detail card draws the ownership chain with its sources;
script in asset or entity names never runs; keyboard use and a 375 px screen; downloads of
what is shown; line and polygon layers from the registry; a screenshot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import shapely

from tests.site import browser as B
from tests.site.conftest import MAPPED_SQL, XSS_ASSET, XSS_ENTITY, _build

pytestmark = [pytest.mark.browser, pytest.mark.skipif(B.available() is not None, reason=str(B.available()))]

ZEEBRUGGE = "terminal:csp-zeebrugge-terminal"
MAP = ".map-wrap .folium-map"  # the map element Folium writes
ZEEBRUGGE_SOURCE = "https://new.informare.it/news/gennews/2022/20220107-Estesa-2055-concessione-CSP-Zeebrugge-Terminal.asp"


@pytest.fixture
def session(chromium, real_url):
    s = B.Session(chromium, real_url)
    yield s
    s.close()


def _clean(s: B.Session) -> None:
    assert s.errors == [], s.errors
    assert s.console == [], s.console
    assert s.outside == [], s.outside
    assert s.dialogs == [] and s.js("window.__calls") == []


def _mapped(con) -> list[tuple]:
    return con.execute(MAPPED_SQL).fetchall()


def _count_text(s: B.Session) -> int:
    text = s.page.inner_text("#count")
    m = re.search(r"Showing (?:all )?([\d,]+)", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def _wait_count(s: B.Session, n: int) -> None:
    s.page.wait_for_function(f"document.getElementById('count').textContent.replace(/,/g, '').indexOf(' {n} ') >= 0",
                             timeout=5_000)


@pytest.fixture(scope="module")
def db(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    yield con
    con.close()


def _with_country(con, cc: str, min_share: float) -> set[str]:
    """Mapped assets where entities controlled from ``cc`` hold >= min_share (ports: in any terminal)."""
    rows = con.execute("""
        SELECT asset_id FROM out_ownership__asset_countries
        WHERE country_code = ? AND (share_min > 0 OR is_controlled) AND share_min >= ? - 1e-9""",
                       [cc, min_share]).fetchall()
    hit = {r[0] for r in rows}
    mapped = _mapped(con)
    return {a for a, _, cls, parent, *_ in mapped if a in hit} | {
        parent for a, _, cls, parent, *_ in mapped if a in hit and parent in {m[0] for m in mapped}}


# ---------------------------------------------------------------------------------- tests
def test_page_loads_and_draws_every_feature(session, db):
    s = session
    s.open()
    n = len(_mapped(db))
    assert s.js("infrarisk.app.store.n") == n
    assert _count_text(s) == n
    layers = s.js("infrarisk.raw.index.layers.map(function (l) { return [l.id, l.n]; })")
    assert dict(layers)["ports"] == db.execute(
        "SELECT count(*) FROM out_exposure__assets WHERE asset_class = 'port' AND is_europe").fetchone()[0]
    # fit every feature into view: every one is drawn
    s.js("""(function () { var st = infrarisk.app.store, b = L.latLngBounds([]);
        for (var i = 0; i < st.n; i++) { b.extend([360 / Math.PI * Math.atan(Math.exp((0.5 - st.y[i]) * 2 * Math.PI)) - 90,
                                                   st.x[i] * 360 - 180]); }
        infrarisk.app.map.fitBounds(b, {animate: false}); })()""")
    s.page.wait_for_function(f"infrarisk.app.canvas.drawn === {n}", timeout=5_000)
    # and the canvas really has the band colours on it
    high = s.js("""(function () { var c = document.querySelector('canvas.ir-canvas'), d = c.getContext('2d')
        .getImageData(0, 0, c.width, c.height).data, k = 0;
        for (var i = 0; i < d.length; i += 4) { if (d[i] === 178 && d[i + 1] === 24 && d[i + 2] === 43) { k++; } } return k; })()""")
    assert high > 10
    _clean(s)


def test_filters_have_live_counts_that_match_the_data(session, db):
    s = session
    s.open()
    cn = _with_country(db, "CN", 0.0)
    label = s.page.locator("#facet-cc label", has_text="China (CN)")
    assert label.inner_text().endswith(f"({len(cn)})")
    label.click()
    _wait_count(s, len(cn))
    assert _count_text(s) == len(cn)
    # the table lists the same assets
    s.js("infrarisk.app.rows = 100000; infrarisk.app.renderTable()")
    shown = set(s.js("Array.from(document.querySelectorAll('#table-body tr')).map(function (tr) {"
                     " return infrarisk.app.store.ids[+tr.dataset.index]; })"))
    assert shown == cn
    # minimum look-through share: the option's count, then the result
    cn25 = _with_country(db, "CN", 0.25)
    opt = s.page.locator("#facet-ms label", has_text="at least 25%")
    assert opt.inner_text().endswith(f"({len(cn25)})")
    opt.click()
    _wait_count(s, len(cn25))
    # host country narrows further, with its own count
    hosts = {a: h for a, _, _, _, h, _ in _mapped(db)}
    be = {a for a in cn25 if hosts[a] == "BE"}
    assert be
    lab = s.page.locator("#facet-hc label", has_text="Belgium (BE)")
    assert lab.inner_text().endswith(f"({len(be)})")
    lab.click()
    _wait_count(s, len(be))
    # the drawn features follow the filters
    s.js("infrarisk.app.map.setView([51, 4], 5, {animate: false})")
    s.page.wait_for_function(f"infrarisk.app.canvas.drawn === {len(be)}", timeout=5_000)
    s.page.click("#reset")
    _wait_count(s, len(_mapped(db)))
    _clean(s)


def _search_expected(con, term: str) -> set[str]:
    """Mapped assets whose name/code/parent, or any holder up the chain (current or recorded), contains term."""
    rel = con.execute("""
        WITH RECURSIVE up(asset_id, entity_id) AS (
            SELECT subject_id, owner_entity_id FROM core_ownership__links WHERE subject_kind = 'asset' AND is_current
            UNION
            SELECT u.asset_id, l.owner_entity_id FROM up u JOIN core_ownership__links l
              ON l.subject_kind = 'entity' AND l.subject_id = u.entity_id AND l.is_current
        ), rel AS (
            SELECT * FROM up UNION SELECT subject_id, owner_entity_id FROM core_ownership__links WHERE subject_kind = 'asset'
        )
        SELECT DISTINCT r.asset_id FROM rel r JOIN core_ownership__entities e USING (entity_id)
        WHERE lower(e.entity_name) LIKE '%' || ? || '%'""", [term]).fetchall()
    hit = {r[0] for r in rel}
    mapped = _mapped(con)
    names = {a: n for a, n, *_ in mapped}
    out = set()
    for a, name, cls, parent, host, code in mapped:
        hay = f"{name} {code} {a} {names.get(parent, '')}".lower()
        if a in hit or term in hay:
            out.add(a)
            if parent in names and a in hit:
                out.add(parent)
    return out


def test_search_by_asset_owner_and_parent(session, db):
    s = session
    s.open()
    for term in ("cosco", "china merchants", "hamburg"):
        want = _search_expected(db, term)
        assert want, term
        s.page.fill("#q", term)
        s.page.press("#q", "Enter")
        _wait_count(s, len(want))
        s.js("infrarisk.app.rows = 100000; infrarisk.app.renderTable()")
        got = set(s.js("Array.from(document.querySelectorAll('#table-body tr')).map(function (tr) {"
                       " return infrarisk.app.store.ids[+tr.dataset.index]; })"))
        assert got == want, term
    assert ZEEBRUGGE in _search_expected(db, "cosco shipping holdings")  # a parent, two levels up
    _clean(s)


def test_permalink_restores_view_filters_and_selection(session, chromium, real_url, db):
    s = session
    s.open("#map=7/51.3/3.2&cc=CN&ms=25&sel=" + ZEEBRUGGE, wait_detail=True)
    assert _count_text(s) == len(_with_country(db, "CN", 0.25))
    assert s.page.is_checked("#facet-cc input[value=CN]") and s.page.is_checked("#facet-ms input[value='25']")
    assert s.js("infrarisk.app.map.getZoom()") == 7
    c = s.js("infrarisk.app.map.getCenter()")
    assert abs(c["lat"] - 51.3) < 0.01 and abs(c["lng"] - 3.2) < 0.01
    assert s.page.inner_text("#detail-title") == "CSP Zeebrugge Terminal"
    # change the state; the address follows; opening that address in a fresh page restores it
    s.page.locator("#facet-band label", has_text="high").click()
    s.page.fill("#q", "cosco")
    s.page.press("#q", "Enter")
    s.page.click("#table-header button:has-text('Host country')")
    s.page.wait_for_function("location.hash.indexOf('sort=host') >= 0")
    url = s.page.url
    assert "band=high" in url and "q=cosco" in url and "sel=terminal%3Acsp-zeebrugge-terminal" in url
    count = _count_text(s)
    other = B.Session(chromium, real_url)
    try:
        other.page.goto(url)
        other.page.wait_for_selector("#detail[data-loaded]")
        assert _count_text(other) == count
        assert other.page.input_value("#q") == "cosco"
        assert other.page.is_checked("#facet-band input[value=high]")
        assert other.page.get_attribute("#table-header th:nth-child(3)", "aria-sort") == "ascending"
        assert other.page.inner_text("#detail-title") == "CSP Zeebrugge Terminal"
        assert other.page.url == url
        _clean(other)
    finally:
        other.close()
    _clean(s)


def test_detail_draws_the_chain_with_shares_dates_and_sources(session):
    s = session
    s.open("#sel=" + ZEEBRUGGE, wait_detail=True)
    d = s.page.locator("#detail")
    text = d.inner_text()
    assert "COSCO SHIPPING Ports Limited (controlled from CN) holds 85.45% of CSP Zeebrugge Terminal" in text
    assert "high" in text and "Entities controlled from China hold" in text
    # the graph: nodes and edges with the share on the edge
    assert s.js("document.querySelectorAll('#detail svg.chain .node').length") >= 4
    labels = s.js("Array.from(document.querySelectorAll('#detail svg.chain .edge-label')).map(function (t) { return t.textContent; })")
    assert any(lbl.startswith("85.45% [") for lbl in labels), labels
    hrefs = s.js("Array.from(document.querySelectorAll('#detail ol.sources a')).map(function (a) { return a.href; })")
    assert ZEEBRUGGE_SOURCE in hrefs
    assert re.search(r"\(current, 20\d\d", d.locator("ol.sources").inner_text())  # status and date of each source
    # the age of each fact's newest evidence, beside each stake and source; old facts are marked, as text
    holders = d.locator("table.holders").inner_text()
    assert re.search(r"evidence of 20\d\d(-\d\d){0,2}, (\d+ years?|\d+ months?|less than a month) old", holders)
    marked = s.js("Array.from(document.querySelectorAll('#detail .evidence.stale strong')).map(function (e) { return e.textContent; })")
    assert all("to be re-checked" in m for m in marked)
    # sources that disagree on an owner's seat: both readings, each with its source
    conflicts = d.locator("ul.conflicts").inner_text()
    assert re.search(r"COSCO SHIPPING Ports Limited: seat country (BM|HK) \(.+\) or (BM|HK) \(", conflicts), conflicts
    assert "the band uses the country that is more exposed" in conflicts
    # holders link to their owner pages
    owner_hrefs = s.js("Array.from(document.querySelectorAll('#detail table.holders a.owner-link')).map(function (a) { return a.getAttribute('href'); })")
    assert owner_hrefs and all(re.fullmatch(r"owners/[a-z0-9-]+\.html", h) for h in owner_hrefs), owner_hrefs
    # a port lists its terminals and opens them
    s.page.click("#detail button.linklike:has-text('Zeebrugge')")
    s.page.wait_for_function("document.getElementById('detail-title').textContent === 'Zeebrugge'")
    s.page.click("#detail ul.kids button:has-text('CSP Zeebrugge Terminal')")
    s.page.wait_for_function("document.getElementById('detail-title').textContent === 'CSP Zeebrugge Terminal'")
    s.page.keyboard.press("Escape")
    assert s.page.is_hidden("#detail")
    _clean(s)


def test_keyboard_labels_and_a_375px_screen(chromium, real_url):
    s = B.Session(chromium, real_url, width=375, height=740)
    try:
        s.open()
        assert s.js("document.documentElement.scrollWidth") <= 375
        unlabelled = s.js("""Array.from(document.querySelectorAll('input, button, select')).filter(function (e) {
            return !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim(); }).length""")
        assert unlabelled == 0
        # the filters fold away on a phone and open with their button
        assert s.page.get_attribute("#panel-toggle", "aria-expanded") == "false" and s.page.is_hidden("#facets")
        s.page.click("#panel-toggle")
        assert s.page.is_visible("#facets")
        # keyboard only: search, then open an asset from the table
        s.page.focus("#q")
        s.page.keyboard.type("CSP Zeebrugge")
        s.page.keyboard.press("Enter")
        _wait_count(s, 1)
        s.page.focus("#table-body button")
        s.page.keyboard.press("Enter")
        s.page.wait_for_selector("#detail[data-loaded]")
        assert s.js("document.activeElement.id") == "detail-title"
        assert s.js("document.documentElement.scrollWidth") <= 375
        _clean(s)
    finally:
        s.close()


def test_downloads_of_what_is_shown_carry_the_licence(session, db):
    s = session
    s.open("#cc=CN")
    n = len(_with_country(db, "CN", 0.0))
    with s.page.expect_download() as dl:
        s.page.click("#dl-csv")
    lines = Path(dl.value.path()).read_text().strip().split("\n")
    assert lines[0].startswith("asset_id,name,layer,") and len(lines) == n + 1
    with s.page.expect_download() as dl:
        s.page.click("#dl-geojson")
    doc = json.loads(Path(dl.value.path()).read_text())
    # cables held from China are among what is shown: TeleGeography's non-commercial licence applies
    assert len(doc["features"]) == n and doc["licence"]["id"] == "CC-BY-NC-SA-3.0"
    assert {f["properties"]["layer"] for f in doc["features"]} >= {"cables", "container-terminals"}
    assert s.page.inner_text("#dl-shown-licence") == "CC-BY-NC-SA-3.0"
    assert "non-commercial" in s.page.inner_text("#dl-shown-nc")
    # without the non-commercial layers, the licence of the rest
    layers = [lid for lid in s.js("infrarisk.raw.index.layers.map(function (l) { return l.id; })")
              if lid not in ("cables", "landing-stations")]
    s.js(f"location.hash = '#cc=CN&layers={','.join(layers)}'")
    s.page.wait_for_function("document.getElementById('dl-shown-licence').textContent === 'CC-BY-SA-4.0'")
    assert s.page.inner_text("#dl-shown-nc") == ""
    with s.page.expect_download() as dl:
        s.page.click("#dl-geojson")
    doc = json.loads(Path(dl.value.path()).read_text())
    assert doc["licence"]["id"] == "CC-BY-SA-4.0" and "cables" not in {f["properties"]["layer"] for f in doc["features"]}
    hrefs = s.js("Array.from(document.querySelectorAll('.downloads a[download]')).map(function (a) { return a.getAttribute('href'); })")
    assert hrefs == ["data/infrarisk-map.csv", "data/infrarisk-map.geojson", "data/infrarisk-map.parquet",
                     "data/infrarisk-map-except-nc.csv", "data/infrarisk-map-except-nc.geojson",
                     "data/infrarisk-map-except-nc.parquet"]
    _clean(s)


def test_script_in_names_never_runs(chromium, hostile_build):
    hs, _ = hostile_build
    con = duckdb.connect(str(hs.db_path), read_only=True)
    aid = con.execute("SELECT asset_id FROM out_exposure__assets WHERE name = ?", [XSS_ASSET]).fetchone()[0]
    con.close()
    with B.served(hs.site_dir) as base:
        s = B.Session(chromium, base)
        try:
            s.open("#q=evil&sel=" + aid, wait_detail=True)
            assert s.page.inner_text("#detail-title") == XSS_ASSET
            assert XSS_ENTITY in s.page.inner_text("#detail")  # the holder, as text
            assert s.js("document.querySelectorAll('#detail img, #table-body img, #detail script').length") == 0
            assert XSS_ASSET in s.page.inner_text("#table-body")
            # hover the feature: the tooltip shows the name as text too
            s.js(f"infrarisk.app.map.setView([{_latlon(s, aid)}], 9, {{animate: false}})")
            s.page.wait_for_function("infrarisk.app.canvas.paints > 0")
            s.page.keyboard.press("Escape")
            box = s.page.locator(MAP).bounding_box()
            pt = s.js(f"infrarisk.app.map.latLngToContainerPoint([{_latlon(s, aid)}])")
            s.page.mouse.move(box["x"] + pt["x"], box["y"] + pt["y"])
            s.page.wait_for_selector(".leaflet-tooltip")
            assert s.page.inner_text(".leaflet-tooltip") == XSS_ASSET
            s.page.wait_for_timeout(200)
            assert s.js("document.querySelectorAll('img[onerror], img[src=x]').length") == 0
            _clean(s)
        finally:
            s.close()


def _latlon(s: B.Session, aid: str) -> str:
    return s.js(f"""(function () {{ var st = infrarisk.app.store, i = st.byId.get({json.dumps(aid)});
        return (360 / Math.PI * Math.atan(Math.exp((0.5 - st.y[i]) * 2 * Math.PI)) - 90) + ',' + (st.x[i] * 360 - 180); }})()""")


def test_screenshot_of_the_map(chromium, real_build, tmp_path):
    s, _ = real_build
    out = B.screenshot(s.site_dir, tmp_path / "map.png", chromium)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


# ------------------------------------------------------------------------- line and polygon layers
@pytest.fixture(scope="module")
def shapes_build(tmp_path_factory, real_build):
    """The shipped data with two extra registry entries: a line layer and a polygon layer."""
    from infrarisk.site import layers as L

    def non_europe(k0, k1):
        def pick(sb):
            a = sb.assets[(sb.assets["asset_class"] == "port") & ~sb.assets["is_europe"]].sort_values("asset_id")
            return L.asset_frame(a.iloc[k0:k1])
        return pick

    def lines(sb):
        f = non_europe(0, 3)(sb)
        return f.assign(geometry=[shapely.LineString([(x, y), (x + 3, y + 1), (x + 6, y)])
                                  for x, y in zip(f["longitude"], f["latitude"])])

    def areas(sb):
        f = non_europe(3, 5)(sb)
        return f.assign(geometry=[shapely.box(x - 0.1, y - 0.1, x + 0.1, y + 0.1) for x, y in zip(f["longitude"], f["latitude"])])

    extra = [L.Layer("test-routes", "Test routes", "line", lines, ("wpi",), size=3),
             L.Layer("test-areas", "Test areas", "polygon", areas, ("wpi",), size=1)]
    saved = L.LAYERS
    L.LAYERS = [*saved, *extra]
    try:
        s1, _ = real_build
        return _build(tmp_path_factory.mktemp("shapes"), s1.datasets_dir, "x")
    finally:
        L.LAYERS = saved


def test_line_and_polygon_layers_from_the_registry(chromium, shapes_build):
    ss, _ = shapes_build
    idx = json.loads(re.search(r"infrarisk\.data\(\"index\",(.*)\);", (ss.site_dir / "data/map/index.js").read_text()).group(1))
    kinds = {l["id"]: (l["geometry"], l["n"]) for l in idx["layers"]}
    assert kinds["test-routes"] == ("line", 3) and kinds["test-areas"] == ("polygon", 2)
    with B.served(ss.site_dir) as base:
        s = B.Session(chromium, base)
        try:
            s.open("#layers=test-routes,test-areas")
            assert _count_text(s) == 5
            for layer, lonlat in (("test-routes", (1.5, 0.5)), ("test-areas", (-0.05, 0.05))):
                i = s.js(f"infrarisk.raw.layers.filter(function (l) {{ return l.id === '{layer}'; }})[0].offset")
                name = s.js(f"infrarisk.app.store.names[{i}]")
                xy = s.js(f"(function () {{ var st = infrarisk.app.store, p = st.parts[{i}][0];"
                          " return [p[0] * 360 - 180, 360 / Math.PI * Math.atan(Math.exp((0.5 - p[1]) * 2 * Math.PI)) - 90]; })()")
                lat, lon = xy[1] + lonlat[1], xy[0] + lonlat[0]
                s.js(f"infrarisk.app.select(-1); infrarisk.app.map.setView([{lat}, {lon}], 8, {{animate: false}})")
                s.page.wait_for_function(f"infrarisk.app.canvas.drawn >= 1")
                box = s.page.locator(MAP).bounding_box()
                pt = s.js(f"infrarisk.app.map.latLngToContainerPoint([{lat}, {lon}])")
                s.page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
                s.page.wait_for_selector("#detail[data-loaded]")
                assert s.page.inner_text("#detail-title") == name, layer
            _clean(s)
        finally:
            s.close()


# ------------------------------------------------------------------------- telecom and energy layers, countries page
def test_status_filter_lines_and_landing_stations(session, db):
    s = session
    want = db.execute("""SELECT count(*) FROM out_exposure__assets a JOIN core_assets__infra i USING (asset_id)
        WHERE a.asset_type = 'gas_power_plant' AND i.status_group = 'in development'""").fetchone()[0]
    s.open("#layers=gas-power-plants&st=in+development")
    assert want > 0 and _count_text(s) == want
    assert s.page.locator("#facet-st label", has_text="In development").inner_text().endswith(f"({want})")
    # a cable is a line on the canvas: clicking on it opens its card with its landings
    s.open("#layers=cables&q=seamewe-5")
    assert _count_text(s) == 1
    i = s.js("infrarisk.app.store.byId.get('cable:seamewe-5')")
    lat, lon = s.js(f"""(function () {{ var p = infrarisk.app.store.parts[{i}][0], k = 2 * Math.floor(p.length / 4);
        return [360 / Math.PI * Math.atan(Math.exp((0.5 - p[k + 1]) * 2 * Math.PI)) - 90, p[k] * 360 - 180]; }})()""")
    s.js(f"infrarisk.app.map.setView([{lat}, {lon}], 7, {{animate: false}})")
    s.page.wait_for_function("infrarisk.app.canvas.drawn === 1")
    box = s.page.locator(MAP).bounding_box()
    pt = s.js(f"infrarisk.app.map.latLngToContainerPoint([{lat}, {lon}])")
    s.page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    s.page.wait_for_selector("#detail[data-loaded]")
    text = s.page.inner_text("#detail")
    assert s.page.inner_text("#detail-title") == "SeaMeWe-5"
    assert "China Telecom Global Limited" in text and "Lands at" in text and "non-commercial" in text
    # its European landing stations open from the card; a station lists the cables that land there,
    # each opening its own card ("lands at", not a share)
    s.page.click("#detail p.lands button >> nth=0")
    s.page.wait_for_function("document.getElementById('detail-title').textContent !== 'SeaMeWe-5'")
    s.page.wait_for_selector("#detail[data-loaded] .via")
    text = s.page.inner_text("#detail")
    assert "TeleGeography does not say who owns or operates a landing station" in text and "Cables landing here" in text
    assert "Look-through share" not in text and "Recorded stakes" not in text
    s.page.click("#detail .via button:has-text('SeaMeWe-5')")
    s.page.wait_for_function("document.getElementById('detail-title').textContent === 'SeaMeWe-5'")
    _clean(s)


def test_countries_page_draws_the_choropleth(chromium, real_url):
    s = B.Session(chromium, real_url)
    try:
        s.page.goto(real_url + "countries.html")
        s.page.wait_for_selector(".choropleth canvas")
        # the map Folium created holds every European country; Malta is a dot as well as a polygon
        cc = s.js("""(function () { var m = infrarisk.map, out = [];
            m.eachLayer(function (l) { if (l.feature && l.feature.properties.cc) { out.push(l.feature.properties.cc + (l.feature.properties.dot ? '.' : '')); } });
            return out; })()""")
        assert {"MT", "MT.", "CY", "DE"} <= set(cc)
        # its popup is made of text nodes
        s.js("""(function () { var m = infrarisk.map;
            m.eachLayer(function (l) { if (l.feature && l.feature.properties.cc === 'MT' && l.feature.properties.dot) { l.openPopup(); } }); })()""")
        s.page.wait_for_selector(".leaflet-popup-content h3")
        assert s.page.inner_text(".leaflet-popup-content h3") == "Malta (MT)"
        assert "controlled from a foreign high-risk country" in s.page.inner_text(".leaflet-popup-content")
        assert s.page.get_attribute(".leaflet-popup-content a", "href") == "#country-MT"
        _clean(s)
    finally:
        s.close()
