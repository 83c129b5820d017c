"""Evidence for one asset, read from the tables the score stage wrote: holders, control chain,
look-through paths, each step with its sources.

Contract: :class:`Explainer` reads, once per site build or analyst session, the stakes of
the resolved scope (``core_ownership__links``, ``core_ownership__entities``,
``out_ownership__entities``), the control of each asset (``out_ownership__asset_controllers``)
and the evidence of its bands (``out_exposure__asset_groups`` and the
``out_exposure__evidence_*`` tables of :mod:`infrarisk.score`). :meth:`Explainer.asset`
returns, for one asset, everything needed to justify its figures: every recorded stake
(current or not) with status, date and source; the control chain with the basis of each
step; and, per high-risk group, the band, the reason in words and the ownership paths from
the entities controlled from that group down to the asset. Nothing is recomputed: no
ownership graph is loaded and no control or share is derived here. A stake's record holds
the columns of :data:`LINK_COLUMNS`; the evidence tables are read column by column through
Arrow (:func:`_rows`), the links and entities as frames through Arrow too
(:func:`infrarisk.reads.frame`: their text made into Python objects once).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from .fmt import date_text, edge_share, share_text, stake_share
from .profiles import Profile
from .reads import columns, dicts, frame, pycolumns
from .settings import Settings

#: the nodes of the resolved scope: entities on the assets' chains, and the assets with ownership data
SCOPE_SQL = ("SELECT entity_id FROM out_ownership__entities UNION ALL "
             "SELECT asset_id FROM out_ownership__asset_controllers")


#: the columns of ``core_ownership__links`` in the link records (:attr:`Explainer.link_by_id`; and the
#: site's, :mod:`infrarisk.site.builder`), with ``owner_name``: what the evidence and the site read of a link
LINK_COLUMNS = ("link_id", "subject_kind", "subject_id", "owner_entity_id", "interest_type", "share_min", "share_max",
                "is_share_stated", "status", "is_current", "as_of_date", "as_of_precision", "is_control",
                "control_basis", "source_url", "source_title", "note", "evidence_date", "evidence_precision")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, order: tuple[str, ...] = ()) -> list[dict]:
    """The rows of ``sql`` as dicts of the values ``fetchall`` gives (:func:`pycolumns`)."""
    return dicts(*pycolumns(con, sql, order))


class Explainer:
    """Explain assets of one finished build under the profile its bands were scored with."""

    def __init__(self, con: duckdb.DuckDBPyConnection, profile: Profile, settings: Settings):
        self.profile, self.settings = profile, settings
        # only the links and entities of the resolved scope (the assets' ancestors), never a whole registry
        self.links = frame(con, f"""
            SELECT {", ".join("l." + c for c in LINK_COLUMNS)}, e.entity_name AS owner_name
            FROM core_ownership__links l JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            WHERE l.subject_id IN ({SCOPE_SQL})
            ORDER BY l.subject_kind, l.subject_id, l.is_current DESC, l.share_min DESC, l.link_id""")
        #: the links' columns (:func:`columns`), from which the records are made (and the site's,
        #: :mod:`infrarisk.site.builder`)
        self.link_columns = columns(self.links)
        names, cols = self.link_columns
        self.link_by_id = {r["link_id"]: r for r in dicts(names, cols)}
        self._link_dates: dict[tuple, str | None] = {}
        self._date_of_link: dict[str, str | None] = {}
        # the links of each asset as records, grouped once: the site asks for thousands of assets
        self._asset_links: dict[str, list[dict]] = {}
        for r in self.link_by_id.values():
            if r["subject_kind"] == "asset":
                self._asset_links.setdefault(r["subject_id"], []).append(r)
        self.entities = frame(con, """
            SELECT e.entity_id, e.entity_name, e.lei, e.entity_type, e.jurisdiction_code, e.hq_country_code,
                   o.controlling_country_code, o.controlling_country_basis, o.control_chain,
                   o.is_state_controlled, o.is_state
            FROM core_ownership__entities e JOIN out_ownership__entities o USING (entity_id)""") \
            .set_index("entity_id", drop=False)
        _, (ids, codes, bases) = columns(self.entities[["entity_id", "controlling_country_code",
                                                         "controlling_country_basis"]])  # as records() has them
        self._entity_country = {e: {"controlling_country_code": c, "controlling_country_basis": b}
                                for e, c, b in zip(ids.tolist(), codes.tolist(), bases.tolist())}
        self._entity_name = dict(zip(self.entities["entity_id"], self.entities["entity_name"]))
        # merged current edges: by id, and the edges into each node (the ownership graph above an asset)
        self.edges = {r["edge_id"]: r for r in _rows(con, "SELECT * FROM out_exposure__evidence_edges", ("edge_id",))}
        self.in_edges: dict[str, list[dict]] = {}
        for r in self.edges.values():
            self.in_edges.setdefault(r["subject_id"], []).append(r)
        self.controllers = {r["asset_id"]: r for r in _rows(con, "SELECT * FROM out_ownership__asset_controllers")}
        self._control_steps: dict[str, list[int]] = {}
        for aid, eid in con.execute("SELECT asset_id, edge_id FROM out_exposure__evidence_control "
                                    "ORDER BY asset_id, step").fetchall():
            self._control_steps.setdefault(aid, []).append(eid)
        self._groups: dict[str, list[dict]] = {}
        self._group_ids = [g.id for g in profile.groups]  # the profile's order
        for r in _rows(con, "SELECT * FROM out_exposure__asset_groups", ("asset_id", "group_id")):
            self._groups.setdefault(r["asset_id"], []).append(r)
        self._paths: dict[tuple[str, str], list[list[dict]]] = {}
        for r in _rows(con, "SELECT * FROM out_exposure__evidence_paths ORDER BY asset_id, group_id, path, step"):
            ps = self._paths.setdefault((r["asset_id"], r["group_id"]), [])
            if r["step"] == 1:
                ps.append([])
            ps[-1].append(r)

    def link_date(self, link_id: str) -> str | None:
        """:func:`link_date` of a link of the scope, worked out once per date and precision (and
        looked up once per link: hashing a date is slower than hashing an id)."""
        try:
            return self._date_of_link[link_id]
        except KeyError:
            pass
        r = self.link_by_id[link_id]
        key = (r["as_of_date"], r["as_of_precision"])  # few distinct dates among thousands of links
        try:
            out = self._link_dates[key]
        except KeyError:
            out = self._link_dates.setdefault(key, link_date(r))
        self._date_of_link[link_id] = out
        return out

    def has(self, asset_id: str) -> bool:
        """Whether the asset has ownership data (it is in the resolved scope)."""
        return asset_id in self.controllers

    # ------------------------------------------------------------------ pieces
    def _sources(self, link_ids: list[str]) -> list[dict]:
        out = []
        for lid in link_ids:
            r = self.link_by_id[lid]
            out.append({"url": r["source_url"], "title": r["source_title"] or r["source_url"],
                        "as_of": self.link_date(lid), "status": r["status"],
                        "evidence_date": _na(r.get("evidence_date")), "evidence_precision": r.get("evidence_precision")})
        return out

    def _step(self, e: dict) -> dict:
        return {"owner_id": e["owner_entity_id"], "owner_name": e["owner_name"], "subject_id": e["subject_id"],
                "subject_name": e["subject_name"], "share": edge_share(e["share_min"], e["share_max"]),
                "is_conflict": bool(e["is_conflict"]), "sources": self._sources(e["link_ids"])}

    def holders(self, asset_id: str) -> list[dict]:
        """Every recorded stake in the asset (current first), with its source."""
        out = []
        for r in self._asset_links.get(asset_id, []):
            ent = self._entity_country[r["owner_entity_id"]]
            out.append({
                "owner_id": r["owner_entity_id"], "owner_name": r["owner_name"],
                "owner_country": _na(ent["controlling_country_code"]),
                "owner_country_basis": ent["controlling_country_basis"],
                "share": stake_share(r["share_min"], r["share_max"], r["is_share_stated"]),
                "interest_type": r["interest_type"], "status": r["status"], "is_current": bool(r["is_current"]),
                "as_of": self.link_date(r["link_id"]), "evidence_date": _na(r.get("evidence_date")),
                "is_control": bool(r["is_control"]), "control_basis": _na(r["control_basis"]),
                "source_url": r["source_url"], "source_title": _na(r["source_title"]) or r["source_url"],
                "note": _na(r["note"]),
            })
        return out

    def control_edges(self, asset_id: str) -> list[dict]:
        """The edges of the asset's control chain, top-down as the score stage wrote them (records of
        ``out_exposure__evidence_edges``)."""
        return [self.edges[eid] for eid in self._control_steps.get(asset_id, ())]

    def group_rows(self, asset_id: str) -> list[tuple[dict, list[list[dict]]]]:
        """Per high-risk group of the profile (in its order) with a row for the asset: the row of
        ``out_exposure__asset_groups`` and its paths (each a list of ``out_exposure__evidence_paths``
        records, by step)."""
        rows = self._groups.get(asset_id)
        if not rows:
            return []
        by_id = {r["group_id"]: r for r in rows}
        return [(by_id[g], self._paths.get((asset_id, g), [])) for g in self._group_ids if g in by_id]

    def control(self, asset_id: str) -> dict | None:
        """The control chain of the asset, or None when no controller is identified."""
        c = self.controllers.get(asset_id)
        if c is None or c["controller_entity_id"] is None:
            return None
        steps = [{**self._step(self.edges[eid]), "basis": self.edges[eid]["control_basis"]}
                 for eid in self._control_steps.get(asset_id, [])]
        top = c["control_chain_ids"][-1]
        return {"steps": steps, "ultimate_id": top, "ultimate_name": self._entity_name[top],
                "country": c["controlling_country_code"], "country_basis": c["controlling_country_basis"],
                "reaches_state": bool(c["is_state_controlled"]), "is_loop": c["ultimate_controller_entity_id"] is None}

    def group_view(self, asset_id: str) -> list[dict]:
        """Per high-risk group: band, reason, look-through share, traced and untraced share, the basis
        of the band and the band the untraced share could reach, and the paths behind it."""
        if not self.has(asset_id):
            return []
        rows = {r["group_id"]: r for r in self._groups.get(asset_id, [])}
        out = []
        for grp in self.profile.groups:  # in the profile's order
            r = rows.get(grp.id)
            if r is None:
                continue
            paths = [{"steps": [self._step(self.edges[s["edge_id"]]) for s in p],
                      "look_through": share_text(p[0]["look_through"], p[0]["look_through"]),
                      "top_id": p[0]["top_entity_id"], "top_name": self.edges[p[0]["edge_id"]]["owner_name"],
                      "top_country": p[0]["top_country_code"]}
                     for p in self._paths.get((asset_id, r["group_id"]), [])]
            out.append({"group_id": r["group_id"], "group_label": r["group_label"], "band": r["band"],
                        "share": share_text(r["share_min"], r["share_max"]), "share_min": r["share_min"],
                        "share_max": r["share_max"], "is_controlled": bool(r["is_controlled"]),
                        "operator": r["operator_name"], "reason": r["band_reason"], "paths": paths,
                        "traced_share": r["traced_share"], "untraced_share": r["untraced_share"],
                        "band_basis": r["band_basis"], "band_max": r["band_max"],
                        "is_more_exposed_reading": bool(r["is_more_exposed_reading"]),
                        "sources": [vars(s) for s in grp.sources]})
        return out

    def asset(self, asset_id: str) -> dict:
        """Everything that justifies the asset's figures (see module docstring)."""
        return {"asset_id": asset_id, "holders": self.holders(asset_id), "control": self.control(asset_id),
                "groups": self.group_view(asset_id)}


def _na(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT else v


def link_date(r) -> str | None:
    """The date of a link record at the precision its source gives."""
    return date_text(r["as_of_date"], r["as_of_precision"])
