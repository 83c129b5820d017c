"""Evidence for one asset: its holders, control chain and look-through paths, with sources.

Contract: :class:`Explainer` is built once per build (or per analyst session) from the
database and the resolved graph; :meth:`Explainer.asset` computes, for the asset being
viewed only, everything needed to justify its figures: every recorded stake (current or
not) with status, date and source; the control chain with the basis of each step; and,
per high-risk group, the band, the reason in words and the ownership paths from the
entities controlled from that group down to the asset, each step with its sources.
Paths are computed on demand; no table of all paths is ever materialised.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from . import ownership
from .ownership import OwnershipGraph
from .profiles import Profile
from .score import band_for, share_text
from .settings import Settings


@dataclass
class Step:
    owner_id: str
    owner_name: str
    subject_id: str
    subject_name: str
    share: str
    is_conflict: bool
    sources: list[dict]


class Explainer:
    """Explain assets of one resolved build under one risk profile."""

    def __init__(self, con: duckdb.DuckDBPyConnection, g: OwnershipGraph, profile: Profile, settings: Settings):
        self.g, self.profile, self.settings = g, profile, settings
        majority = settings.thresholds.majority
        self.ctl = ownership.control(g, majority)
        # only the links and entities of the resolved scope (the assets' ancestors), never
        # a whole registry
        con.execute("CREATE OR REPLACE TEMP TABLE _scope_ids AS SELECT unnest(?::VARCHAR[]) AS node_id", [g.ids])
        self.links = con.execute("""
            SELECT l.*, e.entity_name AS owner_name
            FROM core_ownership__links l JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            WHERE l.subject_id IN (SELECT node_id FROM _scope_ids)
            ORDER BY l.subject_kind, l.subject_id, l.is_current DESC, l.share_min DESC, l.link_id""").df()
        self.link_by_id = {r["link_id"]: r for r in self.links.to_dict("records")}
        # the links of each asset as records, grouped once: the site asks for thousands of assets
        self._asset_links: dict[str, list[dict]] = {}
        for r in self.link_by_id.values():
            if r["subject_kind"] == "asset":
                self._asset_links.setdefault(r["subject_id"], []).append(r)
        self.entities = con.execute("""
            SELECT e.entity_id, e.entity_name, e.lei, e.entity_type, e.jurisdiction_code, e.hq_country_code,
                   o.controlling_country_code, o.controlling_country_basis, o.control_chain,
                   o.is_state_controlled, o.is_state
            FROM core_ownership__entities e JOIN out_ownership__entities o USING (entity_id)
            WHERE e.entity_id IN (SELECT node_id FROM _scope_ids)""").df().set_index("entity_id", drop=False)
        con.execute("DROP TABLE _scope_ids")
        self._entity_country = self.entities[["controlling_country_code", "controlling_country_basis"]].to_dict("index")
        self.groups = []
        for grp in profile.groups:
            member = ownership.in_group(g, self.ctl, set(profile.members(grp)), majority)
            lo, hi = ownership.held_share(g, member, self.ctl)
            self.groups.append((grp, member, lo, hi))

    # ------------------------------------------------------------------ pieces
    def _sources(self, link_ids: list[str]) -> list[dict]:
        out = []
        for lid in link_ids:
            r = self.link_by_id[lid]
            out.append({"url": r["source_url"], "title": r["source_title"] or r["source_url"],
                        "as_of": _date(r), "status": r["status"]})
        return out

    def _step(self, e: ownership.Edge) -> Step:
        g = self.g
        return Step(g.ids[e.owner], g.names[e.owner], g.ids[e.subject], g.names[e.subject],
                    share_text(e.lo, e.hi) if (e.lo > 0 or e.hi < 1) else "undisclosed share",
                    e.is_conflict, self._sources(e.link_ids))

    def holders(self, asset_id: str) -> list[dict]:
        """Every recorded stake in the asset (current first), with its source."""
        out = []
        for r in self._asset_links.get(asset_id, []):
            ent = self._entity_country[r["owner_entity_id"]]
            out.append({
                "owner_id": r["owner_entity_id"], "owner_name": r["owner_name"],
                "owner_country": _na(ent["controlling_country_code"]),
                "owner_country_basis": ent["controlling_country_basis"],
                "share": (share_text(r["share_min"], r["share_max"]) if r["is_share_stated"] or r["share_min"] > 0
                          else "undisclosed share"),
                "interest_type": r["interest_type"], "status": r["status"], "is_current": bool(r["is_current"]),
                "as_of": _date(r), "is_control": bool(r["is_control"]), "control_basis": _na(r["control_basis"]),
                "source_url": r["source_url"], "source_title": _na(r["source_title"]) or r["source_url"],
                "note": _na(r["note"]),
            })
        return out

    def control(self, asset_id: str) -> dict | None:
        """The control chain of the asset, or None when no controller is identified."""
        g, ctl = self.g, self.ctl
        a = g.index.get(asset_id)
        if a is None or ctl.controller[a] < 0:
            return None
        steps = []
        for e in ownership.control_edges(g, ctl, a):
            steps.append({**vars(self._step(e)), "basis": e.control_basis})
        top = ctl.chain[a][-1]
        return {"steps": steps, "ultimate_id": g.ids[top], "ultimate_name": g.names[top],
                "country": ctl.country[a], "country_basis": ctl.country_basis[a],
                "reaches_state": bool(ctl.reaches_state[a]), "is_loop": ctl.ultimate[a] < 0}

    def group_view(self, asset_id: str) -> list[dict]:
        """Per high-risk group: band, reason, look-through share and the paths behind it."""
        from .score import _reason
        g, ctl = self.g, self.ctl
        a = g.index.get(asset_id)
        out = []
        for grp, member, lo, hi in self.groups:
            if a is None:
                continue
            controlled = bool(member[a]) and ctl.controller[a] >= 0
            operator = next((g.names[e.owner] for e in g.in_edges.get(a, [])
                             if e.interest_type == "operating_contract" and member[e.owner]), None)
            band = band_for(float(lo[a]), float(hi[a]), controlled, operator is not None, self.settings)
            paths = []
            for path in ownership.paths_to(g, a, stop=member):
                if not member[path[0].owner]:
                    continue
                look = float(np.prod([e.lo for e in path]))
                paths.append({"steps": [vars(self._step(e)) for e in path], "look_through": share_text(look, look),
                              "top_id": g.ids[path[0].owner], "top_name": g.names[path[0].owner],
                              "top_country": ctl.country[path[0].owner]})
            chain = " > ".join(g.names[x] for x in ctl.chain[a][1:])
            out.append({"group_id": grp.id, "group_label": grp.label, "band": band,
                        "share": share_text(float(lo[a]), float(hi[a])), "share_min": float(lo[a]),
                        "share_max": float(hi[a]), "is_controlled": controlled, "operator": operator,
                        "reason": _reason(band, grp, float(lo[a]), float(hi[a]), controlled, operator, chain,
                                          self.settings, bool(g.has_owner[a])),
                        "paths": paths,
                        "sources": [vars(s) for s in grp.sources]})
        return out

    def asset(self, asset_id: str) -> dict:
        """Everything that justifies the asset's figures (see module docstring)."""
        return {"asset_id": asset_id, "holders": self.holders(asset_id), "control": self.control(asset_id),
                "groups": self.group_view(asset_id)}


def _na(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


def _date(r) -> str | None:
    d = r["as_of_date"]
    if d is None or pd.isna(d):
        return None
    d = pd.Timestamp(d)
    prec = r["as_of_precision"]
    return d.strftime("%Y") if prec == "year" else d.strftime("%Y-%m") if prec == "month" else d.strftime("%Y-%m-%d")
