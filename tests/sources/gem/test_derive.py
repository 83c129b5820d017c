"""The GEM importer: owner and parent fields split into one row per entry, shares kept as written."""

from __future__ import annotations

import csv
import json

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.gem import derive as gem
from infrarisk.sources._derive import write_csv
from infrarisk.sources import read_manifest
from tests.conftest import REPO_DATASETS, assert_import_matches_committed


@pytest.mark.parametrize("field, entries", [
    ("Gasunie [60.00%]; Fluxys [20.00%]", [("Gasunie", "60.00%"), ("Fluxys", "20.00%")]),
    ("Aker BP ASA (50%);Equinor Energy AS (30%)", [("Aker BP ASA", "50%"), ("Equinor Energy AS", "30%")]),
    ("Albgaz Sha [unknown %]; unknown [unknown %]", [("Albgaz Sha", "unknown %"), ("unknown", "unknown %")]),
    ("BlueWater Energy (nan%)", [("BlueWater Energy", "nan%")]),
    ("Energie Beheer Nederland (EBN)", [("Energie Beheer Nederland (EBN)", "")]),
    ("Complexul Energetic Oltenia (CE Oltenia) [TO BE DELETED] [60.0%]",
     [("Complexul Energetic Oltenia (CE Oltenia) [TO BE DELETED]", "60.0%")]),
    ("Tirreno Power SpA; Tirreno Power SpA", [("Tirreno Power SpA", ""), ("Tirreno Power SpA", "")]),
    ("", []),
])
def test_split_entries(field, entries):
    assert [(n, s) for _, n, s in gem.split_entries(field)] == entries


def _write_raw(tmp_path, assets, routes):
    src = tmp_path / "shared" / gem.RAW_DIR
    src.mkdir(parents=True)
    write_csv(src / "gem_europe_gas_assets.csv", gem.ASSET_COLUMNS, assets)
    (src / "gem_europe_gas_pipelines.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"asset_id": a}, "geometry": {"type": "MultiLineString",
                                                                        "coordinates": [[[1.0, 2.0], [3.0, 4.0]]]}}
        for a in routes]}))
    out = tmp_path / "out"
    out.mkdir()
    return tmp_path / "shared", out


def _asset(aid, geom="point", parent="", owner=""):
    row = {c: "" for c in gem.ASSET_COLUMNS}
    row.update(asset_id=aid, project=aid, type="gas_pipeline" if geom == "line" else "gas_power_plant", geom=geom,
               parent=parent, owner=owner, status="operating")
    return row


def test_tiny_import(tmp_path):
    shared, out = _write_raw(tmp_path, [_asset("g2", parent="X [10%]; Other [90%]", owner="Y"),
                                        _asset("g1", "line", parent="Gazprom [100%]")], ["g1"])
    m = gem.build(shared, out)
    assert m.licence == "CC-BY-4.0" and not m.is_noncommercial
    assert m.attribution == "Global Energy Monitor, Europe Gas Tracker, May 2024 release."
    with open(out / "stakes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["asset_id"], r["level"], r["entity_name"], r["share_text"]) for r in rows] == [
        ("g1", "parent", "Gazprom", "100%"), ("g2", "owner", "Y", ""), ("g2", "parent", "X", "10%"),
        ("g2", "parent", "Other", "90%")]


def test_line_asset_without_route_stops_the_import(tmp_path):
    shared, out = _write_raw(tmp_path, [_asset("g1", "line")], [])
    with pytest.raises(DataError, match="no route for line asset"):
        gem.build(shared, out)


def test_real_snapshot_reproduces_committed_files(shared_data, tmp_path):
    assert_import_matches_committed(gem, shared_data, tmp_path)


def test_stakes_agree_with_the_snapshots_long_table(shared_data):
    """Our split equals the snapshot's own long table, row for row, except that we also split
    off a '(nan%)' suffix it left in two names."""
    with open(REPO_DATASETS / gem.SOURCE_ID / "stakes.csv", newline="", encoding="utf-8") as fh:
        ours = list(csv.DictReader(fh))
    with open(shared_data / gem.RAW_DIR / "gem_europe_gas_stakes_long.csv", newline="", encoding="utf-8") as fh:
        theirs = list(csv.DictReader(fh))
    assert len(ours) == len(theirs) == 8055
    key = lambda r: (r["asset_id"], r["level"])  # noqa: E731
    assert sorted(map(key, ours)) == sorted(map(key, theirs))
    ours_by = {}
    for r in ours:
        ours_by.setdefault(key(r), []).append(r)
    diffs = []
    for t in theirs:
        o = ours_by[key(t)].pop(0)
        if o["entity_name"] != t["entity"]:
            diffs.append((t["entity"], o["entity_name"], o["share_text"]))
        elif t["share_pct"]:
            assert float(o["share_text"].rstrip("%")) == pytest.approx(float(t["share_pct"])), t
    assert diffs == [("BlueWater Energy (nan%)", "BlueWater Energy", "nan%"), ("Blackstone (nan%)", "Blackstone", "nan%")]


def test_committed_counts():
    m = read_manifest(REPO_DATASETS / gem.SOURCE_ID)
    assert {f.path: f.rows for f in m.files} == {"assets.csv": 3641, "stakes.csv": 8055, "pipelines.geojson": 855}
