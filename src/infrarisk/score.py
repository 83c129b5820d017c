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
- ``out_inge2__ports``: the European ports where entities controlled from China (as the
  profile groups it) hold a current look-through stake of at least the screening
  threshold in at least one terminal, or control one.

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

from . import db, ownership
from .ownership import OwnershipGraph
from .profiles import Profile, RiskGroup
from .settings import Settings

BANDS = ("high", "elevated", "low", "unknown", "none")
SEVERITY = {"high": 4, "elevated": 3, "low": 2, "unknown": 1, "none": 0}


def pct(x: float) -> str:
    """A fraction as a short percentage: 0.2499 -> '24.99%'.

    Examples
    --------
    >>> pct(0.246), pct(0.5), pct(0.000012)
    ('24.6%', '50%', '<0.01%')
    """
    v = 100 * x
    if 0 < v < 0.01:
        return "<0.01%"
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{s}%"


def share_text(lo: float, hi: float) -> str:
    """'24.99%' for an exact value, '47.26–61%' for a range."""
    return pct(lo) if abs(hi - lo) < 1e-9 else f"{pct(lo).rstrip('%')}–{pct(hi)}"


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
    """Write the ``out_exposure__*`` and ``out_inge2__*`` tables for ``profile``."""
    majority = settings.thresholds.majority
    ctl = ownership.control(g, majority)
    assets = [v for v in range(g.n) if g.is_asset[v]]
    rows = []
    for grp in profile.groups:
        members = profile.members(grp)
        member = ownership.in_group(g, ctl, set(members), majority)
        lo, hi = ownership.held_share(g, member, ctl)
        for a in assets:
            operator = next((g.names[e.owner] for e in g.in_edges.get(a, [])
                             if e.interest_type == "operating_contract" and member[e.owner]), None)
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
    groups = pd.DataFrame(rows, columns=["asset_id", "group_id", "group_label", "share_min", "share_max",
                                         "is_controlled", "operator_name", "band", "band_reason"])
    db.write_frame(con, "out_exposure__asset_groups", groups, order_by=["asset_id", "group_id"])
    con.execute("SET VARIABLE profile_name = ?", [profile.name])
    db.run_layer(con, "out", ["out_exposure__ports", "out_exposure__assets"])
    inge2(con, g, ctl, profile, settings)


def china_group(profile: Profile) -> tuple[str, frozenset[str]]:
    """Label and members of the group the INGE2 page counts: the profile's China group
    if it has one, else China with the profile's grouping of Hong Kong and Macao."""
    for grp in profile.groups:
        if "CN" in grp.countries:
            return grp.label, profile.members(grp)
    return "China", frozenset({"CN", "HK", "MO"} if profile.group_special_regions else {"CN"})


def inge2(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, ctl: ownership.Control, profile: Profile,
          settings: Settings) -> pd.DataFrame:
    """European ports where entities controlled from China hold at least the screening
    threshold (look-through, current stakes) in at least one terminal, or control one."""
    label, members = china_group(profile)
    majority = settings.thresholds.majority
    member = ownership.in_group(g, ctl, set(members), majority)
    lo, hi = ownership.held_share(g, member, ctl)
    mainland = ownership.in_group(g, ctl, {"CN"}, majority)
    ml_lo, _ = ownership.held_share(g, mainland, ctl)
    terms = con.execute("""
        SELECT t.asset_id, t.name, t.parent_asset_id, p.name AS port_name, p.unlocode, p.country_code, p.is_europe
        FROM core_assets__assets t JOIN core_assets__assets p ON p.asset_id = t.parent_asset_id
        WHERE t.asset_class = 'terminal' ORDER BY t.asset_id""").df()
    # the links of the resolved scope only (a registry may add millions of others)
    links = con.execute("SELECT link_id, source_url FROM core_ownership__links WHERE subject_id IN (SELECT unnest(?))",
                        [g.ids]).df()
    url_of = dict(zip(links["link_id"], links["source_url"]))
    ports: dict[str, dict] = {}
    counted_terminals = []
    for _, t in terms.iterrows():
        a = g.index.get(t["asset_id"])
        if a is None or not t["is_europe"]:
            continue
        controlled = bool(member[a]) and ctl.controller[a] >= 0
        if not (controlled or lo[a] >= settings.thresholds.screening - 1e-12):
            continue
        counted_terminals.append({"asset_id": t["asset_id"], "port_asset_id": t["parent_asset_id"],
                                  "share_min": float(lo[a]), "share_max": float(hi[a]), "is_controlled": controlled})
        paths = ownership.paths_to(g, a, stop=member)
        holders, urls = set(), set()
        for path in paths:
            top = path[0].owner
            if member[top]:
                holders.add(g.names[top])
                for e in path:
                    urls.update(url_of[lid] for lid in e.link_ids)
        if controlled:
            for e in ownership.control_edges(g, ctl, a):
                urls.update(url_of[lid] for lid in e.link_ids)
            holders.add(g.names[ctl.chain[a][1]])
        p = ports.setdefault(t["parent_asset_id"], {
            "port_asset_id": t["parent_asset_id"], "unlocode": t["unlocode"], "port_name": t["port_name"],
            "country_code": t["country_code"], "terminals": [], "controlling_entities": set(),
            "share_min": 0.0, "share_max": 0.0, "is_controlled": False, "source_urls": set(),
            "is_mainland_only_hk": True})
        p["terminals"].append(t["name"])
        p["controlling_entities"] |= holders
        p["share_min"] = max(p["share_min"], float(lo[a]))
        p["share_max"] = max(p["share_max"], float(hi[a]))
        p["is_controlled"] = p["is_controlled"] or controlled
        p["source_urls"] |= urls
        if ml_lo[a] >= settings.thresholds.screening - 1e-12 or (bool(mainland[a]) and ctl.controller[a] >= 0):
            p["is_mainland_only_hk"] = False
    rows = []
    for p in ports.values():
        rows.append({
            "unlocode": p["unlocode"], "port_name": p["port_name"], "country_code": p["country_code"],
            "terminals": "; ".join(sorted(p["terminals"])),
            "controlling_entities": "; ".join(sorted(p["controlling_entities"])),
            "share_min": round(p["share_min"], 6), "share_max": round(p["share_max"], 6),
            "is_controlled": p["is_controlled"], "source_urls": " ".join(sorted(p["source_urls"])),
            "port_asset_id": p["port_asset_id"], "is_via_special_regions_only": p["is_mainland_only_hk"],
            "group_label": label, "group_countries": ",".join(sorted(members)),
        })
    df = pd.DataFrame(rows, columns=["unlocode", "port_name", "country_code", "terminals", "controlling_entities",
                                     "share_min", "share_max", "is_controlled", "source_urls", "port_asset_id",
                                     "is_via_special_regions_only", "group_label", "group_countries"])
    db.write_frame(con, "out_inge2__ports", df, order_by=["country_code", "port_name", "port_asset_id"])
    db.write_frame(con, "out_inge2__terminals", pd.DataFrame(
        counted_terminals, columns=["asset_id", "port_asset_id", "share_min", "share_max", "is_controlled"]),
        order_by=["asset_id"])
    return df
