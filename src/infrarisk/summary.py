"""Exposure tables of the layers: landing stations through their cables, and the country summary.

Contract: runs in the score stage, after :func:`infrarisk.score.score` has written
``out_exposure__assets`` and ``out_exposure__asset_groups``. Writes (SQL in ``sql/out``):

- ``out_exposure__landings``: each landing station with the band of the most exposed cable
  landing there (a *lands at* relation, not an ownership share);
- ``out_exposure__country_assets``: per European country, the critical assets that lie in
  or serve it, with band and whether they are controlled from a high-risk country — foreign
  means foreign: only groups the country is not a member of count
  (``out_exposure__group_countries``, written by :mod:`infrarisk.score`); control from a group
  it belongs to is in its own columns (``is_controlled_domestic``, ``domestic_band``,
  ``domestic_group_label``);
- ``out_exposure__countries``: per European country (all of them, Malta and Cyprus
  included), the counts behind the choropleth (``n_controlled_high_risk``: foreign) and
  ``n_controlled_domestic`` apart.
"""

from __future__ import annotations

import duckdb

from . import db

OUT_TABLES = ["out_exposure__landings", "out_exposure__country_assets", "out_exposure__countries"]


def run(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Write the tables of :data:`OUT_TABLES` (in dependency order); return their names."""
    return db.run_layer(con, "out", OUT_TABLES)
