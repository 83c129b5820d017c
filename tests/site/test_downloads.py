"""The map's downloads as files: the fast writers (text columns put together by DuckDB) give the bytes
the plain ones give (pandas' CSV, Python values handed to DuckDB) on awkward text and shapes."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from infrarisk.site import downloads

AWKWARD = ["plain", "comma, inside", 'a "quoted" word', "line\nbreak", "carriage\rreturn", "tab\there",
           "ünïcödé – 中文 🚢", "<b>&amp;</b>", "", " leading and trailing ", "semi;colon", "back\\slash",
           "ctrl\x01char"]
LICENCE = {"id": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/", "attribution": "test"}


def _frame(n_extra_numbers: bool = False, texts: list[str] = AWKWARD) -> gpd.GeoDataFrame:
    n = len(texts) + 3
    text = texts + [None, float("nan"), "last"]
    geoms = [shapely.Point(i * 1.1234567, -i / 3) for i in range(n)]
    geoms[2] = shapely.LineString([(0.1234567, 1), (2, 3.00000049)])
    geoms[5] = shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3.5)]])
    geoms[7] = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 0)])
    cols = {
        "asset_id": [f"id:{i}" for i in range(n)],
        "name": pd.Series(text, dtype=object),
        "layer": pd.Series(["ports"] * n, dtype="str"),
        "note": pd.Series(list(reversed(text)), dtype="str"),
        "nothing": pd.Series([None] * n, dtype=object),
        "empty_float": [float("nan")] * n,
        "licence": ["CC-BY-4.0"] * n,
    }
    if n_extra_numbers:
        cols["count"] = list(range(n))
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:4326")


def _pandas_csv(gdf: gpd.GeoDataFrame) -> bytes:
    """How the CSV was written before the fast path: pandas."""
    plain = pd.DataFrame(gdf.drop(columns="geometry"))
    plain["wkt"] = shapely.to_wkt(gdf.geometry.to_numpy(), rounding_precision=6) if len(gdf) else []
    return plain.to_csv(index=False, lineterminator="\n").encode("utf-8")


@pytest.mark.parametrize("gdf", [_frame(), _frame().iloc[:0], _frame().iloc[[0]], _frame(True)],
                         ids=["awkward", "empty", "one-row", "with-numbers"])
def test_fast_csv_and_geojson_are_the_bytes_of_the_plain_writers(tmp_path, gdf):
    table, text = downloads._text_table(gdf)
    assert (text is None) == ("count" in gdf.columns)  # a column of numbers: the plain writers
    downloads._write_csv(gdf, tmp_path / "fast.csv", text)
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_csv(gdf)
    downloads._write_geojson(gdf, tmp_path / "fast.geojson", LICENCE, text)
    downloads._write_geojson(gdf, tmp_path / "plain.geojson", LICENCE, None)
    assert (tmp_path / "fast.geojson").read_bytes() == (tmp_path / "plain.geojson").read_bytes()


def test_geojson_holds_every_value_and_shape(tmp_path):
    gdf = _frame()
    _, text = downloads._text_table(gdf)
    downloads._write_geojson(gdf, tmp_path / "f.geojson", LICENCE, text)
    raw = (tmp_path / "f.geojson").read_bytes()
    assert raw.endswith(b"]}\n")
    doc = json.loads(raw)
    assert doc["type"] == "FeatureCollection" and doc["licence"] == LICENCE
    assert len(doc["features"]) == len(gdf)
    for feat, (_, row) in zip(doc["features"], gdf.iterrows()):
        props = feat["properties"]
        assert list(props) == [c for c in gdf.columns if c != "geometry"]
        for c in ("name", "note"):
            assert props[c] == (None if row[c] is None or row[c] != row[c] else row[c])
        assert props["nothing"] is None and props["empty_float"] is None
        geom = row["geometry"]
        if geom.geom_type == "Point":
            xy = np.array([geom.x, geom.y]).round(6).tolist()  # numpy rounds (as the map files do)
            assert feat["geometry"] == {"type": "Point", "coordinates": xy}
        else:
            assert shapely.from_geojson(json.dumps(feat["geometry"])).equals(geom)


def test_csv_reads_back_to_the_values(tmp_path):
    gdf = _frame(texts=[t for t in AWKWARD if "\r" not in t])  # a bare CR is not quoted (as pandas writes it)
    _, text = downloads._text_table(gdf)
    downloads._write_csv(gdf, tmp_path / "f.csv", text)
    rows = list(csv.reader(io.StringIO((tmp_path / "f.csv").read_text(encoding="utf-8"), newline="")))
    assert rows[0] == [*[c for c in gdf.columns if c != "geometry"], "wkt"]
    names = [r[1] for r in rows[1:]]
    assert names == [v if isinstance(v, str) else "" for v in gdf["name"]]


def test_set_files_share_one_table_and_the_parquet_keeps_its_types(tmp_path):
    gdf = _frame()
    (tmp_path / "data").mkdir()
    downloads.write_sets([("all", "data/x", gdf, "CC-BY-4.0")], tmp_path)
    assert (tmp_path / "data/x.csv").read_bytes() == _pandas_csv(gdf)
    t = pq.read_table(tmp_path / "data/x.parquet")
    assert t.column_names == [*[c for c in gdf.columns if c != "geometry"], "geometry"]
    assert t.column("name").to_pylist() == [v if isinstance(v, str) else None for v in gdf["name"]]
    assert json.loads(t.schema.metadata[b"licence"])["id"] == "CC-BY-4.0"
    assert np.isclose(json.loads(t.schema.metadata[b"geo"])["columns"]["geometry"]["bbox"][0], 0)


@pytest.mark.parametrize("numbers", [False, True], ids=["text", "with-numbers"])
def test_a_set_of_some_rows_takes_its_lines_from_the_whole_set(tmp_path, numbers):
    """The set without some layers, written with the lines of the set of every row, has the bytes it has
    written on its own (rows in a new order too; a column of numbers: the plain writers)."""
    gdf = _frame(numbers)
    rows = np.array([7, 0, 2, 5, 11])
    part = gdf.iloc[rows].reset_index(drop=True)
    (tmp_path / "a" / "data").mkdir(parents=True)
    (tmp_path / "b" / "data").mkdir(parents=True)
    downloads.write_sets([("all", "data/x", gdf, "CC-BY-4.0", None), ("some", "data/y", part, "ODbL-1.0", rows)],
                         tmp_path / "a")
    downloads.write_sets([("some", "data/y", part, "ODbL-1.0")], tmp_path / "b")
    for ext in ("csv", "geojson", "parquet"):
        assert (tmp_path / "a" / f"data/y.{ext}").read_bytes() == (tmp_path / "b" / f"data/y.{ext}").read_bytes()
    assert (tmp_path / "a/data/y.csv").read_bytes() == _pandas_csv(part)
    assert b'"id:7"' in (tmp_path / "a/data/y.geojson").read_bytes()


@pytest.mark.parametrize("numbers", [False, True], ids=["text", "with-numbers"])
def test_sets_through_a_cursor_of_the_reads_are_the_bytes_of_an_own_database(tmp_path, numbers):
    """:func:`downloads.write_sets` on the sets of :func:`downloads.download_sets` (which carry the connection
    of the site's reads: its queries run on a cursor of it, here of a read-only database file) writes the
    bytes it writes through a database of its own (a plain list of sets)."""
    import duckdb

    gdf = _frame(numbers)
    rows = np.array([7, 0, 2, 5, 11])
    specs = [("all", "data/x", gdf, "CC-BY-4.0", None),
             ("some", "data/y", gdf.iloc[rows].reset_index(drop=True), "ODbL-1.0", rows)]
    duckdb.connect(str(tmp_path / "reads.duckdb")).execute("CREATE TABLE frame AS SELECT 1 AS x").close()
    reads = duckdb.connect(str(tmp_path / "reads.duckdb"), read_only=True)
    sets = downloads._Sets(specs)
    sets.con = reads
    for d in ("own", "cursor"):
        (tmp_path / d / "data").mkdir(parents=True)
    downloads.write_sets(specs, tmp_path / "own")
    downloads.write_sets(sets, tmp_path / "cursor")
    assert reads.execute("SELECT x FROM frame").fetchall() == [(1,)]  # still open, its own table untouched
    reads.close()
    for stem in ("x", "y"):
        for ext in ("csv", "geojson", "parquet"):
            own, cur = (tmp_path / d / f"data/{stem}.{ext}" for d in ("own", "cursor"))
            assert own.read_bytes() == cur.read_bytes()
