"""Benchmark: Lighthouse (mobile and desktop presets) and axe-core on the built site.

Builds the shipped datasets into a temporary folder (or takes ``--site DIR``), serves the
site on 127.0.0.1 gzip-compressed as a static host would (text responses with
``Content-Encoding: gzip``), and runs:

- Lighthouse's mobile preset (simulated slow 4G, 4x CPU slowdown) ``--runs`` times on
  ``index.html`` and reports the median of each figure: performance, accessibility, best
  practices and SEO scores, largest contentful paint, total blocking time, cumulative
  layout shift, first contentful paint, speed index and the longest main-thread task; and per
  run the machine's load average (1 minute) when it ended and every task of 50 ms or more
  (Lighthouse's simulated durations: 4x the CPU time observed, so other work on the machine
  inflates them), with the script it is attributed to;
- Lighthouse's desktop preset once per run the same way;
- axe-core with the WCAG 2.1 A/AA rules (tags wcag2a, wcag2aa, wcag21a, wcag21aa) on every
  page type: the map, the map with an asset card open, and every other HTML page of the
  site, and reports the violations per page (rule id and node count).

Lighthouse and axe-core come from the npm registry, installed once into ``.cache/node``::

    npm install --prefix .cache/node lighthouse@12 axe-core@4

and run in Debian's chromium (``/usr/bin/chromium``) with the flags that keep it off the
network. Prints progress to stderr and one JSON line last on stdout::

    {"versions": {...}, "load": "...", "mobile": {"performance": 97, "lcp_ms": ..., ...},
     "desktop": {...}, "axe": {"index.html": [], ...}, "axe_violations": 0}

Usage::

    python benchmarks/lighthouse.py                 # build the shipped data, 3 runs
    python benchmarks/lighthouse.py --site site --runs 5 --reports /tmp/lh   # keep the reports
    python benchmarks/lighthouse.py --site site --runs 1 --no-axe --reports /tmp/lh --trace
        # and each run's trace (/tmp/lh/m0-0.trace.json): the long tasks and what ran in them
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from infrarisk.site.serve import Handler, make_server  # noqa: E402

NODE = REPO / ".cache" / "node"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CARD = "index.html#map=5/49/9.5&sel=terminal:csp-zeebrugge-terminal"
TEXT = (".html", ".js", ".css", ".json", ".csv", ".geojson", ".svg", ".atom")


class GzipHandler(Handler):
    """The preview server's handler, with text files sent gzip-compressed when asked for."""

    def send_head(self):  # noqa: D102
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix in TEXT and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


def gzip_server(site: Path):
    """A threaded server of ``site`` on a free port of 127.0.0.1, compressing text like a static host."""
    srv = make_server(site, port=0)
    srv.RequestHandlerClass = lambda *a, **k: GzipHandler(*a, directory=str(site), **k)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def ensure_node() -> None:
    """Install lighthouse and axe-core into .cache/node when they are not there yet."""
    if (NODE / "node_modules" / "lighthouse").is_dir() and (NODE / "node_modules" / "axe-core").is_dir():
        return
    subprocess.run(["npm", "install", "--prefix", str(NODE), "--no-audit", "--no-fund",
                    "lighthouse@12", "axe-core@4"], check=True, stdout=sys.stderr)


def version(pkg: str) -> str:
    return json.loads((NODE / "node_modules" / pkg / "package.json").read_text())["version"]


