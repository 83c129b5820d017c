"""Requests and seconds of the GLEIF refresh for N LEIs, against a local stand-in for GLEIF's API.

Usage: ``python benchmarks/gleif_refresh.py --leis N [--parents-every K] [--per-minute R]``

Writes a throw-away ``datasets/`` whose owner register holds N LEIs (every K-th with a parent,
shared by K entities; the others with a reporting exception), serves them with
``tests/gleif_fake.py`` on ``127.0.0.1`` (``http.server``, nothing leaves the machine), runs the
real crawl (:mod:`infrarisk.sources.gleif.api_refresh`) and prints one JSON line:
``{"leis", "parents", "requests", "requests_per_200_leis", "seconds", "records",
"minutes_at_60_per_minute"}``. The rate limiter is set to ``--per-minute`` (default: none, to
time the crawl itself); at GLEIF's 60 requests a minute a run takes ``requests`` minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from infrarisk.settings import Settings  # noqa: E402
from infrarisk.sources._fetch import fetch_sources  # noqa: E402
from tests.gleif_fake import FakeGleif, lei_with_check  # noqa: E402


def serve(fake: FakeGleif) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            u = urlsplit(self.path)
            status, body = fake.respond(u.path, dict(parse_qsl(u.query)))
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leis", type=int, default=1000)
    ap.add_argument("--parents-every", type=int, default=10)
    ap.add_argument("--per-minute", type=float, default=0.0, help="rate limit (0: none)")
    a = ap.parse_args()
    fake = FakeGleif()
    leis = [lei_with_check(f"5493{i:014d}") for i in range(a.leis)]
    parents = [lei_with_check(f"7000{i:014d}") for i in range(-(-a.leis // a.parents_every))]
    for p in parents:
        fake.add(p, f"Parent {p}", "CN")
    for i, lei in enumerate(leis):
        p = parents[i // a.parents_every] if i % a.parents_every == 0 else None
        fake.add(lei, f"Entity {i}", "DE", parent=p, ultimate=p,
                 exception_reason=None if p else "NON_CONSOLIDATING")
    srv = serve(fake)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        man = ROOT / "datasets" / "gleif" / "manifest.toml"
        (tmp / "datasets" / "gleif").mkdir(parents=True)
        (tmp / "datasets" / "gleif" / "manifest.toml").write_bytes(man.read_bytes())
        (tmp / "datasets" / "owners").mkdir()
        (tmp / "datasets" / "owners" / "owners.csv").write_text(
            "owner_id,name,lei\n" + "".join(f"o{i},Owner {i},{x}\n" for i, x in enumerate(leis)))
        s = Settings.load(environ={}, datasets_dir=tmp / "datasets", db_path=tmp / "data" / "db.duckdb",
                          site_dir=tmp / "site",
                          urls={"gleif_api": f"http://127.0.0.1:{srv.server_address[1]}/api/v1"},
                          http={"gleif_requests_per_minute": a.per_minute, "retries": 0})
        t0 = time.perf_counter()
        results, failures = fetch_sources(s, ["gleif-api"])
        seconds = time.perf_counter() - t0
    srv.shutdown()
    if failures:
        raise SystemExit(f"refresh failed: {failures[0][1]}")
    summary = results[0].summary
    requests = summary["requests"]
    print(json.dumps({"leis": a.leis, "parents": len(parents), "requests": requests,
                      "requests_per_200_leis": round(requests / (a.leis + len(parents)) * 200, 2),
                      "seconds": round(seconds, 3), "records": summary["records"],
                      "minutes_at_60_per_minute": round(requests / 60, 1)}))


if __name__ == "__main__":
    main()
