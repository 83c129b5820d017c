"""Exposure scoring: share, control and band of each asset per high-risk group.

Inputs: the resolved :class:`~infrarisk.ownership.OwnershipGraph`, a
:class:`~infrarisk.profiles.Profile`, thresholds from settings, ``core_assets__assets``.
Outputs:

- ``out_exposure__asset_groups``: per asset with ownership data and high-risk group, the
  share held by or through entities controlled from the group (interval), whether the
  group controls the asset, whether it operates it, the band and the reason in words;
- ``out_exposure__assets``: every asset (ports included) with its band (the most severe
  over groups), the group behind it and its share; assets without ownership data are
  ``unknown``, never ``none``;
- ``out_exposure__ports``: the roll-up of each port's terminals;
- the evidence the bands rest on, so that the site, the API and the exports read tables
  and never the graph: ``out_exposure__evidence_edges`` (every merged current ownership
  edge of the resolved scope: owner, subject, share interval, control and its basis,
  conflicting sources, the link ids behind it), ``out_exposure__evidence_control`` (per
  asset with a controller, the edges of its control chain, step by step) and
  ``out_exposure__evidence_paths`` (per asset and high-risk group, the ownership paths
  from entities controlled from the group down to the asset, step by step, with the
  path's look-through product);
- ``out_inge2__ports`` and ``out_inge2__terminals``: the INGE2 finding
  (:mod:`infrarisk.findings.inge2`, for the group the profile names).

Control is computed once here (:func:`infrarisk.ownership.control`) and reused by every
group, the evidence and the finding.

Bands (thresholds are settings): ``high`` — controlled from the group, or the group holds
at least the *sizeable* threshold; ``elevated`` — at least the *screening* threshold, or the
asset is operated under contract by an entity controlled from the group; ``low`` — a
smaller stake; ``none`` — every holding traced and none reaches the group; ``unknown`` —
otherwise (holdings not traced, or no ownership data).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from . import db, ownership, vocab
from .findings import inge2
from .fmt import pct, share_text
from .ownership import OwnershipGraph
from .profiles import Profile, RiskGroup
from .settings import Settings

BANDS = ("high", "elevated", "low", "unknown", "none")
SEVERITY = {"high": 4, "elevated": 3, "low": 2, "unknown": 1, "none": 0}


def band_for(lo: float, hi: float, controlled: bool, operated: bool, settings: Settings) -> str:
    """The band of one asset for one group (see module docstring).

    Examples
    --------
    >>> s = Settings.load()
    >>> band_for(0.2499, 0.2499, False, False, s), band_for(0.0, 0.0455, False, False, s)
    ('elevated', 'unknown')
    """
    t = settings.thresholds
    if controlled or lo >= t.sizeable - 1e-12:
        return "high"
    if lo >= t.screening - 1e-12 or operated:
        return "elevated"
    if lo > 1e-12:
        return "low"
    if hi <= 1e-12:
        return "none"
    return "unknown"


def _reason(band: str, group: RiskGroup, lo: float, hi: float, controlled: bool, operator: str | None,
            controller_chain: str | None, settings: Settings, has_holders: bool = True) -> str:
    t = settings.thresholds
    held = f"Entities controlled from {group.label} hold {share_text(lo, hi)} by look-through"
    if band == "high" and controlled:
        return f"Controlled from {group.label}: {(controller_chain or '').rstrip('.')}." + (
            f" {held}." if lo > 0 else "")
    if band == "high":
        return f"{held}: at least the {pct(t.sizeable)} 'sizeable' threshold (blocking minority)."
    if band == "elevated" and lo >= t.screening - 1e-12:
        return f"{held}: at least the {pct(t.screening)} FDI-screening threshold."
    if band == "elevated":
        return f"Operated under contract by {operator}, an entity controlled from {group.label}."
    if band == "low":
        return f"{held}: below the {pct(t.screening)} FDI-screening threshold."
    if band == "none":
        return f"Every recorded holding is traced and none reaches an entity controlled from {group.label}."
    if not has_holders:
        return "No current ownership stake is recorded in the sources (see the stakes listed as not current)."
    return (f"No holding by entities controlled from {group.label} is established, but up to {pct(hi)} "
            "is not accounted for by the recorded holders' stated shares or held by holders whose country is not known.")


def score(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, profile: Profile, settings: Settings) -> None:
    """Write the ``out_exposure__*`` (bands and their evidence) and ``out_inge2__*`` tables for ``profile``."""
    majority = settings.thresholds.majority
    ctl = ownership.control(g, majority)
    assets = [v for v in range(g.n) if g.is_asset[v]]
    operators = set(vocab.operator_interest_types())
    rows, held, paths = [], {}, []
    edge_id = {id(e): i for i, e in enumerate(g.edges)}  # the row of each edge in out_exposure__evidence_edges
    for grp in profile.groups:
        members = profile.members(grp)
        member = ownership.in_group(g, ctl, set(members), majority)
        lo, hi = ownership.held_share(g, member, ctl)
        held[grp.id] = (member, lo, hi)
        for a in assets:
            operator = next((g.names[e.owner] for e in g.in_edges.get(a, [])
                             if e.interest_type in operators and member[e.owner]), None)
            controlled = bool(member[a]) and ctl.controller[a] >= 0
            band = band_for(float(lo[a]), float(hi[a]), controlled, operator is not None, settings)
            chain = " > ".join(g.names[x] for x in ctl.chain[a][1:])
            rows.append({
                "asset_id": g.ids[a], "group_id": grp.id, "group_label": grp.label,
                "share_min": float(lo[a]), "share_max": float(hi[a]), "is_controlled": controlled,
                "operator_name": operator, "band": band,
                "band_reason": _reason(band, grp, float(lo[a]), float(hi[a]), controlled, operator, chain, settings,
                                       bool(g.has_owner[a])),
            })
            paths += _group_paths(g, ctl, edge_id, a, grp.id, member)
    groups = pd.DataFrame(rows, columns=["asset_id", "group_id", "group_label", "share_min", "share_max",
                                         "is_controlled", "operator_name", "band", "band_reason"])
    db.write_frame(con, "out_exposure__asset_groups", groups, order_by=["asset_id", "group_id"])
    con.execute("SET VARIABLE profile_name = ?", [profile.name])
    db.run_layer(con, "out", ["out_exposure__ports", "out_exposure__assets"])
    write_evidence(con, g, ctl, edge_id, assets, paths)
    inge2.write(con, g, ctl, profile, settings, held)


# ------------------------------------------------------------------ evidence tables
EDGE_COLUMNS = ["edge_id", "owner_entity_id", "owner_name", "subject_id", "subject_name", "share_min", "share_max",
                "is_control", "control_basis", "is_conflict", "is_economic", "interest_type", "link_ids"]
PATH_COLUMNS = ["asset_id", "group_id", "path", "step", "edge_id", "top_entity_id", "top_country_code",
                "look_through"]


def _group_paths(g: OwnershipGraph, ctl: ownership.Control, edge_id: dict[int, int], a: int, group_id: str, member: np.ndarray) -> list[dict]:
    """Rows of ``out_exposure__evidence_paths`` for asset ``a`` and one group: the paths from
    entities controlled from the group down to the asset (:func:`infrarisk.ownership.paths_to`)."""
    if a not in g.in_edges:
        return []
    out, n = [], 0
    for path in ownership.paths_to(g, a, stop=member):
        top = path[0].owner
        if not member[top]:
            continue
        n += 1
        look = float(np.prod([e.lo for e in path]))
        out += [{"asset_id": g.ids[a], "group_id": group_id, "path": n, "step": i + 1, "edge_id": edge_id[id(e)],
                 "top_entity_id": g.ids[top], "top_country_code": ctl.country[top], "look_through": look}
                for i, e in enumerate(path)]
    return out


def write_evidence(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, ctl: ownership.Control,
                   edge_id: dict[int, int], assets: list[int], paths: list[dict]) -> None:
    """Write the ``out_exposure__evidence_*`` tables (see the module docstring)."""
    edges = pd.DataFrame([{
        "edge_id": i, "owner_entity_id": g.ids[e.owner], "owner_name": g.names[e.owner],
        "subject_id": g.ids[e.subject], "subject_name": g.names[e.subject], "share_min": float(e.lo),
        "share_max": float(e.hi), "is_control": bool(e.is_control), "control_basis": e.control_basis,
        "is_conflict": bool(e.is_conflict), "is_economic": bool(e.is_economic), "interest_type": e.interest_type,
        "link_ids": list(e.link_ids)} for i, e in enumerate(g.edges)], columns=EDGE_COLUMNS)
    _write_typed(con, "out_exposure__evidence_edges", edges, "link_ids", "edge_id")
    steps = [{"asset_id": g.ids[a], "step": i + 1, "edge_id": edge_id[id(e)]}
             for a in assets if ctl.controller[a] >= 0 for i, e in enumerate(ownership.control_edges(g, ctl, a))]
    db.write_frame(con, "out_exposure__evidence_control", pd.DataFrame(steps, columns=["asset_id", "step", "edge_id"]),
                   order_by=["asset_id", "step"])
    db.write_frame(con, "out_exposure__evidence_paths", pd.DataFrame(paths, columns=PATH_COLUMNS),
                   order_by=["asset_id", "group_id", "path", "step"])


def _write_typed(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, list_col: str, key: str) -> None:
    """``db.write_frame`` with ``list_col`` typed as a list of strings even when the frame is empty."""
    con.register("_frame", df)
    try:
        cols = ", ".join(f"CAST({c} AS VARCHAR[]) AS {c}" if c == list_col else c for c in df.columns)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM _frame ORDER BY {key}")
    finally:
        con.unregister("_frame")
