"""What the methodology page states about this build's layers, entity matching and licences.

Contract: :func:`methodology_facts` reads ``core_match__names``, ``out_build__problems`` and
``core_ownership__entities`` and the map's layers (:class:`~infrarisk.site.mapdata.MapData`)
and returns the facts the ``methodology.html`` template shows; :func:`band_counts` the
assets per band of each layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from ..score import BANDS
from ..review import AgeRule

if TYPE_CHECKING:  # pragma: no cover
    from .mapdata import MapData


def band_counts(md: "MapData") -> list[dict]:
    """Assets per band of each layer drawn on the map (landing stations by their most exposed cable)."""
    out = []
    for layer, frame in md.layers:
        n = frame["band"].value_counts()
        out.append({"label": layer.label, "n": len(frame), **{b: int(n.get(b, 0)) for b in BANDS}})
    return out


def methodology_facts(con: duckdb.DuckDBPyConnection, settings, downloads: list[dict], md: "MapData") -> dict:
    """What the methodology page states about the layers, matching and licences for this build."""
    from ..match import MATCHED, SCORER, UNMATCHED
    names = con.execute("SELECT method, count(*) AS n, sum(n_mentions) AS m FROM core_match__names GROUP BY 1").df()
    by = dict(zip(names["method"], names["n"].astype(int)))
    problems = dict(con.execute("""
        SELECT check_name, count(*) FROM out_build__problems
        WHERE check_name IN ('several_owners', 'several_countries', 'share_as_text', 'outside_country',
                             'owner_country_unknown', 'placeholder_owner', 'named_twice', 'ambiguous_name',
                             'shares_over_100', 'site_to_be_decided')
        GROUP BY 1""").fetchall())
    new = con.execute("SELECT count(*) FROM core_ownership__entities WHERE entity_id LIKE 'name:%'").fetchone()[0]
    return {
        "layers": band_counts(md),
        "matched_by": {m: by.get(m, 0) for m in MATCHED}, "unmatched_by": {m: by.get(m, 0) for m in UNMATCHED},
        "n_names": int(names["n"].sum()), "n_mentions": int(names["m"].sum() or 0),
        "n_matched": sum(by.get(m, 0) for m in MATCHED), "n_new_entities": int(new),
        "threshold": settings.match_fuzzy_threshold, "scorer": SCORER,
        "include_noncommercial": settings.include_noncommercial, "problems": problems,
        "fact_max_age_years": settings.fact_max_age_years, "pending_max_age_months": settings.pending_max_age_months,
        "age_as_of": AgeRule.from_settings(settings).ref.isoformat(),
        "downloads": [d for d in downloads if not d["name"].startswith("country-")],
    }
