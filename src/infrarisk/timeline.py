"""Bands through time: every asset's band and the INGE2 count at every date where they can change.

Contract
--------
Inputs (a finished score stage in ``con``): today's ``core_ownership__links`` and the tables
``integrate/core_ownership__links.sql`` reads (its union of links and their evidence dates),
``core_assets__assets``, ``core_ownership__entities``, today's ``out_exposure__assets`` and
``out_inge2__ports``, and every table the resolve and score stages read.
Outputs:

- ``out_timeline__dates``: the change dates (``change_date``): the distinct dates on which a
  link starts, ends, is exited or becomes known (``as_of_date``, ``start_date``, ``end_date``,
  ``known_date``, ``end_known_date``), from the earliest dated fact to the build date;
- ``out_timeline__asset_bands(asset_id, valid_from, valid_to, band, group_id, share_min,
  share_max, is_controlled)``: each asset's band on ``[valid_from, valid_to)`` (``valid_to``
  NULL: up to the build date), **sparse**: only the assets whose band on some date differs
  from today's band (``out_exposure__assets``), one row per interval over which nothing of the
  row changes, from the earliest change date on;
- ``out_timeline__inge2(valid_from, valid_to, n_ports, n_ports_via_special_regions_only)``:
  the INGE2 count on each interval.

Exactness: the figures on a date D are those of ``infrarisk build --as-of D``. A figure of an
asset depends only on the links into it and into its ancestors (the scope argument of
:mod:`infrarisk.ownership`); a port's on its terminals'. So:

1. one SQL pass (``sql/timeline/_timeline_link_states.sql``: the ``--as-of`` rule of
   ``core_ownership__links.sql`` with the date as a column, over that file's own union of
   links) gives every link's state (current, share interval, control) on every date where a
   link of its subject has a dated fact — the only dates where it can step;
2. an asset whose ancestors' links are, on a date, all in today's state has today's figures
   (nothing is computed); the others are computed only on the dates where the state above them
   steps;
3. those (asset, date) pairs are computed all at once: each date's assets, with everything
   above them and the links in that date's state, become one disjoint copy (ids prefixed with
   the copy, so each copy keeps the order of the ids) in a scratch schema (``timeline``, first
   on a cursor's search path, dropped at the end), and the real :func:`infrarisk.ownership.resolve`
   and :func:`infrarisk.score.score` run once over all copies. Copies share no node, and every
   figure of a node depends only on its ancestors, so each copy's figures are those of its date.

The INGE2 count is kept per port (a port counts from its own terminals): today's ports, with
each port's membership replaced on the dates where it was computed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from . import db, ownership, score, vocab
from .findings import inge2
from .ownership import network
from .profiles import Profile
from .settings import Settings

SCHEMA = "timeline"
BAND_COLUMNS = ["asset_id", "valid_from", "valid_to", "band", "group_id", "share_min", "share_max", "is_controlled"]
INGE2_COLUMNS = ["valid_from", "valid_to", "n_ports", "n_ports_via_special_regions_only"]
VALUE = ["band", "group_id", "share_min", "share_max", "is_controlled"]
#: tables keyed by asset id that the resolve and score stages read (copied with the copies' ids)
ASSET_KEYED = ("core_cables__owner_mentions", "core_gem__stakes", "core_assets__census_map")
#: one link's state as text (the same on today's table and on the dated states)
KEY = "concat_ws(':', link_id, owner_entity_id, share_min, share_max, is_control, control_basis)"


def change_dates(con: duckdb.DuckDBPyConnection, until: date) -> list[date]:
    """The distinct dates where a link starts, ends, is exited or becomes known, up to ``until``."""
    rows = con.execute("""
        SELECT DISTINCT d FROM (
            SELECT unnest([as_of_date, start_date, end_date]) AS d FROM core_ownership__links
            UNION ALL
            SELECT unnest([CAST(known_date AS DATE), CAST(end_known_date AS DATE), CAST(end_date AS DATE)])
            FROM core_curated__evidence)
        WHERE d IS NOT NULL AND d <= ? ORDER BY d""", [until]).fetchall()
    return [r[0] for r in rows]


def link_states_sql() -> str:
    """``sql/timeline/_timeline_link_states.sql`` with the union of links of
    ``integrate/core_ownership__links.sql`` (its CTEs up to ``evidenced``) in place."""
    text = db.sql_text("integrate/core_ownership__links")
    start, end = text.find("WITH asset_links AS ("), text.find("\nlast_exit AS (")
    if start < 0 or end < 0 or "\nevidenced AS (" not in text[start:end]:
        raise RuntimeError("integrate/core_ownership__links.sql: the union of links (asset_links .. evidenced) "
                           "is no longer where the timeline reads it")
    return db.sql_text("timeline/_timeline_link_states").replace("{evidenced}", text[start + 5:end].rstrip().rstrip(","))


def subject_states(con, settings: Settings, first: date, until: date) -> tuple[dict, dict]:
    """Per subject its state steps ``(days, keys)`` (a key per day where it differs from the day
    before, from ``first`` on) and today's key (``None``: no current link)."""
    con.execute(link_states_sql(), {"majority": settings.thresholds.majority, "first_date": first, "until": until})
    steps: dict = {}
    for sid, day, key in con.execute(f"""
            SELECT subject_id, day, string_agg(CASE WHEN is_current THEN {KEY} END, '|' ORDER BY link_id)
            FROM _timeline_link_states GROUP BY subject_kind, subject_id, day ORDER BY subject_id, day""").fetchall():
        days, keys = steps.setdefault(sid, ([], []))
        if not keys or keys[-1] != key:
            days.append(day)
            keys.append(key)
    today = dict(con.execute(f"""SELECT subject_id, string_agg(CASE WHEN is_current THEN {KEY} END, '|' ORDER BY link_id)
                                 FROM main.core_ownership__links GROUP BY subject_kind, subject_id""").fetchall())
    return steps, today


