"""The resolved tables written as files (:func:`infrarisk.export.write_tables`)."""

from __future__ import annotations

import csv

import pytest

from infrarisk import db, export


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_are_written_into_any_folder_name(tmp_path, fmt):
    out = tmp_path / "o'neil's export"  # a quote in the path: the file name goes into COPY as a quoted literal
    out.mkdir()
    con = db.connect(None)
    con.execute("CREATE TABLE out_inge2__ports AS SELECT * FROM (VALUES ('NL', 'Rotterdam', 'p:2'), "
                "('BE', 'Zeebrugge', 'p:1')) t(country_code, port_name, port_asset_id)")
    files = export.write_tables(con, out, fmt)
    assert [f.name for f in files] == [f"out_inge2__ports.{fmt}"]
    if fmt == "csv":
        rows = list(csv.reader(files[0].open(encoding="utf-8")))
        assert rows == [["country_code", "port_name", "port_asset_id"], ["BE", "Zeebrugge", "p:1"],
                        ["NL", "Rotterdam", "p:2"]]
    else:
        assert db.connect(None).execute(f"SELECT port_name FROM read_parquet({db.literal(files[0].as_posix())})"
                                        ).fetchall() == [("Zeebrugge",), ("Rotterdam",)]
