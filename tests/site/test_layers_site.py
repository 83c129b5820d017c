"""The telecom and energy layers in the generated site, asserted as text and data: layers in the
map's registry (lines for cables and pipelines, the status as a filterable attribute), their
evidence in the detail files, the country choropleth (Malta and Cyprus included), licences and
the non-commercial setting, escaping of hostile names in the new layers."""

from __future__ import annotations

import csv
import re
import shutil

import duckdb
import pytest

from infrarisk.sources import rehash
from tests.site.conftest import REPO, XSS_ASSET, XSS_ENTITY, _append, _build, detail_of, payload

PAGES = ["index.html", "assets.html", "countries.html", "inge2.html", "methodology.html", "sources.html"]
NC_NOTICE = "Non-commercial data."
#: the layers of the telecom and energy assets in the map's registry: id -> label
LAYERS = {
    "cables": "Submarine cables (TeleGeography 2021, non-commercial)",
    "landing-stations": "Cable landing stations (TeleGeography 2021, non-commercial)",
    "telecom-networks": "Mobile networks, towers and telecom groups",
    "data-centres": "Data centres",
    "cable-landings": "Cable landings with sourced stakes",
    "gas-pipelines": "Gas and hydrogen pipelines (GEM)",
    "lng-terminals": "LNG terminals (GEM)",
    "gas-power-plants": "Gas power plants (GEM)",
    "gas-extraction": "Gas extraction areas (GEM)",
}
NONCOMMERCIAL = {"cables", "landing-stations"}


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _index(site):
    return payload(site / "data/map/index.js")[1]


def test_every_layer_is_on_the_map(real_build):
    s, _ = real_build
    index = _index(s.site_dir)
    layers = {meta["id"]: meta for meta in index["layers"]}
    for lid, label in LAYERS.items():
        assert layers[lid]["label"] == label and layers[lid]["n"] > 0, lid
    for lid in ("cables", "gas-pipelines"):  # drawn as lines by the canvas renderer
        assert layers[lid]["geometry"] == "line"
        parts = payload(s.site_dir / f"data/map/{lid}.js")[1]["parts"]
        assert all(len(p) >= 1 and all(len(c) >= 4 for c in p) for p in parts), lid
    # the status is a filterable attribute of every feature, GEM's status groups among its values
    assert [code for code, _ in index["statuses"]] == ["in development", "inactive", "operating", "unknown"]
    gas = payload(s.site_dir / "data/map/gas-power-plants.js")[1]
    assert {index["statuses"][k][0] for k in gas["status"]} == {"operating", "in development", "inactive"}
    html = (s.site_dir / "index.html").read_text()
    assert "Lines: submarine cables and pipelines." in html
    assert "Landing stations take the band of the most exposed cable that lands there." in html


