"""The loaders' position checks with shapely alone (sources/naturalearth/positions.py, which
infrarisk.geo re-exports) give what the GeoPandas-era check gave (kept as the reference,
positions_before.py: shapes parsed from the WKT each time): the same frames, the same warnings,
on edge cases and the real data, with the loader's shapes or parsed ones."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from infrarisk import geo
from infrarisk.problems import ProblemLog
from infrarisk.sources.naturalearth import polygons, positions
from tests.sources.naturalearth import positions_before as before
from tests.conftest import REPO_DATASETS, run_loaders

EDGE_ROWS = [
    (35.9, 14.5, "MT"), (34.45, 33.0, "CY"), (34.3, 33.0, "CY"), (35.3, 33.3, "CY"),
    (44.616667, 33.533333, "UA"), (None, 14.5, "MT"), (35.9, None, "MT"), (35.9, 14.5, None),
    (35.9, 14.5, ""), (35.9, 14.5, "  "), (16.0, -61.7, "GP"), (48.0, 8.05, "FR"), (27.7, -82.6, "US"),
    (10.0, 10.0, "QQ"), ("x", 10.0, "DE"), (float("nan"), 1.0, "DE"), (89.0, 179.0, "RU"), (44.6, 33.5, "DE"),
]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.index.tolist() == b.index.tolist()
    assert a.columns.tolist() == b.columns.tolist()
    for c in a.columns:
        assert a[c].dtype == b[c].dtype, c
        assert a[c].astype(object).where(a[c].notna(), None).tolist() == \
            b[c].astype(object).where(b[c].notna(), None).tolist(), c


@pytest.mark.parametrize("tolerance", [0.0, 0.1, 3.0, "per row"])
def test_the_same_rows_reasons_distances_and_neighbours_as_before(geo_db, tolerance):
    con, _ = geo_db
    df = pd.DataFrame(EDGE_ROWS, columns=["lat", "lon", "cc"], index=[7, 7, *range(3, 3 + len(EDGE_ROWS) - 2)])
    tol = np.linspace(0, 2, len(df)) if tolerance == "per row" else tolerance
    got = positions.points_outside_country(df, "lat", "lon", "cc", con, tol)
    want = before.points_outside_country(df, "lat", "lon", "cc", con, tol)
    assert set(got["outside_reason"]) == {"outside", "no_position", "no_country", "no_polygon"}
    _same(got, want)
    _same(positions.points_outside_country(df.iloc[:0], "lat", "lon", "cc", con, 0.1),
          before.points_outside_country(df.iloc[:0], "lat", "lon", "cc", con, 0.1))
    assert geo.points_outside_country is positions.points_outside_country and geo.REASONS is positions.REASONS


def test_the_same_warnings_as_before(geo_db):
    con, _ = geo_db
    df = pd.DataFrame(EDGE_ROWS, columns=["latitude", "longitude", "country_code"])
    df["origin_row"] = np.arange(len(df)) * 3 + 2
    df["country_code"] = df["country_code"].where(df["country_code"].notna(), None)
    whats = [f"the thing {i % 3}" for i in range(len(df))]
    tolerance = np.linspace(0, 1, len(df))
    for what, tol in (("the port", 0.1), (whats, tolerance), ("the port", 0.0)):
        got, want = ProblemLog(), ProblemLog()
        n = positions.warn_outside_country(con, got, df, "x/y.csv", what, tol)
        assert n == before.warn_outside_country(con, want, df, "x/y.csv", what, tol) > 0
        assert got.problems == want.problems
    none = df.assign(country_code=None)
    assert positions.warn_outside_country(con, ProblemLog(), none, "x/y.csv", "the port") == 0


def test_real_data_same_as_before_with_the_loaders_shapes_and_from_the_wkt():
    """Real data, every port and random points: the same frame whether the shapes are the
    loader's (looked at, left for geo to take) or parsed from the table's WKT."""
    con, _ = run_loaders(REPO_DATASETS)
    assert polygons._KEPT
    ports = con.execute("SELECT latitude, longitude, country_code FROM core_assets__ports").df()
    rng = np.random.default_rng(3)
    codes = con.execute("SELECT DISTINCT country_code FROM core_geo__countries ORDER BY 1").df()["country_code"]
    extra = pd.DataFrame({"latitude": rng.uniform(-60, 80, 800), "longitude": rng.uniform(-180, 180, 800),
                          "country_code": rng.choice(codes.to_numpy(), 800)})
    df = pd.concat([ports, extra], ignore_index=True)
    positions._CACHE.clear()
    looked = positions.points_outside_country(df, "latitude", "longitude", "country_code", con, 0.1)
    assert polygons._KEPT  # left for infrarisk.geo
    want = before.points_outside_country(df, "latitude", "longitude", "country_code", con, 0.1)
    geo._CACHE.clear()
    geo.countries_gdf(con)
    assert not polygons._KEPT  # geo took them
    positions._CACHE.clear()
    parsed = positions.points_outside_country(df, "latitude", "longitude", "country_code", con, 0.1)
    assert len(want) > 100
    _same(looked, want)
    _same(parsed, want)


def test_look_gives_the_shapes_only_for_the_table_they_were_kept_with():
    con, _ = run_loaders(REPO_DATASETS, names=("unlocode", "naturalearth"))
    fingerprint = con.execute(polygons.FINGERPRINT).fetchall()[0][0]
    assert polygons.look(fingerprint) is polygons.look(fingerprint) is not None
    assert polygons.look(fingerprint + "x") is None
    assert polygons.take(fingerprint) is not None
    assert polygons.look(fingerprint) is None


def test_the_loaders_import_no_geopandas():
    """The build's second load process runs the loaders without importing GeoPandas."""
    code = ("import sys\nfrom infrarisk.settings import Settings\nfrom infrarisk import db\n"
            "from infrarisk.problems import ProblemLog\nfrom importlib import import_module\n"
            f"s = Settings.load(environ={{}}, datasets_dir={str(REPO_DATASETS)!r})\ncon = db.connect(None)\n"
            "for sid in ('unlocode', 'naturalearth', 'gem', 'cables', 'wpi'):\n"
            "    import_module(f'infrarisk.sources.{sid}.load').load(con, s, ProblemLog())\n"
            "assert con.execute('SELECT count(*) FROM raw_wpi__ports').fetchall()[0][0] > 0\n"
            "print(sorted(m for m in ('geopandas', 'pyproj', 'infrarisk.geo') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO_DATASETS.parent / "src"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
