"""Benchmark: the CPU time of each part of the site stage on a finished database (one process).

Builds the site with :func:`infrarisk.site.build_site_from` and ``workers=1`` (everything in this process) into a
fresh temporary folder ``--runs`` times and reports, per part, the best CPU time
(``time.process_time``: every thread of this process, so DuckDB's too) over the runs: the
reading of the tables (``SiteBuilder``, ``Explainer``, the owner pages' and the map's data),
the map's files, the details, the timeline, the owner pages, the change list and the pages.
A part called inside another is counted in both. CPU, not wall: the figures do not depend
on what else the machine runs as much as wall time does, but a busy machine still inflates
them (take the best of several runs).

Prints one JSON line: ``{"db": ..., "runs": ..., "cpu_s": {"<module>:<function>": seconds, ...,
"total": seconds}}``.

Usage::

    python benchmarks/site_parts.py --db build/infrarisk.duckdb
    python benchmarks/site_parts.py --db build/infrarisk.duckdb --as-build --heap 3
    python benchmarks/site_parts.py --db /tmp/bench/db-100000.duckdb --datasets /tmp/bench/datasets-100000

(the synthetic sets of ``benchmarks/site_scale.py --keep``).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import infrarisk.site as site  # noqa: E402
from infrarisk.profiles import load_profile  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402

#: (module, function or Class.method) timed
PARTS = [
    ("infrarisk.site.builder", "SiteBuilder.__init__"), ("infrarisk.explain", "Explainer.__init__"),
    ("infrarisk.site.owner_pages", "collect"), ("infrarisk.site.owner_pages", "lookthrough"),
    ("infrarisk.site.mapdata", "collect"), ("infrarisk.site.outlines", "read"),
    ("infrarisk.site.mapdata", "write_map_data"),
    ("infrarisk.site.details", "write_details"), ("infrarisk.site.timeline", "write_timeline"),
    ("infrarisk.site.owner_pages", "write_owner_pages"), ("infrarisk.site.changes", "compute"),
    ("infrarisk.history", "state_digest"), ("infrarisk.site.country_page", "country_page"),
    ("infrarisk.site.builder", "SiteBuilder.page"), ("infrarisk.site.builder", "SiteBuilder.assets_rows"),
    ("infrarisk.site.extras", "plan_extras"), ("infrarisk.site.extras", "write_owners"),
    ("infrarisk.site.extras", "write_api"), ("infrarisk.site.extras", "write_networks"),
    ("infrarisk.site.downloads", "download_sets"), ("infrarisk.site.downloads", "write_sets"),
    ("infrarisk.site.layer_downloads", "downloads"),
]


def _wrap(times: dict, module: str, qual: str) -> None:
    owner = importlib.import_module(module)
    *path, name = qual.split(".")
    for p in path:
        owner = getattr(owner, p)
    f = getattr(owner, name)
    key = f"{module.rsplit('.', 1)[-1]}:{qual}"

    @functools.wraps(f)
    def timed(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            times[key] = times.get(key, 0.0) + time.process_time() - t

    setattr(owner, name, timed)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="a finished build's database")
    ap.add_argument("--datasets", type=Path, default=None, help="its datasets folder (default: the settings')")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--as-build", action="store_true",
                    help="as the build runs it: prepare_from with the collector on (the build's objects alive: "
                         "--heap), then write_prepared, instead of build_site_from (collector frozen throughout)")
    ap.add_argument("--tmp", type=Path, default=None,
                    help="where the site is written (default: the system's temporary folder; /dev/shm leaves out "
                         "most of the file system's own time, which varies with what else the disk does)")
    ap.add_argument("--heap", type=float, default=0.0,
                    help="millions of small objects kept alive meanwhile, standing in for the build's "
                         "(with --as-build)")
    args = ap.parse_args(argv)
    settings = (Settings.load(environ={}, datasets_dir=args.datasets) if args.datasets is not None
                else Settings.load())
    profile = load_profile(settings.profile)
    times: dict[str, float] = {}
    for module, qual in PARTS:
        _wrap(times, module, qual)
    ballast = [{"i": [i]} for i in range(int(args.heap * 1e6 / 3))] if args.as_build else []  # 3 objects each
    best: dict[str, float] = {}
    for _ in range(args.runs):
        times.clear()
        tmp = Path(tempfile.mkdtemp(prefix="site_parts_", dir=args.tmp))
        try:
            t = time.process_time()
            if args.as_build:
                prepared = site.prepare_from(args.db, settings, profile, tmp / "site", workers=1)
                times["prepare_from"] = time.process_time() - t
                site.write_prepared(prepared, workers=1)
            else:
                site.build_site_from(args.db, settings, profile, tmp / "site", workers=1)
            times["total"] = time.process_time() - t
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for k, v in times.items():
            best[k] = min(best.get(k, v), v)
    del ballast
    out = {"db": str(args.db), "runs": args.runs, "as_build": args.as_build,
           "cpu_s": {k: round(v, 3) for k, v in best.items()}}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
