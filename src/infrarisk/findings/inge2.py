"""The INGE2 "over 20 European ports" claim, from the sourced rows: the one place it is computed.

Contract
--------
Inputs: the resolved :class:`~infrarisk.ownership.OwnershipGraph` and its
:class:`~infrarisk.ownership.Control`, the risk profile (which of its high-risk groups the
claim is about: :func:`group_for`), the screening threshold of the settings,
``core_assets__assets`` and ``core_ownership__links``. Outputs (:func:`write`, called by the
score stage):

- ``out_inge2__ports``: the European ports where entities controlled from the group hold a
  current look-through stake of at least the screening threshold in at least one terminal,
  or control one; with the holders, the largest share, the source URLs, and
  ``is_via_special_regions_only`` (counted only through the group's special regions, e.g.
  Hong Kong and Macao, never through its own countries);
- ``out_inge2__terminals``: the terminals that count.

:func:`counted_ports` gives the ports alone (with ``is_via_special_regions_only``), without
writing anything: what the timeline's copies need.

Readers (the site's INGE2 page, :meth:`infrarisk.Database.inge2`) read those tables;
:func:`not_counted` lists, from tables, the group's stakes the criterion leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .. import db, ownership, vocab
from ..fmt import date_text, share_text, stake_share
from ..profiles import Profile, RiskGroup
from ..settings import Settings

#: columns of the site's ``data/inge2-ports.csv``
CSV_COLUMNS = ["unlocode", "port_name", "country_code", "terminals", "controlling_entities", "share_min",
               "share_max", "is_controlled", "source_urls"]
PORT_COLUMNS = ["unlocode", "port_name", "country_code", "terminals", "controlling_entities", "share_min",
                "share_max", "is_controlled", "source_urls", "port_asset_id", "is_via_special_regions_only",
                "group_label", "group_countries"]
EPS = 1e-12  # the thresholds' tolerance (infrarisk.score.band_for)


@dataclass(frozen=True)
class ClaimGroup:
    """The high-risk group the claim counts: its label, members under the profile, and its
    own countries (members that are not special regions)."""

    group: RiskGroup | None
    label: str
    members: frozenset[str]
    own_countries: frozenset[str]


def group_for(profile: Profile) -> ClaimGroup:
    """The group of ``profile`` the INGE2 claim is about: the profile's ``inge2_group``
    (``[findings] inge2_group`` in its TOML), else its first group.

    Examples
    --------
    >>> from infrarisk.profiles import load_profile
    >>> c = group_for(load_profile("default"))
    >>> c.label, sorted(c.members), sorted(c.own_countries)
    ('China', ['CN', 'HK', 'MO'], ['CN'])
    """
    grp = None
    if profile.groups:
        grp = profile.group(profile.inge2_group) if profile.inge2_group else profile.groups[0]
    if grp is None:
        return ClaimGroup(None, "", frozenset(), frozenset())
    return ClaimGroup(grp, grp.label, profile.members(grp), frozenset(grp.countries))


def _terminals(con: duckdb.DuckDBPyConnection, g: ownership.OwnershipGraph, ctl: ownership.Control,
               profile: Profile, settings: Settings, held: dict) -> tuple[ClaimGroup, list[tuple]]:
    """The claim's group and the terminals that count, in id order: ``(terminal row, node,
    controlled, counted through the group's own countries)`` each."""
    claim = group_for(profile)
    if claim.group is None:
        return claim, []
    screening, majority = settings.thresholds.screening, settings.thresholds.majority
    member, lo, hi = held[claim.group.id]
    own = ownership.in_group(g, ctl, set(claim.own_countries), majority)
    own_lo, _ = ownership.held_share(g, own, ctl)
    cur = con.execute("""
        SELECT t.asset_id, t.name, t.parent_asset_id, p.name AS port_name, p.unlocode, p.country_code, p.is_europe
        FROM core_assets__assets t JOIN core_assets__assets p ON p.asset_id = t.parent_asset_id
        WHERE t.asset_class = 'terminal' ORDER BY t.asset_id""")
    cols = [d[0] for d in cur.description]
    out = []
    for r in cur.fetchall():
        t = dict(zip(cols, r))  # rows as dicts: iterrows costs 0.4 s at 5,000 terminals
        a = g.index.get(t["asset_id"])
        if a is None or not t["is_europe"]:
            continue
        controlled = bool(member[a]) and ctl.controller[a] >= 0
        if not (controlled or lo[a] >= screening - EPS):
            continue
        out.append((t, a, controlled, own_lo[a] >= screening - EPS or (bool(own[a]) and ctl.controller[a] >= 0)))
    return claim, out


def counted_ports(con: duckdb.DuckDBPyConnection, g: ownership.OwnershipGraph, ctl: ownership.Control,
                  profile: Profile, settings: Settings, held: dict) -> dict[str, bool]:
    """The ports of ``out_inge2__ports`` and their ``is_via_special_regions_only``, without the
    holders, shares and sources (the timeline reads no more)."""
    ports: dict[str, bool] = {}
    for t, _, _, via_own in _terminals(con, g, ctl, profile, settings, held)[1]:
        ports[t["parent_asset_id"]] = ports.get(t["parent_asset_id"], True) and not via_own
    return ports


