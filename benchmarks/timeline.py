"""Benchmark: the date slider (issue 14) — build time of the timeline stage, repaint, page weight.

For the shipped datasets and for synthetic sites of N assets (``site_scale.make_datasets``),
runs the real build, then opens the map page in headless Debian Chromium (Playwright; the
flags of ``site_scale``) and moves the slider with the keyboard: ``Home`` (the earliest date,
which also loads the timeline file), then ``PageUp``/``End``-style moves to two other dates.
The repaint is the time from the keyboard event to the next animation frame after the app
has repainted bands, counts and table (``infrarisk.timeline.repaintMs`` measures the same
from the script's side); the first move includes loading ``data/map/timeline.js``.

Prints one JSON line per size, and a summary last::

    {"shipped": {"timeline_s": ..., "pipeline_s": ..., "repaint_ms": [...], "first_move_ms": ...,
                 "page_kb_gz": ..., "timeline_kb_gz": ..., "rows": ..., "dates": ...}, "10000": {...}}

``page_kb_gz`` is what the default page loads before painting (``site_scale.page_kb_gz``);
``timeline_kb_gz`` the two timeline files (loaded after the first paint), gzipped.

Usage::

    python benchmarks/timeline.py                        # shipped data and 10,000 assets
    python benchmarks/timeline.py --assets 10000 100000 --keep /tmp/bench
    python benchmarks/timeline.py --no-shipped --assets 100000 --build-only

``--cpu DB`` instead times the stage's functions on a built database (a copy of it): the
processor seconds (``time.process_time``, best of ``--runs``) of :func:`infrarisk.timeline.past`
(what the build's second process works out), of :func:`infrarisk.timeline.run` given that
(the build's timeline stage) and of each step inside them, one JSON line::

    python benchmarks/timeline.py --cpu /tmp/bench/db-shipped.duckdb --runs 7
    {"db": "...", "runs": 7, "cpu_s": {"past": ..., "run": ..., "subject_states": ..., "make_copies": ..., ...}}
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

import site_scale  # noqa: E402
from infrarisk.pipeline import build  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402
from infrarisk.site.serve import make_server  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MOVE = """(key) => new Promise((done) => {
  const t0 = performance.now();
  const r = document.getElementById('timeline-range');
  const before = document.documentElement.getAttribute('data-timeline');
  r.dispatchEvent(new KeyboardEvent('keydown', {key: key, bubbles: true}));
  const step = {Home: () => r.min, End: () => r.max, PageUp: () => String(+r.value - 365), PageDown: () => String(+r.value + 365)}[key];
  r.value = step(); r.dispatchEvent(new Event('input', {bubbles: true}));
  const wait = () => {
    const now = document.documentElement.getAttribute('data-timeline');
    if (now !== before && now !== null) { requestAnimationFrame(() => done(performance.now() - t0)); }
    else { requestAnimationFrame(wait); }
  };
  wait();
})"""


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def kb_gz(*paths: Path) -> float:
    return round(sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths) / 1024, 1)


def measure(site: Path, runs: int) -> dict:
    """Repaint times of slider moves (median over ``runs`` page loads)."""
    from playwright.sync_api import sync_playwright
    srv = make_server(site, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/index.html"
    first, later = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url)
                page.wait_for_selector("html[data-painted]", timeout=180_000)
                page.wait_for_selector("#timeline-range", timeout=60_000)
                first.append(page.evaluate(MOVE, "Home"))
                later += [page.evaluate(MOVE, "PageDown"), page.evaluate(MOVE, "PageDown"), page.evaluate(MOVE, "End")]
                if errors:
                    raise RuntimeError(f"page errors: {errors}")
                ctx.close()
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    return {"first_move_ms": round(statistics.median(first), 1), "repaint_ms": round(statistics.median(later), 1),
            "repaint_max_ms": round(max(later), 1)}


def run(datasets: Path, tmp: Path, name: str, runs: int, browser: bool) -> dict:
    s = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp / f"db-{name}.duckdb", site_dir=tmp / f"site-{name}")
    report = build(s)
    with duckdb.connect(str(s.db_path), read_only=True) as con:
        rows = con.execute("SELECT count(*), count(DISTINCT asset_id) FROM out_timeline__asset_bands").fetchone()
        dates = con.execute("SELECT count(*) FROM out_timeline__dates").fetchone()[0]
    site = s.site_dir
    res = {"timeline_s": report.stages.get("timeline"), "pipeline_s": report.seconds, "stages": report.stages,
           "rows": rows[0], "assets_in_timeline": rows[1], "dates": dates,
           "page_kb_gz": site_scale.page_kb_gz(site),
           "timeline_kb_gz": kb_gz(site / "data/map/timeline.js", site / "data/timeline-inge2.js")}
    res["page_and_time_kb_gz"] = round(res["page_kb_gz"] + res["timeline_kb_gz"], 1)
    if browser:
        res.update(measure(site, runs))
    say(f"{name}: {json.dumps(res)}")
    return res


#: the steps timed by ``--cpu``, as the stage's module calls them
STEPS = ["change_dates", "subject_states", "_graph", "plan", "census_stated", "assign", "make_copies",
         "resolve_bands_only", "score_bands_only", "_events", "compute", "_write_bands"]


def cpu(db_path: Path, runs: int, until: date) -> dict:
    """Processor seconds of the stage and its steps on a copy of ``db_path`` (best of ``runs``)."""
    from infrarisk import db, timeline
    from infrarisk.profiles import load_profile
    settings = Settings.load(environ={})
    profile = load_profile(settings.profile)
    spent: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - t
        return wrapper
    for name in STEPS:
        if hasattr(timeline, name):
            setattr(timeline, name, timed(name, getattr(timeline, name)))
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as t:
        work = Path(t) / "db.duckdb"
        shutil.copy(db_path, work)
        con = db.connect(work)
        try:
            for _ in range(runs):
                spent.clear()
                known = timed("past", timeline.past)(con, settings, profile, until)
                timed("run", timeline.run)(con, settings, profile, until, known=known)
                for k, v in spent.items():
                    best[k] = min(best.get(k, float("inf")), v)
        finally:
            con.close()
    order = ["past", "run", *STEPS]
    return {"db": str(db_path), "runs": runs, "cpu_s": {k: round(best[k], 4) for k in order if k in best}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--assets", type=int, nargs="*", default=[10000])
    ap.add_argument("--no-shipped", action="store_true", help="skip the shipped datasets")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--build-only", action="store_true", help="no browser: build time and sizes only")
    ap.add_argument("--cpu", type=Path, default=None, metavar="DB",
                    help="time the stage's functions on this built database instead (see the docstring)")
    ap.add_argument("--until", type=date.fromisoformat, default=date.today(), help="with --cpu: the build date")
    a = ap.parse_args(argv)
    if a.cpu is not None:
        out = cpu(a.cpu, a.runs, a.until)
        print(json.dumps(out))
        return out
    out = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = a.keep or Path(t)
        tmp.mkdir(parents=True, exist_ok=True)
        if not a.no_shipped:
            out["shipped"] = run(REPO / "datasets", tmp, "shipped", a.runs, not a.build_only)
        for n in a.assets:
            ds = tmp / f"datasets-{n}"
            if not (ds / "wpi" / "manifest.toml").is_file():
                ds.mkdir(parents=True, exist_ok=True)
                site_scale.make_datasets(ds, n)
            out[str(n)] = run(ds, tmp, str(n), a.runs, not a.build_only)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
