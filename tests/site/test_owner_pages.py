"""Owner pages: one per entity with a holding; holdings equal the analysts' API (db.holdings); the
control chain, the entities below, totals and the map; hostile names stay text; slugs are safe."""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb
import pytest

import infrarisk
from infrarisk.site import owner_pages

ROW = re.compile(r'<tr data-asset-id="([^"]+)" data-share-min="([0-9.]+)" data-share-max="([0-9.]+)">\n'
                 r'(?:.*\n){3}<td>(yes|no)</td>')


def _rows(page: Path) -> dict[str, tuple[float, float, bool]]:
    text = page.read_text(encoding="utf-8")
    return {html.unescape(a): (float(lo), float(hi), c == "yes") for a, lo, hi, c in ROW.findall(text)}


@pytest.fixture(scope="module")
def site(real_build):
    s, _ = real_build
    return s, Path(s.site_dir)


@pytest.fixture(scope="module")
def db(real_build):
    s, _ = real_build
    return infrarisk.open_db(s.db_path, settings=s)


def _pages(s) -> dict[str, str]:
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        return _urls(con)
    finally:
        con.close()


def _urls(con) -> dict[str, str]:
    d = owner_pages.collect(con)
    ids = owner_pages.owner_ids(d)
    return {e: f"owners/{slug}.html" for e, slug in owner_pages.slugs(ids).items()}


