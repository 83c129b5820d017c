"""The vendor ("built by") dimension in the analysts' API: suppliers, vendor exposure, figures, coverage.

Contract: a mixin of :class:`infrarisk.api.Database` whose methods read the tables of
:mod:`infrarisk.vendors` (``out_vendor__supply``, ``out_vendor__assets``,
``out_vendor__country_figures``, ``out_vendor__coverage``) and return frames; nothing here touches
the ownership dimension (:meth:`~infrarisk.api.Database.exposure`), which answers a different
question. :meth:`SuppliersMixin.exposure_by` is the ``dimension=`` switch between the two.
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import pandas as pd

from ._util import CRS, _codes, _strings, _where

BANDS = ("high", "elevated", "low", "unknown", "none")


class SuppliersMixin:
    """``db.suppliers``, ``db.vendor_exposure``, ``db.exposure_by``, ``db.vendor_figures``, ``db.vendor_coverage``."""

    def suppliers(self, asset: str | Iterable[str] | None = None, country: str | Iterable[str] | None = None, *,
                  vendor: str | Iterable[str] | None = None, component: str | Iterable[str] | None = None,
                  high_risk_only: bool = False, attached_only: bool = False) -> pd.DataFrame:
        """Supply relations: who supplied which component of which asset, with sources (``out_vendor__supply``).

        Parameters
        ----------
        asset : str or list of str, optional
            Asset ids (``mobile:telekom-de``, ``cable:peace-cable``, a terminal's id).
        country : str or list of str, optional
            The asset's country (ISO alpha-2).
        vendor : str or list of str, optional
            Vendor ids of ``datasets/supply`` (``huawei``, ``zpmc``): rows naming any of them.
        component : str or list of str, optional
            Codes of ``vocab/supply_components.csv`` (``ran_5g``, ``sts_cranes`` ...).
        high_risk_only : bool, default False
            Only rows naming a vendor the risk profile calls high-risk.
        attached_only : bool, default False
            Leave out the rows that attach to no asset of the build (``unmatched_reason`` says why).

        Returns
        -------
        pandas.DataFrame
            One row per supply relation: asset, component, vendors and their controlling countries,
            share, dates, status, the row's band and its reason in words, source URL and date,
            ``needs_review``.

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> s = db.suppliers(country="DE", component="ran_5g", high_risk_only=True)
        >>> bool((s["high_risk_vendor_ids"].map(len) > 0).all()), set(s["country_code"])
        (True, {'DE'})
        """
        vendors = _strings(vendor, "vendor")
        where, params = _where([("asset_id", _strings(asset, "asset")), ("country_code", _codes(country, "country")),
                                ("component", _strings(component, "component"))],
                               ([("list_has_any(vendor_ids, ?::VARCHAR[])", vendors)] if vendors else [])
                               + ([("len(high_risk_vendor_ids) > 0", None)] if high_risk_only else [])
                               + ([("asset_id IS NOT NULL", None)] if attached_only else []))
        params = [p for p in params if p is not None]
        return self.sql(f"SELECT * FROM out_vendor__supply {where} ORDER BY supply_id", params)

    def vendor_exposure(self, band: str | Iterable[str] | None = None, country: str | Iterable[str] | None = None, *,
                        asset_kind: str | Iterable[str] | None = None) -> gpd.GeoDataFrame:
        """The "built by" band per asset (``out_vendor__assets``), as points (networks at their country's label point).

        Parameters
        ----------
        band : str or list of str, optional
            Of ``high``, ``elevated``, ``low``, ``unknown``, ``none``.
        country : str or list of str, optional
        asset_kind : str or list of str, optional
            ``mobile_network``, ``container_terminal``, ``submarine_cable``.

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> v = db.vendor_exposure(band="high", asset_kind="mobile_network")
        >>> v.crs.to_string(), set(v["band"]) <= {"high"}, len(v) > 5
        ('EPSG:4326', True, True)
        """
        bands = _strings(band, "band")
        if bands and set(bands) - set(BANDS):
            raise ValueError(f"band must be among {', '.join(BANDS)}, got {bands!r}")
        where, params = _where([("band", bands), ("country_code", _codes(country, "country")),
                                ("asset_kind", _strings(asset_kind, "asset_kind"))])
        df = self.sql(f"SELECT * FROM out_vendor__assets {where} ORDER BY asset_id", params)
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs=CRS)

    def exposure_by(self, dimension: str = "ownership", **kwargs) -> pd.DataFrame:
        """One door to both dimensions: ``"ownership"`` is :meth:`exposure`, ``"vendor"`` :meth:`vendor_exposure`.

        The two are never mixed: each returns its own bands, computed by its own rules.

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> list(db.exposure_by("vendor", band="high")["band"].unique())
        ['high']
        >>> db.exposure_by("paint")
        Traceback (most recent call last):
        ...
        ValueError: dimension must be 'ownership' or 'vendor', got 'paint'
        """
        if dimension == "ownership":
            return self.exposure(**kwargs)
        if dimension == "vendor":
            return self.vendor_exposure(**kwargs)
        raise ValueError(f"dimension must be 'ownership' or 'vendor', got {dimension!r}")

    def vendor_figures(self, country: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Published country figures beside the figure computed from the operator rows (``out_vendor__country_figures``).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> f = db.vendor_figures("DE")
        >>> {"published_pct", "computed_pct", "published_source_url", "computed_supply_ids"} <= set(f.columns)
        True
        """
        codes = None if country is None else [c.upper() for c in _strings(country, "country")]
        where, params = _where([("country_code", codes)])
        return self.sql(f"SELECT * FROM out_vendor__country_figures {where} ORDER BY figure_id", params)

    def vendor_coverage(self) -> pd.DataFrame:
        """The vendor dimension's coverage counts (``out_vendor__coverage``): metric, numerator, denominator, pct."""
        return self.sql("SELECT * FROM out_vendor__coverage ORDER BY metric_order")
