"""Tests of infrarisk.sources.wpi.derive: raw NGA UpdatedPub150.csv -> datasets/wpi."""

from __future__ import annotations

import csv
import json

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.wpi import derive as wpi
from infrarisk.sources._derive import write_csv
from tests.conftest import REPO_DATASETS, assert_import_matches_committed

RAW_HEADER = wpi.COLUMNS + wpi.IGNORED


def _raw(oid, number, name, country, locode=" ", lat="0.0", lon="0.0", **kw):
    row = {c: " " for c in RAW_HEADER}
    row.update({c: "0.0" for c in wpi.METRE_COLUMNS})
    row.update({"OID_": oid, "World Port Index Number": number, "Main Port Name": name, "Country Code": country,
                "UN/LOCODE": locode, "Latitude": lat, "Longitude": lon})
    row.update(kw)
    return row


RAW_PORTS = [
    _raw("2.0", "400.0", "Seydisfjordur", "Iceland", "ISSEY", "65.266666999999998", "-14.000000000000000"),
    _raw("1.0", "400.0", "Seydhisfjordhur", "Iceland", "IS SEY", "65.266667", "-14.0"),
    _raw("3.0", "49454.5", "Kattupalli Port", "Cote D'Ivoire", "in kri", "13.3", "80.35",
         **{"Channel Depth (m)": "14.5", "Maximum Vessel Length (m)": "0.0", "Harbor Size": "Large"}),
    _raw("4.0", "35600.0", "Portsmouth Harbour", "United Kingdom", 'GB ME""', "50.8", "-1.1"),
    _raw("5.0", "9.0", "Yangon", "Burma", "MMRGN", "16.766667", "96.166667"),
]


def _write_shared(tmp_path, rows=RAW_PORTS, corrections=(("Burma", "MM", "Natural Earth: Myanmar"),)):
    shared = tmp_path / "shared"
    raw = shared / wpi.RAW_FILE
    raw.parent.mkdir(parents=True)
    with open(raw, "w", newline="", encoding="utf-8-sig") as fh:  # NGA writes a BOM
        w = csv.DictWriter(fh, fieldnames=RAW_HEADER)
        w.writeheader()
        w.writerows(rows)
    ne = shared / wpi.NE_FILE
    ne.parent.mkdir(parents=True)
    names = [("IS", "Iceland", "Iceland", "Iceland"), ("CI", "Côte d'Ivoire", "Côte d'Ivoire", "Ivory Coast"),
             ("GB", "United Kingdom", "United Kingdom", "United Kingdom"), ("MM", "Myanmar", "Myanmar", "Myanmar"),
             ("-99", "Somaliland", "Somaliland", "Somaliland")]
    ne.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ISO_A2_EH": c, "NAME": n, "NAME_LONG": nl, "ADMIN": a}, "geometry": None}
        for c, n, nl, a in names]}), encoding="utf-8")
    out = tmp_path / "out" / "wpi"
    write_csv(out / "corrections" / "country_names.csv", wpi.CORRECTION_COLUMNS,
              [dict(zip(wpi.CORRECTION_COLUMNS, c)) for c in corrections])
    return shared, out


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_ports_are_normalised_and_sorted(tmp_path):
    shared, out = _write_shared(tmp_path)
    m = wpi.build(shared, out)
    rows = _rows(out / "wpi_ports.csv")
    # numeric WPI order, then NGA object id (so the first of a repeated number is stable)
    assert [(r["wpi_number"], r["port_name"]) for r in rows] == [
        ("9", "Yangon"), ("400", "Seydhisfjordhur"), ("400", "Seydisfjordur"),
        ("35600", "Portsmouth Harbour"), ("49454.5", "Kattupalli Port")]
    by_name = {r["port_name"]: r for r in rows}
    assert by_name["Seydhisfjordhur"]["unlocode"] == "ISSEY"            # space removed
    assert by_name["Seydhisfjordhur"]["unlocode_as_published"] == "IS SEY"
    assert by_name["Kattupalli Port"]["unlocode"] == "INKRI"            # upper-cased
    assert by_name["Portsmouth Harbour"]["unlocode"] == ""              # not a code
    assert by_name["Portsmouth Harbour"]["has_invalid_unlocode"] == "true"
    assert by_name["Seydisfjordur"]["latitude"] == "65.266667"          # rounded to 6 decimals
    assert by_name["Seydisfjordur"]["longitude"] == "-14"
    assert by_name["Kattupalli Port"]["channel_depth_m"] == "14.5"
    assert by_name["Kattupalli Port"]["max_vessel_length_m"] == ""      # WPI's 0 = not reported
    assert by_name["Kattupalli Port"]["harbor_size"] == "Large"
    assert by_name["Seydisfjordur"]["harbor_size"] == ""                # ' ' = not given
    assert m.file("wpi_ports.csv").rows == 5
    assert m.licence == "LicenseRef-US-Government-Public-Domain"


