"""Benchmark: ``infrarisk build`` of the shipped datasets, wall time and time per stage.

Runs the real command line (``python -m infrarisk.cli build``) ``--runs`` times as a fresh
process, each into a fresh output folder (database and site), and reads the stage timings
the build prints (``[load] done in 2.51 s``). ``wall_s`` is the whole process, from start to
exit: interpreter start and imports included, which is what a user waits for; ``cpu_s``
the processor time of that process (user + system, all threads): on a busy machine it
moves less than the wall time, so it is the figure to compare two versions by;
``other_s`` is the wall time outside the named stages (start-up, imports, the atomic swap).
Work a second process does meanwhile (a load lane, the timeline's past figures, half of the
site's reads, parts of the site) is inside the stage it runs beside.

Prints progress to stderr and one JSON line last on stdout::

    {"runs": 3, "wall_s": 3.9, "walls_s": [...], "cpu_s": ..., "user_s": ..., "sys_s": ...,
     "stages": {"verify": ..., "load": ..., ...},
     "other_s": ..., "site_mb": ...}

Every figure is the median over the runs; ``user_s`` and ``sys_s`` split ``cpu_s``. Each run
writes into a fresh folder (under ``--where``, default the system's temporary folder) and the
folders are removed only after the last run: on an ext4 file system without a journal (as this
machine's), creating a file costs the kernel a look at every inode freed in the last minutes
(``recently_deleted`` in ``fs/ext4/ialloc.c``), so a build just after a site (1,800 files) was
removed spends up to a second more creating its own files, which would measure the previous
run's clean-up, not the build. ``--where /dev/shm`` measures the build without the disk. With
``--keep`` only the last run's output is kept.

Before the first run the project's modules are compiled to bytecode (``compileall``), as Python
does on a module's first import and ``pip install`` does at install time. Where the environment
sets ``PYTHONDONTWRITEBYTECODE`` (as this machine's shell does), nothing would write them and every
run would compile the ~110 project modules a build imports from source again: about 0.1–0.2 CPU-s that a user's build
does not spend.

Usage::

    python benchmarks/build_shipped.py              # 3 runs
    python benchmarks/build_shipped.py --runs 5 --keep /tmp/bench
    python benchmarks/build_shipped.py --runs 5 --where /dev/shm
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE = re.compile(r"^\[(\w+)\] done in ([0-9.]+) s$")
SIZE = re.compile(r"\(([0-9.]+) MB\)$")


def compile_bytecode() -> None:
    """Write the ``__pycache__`` of every module of ``src/infrarisk`` that lacks a current one."""
    if not compileall.compile_dir(REPO / "src" / "infrarisk", quiet=1):
        raise SystemExit("compiling the project's modules failed")


def run_once(out: Path) -> dict:
    """One build into ``out`` (created fresh); its wall seconds, stage seconds and site size."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "infrarisk.cli", "build", "--out", str(out / "site"), "--db", str(out / "db.duckdb")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, sys_ = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    stages, mb = {}, None
    for line in proc.stderr.splitlines():
        m = STAGE.match(line.strip())
        if m:
            stages[m.group(1)] = float(m.group(2))
        m = SIZE.search(line.strip())
        if m and line.startswith("built in"):
            mb = float(m.group(1))
    return {"wall_s": wall, "cpu_s": user + sys_, "user_s": user, "sys_s": sys_, "stages": stages, "site_mb": mb}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="builds to run (the median is reported)")
    ap.add_argument("--keep", type=Path, default=None, help="build into this folder and keep the last output")
    ap.add_argument("--where", type=Path, default=None, help="make the runs' folder here (default: the temporary folder)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="build_shipped_", dir=args.where)) if args.keep is None else args.keep
    compile_bytecode()
    try:
        runs = []
        for i in range(args.runs):
            r = run_once(tmp / f"run-{i}")
            print(f"run {i + 1}/{args.runs}: {r['wall_s']:.2f} s (cpu {r['cpu_s']:.2f} s) {json.dumps(r['stages'])}",
                  file=sys.stderr)
            runs.append(r)
    finally:  # each run's output kept until all ran (see the module docstring)
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            for i in range(args.runs - 1):
                shutil.rmtree(tmp / f"run-{i}", ignore_errors=True)
    names = list(runs[0]["stages"])
    stages = {k: round(statistics.median(r["stages"].get(k, 0.0) for r in runs), 3) for k in names}
    other = statistics.median(r["wall_s"] - sum(r["stages"].values()) for r in runs)
    out = {"runs": args.runs, "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
           "walls_s": [round(r["wall_s"], 3) for r in runs],
           "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
           "user_s": round(statistics.median(r["user_s"] for r in runs), 3),
           "sys_s": round(statistics.median(r["sys_s"] for r in runs), 3), "stages": stages, "other_s": round(other, 3),
           "site_mb": runs[-1]["site_mb"]}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
