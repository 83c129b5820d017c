"""The analysts' API, exposure: shares held from a risk group or countries, the INGE2 ports, holdings.

Contract: :class:`ExposureMixin` gives :class:`~infrarisk.api.database.Database`
``exposure`` (risk groups from ``out_exposure__asset_groups``; any countries from the
resolved graph), ``inge2`` (``out_inge2__*``, :mod:`infrarisk.findings.inge2`) and
``holdings`` (one entity's look-through shares against control, from the resolved graph).
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import ownership
from ..fmt import share_text
from ._util import _codes, _strings


class ExposureMixin:
    """Methods of :class:`~infrarisk.api.database.Database` about who holds what."""

    # ---------------------------------------------------------------- exposure
    def exposure(self, group: str | Iterable[str] | None = None, country: str | Iterable[str] | None = None, *,
                 min_share: float = 0.0, asset_class: str | Iterable[str] | None = None,
                 asset_type: str | Iterable[str] | None = None, host_country: str | Iterable[str] | None = None,
                 as_of: str | date | None = None, controlled_only: bool = False) -> gpd.GeoDataFrame:
        """Assets in which entities controlled from a risk group or a country hold a share, or which they control.

        The share of an asset held *by or through* entities controlled from the group or
        country: an owner controlled from it counts with its whole stake, through any other
        owner the share is looked through (China Merchants Port's 49% of Terminal Link,
        which holds 50.2% of a Le Havre terminal, counts 24.6%), and shares add up across
        holders (:func:`infrarisk.ownership.held_share`).

        Parameters
        ----------
        group : str or list of str, optional
            Ids of high-risk groups of the profile (``"china"``, ``"russia"`` in the default
            profile); rows carry the group's band and the reason in words. Give ``group`` or
            ``country``; with neither, every group of the profile.
        country : str or list of str, optional
            Controlling countries (ISO alpha-2), whether or not the profile lists them:
            e.g. ``"AE"`` or ``["AE", "SA", "QA"]`` (entities controlled from any of them
            count together, joint control included). These rows carry no band: a country is
            a *risk* only where the profile cites a dated source for it.
        min_share : float, default 0
            Lowest look-through share (a fraction: 0.1 is 10%) counted; the lower bound
            ``share_min`` must reach it. Assets the group or country *controls* are kept
            whatever their share (control without a stated percentage: a concession, a
            named parent). With 0, every established holding (``share_min > 0``) or control.
        asset_class, asset_type, host_country
            As in :meth:`assets`.
        as_of : str or datetime.date, optional
            ``YYYY-MM-DD``: the holdings on that date, from a rebuild of the datasets for
            that date (:meth:`at`); default today's view.
        controlled_only : bool, default False
            Only the assets the group or country controls (with ``min_share`` above 0,
            those that also hold at least that share).

        Returns
        -------
        geopandas.GeoDataFrame
            One row per asset (and group): the asset's columns, ``share_min``,
            ``share_max``, ``share`` (as text), ``is_controlled``; for groups also
            ``group_id``, ``group_label``, ``operator_name``, ``band``, ``band_reason``,
            ``traced_share``, ``untraced_share``, ``band_basis``, ``band_max`` and
            ``is_more_exposed_reading`` (:mod:`infrarisk.bands`); for countries ``countries``. Ordered by ``share_min`` (largest first), then
            ``asset_id``. Ports do not appear themselves: their terminals do (see
            :meth:`inge2` for the port roll-up).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> cn = db.exposure(group="china", min_share=0.1, asset_class="terminal", host_country="DE")
        >>> print(cn[["name", "share", "band", "is_controlled"]].to_string(index=False))
                                        name      share     band  is_controlled
        DeCeTe Duisburger Container Terminal 51.56–100%     high           True
          Container Terminal Tollerort (CTT)     24.99% elevated          False
        >>> gulf = db.exposure(country=["AE", "SA", "QA"], min_share=0.25, asset_class="terminal")
        >>> print(gulf[["name", "share", "is_controlled"]].to_string(index=False))
                                                                 name   share  is_controlled
                                              DP World London Gateway    100%           True
                                                 DP World Southampton    100%           True
                                 DP World Evyap Korfez (ex Evyapport) 58–100%           True
                                   Eurofos (Terminal de Mediterranee)     50%           True
                                       Antwerp Gateway (Deurganckdok)   42.5%          False
                                        Rotterdam World Gateway (RWG)     30%          False
        Constanta South Container Terminal (CSCT, DP World Constanța)  0–100%           True
        >>> "band" in gulf.columns  # countries the profile does not list carry no band
        False
        """
        if as_of is not None:
            return self.at(as_of).exposure(group, country, min_share=min_share, asset_class=asset_class,
                                           asset_type=asset_type, host_country=host_country,
                                           controlled_only=controlled_only)
        if not 0 <= float(min_share) <= 1:
            raise ValueError(f"min_share is a fraction between 0 and 1 (0.1 for 10%), got {min_share}")
        if group is not None and country is not None:
            raise ValueError("give either a risk group of the profile or controlling countries, not both")
        if country is not None:
            frame = self._country_shares(_codes(country, "country"))
        else:
            ids = [g.id for g in self.profile.groups] if group is None else _strings(group, "group")
            known = [g.id for g in self.profile.groups]
            unknown = [g for g in ids if g not in known]
            if unknown:
                raise ValueError(f"no risk group {', '.join(map(repr, unknown))} in profile {self.profile.name!r} "
                                 f"(groups: {', '.join(known)})")
            frame = self.sql("SELECT * FROM out_exposure__asset_groups WHERE group_id IN (SELECT unnest(?::VARCHAR[]))",
                             [ids])
        eps = 1e-12  # the thresholds' tolerance (infrarisk.score.band_for)
        controlled = frame["is_controlled"].astype(bool)
        held = (frame["share_min"] > eps) & (frame["share_min"] >= float(min_share) - eps)
        if not controlled_only:
            keep = controlled | held
        else:
            keep = controlled & held if min_share > 0 else controlled
        frame = frame[keep]
        where, params = self._asset_filters("a", asset_class, asset_type, host_country)
        self.con.register("_exposure_rows", frame)
        try:
            df = self.sql(f"""
                SELECT a.asset_id, a.name, a.asset_class, a.asset_type, a.country_code, r.* EXCLUDE (asset_id),
                       a.controller_entity_id, a.control_chain, a.controlling_country_code, a.parent_asset_id,
                       a.unlocode, a.latitude, a.longitude, a.licence, a.is_noncommercial
                FROM _exposure_rows r JOIN out_exposure__assets a USING (asset_id)
                {where}
                ORDER BY r.share_min DESC, a.asset_id{', r.group_id' if 'group_id' in frame else ''}""", params)
        finally:
            self.con.unregister("_exposure_rows")
        df.insert(df.columns.get_loc("share_max") + 1, "share",
                  [share_text(lo, hi) for lo, hi in zip(df["share_min"], df["share_max"])])
        return self._with_geometry(df)

    def _country_shares(self, codes: list[str]) -> pd.DataFrame:
        """Per asset: the share held by or through entities controlled from ``codes`` together."""
        g, ctl = self.graph, self.control_structure
        member = ownership.in_group(g, ctl, set(codes), self.settings.thresholds.majority)
        lo, hi = ownership.held_share(g, member, ctl)
        assets = np.flatnonzero(g.is_asset)
        controlled = member[assets] & (ctl.controller[assets] >= 0)
        df = pd.DataFrame({"asset_id": [g.ids[a] for a in assets], "countries": ",".join(codes),
                           "share_min": lo[assets].astype(float), "share_max": hi[assets].astype(float),
                           "is_controlled": controlled})
        return df[(df["share_max"] > 0) | df["is_controlled"]].reset_index(drop=True)

    # ---------------------------------------------------------------- the INGE2 claim
    def inge2(self, terminals: bool = False) -> gpd.GeoDataFrame:
        """The European ports that count towards the INGE2 "over 20 ports" claim, from the sourced rows.

        A port counts when, in at least one of its terminals, entities controlled from China
        (as the profile groups it: with Hong Kong and Macao in the default profile) hold a
        current look-through stake of at least the screening threshold (10%), or control it
        (``out_inge2__ports``; :mod:`infrarisk.findings.inge2`).

        Parameters
        ----------
        terminals : bool, default False
            One row per counted terminal (``out_inge2__terminals``) instead of per port.

        Returns
        -------
        geopandas.GeoDataFrame
            Ports (or terminals) as points, with holders, largest look-through share,
            control, the source URLs and ``is_via_special_regions_only`` (counted only
            through entities controlled from Hong Kong or Macao).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> ports = db.inge2()
        >>> len(ports), int(ports.is_via_special_regions_only.sum())
        (21, 6)
        >>> len(db.inge2(terminals=True))
        25
        """
        if terminals:
            df = self.sql("""
                SELECT t.asset_id, a.name, a.asset_type, p.name AS port_name, p.unlocode, a.country_code,
                       t.share_min, t.share_max, t.is_controlled, t.port_asset_id, a.latitude, a.longitude
                FROM out_inge2__terminals t JOIN core_assets__assets a USING (asset_id)
                JOIN core_assets__assets p ON p.asset_id = t.port_asset_id
                ORDER BY a.country_code, p.name, t.asset_id""")
        else:
            df = self.sql("""
                SELECT i.*, p.latitude, p.longitude
                FROM out_inge2__ports i JOIN core_assets__assets p ON p.asset_id = i.port_asset_id
                ORDER BY i.country_code, i.port_name, i.port_asset_id""")
        df.insert(df.columns.get_loc("share_max") + 1, "share",
                  [share_text(lo, hi) for lo, hi in zip(df["share_min"], df["share_max"])])
        return self._with_geometry(df, lines=False, id_col="port_asset_id" if not terminals else "asset_id")

    def holdings(self, entity_id: str) -> pd.DataFrame:
        """What one entity holds, by look-through, against what it controls.

        Parameters
        ----------
        entity_id : str
            An entity of the resolved graph (see :meth:`find`).

        Returns
        -------
        pandas.DataFrame
            One row per asset the entity reaches through current stakes: its look-through
            economic share (``share_min``/``share_max``: the sum over ownership paths of
            the product of the shares), ``is_in_control_chain`` (the entity is the asset's
            controller or above it in the control chain), the asset's control chain and
            controlling country. Ordered by share (largest first).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> tl = db.holdings("terminal-link-sas")
        >>> print(tl[["name", "share", "is_in_control_chain"]].head(3).to_string(index=False, max_colwidth=40))
                                            name share  is_in_control_chain
                    Terminal des Flandres (NFTI)   91%                 True
        Generale de Manutention Portuaire ter... 50.2%                 True
              Eurofos (Terminal de Mediterranee)   50%                False
        """
        g, ctl = self.graph, self.control_structure
        v = g.index.get(entity_id)
        if v is None or g.is_asset[v]:
            raise KeyError(f"no entity {entity_id!r} among the owners of the assets (try db.find(...))")
        below = {v}
        out_edges: dict[int, list[int]] = {}
        for e in g.edges:
            if e.is_economic:
                out_edges.setdefault(e.owner, []).append(e.subject)
        stack = [v]
        while stack:
            for w in out_edges.get(stack.pop(), []):
                if w not in below:
                    below.add(w)
                    stack.append(w)
        targets = sorted(a for a in below if g.is_asset[a])
        rows = []
        for start in range(0, len(targets), 256):  # batches, as the resolve stage does
            econ = ownership.economic(g, targets[start:start + 256])
            for a in targets[start:start + 256]:
                lo, hi = econ[a]
                chain = ctl.chain[a][1:]
                rows.append({"asset_id": g.ids[a], "entity_id": entity_id, "share_min": float(lo[v]),
                             "share_max": float(min(hi[v], 1.0)), "is_in_control_chain": v in chain})
        df = pd.DataFrame(rows, columns=["asset_id", "entity_id", "share_min", "share_max", "is_in_control_chain"])
        self.con.register("_holdings", df)
        try:
            out = self.sql("""
                SELECT h.asset_id, a.name, a.asset_class, a.asset_type, a.country_code, h.entity_id,
                       h.share_min, h.share_max, h.is_in_control_chain, a.control_chain, a.controlling_country_code,
                       a.band, a.band_group_label
                FROM _holdings h JOIN out_exposure__assets a USING (asset_id)
                ORDER BY h.share_min DESC, h.asset_id""")
        finally:
            self.con.unregister("_holdings")
        out.insert(out.columns.get_loc("share_max") + 1, "share",
                   [share_text(lo, hi) for lo, hi in zip(out["share_min"], out["share_max"])])
        return out

