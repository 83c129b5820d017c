"""The analysts' API, one asset: its evidence with sources, and its band in plain words.

Contract: :class:`Evidence` holds what justifies one asset's figures as frames;
:class:`EvidenceMixin` gives :class:`~infrarisk.api.database.Database` ``chain`` and
``explain``, read from the tables the score stage wrote (:class:`infrarisk.explain.Explainer`
over ``out_exposure__evidence_*``, ``out_exposure__asset_groups``,
``out_ownership__asset_controllers``, ``out_ownership__asset_owners``); no graph is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..fmt import share_text
from ._util import _source_text


@dataclass
class Evidence:
    """What justifies one asset's figures: holders, control chain, look-through paths, sources.

    Attributes
    ----------
    asset : dict
        The asset's row of ``out_exposure__assets`` (name, type, band, reason ...).
    holders : pandas.DataFrame
        Every recorded stake in the asset (current first): holder, share, interest, status,
        date, source title and URL.
    owners : pandas.DataFrame
        Look-through economic share of each ultimate owner (a holder with no recorded
        owner of its own), and an ``unknown`` row (``owner_entity_id`` missing) for what no
        recorded holder accounts for.
    control : pandas.DataFrame
        The control chain, one row per step from the asset up to its ultimate controller,
        with the basis of control and the sources of each step (empty: no controller is
        identified in the sources).
    paths : pandas.DataFrame
        Per high-risk group of the profile, the ownership paths from entities controlled
        from the group down to the asset, one row per step, with sources.
    groups : pandas.DataFrame
        Per high-risk group: band, look-through share, whether the group controls the
        asset, the reason in words, and the profile's dated sources for the group.
    raw : dict
        :meth:`infrarisk.explain.Explainer.asset` as it came.
    """

    asset: dict
    holders: pd.DataFrame
    owners: pd.DataFrame
    control: pd.DataFrame
    paths: pd.DataFrame
    groups: pd.DataFrame
    raw: dict

    def __repr__(self) -> str:
        a = self.asset
        return (f"<Evidence {a['asset_id']}: {a['name']!r}, band {a['band']}, {len(self.holders)} recorded "
                f"stake(s), {len(self.control)} control step(s), {len(self.paths)} path step(s)>")



class EvidenceMixin:
    """Methods of :class:`~infrarisk.api.database.Database` about one asset."""

    @property
    def explainer(self):
        """The :class:`infrarisk.explain.Explainer` of this database and profile (read on first use)."""
        if self._explainer is None:
            from ..explain import Explainer
            self._explainer = Explainer(self.con, self.profile, self.settings)
        return self._explainer

    # ---------------------------------------------------------------- one asset
    def chain(self, asset_id: str) -> Evidence:
        """The ownership chain of one asset with its sources (:class:`Evidence`).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> ev = db.chain("terminal:container-terminal-tollerort-ctt")
        >>> print(ev.control[["owner_name", "share", "basis"]].to_string(index=False))
                             owner_name  share    basis
        Hamburger Hafen und Logistik AG 75.01% majority
           Freie und Hansestadt Hamburg  50.1% majority
        >>> ev.holders.source_url.tolist()
        ['https://oevz.com/?p=89705', 'https://oevz.com/?p=89705']
        >>> print(ev.paths[["top_name", "look_through"]].to_string(index=False))
                            top_name look_through
        COSCO SHIPPING Ports Limited       24.99%
        """
        asset = self._asset_row(asset_id)
        raw = self.explainer.asset(asset_id)
        holders = pd.DataFrame(raw["holders"], columns=[
            "owner_id", "owner_name", "owner_country", "owner_country_basis", "share", "interest_type", "status",
            "is_current", "as_of", "is_control", "control_basis", "source_title", "source_url", "note"])
        owners = self.sql("""
            SELECT o.owner_entity_id, e.entity_name AS owner_name, o.owner_country_code, o.is_state,
                   o.share_min, o.share_max
            FROM out_ownership__asset_owners o LEFT JOIN core_ownership__entities e ON e.entity_id = o.owner_entity_id
            WHERE o.asset_id = ? ORDER BY o.owner_entity_id IS NULL, o.share_min DESC, o.owner_entity_id""",
                          [asset_id])
        owners.insert(owners.columns.get_loc("share_max") + 1, "share",
                      [share_text(lo, hi) for lo, hi in zip(owners["share_min"], owners["share_max"])])
        ctl = raw["control"]
        steps = [] if ctl is None else [
            {"step": i + 1, "owner_id": s["owner_id"], "owner_name": s["owner_name"], "subject_id": s["subject_id"],
             "subject_name": s["subject_name"], "share": s["share"], "basis": s["basis"],
             "is_conflict": s["is_conflict"], "sources": _source_text(s["sources"]),
             "source_urls": " ".join(x["url"] for x in s["sources"])}
            for i, s in enumerate(ctl["steps"])]
        control = pd.DataFrame(steps, columns=["step", "owner_id", "owner_name", "subject_id", "subject_name", "share",
                                               "basis", "is_conflict", "sources", "source_urls"])
        if ctl is not None:
            control.attrs.update(ultimate_id=ctl["ultimate_id"], ultimate_name=ctl["ultimate_name"],
                                 country=ctl["country"], country_basis=ctl["country_basis"])
        path_rows, group_rows = [], []
        for grp in raw["groups"]:
            group_rows.append({k: grp[k] for k in ("group_id", "group_label", "band", "share", "share_min", "share_max",
                                                   "is_controlled", "operator", "reason")}
                              | {"profile_sources": _source_text([{"title": s["title"], "url": s["url"],
                                                                   "as_of": s["date"]} for s in grp["sources"]])})
            for n, p in enumerate(grp["paths"]):
                for i, s in enumerate(p["steps"]):
                    path_rows.append({"group_id": grp["group_id"], "path": n + 1, "step": i + 1,
                                      "top_name": p["top_name"], "top_country": p["top_country"],
                                      "look_through": p["look_through"], "owner_name": s["owner_name"],
                                      "subject_name": s["subject_name"], "share": s["share"],
                                      "sources": _source_text(s["sources"]),
                                      "source_urls": " ".join(x["url"] for x in s["sources"])})
        return Evidence(asset=asset, holders=holders, owners=owners, control=control,
                        paths=pd.DataFrame(path_rows, columns=["group_id", "path", "step", "top_name", "top_country",
                                                               "look_through", "owner_name", "subject_name", "share",
                                                               "sources", "source_urls"]),
                        groups=pd.DataFrame(group_rows, columns=["group_id", "group_label", "band", "share",
                                                                 "share_min", "share_max", "is_controlled", "operator",
                                                                 "reason", "profile_sources"]),
                        raw=raw)

    def explain(self, asset_id: str, group: str | None = None) -> str:
        """The band of one asset explained in plain words, with what the sources say.

        Parameters
        ----------
        asset_id : str
        group : str, optional
            A risk group of the profile; default the group behind the asset's band.

        Returns
        -------
        str
            Sentences that state what the sources say ("X holds 24.99% of Y", "is
            consolidated by"), the control chain, the look-through paths, and why the group
            counts: "risk" is said only with the dated source the profile cites for it.

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> text = db.explain("terminal:container-terminal-tollerort-ctt")
        >>> print(text.splitlines()[1])
        For China: band 'elevated'. Entities controlled from China hold 24.99% by look-through: at least the 10% FDI-screening threshold.
        >>> [line for line in text.splitlines() if "COSCO" in line][0]  # doctest: +ELLIPSIS
        '- COSCO SHIPPING Ports Limited (CN) holds 24.99% of Container Terminal Tollerort (CTT) (current, 2023-06-19; source: ...'
        >>> last = text.splitlines()[-1]
        >>> last.startswith("The risk profile lists China as a high-risk origin on the authority of Foreign"), "2023-06-01" in last
        (True, True)
        """
        from ..plain import explain_asset

        asset = self._asset_row(asset_id)
        parts = {"asset": asset}
        if asset["asset_class"] == "port":
            parts["terminals"] = self.sql(
                "SELECT asset_id, name, band, band_group_label, band_reason FROM out_exposure__assets "
                "WHERE parent_asset_id = ? AND has_ownership_data ORDER BY asset_id", [asset_id]).to_dict("records")
        elif asset["asset_class"] == "landing":
            rows = self.sql("SELECT * FROM out_exposure__landings WHERE asset_id = ?", [asset_id]).to_dict("records")
            parts["landing"] = rows[0] if rows else None
        evidence = self.explainer.asset(asset_id) if self.explainer.has(asset_id) else None
        return explain_asset(parts, evidence, self.profile, group)

    def _asset_row(self, asset_id: str) -> dict:
        rows = self.sql("SELECT * FROM out_exposure__assets WHERE asset_id = ?", [asset_id]).to_dict("records")
        if not rows:
            raise KeyError(f"no asset {asset_id!r} (try db.find(...))")
        return rows[0]

