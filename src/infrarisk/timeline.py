"""Bands through time: every asset's band and the INGE2 count at every date where they can change.

Contract
--------
Inputs (a finished score stage in ``con``): ``core_ownership__links`` (every link, current or
not, with its dates), ``core_curated__evidence`` (the re-checks' ``known_date`` /
``end_known_date``), ``core_assets__assets``, ``core_ownership__entities``, today's
``out_exposure__assets``, and everything the resolve and score stages read.
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

Exactness: the figures on a date D are those of ``infrarisk build --as-of D``: the same SQL
(``integrate/core_ownership__links.sql`` with ``$as_of_date`` = D) and the same resolve and
score functions run, in a scratch schema (``timeline``, first on a cursor's search path,
dropped at the end) so today's tables are untouched. Between two change dates no link's
state can change, so evaluating each change date is enough.

Speed: the link filter runs for every change date; resolve and score re-run only over the
assets below a link whose state (current or not, share interval, control) changed since the
previous change date, with the links and entities above them (a band depends only on the
links above its asset); a port joins with all its terminals (its roll-up reads them all).
The INGE2 count is kept per port (a port counts from its own terminals): the ports in scope
on a date are replaced by what the score stage says of them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import pandas as pd

from . import db, ownership, score
from .integrate import link_params
from .profiles import Profile
from .settings import Settings

SCHEMA = "timeline"
BAND_COLUMNS = ["asset_id", "valid_from", "valid_to", "band", "group_id", "share_min", "share_max", "is_controlled"]
INGE2_COLUMNS = ["valid_from", "valid_to", "n_ports", "n_ports_via_special_regions_only"]
#: what of a link's row can change a band
STATE = ["is_current", "share_min", "share_max", "is_control"]


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


def _candidates(con: duckdb.DuckDBPyConnection) -> dict:
    """Per date, the subjects with a link dated on it: only their links can change state then
    (a link's state depends on its own dates and on the other links of its subject)."""
    out = defaultdict(set)
    for d, s in con.execute("""
            SELECT unnest([as_of_date, start_date, end_date]) AS d, subject_id FROM core_ownership__links
            UNION ALL
            SELECT unnest([CAST(e.known_date AS DATE), CAST(e.end_known_date AS DATE), CAST(e.end_date AS DATE)]),
                   l.subject_id
            FROM core_curated__evidence e JOIN core_ownership__links l USING (link_id)""").fetchall():
        if d is not None:
            out[d].add(s)
    return out


def _graph(con: duckdb.DuckDBPyConnection):
    """Every link ever recorded as owner -> subjects and subject -> owners, and the assets' classes."""
    down, up = defaultdict(set), defaultdict(set)
    for s, o in con.execute("SELECT DISTINCT subject_id, owner_entity_id FROM core_ownership__links").fetchall():
        down[o].add(s)
        up[s].add(o)
    cls = dict(con.execute("SELECT asset_id, asset_class FROM core_assets__assets").fetchall())
    # each port with its terminals: a port's band and its INGE2 row read every terminal of it
    family = defaultdict(set)
    for t, p in con.execute("SELECT asset_id, parent_asset_id FROM core_assets__assets "
                            "WHERE asset_class = 'terminal' AND parent_asset_id IS NOT NULL").fetchall():
        family[p].add(t)
        family[t].add(p)
    for p in list(family):
        if cls.get(p) == "port":
            for t in family[p]:
                family[t] |= family[p]
    return down, up, cls, family


def _reach(start, edges) -> set:
    seen, todo = set(start), list(start)
    while todo:
        for n in edges.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _changed_subjects(cur, first: bool) -> set:
    """Subjects whose links' state differs from the previous change date's (kept in ``_tl_prev``)."""
    cols = ", ".join(STATE)
    if first:
        changed = {r[0] for r in cur.execute(f"SELECT DISTINCT subject_id FROM {SCHEMA}.core_ownership__links").fetchall()}
    else:
        changed = {r[0] for r in cur.execute(f"""
            SELECT DISTINCT coalesce(a.subject_id, b.subject_id)
            FROM (SELECT subject_id, owner_entity_id, link_id, {cols} FROM {SCHEMA}.core_ownership__links) a
            FULL JOIN {SCHEMA}._tl_prev b USING (subject_id, owner_entity_id, link_id)
            WHERE a.subject_id IS NULL OR b.subject_id IS NULL
               OR {' OR '.join(f'a.{c} IS DISTINCT FROM b.{c}' for c in STATE)}""").fetchall()}
    cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}._tl_prev AS
                    SELECT subject_id, owner_entity_id, link_id, {cols} FROM {SCHEMA}.core_ownership__links""")
    return changed


def _score_scope(cur, assets: set, up, settings: Settings, profile: Profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolve and score ``assets`` (and the links and entities above them) as of the links now in
    the scratch schema; returns their bands and the INGE2 ports."""
    # resolve needs an entity in its scope: one asset held by a recorded entity always joins, and
    # its rows are dropped (it does not change the others': each asset's figures rest on its ancestors)
    wanted = set(assets)
    pad = cur.execute("""SELECT l.subject_id FROM main.core_ownership__links l
                         JOIN main.core_ownership__entities e ON e.entity_id = l.owner_entity_id
                         WHERE l.subject_kind = 'asset' ORDER BY 1 LIMIT 1""").fetchall()
    assets = wanted | {r[0] for r in pad}
    nodes = _reach(assets, up)
    cur.register("_tl_assets", pd.DataFrame({"asset_id": sorted(assets)}))
    cur.register("_tl_nodes", pd.DataFrame({"node_id": sorted(nodes)}))
    try:
        cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__links AS
                        SELECT * FROM {SCHEMA}.core_ownership__links WHERE subject_id IN (SELECT node_id FROM _tl_nodes)""")
        cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_assets__assets AS
                        SELECT * FROM main.core_assets__assets WHERE asset_id IN (SELECT asset_id FROM _tl_assets)""")
        cur.execute(f"""CREATE OR REPLACE TABLE {SCHEMA}.core_ownership__entities AS
                        SELECT * FROM main.core_ownership__entities WHERE entity_id IN (SELECT node_id FROM _tl_nodes)""")
    finally:
        cur.unregister("_tl_assets")
        cur.unregister("_tl_nodes")
    g = ownership.resolve(cur, settings)
    score.score(cur, g, profile, settings)
    bands = cur.execute(f"""SELECT asset_id, band, band_group_id AS group_id, share_min, share_max, is_controlled
                            FROM {SCHEMA}.out_exposure__assets""").df()
    inge2 = cur.execute(f"SELECT port_asset_id, is_via_special_regions_only FROM {SCHEMA}.out_inge2__ports").df()
    return (bands[bands["asset_id"].isin(wanted)].reset_index(drop=True),
            inge2[inge2["port_asset_id"].isin(wanted)].reset_index(drop=True))