def test_holdings_equal_the_api(site, db):
    s, root = site
    urls = _pages(s)
    # every entity with an owner page: a sample across the alphabet, plus the well-known groups
    ids = sorted(urls)
    sample = sorted(set(ids[::max(1, len(ids) // 40)]) | {
        "terminal-link-sas", "china-merchants-port-holdings-company-limited", "li-ka-shing-family"} & set(ids))
    assert len(sample) >= 30
    mapped = set(db.sql("SELECT asset_id FROM out_exposure__assets")["asset_id"])
    for eid in sample:
        page = _rows(root / urls[eid])
        want = db.holdings(eid)
        want = want[want["asset_id"].isin(mapped)]
        api = {r.asset_id: (r.share_min, r.share_max, bool(r.is_in_control_chain)) for r in want.itertuples()}
        # every holding of the API is on the page; the page adds only assets on whose control chain
        # the entity stands without an economic share (control by contract or concession)
        assert set(api) <= set(page), eid
        assert all(page[a][2] and page[a][1] == 0 for a in set(page) - set(api)), eid
        for a, (lo, hi, ctl) in api.items():
            assert page[a][0] == pytest.approx(lo, abs=1e-6) and page[a][1] == pytest.approx(hi, abs=1e-6), (eid, a)
            assert page[a][2] == ctl, (eid, a)


def test_terminal_link_page(site):
    s, root = site
    text = (root / "owners/terminal-link-sas.html").read_text(encoding="utf-8")
    main = text[text.index("<main"):text.index("</main>")]
    assert "<h1>Terminal Link SAS</h1>" in main
    # the control chain above with the source of each step, and the entity below with its page
    assert re.search(r'controlled by <a href="cma-cgm-s-a.html">CMA CGM S.A.</a> — 51%, majority <a href="#src-\d+">',
                     main)
    assert '<a href="south-europe-gateway-thessaloniki-ltd.html">' in main
    assert (root / "owners/south-europe-gateway-thessaloniki-ltd.html").is_file()
    rows = _rows(root / "owners/terminal-link-sas.html")
    assert rows["terminal:terminal-des-flandres-nfti"] == (pytest.approx(0.91), pytest.approx(0.91), True)
    # totals by host country count every row once; the map draws every asset with a position
    fr = re.search(r"<tr><td>FR</td><td>(\d+)</td>", main)
    assert int(fr.group(1)) == sum(1 for a in rows if a in {
        "terminal:terminal-des-flandres-nfti", "terminal:eurofos-terminal-de-mediterranee",
        "terminal:terminal-du-grand-ouest-tgo-tmdc-montoir",
        "terminal:generale-de-manutention-portuaire-terminals-terminal-de-fran"})
    assert main.count("<circle ") == len(rows)
    # pages link back to the site root from their folder; sources are http(s) links
    assert 'href="../static/site.css"' in text and 'href="../index.html"' in text
    assert re.search(r'<li id="src-1"><a href="https://', main)


def test_assets_table_and_sources_page_link_owner_pages_and_exports(site):
    s, root = site
    assets = (root / "assets.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="(owners/[^"]+)"', assets))
    assert links and all((root / html.unescape(u)).is_file() for u in links)
    sources = (root / "sources.html").read_text(encoding="utf-8")
    for f in ("data/ownership-network.gexf", "data/ownership-network.graphml", "api/v1/index.json",
              "api/v1/openapi.json"):
        assert f'href="{f}"' in sources and (root / f).is_file()
    assert "CC-BY-NC-SA-3.0" in sources[sources.index('id="exports"'):]


def test_site_network_files_open_in_networkx(site):
    import networkx as nx
    s, root = site
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        n_links = con.execute("""
            SELECT count(*) FROM core_ownership__links WHERE subject_id IN (
                SELECT asset_id FROM out_ownership__asset_controllers UNION SELECT entity_id FROM out_ownership__entities)
            AND owner_entity_id IN (SELECT entity_id FROM core_ownership__entities)""").fetchone()[0]
        n_nc = con.execute("SELECT count(*) FROM core_ownership__links WHERE is_noncommercial AND subject_id IN ("
                           "SELECT asset_id FROM out_ownership__asset_controllers)").fetchone()[0]
    finally:
        con.close()
    g = nx.read_gexf(root / "data/ownership-network.gexf")
    h = nx.read_graphml(root / "data/ownership-network.graphml")
    assert g.number_of_edges() == h.number_of_edges() == n_links
    assert g.number_of_nodes() == h.number_of_nodes()
    assert nx.read_graphml(root / "data/ownership-network-except-nc.graphml").number_of_edges() == n_links - n_nc
    assert g.nodes["terminal-link-sas"]["name"] == "Terminal Link SAS"


def test_hostile_names_are_text_on_owner_pages(hostile_build):
    from tests.site.conftest import XSS_ENTITY
    hs, _ = hostile_build
    page = Path(hs.site_dir) / "owners/evil-holdings.html"
    text = page.read_text(encoding="utf-8")
    assert XSS_ENTITY not in text and "<script>alert" not in text
    assert html.escape(XSS_ENTITY, quote=False) in text
    for f in ("data/ownership-network.gexf", "data/ownership-network.graphml"):
        raw = (Path(hs.site_dir) / f).read_text(encoding="utf-8")
        assert "<img src=x" not in raw and "</script><script>" not in raw


def test_slugs_are_safe_and_unique():
    ids = ["lei:ABC", "LEI:abc", "a/../../etc", "Ünïcode Co", "", "x" * 200, "evil\"><script>"]
    s = owner_pages.slugs(ids)
    assert len(set(s.values())) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", v) and len(v) <= 91 for v in s.values())
    assert owner_pages.slugs(ids) == s


@pytest.mark.parametrize("title", ["Plain Name S.A.", "<img src=x onerror=alert(1)>", "Tom & Jerry's \"Co\"",
                                   "Zürich → Ω", "a&amp;b", "", None, "\x00title\x00"])
def test_frame_and_main_part_equal_the_whole_template(title):
    """A page put together from the frame rendered once and its main part is what ``owner.html`` renders."""
    from markupsafe import Markup

    from infrarisk.site import fragments
    from infrarisk.site.render import render
    ctx = {"sources": [], "profile": None, "as_of": None, "owner_urls": {}, "page": "owner", "root": "../",
           "chrome": {"nav": Markup("<header>nav</header>\n"), "footer": Markup("<footer>f</footer>\n")}}
    main = '<h1>x &amp; <b>y</b></h1>\n<p>\x00main\x00</p>'
    head, tail = owner_pages.frame(**ctx)
    whole = render("owner.html", title=title, main_html=Markup(main), **ctx)
    assert fragments.esc(title).join(head) + main + tail == whole
    assert len(head) == 4 and "<header>nav</header>" in head[-1] and tail.startswith("</main>\n")


def test_collect_from_the_explainers_edges_equals_collect_alone(real_build):
    """The owner data made from the edges the Explainer read equal what collect reads itself."""
    from infrarisk.explain import Explainer
    from infrarisk.profiles import load_profile
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        alone = owner_pages.collect(con)
        ex = Explainer(con, load_profile(s.profile), s)
        given = owner_pages.collect(con, list(ex.edges.values()))
    finally:
        con.close()
    assert given.edges == alone.edges and len(given.edges) > 100
    assert given.holdings == alone.holdings and given.controls == alone.controls
    assert given.out_edges == alone.out_edges and given.edge_of == alone.edge_of
    assert all("share" not in e for e in ex.edges.values())  # the Explainer's records are left as they were
