"""The telecom and energy layers in the generated site, asserted as text: layers, popups with
evidence, the country choropleth (Malta and Cyprus included), licences and the non-commercial
setting, escaping of hostile names in the new popups."""

from __future__ import annotations

import csv
import json
import re
import shutil

import duckdb
import pytest

from infrarisk.site.layer_map import LAYERS
from infrarisk.sources import rehash
from tests.site.conftest import REPO, XSS_ASSET, XSS_ENTITY, _append, _build

PAGES = ["index.html", "assets.html", "countries.html", "inge2.html", "methodology.html", "sources.html"]
NC_NOTICE = "Non-commercial data."


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_layer_is_on_the_map(real_build):
    s, _ = real_build
    html = (s.site_dir / "index.html").read_text()
    for label, *_ in LAYERS:
        assert json.dumps(label) in html, label
    assert '"type": "MultiLineString"' in html  # cables and pipelines drawn as lines
    assert "infrariskStatusFilter(" in html and '["operating", "in development", "inactive", "unknown"]' in html
    assert "Landing stations take the band of the most exposed cable that lands there." in html


def test_popups_carry_owners_and_sources(real_build):
    s, _ = real_build
    html = (s.site_dir / "index.html").read_text()
    # a GEM pipeline: its parent with the GEM.wiki page as source
    assert "Nord Stream 2 Gas Pipeline" in html and "https://www.gem.wiki/Nord_Stream_2_Gas_Pipeline" in html
    assert "PJSC Gazprom" in html
    # a cable: the consortium member, resolved by the alias table, with its TeleGeography page
    assert "https://www.submarinecablemap.com/submarine-cable/seamewe-5" in html
    assert "China Telecom Global Limited" in html
    # a landing station: exposed through its cables, never an invented share
    assert "TeleGeography does not say who owns or operates a landing station" in html
    # status is a filterable feature property and shown in the popup
    assert re.search(r'"s": "in development"', html)


def test_country_page_shows_every_european_country(real_build):
    s, _ = real_build
    html = (s.site_dir / "countries.html").read_text()
    con = duckdb.connect(str(s.db_path), read_only=True)
    europe = [r[0] for r in con.execute("SELECT country_code FROM core_geo__countries WHERE is_europe").fetchall()]
    drawn = set(re.findall(r'"cc": "([A-Z]{2})"', html))
    with_polygon = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries "
                                              "WHERE is_europe AND has_polygon").fetchall()}
    assert with_polygon <= drawn
    assert {"MT", "CY"} <= drawn
    for cc in europe:
        assert f'id="country-{cc}"' in html, cc
    # Malta is small at 1:50m: it also gets a dot at its label point
    assert re.search(r'"cc": "MT", "dot": true', html)
    summary = _csv(s.site_dir / "data/country-summary.csv")
    assert {r["country_code"] for r in summary} == set(europe)
    mt = next(r for r in summary if r["country_code"] == "MT")
    assert int(mt["n_controlled_high_risk"]) >= 1  # the PEACE cable's Malta branch


def test_licences_travel_to_pages_and_downloads(real_build):
    s, _ = real_build
    for page in PAGES:
        assert NC_NOTICE in (s.site_dir / page).read_text(), page
    layer = _csv(s.site_dir / "data/layer-assets.csv")
    assert {r["licence"] for r in layer if r["asset_class"] in ("cable", "landing")} == {"CC-BY-NC-SA-3.0"}
    assert {r["licence"] for r in layer if r["asset_class"] == "energy"} == {"CC-BY-4.0"}
    meth = (s.site_dir / "methodology.html").read_text()
    assert 'href="data/layer-assets.csv">layer-assets.csv</a> (<a href="https://creativecommons.org/licenses/by-nc-sa/3.0/">CC-BY-NC-SA-3.0</a>, contains non-commercial rows)' in meth
    assert "non-commercial</strong>: left out of builds" in (s.site_dir / "sources.html").read_text()


def test_methodology_gives_match_counts(real_build):
    s, _ = real_build
    html = (s.site_dir / "methodology.html").read_text()
    con = duckdb.connect(str(s.db_path), read_only=True)
    total, matched = con.execute("SELECT count(*), count(*) FILTER (WHERE is_matched) FROM core_match__names"
                                 ).fetchone()
    assert f"{total} distinct owner names" in html and f"<strong>{matched} matched</strong>" in html
    assert "token_sort_ratio) of at least 92.0" in html
    matches = _csv(s.site_dir / "data/entity-matches.csv")
    assert len(matches) == total


