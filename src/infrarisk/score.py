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

Bands (thresholds are settings; the rule is :mod:`infrarisk.bands`): ``high`` — controlled
from the group, or the group holds at least the *sizeable* threshold; ``elevated`` — at least
the *screening* threshold, or the asset is operated under contract by an entity controlled
from the group; ``low`` — a smaller stake; ``none`` — none of the traced holdings reaches the
group and the untraced share (if any) stays below the screening threshold; ``unknown`` —
no exposure established and the untraced share could reach a threshold (or no ownership
data). Each row says its traced and untraced share, the basis of its band and the band the
untraced share could make it (``traced_share``, ``untraced_share``, ``band_basis``,
``band_max``).

Where the sources disagree on an entity's country (``core_ownership__entities.alt_country_codes``
where the integrate stage writes it), the band uses the more exposed reading and says so
(``is_more_exposed_reading``); the INGE2 finding keeps the recorded reading.
``out_exposure__group_countries`` lists the countries of each group (the country summary
tells foreign from domestic control with it).
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pyarrow as pa

from . import bands, db, ownership, vocab
from .collector import paused
from .findings import inge2
from .ownership import OwnershipGraph, network
from .profiles import Profile, RiskGroup
from .settings import Settings

BANDS = ("high", "elevated", "low", "unknown", "none")
SEVERITY = bands.SEVERITY
GROUP_COLUMNS = ["asset_id", "group_id", "group_label", "share_min", "share_max", "is_controlled", "operator_name",
                 "band", "band_reason", "traced_share", "untraced_share", "band_basis", "band_max",
                 "is_more_exposed_reading"]
#: column types of out_exposure__asset_groups
GROUP_TYPES = dict(zip(GROUP_COLUMNS, [pa.string()] * 3 + [pa.float64()] * 2 + [pa.bool_()] + [pa.string()] * 3
                       + [pa.float64()] * 2 + [pa.string()] * 2 + [pa.bool_()]))


def band_for(lo: float, hi: float, controlled: bool, operated: bool, settings: Settings) -> str:
    """The band of one asset for one group (:func:`infrarisk.bands.interval_band`).

    Examples
    --------
    >>> s = Settings.load()
    >>> band_for(0.2499, 0.2499, False, False, s), band_for(0.0, 0.0455, False, False, s)
    ('elevated', 'none')
    >>> band_for(0.0, 0.10, False, False, s)
    'unknown'
    """
    return bands.interval_band(lo, hi, controlled, operated, settings.thresholds).band


def alt_countries(con: duckdb.DuckDBPyConnection, g: OwnershipGraph) -> dict[int, frozenset[str]]:
    """Alternative countries of entities whose sources disagree on their country, by node.

    Read from ``core_ownership__entities.alt_country_codes`` (a list, or codes separated by
    commas, semicolons or spaces) where the integrate stage writes it; empty without it.
    """
    cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'core_ownership__entities'").fetchall())
    if "alt_country_codes" not in cols:
        return {}
    # rows with nothing in them are left in the database (most entities have an empty list)
    some = "len(alt_country_codes) > 0" if cols["alt_country_codes"].endswith("[]") else "trim(alt_country_codes) <> ''"
    out: dict[int, frozenset[str]] = {}
    for eid, codes in con.execute("SELECT entity_id, alt_country_codes FROM core_ownership__entities "
                                  f"WHERE alt_country_codes IS NOT NULL AND {some}").fetchall():
        v = g.index.get(eid)
        if v is None:
            continue
        items = codes if isinstance(codes, (list, tuple)) else re.split(r"[,;\s]+", str(codes))
        cs = frozenset(str(c).strip().upper() for c in items if c and str(c).strip())
        if cs:
            out[v] = cs
    return out


