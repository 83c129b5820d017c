"""The map's data files, details and downloads, asserted as data (no browser)."""

from __future__ import annotations

import json

import duckdb
import geopandas as gpd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from infrarisk.cli import main
from infrarisk.site import SiteBuilder, layers, mapdata
from infrarisk.site.mapdata import SHARD_SIZE
from tests.site.conftest import MAPPED_SQL
from tests.site.conftest import payload as _payload


def test_every_mapped_asset_is_in_exactly_one_layer_file(real_build):
    s, _ = real_build
    kind, index = _payload(s.site_dir / "data/map/index.js")
    assert kind == "index"
    ids, offset = [], 0
    for meta in index["layers"]:
        kind, layer = _payload(s.site_dir / f"data/map/{meta['id']}.js")
        assert kind == "layer" and layer["id"] == meta["id"] and layer["offset"] == offset
        shapes = len(layer["xy"]) // 2 if meta["geometry"] == "point" else len(layer["parts"])
        assert layer["n"] == meta["n"] == len(layer["ids"]) == len(layer["names"]) == shapes
        ids += layer["ids"]
        offset += layer["n"]
    con = duckdb.connect(str(s.db_path), read_only=True)
    mapped = {r[0] for r in con.execute(MAPPED_SQL).fetchall()}
    assert len(ids) == len(set(ids)) == index["n"] and set(ids) == mapped
    # details: one record per asset, in the same order, 200 to a file
    shards = sorted((s.site_dir / "data/detail").glob("*.js"))
    assert len(shards) == -(-len(ids) // SHARD_SIZE)
    total = 0
    for k, p in enumerate(shards):
        kind, d = _payload(p)
        assert kind == "detail" and d["shard"] == k and d["first"] == k * SHARD_SIZE
        total += len(d["assets"])
    assert total == len(ids)


def test_data_files_are_inert_json(hostile_build):
    s, _ = hostile_build
    files = sorted((s.site_dir / "data").rglob("*.js"))
    assert files
    for p in files:
        text = p.read_text()
        assert "<" not in text and ">" not in text and "&" not in text.replace("\\u0026", ""), p
        _payload(p)  # a single call with one JSON argument, nothing else


def test_page_scripts_never_parse_html():
    from infrarisk.site import STATIC
    for p in sorted((STATIC / "infrarisk").glob("*.js")):
        code = p.read_text()
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                    "setContent(\""):
            assert bad not in code, (p.name, bad)


def test_full_downloads_carry_the_licence(real_build):
    s, _ = real_build
    index = _payload(s.site_dir / "data/map/index.js")[1]
    n = index["n"]
    # everything: the TeleGeography layers make the files non-commercial, and every row carries its own licence
    doc = json.loads((s.site_dir / "data/infrarisk-map.geojson").read_text())
    assert doc["licence"]["id"] == "CC-BY-NC-SA-3.0" and len(doc["features"]) == n
    zee = next(f for f in doc["features"] if f["properties"]["asset_id"] == "terminal:csp-zeebrugge-terminal")
    assert zee["properties"]["band"] == "high" and zee["properties"]["foreign_shares"].startswith("CN 85.45%")
    row_lic = {f["properties"]["layer"]: f["properties"]["licence"] for f in doc["features"]}
    assert row_lic["cables"] == row_lic["landing-stations"] == "CC-BY-NC-SA-3.0"
    assert row_lic["gas-power-plants"] == "CC-BY-4.0" and row_lic["container-terminals"] == "CC-BY-SA-4.0"
    meta = pq.read_schema(s.site_dir / "data/infrarisk-map.parquet").metadata
    assert json.loads(meta[b"licence"])["id"] == "CC-BY-NC-SA-3.0" and json.loads(meta[b"geo"])["version"] == "1.0.0"
    gdf = gpd.read_parquet(s.site_dir / "data/infrarisk-map.parquet")
    assert len(gdf) == n and gdf.crs.to_string() == "OGC:CRS84"
    for layer in ("cables", "gas-pipelines"):  # lines stay lines in the downloads
        assert set(gdf.loc[gdf["layer"] == layer].geometry.geom_type) <= {"LineString", "MultiLineString"}, layer
    csv_rows = (s.site_dir / "data/infrarisk-map.csv").read_text().strip().split("\n")
    assert csv_rows[0].startswith("asset_id,name,layer,") and csv_rows[0].endswith(",licence,wkt") and len(csv_rows) == n + 1
    # everything but the non-commercial layers, under the licence of the rest
    nc = sum(meta["n"] for meta in index["layers"] if meta["nc"])
    assert {meta["id"] for meta in index["layers"] if meta["nc"]} == {"cables", "landing-stations"}
    rest = json.loads((s.site_dir / "data/infrarisk-map-except-nc.geojson").read_text())
    assert rest["licence"]["id"] == "CC-BY-SA-4.0" and len(rest["features"]) == n - nc
    assert not {f["properties"]["layer"] for f in rest["features"]} & {"cables", "landing-stations"}
    meta = pq.read_schema(s.site_dir / "data/infrarisk-map-except-nc.parquet").metadata
    assert json.loads(meta[b"licence"])["id"] == "CC-BY-SA-4.0"
    page = (s.site_dir / "index.html").read_text()
    assert 'href="data/infrarisk-map.parquet" download' in page and "CC-BY-NC-SA-3.0</a>: <strong>non-commercial</strong>" in page
    assert 'href="data/infrarisk-map-except-nc.parquet" download' in page and "CC-BY-SA-4.0" in page


