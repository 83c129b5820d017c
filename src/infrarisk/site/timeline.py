"""The date slider's data files: the bands and the INGE2 count through time, from the build's tables.

Contract: inputs are ``out_timeline__asset_bands``, ``out_timeline__inge2`` and
``out_timeline__dates`` (written by :mod:`infrarisk.timeline` at build time, the same
resolution as ``infrarisk build --as-of``) and the mapped asset ids (:class:`~.mapdata.MapData`).
:func:`write_timeline` writes

- ``data/map/timeline.js``: ``infrarisk.data("timeline", {...})`` with ``min`` (the earliest
  change date), ``max`` (the build date), ``dates`` (every date the map or the count changes
  on, ISO), ``bands`` (the band ids, in the map's code order), ``groups`` (``[id, label]`` of the
  profile's high-risk groups), ``share_scale``, ``ids`` (the mapped assets whose band, group,
  share or control on some date differs from today's), per asset and interval ``from``
  (indexes into ``dates``: where each interval starts), ``band`` (band code), ``group`` (the
  group behind the band, index into ``groups``, -1 none), ``lo`` / ``hi`` (that group's
  look-through share interval times ``share_scale``, -1 none) and ``ctl`` (1: the group
  controls it) — landing stations: the band of the most exposed cable that lands there (as
  ``out_exposure__landings``), no group or share —, and ``inge2`` (``[date index, ports,
  ports via Hong Kong/Macao only]`` per interval);
- ``data/timeline-inge2.js``: ``infrarisk.data("timeline_summary", {...})`` with only ``min``,
  ``max``, ``dates`` and ``inge2`` (a few kB: the INGE2 page's control, and the map's before
  its first use).

``static/infrarisk/timeline.js`` loads the summary after the page is ready and the map's file
only when the slider is first used or a link names a date, so the first paint waits for neither. Deterministic: the
build date is the newest change date or retrieval date of the data (never the clock).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..score import BANDS
from .mapdata import SHARE_SCALE, js_call


def payload(con: duckdb.DuckDBPyConnection, mapped: set[str]) -> dict:
    """The map's timeline payload (module docstring)."""
    rows = con.execute(
        """SELECT asset_id, strftime(valid_from, '%Y-%m-%d'), band, group_id, share_min, share_max, is_controlled
           FROM out_timeline__asset_bands ORDER BY asset_id, valid_from""").fetchall()
    inge = con.execute("""SELECT strftime(valid_from, '%Y-%m-%d'), n_ports, n_ports_via_special_regions_only
                          FROM out_timeline__inge2 ORDER BY valid_from""").fetchall()
    all_dates = [r[0] for r in con.execute(
        "SELECT strftime(change_date, '%Y-%m-%d') FROM out_timeline__dates ORDER BY 1").fetchall()]
    retrieved = [str(r[0])[:10] for r in con.execute("SELECT retrieved FROM core_meta__sources").fetchall() if r[0]]
    groups = con.execute("SELECT DISTINCT group_id, group_label FROM out_exposure__group_countries ORDER BY 1").fetchall()
    rows = [r for r in rows if r[0] in mapped] + landing_rows(con, rows, mapped)
    rows.sort(key=lambda r: (r[0], r[1]))
    dates = sorted({r[1] for r in rows} | {d for d, _, _ in inge})
    at = {d: i for i, d in enumerate(dates)}
    code = {b: k for k, b in enumerate(BANDS)}
    gcode = {g: k for k, (g, _) in enumerate(groups)}
    cols: dict[str, list] = {k: [] for k in ("ids", "from", "band", "group", "lo", "hi", "ctl")}
    for aid, d, b, g, lo, hi, c in rows:
        if not cols["ids"] or cols["ids"][-1] != aid:
            cols["ids"].append(aid)
            for k in ("from", "band", "group", "lo", "hi", "ctl"):
                cols[k].append([])
        cols["from"][-1].append(at[d])
        cols["band"][-1].append(code[b])
        cols["group"][-1].append(gcode.get(g, -1))
        cols["lo"][-1].append(-1 if lo is None else round(lo * SHARE_SCALE))
        cols["hi"][-1].append(-1 if hi is None else round(hi * SHARE_SCALE))
        cols["ctl"][-1].append(1 if c else 0)
    return {"min": all_dates[0] if all_dates else None, "max": max(all_dates + retrieved) if all_dates else None,
            "dates": dates, "bands": list(BANDS), "groups": [list(g) for g in groups], "share_scale": SHARE_SCALE,
            **cols, "inge2": [[at[d], n, v] for d, n, v in inge]}


def landing_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple], mapped: set[str]) -> list[tuple]:
    """The map's landing stations through time: the band of the most exposed cable that lands there
    (``out_exposure__landings``' rule) on each date one of their cables changes; only stations whose
    band on some date differs from today's, without a group or share (a "lands at" relation). ``rows``:
    (asset_id, valid_from, band, ...) of the assets."""
    sev = {b: k for k, b in enumerate(reversed(("high", "elevated", "low", "unknown", "none")))}
    today = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets "  # the cables' bands
                             "WHERE asset_id IN (SELECT cable_asset_id FROM core_cables__landings)").fetchall())
    shown = dict(con.execute("SELECT asset_id, via_band FROM out_exposure__landings").fetchall())
    cables: dict[str, list[str]] = {}
    for landing, cable in con.execute("SELECT DISTINCT landing_asset_id, cable_asset_id FROM core_cables__landings "
                                      "ORDER BY 1, 2").fetchall():
        if cable in today:  # the cables out_exposure__landings joins to their band
            cables.setdefault(landing, []).append(cable)
    hist: dict[str, list[tuple[str, str]]] = {}
    for aid, d, b, *_ in rows:
        hist.setdefault(aid, []).append((d, b))

    def band_at(cable: str, day: str) -> str:
        band = today.get(cable, "unknown")
        for d, b in hist.get(cable, ()):
            if d <= day:
                band = b
        return band

    out = []
    for landing, cs in sorted(cables.items()):
        if landing not in mapped or landing not in shown or not any(c in hist for c in cs):
            continue
        days = sorted({d for c in cs for d, _ in hist.get(c, ())})
        series = [(d, max((band_at(c, d) for c in cs), key=sev.__getitem__)) for d in days]
        if any(b != shown[landing] for _, b in series):
            out += [(landing, d, b, None, None, None, False) for k, (d, b) in enumerate(series)
                    if k == 0 or series[k - 1][1] != b]
    return out


def write_timeline(con: duckdb.DuckDBPyConnection, mapped: set[str], out_dir: Path) -> dict:
    """Write ``data/map/timeline.js`` and ``data/timeline-inge2.js``; returns the map payload."""
    p = payload(con, mapped)
    folder = Path(out_dir) / "data"
    (folder / "map").mkdir(parents=True, exist_ok=True)
    (folder / "map" / "timeline.js").write_bytes(js_call("timeline", p).encode())
    small = {k: p[k] for k in ("min", "max", "dates", "inge2")}
    (folder / "timeline-inge2.js").write_bytes(js_call("timeline_summary", small).encode())
    return p
