"""The vendor dimension in the analysts' API (infrarisk.api.suppliers): exact against the vendor tables."""

from __future__ import annotations

from pathlib import Path

import pytest

import infrarisk
from infrarisk.pipeline import build
from infrarisk.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("suppliers")
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=tmp / "db.duckdb", site_dir=tmp / "site")
    build(s, with_site=False)
    return infrarisk.open_db(s.db_path)


def test_suppliers_are_the_table_and_filter_it(db):
    every = db.suppliers()
    assert len(every) == db.sql("SELECT count(*) AS n FROM out_vendor__supply").n.item()
    de = db.suppliers(country="de", component=["ran", "ran_5g"], high_risk_only=True)
    assert len(de) and set(de.country_code) == {"DE"} and set(de.component) <= {"ran", "ran_5g"}
    assert all(len(v) > 0 for v in de.high_risk_vendor_ids)
    zpmc = db.suppliers(vendor="zpmc")
    assert len(zpmc) and all("zpmc" in v for v in zpmc.vendor_ids)
    attached = db.suppliers(attached_only=True)
    assert attached.asset_id.notna().all() and len(attached) < len(every)
    assert every.source_url.str.startswith(("http://", "https://")).all()


def test_vendor_exposure_is_one_band_per_asset(db):
    v = db.vendor_exposure()
    assert v.crs.to_string() == "EPSG:4326" and v.asset_id.is_unique
    assert set(v.band) <= {"high", "elevated", "low", "unknown", "none"}
    high = db.vendor_exposure(band="high", asset_kind="mobile_network")
    assert len(high) == ((v.band == "high") & (v.asset_kind == "mobile_network")).sum()
    assert all(len(x) > 0 for x in high.high_risk_vendor_ids)
    with pytest.raises(ValueError, match="band must be among"):
        db.vendor_exposure(band="red")


def test_exposure_by_dimension_keeps_the_two_apart(db):
    assert db.exposure_by("vendor", band="high").equals(db.vendor_exposure(band="high"))
    own = db.exposure_by("ownership", group="china", min_share=0.1)
    assert own.equals(db.exposure(group="china", min_share=0.1))
    with pytest.raises(ValueError, match="dimension must be"):
        db.exposure_by("paint")


def test_figures_and_coverage(db):
    f = db.vendor_figures("DE")
    assert set(f.country_code) == {"DE"} and f.published_source_url.notna().all()
    cov = db.vendor_coverage()
    ops = cov[cov.metric_order == 1].iloc[0]
    assert ops.denominator == db.sql("SELECT count(*) AS n FROM core_supply__operators").n.item()
    assert ops.pct >= 90