def lighthouse(url: str, preset: str, out: Path, trace: bool = False) -> dict:
    """One Lighthouse run of ``url`` with ``preset`` ("mobile" or "desktop"): its figures
    (``trace``: keep the trace and DevTools log beside ``out``)."""
    cmd = [str(NODE / "node_modules" / ".bin" / "lighthouse"), url, "--quiet", "--output=json",
           f"--output-path={out}", "--chrome-flags=" + " ".join(FLAGS),
           "--only-categories=performance,accessibility,best-practices,seo"]
    if trace:
        cmd.append("--save-assets")
    if preset == "desktop":
        cmd.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(cmd, check=True, env=env, stdout=sys.stderr, stderr=sys.stderr)
    r = json.loads(out.read_text())
    a, c = r["audits"], r["categories"]
    tasks = [t for t in (a.get("long-tasks", {}).get("details") or {}).get("items", [])]
    return {
        "load": round(os.getloadavg()[0], 2),
        "performance": round(100 * (c["performance"]["score"] or 0)),
        "accessibility": round(100 * (c["accessibility"]["score"] or 0)),
        "best_practices": round(100 * (c["best-practices"]["score"] or 0)),
        "seo": round(100 * (c["seo"]["score"] or 0)),
        "fcp_ms": round(a["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(a["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(a["total-blocking-time"]["numericValue"]),
        "cls": round(a["cumulative-layout-shift"]["numericValue"], 3),
        "si_ms": round(a["speed-index"]["numericValue"]),
        "longest_task_ms": round(max((t["duration"] for t in tasks), default=0)),
        # every main-thread task of 50 ms or more (simulated): the script it is attributed to, ms
        "long_tasks": [[t["url"].rsplit("/", 1)[-1] or t["url"], round(t["duration"])] for t in tasks],
        "failed": sorted(k for cat in ("accessibility", "best-practices", "seo") for k in
                         [ref["id"] for ref in c[cat]["auditRefs"] if ref.get("weight")]
                         if a[k].get("score") is not None and a[k]["score"] < 1),
    }


def median(runs: list[dict]) -> dict:
    """The median of each numeric figure over the runs, and every failed audit seen."""
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k not in ("failed", "long_tasks", "load")}
    out["runs"] = [{k: r[k] for k in ("performance", "lcp_ms", "tbt_ms", "cls", "longest_task_ms", "long_tasks", "load")}
                   for r in runs]
    out["failed"] = sorted({f for r in runs for f in r["failed"]})
    return out


def axe(base: str, site: Path) -> dict[str, list[str]]:
    """axe-core's WCAG 2.1 A/AA violations ("rule: n nodes") on every page type of the site."""
    from playwright.sync_api import sync_playwright

    from tests.site import browser as B

    pages = ["index.html", CARD] + sorted(p.name for p in site.glob("*.html") if p.name != "index.html")
    script = (NODE / "node_modules" / "axe-core" / "axe.min.js").read_text()
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        b = B.launch(p)
        try:
            for name in pages:
                for width in (1280, 375):
                    ctx = b.new_context(viewport={"width": width, "height": 800})
                    page = ctx.new_page()
                    page.goto(base + name)
                    if name.startswith("index.html"):
                        page.wait_for_selector("html[data-painted]", timeout=30_000)
                        if "sel=" in name:
                            page.wait_for_selector("#detail[data-loaded]", timeout=10_000)
                    page.add_script_tag(content=script)
                    res = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
                    key = f"{name} @{width}px"
                    found[key] = [f"{v['id']}: {len(v['nodes'])}" for v in res["violations"]]
                    ctx.close()
        finally:
            b.close()
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a built site (default: build the shipped data)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports in this folder")
    ap.add_argument("--no-axe", action="store_true", help="Lighthouse only")
    ap.add_argument("--trace", action="store_true", help="with --reports: keep each run's trace too")
    args = ap.parse_args(argv)
    ensure_node()
    tmp = Path(tempfile.mkdtemp(prefix="ir-lh-"))
    try:
        site = args.site
        if site is None:
            site = tmp / "site"
            subprocess.run([sys.executable, "-m", "infrarisk.cli", "build", "--out", str(site),
                            "--db", str(tmp / "db.duckdb")], check=True, stdout=sys.stderr,
                           env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        srv, base = gzip_server(site)
        try:
            mobile, desktop = [], []
            for i in range(args.runs):
                print(f"run {i + 1}/{args.runs}", file=sys.stderr)
                mobile.append(lighthouse(base + "index.html", "mobile", tmp / f"m{i}.json", args.trace))
                desktop.append(lighthouse(base + "index.html", "desktop", tmp / f"d{i}.json", args.trace))
            violations = {} if args.no_axe else axe(base, site)
        finally:
            srv.shutdown()
            srv.server_close()
        load = os.getloadavg()
        print(json.dumps({
            "versions": {"lighthouse": version("lighthouse"), "axe-core": version("axe-core"),
                         "chromium": subprocess.run([CHROMIUM, "--version"], capture_output=True,
                                                    text=True).stdout.strip()},
            "load": [round(x, 2) for x in load], "runs": args.runs,
            "mobile": median(mobile), "desktop": median(desktop),
            "axe": violations, "axe_violations": sum(len(v) for v in violations.values()),
        }))
    finally:
        if args.reports:
            args.reports.mkdir(parents=True, exist_ok=True)
            for f in tmp.glob("*.json"):
                shutil.copy(f, args.reports / f.name)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
