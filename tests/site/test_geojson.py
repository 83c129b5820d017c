"""GeoJSON of many polygons at once: the geometries the shape-by-shape paths made (the outline's
``to_geojson`` and the country page's ``__geo_interface__``, then Python's ``round``), on awkward
shapes and values; the rounding is Python's on halfway cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from infrarisk.site import country_page, geojson, outlines


def _shapes() -> np.ndarray:
    ring = [(0.0005, -0.0004), (2.675, 0.0), (2.675, 1.0015), (-179.9999, 89.99995), (0.0005, -0.0004)]
    hole = [(0.5, 0.25), (1.0, 0.25), (1.0, 0.5), (0.5, 0.25)]
    rng = np.random.default_rng(7)
    big = shapely.Point(12.3456789, 45.6789012).buffer(0.7).simplify(0.01)
    return np.array([
        shapely.Polygon(ring),
        shapely.Polygon([(0, 0), (3, 0), (3, 3), (0, 3), (0, 0)], [hole]),
        shapely.MultiPolygon([shapely.Polygon(ring), big]),
        shapely.Polygon(rng.uniform(-180, 180, (40, 2)).tolist()).convex_hull,
        big,
    ], dtype=object)


def test_polygons_are_the_shape_by_shape_geometries():
    shapes = _shapes()
    outline = [outlines._rounded(json.loads(shapely.to_geojson(g)), 3) for g in shapes]
    assert json.dumps(geojson.polygons(shapes, 3)) == json.dumps(outline)
    page = country_page._rounded([{"geometry": json.loads(json.dumps(g.__geo_interface__))} for g in shapes])
    got = [{"geometry": g} for g in geojson.polygons(shapes, 3, positive_zero=True)]
    assert json.dumps(got) == json.dumps(page)
    assert "-0.0" in json.dumps(outline) and "-0.0" not in json.dumps(page)


@pytest.mark.parametrize("shape", [shapely.Polygon(), shapely.LineString([(0, 0), (1, 1)]),
                                   shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 0, 1)])],
                         ids=["empty", "line", "with-z"])
def test_shapes_it_does_not_make_are_left_to_the_caller(shape):
    assert geojson.polygons(np.array([_shapes()[0], shape], dtype=object), 3) is None
    assert geojson.polygons(np.array([], dtype=object), 3) == []


@pytest.mark.parametrize("ndigits", [1, 3, 4])
def test_rounding_is_pythons(ndigits):
    rng = np.random.default_rng(ndigits)
    values = np.concatenate([rng.uniform(-180, 180, 20000), np.round(rng.uniform(-180, 180, 20000), ndigits + 1),
                             (np.arange(-4000, 4000) + 0.5) / 10 ** ndigits,
                             [0.0, -0.0, -1e-9, 1e22, -1e22, 2.0 ** 60, np.nan, np.inf, -np.inf, 5e-324, 2.675]])
    got = geojson.round_as_python(values, ndigits)
    want = np.array([round(v, ndigits) for v in values.tolist()])
    assert ((got == want) | (np.isnan(got) & np.isnan(want))).all()
    assert (np.signbit(got) == np.signbit(want)).all()
