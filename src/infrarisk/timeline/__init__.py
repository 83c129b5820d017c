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
  NULL: up to the build date), **sparse**: only the assets whose figures (band, group, share
  interval or control) on some date differ from today's (``out_exposure__assets``, shares
  rounded to 9 decimals), one row per interval over which nothing of the row changes, from the
  earliest change date on;
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
   steps; while no link into an asset (not a port) is current, nothing above it counts, and its
   figures depend only on its class and country: one such asset per class and country is
   computed for all; a port with no current link into it or its terminals rolls up such
   terminals: one such port per country, terminals' countries and graph membership is computed
   for all (:func:`~infrarisk.timeline.states.plan`, :func:`~infrarisk.timeline.states.assign`);
3. the remaining (date, asset) pairs are computed all at once: each date's assets, with
   everything above them and the links in that date's state, become one disjoint copy (ids
   prefixed with the copy, so each copy keeps the order of the ids) in a scratch schema
   (``timeline`` of an in-memory database attached for the stage, first on a cursor's search
   path, detached at the end: nothing of the copies is written to the file), and the resolve and
   score stages' own functions run once over all copies, without the tables no band reads
   (:mod:`~infrarisk.timeline.copies`). Copies share no node, and every figure of a node depends
   only on its ancestors, so each copy's figures are those of its date.

Modules: :mod:`~infrarisk.timeline.states` (1 and 2), :mod:`~infrarisk.timeline.copies` (3);
this one runs them (:func:`past`, which reads no ``out_*`` table: the build works it out in a
second process beside the resolve and score stages) and writes the tables with today's figures
(:func:`run`; the band intervals by ``sql/timeline/out_timeline__asset_bands.sql``, from the
dense figures). Shipped data: 453 change dates, 1,715 (date, asset)
pairs computed on 184 copies (at 100,000 synthetic assets: 720 assets in the copies, 26,558 before
ports took other ports' figures), about 0.5 CPU-s (the stage re-ran the link SQL, resolve and score per
date before: 174 s).

The INGE2 count is kept per port (a port counts from its own terminals): today's ports, with
each port's membership replaced on the dates where it was computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from .. import db
from ..collector import paused
from ..profiles import Profile
from ..settings import Settings
from .copies import PREFIX_LEN, SCHEMA, SCRATCH, make_copies, prefix, resolve_bands_only, score_bands_only
from .states import _graph, assign, census_stated, change_dates, plan, subject_states

BAND_COLUMNS = ["asset_id", "valid_from", "valid_to", "band", "group_id", "share_min", "share_max", "is_controlled"]
INGE2_COLUMNS = ["valid_from", "valid_to", "n_ports", "n_ports_via_special_regions_only"]
VALUE = ["band", "group_id", "share_min", "share_max", "is_controlled"]
__all__ = ["BAND_COLUMNS", "INGE2_COLUMNS", "Past", "change_dates", "compute", "past", "run"]


@dataclass
class Past:
    """What the timeline works out from the links alone, before today's figures are read
    (:func:`past`; it pickles, so a child process can compute it beside the resolve and score
    stages: :mod:`infrarisk.pipeline`).

    ``computed``: the events where an asset's figures are computed, with those figures
    (:func:`dense_table`); ``kept``: the events where an asset is back to today's figures
    (``asset_id``, ``valid_from``); ``port_events``: per event of a port ``(date, port, computed,
    counts, via the special regions only)``, the last two None where it is back to today's
    (``out_inge2__ports``); ``stats``: counts of the work (``copies``, ``computed`` (date, asset)
    pairs, ``aliased``: events that took another's figures, ``aliased_ports``: of those, of ports).
    """

    dates: list[date]
    computed: pa.Table | None = None
    kept: pa.Table | None = None
    port_events: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def past(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None = None) -> Past:
    """Steps 1 to 3 of the module docstring: every figure that differs from today's, without
    reading today's figures (``out_*`` tables); needs the integrate stage's tables only. DuckDB
    on one thread and the collector paused, as in :func:`run`."""
    with db.threads(con, 1), paused():
        return _past(con, settings, profile, until)