def exposed_members(g: OwnershipGraph, ctl: ownership.Control, group: frozenset[str], majority: float,
                    alt: dict[int, frozenset[str]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Membership of a group under the recorded reading and under the more exposed one.

    The more exposed reading counts an entity as seated in the group where one of its
    alternative countries (sources that disagree) is in the group: every node whose chain
    ends at such an entity is then controlled from the group (joint control cascading as
    in :func:`infrarisk.ownership.in_group`).

    Returns
    -------
    (member, exposed, switched) : the recorded membership, the more exposed one, and the
    entities whose alternative country makes the difference.
    """
    member = ownership.in_group(g, ctl, set(group), majority)
    tops = np.asarray(ctl.ultimate)
    # only a chain's top carries its country to what it controls
    switched = [v for v, cs in sorted(alt.items()) if cs & group and not member[v] and tops[v] == v]
    if not switched:
        return member, member, []
    codes = g.net.country_codes
    cc = ctl.country_code if ctl.country_code is not None else np.array(
        [codes.index(c) if c in codes else -1 for c in ctl.country], dtype=np.int64)
    sentinel = len(codes)  # a country code index standing for "the group, by the alternative reading"
    cc = cc.copy()
    for v in switched:
        cc[v] = sentinel
        cc[tops == v] = sentinel
    group_codes = np.array([i for i, c in enumerate(codes) if c in group] + [sentinel], dtype=np.int64)
    exposed = network.in_group(g.net, ctl.ultimate, cc, group_codes, majority) | member
    return member, exposed, switched


@paused()  # many rows (dicts) and few reference cycles (tests/test_score_gc.py)
def score(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, profile: Profile, settings: Settings) -> None:
    """Write the ``out_exposure__*`` (bands and their evidence) and ``out_inge2__*`` tables for ``profile``.

    The cyclic garbage collector is paused meanwhile (:func:`infrarisk.collector.paused`): the
    stage makes many row dicts and few reference cycles (the path walk's recursive closures)."""
    majority = settings.thresholds.majority
    ctl = ownership.control(g, majority)
    assets = np.flatnonzero(g.is_asset).tolist()
    operators = set(vocab.operator_interest_types())
    alt = alt_countries(con, g)
    rows, held, paths = [], {}, []
    edge_id = {id(e): i for i, e in enumerate(g.edges)}  # the row of each edge in out_exposure__evidence_edges
    names, chain = g.names, ctl.chain
    # each asset's control chain in words, made once for every group
    chains = {a: " > ".join([names[x] for x in chain[a][1:]]) for a in assets}
    facts = _asset_facts(g, ctl, operators)  # read as lists: faster than arrays value by value
    for grp in profile.groups:
        members = profile.members(grp)
        member, exposed, switched = exposed_members(g, ctl, members, majority, alt)
        lo, hi = ownership.held_share(g, member, ctl)
        held[grp.id] = (member, lo, hi)  # the INGE2 finding states what the sources say: the recorded reading
        xlo, xhi = ownership.held_share(g, exposed, ctl) if switched else (lo, hi)
        # an asset with no member at or above it has no path from one: no walk
        reach, xreach = ownership.below(g, member).tolist(), (ownership.below(g, exposed).tolist() if switched else None)
        m_l, lo_l, hi_l = member.tolist(), lo.tolist(), hi.tolist()
        if switched:
            x_l, xlo_l, xhi_l = exposed.tolist(), xlo.tolist(), xhi.tolist()
        for a in assets:
            p0 = _group_paths(g, ctl, edge_id, a, grp.id, member) if reach[a] else []
            r0 = _group_row(g, ctl, a, grp, m_l, lo_l, hi_l, operators, settings, _undisclosed(g, p0) if p0 else (),
                            chain=chains[a], facts=facts)
            r, p = r0, p0
            if switched:
                p1 = _group_paths(g, ctl, edge_id, a, grp.id, exposed) if xreach[a] else []
                r1 = _group_row(g, ctl, a, grp, x_l, xlo_l, xhi_l, operators, settings,
                                _undisclosed(g, p1) if p1 else (), chain=chains[a], facts=facts)
                if (SEVERITY[r1["band"]], r1["share_min"], r1["share_max"]) > (
                        SEVERITY[r0["band"]], r0["share_min"], r0["share_max"]):
                    r = {**r1, "is_more_exposed_reading": True,
                         "band_reason": r1["band_reason"] + _exposed_note(g, switched, alt, grp)}
                    p = p1
            rows.append(r)
            paths += p
    write_groups(con, census_statements(con, rows))
    gc = [(grp.id, grp.label, c) for grp in profile.groups for c in sorted(profile.members(grp))]
    db.write_columns(con, "out_exposure__group_countries", {
        "group_id": [r[0] for r in gc], "group_label": [r[1] for r in gc], "country_code": [r[2] for r in gc]},
        {"group_id": _S, "group_label": _S, "country_code": _S}, order_by=["group_id", "country_code"])
    db.run_sql(con, "out/out_exposure__ports")
    db.run_sql(con, "out/out_exposure__assets", {"profile_name": profile.name})
    write_evidence(con, g, ctl, assets, paths)
    inge2.write(con, g, ctl, profile, settings, held)


def census_statements(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> list[dict]:
    """A census terminal the census states is held with no foreign stake: ``none`` with that statement.

    Only where the traced holdings establish no holding by the group (band ``unknown``, share_min 0)
    on a terminal the census added (not a curated one); the basis is ``stated``. ``rows``: the
    ``out_exposure__asset_groups`` rows (dicts), changed in place and returned.
    """
    stated = {a: (t, u, d) for a, t, u, d in con.execute(
        "SELECT m.asset_id, t.no_foreign_stake_statement, t.no_foreign_stake_source_url, "
        "CAST(t.no_foreign_stake_source_date AS VARCHAR) FROM core_census__terminals t "
        "JOIN core_assets__census_map m USING (terminal_id) "
        "WHERE m.is_new AND t.no_foreign_stake_statement IS NOT NULL").fetchall()}
    for r in rows:
        if r["asset_id"] in stated and r["band"] == "unknown" and r["share_min"] <= 0:
            text, url, when = stated[r["asset_id"]]
            r["band"], r["band_basis"] = "none", "stated"
            r["band_reason"] = (f"Held with no foreign stake, as the census of container terminals states: "
                                f"{text.rstrip('.')} ({url}, {str(when)[:10]}).")
    return rows


def write_groups(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """``out_exposure__asset_groups`` from its rows (dicts), by asset and group."""
    db.write_columns(con, "out_exposure__asset_groups", {c: [r[c] for r in rows] for c in GROUP_COLUMNS},
                     GROUP_TYPES, order_by=["asset_id", "group_id"])


def _undisclosed(g: OwnershipGraph, paths: list[dict]) -> tuple[str, ...]:
    """The holdings of undisclosed size on ``paths`` (rows of :func:`_group_paths`, paths from
    group-controlled entities down to the asset) whose look-through has no stated lower bound
    (0): the sources name the holders but not every share on the way. Each is written as the
    group-controlled entity at the top of the path, "through" the asset's direct holder where
    that is another entity."""
    last = {}
    for r in paths:  # the last step of each path is the edge into the asset
        last[r["path"]] = r
    out = set()
    for r in last.values():
        if r["look_through"] > bands.EPS:
            continue
        top, holder = g.names[g.index[r["top_entity_id"]]], g.names[g.edges[r["edge_id"]].owner]
        out.add(top if top == holder else f"{top} through {holder}")
    return tuple(sorted(out))


def _group_row(g: OwnershipGraph, ctl: ownership.Control, a: int, grp: RiskGroup, member: np.ndarray,
               lo: np.ndarray, hi: np.ndarray, operators: set[str], settings: Settings,
               undisclosed: tuple[str, ...] = (), reason: bool = True, chain: str | None = None,
               facts: tuple | None = None) -> dict:
    """The ``out_exposure__asset_groups`` row of asset ``a`` for one group under one membership;
    ``undisclosed`` names its group-controlled holders of undisclosed share (:func:`_undisclosed`).
    ``reason=False`` leaves the reason in words out (empty: the timeline reads bands only); ``chain``:
    the asset's control chain in words, when the caller has it. ``member``, ``lo`` and ``hi`` may be
    lists (read faster than arrays, value by value); ``facts``: :func:`_asset_facts` of ``g``, when the
    caller has them."""
    t = settings.thresholds
    if facts is None:
        operator = next((g.names[e.owner] for e in g.in_edges.get(a, [])
                         if e.interest_type in operators and member[e.owner]), None)
        controlled = bool(member[a]) and ctl.controller[a] >= 0
        owned = bool(g.has_owner[a])
    else:  # the same, read from lists
        controller, has_owner, operated_by = facts
        operator = next((g.names[o] for o in operated_by.get(a, ()) if member[o]), None)
        controlled = bool(member[a]) and controller[a] >= 0
        owned = has_owner[a]
    la, ha = float(lo[a]), float(hi[a])
    b = bands.interval_band(la, ha, controlled, operator is not None, t)
    return {
        "asset_id": g.ids[a], "group_id": grp.id, "group_label": grp.label,
        "share_min": la, "share_max": ha, "is_controlled": controlled,
        "operator_name": operator, "band": b.band,
        "band_reason": bands.band_reason(b, grp.label, la, ha, controlled, operator,
                                         " > ".join(g.names[x] for x in ctl.chain[a][1:]) if chain is None else chain,
                                         t, owned,
                                         undisclosed if la <= bands.EPS else ()) if reason else "",
        "traced_share": 1.0 - b.untraced, "untraced_share": b.untraced, "band_basis": b.basis,
        "band_max": b.band_max, "is_more_exposed_reading": False,
    }


def _asset_facts(g: OwnershipGraph, ctl: ownership.Control, operators: set[str]) -> tuple[list, list, dict]:
    """What :func:`_group_row` reads of every node, as lists: its controller (-1: none), whether it has a
    recorded owner, and the owners of its edges whose interest is one of ``operators`` (only nodes with
    such edges; in edge order)."""
    operated_by: dict[int, list[int]] = {}
    for e in g.edges:
        if e.interest_type in operators:
            operated_by.setdefault(e.subject, []).append(e.owner)
    return np.asarray(ctl.controller).tolist(), np.asarray(g.has_owner, bool).tolist(), operated_by


def _exposed_note(g: OwnershipGraph, switched: list[int], alt: dict[int, frozenset[str]], grp: RiskGroup) -> str:
    names = "; ".join(f"{g.names[v]} (recorded {g.country[v] or 'unknown'}, also {', '.join(sorted(alt[v]))})"
                      for v in switched[:5])
    more = f" and {len(switched) - 5} more" if len(switched) > 5 else ""
    return (f" This is the more exposed reading: the sources disagree on the country of {names}{more}; "
            f"the band counts the reading that places it in {grp.label}.")


# ------------------------------------------------------------------ evidence tables
EDGE_COLUMNS = ["edge_id", "owner_entity_id", "owner_name", "subject_id", "subject_name", "share_min", "share_max",
                "is_control", "control_basis", "is_conflict", "is_economic", "interest_type", "link_ids"]
PATH_COLUMNS = ["asset_id", "group_id", "path", "step", "edge_id", "top_entity_id", "top_country_code",
                "look_through"]
_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
#: column types of the evidence tables (as written when empty too)
EDGE_TYPES = dict(zip(EDGE_COLUMNS, [_I, _S, _S, _S, _S, _F, _F, _B, _S, _B, _B, _S, pa.list_(_S)]))
CONTROL_TYPES = {"asset_id": _S, "step": _I, "edge_id": _I}
PATH_TYPES = dict(zip(PATH_COLUMNS, [_S, _S, _I, _I, _I, _S, _S, _F]))


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
                   assets: list[int], paths: list[dict]) -> None:
    """Write the ``out_exposure__evidence_*`` tables (see the module docstring)."""
    ids, names, edges = g.ids, g.names, g.edges
    db.write_columns(con, "out_exposure__evidence_edges", {
        "edge_id": range(len(edges)), "owner_entity_id": [ids[e.owner] for e in edges],
        "owner_name": [names[e.owner] for e in edges], "subject_id": [ids[e.subject] for e in edges],
        "subject_name": [names[e.subject] for e in edges], "share_min": [float(e.lo) for e in edges],
        "share_max": [float(e.hi) for e in edges], "is_control": [bool(e.is_control) for e in edges],
        "control_basis": [e.control_basis for e in edges], "is_conflict": [bool(e.is_conflict) for e in edges],
        "is_economic": [bool(e.is_economic) for e in edges], "interest_type": [e.interest_type for e in edges],
        "link_ids": [list(e.link_ids) for e in edges]}, EDGE_TYPES)
    # each asset's control chain as edges (ownership.control_edges): the edges of each
    # (subject, owner) pair, in edge order, looked up once
    pair: dict[tuple[int, int], list[int]] = {}
    for i, e in enumerate(edges):
        pair.setdefault((e.subject, e.owner), []).append(i)
    controller, chain = np.asarray(ctl.controller).tolist(), ctl.chain
    steps: dict[str, list] = {"asset_id": [], "step": [], "edge_id": []}
    for a in assets:
        if controller[a] < 0:
            continue
        c, k = chain[a], 0
        for link in zip(c, c[1:]):
            for i in pair.get(link, ()):
                k += 1
                steps["asset_id"].append(ids[a])
                steps["step"].append(k)
                steps["edge_id"].append(i)
    db.write_columns(con, "out_exposure__evidence_control", steps, CONTROL_TYPES, order_by=["asset_id", "step"])
    db.write_columns(con, "out_exposure__evidence_paths", {c: [r[c] for r in paths] for c in PATH_COLUMNS}, PATH_TYPES,
                     order_by=["asset_id", "group_id", "path", "step"])