def compute(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile,
            until: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[date]]:
    """The dense timeline: (bands per change date of every affected asset, INGE2 per change date, dates).

    ``bands`` has one row per (change date, asset recomputed on it); an asset not recomputed on
    a date keeps its band of the date before.
    """
    until = until or date.today()
    dates = change_dates(con, until)
    down, up, cls, family = _graph(con)
    cand = _candidates(con)
    cur = con.cursor()
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    cur.execute(f"SET search_path = '{SCHEMA},main'")
    frames, inge2_rows, counted = [], [], {}
    try:
        for d in dates:
            if frames and not any(n in cls for n in _reach(cand.get(d, ()), down)):
                continue  # nothing dated on it lies above an asset
            s = settings.with_(as_of=d.isoformat())
            db.run_sql(cur, "integrate/core_ownership__links", link_params(s))
            changed = _changed_subjects(cur, not frames)
            if frames and not changed:
                continue
            affected = {n for n in _reach(changed, down) if n in cls} if frames else set(cls)
            affected |= {x for a in list(affected) for x in family.get(a, ())}
            if not affected:
                continue
            bands, inge2 = _score_scope(cur, affected, up, s, profile)
            bands.insert(0, "valid_from", d)
            frames.append(bands)
            # the INGE2 count: each port counts from its own terminals, so only the ports in scope change
            before = dict(counted)
            for a in affected:
                counted.pop(a, None)
            counted.update(zip(inge2["port_asset_id"], inge2["is_via_special_regions_only"].astype(bool)))
            if counted != before or len(frames) == 1:
                inge2_rows.append({"valid_from": d, "n_ports": len(counted),
                                   "n_ports_via_special_regions_only": sum(counted.values())})
    finally:
        cur.execute("SET search_path = 'main'")
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.close()
    dense = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["valid_from", *BAND_COLUMNS[3:]])
    return dense, pd.DataFrame(inge2_rows, columns=["valid_from", "n_ports", "n_ports_via_special_regions_only"]), dates


def _intervals(df: pd.DataFrame, key: str | None, value: list[str]) -> pd.DataFrame:
    """Consecutive rows (by key, then valid_from) with the same values merged into one row
    ``[valid_from, valid_to)``; ``valid_to`` is the next row's start (None for the last one)."""
    df = df.sort_values(([key] if key else []) + ["valid_from"], kind="mergesort")
    out: list[dict] = []
    for r in df.to_dict("records"):
        k = r[key] if key else None
        vals = tuple(None if pd.isna(r[c]) else r[c] for c in value)
        if out and out[-1]["_k"] == k:
            if out[-1]["_v"] == vals:
                continue
            out[-1]["valid_to"] = r["valid_from"]
        out.append({**r, "_k": k, "_v": vals, "valid_to": None})
    cols = list(df.columns) + ["valid_to"]
    return pd.DataFrame(out, columns=cols + ["_k", "_v"])[cols]


def run(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, until: date | None = None) -> dict:
    """Write the ``out_timeline__*`` tables (module docstring); returns counts."""
    dense, inge2, dates = compute(con, settings, profile, until)
    value = ["band", "group_id", "share_min", "share_max", "is_controlled"]
    for c in ("share_min", "share_max"):
        dense[c] = pd.to_numeric(dense[c]).round(9)
    bands = _intervals(dense, "asset_id", value)
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
