"""The static site: map, country summary, foreign-stakes table, INGE2 page, methodology, sources,
changes, downloads.

Contract: :func:`build_site_from` reads the ``out_*``, ``core_*`` and ``core_meta__*`` tables of a
finished, closed build database and writes a complete site into an empty folder (the caller
swaps it into place): :func:`prepare_from` reads what every part needs once (two processes,
each half of it), then :func:`write_prepared` writes the parts, shared by two processes
(:mod:`infrarisk.parallel`). It reads tables only: control chains, look-through paths, band reasons and the
ownership edges above each asset come from the evidence the score stage wrote
(``out_exposure__evidence_*``, read by :class:`~.builder.SiteBuilder`); the INGE2 page from
``out_inge2__*`` (:mod:`infrarisk.findings.inge2`). Output is deterministic: no timestamps, stable ordering,
stable element ids. Every string from data is escaped (templates autoescape; JSON is embedded with ``tojson``;
the map's data files escape ``<``, ``>`` and ``&`` and the page turns data into text nodes
only). The map page is a Folium map (:mod:`.mapping`) inside the app of ``map.html``; its
layers (:mod:`.layers`, :mod:`.infra`, :mod:`.mapdata`, :mod:`.details`, :mod:`.downloads`)
are loaded from files beside it and drawn on one canvas by ``static/infrarisk/``.
"""

from __future__ import annotations

import csv
import gc
import io
import shutil
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import duckdb

from .. import licences
from ..findings import census, inge2, reconcile
from ..fmt import pct
from ..profiles import Profile
from ..settings import Settings
from . import (country_page, details, downloads, extras, layer_downloads, mapdata, mapping, methodology,
               vendor_downloads, vendor_site)
from .builder import SiteBuilder, _records  # noqa: F401  (SiteBuilder is public here)
from .features import TYPE_LABELS

STATIC = Path(__file__).resolve().parent / "static"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv(rows: list[dict], columns: list[str]) -> str:
    """CSV text: None empty, booleans ``true``/``false``, other values as csv writes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(["" if v is None else "true" if v is True else "false" if v is False else v for v in map(r.get, columns)]
                for r in rows)  # inline, not a function call per value
    return buf.getvalue()


def copy_static(out_dir: Path) -> None:
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            dest = out_dir / "static" / p.relative_to(STATIC)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)


@contextmanager
def _frozen_heap():
    """Keep the cyclic garbage collector off the objects that exist before the site build.

    The site build allocates millions of small dicts and lists; each collection would
    otherwise rescan every long-lived object of the build (tables, the ownership graph):
    about a fifth of the site stage at 100,000 assets.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def map_page(sb: SiteBuilder, data: dict, dls: list[dict], n_assets: int) -> str:
    """``index.html``: the Folium map (self-hosted Leaflet, stable ids) inside the app of ``map.html``."""
    layers = data["index"]["layers"]
    legend = list(dict.fromkeys(layer["legend"] for layer in layers if layer["legend"]))
    with mapping.stable_ids():
        m = mapping.site_map([52.0, 12.0], 4, js=[("infrarisk_core", "static/infrarisk/core.js")], minZoom=1, maxZoom=18)
        m.add_child(mapping.Attach("infrarisk.attach"))
        return mapping.map_page(m, "map.html", page="map", title="Map", scripts=data["scripts"], layers=layers,
                                downloads=dls, n_assets=n_assets, legend=legend, **sb.common)


def build_site_from(db_path: Path, settings: Settings, profile: Profile, out_dir: Path, workers: int = 2) -> Path:
    """The whole site from a closed database file, its files written by two processes at once.

    :func:`prepare_from` then :func:`write_prepared`.

    Parameters
    ----------
    db_path : Path
        A finished, checkpointed database no connection holds open for writing.
    workers : int
        2 to split the work between two processes, 1 to write it all here.
    """
    with _frozen_heap():
        prepared = prepare_from(db_path, settings, profile, out_dir, workers=workers)
        return write_prepared(prepared, workers)


class Prepared:
    """What every part of the site reads, read once (:func:`prepare_from`), and where it goes."""

    def __init__(self, db_path: Path, settings: Settings, profile: Profile, out_dir: Path, parts: tuple) -> None:
        self.db_path, self.settings, self.profile, self.out_dir = Path(db_path), settings, profile, Path(out_dir)
        self.sb, self.md, self.ex, self.dls, self.changes, self.network_downloads = parts
        #: seconds spent reading, here and (``"side"``) in the second process (:func:`prepare_from`)
        self.took: dict[str, float] = {}
        #: the parts each process wrote, (name, seconds) (:func:`write_prepared`)
        self.written_by: tuple[list[tuple[str, float]], ...] = ()

    def describe(self) -> str:
        """How long the reading took in each process (the build prints it)."""
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.took.items())


