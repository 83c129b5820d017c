"""GeoJSON geometries of many polygons at once, their coordinates rounded as Python's ``round`` rounds them.

Contract: :func:`polygons` takes an array of shapely polygons and multi-polygons and returns
their GeoJSON geometries (``{"type": ..., "coordinates": ...}``, lists of ``[x, y]`` pairs,
as ``json.loads(shapely.to_geojson(g))`` has them) with every coordinate ``round(c, ndigits)``
(plus ``0.0`` with ``positive_zero``: no ``-0.0``) — the bytes the map's outline and the
country page wrote shape by shape, made with a few array calls. It returns None for
shapes it does not make (empty, with z, or neither polygon nor multi-polygon): the caller
then takes its own path. :func:`round_as_python` is the rounding: numpy's, with Python's for
the values where the two could differ (halfway cases, very large or not finite values).
"""

from __future__ import annotations

import numpy as np
import shapely

#: how far from a halfway case the scaled value must be for numpy's rounding to be Python's
_TIE_MARGIN = 1e-6
_POLYGON, _MULTIPOLYGON = 3, 6


def round_as_python(values: np.ndarray, ndigits: int) -> np.ndarray:
    """``round(v, ndigits)`` of each value (a float array; a new array of the same shape).

    ``np.rint(v * 10**ndigits) / 10**ndigits`` is the double nearest the rounded decimal, as
    Python's ``round`` returns it, unless ``v * 10**ndigits`` lies near a halfway case (where
    its own rounding could tip the result) or is not an exact-scale number: those values are
    rounded by Python.

    Examples
    --------
    >>> round_as_python(np.array([2.675, 0.0005, -0.0004, 1.23456]), 3).tolist()
    [2.675, 0.001, -0.0, 1.235]
    >>> [round(v, 3) for v in (2.675, 0.0005, -0.0004, 1.23456)]
    [2.675, 0.001, -0.0, 1.235]
    """
    values = np.asarray(values, dtype=float)
    scale = 10.0 ** ndigits
    scaled = values * scale
    out = np.rint(scaled) / scale
    with np.errstate(invalid="ignore"):
        near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < _TIE_MARGIN
        odd = near_tie | ~np.isfinite(scaled) | (np.abs(scaled) >= 2.0 ** 52)
    if odd.any():
        flat, src = out.reshape(-1), values.reshape(-1)
        for i in np.flatnonzero(odd.reshape(-1)).tolist():
            flat[i] = round(float(src[i]), ndigits)
    return out


def polygons(geoms: np.ndarray, ndigits: int, positive_zero: bool = False) -> list[dict] | None:
    """The GeoJSON geometry of each polygon or multi-polygon of ``geoms``, coordinates rounded
    (module docstring); None when one is empty, has z, or is of another type."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return []
    types = shapely.get_type_id(geoms)
    if not np.isin(types, (_POLYGON, _MULTIPOLYGON)).all() or shapely.is_empty(geoms).any() \
            or shapely.has_z(geoms).any():
        return None
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)  # each polygon's exterior first
    xy, point_of = shapely.get_coordinates(rings, return_index=True)
    xy = round_as_python(xy, ndigits)
    if positive_zero:
        xy = xy + 0.0
    points = xy.tolist()
    ring_lists = _split(points, point_of, len(rings))
    part_lists = _split(ring_lists, ring_of, len(parts))
    out = []
    for t, ps in zip(types.tolist(), _split(part_lists, part_of, len(geoms))):
        out.append({"type": "Polygon", "coordinates": ps[0]} if t == _POLYGON
                   else {"type": "MultiPolygon", "coordinates": ps})
    return out


def _split(items: list, owner: np.ndarray, n: int) -> list[list]:
    """``items`` (in owner order) as ``n`` lists, the i-th of those whose ``owner`` is i."""
    ends = np.cumsum(np.bincount(owner, minlength=n)).tolist()
    return [items[a:b] for a, b in zip([0, *ends[:-1]], ends)]
