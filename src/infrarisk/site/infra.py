"""The telecom, cable and gas assets on the map: their layer features and what their cards add.

Contract: the ``select`` functions of the layer registry (:mod:`infrarisk.site.layers`) for
the assets of the cable, telecom and gas sources — :func:`cables`, :func:`landing_stations`,
:func:`telecom` and :func:`energy` — return features in the registry's columns from a
finished build (``out_exposure__assets``, ``core_assets__infra``, ``core_assets__lines``,
``core_cables__*``, ``out_exposure__landings``):

- cables are lines (the WKT of ``core_assets__lines``, simplified by :data:`SIMPLIFY_DEG`);
  only cables that land in Europe are drawn (the database keeps all of them);
- landing stations are the European ones; TeleGeography names no owner of a station, so a
  station takes the band of the most exposed cable that lands there (a "lands at"
  relation, never an ownership share: no look-through share is given to it);
- networks, towers and groups are drawn at their country's label point, data centres and
  cable landings at their sourced site;
- gas assets keep GEM's status group (operating, in development, inactive) as the status
  the map filters on; pipelines are lines.

Assets without a status in their source get ``unknown``. :func:`card` returns the evidence
an asset's detail card adds to the holders, chain and band (the ``x`` member of its record
in :mod:`infrarisk.site.details`): GEM's status, capacity and start year, the countries a
pipeline crosses, GEM's direct owners shown as context, a cable's landing stations, a
landing station's cables with their bands, and the source page of the asset.

:class:`InfraData` reads, once per site build, only the columns the layers and cards use, as
plain rows. What the methodology page states about the layers is in :mod:`.methodology`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import duckdb
import numpy as np
import pandas as pd
import shapely

from ..reads import dicts, pycolumns
from ..fmt import share_text
from .features import asset_frame

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

#: Douglas-Peucker tolerance of the drawn lines, in degrees (about 1 km)
SIMPLIFY_DEG = 0.01


#: the columns of ``core_assets__infra`` the layers and cards read (:attr:`InfraData.infra`)
INFRA_COLUMNS = ("asset_id", "asset_class", "status", "status_group", "capacity", "capacity_unit", "start_year",
                 "detail_url")


def _as_read(values: list) -> list:
    """Text values as pandas reads a text column from DuckDB: a missing one NaN, unless none is present
    (then the column holds objects, and its missing values are None).

    >>> _as_read(["a", None]), _as_read([None, None])
    (['a', nan], [None, None])
    """
    if all(v is None for v in values):
        return values
    nan = float("nan")
    return [nan if v is None else v for v in values]


def _na(v):
    return None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) else v


class InfraData:
    """What the layers and cards need beyond ``out_exposure__assets``, read once per build."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        #: asset id -> the columns of ``core_assets__infra`` the layers and cards read (:data:`INFRA_COLUMNS`),
        #: missing values (and NaN) None
        self.infra = {r["asset_id"]: r for r in dicts(*pycolumns(
            con, f"SELECT {', '.join(INFRA_COLUMNS)} FROM core_assets__infra ORDER BY asset_id"))}
        for r in self.infra.values():
            if r["capacity"] != r["capacity"]:  # NaN: missing
                r["capacity"] = None
        self.lines = dict(con.execute("SELECT asset_id, geometry_wkt FROM core_assets__lines ORDER BY asset_id")
                          .fetchall())
        self.landings: dict[str, list[tuple[str, str, str | None]]] = {}
        self.europe_cables: set[str] = set()
        for cable, landing, name, cc, europe in zip(*pycolumns(con, """
                SELECT l.cable_asset_id, l.landing_asset_id, p.name, p.country_code, coalesce(g.is_europe, false)
                FROM (SELECT DISTINCT cable_asset_id, landing_asset_id FROM core_cables__landings) l
                JOIN core_cables__landing_points p ON p.asset_id = l.landing_asset_id
                LEFT JOIN core_geo__countries g ON g.country_code = p.country_code
                ORDER BY l.cable_asset_id, p.name, l.landing_asset_id""")[1]):
            self.landings.setdefault(cable, []).append((landing, name, cc))
            if europe:
                self.europe_cables.add(cable)
        #: landing station -> its most exposed cable's band and reason (text as pandas reads it: a missing
        #: value NaN, unless the column has no value at all) and the ids of its cables
        ids, bands, reasons, cables = pycolumns(con, "SELECT asset_id, via_band, via_reason, cable_asset_ids "
                                                     "FROM out_exposure__landings ORDER BY asset_id")[1]
        self.via = {a: {"via_band": b, "via_reason": why, "cable_asset_ids": c}
                    for a, b, why, c in zip(ids, _as_read(bands), _as_read(reasons), cables)}
        self.context: dict[str, list[list]] = {}
        for aid, name, frac, text in zip(*pycolumns(con, """
                SELECT asset_id, entity_name, share_fraction, share_text FROM core_gem__stakes
                WHERE NOT is_counted ORDER BY asset_id, level, position""")[1]):
            share = share_text(frac, frac) if frac is not None else text
            self.context.setdefault(aid, []).append([name, share])
        self.crosses = {aid: list(codes) for aid, codes in con.execute(
            "SELECT asset_id, list(country_code ORDER BY position) FROM core_gem__asset_countries GROUP BY asset_id "
            "HAVING count(*) > 1 ORDER BY asset_id").fetchall()}