def test_the_registry_checks_its_layers(real_build):
    with pytest.raises(ValueError, match="geometry"):
        layers.Layer("x", "X", "circle", layers.european_ports, ("wpi",))
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    from infrarisk.profiles import load_profile
    sb = SiteBuilder(con, s, load_profile(s.profile))  # tables only: no ownership graph
    ports = next(layer for layer in layers.LAYERS if layer.id == "ports")
    twice = [ports, layers.Layer("again", "Again", "point", layers.european_ports, ("wpi",))]
    with pytest.raises(ValueError, match="already drawn"):
        mapdata.collect(sb, twice)
    md = mapdata.collect(sb, [ports])
    assert md.n == len(md.layers[0][1]) and md.order[0] == md.layers[0][1]["asset_id"].iloc[0]
    # ports roll up their terminals: Zeebrugge shows the largest share held from China in any terminal
    md = mapdata.collect(sb)
    zeebrugge = sb.assets.loc[sb.assets["name"] == "Zeebrugge", "asset_id"].iloc[0]
    cn = [x for x in md.facts.shares[zeebrugge] if x[0] == "CN"][0]
    assert cn[1] == pytest.approx(0.8545) and cn[3]
    assert "cosco-shipping-ports-limited" in md.facts.related[zeebrugge]


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    res = CliRunner().invoke(main, ["serve", "--dir", str(tmp_path / "nothing"), "--port", "0"])
    assert res.exit_code == 2 and "build the site first" in res.output


def test_rounded_pairs_match_element_wise_rounding():
    """The x, y fast path of _rounded gives what rounding each number on its own gives."""
    from infrarisk.site.outlines import _rounded

    ring = [[1.00049, -2.0005], [3, 4.44449], [1.5, None], [1.0, 2.0, 3.0], [0.1234, 5.6789]]
    assert _rounded({"type": "Polygon", "coordinates": [ring]}, 3) == {"type": "Polygon", "coordinates": [[
        [1.0, round(-2.0005, 3)], [3, 4.444], [1.5, None], [1.0, 2.0, 3.0], [0.123, 5.679]]]}
    assert [type(v) for v in _rounded(ring, 3)[1]] == [int, float]


def test_download_descriptions_count_the_rows_of_their_sets(real_build):
    """The map lists the downloads before their rows are assembled: each description's count and licence
    must be those of the set written."""
    from infrarisk.profiles import load_profile
    from infrarisk.site import downloads

    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    sb = SiteBuilder(con, s, load_profile(s.profile))
    md = mapdata.collect(sb)
    described = downloads.describe_downloads(sb, md)
    sets = downloads.download_sets(sb, md)
    assert [x["set"] for x in described] == [name for name, *_ in sets for _ in downloads.FORMATS]
    for name, stem, frame, lic, _ in sets:
        for d in (x for x in described if x["set"] == name):
            assert d["n"] == len(frame) and d["licence"] == lic and d["href"].startswith(stem)
    assert len(sets) == 2 and len(sets[1][2]) < len(sets[0][2])  # the shipped data has non-commercial layers


