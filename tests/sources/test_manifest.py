"""Tests of infrarisk.sources.manifest: the GeoJSON parse verify hands over to the loader."""

from __future__ import annotations

import json
import os

import pytest

from infrarisk.sources import manifest


def _folder(tmp_path):
    p = tmp_path / "src"
    p.mkdir()
    data = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "a"},
                                                        "geometry": {"type": "Point", "coordinates": [1, 2]}}]}
    (p / "f.geojson").write_text(json.dumps(data))
    m = manifest.Manifest(id="src", title="t", publisher="p", origin_url="u", licence="CC0-1.0", licence_url="https://example.org/l",
                          attribution="a", retrieved="2024-01-01",
                          files=[manifest.describe_file(p, "f.geojson", "test")])
    manifest.write_manifest(p, m)
    return p, data


def test_verify_hands_its_parse_over_once(tmp_path):
    folder, data = _folder(tmp_path)
    manifest._PARSED.clear()  # describe_file above counted without keeping
    manifest.verify(folder)
    first = manifest.read_geojson(folder / "f.geojson")
    assert first == data and not manifest._PARSED  # taken, then forgotten
    again = manifest.read_geojson(folder / "f.geojson")
    assert again == data and again is not first  # read anew


def test_a_changed_file_is_read_again(tmp_path):
    folder, data = _folder(tmp_path)
    manifest.verify(folder)
    path = folder / "f.geojson"
    changed = {**data, "features": []}
    path.write_text(json.dumps(changed))
    os.utime(path, ns=(1, 1))
    assert manifest.read_geojson(path) == changed
    manifest._PARSED.clear()


@pytest.mark.parametrize("text", ["", "a,b", "a,b\n", "a,b\n1,2", "a,b\n1,2\n", "a,b\n\n1,2\n", "\ufeffa,b\n1,2\n",
                                  'a,b\n"x\ny",2\n3,4\n', "a,b\r\n1,2\r\n", 'a,b\n"q",1\n'])
def test_count_rows_counts_csv_records_as_the_csv_reader_does(tmp_path, text):
    """Lines are counted directly when no field can span lines; otherwise the csv reader counts records."""
    import csv

    from infrarisk.sources.manifest import count_rows

    p = tmp_path / "x.csv"
    p.write_bytes(text.encode("utf-8"))
    with open(p, newline="", encoding="utf-8-sig") as fh:
        expected = max(sum(1 for _ in csv.reader(fh)) - 1, 0)
    assert count_rows(p) == expected


def test_a_manifest_read_twice_gives_equal_but_separate_objects_and_an_edit_shows(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n")
    m = manifest.Manifest(id="src", title="t", publisher="p", origin_url="u", licence="CC0-1.0", licence_url="l",
                          attribution="a", retrieved="2026-01-01", depends_on=["q"],
                          files=[manifest.describe_file(folder, "a.csv")])
    manifest.write_manifest(folder, m)
    first, second = manifest.read_manifest(folder), manifest.read_manifest(folder)
    assert first == second and first is not second
    first.depends_on.append("z")
    first.files[0].rows = 7
    assert manifest.read_manifest(folder) == second  # the copy read before is not changed by its reader
    (folder / "a.csv").write_text("x\n2\n")  # same size: the manifest's new text has the same length
    manifest.rehash(folder)
    assert manifest.read_manifest(folder).files[0].sha256 != second.files[0].sha256
    manifest.verify(folder)


def _folder_with(tmp_path, files: dict[str, str]):
    folder = tmp_path / "src"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    m = manifest.Manifest(id="src", title="t", publisher="p", origin_url="u", licence="CC0-1.0", licence_url="l",
                          attribution="a", retrieved="2026-01-01",
                          files=[manifest.describe_file(folder, n) for n in sorted(files)])
    manifest.write_manifest(folder, m)
    return folder, m


def test_verify_names_a_changed_byte_a_wrong_count_a_missing_and_an_unlisted_file(tmp_path):
    import re

    from infrarisk.errors import ManifestError

    geo = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}] * 3})
    folder, m = _folder_with(tmp_path, {"a.csv": 'x,y\n1,"q\n"\n2,3\n', "b.geojson": geo, "c.csv": "x\n1\n"})
    manifest.verify(folder)
    (folder / "a.csv").write_bytes(b'x,y\n1,"q\n"\n2,4\n')  # one byte changed, same size
    with pytest.raises(ManifestError, match=r"^datasets/src: a\.csv: sha256 [0-9a-f]{12}…, manifest says "
                       + re.escape(m.files[0].sha256[:12]) + "…$"):
        manifest.verify(folder)
    (folder / "a.csv").write_bytes(b'x,y\n1,"q\n"\n2,3\n')
    m.files[0].rows, m.files[1].rows = 3, 2  # counts the hashes do not pin: the manifest edited by hand
    manifest.write_manifest(folder, m)
    with pytest.raises(ManifestError, match=r"^datasets/src: a\.csv: 2 rows, manifest says 3; "
                       r"b\.geojson: 3 rows, manifest says 2$"):
        manifest.verify(folder)
    manifest.rehash(folder)
    (folder / "c.csv").unlink()
    (folder / "d.csv").write_text("x\n")
    (folder / "b.geojson").write_text(geo + " ")
    with pytest.raises(ManifestError, match=r"b\.geojson: \d+ bytes, manifest says \d+; b\.geojson: sha256 .*; "
                       r"c\.csv: listed in the manifest but missing; d\.csv: present but not listed in the manifest$"):
        manifest.verify(folder)
