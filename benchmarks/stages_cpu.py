"""Benchmark: processor time of the build's middle stages (integrate, resolve, score, timeline, checks).

Loads the datasets once (verify and load, as the build does) into a database file, then
``--runs`` times copies that file and runs the stages after load on the copy, taking the
processor time (``time.process_time``: user + system, every thread of the process) of each
stage — the figure to compare two versions by on a busy machine, where wall time moves with
the other processes. ``score`` includes the summary and vendor tables (the build's score
stage); ``checks`` the problem tables and the data checks. Nothing of the site is built.

Prints progress to stderr and one JSON line last on stdout (every figure the best of the runs)::

    {"datasets": "...", "runs": 3, "cpu_s": {"integrate": ..., "resolve": ..., "score": ...,
     "timeline": ..., "checks": ...}, "total_cpu_s": ...}

Usage::

    python benchmarks/stages_cpu.py                                   # the shipped datasets
    python benchmarks/stages_cpu.py --runs 5
    python benchmarks/stages_cpu.py --datasets /tmp/bench/datasets-100000   # e.g. kept by site_scale.py --keep
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from infrarisk import checks, db, integrate, ownership, score, sources, summary, timeline, vendors  # noqa: E402
from infrarisk.pipeline import record_sources  # noqa: E402
from infrarisk.problems import ProblemLog  # noqa: E402
from infrarisk.profiles import load_profile  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402

STAGES = ["integrate", "resolve", "score", "timeline", "checks"]


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def loaded(settings: Settings, path: Path) -> ProblemLog:
    """Verify and load the datasets into ``path`` (checkpointed and closed); the problem log."""
    con = db.connect(path)
    log = ProblemLog()
    manifests = [m for m in sources.verify_all(settings.datasets_dir)
                 if settings.include_noncommercial or not m.is_noncommercial]
    record_sources(con, manifests)
    sources.load_all(con, settings, log)
    con.execute("CHECKPOINT")
    con.close()
    return log


def run_once(settings: Settings, snapshot: Path, work: Path, log: ProblemLog) -> dict[str, float]:
    """The stages after load on a copy of ``snapshot``: processor seconds per stage."""
    shutil.copy(snapshot, work)
    profile = load_profile(settings.profile)
    con = db.connect(work)
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    out: dict[str, float] = {}

    def timed(name, fn):
        t = time.process_time()
        result = fn()
        out[name] = time.process_time() - t
        return result

    def check_stage():
        db.write_frame(con, "out_build__problems", log.to_frame(), order_by=["file", "row", "column_name", "check_name"])
        db.write_frame(con, "out_build__load_stats", log.stats_frame(), order_by=["file"])
        results = checks.run_checks(con, params={"share_sum_tolerance": settings.share_sum_tolerance})
        checks.record(con, results)

    try:
        timed("integrate", lambda: integrate.run(con, settings, log))
        g = timed("resolve", lambda: ownership.resolve(con, settings))
        timed("score", lambda: (score.score(con, g, profile, settings), summary.run(con),
                                vendors.run(con, profile, settings, log)))
        timed("timeline", lambda: timeline.run(con, settings, profile))
        timed("checks", check_stage)
    finally:
        con.close()
        work.unlink(missing_ok=True)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=REPO / "datasets", help="datasets folder (default: the shipped one)")
    ap.add_argument("--runs", type=int, default=3, help="runs of the stages (the best of them is reported)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="stages_cpu_"))
    try:
        settings = Settings.load(environ={}, datasets_dir=args.datasets, db_path=tmp / "db.duckdb",
                                 site_dir=tmp / "site")
        say(f"loading {args.datasets} …")
        snapshot = tmp / "loaded.duckdb"
        log = loaded(settings, snapshot)
        best: dict[str, float] = {}
        for i in range(args.runs):
            # every run starts from the loader's log as it was (integrate adds to it)
            got = run_once(settings, snapshot, tmp / "work.duckdb", copy.deepcopy(log))
            say(f"run {i + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in got.items()))
            for k, v in got.items():
                best[k] = min(best.get(k, float("inf")), v)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = {"datasets": str(args.datasets), "runs": args.runs, "cpu_s": {k: round(best[k], 3) for k in STAGES},
           "total_cpu_s": round(sum(best[k] for k in STAGES), 3)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
