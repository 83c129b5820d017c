"""Tests of infrarisk.sources._load: read_rows reads a CSV exactly as csv.DictReader would."""

from __future__ import annotations

import csv

import pytest

from infrarisk.errors import DataError
from infrarisk.sources._load import read_rows


def _dictreader(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [{k: (v if v is not None else "") for k, v in r.items()} for r in csv.DictReader(fh)]


@pytest.mark.parametrize("text", [
    "a,b,c\n1,2,3\n",
    "\ufeffa,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n",          # BOM, CRLF, a blank line
    "a,b,c\n1,2\n,,\n",                               # a short row, an all-empty row
    'a,b,c\n"x\ny",2,3\n4,"5,5",6\n',                  # a quoted line break and comma
    "a,b,c\n",                                        # header only
])
def test_read_rows_reads_as_dictreader(tmp_path, text):
    p = tmp_path / "f.csv"
    p.write_bytes(text.encode("utf-8"))
    assert read_rows(p, ["a", "b", "c"]) == _dictreader(p)


def test_a_row_longer_than_the_header_names_its_row(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text('a,b\n1,2\n"x\ny",2\n1,2,3\n')
    with pytest.raises(DataError, match="row 4 has more fields"):
        read_rows(p, ["a", "b"])
    with open(p, newline="") as fh:  # the row number csv.DictReader gave
        reader = csv.DictReader(fh)
        for r in reader:
            if None in r:
                assert reader.line_num - 1 == 4