def write(con: duckdb.DuckDBPyConnection, g: ownership.OwnershipGraph, ctl: ownership.Control, profile: Profile,
          settings: Settings, held: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Write ``out_inge2__ports`` and ``out_inge2__terminals``.

    Parameters
    ----------
    held : dict
        Per group id of the profile, ``(member, share_min, share_max)`` over the graph's
        nodes as the score stage computed them (reused, not recomputed).
    """
    claim, counted = _terminals(con, g, ctl, profile, settings, held)
    if claim.group is not None:
        member, lo, hi = held[claim.group.id]
    ports: dict[str, dict] = {}
    counted_terminals, found = [], []
    for t, a, controlled, via_own in counted:  # each terminal's holders and the links behind them
        holders, lids = set(), []
        for path in ownership.paths_to(g, a, stop=member):
            top = path[0].owner
            if member[top]:
                holders.add(g.names[top])
                for e in path:
                    lids += e.link_ids
        if controlled:
            for e in ownership.control_edges(g, ctl, a):
                lids += e.link_ids
            holders.add(g.names[ctl.chain[a][1]])
        found.append((holders, lids))
    # the sources of those links only (link ids are unique: checks/duplicate_ids.sql)
    needed = sorted({lid for _, lids in found for lid in lids})
    url_of = dict(con.execute("SELECT link_id, source_url FROM core_ownership__links "
                              "WHERE link_id IN (SELECT unnest(?))", [needed]).fetchall()) if needed else {}
    for (t, a, controlled, via_own), (holders, lids) in zip(counted, found):
        counted_terminals.append({"asset_id": t["asset_id"], "port_asset_id": t["parent_asset_id"],
                                  "share_min": float(lo[a]), "share_max": float(hi[a]), "is_controlled": controlled})
        urls = {url_of[lid] for lid in lids}
        p = ports.setdefault(t["parent_asset_id"], {
            "port_asset_id": t["parent_asset_id"], "unlocode": t["unlocode"], "port_name": t["port_name"],
            "country_code": t["country_code"], "terminals": [], "controlling_entities": set(),
            "share_min": 0.0, "share_max": 0.0, "is_controlled": False, "source_urls": set(),
            "is_via_special_regions_only": True})
        p["terminals"].append(t["name"])
        p["controlling_entities"] |= holders
        p["share_min"] = max(p["share_min"], float(lo[a]))
        p["share_max"] = max(p["share_max"], float(hi[a]))
        p["is_controlled"] = p["is_controlled"] or controlled
        p["source_urls"] |= urls
        if via_own:
            p["is_via_special_regions_only"] = False
    rows = [{
        "unlocode": p["unlocode"], "port_name": p["port_name"], "country_code": p["country_code"],
        "terminals": "; ".join(sorted(p["terminals"])),
        "controlling_entities": "; ".join(sorted(p["controlling_entities"])),
        "share_min": round(p["share_min"], 6), "share_max": round(p["share_max"], 6),
        "is_controlled": p["is_controlled"], "source_urls": " ".join(sorted(p["source_urls"])),
        "port_asset_id": p["port_asset_id"], "is_via_special_regions_only": p["is_via_special_regions_only"],
        "group_label": claim.label, "group_countries": ",".join(sorted(claim.members)),
    } for p in ports.values()]
    df = pd.DataFrame(rows, columns=PORT_COLUMNS)
    db.write_frame(con, "out_inge2__ports", df, order_by=["country_code", "port_name", "port_asset_id"])
    db.write_frame(con, "out_inge2__terminals", pd.DataFrame(
        counted_terminals, columns=["asset_id", "port_asset_id", "share_min", "share_max", "is_controlled"]),
        order_by=["asset_id"])
    return df


def share_display(row: dict) -> str:
    """A port's largest look-through stake as the INGE2 page shows it ('undisclosed share'
    where a terminal is controlled without a stated share).

    Examples
    --------
    >>> share_display({"is_controlled": True, "share_min": 0.0, "share_max": 1.0})
    'undisclosed share'
    """
    if row["is_controlled"] and row["share_min"] == 0:
        return "undisclosed share"
    return share_text(float(row["share_min"]), float(row["share_max"]))


def not_counted(con: duckdb.DuckDBPyConnection, members: frozenset[str]) -> list[dict]:
    """Stakes of entities controlled from the group in European terminals that the criterion
    leaves out (from ``core_ownership__links``, ``out_ownership__entities`` and
    ``out_inge2__terminals``), each with why."""
    counted = {r[0] for r in con.execute("SELECT asset_id FROM out_inge2__terminals").fetchall()}
    operators = set(vocab.operator_interest_types())
    cur = con.execute("""
        SELECT l.subject_id AS asset_id, a.name AS asset_name, a.country_code, l.owner_entity_id,
               e.entity_name AS owner_name, o.controlling_country_code, l.share_min, l.share_max,
               l.is_share_stated, l.status, l.is_current, l.source_url, l.as_of_date, l.as_of_precision,
               l.interest_type
        FROM core_ownership__links l
        JOIN core_assets__assets a ON a.asset_id = l.subject_id
        JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
        JOIN out_ownership__entities o ON o.entity_id = l.owner_entity_id
        WHERE l.subject_kind = 'asset' AND a.is_europe AND a.asset_class = 'terminal'  -- the claim is about ports
        ORDER BY a.country_code, a.name, l.link_id""")
    cols = [d[0] for d in cur.description]
    out = []
    for r in (dict(zip(cols, t)) for t in cur.fetchall()):
        if r["controlling_country_code"] not in members:
            continue
        if r["is_current"] and r["asset_id"] in counted:
            continue
        if r["status"] == "exited":
            why = "the holder has exited (0% recorded)"
        elif not r["is_current"]:
            why = f"not current: {r['status']}"
        elif r["interest_type"] in operators:
            why = "an operating contract, not an ownership stake"
        else:
            why = "below the screening threshold, and no control"
        out.append({**r, "share": stake_share(float(r["share_min"]), float(r["share_max"]), bool(r["is_share_stated"])),
                    "why": why, "as_of": date_text(r["as_of_date"], r["as_of_precision"])})
    return out
