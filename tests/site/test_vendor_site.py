"""The "built by" (vendor) dimension on the site, asserted as data (no browser): map band, card record,
mobile networks on the telecom layer, map download columns, countries page and summary, methodology."""

from __future__ import annotations

import csv
import html
import re

import duckdb
import pytest

from infrarisk.profiles import load_profile
from infrarisk.site import vendor_site
from tests.site.conftest import detail_of, payload

TELEKOM = "mobile:telekom-de"


@pytest.fixture(scope="module")
def site(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    yield s.site_dir, con
    con.close()


def _features(site_dir) -> dict[str, tuple[str, str | None]]:
    """Every mapped asset: (layer, vendor band code or None where the layer file gives none)."""
    index = payload(site_dir / "data/map/index.js")[1]
    codes = [b[0] for b in index["vendor_bands"]]
    out = {}
    for meta in index["layers"]:
        layer = payload(site_dir / f"data/map/{meta['id']}.js")[1]
        given = dict(zip(layer["vband"]["i"], layer["vband"]["v"]))
        for i, aid in enumerate(layer["ids"]):
            out[aid] = (meta["id"], codes[given[i]] if i in given else None)
    return out


def test_map_carries_the_vendor_band_of_every_asset_with_supply_rows(site):
    site_dir, con = site
    index = payload(site_dir / "data/map/index.js")[1]
    assert [b[0] for b in index["vendor_bands"]] == ["high", "elevated", "low", "unknown", "none", "nr"]
    feats = _features(site_dir)
    bands = dict(con.execute("SELECT asset_id, band FROM out_vendor__assets").fetchall())
    assert bands and set(bands) <= set(feats)  # every asset with a supply row is drawn
    assert {a: b for a, (_, b) in feats.items() if b is not None} == bands
    # an asset without supply rows has no band in the file: the page shows it as "not researched", never "none"
    assert any(b is None for _, b in feats.values())
    assert all(b != "nr" for _, b in feats.values())


def test_mobile_networks_are_on_the_curated_telecom_layer(site):
    site_dir, con = site
    feats = _features(site_dir)
    nets = con.execute("SELECT asset_id, is_existing_asset FROM core_vendor__networks ORDER BY 1").fetchall()
    assert nets and any(not e for _, e in nets) and any(e for _, e in nets)
    assert {feats[a][0] for a, _ in nets} == {"telecom-networks"}
    f, d, _ = detail_of(site_dir, TELEKOM)
    assert f["band"] == "unknown"  # its holders are not traced: no ownership band is made up
    assert "no ownership band" in d["reason"]
    assert d["vb"]["pos"].startswith("country: drawn at the label point of DE")


def test_card_record_has_rows_with_sources_and_the_profile_citation(site, real_build):
    site_dir, con = site
    _, d, _ = detail_of(site_dir, TELEKOM)
    vb = d["vb"]
    band, reason = con.execute("SELECT band, band_reason FROM out_vendor__assets WHERE asset_id = ?",
                               [TELEKOM]).fetchone()
    assert (vb["band"], vb["reason"]) == (band, reason)
    rows = con.execute("""SELECT vendor_name, source_url, CAST(source_date AS VARCHAR), band, status
                          FROM out_vendor__supply WHERE asset_id = ? ORDER BY supply_id""", [TELEKOM]).fetchall()
    assert [(r["vendor"], r["src"][0], r["src"][1], r["band"]) for r in vb["rows"]] == [r[:4] for r in rows]
    assert {r["status"] for r in vb["rows"]} <= set(vendor_site.STATUS_WORDS.values())
    huawei = [v for r in vb["rows"] for v in r.get("vendors", []) if v["name"] == "Huawei"]
    assert huawei and huawei[0]["country"] == "CN"
    hr = load_profile(real_build[0].profile).high_risk_vendor("huawei")
    assert huawei[0]["hr"]["sources"] == [[s.publisher, s.date, s.url, s.title] for s in hr.sources]
    # a removed or being-replaced row keeps its dates and deadline
    dated = con.execute("""SELECT asset_id, supply_id FROM out_vendor__supply
                           WHERE status = 'being_replaced' AND deadline IS NOT NULL AND asset_id IS NOT NULL
                           ORDER BY supply_id LIMIT 1""").fetchone()
    _, d2, _ = detail_of(site_dir, dated[0])
    assert any(r["status"] == "being replaced" and r.get("deadline") for r in d2["vb"]["rows"])


def test_card_record_is_left_out_where_not_researched(site):
    site_dir, con = site
    feats = _features(site_dir)
    bare = sorted(a for a, (_, b) in feats.items() if b is None)[0]
    _, d, _ = detail_of(site_dir, bare)
    assert "vb" not in d


def test_map_download_has_the_vendor_columns(site):
    site_dir, con = site
    with open(site_dir / "data/infrarisk-map.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert set(vendor_site.DOWNLOAD_COLUMNS) <= set(rows[0])
    bands = dict(con.execute("SELECT asset_id, band FROM out_vendor__assets").fetchall())
    got = {r["asset_id"]: r["vendor_band"] for r in rows}
    assert {a: got[a] for a in bands} == bands
    assert {b for a, b in got.items() if a not in bands} == {"not_researched"}
    hr = {r["asset_id"]: r["high_risk_vendors"] for r in rows}
    assert "Huawei" in hr[TELEKOM]
    import pyarrow.parquet as pq
    pcols = pq.read_schema(site_dir / "data/infrarisk-map.parquet").names
    assert set(vendor_site.DOWNLOAD_COLUMNS) <= set(pcols)


def _hr_networks(con, cc: str) -> set[str]:
    """Networks of a country with a current radio-network row naming a vendor the profile calls high-risk."""
    return {r[0] for r in con.execute("""
        SELECT DISTINCT asset_name FROM out_vendor__supply
        WHERE country_code = ? AND asset_kind = 'mobile_network' AND is_current
          AND component IN ('ran', 'ran_4g', 'ran_5g') AND len(high_risk_vendor_ids) > 0""", [cc]).fetchall()}


def test_country_summary_and_page_have_the_vendor_column_and_figures(site):
    site_dir, con = site
    with open(site_dir / "data/country-summary.csv", newline="", encoding="utf-8") as fh:
        by_cc = {r["country_code"]: r for r in csv.DictReader(fh)}
    de = by_cc["DE"]
    expected = _hr_networks(con, "DE")
    assert int(de["n_mobile_networks_high_risk_ran"]) == len(expected) > 0
    assert all(n in de["mobile_networks_high_risk_ran"] for n in expected)
    assert int(de["n_mobile_networks"]) == con.execute(
        "SELECT count(*) FROM core_vendor__networks WHERE country_code = 'DE'").fetchone()[0]
    page = html.unescape((site_dir / "countries.html").read_text())
    section = page[page.index('id="country-DE"'):]
    section = section[:section.index("</section>")]
    assert re.search(rf"<strong>{len(expected)}</strong> of {de['n_mobile_networks']} mobile networks", section)
    pub, url, comp = con.execute("""SELECT published_pct, published_source_url, computed_pct
                                    FROM out_vendor__country_figures WHERE country_code = 'DE' ORDER BY figure_id""").fetchone()
    assert f"{pub:g}%" in section and url in section and f"{comp:g}%" in section
    assert 'href="data/vendors.csv"' in section  # the computed figure's source: the supply rows
    # Europe-wide figures have no country section: listed once, above the countries
    eu = con.execute("SELECT published_source_url FROM out_vendor__country_figures WHERE country_code = 'EU+'").fetchall()
    assert all(u in page[:page.index('class="country-index"')] for (u,) in eu)


def test_methodology_states_the_rules_and_coverage(site):
    site_dir, con = site
    page = html.unescape((site_dir / "methodology.html").read_text())
    section = page[page.index('id="built-by"'):]
    for metric, num, den in con.execute("SELECT metric, numerator, denominator FROM out_vendor__coverage").fetchall():
        assert re.search(rf"{re.escape(metric)}</td><td>{num}</td><td>{den if den is not None else '—'}</td>", section)
    assert "not researched" in section and "2023-06-15" in section


def test_download_columns_without_rows_say_not_researched():
    class SB:  # the smallest site builder: vendor data already read, none of it for this asset
        pass
    sb = SB()
    d = vendor_site.VendorData.__new__(vendor_site.VendorData)
    d.assets, d.supply, d.entities, d.networks = {}, {}, {}, []
    sb._vendor_data = d
    cols = vendor_site.download_columns(sb, ["x"])
    assert cols["vendor_band"] == ["not_researched"] and cols["high_risk_vendors"] == [None]
    assert vendor_site.codes(sb, ["x"]) == {"i": [], "v": []}
    assert vendor_site.card(sb, "x") is None
