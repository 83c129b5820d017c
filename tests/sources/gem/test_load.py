"""Tests of infrarisk.sources.gem.load: its tables written through Arrow as through a frame (the
loaded tables themselves: tests/integrate/)."""

from __future__ import annotations


def test_tables_written_through_arrow_as_the_frame_writes_them():
    """_setops.write_records gives the table db.write_frame(_typed(DataFrame(...))) gives: column types
    (a text column without a value: NULL type), NULLs (NaN too), row order by the key (stable)."""
    import duckdb
    import pandas as pd

    from infrarisk import db
    from infrarisk.sources._setops import write_records
    from infrarisk.sources.gem import load as gem_load

    cols = gem_load.STAKE_COLS
    base = {c: None for c in cols}
    base.update(asset_id="gem:b", gem_asset_id="b", level="owner", position=1, entity_name="X",
                is_share_stated=True, is_counted=False, origin_row=3)
    records = [dict(base), dict(base, asset_id="gem:a", share_fraction=float("nan"), share_text="nan %"),
               dict(base, asset_id="gem:a", level="parent", share_fraction=0.25, entity_name="Ünïcode"),
               dict(base, asset_id="gem:a", position=1, origin_row=9, entity_name="same key, later"),
               dict(base, asset_id="gem:\u00e9", position=2, detail_url="http://x")]
    for rows in (records, records[:1], []):
        got, want = duckdb.connect(), duckdb.connect()
        key = ["asset_id", "level", "position"]
        write_records(got, "core_gem__stakes", rows, cols, gem_load._TYPES, key)
        db.write_frame(want, "core_gem__stakes", gem_load._typed(pd.DataFrame(rows, columns=cols)), order_by=key)
        for q in ("DESCRIBE core_gem__stakes", "SELECT * FROM core_gem__stakes"):
            assert got.execute(q).fetchall() == want.execute(q).fetchall(), (q, len(rows))
