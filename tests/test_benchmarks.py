"""The scale benchmark runs (reduced size) and prints its JSON line; figures are printed, not asserted."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "ownership_scale.py"


def test_ownership_scale_benchmark_at_100k_entities():
    p = subprocess.run([sys.executable, str(BENCH), "--entities", "100000"], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    print(last)
    assert list(figures) == ["entities", "links", "load_s", "controller_s", "lookthrough_s", "peak_rss_mb"]
    assert figures["entities"] == 100_000 and 20_000 <= figures["links"] <= 24_000


def test_build_shipped_benchmark_prints_wall_and_stage_seconds():
    bench = BENCH.with_name("build_shipped.py")
    p = subprocess.run([sys.executable, str(bench), "--runs", "1"], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    print(last)
    assert list(figures) == ["runs", "wall_s", "walls_s", "cpu_s", "stages", "other_s", "site_mb"]
    assert list(figures["stages"]) == ["verify", "load", "integrate", "resolve", "score", "checks", "site"]
    assert figures["wall_s"] >= sum(figures["stages"].values()) > 0 and figures["site_mb"] > 1


def test_gleif_refresh_benchmark_counts_requests():
    bench = BENCH.with_name("gleif_refresh.py")
    p = subprocess.run([sys.executable, str(bench), "--leis", "1000"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    figures = json.loads(p.stdout.strip().splitlines()[-1])
    print(figures)
    # one request per 200 LEIs and kind: 5 batches x 3 kinds, then the 100 parents in one batch x 3 kinds
    assert figures["requests"] == 5 * 3 + 3 and figures["records"] == 1100