def test_features_are_sorted_as_the_frame_sort_did():
    """Least severe band first, then by id; the rows whole (index reset), as pandas' stable sort had them."""
    import random

    import pandas as pd

    from infrarisk.score import BANDS, SEVERITY
    rng = random.Random(3)
    ids = [f"a:{rng.randrange(50):02d}" for _ in range(200)]  # repeated ids: a stable sort keeps their order
    frame = pd.DataFrame({"asset_id": pd.Series(ids, dtype="str"), "band": [rng.choice(BANDS) for _ in ids],
                          "n": range(len(ids)), "x": [rng.random() for _ in ids]})
    want = frame.assign(_k=frame["band"].map(SEVERITY)).sort_values(["_k", "asset_id"], kind="mergesort") \
        .drop(columns="_k").reset_index(drop=True)
    got = mapdata._sorted_features(frame)
    pd.testing.assert_frame_equal(got, want)
    assert mapdata._sorted_features(frame.iloc[:0]).empty


def test_related_entities_are_everything_upstream_loops_shared_owners_and_roll_ups_included():
    """The facts' related entities of each asset are the entities it is reached from in the ownership graph
    (found anew by a walk from each asset here), with holders of stakes that are not current, and a port
    has its terminals': an ownership loop, owners shared by several assets (whose upstream is worked out
    once), an owner upstream of another owner of the same asset, an asset without ownership data."""
    from types import SimpleNamespace

    import pandas as pd

    from infrarisk.site.layers import Layer

    edges = [("o1", "t1"), ("o2", "t1"), ("p1", "o1"), ("p2", "p1"), ("p1", "p2"),  # a loop above o1
             ("o1", "t2"), ("p1", "t2"),  # o1 shared; p1 also upstream of o1
             ("o3", "t3"), ("q", "o3"), ("o2", "o3"), ("z", "t4")]
    in_edges: dict = {}
    for owner, subject in edges:
        in_edges.setdefault(subject, []).append({"owner_entity_id": owner, "subject_id": subject})
    con = duckdb.connect()
    con.execute("CREATE TABLE out_ownership__asset_countries (asset_id VARCHAR, country_code VARCHAR, "
                "share_min DOUBLE, share_max DOUBLE, is_controlled BOOLEAN)")
    con.execute("CREATE TABLE out_ownership__asset_controllers (asset_id VARCHAR, ultimate_controller_entity_id "
                "VARCHAR, controlling_country_code VARCHAR, controller_entity_id VARCHAR)")
    con.execute("CREATE TABLE core_ownership__links (subject_kind VARCHAR, subject_id VARCHAR, owner_entity_id VARCHAR)")
    con.execute("INSERT INTO core_ownership__links VALUES ('asset', 't1', 'old1'), ('asset', 't3', 'o3'), "
                "('asset', 'elsewhere', 'x'), ('entity', 'o1', 'y')")
    assets = pd.DataFrame({"asset_id": ["port", "t1", "t2", "t3", "t4"], "country_code": ["DE"] * 5})
    sb = SimpleNamespace(con=con, assets=assets,
                         explainer=SimpleNamespace(in_edges=in_edges, has=lambda a: a in {"t1", "t2", "t3"}))
    frame = pd.DataFrame({"asset_id": ["port", "t1", "t2", "t3", "t4"],
                          "parent_asset_id": [None, "port", "port", None, None]})
    f = mapdata.facts(sb, [(Layer.__new__(Layer), frame)])

    def walk(v):
        seen, todo = set(), [v]
        while todo:
            for e in in_edges.get(todo.pop(), []):
                if e["owner_entity_id"] not in seen:
                    seen.add(e["owner_entity_id"])
                    todo.append(e["owner_entity_id"])
        return seen

    want = {a: walk(a) for a in ("t1", "t2", "t3")}
    want["t1"] |= {"old1"}
    want["port"] = want["t1"] | want["t2"]
    assert f.related == {a: sorted(s) for a, s in want.items()}
    assert f.related["t1"] == ["o1", "o2", "old1", "p1", "p2"] and "t4" not in f.related
