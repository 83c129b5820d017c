"""Benchmark: the map site at 1,000 / 10,000 / 100,000 assets, against an empty page.

For each size, writes a synthetic ``datasets/`` folder (the real Natural Earth and
UN/LOCODE sources; a World Port Index of synthetic ports placed inside European country
polygons; curated ownership tables with synthetic terminals, one to three stakes each,
and entity chains up to state-controlled parents in several countries), runs the real
build (:func:`infrarisk.pipeline.build`: load, resolve, score, checks, site), then opens
the map page in headless Debian Chromium from a local server and measures the time from
navigation start until the features are painted (``infrarisk.paintedAt``, set two
animation frames after the first draw of every layer). The empty page is the same map
page built with an empty layer registry (its scripts, styles and country outlines, no feature).

Prints progress to stderr and one JSON line last on stdout::

    {"empty_ms": ..., "painted_ms": {"1000": ...}, "build_s": {...}, "pipeline_s": {...},
     "page_kb_gz": {...}, "drawn": {...}, "features": {...}, "default_site_kb_gz": ...,
     "default": {"features": ..., "painted_ms": ..., "build_s": ..., "pipeline_s": ..., "page_kb_gz": ...}}

``build_s`` is the site stage of the build (``infrarisk.site.build_site_from``: every page, the
map data, the details and the downloads), ``pipeline_s`` the whole build (verify, load,
resolve, score, checks, site); ``page_kb_gz`` is what the map page loads before it paints
(HTML, scripts, styles, data), gzipped; ``drawn`` the features the page holds.
``default_site_kb_gz`` is the same figure for the site built from the shipped datasets (every
layer: ports, terminals, cables, landing stations, telecom and gas assets), and ``default``
has all the figures of that site (features, painted, site stage, whole build, page size).

Usage::

    python benchmarks/site_scale.py                       # 1,000 10,000 100,000
    python benchmarks/site_scale.py --assets 1000 5000 --runs 3 --keep /tmp/bench
    python benchmarks/site_scale.py --assets 100000 --build-only   # no browser: the build's stages

``--build-only`` skips the browser and the empty and shipped-data pages, and prints
``{"pipeline_s": {...}, "stages": {"100000": {"verify": ..., "load": ..., ...}}}``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from infrarisk.pipeline import build  # noqa: E402
from infrarisk.settings import Settings  # noqa: E402
from infrarisk.site import layers as registry  # noqa: E402
from infrarisk.site.serve import make_server  # noqa: E402
from infrarisk.sources import rehash  # noqa: E402

EUROPE = ["PT", "ES", "FR", "IT", "GR", "HR", "SI", "DE", "NL", "BE", "GB", "IE", "DK", "SE", "FI", "NO", "PL", "LT",
          "LV", "EE", "RO", "BG", "MT", "CY", "AT", "CZ", "HU", "SK", "IS"]
TOPS = [("CN", "state"), ("CN", "company"), ("RU", "state"), ("HK", "company"), ("AE", "state"), ("DE", "company"),
        ("FR", "state"), ("NL", "company"), ("US", "company"), ("TR", "company"), ("SG", "company"), ("DK", "company")]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _points_in(countries: gpd.GeoDataFrame, code: str, k: int, rng: np.random.Generator) -> np.ndarray:
    geom = shapely.union_all(countries.loc[countries["ISO_A2_EH"] == code, "geometry"].to_numpy())
    # keep to the main landmass and a margin inside it, so positions fall near their country
    geom = geom.buffer(-0.05) if geom.area > 1 else geom
    x0, y0, x1, y1 = geom.bounds
    out = np.empty((0, 2))
    while len(out) < k:
        cand = np.column_stack([rng.uniform(x0, x1, 4 * k + 16), rng.uniform(y0, y1, 4 * k + 16)])
        inside = shapely.contains_xy(geom, cand[:, 0], cand[:, 1])
        out = np.vstack([out, cand[inside]])
    return np.round(out[:k], 5)


def make_datasets(target: Path, n_assets: int, seed: int = 7) -> dict:
    """Write a synthetic datasets folder with ``n_assets`` mapped assets (ports + terminals)."""
    rng = np.random.default_rng(seed + n_assets)
    src = REPO / "datasets"
    shutil.copytree(src / "naturalearth", target / "naturalearth")
    shutil.copytree(src / "unlocode", target / "unlocode")
    shutil.copytree(src / "wpi", target / "wpi")
    shutil.copytree(src / "curated", target / "curated")
    countries = gpd.read_file(src / "naturalearth" / "countries.geojson")
    n_terms = n_assets // 20
    n_ports = n_assets - 2 * n_terms  # each terminal also makes a place (its port) on the map
    # ports, spread over the countries
    per = np.bincount(rng.integers(0, len(EUROPE), n_ports), minlength=len(EUROPE))
    with open(src / "wpi" / "wpi_ports.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, template = reader.fieldnames, next(reader)
    ports = []
    for code, k in zip(EUROPE, per):
        for lon, lat in _points_in(countries, code, int(k), rng):
            ports.append((code, lon, lat))
    with open(target / "wpi" / "wpi_ports.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for i, (code, lon, lat) in enumerate(ports):
            row = dict(template)
            row.update(wpi_number=str(100000 + i), port_name=f"Porto {_word(rng)} {i}", alternate_name="", unlocode="",
                       unlocode_as_published="", has_invalid_unlocode="false", country_name=code, country_code=code,
                       latitude=f"{lat}", longitude=f"{lon}")
            w.writerow(row)
    # entities: a few ultimate parents per country kind, then holding companies below them
    own = target / "curated"
    ent_header = _header(own / "entities.csv")
    n_ents = max(12, n_terms // 3)
    ents = []
    for i in range(n_ents):
        if i < len(TOPS) * 2:
            cc, kind = TOPS[i % len(TOPS)]
            etype = "state-owned enterprise" if kind == "state" else "listed holding"
        else:
            cc, etype = EUROPE[int(rng.integers(len(EUROPE)))] if rng.random() < 0.7 else TOPS[int(rng.integers(
                len(TOPS)))][0], "private company"
        ents.append({**{k: "" for k in ent_header}, "entity_id": f"synthetic-{i}", "source_row": str(i + 1),
                     "entity_name": f"{_word(rng).title()} {_word(rng).title()} Holdings {i}", "jurisdiction": cc,
                     "hq_country": cc, "entity_type": etype, "source_url": f"https://example.org/entity/{i}"})
    _write(own / "entities.csv", ent_header, ents)
    link_header = _header(own / "parent_links.csv")
    links = []
    for i in range(len(TOPS) * 2, n_ents):
        if rng.random() < 0.6:
            parent = int(rng.integers(0, min(i, len(TOPS) * 4)))
            links.append({"link_id": f"L-syn{i}", "source_row": str(len(links) + 1), "child": ents[i]["entity_name"],
                          "parent": ents[parent]["entity_name"], "stake_pct": f"{rng.choice([30, 51, 60, 75, 100])}",
                          "relationship": "shareholder", "as_of": f"20{rng.integers(15, 25)}-0{rng.integers(1, 10)}",
                          "source_url": f"https://example.org/link/{i}", "source_title": f"Filing {i}",
                          "status": "current", "note": ""})
    _write(own / "parent_links.csv", link_header, links)
    # terminals with stakes, placed at their own position
    stake_header = _header(own / "asset_stakes.csv")
    loc_header = _header(own / "asset_locations.csv")
    stakes, locs = [], []
    t_codes = rng.integers(0, len(EUROPE), n_terms)
    for i in range(n_terms):
        code = EUROPE[int(t_codes[i])]
        name = f"{_word(rng).title()} Terminal {i}"
        holders = rng.choice(n_ents, size=int(rng.integers(1, 4)), replace=False)
        shares = rng.dirichlet(np.ones(len(holders))) * rng.choice([100, 100, 90])
        for h, sh in zip(holders, shares):
            stakes.append({"stake_id": f"S-syn{len(stakes)}", "source_row": str(len(stakes) + 1), "asset_name": name,
                           "port_name": "", "unlocode": "", "country": code,
                           "asset_type": str(rng.choice(["container terminal", "container terminal", "port authority",
                                                         "inland container terminal"])),
                           "operator_company": "", "shareholder_company": ents[int(h)]["entity_name"],
                           "stake_pct": f"{sh:.2f}", "stake_kind": "equity", "as_of": "2024-06-30",
                           "source_url": f"https://example.org/stake/{len(stakes)}", "source_title": f"Report {i}",
                           "status": "current", "note": ""})
        (lon, lat), = _points_in(countries, code, 1, rng)
        locs.append({"source_row": str(i + 1), "asset_name": name, "source_file": "asset_stakes", "latitude": f"{lat}",
                     "longitude": f"{lon}", "precision": "terminal", "source_url": f"https://example.org/pos/{i}",
                     "source_title": "synthetic", "note": ""})
    _write(own / "asset_stakes.csv", stake_header, stakes)
    _write(own / "asset_locations.csv", loc_header, locs)
    _write(own / "telecom_stakes.csv", _header(own / "telecom_stakes.csv"), [])
    _write(own / "transactions.csv", _header(own / "transactions.csv"), [])
    for f in (own / "corrections").glob("*.csv"):
        _write(f, _header(f), [])
    for folder in ("wpi", "curated"):
        rehash(target / folder)
    return {"ports": len(ports), "terminals": n_terms, "entities": n_ents, "stakes": len(stakes)}


_SYLL = ["ka", "ro", "mi", "sta", "ven", "tor", "lin", "bel", "dor", "sa", "mar", "no", "gra", "vik", "hel"]


def _word(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_SYLL, size=int(rng.integers(2, 4))))


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def page_kb_gz(site: Path) -> float:
    """Gzipped size of what the map page loads before painting: HTML, scripts, styles, data."""
    html = (site / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    data = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S)
    refs += json.loads(data.group(1)) if data else []  # the data files app.js runs
    total = len(gzip.compress(html.encode(), 6))
    for r in refs:
        total += len(gzip.compress((site / r).read_bytes(), 6))
    return round(total / 1024, 1)


def measure(site: Path, runs: int) -> tuple[float, int]:
    """Median time to painted over ``runs`` fresh page loads; and the number of features drawn."""
    from playwright.sync_api import sync_playwright
    srv = make_server(site, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/index.html"
    times, drawn = [], -1
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url)
                page.wait_for_selector("html[data-painted]", timeout=120_000)
                times.append(page.evaluate("infrarisk.paintedAt"))
                drawn = page.evaluate("infrarisk.app.store.n")
                if errors:
                    raise RuntimeError(f"page errors: {errors}")
                ctx.close()
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    return round(statistics.median(times), 1), drawn


def run_one(tmp: Path, n: int, runs: int, browser: bool = True) -> dict:
    """Build and measure the site of ``n`` synthetic assets; ``n == 0``: the same page with no layer at all."""
    ds = tmp / f"datasets-{n}"
    if ds.is_dir() and (ds / "wpi" / "manifest.toml").is_file():  # kept from an earlier run (--keep)
        sizes = {}
    else:
        ds.mkdir(parents=True, exist_ok=True)
        sizes = make_datasets(ds, max(n, 100))
    s = Settings.load(environ={}, datasets_dir=ds, db_path=tmp / f"db-{n}.duckdb", site_dir=tmp / f"site-{n}")
    saved = registry.LAYERS
    if n == 0:  # the empty page: the real map page, its scripts and outline, and no feature
        registry.LAYERS = []
        sizes = {"ports": 0, "terminals": 0, "entities": 0, "stakes": 0}
    try:
        report = build(s)
    finally:
        registry.LAYERS = saved
    if not browser:
        res = {"pipeline_s": report.seconds, "stages": report.stages}
        say(f"{n:>7} assets: {json.dumps(res)}")
        return res
    ms, drawn = measure(s.site_dir, runs)
    res = {"painted_ms": ms, "build_s": report.stages.get("site"), "pipeline_s": report.seconds,
           "page_kb_gz": page_kb_gz(s.site_dir), "drawn": drawn, "features": n, **sizes}
    say(f"{n:>7} assets: {json.dumps(res)}")
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--assets", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=3, help="page loads per size (the median is reported)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the synthetic datasets and sites in this folder")
    ap.add_argument("--build-only", action="store_true", help="time the builds only (no browser)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="site_scale_")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        try:
            results = {n: run_one(tmp, n, args.runs, browser=False) for n in args.assets}
        finally:
            if args.keep is None:
                shutil.rmtree(tmp, ignore_errors=True)
        out = {"pipeline_s": {str(n): r["pipeline_s"] for n, r in results.items()},
               "stages": {str(n): r["stages"] for n, r in results.items()}}
        print(json.dumps(out))
        return out
    try:
        empty = run_one(tmp, 0, args.runs)
        results = {n: run_one(tmp, n, args.runs) for n in args.assets}
        default = tmp / "default"
        s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=default / "db.duckdb",
                          site_dir=default / "site")
        report = build(s)
        default_ms, default_n = measure(s.site_dir, args.runs)
        say(f"shipped data: {default_n} features painted in {default_ms} ms; site {report.stages.get('site')} s, "
            f"build {report.seconds} s")
        out = {
            "empty_ms": empty["painted_ms"],
            "painted_ms": {str(n): r["painted_ms"] for n, r in results.items()},
            "build_s": {str(n): r["build_s"] for n, r in results.items()},
            "pipeline_s": {str(n): r["pipeline_s"] for n, r in results.items()},
            "page_kb_gz": {"empty": empty["page_kb_gz"], **{str(n): r["page_kb_gz"] for n, r in results.items()}},
            "drawn": {str(n): r["drawn"] for n, r in results.items()},
            "features": {str(n): r["features"] for n, r in results.items()},
            "default_site_kb_gz": page_kb_gz(s.site_dir),
            "default": {"features": default_n, "painted_ms": default_ms, "build_s": report.stages.get("site"),
                        "pipeline_s": report.seconds, "page_kb_gz": page_kb_gz(s.site_dir)},
        }
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