def _graph(con: duckdb.DuckDBPyConnection):
    """Every link ever recorded as owner -> subjects and subject -> owners, the assets' classes, and
    each port's terminals (a port's band and its INGE2 row read every terminal of it)."""
    down, up = defaultdict(set), defaultdict(set)
    for s, o in con.execute("SELECT DISTINCT subject_id, owner_entity_id FROM core_ownership__links").fetchall():
        down[o].add(s)
        up[s].add(o)
    cls = dict(con.execute("SELECT asset_id, asset_class FROM core_assets__assets").fetchall())
    terminals = defaultdict(set)
    for t, p in con.execute("SELECT asset_id, parent_asset_id FROM core_assets__assets "
                            "WHERE asset_class = 'terminal' AND parent_asset_id IS NOT NULL").fetchall():
        if cls.get(p) == "port":
            terminals[p].add(t)
    return down, up, cls, terminals


def state_at(steps: dict, subject: str, day: date):
    """The state key of ``subject``'s links on ``day`` (``steps`` of :func:`subject_states`)."""
    days, keys = steps[subject]
    return keys[bisect.bisect_right(days, day) - 1]


def _reach(start, edges) -> set:
    seen, todo = set(start), list(start)
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def plan(steps: dict, today: dict, down, up, cls, terminals) -> dict:
    """Per asset whose figures can differ from today's, its events ``[(day, compute)]``: on ``day``
    the state above it steps, and it either is today's state again (``compute`` False: today's
    figures) or not (its figures must be computed on that day). While no link into an asset (not a
    port) is current, nothing above it counts: those days are one state."""
    moving = {s for s, (_, keys) in steps.items() if any(k != today.get(s) for k in keys)}
    assets = {n for n in _reach(moving, down) if n in cls}
    for p, ts in terminals.items():
        if ts & assets:
            assets.add(p)
    out = {}
    for a in sorted(assets):
        members = {a} | terminals.get(a, set())
        above = sorted(_reach(members, up) & moving)
        solo = a in steps and cls.get(a) != "port"
        days = sorted({d for s in above for d in steps[s][0]})
        prev, events = (), []
        for d in days:
            if solo and state_at(steps, a, d) is None:  # no current link into it
                key, need = None, today.get(a) is not None
            else:
                key = tuple(state_at(steps, s, d) for s in above)
                need = any(k != today.get(s) for s, k in zip(above, key))
            if key != prev:
                prev = key
                events.append((d, need))
        out[a] = events
    return out


def assign(steps: dict, events: dict, cls: dict, country: dict, stated: set) -> tuple[dict, dict]:
    """The assets to compute on each date, and the (date, asset) pairs computed by another's.

    An asset with no current link into it on a date has figures that depend on nothing but its
    class and country (no edge into it: no share, no controller, no operator), unless it is a port
    (it rolls up its terminals) or a terminal the census states held with no foreign stake
    (``stated``): one such asset per class and country is computed, the others take its figures.
    """
    work: dict[date, set] = defaultdict(set)
    alias, rep = {}, {}
    for a, evs in events.items():
        bare = cls.get(a) != "port" and a in steps and a not in stated
        for d, need in evs:
            if not need:
                continue
            if bare and state_at(steps, a, d) is None:
                first = rep.setdefault((cls.get(a), country.get(a)), (d, a))
                alias[(d, a)] = first
                work[first[0]].add(first[1])
            else:
                work[d].add(a)
    return work, alias


