"""The timeline's states: every link's state on the dates where it can step, and what to compute.

Contract: inputs are ``core_ownership__links`` (today's), the tables
``integrate/core_ownership__links.sql`` reads, ``core_curated__evidence``, ``core_assets__assets``
and ``core_assets__census_map``; outputs are Python structures for :mod:`infrarisk.timeline`:
the change dates (:func:`change_dates`), per subject its state steps and today's state
(:func:`subject_states`, from the temporary table ``_timeline_link_states`` of
``sql/timeline/_timeline_link_states.sql``), per asset its events (:func:`plan`) and the
(date, assets) work with the pairs another pair stands for (:func:`assign`).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date

import duckdb

from .. import db
from ..ownership.subgraph import reach
from ..settings import Settings

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
    """Every link ever recorded as owner -> subjects and subject -> owners; the classes, countries
    and ``is_europe`` (as the set of those in Europe) of the assets that are the subject of a link
    (today's or dated: ``_timeline_link_states``, on ``con``) or the parent of a terminal (the only
    assets the plan and :func:`assign` look up; a terminal without a link is in no graph); each
    port's terminals (a port's band and its INGE2 row read every terminal of it)."""
    down, up = defaultdict(set), defaultdict(set)
    for s, o in con.execute("SELECT DISTINCT subject_id, owner_entity_id FROM main.core_ownership__links").fetchall():
        down[o].add(s)
        up[s].add(o)
    cls, country, europe = {}, {}, set()
    for a, c, cc, eu in con.execute("""
            SELECT asset_id, asset_class, country_code, is_europe FROM main.core_assets__assets
            WHERE asset_id IN (SELECT subject_id FROM main.core_ownership__links
                               UNION ALL SELECT subject_id FROM _timeline_link_states
                               UNION ALL SELECT parent_asset_id FROM main.core_assets__assets
                                         WHERE asset_class = 'terminal')""").fetchall():
        cls[a] = c
        country[a] = cc
        if eu:
            europe.add(a)
    terminals = defaultdict(set)
    for t, p in con.execute("SELECT asset_id, parent_asset_id FROM main.core_assets__assets "
                            "WHERE asset_class = 'terminal' AND parent_asset_id IS NOT NULL").fetchall():
        if cls.get(p) == "port":
            terminals[p].add(t)
    return down, up, cls, country, europe, terminals


def state_at(steps: dict, subject: str, day: date):
    """The state key of ``subject``'s links on ``day`` (``steps`` of :func:`subject_states`)."""
    days, keys = steps[subject]
    return keys[bisect.bisect_right(days, day) - 1]


def plan(steps: dict, today: dict, down, up, cls, terminals) -> dict:
    """Per asset whose figures can differ from today's, its events ``[(day, compute)]``: on ``day``
    the state above it steps, and it either is today's state again (``compute`` False: today's
    figures) or not (its figures must be computed on that day). While no link into an asset (not a
    port) is current, nothing above it counts: those days are one state."""
    moving = {s for s, (_, keys) in steps.items() if any(k != today.get(s) for k in keys)}
    assets = {n for n in reach(moving, down) if n in cls}
    for p, ts in terminals.items():
        if ts & assets:
            assets.add(p)
    out, anc, same = {}, {}, {}

    def moving_above(o):  # the moving nodes among o and everything above it, once per owner
        if o not in anc:
            anc[o] = frozenset(reach({o}, up) & moving)
        return anc[o]
    for a in sorted(assets):
        members = {a} | terminals.get(a, set())
        above = set(members & moving)
        for m in members:
            for o in up.get(m, ()):
                above |= moving_above(o)
        above = tuple(sorted(above))
        solo = a in steps and cls.get(a) != "port"
        if not solo and above in same:  # the same links above: the same events
            out[a] = list(same[above])
            continue
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
        if not solo:
            same[above] = events
    return out


def assign(steps: dict, events: dict, cls: dict, country: dict, stated: set, terminals=None,
           europe: frozenset | set = frozenset()) -> tuple[dict, dict]:
    """The assets to compute on each date, and the (date, asset) pairs computed by another's.

    An asset with no current link into it on a date has figures that depend on nothing but its
    class and country (no edge into it: no share, no controller, no operator), unless it is a port
    (it rolls up its terminals) or a terminal the census states held with no foreign stake
    (``stated``): one such asset per class and country is computed, the others take its figures.
    A port whose terminals (``terminals``) and itself have no current link on a date (none of them
    in ``stated``) rolls up such terminals: its figures and its INGE2 row depend on nothing but its
    country, whether it is in Europe (``europe``: its terminals count for the claim only then), and
    whether it and each terminal, in id order, have a link at all (are in the graph) and the
    terminal's country: one such port per signature is computed, the others take its figures.
    """
    terminals = terminals or {}
    work: dict[date, set] = defaultdict(set)
    alias, rep = {}, {}
    for a, evs in events.items():
        port = cls.get(a) == "port"
        bare = not port and a in steps and a not in stated
        if port:  # its signature, and its members with links (those without have none on any date)
            members = [a, *sorted(terminals.get(a, ()))]
            signature = ("port", country.get(a), a in europe, tuple((x in steps, country.get(x)) for x in members))
            linked = [steps[x] for x in members if x in steps]
            port = not any(x in stated for x in members)
        for d, need in evs:
            if not need:
                continue
            if bare and state_at(steps, a, d) is None:
                key = (cls.get(a), country.get(a))
            elif port and all(keys[bisect.bisect_right(days, d) - 1] is None for days, keys in linked):
                key = signature
            else:
                work[d].add(a)
                continue
            first = rep.setdefault(key, (d, a))
            alias[(d, a)] = first
            work[first[0]].add(first[1])
    return work, alias


def census_stated(con: duckdb.DuckDBPyConnection) -> set:
    """The terminals the census added (its statement of no foreign stake can set their band)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                                      "AND table_name = 'core_assets__census_map'").fetchall()}
    return {r[0] for r in con.execute("SELECT asset_id FROM main.core_assets__census_map WHERE is_new").fetchall()} if have else set()