def _past(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None) -> Past:
    until = until or date.today()
    dates = change_dates(con, until)
    if not dates:
        return Past(dates)
    cur = con.cursor()
    cur.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cur.execute(f"SET search_path = '{SCHEMA},main'")
    try:
        steps, today_keys = subject_states(cur, settings, dates[0], until)
        down, up, cls, country, europe, terminals = _graph(cur)
        events = plan(steps, today_keys, down, up, cls, terminals)
        work, alias = assign(steps, events, cls, country, census_stated(con), terminals, europe)
        computed, ports = {}, {}
        if work:
            make_copies(cur, work, up, terminals)
            g = resolve_bands_only(cur, settings)
            counted = score_bands_only(cur, g, profile, settings)
            day_of = {prefix(k): d for k, d in enumerate(sorted(work))}
            for aid, *vals in cur.execute(f"""SELECT asset_id, band, band_group_id, share_min, share_max, is_controlled
                                              FROM {SCHEMA}.out_exposure__assets""").fetchall():
                computed[(day_of[aid[:PREFIX_LEN]], aid[PREFIX_LEN:])] = vals
            for pid, via in counted.items():
                ports[(day_of[pid[:PREFIX_LEN]], pid[PREFIX_LEN:])] = via
        return _events(dates, events, computed, ports, alias, {a for a in events if cls.get(a) == "port"}, len(work))
    finally:
        cur.execute("SET search_path = 'main'")
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"DETACH DATABASE IF EXISTS {SCRATCH}")
        cur.close()


def _events(dates: list[date], events: dict, computed: dict, ports: dict, alias: dict, event_ports: set,
            copies: int) -> Past:
    """The :class:`Past` of the events (asset -> ``[(date, needs computing)]``), the figures
    computed ((date, asset) -> :data:`VALUE`), the ports counted on a computed date ((date, port)
    -> via the special regions only), the pairs computed by another's (``alias``)."""
    c_days, c_ids, c_vals, k_days, k_ids, port_events = [], [], [], [], [], []
    aliased = aliased_ports = 0
    for a, evs in events.items():
        is_port = a in event_ports
        for d, need in evs:
            if need:
                k = alias.get((d, a), (d, a))
                c_days.append(d)
                c_ids.append(a)
                c_vals.append(computed[k])
                if k != (d, a):
                    aliased += 1
                    aliased_ports += is_port
                if is_port:
                    port_events.append((d, a, True, k in ports, ports.get(k, False)))
            else:
                k_days.append(d)
                k_ids.append(a)
                if is_port:
                    port_events.append((d, a, False, None, None))
    return Past(dates, dense_table(c_days, c_ids, *(zip(*c_vals) if c_vals else [()] * len(VALUE))),
                pa.table({"asset_id": pa.array(k_ids, pa.string()), "valid_from": pa.array(k_days, pa.date32())}),
                port_events, {"copies": copies, "computed": len(computed), "aliased": aliased,
                              "aliased_ports": aliased_ports})


def compute(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile,
            until: date | None = None, known: Past | None = None) -> tuple[Past, pa.Table, list[tuple]]:
    """The dense timeline: (the :class:`Past`; today's figures of the assets in its ``kept``
    events, :func:`today_table`; the INGE2 count per event date, rows ``(valid_from, n_ports,
    n_ports_via_special_regions_only)`` by date). An asset without an event on a date keeps its
    figures of the date before. ``known``: :func:`past` of the same database content and date, if
    already worked out."""
    p = known if known is not None else past(con, settings, profile, until)
    if not p.dates:
        return p, today_table(None), []
    # today's figures of the assets back to them only (a build has up to every asset in out_exposure__assets)
    con.register("_timeline_kept", p.kept)
    try:
        today = today_table(con.sql("""
            SELECT asset_id, band, band_group_id AS group_id, share_min, share_max, is_controlled
            FROM out_exposure__assets WHERE asset_id IN (SELECT asset_id FROM _timeline_kept)""").to_arrow_table())
    finally:
        con.unregister("_timeline_kept")
    counted_today = {p: bool(v) for p, v in con.execute(
        "SELECT port_asset_id, is_via_special_regions_only FROM out_inge2__ports").fetchall()}
    port_events = defaultdict(list)
    for d, a, need, counts, via in p.port_events:  # (port, counts on d, via the special regions only)
        if not need:
            counts, via = a in counted_today, counted_today.get(a, False)
        port_events[d].append((a, counts, via))
    counted, inge2_rows = dict(counted_today), []
    for d in sorted(set(port_events) | {p.dates[0]}):
        for port, counts, via in port_events.get(d, ()):
            counted.pop(port, None)
            if counts:
                counted[port] = bool(via)
        inge2_rows.append((d, len(counted), sum(counted.values())))
    return p, today, inge2_rows


def today_table(today: pa.Table | None) -> pa.Table:
    """Today's figures (``asset_id`` and :data:`VALUE`, ``group_id`` for the band's group) with
    the shares rounded as :func:`dense_table` rounds them (None: no rows)."""
    cols = [[] for _ in range(1 + len(VALUE))] if today is None else [
        today.column(c).to_numpy() if c in ("share_min", "share_max") else today.column(c).to_pylist()
        for c in ["asset_id", *VALUE]]
    return dense_table([None] * len(cols[0]), *cols).drop_columns(["valid_from"])