def census_stated(con: duckdb.DuckDBPyConnection) -> set:
    """The terminals the census added (its statement of no foreign stake can set their band)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "AND table_name = 'core_assets__census_map'").fetchall()}
    return {r[0] for r in con.execute("SELECT asset_id FROM main.core_assets__census_map WHERE is_new").fetchall()} if have else set()


def _copies(cur, work: dict[date, set], up, terminals) -> None:
    """The scratch schema's tables: one disjoint copy per date of ``work`` (its assets, their
    terminals, everything above them, the links in that date's state), ids prefixed ``tNNNNN|``."""
    nodes, assets = [], []
    for k, (d, todo) in enumerate(sorted(work.items())):
        prefix = f"t{k:05d}|"
        members = set(todo) | {t for a in todo for t in terminals.get(a, ())}
        assets += [(prefix, a) for a in sorted(members)]
        nodes += [(prefix, d, n) for n in sorted(_reach(members, up))]
    cur.register("_tl_nodes_df", pd.DataFrame(nodes, columns=["prefix", "day", "node_id"]))
    cur.register("_tl_assets_df", pd.DataFrame(assets, columns=["prefix", "asset_id"]))
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE _tl_nodes AS SELECT prefix, CAST(day AS DATE) AS day, node_id FROM _tl_nodes_df")
        cur.execute("CREATE OR REPLACE TEMP TABLE _tl_assets AS SELECT * FROM _tl_assets_df")
    finally:
        cur.unregister("_tl_nodes_df")
        cur.unregister("_tl_assets_df")
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__entities AS
        SELECT e.* REPLACE (c.prefix || e.entity_id AS entity_id,
                          row_number() OVER (ORDER BY c.prefix || e.entity_id) - 1 AS entity_no)
        FROM main.core_ownership__entities e JOIN _tl_nodes c ON c.node_id = e.entity_id
        ORDER BY entity_id""")
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_assets__assets AS
        SELECT a.* REPLACE (c.prefix || a.asset_id AS asset_id, c.prefix || a.parent_asset_id AS parent_asset_id)
        FROM main.core_assets__assets a JOIN _tl_assets c USING (asset_id) ORDER BY asset_id""")
    present = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                                         ).fetchall()}
    for t in ASSET_KEYED:
        if t in present:
            cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.{t} AS SELECT m.* REPLACE (c.prefix || m.asset_id AS asset_id)
                            FROM main.{t} m JOIN _tl_assets c USING (asset_id)""")
    # each copy's subjects take the state of the last evaluated day on or before the copy's day
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__links AS
        WITH evaluated AS (SELECT DISTINCT subject_kind, subject_id, day FROM _timeline_link_states),
        picked AS (
            SELECT c.prefix, e.subject_kind, e.subject_id, e.day
            FROM _tl_nodes c ASOF JOIN evaluated e ON c.node_id = e.subject_id AND c.day >= e.day
        ),
        dated AS (
            SELECT p.prefix, s.* FROM picked p JOIN _timeline_link_states s USING (subject_kind, subject_id, day)
        )
        SELECT l.* REPLACE (
                   d.prefix || l.subject_id AS subject_id, d.prefix || l.owner_entity_id AS owner_entity_id,
                   d.is_current AS is_current, d.share_min AS share_min, d.share_max AS share_max,
                   d.is_control AS is_control, d.control_basis AS control_basis,
                   eo.entity_no AS owner_no, CASE WHEN l.subject_kind <> 'asset' THEN es.entity_no END AS subject_no)
        FROM main.core_ownership__links l
        JOIN dated d ON d.subject_kind = l.subject_kind AND d.subject_id = l.subject_id AND d.link_id = l.link_id
            AND d.owner_entity_id IS NOT DISTINCT FROM l.owner_entity_id
        LEFT JOIN {SCHEMA}.core_ownership__entities eo ON eo.entity_id = d.prefix || l.owner_entity_id
        LEFT JOIN {SCHEMA}.core_ownership__entities es ON es.entity_id = d.prefix || l.subject_id
            AND l.subject_kind <> 'asset'
        ORDER BY l.subject_kind, subject_id, owner_entity_id, l.link_id""")


