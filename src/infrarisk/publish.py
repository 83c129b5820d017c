"""``infrarisk update``: fetch → import → build → checks → record → publish, safe under cron.

Contract: :func:`update` takes the lock (:class:`infrarisk.runs.RunLock`, ``fcntl.flock`` on
``settings.lock_path``, beside the site), refreshes the sources' snapshots
(:mod:`infrarisk.sources._fetch`), copies ``datasets/`` into a fresh build folder
``settings.builds_dir/<run id>/`` and re-derives there, with the sources' derive steps, every
source that has a fetched snapshot (a remote whose manifest says ``update = true``), ingests the
remotes whose manifest says ``ingest`` (the GLEIF API responses, the golden-copy deltas) into a
copy of the registry database in that folder (:mod:`infrarisk.refresh`), builds the database and
the site in that folder (:func:`infrarisk.pipeline.build`: verify, load, resolve, score,
checks, site), compares the result with the last published build
(:mod:`infrarisk.history`) and only then publishes: the site is swapped in with one
directory exchange, the database, the registry database (when this run ingested into it) and
the history file with one rename each. Everything
that can fail runs before that point, so on any failure the published site, database
and history are untouched, the exit code is non-zero, and the JSON run report
(``settings.runs_dir/<run id>.json`` and ``latest.json``) names the stage that failed and
why. New snapshots stay staged until then too: they replace the previous ones only
together with the site they built, so the snapshots folder always holds the raw inputs of
the published build. ``dry_run`` does everything but publish (the would-be site stays in
the build folder). The last ``settings.keep_builds`` published builds are kept.

The run report holds: run id, status, exit code, failed stage and cause, every stage
with its time (the build's own stages included), the snapshots fetched (url, sha256,
outcome), the sha256 of every input file of the build, counts, the changes found, what the
refresh changed per source (``refresh``), the facts that need re-checking (``review``:
:func:`infrarisk.review.summary`; its count also in ``counts["facts_to_recheck"]``) and where
the build was published. Wall-clock times appear only here and in the history
store, never in the site.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from . import history
from . import review
from . import refresh as refresh_mod
from .sources import _fetch
from .errors import FetchError
from .fsops import exchange_dirs, link_tree, write_atomic
from .profiles import load_profile
from .runs import Progress, RunLock, RunReport, BuildStages, new_run_id, now_utc
from .settings import Settings
from .snapshots import dataset_inputs, derive_datasets, verify_snapshot


# --- retention --------------------------------------------------------------------------------

def _build_info(d: Path) -> dict:
    try:
        return json.loads((d / "run.json").read_text())
    except (OSError, ValueError):
        return {}


def prune_builds(builds_dir: Path, keep: int, protect: set[str]) -> list[str]:
    """Keep the newest ``keep`` published builds and the newest other one; return what went."""
    if not builds_dir.is_dir():
        return []
    info = {d: _build_info(d) for d in builds_dir.iterdir() if d.is_dir() and not d.name.startswith(".")}
    dirs = sorted(info, key=lambda d: info[d].get("order") or d.name)  # oldest first
    published = [d for d in dirs if info[d].get("status") == "published"]
    others = [d for d in dirs if d not in published]
    drop = published[:-keep] + others[:-1]
    gone = []
    for d in drop:
        if d.name not in protect:
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d.name)
    return gone


# --- update -----------------------------------------------------------------------------------

def update(settings: Settings, *, dry_run: bool = False, fetch: bool = True, sources: list[str] | None = None,
           progress: Progress | None = None, run_id: str | None = None, report_path: Path | None = None) -> RunReport:
    """Run the whole refresh (see module docstring); raise the first error after writing the report."""
    progress = progress or (lambda s: None)
    report = RunReport(run_id=run_id or new_run_id(), command="update", dry_run=dry_run, started_at=now_utc())
    report.paths = {k: str(getattr(settings, k)) for k in ("site_dir", "db_path", "datasets_dir", "snapshots_dir",
                                                            "builds_dir", "history_path", "lock_path")}
    t0 = time.perf_counter()
    previous_handler = _terminate_as_exit()
    try:
        with report.stage("lock", progress):
            lock = RunLock(settings.lock_path, report.run_id).acquire()
        try:
            with report.stage("clean", progress) as st:
                st["removed"] = clean_debris(settings)
            _update(settings, report, dry_run, fetch, sources, progress)
        finally:
            lock.release()
    except BaseException as e:
        report.fail(e)
        raise
    finally:
        report.seconds = round(time.perf_counter() - t0, 3)
        report.finished_at = now_utc()
        if report.status == "running":
            report.status = "dry-run" if dry_run else "published"
            report.exit_code = 0
        try:
            report.write(settings.runs_dir, report_path)
        except OSError as e:  # the report must not hide the run's own error
            progress(f"[report] could not write the run report: {e}")
        _restore_terminate(previous_handler)
    return report


def _terminate_as_exit():
    """Turn SIGTERM (systemd's stop, a CI timeout) into SystemExit, so the clean-up and the run
    report still happen; returns the previous handler (None outside the main thread)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise SystemExit(143)
    return signal.signal(signal.SIGTERM, handler)


def _restore_terminate(previous) -> None:
    import signal
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def clean_debris(settings: Settings) -> list[str]:
    """Remove what a run killed outright (power loss, SIGKILL) left behind: staging folders and
    temporary files beside the site, the database, the history and the snapshots, and build
    folders that never got their ``run.json``. Runs under the lock, so nothing is in use."""
    site, db, hist = Path(settings.site_dir), Path(settings.db_path), Path(settings.history_path)
    patterns = [(site.parent, f".{site.name}.*.new"), (site.parent, f".{site.name}.*.old"),
                (site.parent, f".{site.name}.*.tmp"),
                (db.parent, f".{db.name}.*.tmp"), (hist.parent, f".{hist.name}.*.tmp"),
                *([(Path(settings.registry_db_path).parent, f".{Path(settings.registry_db_path).name}.*.tmp")]
                  if settings.registry_db_path else []),
                (Path(settings.snapshots_dir), ".*.tmp")]
    removed = []
    for folder, pattern in patterns:
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob(pattern)):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(str(p))
    builds = Path(settings.builds_dir)
    if builds.is_dir():
        for d in sorted(builds.iterdir()):
            if d.is_dir() and not (d / "run.json").exists():
                shutil.rmtree(d, ignore_errors=True)
                removed.append(str(d))
    return removed