@pytest.fixture(scope="module")
def nc_off_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nc-off")
    from infrarisk.pipeline import build
    from infrarisk.settings import Settings
    s = Settings.load(environ={"INFRARISK_INCLUDE_NONCOMMERCIAL": "false"}, datasets_dir=REPO / "datasets",
                      db_path=tmp / "db.duckdb", site_dir=tmp / "site")
    return s, build(s)


def test_noncommercial_setting_removes_layers_and_notice(nc_off_build):
    s, report = nc_off_build
    assert not s.include_noncommercial
    index = (s.site_dir / "index.html").read_text()
    for label, cls, *_ in LAYERS:
        assert (json.dumps(label) in index) == (cls not in ("cable", "landing")), label
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert NC_NOTICE not in html and "CC-BY-NC-SA" not in html and "TeleGeography Submarine" not in html, page
    for name in ("layer-assets.csv", "country-assets.csv", "country-summary.csv", "entity-matches.csv"):
        text = (s.site_dir / "data" / name).read_text()
        assert "CC-BY-NC-SA" not in text and "submarine-cables" not in text, name
    assert report.counts["cable systems"] == 0 and report.counts["landing stations"] == 0
    con = duckdb.connect(str(s.db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM core_meta__sources WHERE is_noncommercial").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM core_ownership__links WHERE is_noncommercial").fetchone()[0] == 0


@pytest.fixture(scope="module")
def hostile_layers_build(tmp_path_factory):
    """The shipped datasets plus a GEM asset and a cable owner carrying script in their names."""
    tmp = tmp_path_factory.mktemp("hostile-layers")
    ds = tmp / "datasets"
    shutil.copytree(REPO / "datasets", ds)
    gem = ds / "gem-europe-gas"
    with open(gem / "assets.csv", newline="", encoding="utf-8") as fh:
        row = dict(next(csv.DictReader(fh)))
    row.update(source_row="9999", asset_id="gem-eu-gas-99999", project=XSS_ASSET, unit="", type="gas_power_plant",
               geom="point", latitude="35.85", longitude="14.55", iso_a2_list="MT", countries="Malta",
               status="operating", url="https://example.org/evil?a=1&b=<b>", parent=f"{XSS_ENTITY} [60%]", owner="")
    _append(gem / "assets.csv", row)
    _append(gem / "stakes.csv", {"asset_id": "gem-eu-gas-99999", "level": "parent", "position": "1",
                                 "entity_as_written": f"{XSS_ENTITY} [60%]", "entity_name": XSS_ENTITY,
                                 "share_text": "60%"})
    cab = ds / "submarine-cables"
    with open(cab / "cable_owners.csv", newline="", encoding="utf-8") as fh:
        owners = list(csv.DictReader(fh))
    first = next(r for r in owners if r["cable_id"] == "2africa")
    _append(cab / "cable_owners.csv", {**first, "source_row": "9999", "owner": XSS_ENTITY})
    rehash(gem)
    rehash(cab)
    return _build(tmp, ds, "hl")


def test_hostile_names_in_layer_popups_are_escaped(hostile_layers_build):
    s, _ = hostile_layers_build
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert XSS_ASSET not in html, page
        assert "<script>alert(2)</script>" not in html, page
    index = (s.site_dir / "index.html").read_text()
    assert r"\u0026lt;img src=x onerror=alert(1)\u0026gt;" in index  # the GEM asset's name, escaped twice
    assert r"Evil \u0026lt;/script\u0026gt;\u0026lt;script\u0026gt;alert(2)" in index  # the owner, in popups
    matches = (s.site_dir / "data/entity-matches.csv").read_text()
    assert XSS_ENTITY in matches  # downloads keep the data as it is (CSV is not HTML)


def test_inge2_page_stays_about_port_terminals(real_build):
    s, _ = real_build
    html = (s.site_dir / "inge2.html").read_text()
    assert "Delimara power station" not in html and "Wind Tre" not in html and "SEA-ME-WE" not in html