def data(sb: "SiteBuilder") -> InfraData:
    """The :class:`InfraData` of a site build (read on first use)."""
    d = getattr(sb, "_infra_data", None)
    if d is None:
        d = sb._infra_data = InfraData(sb.con)
    return d


def _features(sb: "SiteBuilder", a: pd.DataFrame) -> pd.DataFrame:
    """Registry columns of some infra assets, with their source's status group."""
    d = data(sb)
    f = asset_frame(a)
    f["status"] = [(d.infra.get(aid) or {}).get("status_group") or "unknown" for aid in f["asset_id"]]
    return f


def _with_lines(sb: "SiteBuilder", f: pd.DataFrame) -> pd.DataFrame:
    """The features with their simplified line geometry (a zero-length line at the point if none)."""
    d = data(sb)
    wkt = np.array([d.lines.get(aid) for aid in f["asset_id"]], dtype=object)
    geoms = shapely.simplify(shapely.from_wkt(wkt), SIMPLIFY_DEG, preserve_topology=False)
    lon, lat = f["longitude"].to_numpy(float), f["latitude"].to_numpy(float)
    for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms)):
        geoms[i] = shapely.LineString([(lon[i], lat[i]), (lon[i], lat[i])]) if np.isfinite([lon[i], lat[i]]).all() \
            else None
    return f.assign(geometry=geoms)[[g is not None for g in geoms]].reset_index(drop=True)


def cables(sb: "SiteBuilder") -> pd.DataFrame:
    """Submarine cables that land in Europe, as lines."""
    a = sb.assets
    return _with_lines(sb, _features(sb, a[(a["asset_class"] == "cable") & a["asset_id"].isin(data(sb).europe_cables)]))


def landing_stations(sb: "SiteBuilder") -> pd.DataFrame:
    """European cable landing stations, with the band and reason of their most exposed cable."""
    a, via = sb.assets, data(sb).via
    f = _features(sb, a[(a["asset_class"] == "landing") & a["is_europe"] & a["asset_id"].isin(via)])
    f["band"] = [via[aid]["via_band"] for aid in f["asset_id"]]
    f["reason"] = [via[aid]["via_reason"] for aid in f["asset_id"]]
    return f


def telecom(*types: str) -> Callable[["SiteBuilder"], pd.DataFrame]:
    """A ``select`` for the curated telecom assets of some types (points)."""
    def select(sb: "SiteBuilder") -> pd.DataFrame:
        a = sb.assets
        return _features(sb, a[(a["asset_class"] == "telecom") & a["asset_type"].isin(types)])
    return select


def energy(*types: str, lines: bool = False) -> Callable[["SiteBuilder"], pd.DataFrame]:
    """A ``select`` for the GEM gas assets of some types: points, or lines for pipelines."""
    def select(sb: "SiteBuilder") -> pd.DataFrame:
        a = sb.assets
        f = _features(sb, a[(a["asset_class"] == "energy") & a["asset_type"].isin(types)])
        return _with_lines(sb, f) if lines else f
    return select


def card(sb: "SiteBuilder", asset_id: str) -> dict:
    """What an infra asset's detail card shows besides holders, chain and band (keys without a value left out).

    ``st``: the source's status; ``cap``: [capacity, unit]; ``yr``: [label, year]; ``crosses``:
    country codes of a pipeline in several countries; ``ctx``: GEM's direct owners shown as
    context ([name, share]); ``lands``: a cable's landing stations ([asset id, name, country]);
    ``via``: a landing station's cables ([asset id, name, band, group label, source page]);
    ``url``: the asset's page at its source.
    """
    d = data(sb)
    inf = d.infra.get(asset_id)
    if inf is None:
        return {}
    cls = inf["asset_class"]
    x: dict = {}
    if inf["status"]:
        x["st"] = inf["status"]
    if inf["capacity"] is not None:
        x["cap"] = [round(float(inf["capacity"]), 1), "km long" if cls == "cable" else inf["capacity_unit"] or ""]
    if inf["start_year"] is not None:
        x["yr"] = ["ready for service" if cls == "cable" else "start year", int(inf["start_year"])]
    if asset_id in d.crosses:
        x["crosses"] = d.crosses[asset_id]
    if asset_id in d.context:
        x["ctx"] = d.context[asset_id]
    if cls == "cable" and asset_id in d.landings:
        x["lands"] = [list(t) for t in d.landings[asset_id]]
    if cls == "landing" and asset_id in d.via:
        rows = sb.asset_rows
        x["via"] = sorted(([c, rows[c]["name"], rows[c]["band"], _na(rows[c]["band_group_label"]),
                            d.infra[c]["detail_url"]] for c in d.via[asset_id]["cable_asset_ids"] if c in rows),
                          key=lambda c: (c[1], c[0]))
    if inf["detail_url"]:
        x["url"] = inf["detail_url"]
    return x