def _update(settings: Settings, report: RunReport, dry_run: bool, do_fetch: bool, sources: list[str] | None,
            progress: Progress) -> None:
    from .pipeline import build

    with report.stage("config", progress):
        _fetch.check_settings(settings)
        ids = list(sources) if sources else _fetch.default_update_sources(settings)
        for sid in ids:
            _fetch.by_id(settings, sid)
        report.sources = ids

    build_dir = Path(settings.builds_dir) / report.run_id
    published_point = False
    hist_tmp = new_site = db_tmp = reg_tmp = None
    registry_new = None
    staged: list = []  # new snapshots, committed only with the site they built
    try:
        if do_fetch and ids:
            with report.stage("fetch", progress) as st:
                results, failures = _fetch.fetch_sources(settings, ids, progress, commit=False)
                staged = [r.staged for r in results if r.staged is not None]
                for r in results:
                    report.snapshots[r.source] = {
                        "folder": r.folder, "seconds": r.seconds, "outcomes": r.counts(), "summary": r.summary,
                        "files": {f.path: {"url": f.url, "outcome": f.outcome, "sha256": f.sha256, "bytes": f.bytes,
                                           "attempts": f.attempts, "waited_s": f.waited_s} for f in r.files}}
                st["failed_sources"] = [sid for sid, _ in failures]
                if failures:
                    first = failures[0][1]
                    if len(failures) > 1:
                        msg = f"{len(failures)} sources failed: " + "; ".join(f"{e}" for _, e in failures)
                        raise (FetchError(msg) if isinstance(first, FetchError) else type(first)(msg))
                    raise first
        else:
            report.skip("fetch", "--no-fetch" if not do_fetch else "no sources to fetch")

        build_dir.mkdir(parents=True)
        staged_dirs = {sf.final.name: sf.tmp for sf in staged}
        with report.stage("import", progress) as st:
            st["imported"] = derive_datasets(settings, ids, build_dir, progress, staged_dirs)
            report.inputs = dataset_inputs(build_dir / "datasets")
            report.refresh = refresh_mod.dataset_refresh(settings, st["imported"], build_dir)

        # the registry data (infrarisk ingest) is attached by the build from registry_db_path: a copy
        # with this run's GLEIF refresh ingested, or the published file when nothing was refreshed
        with report.stage("ingest", progress) as st:
            registry_new, st["ingested"] = refresh_mod.ingest_for_update(settings, ids, build_dir, staged_dirs, progress,
                                                                          verify_snapshot)
            for rid, rep in st["ingested"].items():
                report.refresh[rid] = rep
        extra = {"registry_db_path": registry_new} if registry_new is not None else {}
        bsettings = settings.with_(datasets_dir=build_dir / "datasets", db_path=build_dir / "infrarisk.duckdb",
                                   site_dir=build_dir / "site", **extra)
        with report.stage("build", progress) as st:
            tracker = BuildStages(report, st, progress)
            try:
                b = build(bsettings, progress=tracker)
            except BaseException as e:
                tracker.failed(e)
                raise
            report.counts = {**b.counts, "site_bytes": b.site_bytes,
                             "rows_rejected": int(b.log.stats_frame()["rows_rejected"].sum())}

        with report.stage("record", progress):
            import duckdb
            con = duckdb.connect(str(bsettings.db_path), read_only=True)
            try:
                state = history.state_of(con, bsettings.registry_db_path)
                res = review.review(con, bsettings, load_profile(bsettings.profile))
            finally:
                con.close()
            report.review = review.summary(res)
            report.counts["facts_to_recheck"] = res["n_facts"]
            store = history.History(settings.history_path)
            prev = store.previous_state(state.digest)
            changes = history.diff(prev, state)
            last = store.last_run()
            kinds: dict[str, int] = {}
            for c in changes:
                kinds[c.change_kind] = kinds.get(c.change_kind, 0) + 1
            report.changes = {"state": state.digest, "previous_state": prev.digest if prev else None,
                              "data_date": state.data_date, "total": len(changes), **kinds,
                              "list": [c.as_row() for c in changes[:200]]}
            report.refresh["_changes"] = history.change_summary(changes)
            # the count of facts due for re-checking (`infrarisk review`) is in report.review and counts
            if not dry_run:
                hist_tmp = store.prepare({"run_id": report.run_id, "started_at": report.started_at,
                                          "published_at": now_utc(), "inputs": report.inputs,
                                          "counts": report.counts, "site_dir": str(settings.site_dir)},
                                         state, prev, changes)

        if dry_run:
            report.skip("publish", "--dry-run: the site, database, history and snapshots stay as they were")
            report.published = {"build_dir": str(build_dir), "site_would_be": str(build_dir / "site")}
            write_atomic(build_dir / "run.json", json.dumps({"run_id": report.run_id, "status": "dry-run"}).encode())
            return

        with report.stage("publish", progress) as st:
            site_dir, db_path = Path(settings.site_dir), Path(settings.db_path)
            if site_dir.is_symlink():  # publish into the folder the link points to; the link stays
                site_dir = site_dir.resolve()
            site_dir.parent.mkdir(parents=True, exist_ok=True)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            new_site = site_dir.with_name(f".{site_dir.name}.{report.run_id}.new")
            link_tree(build_dir / "site", new_site)
            db_tmp = db_path.with_name(f".{db_path.name}.{report.run_id}.tmp")
            shutil.copyfile(bsettings.db_path, db_tmp)
            if registry_new is not None:  # the registry the site was built with replaces the published one
                reg_path = Path(settings.registry_db_path)
                reg_tmp = reg_path.with_name(f".{reg_path.name}.{report.run_id}.tmp")
                reg_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(registry_new, reg_tmp)  # moved, not copied: a build folder keeps no registry copy
            write_atomic(build_dir / "run.json", json.dumps({"run_id": report.run_id, "status": "published",
                                                              "state": state.digest}).encode())
            # -- the point of no return: a directory exchange and renames --
            published_point = True
            displaced = exchange_dirs(new_site, site_dir)
            new_site = None
            os.replace(db_tmp, db_path)
            db_tmp = None
            if reg_tmp is not None:
                os.replace(reg_tmp, reg_path)
                reg_tmp = None
            store.commit(hist_tmp)
            hist_tmp = None
            for sf in staged:  # the snapshots that built the published site replace the previous ones
                sf.commit()
            staged = []
            st["displaced"] = _keep_displaced(displaced, settings, last, report.run_id)
            report.published = {"site_dir": str(site_dir), "db_path": str(db_path), "build_dir": str(build_dir),
                                "state": state.digest,
                                "is_new_state": last is None or last.get("state_digest") != state.digest}
    except BaseException:
        if not published_point:
            shutil.rmtree(build_dir, ignore_errors=True)
        if new_site is not None:
            shutil.rmtree(new_site, ignore_errors=True)
        for p in (db_tmp, hist_tmp, reg_tmp):
            if p is not None:
                Path(p).unlink(missing_ok=True)
        raise
    finally:
        for sf in staged:  # a failed or dry run keeps the previous snapshots
            sf.abort()
        gone = prune_builds(Path(settings.builds_dir), settings.keep_builds, {report.run_id})
        if gone:
            report.published["pruned_builds"] = gone


