"""The country polygons the Natural Earth loader has just written, handed to :mod:`infrarisk.geo`.

Contract: :func:`keep` (the loader, once ``core_geo__country_polygons`` is written) records
the shapely geometry of each feature (by ``ne_id``) together with the table's fingerprint
(:data:`FINGERPRINT`, over every row's id, code and WKT); :func:`take` gives them to
:mod:`infrarisk.geo` once, and only if the table still has that fingerprint, so that it need
not parse the WKT back (the loader wrote the WKT from these very geometries, at full
precision, which parses back to the same coordinates); :func:`look` shows them, on the same
condition, to the loaders' position checks (:mod:`.positions`) and leaves them for
:mod:`infrarisk.geo`. No GeoPandas here: a build never imports it.
"""

from __future__ import annotations

import duckdb

#: SQL of the fingerprint of ``core_geo__country_polygons`` (:mod:`infrarisk.geo` keys its cache on it too)
FINGERPRINT = ("SELECT count(*) || ':' || coalesce(sum(hash(ne_id, country_code, geometry_wkt)), 0) "
               "FROM core_geo__country_polygons")

_KEPT: list[tuple[str, dict]] = []  # at most one: (fingerprint, geometry by ne_id)


def keep(con: duckdb.DuckDBPyConnection, geometries: dict[int, object]) -> None:
    """Record ``geometries`` (shapely, by ``ne_id``) as those of the table ``con`` now holds."""
    _KEPT[:] = [(con.execute(FINGERPRINT).fetchall()[0][0], geometries)]


def take(fingerprint: str) -> dict[int, object] | None:
    """The geometries :func:`keep` recorded, if the table's ``fingerprint`` is still the one they
    were kept with (handed over once, then forgotten); else None."""
    if not _KEPT:
        return None
    kept_print, geometries = _KEPT.pop()
    return geometries if kept_print == fingerprint else None


def look(fingerprint: str) -> dict[int, object] | None:
    """The geometries :func:`keep` recorded, if the table's ``fingerprint`` is still the one they
    were kept with, left for :func:`take`; else None. The caller must not change them."""
    if not _KEPT or _KEPT[0][0] != fingerprint:
        return None
    return _KEPT[0][1]
