"""The scale benchmark runs (reduced size) and prints its JSON line; figures are printed, not asserted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "ownership_scale.py"


def test_ownership_scale_benchmark_at_100k_entities():
    p = subprocess.run([sys.executable, str(BENCH), "--entities", "100000"], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    print(last)
    assert list(figures) == ["entities", "links", "load_s", "load_cpu_s", "controller_s", "lookthrough_s",
                            "peak_rss_mb"]
    assert figures["entities"] == 100_000 and 20_000 <= figures["links"] <= 24_000


def test_build_shipped_benchmark_prints_wall_and_stage_seconds(tmp_path):
    bench = BENCH.with_name("build_shipped.py")
    p = subprocess.run([sys.executable, str(bench), "--runs", "1", "--where", str(tmp_path)], capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    print(last)
    assert list(figures) == ["runs", "wall_s", "walls_s", "cpu_s", "user_s", "sys_s", "stages", "other_s", "site_mb"]
    assert figures["cpu_s"] == pytest.approx(figures["user_s"] + figures["sys_s"], abs=0.002)
    assert list(tmp_path.iterdir()) == []  # the runs' folder was made there, and removed
    assert list(figures["stages"]) == ["verify", "load", "integrate", "resolve", "score", "checks", "timeline", "site"]
    serial = sum(figures["stages"].values())  # a second process's work is inside the stage it runs beside
    assert figures["wall_s"] >= serial > 0 and figures["other_s"] > 0 and figures["site_mb"] > 1


def test_gleif_refresh_benchmark_counts_requests():
    bench = BENCH.with_name("gleif_refresh.py")
    p = subprocess.run([sys.executable, str(bench), "--leis", "1000"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    figures = json.loads(p.stdout.strip().splitlines()[-1])
    print(figures)
    # one request per 200 LEIs and kind: 5 batches x 3 kinds, then the 100 parents in one batch x 3 kinds
    assert figures["requests"] == 5 * 3 + 3 and figures["records"] == 1100


def test_lighthouse_benchmark_serves_text_gzip_compressed(tmp_path):
    """benchmarks/lighthouse.py's server compresses text as a static host would (Lighthouse itself needs npm)."""
    import gzip
    import importlib.util
    import urllib.request

    spec = importlib.util.spec_from_file_location("lighthouse_bench", BENCH.with_name("lighthouse.py"))
    lh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lh)
    page = "<!DOCTYPE html><title>x</title>" + "a" * 5000
    (tmp_path / "index.html").write_text(page)
    (tmp_path / "data.parquet").write_bytes(b"PAR1" * 10)
    srv, base = lh.gzip_server(tmp_path)
    try:
        r = urllib.request.urlopen(urllib.request.Request(base + "index.html", headers={"Accept-Encoding": "gzip"}))
        body = r.read()
        assert r.headers["Content-Encoding"] == "gzip" and len(body) < 200
        assert gzip.decompress(body).decode() == page
        plain = urllib.request.urlopen(base + "index.html")  # a client that does not ask gets the file as it is
        assert plain.headers["Content-Encoding"] is None and plain.read().decode() == page
        raw = urllib.request.urlopen(urllib.request.Request(base + "data.parquet", headers={"Accept-Encoding": "gzip"}))
        assert raw.headers["Content-Encoding"] is None and raw.read() == b"PAR1" * 10
    finally:
        srv.shutdown()
        srv.server_close()
    runs = [{"performance": p, "lcp_ms": 1, "tbt_ms": 2, "cls": 0.0, "longest_task_ms": t, "long_tasks": [["core.js", t]],
             "load": 1.0, "failed": f} for p, t, f in ((90, 60, []), (80, 120, ["x"]), (99, 0, []))]
    m = lh.median(runs)
    assert m["performance"] == 90 and m["longest_task_ms"] == 60 and m["failed"] == ["x"] and len(m["runs"]) == 3
    assert m["runs"][1]["long_tasks"] == [["core.js", 120]] and "long_tasks" not in m