def prepare_from(db_path: Path, settings: Settings, profile: Profile, out_dir: Path,
                 with_changes: bool = True, workers: int = 2) -> Prepared:
    """Make ``out_dir`` with the static files, read the tables every part reads and write the
    network files, from ``db_path`` through read-only connections (closed on return).

    Two halves, run by two processes at once when ``workers`` is 2 and the system forks
    (:func:`infrarisk.parallel.run_pair`; else in turn): here :class:`SiteBuilder` and
    :func:`mapdata.collect`; in the child the owner pages' data (:func:`extras.plan_extras`),
    what changed since the previous published build (:func:`.changes.compute`; not with
    ``with_changes`` False or on a past date) and the network files (:func:`extras.write_networks`,
    whose descriptions only the sources page lists), sent back by pickle.
    """
    from .. import parallel
    from .changes import compute

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=False)
    copy_static(out_dir)

    def side() -> tuple:
        t = time.perf_counter()
        con = connect_read_only(db_path)
        try:
            ex = extras.plan_extras(con)
            changes = None if settings.as_of or not with_changes else compute(con, settings)
            nets = extras.write_networks(con, out_dir)
        finally:
            con.close()
        return ex, changes, nets, time.perf_counter() - t

    def here() -> tuple:
        t = time.perf_counter()
        con = connect_read_only(db_path)
        try:
            sb = SiteBuilder(con, settings, profile)
            md = mapdata.collect(sb)
        finally:
            con.close()
        sb.con = None
        return sb, md, time.perf_counter() - t

    if workers > 1 and parallel.can_fork():
        (ex, changes, nets, side_s), (sb, md, here_s) = parallel.run_pair(side, here, what="the site's side reads")
    else:
        (sb, md, here_s), (ex, changes, nets, side_s) = here(), side()
    sb.common.update(ex.common())  # owner_urls, which every page links owners by
    dls = downloads.describe_downloads(sb, md)  # the files: by the downloads' part (write_prepared)
    p = Prepared(db_path, settings, profile, out_dir, (sb, md, ex, dls, changes, nets))
    p.took = {"here": round(here_s, 3), "side": round(side_s, 3)}
    return p


def write_prepared(p: Prepared, workers: int = 2) -> Path:
    """Write the site's files from ``p``, shared by two processes when ``workers`` is 2 and the
    system forks.

    The files fall into parts that write disjoint files (:func:`_parts`): the map, the owner
    pages, the downloads, the other pages, the JSON API, the sources page. A child process and
    this one each take the next part not yet taken (:class:`~infrarisk.parallel.WorkQueue`, in
    :func:`_parts`' order) until none is left, each
    through its own read-only connection to ``p.db_path`` (:mod:`infrarisk.parallel`), so the
    work splits evenly whichever part grows with the data. The files are the same whichever
    process writes a part; a failure in either process raises here.
    """
    from .. import parallel

    parts = _parts(p)
    if workers < 2 or not parallel.can_fork():
        with _frozen_heap():
            p.written_by = (_run_parts(p, parts, range(len(parts))),)
        return p.out_dir
    queue = parallel.WorkQueue(len(parts))  # the numbers of the parts left

    def work() -> list[tuple[str, float]]:
        return _run_parts(p, parts, queue.take())
    try:
        with _frozen_heap():
            p.written_by = parallel.run_pair(work, work, what="a part of the site")
    finally:
        queue.close()
    return p.out_dir


def _parts(p: Prepared) -> list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None]]]:
    """The parts of the site's files as (name, function of a read-only connection), the longest
    first (measured on the shipped data and at 100,000 assets), so the last ones even out."""
    sb, md, ex, dls, out = p.sb, p.md, p.ex, p.dls, p.out_dir
    return [
        ("owners", lambda con: extras.write_owners(ex, out, sb.common)),
        ("map", lambda con: _map_files(sb, md, dls, out)),
        ("pages", lambda con: _pages(con, sb, md, p.settings, p.profile, out, p.changes)),
        ("downloads", lambda con: downloads.write_sets(downloads.download_sets(sb, md), out)),
        ("api", lambda con: extras.write_api(sb, ex, out, p.changes)),
        ("sources", lambda con: _sources_page(sb, out, p.network_downloads)),
    ]


def _run_parts(p: Prepared, parts: list, numbers: Iterable[int]) -> list[tuple[str, float]]:
    """Run the parts numbered by ``numbers`` through one read-only connection; their names and seconds."""
    done = []
    p.sb.con = con = connect_read_only(p.db_path)
    try:
        for i in numbers:
            name, fn = parts[i]
            t = time.perf_counter()
            fn(con)
            done.append((name, round(time.perf_counter() - t, 3)))
    finally:
        con.close()
    return done