def dense_table(valid_from, asset_id, band, group_id, share_min, share_max, is_controlled) -> pa.Table:
    """Figures of assets on dates (one row per asset and event date, in any order) as
    ``sql/timeline/out_timeline__asset_bands.sql`` reads them (``_timeline_computed``): the
    shares rounded to 9 decimals (``numpy.round``; NULL and NaN are NULL)."""
    def share(x):
        return pa.array(np.round(np.array(x, dtype=np.float64), 9), pa.float64(), from_pandas=True)

    def text(x):
        return pa.array(x, pa.string(), from_pandas=True)
    return pa.table({
        "asset_id": pa.array(asset_id, pa.string()), "valid_from": pa.array(valid_from, pa.date32()),
        "band": text(band), "group_id": text(group_id), "share_min": share(share_min), "share_max": share(share_max),
        "is_controlled": pa.array(is_controlled, pa.bool_(), from_pandas=True)})


def run(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None = None,
        known: Past | None = None) -> dict:
    """Write the ``out_timeline__*`` tables (module docstring); returns counts. ``known``: :func:`past`
    of the same database content and date, worked out beforehand (by another process).

    DuckDB runs the stage's statements on one thread (the setting is restored after): they read
    tens of thousands of rows at most, where a second thread costs processor time (about a fifth
    of the stage's) and gains nothing. The cyclic garbage collector is paused for the stage
    (:func:`infrarisk.collector.paused`): it makes few reference cycles but many objects.
    """
    with db.threads(con, 1), paused():
        return _run(con, settings, profile, until, known)


def _run(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None,
         known: Past | None) -> dict:
    p, today, inge2_rows = compute(con, settings, profile, until, known)
    dates = p.dates
    n_assets, n_rows = _write_bands(con, p.computed, p.kept, today)
    ing = _steps(inge2_rows)
    _write(con, "out_timeline__inge2", pa.table(
        [pa.array(c, t) for c, t in zip(zip(*ing), (pa.date32(), pa.date32(), pa.int64(), pa.int64()))]
        if ing else [pa.array([], t) for t in (pa.date32(), pa.date32(), pa.int64(), pa.int64())],
        names=INGE2_COLUMNS), ["valid_from"])
    _write(con, "out_timeline__dates", pa.table({"change_date": pa.array(dates, pa.date32())}), ["change_date"])
    return {"dates": len(dates), "assets": n_assets, "rows": n_rows}


def _steps(rows: list[tuple]) -> list[tuple]:
    """``(valid_from, *values)`` rows by date (unique), consecutive rows with equal values merged:
    ``(valid_from, valid_to, *values)`` on ``[valid_from, valid_to)``, ``valid_to`` the next row's
    start (None for the last one)."""
    kept = [r for k, r in enumerate(rows) if k == 0 or r[1:] != rows[k - 1][1:]]
    return [(r[0], kept[k + 1][0] if k + 1 < len(kept) else None, *r[1:]) for k, r in enumerate(kept)]


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pa.Table, key: list[str]) -> None:
    """``table`` from ``frame`` in one statement, sorted by ``key`` (unique)."""
    db.check_table_name(table)
    con.register("_tl_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _tl_frame ORDER BY {', '.join(key)}")
    finally:
        con.unregister("_tl_frame")


def _write_bands(con: duckdb.DuckDBPyConnection, computed: pa.Table | None, kept: pa.Table | None = None,
                 today: pa.Table | None = None) -> tuple[int, int]:
    """``out_timeline__asset_bands`` by ``sql/timeline/out_timeline__asset_bands.sql`` from the
    computed figures (:func:`dense_table`) and the events back to today's figures (``kept``, with
    ``today``: :func:`today_table`); returns (assets, rows) written."""
    empty = dense_table([], [], [], [], [], [], [])
    tables = {"_timeline_computed": empty if computed is None else computed,
              "_timeline_kept": empty.select(["asset_id", "valid_from"]) if kept is None else kept,
              "_timeline_today": today_table(None) if today is None else today}
    for name, t in tables.items():
        con.register(name, t)
    try:
        db.run_sql(con, "timeline/out_timeline__asset_bands")
    finally:
        for name in tables:
            con.unregister(name)
    return con.execute("SELECT count(DISTINCT asset_id), count(*) FROM out_timeline__asset_bands").fetchall()[0]
