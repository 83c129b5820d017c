"""Benchmark: the build's verify and load stages as the build runs them, in two processes.

Runs :class:`infrarisk.sources.lanes.LoadLanes` as :func:`infrarisk.pipeline.build` does (the
child forked first, then this process verifies every folder and loads: registry, shared sources,
the groups it takes from the queue, the child's parts copied) into a fresh database file,
``--runs`` times, with the later stages' modules imported first (as the build's warm-up thread
does) and the build's collector thresholds. Prints the wall seconds of the two stages, the
processor seconds of each process (``here``: this one, ``child``: the second lane, both with
every thread) and their sum, and the lanes' own step timings (``describe``). With ``--cpu-steps``
the step timings are processor seconds of each process instead of wall seconds (each process's
``time.process_time``): the figures to compare two versions by on a busy machine.

Prints progress to stderr and one JSON line last on stdout (each figure the best of the runs; the
steps are those of the run with the best wall time)::

    {"datasets": "...", "runs": 5, "verify_s": ..., "load_s": ..., "cpu_here_s": ..., "cpu_child_s": ...,
     "cpu_total_s": ..., "steps": "here (...): registry 0.00 s, ... | second process (...): ..."}

Usage::

    python benchmarks/load_lanes.py                   # the shipped datasets, 5 runs
    python benchmarks/load_lanes.py --runs 8 --cpu-steps
    python benchmarks/load_lanes.py --datasets /tmp/bench/datasets-100000 --runs 2
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
import types
from importlib import import_module
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from infrarisk import collector, db, pipeline  # noqa: E402
from infrarisk.problems import ProblemLog  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402
from infrarisk.sources import lanes, manifest, verified  # noqa: E402


def _cpu(r: resource.struct_rusage) -> float:
    return r.ru_utime + r.ru_stime


def one_run(settings: Settings, work: Path) -> dict:
    """One verify and load into a fresh file under ``work``: wall and processor seconds."""
    verified._VERIFIED.clear()
    manifest._PARSED.clear()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    here0, child0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    ln = lanes.LoadLanes(settings, work / "db.duckdb").start()
    con = db.connect(work / "db.duckdb")
    try:
        t = time.perf_counter()
        ln.verify()
        t1 = time.perf_counter()
        ln.load(con, ProblemLog())
        t2 = time.perf_counter()
    finally:
        ln.close()
        con.close()
    here1, child1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"verify_s": t1 - t, "load_s": t2 - t1, "cpu_here_s": _cpu(here1) - _cpu(here0),
            "cpu_child_s": _cpu(child1) - _cpu(child0), "steps": ln.describe()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, default=REPO / "datasets")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu-steps", action="store_true", help="step timings in processor seconds")
    args = ap.parse_args(argv)
    if args.cpu_steps:  # the lanes' clock, in each process, counts processor time
        lanes.time = types.SimpleNamespace(perf_counter=time.process_time)
    for name in pipeline.LATER_STAGES:  # what the build imports once the second lane has forked
        import_module(name)
    for pkg in lanes.packages().values():
        import_module(f"{pkg.__name__}.load")
    tmp = Path(tempfile.mkdtemp(prefix="load_lanes_", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    runs = []
    try:
        settings = Settings.load(environ={}, datasets_dir=args.datasets, db_path=tmp / "w" / "db.duckdb",
                                 site_dir=tmp / "site", build_workers=2)
        with collector.fewer_collections():
            for i in range(args.runs):
                r = one_run(settings, tmp / "w")
                print(f"run {i + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items() if k != "steps"),
                      file=sys.stderr, flush=True)
                runs.append(r)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = {k: round(min(r[k] for r in runs), 3) for k in ("verify_s", "load_s", "cpu_here_s", "cpu_child_s")}
    out = {"datasets": str(args.datasets), "runs": args.runs, **best,
           "cpu_total_s": round(min(r["cpu_here_s"] + r["cpu_child_s"] for r in runs), 3),
           "steps": min(runs, key=lambda r: r["load_s"])["steps"]}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