def test_country_codes_come_from_natural_earth_names_and_corrections(tmp_path):
    shared, out = _write_shared(tmp_path)
    wpi.build(shared, out)
    codes = {r["country_name"]: r["country_code"] for r in _rows(out / "wpi_ports.csv")}
    # accents and case folded ("Cote D'Ivoire" = "Côte d'Ivoire"); Burma by correction
    assert codes == {"Iceland": "IS", "Cote D'Ivoire": "CI", "United Kingdom": "GB", "Burma": "MM"}


def test_unmapped_country_name_stops_the_import(tmp_path):
    shared, out = _write_shared(tmp_path, corrections=())
    with pytest.raises(DataError, match="'Burma': Natural Earth gives no code; add a correction"):
        wpi.build(shared, out)


@pytest.mark.parametrize("corrections, message", [
    ((("Burma", "MM", "x"), ("Atlantis", "AT", "x")), "'Atlantis': correction for a name WPI does not use"),
    ((("Burma", "MM", "x"), ("Iceland", "IS", "x")), "'Iceland': correction is redundant"),
])
def test_stale_or_redundant_correction_stops_the_import(tmp_path, corrections, message):
    shared, out = _write_shared(tmp_path, corrections=corrections)
    with pytest.raises(DataError, match=message):
        wpi.build(shared, out)


def test_correction_without_reason_stops_the_import(tmp_path):
    shared, out = _write_shared(tmp_path, corrections=(("Burma", "MM", " "),))
    with pytest.raises(DataError, match="row 1 needs a two-letter country_code and a reason"):
        wpi.build(shared, out)


def test_ambiguous_natural_earth_name_needs_a_correction():
    with pytest.raises(DataError, match="'Congo': Natural Earth gives \\['CD', 'CG'\\]"):
        wpi.country_codes_by_name({"Congo"}, {"congo": {"CG", "CD"}}, {})
    assert wpi.country_codes_by_name({"Congo"}, {"congo": {"CG", "CD"}}, {"Congo": "CG"}) == {"Congo": "CG"}


def test_raw_header_is_strict(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "Railway"} for r in RAW_PORTS]
    shared, out = _write_shared(tmp_path)
    with open(shared / wpi.RAW_FILE, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.DictWriter(fh, fieldnames=[c for c in RAW_HEADER if c != "Railway"])
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DataError, match="missing: Railway"):
        wpi.build(shared, out)


def test_real_snapshot_reproduces_committed_files(shared_data, tmp_path):
    assert_import_matches_committed(wpi, shared_data, tmp_path)


def test_country_codes_agree_with_the_slim_cross_check(shared_data):
    """Every port's country_code equals iso_a2 of the independently derived slim file."""
    ours = _rows(REPO_DATASETS / "wpi" / "wpi_ports.csv")
    slim = _rows(shared_data / "wpi" / "wpi_ports_slim.csv")
    assert len(ours) == len(slim) == 3805
    assert [(r["wpi_number"], r["port_name"]) for r in ours] == [(r["wpi_number"], r["port_name"]) for r in slim]
    mismatches = [(a["port_name"], a["country_code"], b["iso_a2"]) for a, b in zip(ours, slim)
                  if a["country_code"] != b["iso_a2"]]
    assert mismatches == []
    # and the normalised LOCODEs agree with the slim file's valid ones
    assert [a["unlocode"] for a in ours] == [b["unlocode"] if b["unlocode_valid"] == "True" else "" for b in slim]