def resolve_bands_only(con: duckdb.DuckDBPyConnection, settings: Settings) -> ownership.OwnershipGraph:
    """:func:`infrarisk.ownership.resolve` without the tables no band reads: the same load, control
    and graph (the score stage's input), and an empty ``out_ownership__asset_controllers`` (the
    controller columns of ``out_exposure__assets``, not read here). The per-asset owner and
    country tables it leaves out cost a dense solve per 256 assets against every root of the copies."""
    majority = settings.thresholds.majority
    loaded = ownership.load_network(con, settings)
    net = loaded.net
    ctl, _ = network.controllers(net)
    top, _depth = network.ultimate(ctl)
    cc, basis = network.countries(net, ctl, top, majority)
    g = ownership.build_graph(con, settings, loaded)
    nodes = g.nodes
    new = np.full(net.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))

    def sub(x):  # as in resolve: whole-graph node numbers -> the scope's
        x = x[nodes]
        return np.where(x >= 0, new[np.maximum(x, 0)], -1)

    s_ctl = sub(ctl)
    g._control[majority] = ownership.Control.from_arrays(g.net, s_ctl, sub(top), cc[nodes], basis[nodes],
                                                         network.control_conflicts(g.net, s_ctl))
    con.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.out_ownership__asset_controllers (asset_id VARCHAR,
                   controller_entity_id VARCHAR, control_chain VARCHAR, controlling_country_code VARCHAR)""")
    return g


def score_bands_only(con: duckdb.DuckDBPyConnection, g: ownership.OwnershipGraph, profile: Profile,
                     settings: Settings) -> None:
    """:func:`infrarisk.score.score` without the evidence (paths, edges, control steps): the same
    rows per asset and group (:func:`infrarisk.score._group_row`, the more exposed reading, the census
    statements; band reasons without the names of undisclosed holders, which no band reads), then
    ``out_exposure__ports``, ``out_exposure__assets`` and the INGE2 tables as the score stage writes them."""
    majority = settings.thresholds.majority
    ctl = ownership.control(g, majority)
    assets = [v for v in range(g.n) if g.is_asset[v]]
    operators = set(vocab.operator_interest_types())
    alt = score.alt_countries(con, g)
    rows, held = [], {}
    for grp in profile.groups:
        member, exposed, switched = score.exposed_members(g, ctl, profile.members(grp), majority, alt)
        lo, hi = ownership.held_share(g, member, ctl)
        held[grp.id] = (member, lo, hi)
        xlo, xhi = ownership.held_share(g, exposed, ctl) if switched else (lo, hi)
        for a in assets:
            r = score._group_row(g, ctl, a, grp, member, lo, hi, operators, settings)
            if switched:
                r1 = score._group_row(g, ctl, a, grp, exposed, xlo, xhi, operators, settings)
                if (score.SEVERITY[r1["band"]], r1["share_min"], r1["share_max"]) > (
                        score.SEVERITY[r["band"]], r["share_min"], r["share_max"]):
                    r = {**r1, "is_more_exposed_reading": True}
            rows.append(r)
    groups = score.census_statements(con, pd.DataFrame(rows, columns=score.GROUP_COLUMNS))
    db.write_frame(con, "out_exposure__asset_groups", groups, order_by=["asset_id", "group_id"])
    db.run_sql(con, "out/out_exposure__ports")
    db.run_sql(con, "out/out_exposure__assets", {"profile_name": profile.name})
    inge2.write(con, g, ctl, profile, settings, held)


def compute(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile,
            until: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[date]]:
    """The dense timeline: (bands of every asset on each of its events, INGE2 count per event date,
    change dates). An asset without a row on a date keeps its figures of the date before."""
    until = until or date.today()
    dates = change_dates(con, until)
    empty = (pd.DataFrame(columns=["valid_from", "asset_id", *VALUE]),
             pd.DataFrame(columns=["valid_from", "n_ports", "n_ports_via_special_regions_only"]), dates)
    if not dates:
        return empty
    cur = con.cursor()
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cur.execute(f"SET search_path = '{SCHEMA},main'")
    try:
        steps, today_keys = subject_states(cur, settings, dates[0], until)
        down, up, cls, terminals = _graph(con)
        country = dict(con.execute("SELECT asset_id, country_code FROM core_assets__assets").fetchall())
        events = plan(steps, today_keys, down, up, cls, terminals)
        work, alias = assign(steps, events, cls, country, census_stated(con))
        computed, ports = {}, {}
        if work:
            _copies(cur, work, up, terminals)
            g = resolve_bands_only(cur, settings)
            score_bands_only(cur, g, profile, settings)
            day_of = {f"t{k:05d}|": d for k, d in enumerate(sorted(work))}
            for aid, *vals in cur.execute(f"""SELECT asset_id, band, band_group_id, share_min, share_max, is_controlled
                                              FROM {SCHEMA}.out_exposure__assets""").fetchall():
                computed[(day_of[aid[:7]], aid[7:])] = vals
            for pid, via in cur.execute(f"SELECT port_asset_id, is_via_special_regions_only "
                                        f"FROM {SCHEMA}.out_inge2__ports").fetchall():
                ports[(day_of[pid[:7]], pid[7:])] = bool(via)
    finally:
        cur.execute("SET search_path = 'main'")
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.close()
    today = {r[0]: list(r[1:]) for r in con.execute(
        "SELECT asset_id, band, band_group_id, share_min, share_max, is_controlled FROM out_exposure__assets").fetchall()}
    counted_today = {p: bool(v) for p, v in con.execute(
        "SELECT port_asset_id, is_via_special_regions_only FROM out_inge2__ports").fetchall()}
    rows, port_events = [], defaultdict(list)
    for a, evs in events.items():
        for d, need in evs:
            vals = computed[alias.get((d, a), (d, a))] if need else today[a]
            rows.append([d, a, *vals])
            if cls.get(a) == "port":  # (port, counts on d, via the special regions only)
                if need:
                    port_events[d].append((a, (d, a) in ports, ports.get((d, a), False)))
                else:
                    port_events[d].append((a, a in counted_today, counted_today.get(a, False)))
    dense = pd.DataFrame(rows, columns=["valid_from", "asset_id", *VALUE])
    counted, inge2_rows = dict(counted_today), []
    for d in sorted(set(port_events) | {dates[0]}):
        for p, counts, via in port_events.get(d, ()):
            counted.pop(p, None)
            if counts:
                counted[p] = bool(via)
        inge2_rows.append({"valid_from": d, "n_ports": len(counted), "n_ports_via_special_regions_only": sum(counted.values())})
    return dense, pd.DataFrame(inge2_rows, columns=["valid_from", "n_ports", "n_ports_via_special_regions_only"]), dates


def _intervals(df: pd.DataFrame, key: str | None, value: list[str]) -> pd.DataFrame:
    """Consecutive rows (by key, then valid_from) with the same values merged into one row
    ``[valid_from, valid_to)``; ``valid_to`` is the next row's start (None for the last one)."""
    df = df.sort_values(([key] if key else []) + ["valid_from"], kind="mergesort").reset_index(drop=True)
    if df.empty:
        return df.assign(valid_to=pd.Series(dtype=object))
    same = pd.Series(True, index=df.index) if key is None else df[key].eq(df[key].shift())
    for c in value:
        prev = df[c].shift()
        same &= df[c].eq(prev) | (df[c].isna() & prev.isna())
    same.iloc[0] = False
    out = df[~same].reset_index(drop=True)
    follows = pd.Series(True, index=out.index) if key is None else out[key].eq(out[key].shift(-1))
    out["valid_to"] = out["valid_from"].shift(-1).where(follows, None)
    out.loc[out.index[-1], "valid_to"] = None
    return out


