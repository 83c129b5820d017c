"""Benchmark: CPU seconds of the build's verify stage and of each source's loader.

Runs what the build's verify and load stages run (:func:`infrarisk.sources.verify_all`,
then every loader in :func:`infrarisk.sources.load_all` order, in this one process) into a
fresh database file, ``--runs`` times, and prints the best CPU time (``time.process_time``,
DuckDB's threads included) of each step as one JSON line: ``{"datasets": ..., "runs": N,
"cpu_s": {"verify": ..., "unlocode": ..., ..., "checkpoint": ..., "load": ...}}`` (``load``
is the sum of the loaders and ``checkpoint``). The modules the loaders import are imported
before the first run, as the build imports them before its load lanes fork. The
database is checkpointed after each loader, timed apart (``checkpoint``): DuckDB writes its
log to disk whenever it fills up, which would charge one loader with what those before it wrote.
``checkpoint`` is thus the cost of compressing and writing every loaded table into the file
(about half of it the UN/LOCODE and Natural Earth tables): the build pays it once, when its
database is checkpointed (and the second load lane for its own file, the shared sources'
tables included).

Usage::

    python benchmarks/load_cpu.py                          # the shipped datasets/
    python benchmarks/load_cpu.py --datasets /tmp/bench/datasets-100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from infrarisk import db, sources  # noqa: E402
from infrarisk.problems import ProblemLog  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402
from infrarisk.sources import manifest, verified  # noqa: E402


def one_run(settings: Settings) -> dict[str, float]:
    """CPU seconds of verify and of each loader, one build's worth."""
    verified._VERIFIED.clear()
    manifest._PARSED.clear()
    out: dict[str, float] = {}
    con = db.connect(settings.db_path)
    log = ProblemLog()
    try:
        t = time.process_time()
        folders = sources.list_sources(settings.datasets_dir)
        keys = [verified.fingerprint(f) for f in folders]
        for folder, key, m in zip(folders, keys, sources.verify_all(settings.datasets_dir)):
            verified.remember_verified(folder, m, key)
        out["verify"] = time.process_time() - t
        from infrarisk.sources.registry.load import load as load_registry

        steps = [("registry", load_registry)]
        present = sources.discover(settings.datasets_dir)
        have = {s.id for s in present}
        steps += [(sid, import_module(f"{pkg.__name__}.load").load)
                  for sid, pkg in sorted(sources.packages().items()) if sid not in have]
        steps += [(s.id, import_module(s.load_module).load) for s in present]
        for name, fn in steps:
            t = time.process_time()
            fn(con, settings, log)
            out[name] = out.get(name, 0.0) + time.process_time() - t
            t = time.process_time()
            con.execute("CHECKPOINT")  # written to disk here, not whenever the log fills up in a later loader
            out["checkpoint"] = out.get("checkpoint", 0.0) + time.process_time() - t
    finally:
        con.close()
    out["load"] = sum(v for k, v in out.items() if k != "verify")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, default=REPO / "datasets")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="load_cpu_"))
    try:
        for pkg in sources.packages().values():
            import_module(f"{pkg.__name__}.load")
        best: dict[str, float] = {}
        for k in range(args.runs):
            path = tmp / f"db-{k}.duckdb"
            s = Settings.load(environ={}, datasets_dir=args.datasets, db_path=path, site_dir=tmp / "site")
            for name, v in one_run(s).items():
                best[name] = min(best.get(name, v), v)
            path.unlink(missing_ok=True)
        print(json.dumps({"datasets": str(args.datasets), "runs": args.runs,
                          "cpu_s": {k: round(v, 3) for k, v in best.items()}}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
