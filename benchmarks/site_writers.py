"""Benchmark: processor time of the site's data writers on a finished build.

Opens a built database read-only, reads what the site build reads first (the
:class:`~infrarisk.site.SiteBuilder`, the map's data, the owner pages' data, the change list),
then times each writer ``--runs`` times and prints the best (processor time of this process,
all threads: the figure that moves least on a shared machine):

- ``networks`` / ``write_networks``: :func:`infrarisk.export_graph.networks` (both sets) and
  the four network files (:func:`infrarisk.site.extras.write_networks`);
- ``download_sets`` / ``write_sets``: the map's downloads assembled and written (CSV, GeoJSON,
  GeoParquet; :mod:`infrarisk.site.downloads`);
- ``layer_downloads``: :func:`infrarisk.site.layer_downloads.downloads` (the rows);
- ``vendor_downloads``: ``data/vendors.csv``;
- ``write_api``: ``api/v1/`` (:func:`infrarisk.site.extras.write_api`).

The files go to ``--out`` (replaced), so that they can be compared with a site built before
(``diff -r``). Prints one JSON line: ``{"cpu_s": {"networks": ..., ...}, "runs": N}``.

Usage::

    python benchmarks/site_writers.py --db site.duckdb
    python benchmarks/site_writers.py --db /tmp/bench/db-100000.duckdb --datasets /tmp/bench/datasets-100000
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from infrarisk import export_graph  # noqa: E402
from infrarisk.profiles import load_profile  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402
from infrarisk.site import (SiteBuilder, connect_read_only, downloads, extras, layer_downloads,  # noqa: E402
                            mapdata, vendor_downloads)
from infrarisk.site.changes import compute  # noqa: E402


def best_cpu(fn, runs: int):
    """(best processor time over ``runs`` calls, the last result)."""
    best, out = float("inf"), None
    for _ in range(runs):
        gc.collect()
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return round(best, 3), out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="a finished build's database")
    ap.add_argument("--datasets", type=Path, default=None, help="its datasets folder (default: the settings')")
    ap.add_argument("--out", type=Path, default=None, help="folder for the files written (default: a temporary one)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    s = Settings.load(environ={}, **({"datasets_dir": args.datasets} if args.datasets else {}))
    con = connect_read_only(args.db)
    out = args.out or Path(tempfile.mkdtemp(prefix="site_writers_"))
    shutil.rmtree(out, ignore_errors=True)
    (out / "data").mkdir(parents=True)
    try:
        sb = SiteBuilder(con, s, load_profile(s.profile))
        ex = extras.plan_extras(sb.con)
        sb.common.update(ex.common())
        md = mapdata.collect(sb)
        changes = None if s.as_of else compute(con, s)
        gc.freeze()  # as the site build does (infrarisk.site._frozen_heap)
        cpu = {}
        cpu["networks"], _ = best_cpu(lambda: export_graph.networks(con, except_nc=True), args.runs)
        cpu["write_networks"], _ = best_cpu(lambda: extras.write_networks(con, out), args.runs)
        cpu["download_sets"], sets = best_cpu(lambda: downloads.download_sets(sb, md), args.runs)
        cpu["write_sets"], _ = best_cpu(lambda: downloads.write_sets(sets, out), args.runs)
        cpu["layer_downloads"], files = best_cpu(lambda: layer_downloads.downloads(con), args.runs)
        for d in files:
            (out / d["href"]).write_bytes(d["csv"].encode("utf-8"))
        cpu["vendor_downloads"], _ = best_cpu(lambda: vendor_downloads.write(con, out), args.runs)
        cpu["write_api"], _ = best_cpu(lambda: extras.write_api(sb, ex.owner_urls, out, changes), args.runs)
    finally:
        con.close()
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    res = {"cpu_s": cpu, "runs": args.runs}
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