def test_cards_carry_owners_and_sources(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    aid = con.execute("SELECT asset_id FROM out_exposure__assets WHERE name = 'Nord Stream 2 Gas Pipeline'").fetchone()[0]
    # a GEM pipeline: its parent, with the GEM.wiki page as source
    feat, d, shard = detail_of(s.site_dir, aid)
    assert feat["layer"] == "gas-pipelines"
    assert "https://www.gem.wiki/Nord_Stream_2_Gas_Pipeline" in {src[0] for src in shard["srcs"]}
    assert "PJSC Gazprom" in {shard["ents"][h[0]][1] for h in d["holders"]}
    assert d["reason"] and shard["lics"][d["lic"]] == ["CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", False]
    assert d["x"]["url"] == "https://www.gem.wiki/Nord_Stream_2_Gas_Pipeline" and d["x"]["crosses"]
    # a cable: the consortium member, resolved by the alias table, with its TeleGeography page; its landings
    feat, d, shard = detail_of(s.site_dir, "cable:seamewe-5")
    assert "https://www.submarinecablemap.com/submarine-cable/seamewe-5" in {src[0] for src in shard["srcs"]}
    assert "China Telecom Global Limited" in {shard["ents"][h[0]][1] for h in d["holders"]}
    assert shard["lics"][d["lic"]][0] == "CC-BY-NC-SA-3.0" and shard["lics"][d["lic"]][2] is True
    assert len(d["x"]["lands"]) > 5 and d["x"]["yr"][0] == "ready for service"
    # a landing station: exposed through the cables that land there ("lands at"), never an invented share
    station = next(land[0] for land in d["x"]["lands"] if land[2] == "FR")  # Marseille
    feat, d, shard = detail_of(s.site_dir, station)
    assert feat["layer"] == "landing-stations" and "holders" not in d and "edges" not in d
    assert "cable:seamewe-5" in {c[0] for c in d["x"]["via"]} and "TeleGeography names no owner" in d["reason"]
    cable_band = next(c[2] for c in d["x"]["via"] if c[0] == "cable:seamewe-5")
    assert feat["band"] == min((c[2] for c in d["x"]["via"]), key=["high", "elevated", "low", "unknown", "none"].index) \
        and cable_band in ("high", "elevated", "low", "unknown", "none")
    layer = payload(s.site_dir / "data/map/landing-stations.js")[1]
    assert not layer["shares"]["i"]  # no look-through share for any station
    assert "TeleGeography does not say who owns or operates a landing station" in (
        REPO / "src/infrarisk/site/static/infrarisk/detail.js").read_text()


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
    assert ">nan<" not in html  # a missing value shows the dash, never pandas' NaN
    # Malta is small at 1:50m: it also gets a dot at its label point
    assert re.search(r'"cc": "MT", "dot": true', html)
    summary = _csv(s.site_dir / "data/country-summary.csv")
    assert {r["country_code"] for r in summary} == set(europe)
    mt = next(r for r in summary if r["country_code"] == "MT")
    assert int(mt["n_controlled_high_risk"]) >= 1  # the PEACE cable's Malta branch


def test_country_page_counts_foreign_control_and_shows_domestic_apart(real_build):
    """Russia's own gas fields are not Russia's foreign exposure: drawn in the lightest class, listed apart."""
    from infrarisk.site.country_page import colour

    s, _ = real_build
    html = (s.site_dir / "countries.html").read_text()
    con = duckdb.connect(str(s.db_path), read_only=True)
    groups = {}
    for gid, label, cc in con.execute("SELECT group_id, group_label, country_code FROM out_exposure__group_countries"
                                      ).fetchall():
        groups.setdefault(label, set()).add(cc)
    rows = _csv(s.site_dir / "data/country-assets.csv")
    for r in rows:  # a country's foreign control never names a group it belongs to
        for label in filter(None, (r["controlled_from"] or "").split(", ")):
            assert r["country_code"] not in groups[label], r
    ru = next(r for r in _csv(s.site_dir / "data/country-summary.csv") if r["country_code"] == "RU")
    assert int(ru["n_controlled_domestic"]) >= 20
    assert int(ru["n_controlled_high_risk"]) < int(ru["n_controlled_domestic"])
    ru_feature = re.search(r'"c": "(#[0-9a-f]{6})", "cc": "RU"', html)
    assert ru_feature and ru_feature.group(1) == colour(int(ru["n_controlled_high_risk"]))
    section = html[html.index('id="country-RU"'):]
    section = section[:section.index("</section>")]
    assert "Domestic control: assets controlled from a high-risk group Russian Federation belongs to" in section
    assert "controlled from a foreign high-risk country" in html


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
    index = _index(s.site_dir)
    drawn = {meta["id"] for meta in index["layers"]}
    for lid in LAYERS:
        assert (lid in drawn) == (lid not in NONCOMMERCIAL), lid
    assert not any(meta["nc"] for meta in index["layers"])
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert NC_NOTICE not in html and "CC-BY-NC-SA" not in html and "TeleGeography Submarine" not in html, page
    for p in sorted((s.site_dir / "data").rglob("*.js")):
        assert "CC-BY-NC-SA" not in p.read_text(), p
    for name in ("layer-assets.csv", "country-assets.csv", "country-summary.csv", "entity-matches.csv",
                 "infrarisk-map.csv"):
        text = (s.site_dir / "data" / name).read_text()
        assert "CC-BY-NC-SA" not in text and "submarine-cables" not in text, name
    assert not (s.site_dir / "data/infrarisk-map-except-nc.csv").exists()  # nothing to leave out
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


def test_hostile_names_in_layer_cards_are_escaped(hostile_layers_build):
    s, _ = hostile_layers_build
    for page in PAGES:
        html = (s.site_dir / page).read_text()
        assert XSS_ASSET not in html, page
        assert "<script>alert(2)</script>" not in html, page
    files = sorted((s.site_dir / "data").rglob("*.js"))
    for p in files:
        text = p.read_text()
        assert "<" not in text and ">" not in text, p
    # the GEM asset's name in its layer file, the owner in the asset's detail: JSON with < > & escaped
    gas = (s.site_dir / "data/map/gas-power-plants.js").read_text()
    assert r"\u003cimg src=x onerror=alert(1)\u003e" in gas
    feat, d, shard = detail_of(s.site_dir, "gem:gem-eu-gas-99999")
    assert feat["name"] == XSS_ASSET and XSS_ENTITY in {shard["ents"][h[0]][1] for h in d["holders"]}
    details = "".join(p.read_text() for p in files if p.parent.name == "detail")
    assert r"Evil \u003c/script\u003e\u003cscript\u003ealert(2)" in details
    assert r"https://example.org/evil?a=1\u0026b=\u003cb\u003e" in details
    matches = (s.site_dir / "data/entity-matches.csv").read_text()
    assert XSS_ENTITY in matches  # downloads keep the data as it is (CSV is not HTML)


def test_inge2_page_stays_about_port_terminals(real_build):
    s, _ = real_build
    html = (s.site_dir / "inge2.html").read_text()
    assert "Delimara power station" not in html and "Wind Tre" not in html and "SEA-ME-WE" not in html