def _sources_page(sb: SiteBuilder, out_dir: Path, network_downloads: list[dict]) -> None:
    """``sources.html``, which lists the network files (``network_downloads``) among the downloads."""
    _write(out_dir / "sources.html", sb.page("sources.html", "sources", "Sources and licences",
                                             network_downloads=network_downloads))


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a finished database file."""
    return duckdb.connect(str(db_path), read_only=True)


def _map_files(sb: SiteBuilder, md: "mapdata.MapData", dls: list[dict], out_dir: Path) -> None:
    """The map: a Folium map page; features in files beside it, details on demand (the full downloads,
    described by ``dls``, are written by :func:`downloads.write_sets`)."""
    data = mapdata.write_map_data(sb, md, out_dir, dls)
    details.write_details(sb, md, out_dir)
    import_module("infrarisk.site.timeline").write_timeline(sb.con, set(md.order), out_dir)  # the date slider (issue 14)
    _write(out_dir / "index.html", map_page(sb, data, dls, md.n))


def _pages(con: duckdb.DuckDBPyConnection, sb: SiteBuilder, md: "mapdata.MapData", settings: Settings,
           profile: Profile, out_dir: Path, changes=None) -> None:
    """Every page but the map: countries, foreign stakes, INGE2, methodology, sources, changes."""
    files_lic = [f["licence"] for s in sb.sources for f in s["files"] if s["source_id"] in ("curated", "wpi")]
    # telecom and energy layers: downloads (licence of each = most restrictive of its rows), country summary
    layer_files = layer_downloads.downloads(con)
    for d in layer_files:
        _write(out_dir / d["href"], _csv(d["rows"], d["columns"]))
    html, _ = country_page.country_page(con, TYPE_LABELS, [d for d in layer_files if d["name"].startswith("country-")],
                                        md.outlines, **sb.common)
    _write(out_dir / "countries.html", html)
    vendor_downloads.write(con, out_dir)  # data/vendors.csv: the "built by" dimension (issue 13)

    # foreign stakes table + download
    rows = sb.assets_rows()
    # the file's licence is the most restrictive of what it contains (rows now include the layers)
    data_licence = licences.most_restrictive(files_lic + [r["licence"] for r in rows if r.get("licence")])
    licence = {"id": data_licence, "url": licences.url(data_licence)}
    _write(out_dir / "assets.html", sb.page("assets.html", "assets", "Foreign stakes", rows=rows, licence=licence))
    flat = [{"asset_id": r["asset_id"], "name": r["name"], "asset_type": r["asset_type"],
             "port_name": r["port_name"], "unlocode": r["unlocode"], "country_code": r["country_code"],
             "latitude": r["latitude"], "longitude": r["longitude"], "band": r["band"],
             "band_group": r["band_group_label"],
             "foreign_shares": "; ".join(f"{c['country_code']} {c['share']}" for c in r["countries"]),
             "controller_chain": r["control_chain"],
             "source_urls": " ".join(sorted({h["source_url"] for h in r["holders"]})),
             "licence": r["licence"]} for r in rows]
    _write(out_dir / "data" / "assets.csv", _csv(flat, list(flat[0]) if flat else ["asset_id"]))

    # INGE2
    inge = _records(con.execute("SELECT * FROM out_inge2__ports ORDER BY country_code, port_name, port_asset_id").df())
    claim = inge2.group_for(profile)
    label, members = claim.label, claim.members
    for r in inge:
        r["share_display"] = inge2.share_display(r)
    src = claim.group.sources[0] if claim.group is not None and claim.group.sources else None
    _write(out_dir / "data" / "inge2-ports.csv", _csv(inge, inge2.CSV_COLUMNS))
    published = reconcile.rows(con)
    _write(out_dir / "data" / "inge2-reconciliation.csv", _csv(reconcile.csv_rows(published), reconcile.CSV_COLUMNS))
    _write(out_dir / "inge2.html", sb.page(
        "inge2.html", "inge2", "Over 20 European ports", rows=inge, n_ports=len(inge),
        n_via_sar=sum(1 for r in inge if r["is_via_special_regions_only"]), group_label=label,
        group_countries=", ".join(sorted(members)), threshold=pct(settings.thresholds.screening),
        claim_url=src.url if src else "", claim_also=src.also_reported_by if src else "",
        not_counted=inge2.not_counted(con, members), published=published))

    # methodology, sources
    checks = _records(con.execute("SELECT * FROM out_build__checks ORDER BY check_name").df())
    stats = _records(con.execute("SELECT * FROM out_build__load_stats ORDER BY file").df())
    n_err, n_warn = con.execute("SELECT count(*) FILTER (WHERE severity='error'), count(*) FILTER (WHERE "
                                "severity='warning') FROM out_build__problems").fetchone()
    newest = con.execute("SELECT max(as_of_date) FROM core_ownership__links").fetchone()[0]
    _write(out_dir / "methodology.html", sb.page(
        "methodology.html", "methodology", "Methodology", checks=checks, stats=stats, n_errors=n_err,
        n_warnings=n_warn, thresholds=settings.thresholds, current_statuses=list(settings.current_statuses),
        country_attribute=settings.country_attribute, newest_fact=str(newest)[:10] if newest else "unknown",
        layers=methodology.methodology_facts(con, settings, layer_files, md), census=census.coverage(con),
        vendors=vendor_site.methodology(con, settings, profile)))

    # what changed since the previous published build (history store; issue 6)
    from .changes import write_changes
    write_changes(con, settings, out_dir, changes, **sb.common)