def _keep_displaced(displaced: Path | None, settings: Settings, last: dict | None, run_id: str) -> str | None:
    """The site just replaced: dropped when its build is kept in ``builds_dir``, else kept there
    (as the build published just before this run, for the retention order)."""
    if displaced is None:
        return None
    kept = Path(settings.builds_dir) / last["run_id"] / "site" if last else None
    if kept is not None and kept.is_dir() and _same_tree(displaced, kept):
        shutil.rmtree(displaced, ignore_errors=True)
        return f"already kept as {last['run_id']}"
    stamp = datetime.fromtimestamp(displaced.stat().st_mtime, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = Path(settings.builds_dir) / f"{stamp}-replaced"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.move(str(displaced), dest / "site")
    write_atomic(dest / "run.json", json.dumps({"run_id": dest.name, "status": "published", "order": run_id.split("-")[0] + "-",
                                                "note": "a site not built by infrarisk update, replaced"}).encode())
    return str(dest)


def _same_tree(a: Path, b: Path) -> bool:
    """Same files with the same bytes (hard links compare by inode first)."""
    fa = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    if fa != fb:
        return False
    for rel in fa:
        x, y = a / rel, b / rel
        if os.path.samefile(x, y):
            continue
        if x.stat().st_size != y.stat().st_size or x.read_bytes() != y.read_bytes():
            return False
    return True


# --- fetch on its own --------------------------------------------------------------------------

def fetch_only(settings: Settings, ids: list[str], progress: Progress | None = None):
    """``infrarisk fetch``: refresh snapshots under the same lock as ``update``."""
    with RunLock(settings.lock_path, "fetch-" + new_run_id()):
        return _fetch.fetch_sources(settings, ids, progress)
