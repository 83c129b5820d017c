"""The generated site, asserted as text: pages, escaping, downloads, determinism."""

from __future__ import annotations

import csv
import re

import duckdb
import pytest

from tests.site.conftest import XSS_ASSET, XSS_ENTITY, _build

PAGES = ["index.html", "assets.html", "inge2.html", "methodology.html", "sources.html"]
NAMED_PORTS = {"GRPIR", "BEZEE", "BEANR", "NLRTM", "DEHAM", "ESVLC", "ESBIO", "ITVDL", "FRLEH", "MTMAR"}


def test_pages_exist_with_sources_footer(real_build):
    s, report = real_build
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert "Sources and licences." in html, page
        assert "Made with Natural Earth." in html and "National Geospatial-Intelligence Agency" in html
        assert "TA-9-2023-0219" in html  # the profile's dated source


def test_map_is_self_hosted_and_not_thousands_of_markers(real_build):
    s, _ = real_build
    html = (s.site_dir / "index.html").read_text()
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html), "CDN resource in the page"
    assert 'src="static/vendor/leaflet-1.9.4/leaflet.js"' in html
    assert (s.site_dir / "static/vendor/leaflet-1.9.4/leaflet.js").exists()
    # features are data beside the page, drawn by one canvas layer; no per-feature markers or popup HTML
    assert "L.marker(" not in html and "L.circleMarker(" not in html and "popup" not in html
    assert 'src="static/infrarisk/canvas.js"' in html and '"data/map/ports.js"' in html
    # details carry chains with sources (fetched when an asset is opened; the text is checked in the browser)
    details = "".join(p.read_text() for p in sorted((s.site_dir / "data/detail").glob("*.js")))
    assert "COSCO SHIPPING Ports Limited" in details and '"85.45%"' in details
    assert "https://new.informare.it/news/gennews/2022/20220107-Estesa-2055-concessione-CSP-Zeebrugge-Terminal.asp" in details


def test_inge2_csv(real_build):
    s, _ = real_build
    with open(s.site_dir / "data/inge2-ports.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == ["unlocode", "port_name", "country_code", "terminals", "controlling_entities",
                                 "share_min", "share_max", "is_controlled", "source_urls"]
    assert len(rows) >= 20
    assert NAMED_PORTS <= {r["unlocode"] for r in rows}
    by = {r["unlocode"]: r for r in rows}
    assert float(by["FRLEH"]["share_min"]) == pytest.approx(0.502 * 0.49)
    assert float(by["ITVDL"]["share_min"]) == pytest.approx(0.40)  # Qingdao Port's 9.9% bought back in 2023
    assert float(by["DEHAM"]["share_min"]) == pytest.approx(0.2499)
    for r in rows:
        assert 0 <= float(r["share_min"]) <= float(r["share_max"]) <= 1
        assert r["source_urls"].startswith("http"), r
    page = (s.site_dir / "inge2.html").read_text()
    assert f"<strong>{len(rows)} European ports</strong>" in page
    assert not re.search(r"magnitude\.\d", page)  # sentences keep their space ("order of magnitude. 6 of these")


def test_inge2_reconciliation_table_and_download(real_build):
    s, _ = real_build
    import duckdb
    con = duckdb.connect(str(s.db_path), read_only=True)
    published = con.execute("SELECT count(*) FROM core_census__published").fetchone()[0]
    links = {r[0]: r[1] for r in con.execute("SELECT link_id, subject_id FROM core_ownership__links").fetchall()}
    con.close()
    with open(s.site_dir / "data/inge2-reconciliation.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert published > 0 and len(rows) == published
    for r in rows:  # every published investment is matched to stake rows of the data or explained
        assert r["matched_stake_ids"] or r["explanation"], r
        assert all(i in links for i in r["matched_stake_ids"].split()), r
    page = (s.site_dir / "inge2.html").read_text()
    assert 'href="data/inge2-reconciliation.csv"' in page
    some = next(r for r in rows if r["matched_stake_ids"])
    assert f'href="index.html#sel={links[some["matched_stake_ids"].split()[0]]}"' in page


def test_hostile_names_are_escaped_everywhere(hostile_build):
    s, _ = hostile_build
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert XSS_ASSET not in html, page
        assert "<script>alert(2)</script>" not in html, page
        assert "onerror=alert(1)>" not in html.replace("onerror=alert(1)&gt;", ""), page
    table = (s.site_dir / "assets.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in table
    assert "Evil &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; Holdings" in table
    assert 'href="https://example.org/evil?a=1&amp;b=&lt;b&gt;"' in table
    # in the map's data files names are JSON strings with '<', '>' and '&' escaped; the page makes text nodes
    data = "".join(p.read_text() for p in sorted((s.site_dir / "data").rglob("*.js")))
    assert r"\u003cimg src=x onerror=alert(1)\u003e" in data
    assert "<" not in data and ">" not in data


def test_two_builds_are_byte_identical(real_build, tmp_path):
    """A second build in another process, with another string-hash seed (so any output that
    follows the iteration order of a set of strings would differ), gives the same bytes."""
    import os
    import subprocess
    import sys

    from infrarisk.settings import Settings
    s1, _ = real_build
    s2 = Settings.load(environ={}, datasets_dir=s1.datasets_dir, db_path=tmp_path / "again" / "db.duckdb",
                       site_dir=tmp_path / "again" / "site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFRARISK_")}
    env.update(PYTHONHASHSEED="4242", INFRARISK_DATASETS_DIR=str(s1.datasets_dir))
    subprocess.run([sys.executable, "-m", "infrarisk.cli", "-q", "build", "--out", str(s2.site_dir),
                    "--db", str(s2.db_path)], env=env, check=True, cwd=tmp_path)
    files1 = sorted(p.relative_to(s1.site_dir) for p in s1.site_dir.rglob("*") if p.is_file())
    files2 = sorted(p.relative_to(s2.site_dir) for p in s2.site_dir.rglob("*") if p.is_file())
    assert files1 == files2
    for rel in files1:
        assert (s1.site_dir / rel).read_bytes() == (s2.site_dir / rel).read_bytes(), rel
    c1, c2 = duckdb.connect(str(s1.db_path), read_only=True), duckdb.connect(str(s2.db_path), read_only=True)
    tables = [r[0] for r in c1.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    assert tables == [r[0] for r in c2.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    for t in tables:
        assert c1.execute(f"SELECT * FROM {t}").fetchall() == c2.execute(f"SELECT * FROM {t}").fetchall(), t


def test_methodology_states_checks_and_counts(real_build):
    s, report = real_build
    html = (s.site_dir / "methodology.html").read_text()
    for c in report.checks:
        assert f"<td>{c.name}</td>" in html
    assert "curated/asset_stakes.csv" in html
    assert "25%" in html and "10%" in html and "50%" in html


def test_the_site_s_read_connections_take_their_share_of_the_cores(real_build):
    """Two processes read and write the site at once: each DuckDB connection gets its share of the cores
    (:func:`infrarisk.parallel.cores_each`); alone, every core."""
    from infrarisk import parallel
    from infrarisk.site import connect_read_only

    s, _ = real_build
    threads = lambda con: con.execute("SELECT current_setting('threads')").fetchone()[0]  # noqa: E731
    for given, expected in ((parallel.cores_each(2), parallel.cores_each(2)), (None, parallel.cores_each(1))):
        con = connect_read_only(s.db_path, given)
        try:
            assert threads(con) == expected
        finally:
            con.close()
