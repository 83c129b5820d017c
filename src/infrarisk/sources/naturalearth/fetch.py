"""Refreshing Natural Earth: the schema check of the admin-0 countries GeoJSON.

Contract: :data:`CHECKS` maps the snapshot file named in ``datasets/naturalearth/manifest.toml``
``[refresh]`` to its check: a FeatureCollection of (Multi)Polygons carrying every
attribute the derive step keeps (:data:`infrarisk.sources.naturalearth.derive.KEEP`).
"""

from __future__ import annotations

from .._checks import GeoJsonCheck
from .derive import KEEP

CHECKS = {"ne_50m_admin_0_countries.geojson": GeoJsonCheck(tuple(KEEP), ("Polygon", "MultiPolygon"))}
