"""data/vendors.csv: every supply row, with band, sources and a licence per row."""

from __future__ import annotations

import csv

import duckdb

from infrarisk.site import vendor_downloads


def test_vendors_csv_is_every_supply_row_with_licence(real_build):
    s, _ = real_build
    rows = list(csv.DictReader(open(s.site_dir / "data" / "vendors.csv", encoding="utf-8")))
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM out_vendor__supply").fetchone()[0]
        desc = vendor_downloads.write(con, s.site_dir.parent / "again")
    finally:
        con.close()
    assert len(rows) == n > 0 and list(rows[0]) == vendor_downloads.COLUMNS
    assert all(r["licence"] and r["attribution"] and r["source_url"] for r in rows)
    assert {r["licence"] for r in rows if r["asset_id"].startswith("mobile:")} == {"CC-BY-4.0"}
    assert any(r["needs_review"] == "true" for r in rows) and any(r["row_band"] == "high" for r in rows)
    assert desc["n_rows"] == n and desc["href"] == "data/vendors.csv"
    assert (s.site_dir.parent / "again" / "data" / "vendors.csv").read_bytes() == \
        (s.site_dir / "data" / "vendors.csv").read_bytes()
