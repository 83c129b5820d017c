"""The analysts' API (infrarisk.api): exact against the pipeline's tables, read-only, what-if views in memory."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import warnings
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest

import infrarisk
from infrarisk import api
from infrarisk.errors import ConfigError, DataError
from infrarisk.pipeline import build
from infrarisk.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CTT = "terminal:container-terminal-tollerort-ctt"


@pytest.fixture(scope="module")
def db():
    return infrarisk.build_db(Settings.load(environ={}, datasets_dir=REPO / "datasets"))


@pytest.fixture(scope="module")
def db_file(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("api")
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=tmp / "db.duckdb", site_dir=tmp / "site")
    build(s, with_site=False)
    return s.db_path


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_package_imports_the_api_lazily():
    code = "import sys, infrarisk; print('infrarisk.api' in sys.modules, 'folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert infrarisk.open_db is api.open_db and "open_db" in dir(infrarisk)
    with pytest.raises(AttributeError):
        infrarisk.no_such_name


def test_open_db_is_read_only_and_leaves_the_file_alone(db_file):
    before = _sha(db_file)
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets")
    db = infrarisk.open_db(db_file, settings=s)
    assert db.path == db_file and db.profile.name == "default"
    with pytest.raises(duckdb.Error):
        db.con.execute("DELETE FROM out_exposure__assets")
    alt = db.rescore(infrarisk.Profile.build("cn", [db.profile.group("china")], group_special_regions=False))
    assert len(alt.inge2()) < len(db.inge2())
    db.exposure(group="china")
    db.chain(CTT)
    db.close()
    alt.close()
    assert _sha(db_file) == before


def test_missing_database(tmp_path):
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=tmp_path / "none.duckdb")
    with pytest.raises(DataError, match="infrarisk build"):
        infrarisk.open_db(settings=s, build_if_missing=False)
    with pytest.warns(infrarisk.InMemoryBuildWarning, match="built one in memory"):
        db = infrarisk.open_db(settings=s)
    assert db.path is None and len(db.inge2()) == 21
    assert not (tmp_path / "none.duckdb").exists()


def test_file_and_memory_builds_agree(db, db_file):
    on_disk = infrarisk.open_db(db_file, settings=db.settings)
    cols = ["asset_id", "group_id", "share_min", "share_max", "band"]
    a = on_disk.exposure(group="china")[cols]
    b = db.exposure(group="china")[cols]
    pd.testing.assert_frame_equal(a, b)


def test_assets_geometry(db):
    gdf = db.assets()
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    assert len(gdf) == int(db.sql("SELECT count(*) AS n FROM core_assets__assets")["n"][0])
    kinds = gdf.groupby("asset_class").geometry.apply(lambda s: set(s.dropna().geom_type))
    assert kinds["terminal"] == {"Point"} and kinds["cable"] <= {"LineString", "MultiLineString", "Point"}
    lines = gdf[gdf.asset_type == "gas_pipeline"].geometry.dropna().geom_type
    assert (lines != "Point").mean() > 0.9
    assert set(db.assets("cable", lines=False).geometry.dropna().geom_type) == {"Point"}
    hosted = db.assets(host_country="MT", asset_class="cable")
    assert "Melita 1" in set(hosted.name) and len(hosted) < 20


def test_group_exposure_is_the_score_table(db):
    gdf = db.exposure(group="china", min_share=0.0)
    table = db.sql("SELECT * FROM out_exposure__asset_groups WHERE group_id = 'china' "
                   "AND (share_min > 1e-12 OR is_controlled)")
    assert set(gdf.asset_id) == set(table.asset_id)
    # min_share counts the lower bound; controlled assets stay whatever their share
    ten = db.exposure(group="china", min_share=0.1)
    assert ((ten.share_min >= 0.1 - 1e-12) | ten.is_controlled).all()
    assert (ten[ten.share_min < 0.1].is_controlled).all()
    ctl = db.exposure(group="china", controlled_only=True)
    assert ctl.is_controlled.all() and len(ctl) < len(gdf)
    assert list(gdf.share_min) == sorted(gdf.share_min, reverse=True)


def test_country_exposure_matches_the_resolved_table(db):
    """A single controlling country gives exactly the shares of out_ownership__asset_countries,
    and, like the score stage, calls an asset controlled only when a controller is identified."""
    has_controller = set(db.sql("SELECT asset_id FROM out_ownership__asset_controllers "
                                "WHERE controller_entity_id IS NOT NULL").asset_id)
    for code in ("CN", "AE", "FR"):
        table = db.sql("SELECT * FROM out_ownership__asset_countries WHERE country_code = ?", [code])
        rows = db._country_shares([code])
        merged = table.merge(rows, on="asset_id", suffixes=("", "_api"), how="outer", indicator=True)
        assert (merged["_merge"] == "both").all(), code
        assert (merged.share_min - merged.share_min_api).abs().max() < 1e-12
        assert (merged.share_max - merged.share_max_api).abs().max() < 1e-12
        assert (merged.is_controlled_api == (merged.is_controlled & merged.asset_id.isin(has_controller))).all()
        gdf = db.exposure(country=code.lower())
        want = merged[(merged.share_min > 1e-12) | merged.is_controlled_api]
        assert set(gdf.asset_id) == set(want.asset_id) and "band" not in gdf.columns


def test_exposure_filters(db):
    de = db.exposure(group="china", host_country="DE", asset_class="terminal")
    assert set(de.country_code) == {"DE"} and set(de.asset_class) == {"terminal"}
    gas = db.exposure(group="russia", asset_type=["gas_pipeline"])
    assert set(gas.asset_type) == {"gas_pipeline"} and len(gas) > 5
    with pytest.raises(ValueError, match="fraction"):
        db.exposure(group="china", min_share=10)
    with pytest.raises(ValueError, match="no risk group 'gulf'"):
        db.exposure(group="gulf")
    with pytest.raises(ValueError, match="not both"):
        db.exposure(group="china", country="CN")
    with pytest.raises(ValueError, match="alpha-2"):
        db.exposure(country="China")


def test_as_of_is_the_pipeline_on_that_date(db, tmp_path):
    """exposure(as_of=...) equals a full build with Settings.as_of, row for row."""
    day = "2020-06-30"
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=tmp_path / "then.duckdb",
                      site_dir=tmp_path / "site", as_of=day)
    build(s, with_site=False)
    con = duckdb.connect(str(s.db_path), read_only=True)
    want = con.execute("SELECT asset_id, share_min, share_max, band FROM out_exposure__asset_groups "
                       "WHERE group_id = 'china' AND (share_min > 1e-12 OR is_controlled) ORDER BY asset_id").df()
    ports = con.execute("SELECT port_asset_id FROM out_inge2__ports ORDER BY 1").df()
    con.close()
    got = db.exposure(group="china", as_of=day).sort_values("asset_id")[["asset_id", "share_min", "share_max", "band"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    assert db.at(day) is db.at(day)  # cached
    assert db.at(day).inge2().port_asset_id.sort_values().tolist() == ports.port_asset_id.tolist()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        db.at("June 2020")


def test_rescore_with_the_same_profile_reproduces_the_tables(db):
    same = db.rescore(db.profile)
    for t in ("out_exposure__asset_groups", "out_exposure__assets", "out_inge2__ports", "out_exposure__countries"):
        pd.testing.assert_frame_equal(same.sql(f"SELECT * FROM {t}"), db.sql(f"SELECT * FROM {t}"), obj=t)


def test_rescore_hong_kong_apart(db):
    prof = infrarisk.Profile.build("hk-apart", [db.profile.group("china")], group_special_regions=False)
    alt = db.rescore(prof)
    assert alt.profile is prof and "hk-apart" in repr(alt)
    ports = db.inge2()
    assert len(alt.inge2()) == len(ports) - int(ports.is_via_special_regions_only.sum())
    felix = "terminal:port-of-felixstowe"
    assert db.exposure(group="china").asset_id.eq(felix).any()
    assert not alt.exposure(group="china").asset_id.eq(felix).any()
    with pytest.raises(ConfigError):
        infrarisk.Profile.build("x", [infrarisk.RiskGroup.build("gulf", "Gulf", ["AE"])])


def test_holdings_economic_against_control(db):
    tl = db.holdings("terminal-link-sas").set_index("name")
    le_havre = tl.loc[[n for n in tl.index if n.startswith("Generale de Manutention")][0]]
    assert le_havre.share_min == pytest.approx(0.502) and le_havre.is_in_control_chain
    cmp = db.holdings("china-merchants-port-holdings-company-limited")
    row = cmp[cmp.asset_id == le_havre.asset_id].iloc[0]
    assert row.share_min == pytest.approx(0.49 * 0.502) and not row.is_in_control_chain
    # an ultimate owner's look-through share equals the resolver's out_ownership__asset_owners
    owners = db.sql("SELECT * FROM out_ownership__asset_owners WHERE owner_entity_id = 'li-ka-shing-family'")
    lks = db.holdings("li-ka-shing-family").set_index("asset_id")
    for _, o in owners.iterrows():
        assert lks.loc[o.asset_id, "share_min"] == pytest.approx(o.share_min, abs=1e-12)
    with pytest.raises(KeyError):
        db.holdings("no-such-entity")


def test_chain_and_stakes_carry_sources(db):
    ev = db.chain(CTT)
    assert ev.control.owner_name.tolist() == ["Hamburger Hafen und Logistik AG", "Freie und Hansestadt Hamburg"]
    assert ev.control.attrs["country"] == "DE"
    assert ev.holders.source_url.str.startswith("http").all() and ev.control.source_urls.str.startswith("http").all()
    assert ev.groups.set_index("group_id").loc["china", "band"] == "elevated"
    assert abs(ev.owners.share_min.sum() - 1) < 1e-9 or ev.owners.owner_entity_id.isna().any()
    s = db.stakes(current=False)
    assert not s.is_current.any() and set(s.status) <= {"pending", "awarded", "exited", "historical"}
    assert "undisclosed share" in set(db.stakes().share)
    with pytest.raises(KeyError, match="no asset"):
        db.chain("terminal:nowhere")


def test_explain_words(db):
    text = db.explain(CTT)
    assert "COSCO SHIPPING Ports Limited (CN) holds 24.99% of Container Terminal Tollerort (CTT)" in text
    assert "is controlled by Hamburger Hafen und Logistik AG (majority, 75.01%" in text
    # "risk" only in the profile's title and beside its dated source
    for line in text.splitlines():
        if "risk" in line and not line.startswith("The risk profile lists"):
            assert line.index("risk") > line.index("under the risk profile") - 1
    assert "2023-06-01" in text
    exited = db.explain("terminal:generale-de-manutention-portuaire-terminals-terminal-de-fran")
    assert "DP World Limited (AE) is recorded as having exited" in exited and "holds 0%" not in exited
    port = db.explain(db.inge2().port_asset_id.iloc[0])
    assert "most exposed terminal" in port
    landing = db.sql("SELECT asset_id FROM out_exposure__landings WHERE n_cables_exposed > 0 LIMIT 1").asset_id[0]
    assert "'lands at' relation, not an ownership share" in db.explain(landing)
    with pytest.raises(ValueError):
        db.explain(CTT, group="gulf")


def test_map_embeds_escaped_data(db):
    gdf = db.exposure(group="china")
    evil = gdf.head(2).copy()
    evil.loc[evil.index[0], "name"] = "</script><script>alert(1)</script>"
    html = db.map(evil, tiles=None).get_root().render()
    assert "<script>alert(1)" not in html and "alert(1)" in html
    assert "L.CircleMarker" in html
    lines = db.map(db.exposure(group="russia", asset_type="gas_pipeline")).get_root().render()
    assert '"MultiLineString"' in lines or '"LineString"' in lines
    # any frame with asset ids, and polygons coloured by a column
    assert "Tollerort" in db.map(db.stakes(owner="cosco-shipping-ports-limited")).get_root().render()
    assert "fillColor" in db.map(db.countries(), column="n_controlled_high_risk").get_root().render()
    with pytest.raises(ValueError):
        db.map(pd.DataFrame({"x": [1]}))


def test_find_and_country_tables(db):
    f = db.find("hutchison")
    assert {"entity", "asset"} <= set(f.kind)
    c = db.countries()
    assert c.geometry.notna().all() and (c.n_assets >= c.n_controlled_high_risk).all()
    it = db.country_assets("it")
    assert set(it.country_code) == {"IT"} and "port" not in set(it.asset_class)


def test_readme_three_line_start_runs(db, monkeypatch):
    """The README's analyst start is true to the code."""
    import re

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Analysts: Python API and notebooks.*?```python\n(.*?)```", text, re.S).group(1)
    lines = block.strip().splitlines()
    assert len(lines) == 3 and lines[0] == "import infrarisk"
    monkeypatch.setattr(api, "open_db", lambda *a, **k: db)
    monkeypatch.setattr(infrarisk, "open_db", lambda *a, **k: db, raising=False)
    scope: dict = {}
    exec("\n".join(lines[:-1]), scope)
    m = eval(lines[-1], scope)
    assert type(m).__name__ == "Map"
    for link in re.findall(r"\]\((notebooks/[^)]+)\)", text):
        assert (REPO / link).is_file(), link