def run(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None = None) -> dict:
    """Write the ``out_timeline__*`` tables (module docstring); returns counts."""
    dense, inge2, dates = compute(con, settings, profile, until)
    for c in ("share_min", "share_max"):
        dense[c] = pd.to_numeric(dense[c]).round(9)
    bands = _intervals(dense, "asset_id", VALUE)
    today = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets").fetchall())
    differs = set(bands.loc[bands["band"] != bands["asset_id"].map(today), "asset_id"])
    bands = bands[bands["asset_id"].isin(differs)]
    bands = bands.astype({"valid_from": "datetime64[ns]", "valid_to": "datetime64[ns]"})
    db.write_frame(con, "out_timeline__asset_bands", bands[BAND_COLUMNS], order_by=["asset_id", "valid_from"])
    ing = _intervals(inge2, None, ["n_ports", "n_ports_via_special_regions_only"])
    ing = ing.astype({"valid_from": "datetime64[ns]", "valid_to": "datetime64[ns]"})
    db.write_frame(con, "out_timeline__inge2", ing[INGE2_COLUMNS], order_by=["valid_from"])
    db.write_frame(con, "out_timeline__dates", pd.DataFrame({"change_date": dates}), order_by=["change_date"])
    for table in ("out_timeline__asset_bands", "out_timeline__inge2", "out_timeline__dates"):
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT " + ", ".join(
            f"CAST({c} AS DATE) AS {c}" if c in ("valid_from", "valid_to", "change_date") else c for c in cols)
            + f" FROM {table}")
    return {"dates": len(dates), "assets": len(differs), "rows": len(bands)}
