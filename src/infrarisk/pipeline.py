"""The offline build: verify → load → integrate → resolve → score → checks → site, atomically.

Contract: :func:`build` reads only what is on disk (``datasets/``), writes the DuckDB
database into a temporary file and the site into a temporary folder, and moves both into
place only when every stage and every ``error`` data check passed. On any failure the
previous database and site are untouched and the error propagates (the CLI turns it into
a non-zero exit code).

Speed: the build uses two processes wherever the work splits. The sources load in two lanes
(:mod:`infrarisk.sources.lanes`); once the second lane has forked, this process imports the later
stages' modules and the site's (:func:`_import_later_stages`) while that one starts loading, then
verifies and loads its share. After the integrate stage a child process works out the
timeline's past figures on a copy of the database while this one runs resolve, score and checks
(:class:`TimelineBeside`); the timeline stage then writes its tables here. The database is
checkpointed and closed before the site stage, whose reads are split between two processes
(:func:`infrarisk.site.prepare_from`; the second one then writes the owner pages) and whose other
files are written by two processes through read-only connections (:func:`infrarisk.site.write_prepared`);
meanwhile a third copies the finished database into its folder when that lies on another file system
than the scratch folder (:class:`infrarisk.fsops.PublishAhead`), renamed in place once the site is
written. The command line also checks the dataset folders in a process it forks before it imports
this module (:class:`infrarisk.sources.verified.Ahead`); the verify stage then takes its result.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from importlib import import_module
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from typing import TYPE_CHECKING

from . import collector, db, fsops, parallel, sources
from .problems import ProblemLog
from .sources.lanes import LoadLanes
from .profiles import Profile, load_profile
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from .timeline import Past

Progress = Callable[[str], None]
#: the modules of the stages after load, imported while the second load lane starts loading
#: (:func:`_import_later_stages`); no GeoPandas: nothing a build runs needs it (``tests/test_pipeline.py``)
LATER_STAGES = ("infrarisk.integrate", "infrarisk.ownership", "infrarisk.score", "infrarisk.summary",
                "infrarisk.checks", "infrarisk.timeline")


#: what the build reports it holds: label -> scalar SQL, all read by one query
COUNTS = {
    "assets": "(SELECT count(*) FROM core_assets__assets)",
    "terminals": "(SELECT count(*) FROM core_assets__assets WHERE asset_class = 'terminal')",
    "entities": "(SELECT count(*) FROM core_ownership__entities)",
    "links": "(SELECT count(*) FROM core_ownership__links)",
    "current links": "(SELECT count(*) FROM core_ownership__links WHERE is_current)",
    "inge2 ports": "(SELECT count(*) FROM out_inge2__ports)",
    "cable systems": "(SELECT count(*) FROM core_assets__assets WHERE asset_class = 'cable')",
    "landing stations": "(SELECT count(*) FROM core_assets__assets WHERE asset_class = 'landing')",
    "telecom assets": "(SELECT count(*) FROM core_assets__assets WHERE asset_class = 'telecom')",
    "energy assets": "(SELECT count(*) FROM core_assets__assets WHERE asset_class = 'energy')",
    "owner names matched": "(SELECT count(*) FILTER (WHERE is_matched) || ' of ' || count(*) FROM core_match__names)",
}


@dataclass
class BuildReport:
    """What a build did: timings, row accounting, problems, checks, counts."""

    db_path: Path
    site_dir: Path | None
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    log: ProblemLog = field(default_factory=ProblemLog)
    checks: list = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    site_bytes: int = 0
    #: seconds of work a second process did meanwhile (not on this process's path), by name
    elsewhere: dict[str, float] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        st = self.log.stats_frame()
        lines = [f"{'file':48} {'in':>7} {'loaded':>7} {'rejected':>8}"]
        for _, r in st.iterrows():
            lines.append(f"{r['file']:48} {r['rows_in']:>7} {r['rows_loaded']:>7} {r['rows_rejected']:>8}")
        lines.append(f"problems: {len(self.log.errors)} rejected-row errors, {len(self.log.warnings)} warnings")
        for c in self.checks:
            if c.offending:
                lines.append(f"check {c.name} ({c.severity}): {c.offending} row(s), tolerance {c.tolerance}")
        lines.append(", ".join(f"{k} {v}" for k, v in self.counts.items()))
        return lines


def _stage(report: BuildReport, name: str, progress: Progress):
    class _T:
        def __enter__(self):
            self.t = time.perf_counter()
            progress(f"[{name}] …")

        def __exit__(self, *exc):
            dt = time.perf_counter() - self.t
            report.stages[name] = round(dt, 3)
            if exc[0] is None:
                progress(f"[{name}] done in {dt:.2f} s")
            return False
    return _T()


def build_database(con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, report: BuildReport,
                   progress: Progress, with_timeline: bool = True, lanes: LoadLanes | None = None,
                   beside: "TimelineBeside | None" = None,
                   importing: threading.Thread | None = None) -> duckdb.DuckDBPyConnection:
    """Run verify → load → integrate → resolve → score → checks → timeline into ``con``; the
    connection to use afterwards (``con``, or a new one to the same file with ``beside``).

    ``lanes``: started load lanes (:class:`~infrarisk.sources.lanes.LoadLanes`, forked before
    ``con`` was opened), else the sources are verified and loaded here in turn. ``beside``: a
    :class:`TimelineBeside` for ``con``'s file: the timeline's past figures are then worked out in
    a second process while resolve, score and checks run here. ``with_timeline`` False leaves the
    timeline stage out (a view on a past date has none either)."""
    lanes = lanes or LoadLanes(settings, Path(settings.db_path))  # not started: one process
    with _stage(report, "verify", progress):  # this process's folders; a second lane verifies its own meanwhile
        lanes.verify()
    if lanes.verified_elsewhere is not None:
        report.elsewhere["verify"] = round(lanes.verified_elsewhere, 3)
        progress(f"[verify] the folders were checked in {lanes.verified_elsewhere:.2f} s by a process "
                 "started ahead, while this one imported the build's modules")
    with _stage(report, "load", progress):
        manifests = lanes.load(con, report.log)  # registry attached read-only, then each source
        progress(f"[load] {lanes.describe()}")
        # a build without non-commercial sources leaves them out entirely, their licence notices too
        record_sources(con, [m for m in manifests if settings.include_noncommercial or not m.is_noncommercial])
    if importing is not None:  # the thread importing the later stages' modules meanwhile (one process)
        importing.join()
    from . import checks, integrate, ownership, score, summary, vendors  # imported already, or now
    # from here no checkpoint whenever the log passes 16 MiB (DuckDB's default) in the middle of a stage:
    # the build checkpoints before the timeline's fork and at the end, each table compressed once (the
    # loads keep the default: their checkpoints fall in the load stage, where the two processes' work evens out)
    con.execute("SET wal_autocheckpoint = '1GB'")
    with _stage(report, "integrate", progress):
        integrate.run(con, settings, report.log)
    with_timeline = with_timeline and not settings.as_of  # a view on a past date has no slider
    until = date.today()
    if with_timeline and beside is not None:
        con = beside.start(con, until)
    with _stage(report, "resolve", progress):
        g = ownership.resolve(con, settings)
    with _stage(report, "score", progress):
        score.score(con, g, profile, settings)
        summary.run(con)
        vendors.run(con, profile, settings, report.log)  # the "built by" dimension, beside ownership
    del g
    with _stage(report, "checks", progress):
        db.write_frame(con, "out_build__problems", report.log.to_frame(), order_by=["file", "row", "column_name", "check_name"])
        db.write_frame(con, "out_build__load_stats", report.log.stats_frame(), order_by=["file"])
        report.checks = checks.run_checks(con, params={"share_sum_tolerance": settings.share_sum_tolerance})
        checks.record(con, report.checks)
        checks.raise_on_failure(report.checks)
    if with_timeline:
        known = None
        if beside is not None and beside.started:
            report.elsewhere["timeline"], known = beside.join()
            con.execute("RESET threads")
            progress(f"[timeline] past figures worked out in {report.elsewhere['timeline']:.2f} s "
                     "by a second process, beside resolve, score and checks")
        with _stage(report, "timeline", progress):
            import_module("infrarisk.timeline").run(con, settings, profile, until, known=known)
    report.counts = dict(zip(COUNTS, con.execute(f"SELECT {', '.join(COUNTS.values())}").fetchone()))
    return con


class TimelineBeside:
    """The timeline's past figures (:func:`infrarisk.timeline.past`) worked out in a child process
    while this one runs the resolve, score and checks stages.

    :meth:`start` (after the integrate stage) checkpoints and closes the build's connection,
    copies its file (the child's: two processes cannot open one file when one writes it), forks
    the child and returns a new connection to the build's file, each of the two with DuckDB on its
    share of the cores (:func:`infrarisk.parallel.cores_each`) until the child is joined;
    :meth:`join` returns the child's :class:`~infrarisk.timeline.Past`, from which the timeline
    stage writes its tables here with today's figures. No other thread may run at the fork.
    Nothing starts (:attr:`started` false) without ``os.fork`` or with ``build_workers`` 1: the
    stage then works everything out in turn.
    """

    def __init__(self, db_path: Path, settings: Settings, profile: Profile) -> None:
        self.db_path, self.settings, self.profile = Path(db_path), settings, profile
        self.side = self.db_path.with_name(self.db_path.name + ".timeline")
        self.child = None
        #: the connection :meth:`start` opened (the build closes it if a later stage fails)
        self.con: duckdb.DuckDBPyConnection | None = None

    @property
    def started(self) -> bool:
        return self.child is not None

    def start(self, con: duckdb.DuckDBPyConnection, until: date) -> duckdb.DuckDBPyConnection:
        """Fork the child (see the class); the connection to use from now on."""
        if not parallel.can_fork() or self.settings.build_workers < 2:
            return con
        con.execute("CHECKPOINT")
        con.close()
        shutil.copyfile(self.db_path, self.side)
        settings, profile, side = self.settings, self.profile, self.side

        def work() -> tuple[float, object]:
            t = time.perf_counter()
            c = db.connect(side)
            try:
                c.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
                c.execute(f"SET threads = {parallel.cores_each(2)}")  # beside resolve and score
                known = import_module("infrarisk.timeline").past(c, settings, profile, until)
            finally:
                c.close()
            return time.perf_counter() - t, known
        self.child = parallel.Child(work, "the timeline's past figures")
        self.con = db.connect(self.db_path)
        self.con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        self.con.execute("SET wal_autocheckpoint = '1GB'")
        # this process's share of the cores while the child computes (:func:`infrarisk.parallel.cores_each`)
        self.con.execute(f"SET threads = {parallel.cores_each(2)}")
        return self.con

    def join(self) -> tuple[float, "Past"]:
        """The child's seconds and result (its error raised here)."""
        try:
            return self.child.join()
        finally:
            self.close()

    def close(self) -> None:
        """Reap a child still running (a failure here) and remove its file."""
        if self.child is not None:
            child, self.child = self.child, None
            child.reap()
        self.side.unlink(missing_ok=True)
        Path(str(self.side) + ".wal").unlink(missing_ok=True)


def record_sources(con: duckdb.DuckDBPyConnection, manifests: list[sources.Manifest]) -> None:
    """``core_meta__sources`` / ``core_meta__files``: provenance of every dataset file."""
    srcs, files = [], []
    for m in manifests:
        srcs.append({"source_id": m.id, "title": m.title, "publisher": m.publisher, "origin_url": m.origin_url,
                     "homepage": m.homepage or m.origin_url, "licence": m.licence, "licence_url": m.licence_url,
                     "attribution": m.attribution, "retrieved": m.retrieved, "refresh_url": m.refresh_url,
                     "is_noncommercial": m.is_noncommercial, "notes": m.notes})
        for f in m.files:
            files.append({"source_id": m.id, "path": f.path, "sha256": f.sha256, "bytes": f.bytes, "rows": f.rows,
                          "licence": f.licence or m.licence, "attribution": f.attribution or m.attribution,
                          "description": f.description})
    db.write_frame(con, "core_meta__sources", pd.DataFrame(srcs), order_by=["source_id"])
    db.write_frame(con, "core_meta__files", pd.DataFrame(files), order_by=["source_id", "path"])


def build(settings: Settings, progress: Progress | None = None, with_site: bool = True,
          ahead: "sources.verified.Ahead | None" = None) -> BuildReport:
    """Build the database and (by default) the site, publishing both atomically.

    ``ahead``: the check of the dataset folders, started by the caller in a child process before
    it imported this module (:class:`infrarisk.sources.verified.Ahead`, as the command line does);
    the verify stage then takes its result. It is reaped whatever happens."""
    try:
        with collector.fewer_collections():  # the collector rescans the build's rows less often
            return _build(settings, progress, with_site, ahead)
    finally:
        if ahead is not None:
            ahead.close()  # nothing left to wait for once the verify stage took its result


def _build(settings: Settings, progress: Progress | None, with_site: bool,
           ahead: "sources.verified.Ahead | None") -> BuildReport:
    progress = progress or (lambda s: None)
    t0 = time.perf_counter()
    profile = load_profile(settings.profile)
    db_path = Path(settings.db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    scratch = fsops.scratch_dir(settings.scratch_dir, db_path.parent, _scratch_bytes(Path(settings.datasets_dir)))
    scratch.mkdir(parents=True, exist_ok=True)
    fsops.remove_stale(scratch, db_path.name)  # what killed builds left (in memory, on /dev/shm)
    if db_path.parent.resolve() != scratch.resolve():
        fsops.remove_stale(db_path.parent, db_path.name)  # a copy a killed build was publishing
    tmp_db = scratch / f".{db_path.name}.{os.getpid()}.tmp"  # with the load lane's and the timeline's files
    tmp_db.unlink(missing_ok=True)
    report = BuildReport(db_path=db_path, site_dir=Path(settings.site_dir) if with_site else None)
    _import_loaders()  # before the fork: the second process has them too
    # the second load lane forks first: before this process opens a database or starts a thread
    lanes = LoadLanes(settings, tmp_db, ahead).start()
    con = None
    tmp_site = None
    beside = None
    publishing = None
    importing = None
    try:
        if lanes.split:
            took = _import_later_stages(with_site)
            progress(f"[load] the later stages' modules imported in {took:.2f} s while the second process "
                     "started loading")
        else:  # one process: imported in a thread while this one verifies and loads (no fork meanwhile)
            importing = threading.Thread(target=_import_later_stages, args=(with_site,), name="infrarisk-imports",
                                         daemon=True)
            importing.start()
        con = db.connect(tmp_db)
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        if settings.build_workers > 1:  # until the timeline's child is joined, two work at once: the load
            # lanes, then integrate's two threads, then the timeline's child beside resolve and score;
            # each DuckDB gets its share of the cores (parallel.cores_each), this one all of them after
            con.execute(f"SET threads = {parallel.cores_each(2)}")
        beside = TimelineBeside(tmp_db, settings, profile)
        con = build_database(con, settings, profile, report, progress, lanes=lanes, beside=beside, importing=importing)
        con.execute("CHECKPOINT")
        con.close()  # the site reads the finished file through read-only connections, two processes at once
        # copied into its folder meanwhile when that is on another file system (a synced copy takes a while)
        publishing = fsops.PublishAhead.start(tmp_db, db_path)
        if with_site:
            from .site import build_prepared
            site_dir = Path(settings.site_dir)
            site_dir.parent.mkdir(parents=True, exist_ok=True)
            tmp_site = site_dir.with_name(f".{site_dir.name}.{os.getpid()}.tmp")
            shutil.rmtree(tmp_site, ignore_errors=True)
            with _stage(report, "site", progress):
                prepared = build_prepared(tmp_db, settings, profile, tmp_site, settings.build_workers, progress)
                if "side" in prepared.took and settings.build_workers > 1:
                    report.elsewhere["site reads"] = prepared.took["side"]
                progress("[site] parts written: " + " | ".join(
                    ", ".join(f"{name} {sec:.2f} s" for name, sec in mine) for mine in prepared.written_by))
            report.site_bytes = fsops.folder_bytes(tmp_site)
        publishing.finish()
        if with_site:
            swap_dir(tmp_site, Path(settings.site_dir))
    except BaseException:
        lanes.close()
        if publishing is not None:
            publishing.abandon()
        if beside is not None:
            beside.close()
        if importing is not None:
            importing.join()
        for c in (con, beside.con if beside is not None else None):
            try:
                if c is not None:
                    c.close()
            except Exception:
                pass
        tmp_db.unlink(missing_ok=True)
        Path(str(tmp_db) + ".wal").unlink(missing_ok=True)
        if tmp_site is not None:
            shutil.rmtree(tmp_site, ignore_errors=True)
        raise
    report.seconds = round(time.perf_counter() - t0, 3)
    return report


def _import_later_stages(with_site: bool) -> float:
    """Import the later stages' modules (and the site's, compiling its templates); the seconds it took.

    The build calls it once the second load lane has forked, which meanwhile starts loading: the
    queue of groups then gives that lane more of the load (:mod:`infrarisk.sources.lanes`). Imported
    in a thread beside this process's own loading instead, the imports (SciPy, Folium, Jinja2 …)
    cost the load stage more than their own time: three threads on two cores, two of them taking
    turns at the interpreter lock (measured: 0.07 s more wall, 0.15 CPU-s more). A build in one
    process runs it in such a thread, joined once the load stage is done: there the second core is
    free, and DuckDB leaves the lock free while it loads. A failure here is ignored: the stage that
    needs the module imports it again and reports it.
    """
    t = time.perf_counter()
    try:
        for name in LATER_STAGES:
            import_module(name)
        if with_site:
            from .site import render
            render.warm()
    except Exception:  # noqa: BLE001 - the stage raises it again
        pass
    return time.perf_counter() - t


def _import_loaders() -> None:
    """Import every source's loader (and the registry's), which the load stage runs."""
    from .sources.registry import load as _registry  # noqa: F401  (imported by load_all)
    for pkg in sources.packages().values():
        import_module(f"{pkg.__name__}.load")


def _scratch_bytes(datasets_dir: Path) -> int:
    """Room the working database files need: 1 GiB, or 20 times the datasets' bytes if more (the
    shipped build's database is about 5 times its datasets; the load lane and the timeline
    each work on a copy)."""
    size = sum(p.stat().st_size for p in datasets_dir.rglob("*") if p.is_file()) if datasets_dir.is_dir() else 0
    return max(1 << 30, 20 * size)


def swap_dir(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target``: two renames, the old copy removed last."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
