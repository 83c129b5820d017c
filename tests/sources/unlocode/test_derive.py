"""Tests of infrarisk.sources.unlocode.derive: raw UN/LOCODE snapshot -> datasets/unlocode."""

from __future__ import annotations

import csv
import shutil

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.unlocode import derive as unlocode
from infrarisk.sources._derive import write_csv
from infrarisk.sources import verify
from tests.conftest import REPO_DATASETS, assert_import_matches_committed

RAW_COLUMNS = list(unlocode.LOCATION_COLUMNS)


def _raw(code, name, ascii_name=None, lat="", lon="", geocoded="False", **kw):
    row = {c: "False" for c in RAW_COLUMNS if c.startswith(("is_", "coords_", "row_", "name_has"))}
    row.update(unlocode=code, country=code[:2], location=code[2:], name=name,
               name_wo_diacritics=ascii_name or name, subdivision="", status="RL", function="1-------",
               iata="", latitude=lat, longitude=lon, is_port="True", coords_geocoded_by_geoapify=geocoded)
    row.update(kw)
    return row


@pytest.fixture
def raw_shared(tmp_path):
    """A tiny raw snapshot folder and an output folder holding the correction file."""
    shared = tmp_path / "shared"
    raw = shared / "unlocode"
    write_csv(raw / "unlocode_ports_multimodal.csv", RAW_COLUMNS, [
        _raw("ALDRZ", "Durr\ufffds", "Durres", "41.316667", "19.45", name_has_replacement_char="True"),
        _raw("AEAJM", "Ajman", lat="25.393656", lon="55.445143", geocoded="True"),
        _raw("AEABU", "Abu al Bukhoosh", lat="25.483333", lon="53.133333"),
        _raw("BSASD", "Andros Town, Andros Island", status="", row_repaired="True"),
    ])
    write_csv(raw / "country-codes.csv", ["CountryCode", "CountryName"],
              [{"CountryCode": "AE", "CountryName": "United Arab Emirates (the)"}])
    write_csv(raw / "status-indicators.csv", ["STStatus", "STDescription"],
              [{"STStatus": "RL", "STDescription": "Recognised location"}])
    write_csv(raw / "function-classifiers.csv", ["FunctionCode", "FunctionDescription"],
              [{"FunctionCode": "1", "FunctionDescription": "Maritime transport"}])
    out = tmp_path / "out" / "unlocode"
    shutil.copytree(REPO_DATASETS / "unlocode" / "corrections", out / "corrections")
    return shared, out


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_geocoded_coordinates_are_removed_and_flagged(raw_shared):
    shared, out = raw_shared
    unlocode.build(shared, out)
    rows = {r["unlocode"]: r for r in _rows(out / "locations.csv")}
    assert (rows["AEAJM"]["latitude"], rows["AEAJM"]["longitude"]) == ("", "")
    assert rows["AEAJM"]["has_geocoded_coords_removed"] == "true"
    # UNECE's own coordinates stay, exactly as written
    assert (rows["AEABU"]["latitude"], rows["AEABU"]["longitude"]) == ("25.483333", "53.133333")
    assert rows["AEABU"]["has_geocoded_coords_removed"] == "false"


def test_name_with_replacement_character_falls_back_to_ascii(raw_shared):
    shared, out = raw_shared
    unlocode.build(shared, out)
    rows = {r["unlocode"]: r for r in _rows(out / "locations.csv")}
    assert rows["ALDRZ"]["name"] == "Durres"
    assert rows["ALDRZ"]["is_name_from_ascii"] == "true"
    assert rows["AEABU"]["is_name_from_ascii"] == "false"
    assert rows["BSASD"]["is_row_repaired"] == "true"
    assert all("\ufffd" not in r["name"] for r in rows.values())


def test_manifest_lists_every_file_with_licence(raw_shared):
    shared, out = raw_shared
    m = unlocode.build(shared, out)
    assert m.licence == "ODC-PDDL-1.0"
    assert m.attribution == "UN/LOCODE, United Nations Economic Commission for Europe (UNECE)"
    assert [f.path for f in m.files] == [
        "corrections/country_codes.csv", "country_codes.csv", "function_classifiers.csv",
        "locations.csv", "status_indicators.csv",
    ]
    assert m.file("locations.csv").rows == 4
    assert m.file("locations.csv").derived_from[0]["path"] == "unlocode/unlocode_ports_multimodal.csv"
    verify(out)  # the folder is consistent with what was just written


def test_build_is_byte_deterministic(raw_shared):
    shared, out = raw_shared
    unlocode.build(shared, out)
    first = {p.name: p.read_bytes() for p in out.glob("*.*")}
    unlocode.build(shared, out)
    assert {p.name: p.read_bytes() for p in out.glob("*.*")} == first


def test_unexpected_raw_column_is_an_error(raw_shared):
    shared, out = raw_shared
    path = shared / "unlocode" / "country-codes.csv"
    path.write_text("CountryCode,CountryName,Extra\nAE,UAE,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown: Extra"):
        unlocode.build(shared, out)


def test_flag_that_is_not_true_or_false_is_an_error(raw_shared):
    shared, out = raw_shared
    write_csv(shared / "unlocode" / "unlocode_ports_multimodal.csv", RAW_COLUMNS,
              [_raw("AEABU", "Abu al Bukhoosh", is_port="yes")])
    with pytest.raises(DataError, match="row 1: is_port is 'yes'"):
        unlocode.build(shared, out)


def test_stray_or_missing_correction_file_is_an_error(raw_shared):
    shared, out = raw_shared
    (out / "corrections" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match="unexpected correction file"):
        unlocode.build(shared, out)
    shutil.rmtree(out / "corrections")
    with pytest.raises(DataError, match="missing: corrections/country_codes.csv"):
        unlocode.build(shared, out)


def test_real_snapshot_reproduces_committed_files(shared_data, tmp_path):
    assert_import_matches_committed(unlocode, shared_data, tmp_path)


def test_committed_locations_carry_no_geocoded_coordinates(shared_data):
    with open(shared_data / "unlocode" / "unlocode_ports_multimodal.csv", newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    rows = _rows(REPO_DATASETS / "unlocode" / "locations.csv")
    assert len(rows) == len(raw) == 30645
    assert [r["unlocode"] for r in rows] == [r["unlocode"] for r in raw]
    geocoded = [out for out, r in zip(rows, raw) if r["coords_geocoded_by_geoapify"] == "True"]
    assert len(geocoded) == 5809
    assert all(r["latitude"] == r["longitude"] == "" and r["has_geocoded_coords_removed"] == "true" for r in geocoded)
    assert sum(r["has_geocoded_coords_removed"] == "true" for r in rows) == 5809
