"""Raw views over verbatim copies kept beside the registry database."""

import zipfile

import duckdb
import pytest

from infrarisk.errors import DataError
from infrarisk.sources.registry.raw_files import keep_raw, numbered_table


def test_the_raw_view_numbers_the_rows_of_each_kept_copy(tmp_path):
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    a = tmp_path / "a.csv"
    a.write_text('LEI,Name\nX1,"Alpha, Inc."\nX2,Beta\n')
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("inner/b.csv", "LEI,Name\nX3,Gamma\n")
    assert keep_raw(con, "raw_t__records", [a, z]) == ["LEI", "Name"]
    assert con.execute("SELECT origin_file, origin_row, LEI, Name FROM raw_t__records ORDER BY ALL").fetchall() == [
        ("a.csv", 1, "X1", "Alpha, Inc."), ("a.csv", 2, "X2", "Beta"), ("b.zip", 1, "X3", "Gamma")]
    kept = sorted(p.name for p in (tmp_path / "registry.files" / "raw_t__records").iterdir())
    assert kept == ["01-a.csv", "02-b.csv"]
    # a re-ingest replaces the copies and the view; the source file may go away afterwards
    c = tmp_path / "c.csv"
    c.write_text("LEI,Name\nX9,Omega\n")
    keep_raw(con, "raw_t__records", [c])
    c.unlink()
    assert con.execute("SELECT LEI FROM raw_t__records").fetchall() == [("X9",)]
    assert [p.name for p in (tmp_path / "registry.files" / "raw_t__records").iterdir()] == ["01-c.csv"]


def test_files_of_one_ingest_must_share_a_header(tmp_path):
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    (tmp_path / "a.csv").write_text("LEI,Name\nX1,A\n")
    (tmp_path / "b.csv").write_text("LEI,Other\nX2,B\n")
    with pytest.raises(DataError, match="share one header"):
        keep_raw(con, "raw_t__records", [tmp_path / "a.csv", tmp_path / "b.csv"])
    assert not (tmp_path / "registry.files" / "raw_t__records").exists()


def test_numbered_table_numbers_rows_as_the_view_does(tmp_path):
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("LEI,Name\n" + "".join(f"A{i},n{i}\n" for i in range(5000)))
    b.write_text("LEI,Name\n" + "".join(f"B{i},m{i}\n" for i in range(3)))
    keep_raw(con, "raw_t__records", [a, b])
    n = numbered_table(con, "t", "lower(LEI) AS code, origin_file, origin_row", "raw_t__records", ["a.csv", "b.csv"])
    assert n == 5003
    assert con.execute("SELECT code, origin_file, origin_row FROM t ORDER BY ALL").fetchall() == con.execute(
        "SELECT lower(LEI), origin_file, origin_row FROM raw_t__records ORDER BY ALL").fetchall()
    assert con.execute("SELECT origin_file, origin_row FROM t WHERE code = 'b0'").fetchall() == [("b.csv", 1)]
