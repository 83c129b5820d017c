"""The run's lock and its report: what ``infrarisk update`` holds and writes.

Contract: :class:`RunLock` is an exclusive ``fcntl.flock`` on ``settings.lock_path`` naming
the run that holds it (a second run fails at once with :class:`~infrarisk.errors.LockBusy`,
exit code 5); :class:`RunReport` collects the stages with their times (the build's own stages
included, read from its progress lines), the snapshots fetched, the inputs' sha256, counts,
changes and the outcome, and writes them as JSON (``<run id>.json`` and ``latest.json``)
atomically. Wall-clock times appear only here and in the history store, never in the site.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .errors import FetchError, InfrariskError, LockBusy
from .fsops import write_atomic

Progress = Callable[[str], None]
_STAGE_RE = re.compile(r"^\[(\w+)\] (…|done in ([0-9.]+) s)$")


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id() -> str:
    """Sortable and unique: UTC time of the start plus a random suffix."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


# --- the lock -------------------------------------------------------------------------------

class RunLock:
    """An exclusive ``flock`` on ``path``; a second holder gets :class:`LockBusy` at once.

    The kernel releases the lock when the process ends, however it ends, so a crashed
    run never blocks the next one. The file is never deleted (deleting lock files races);
    it holds the pid and run id of the current holder for the message of the next one.
    """

    def __init__(self, path: Path, run_id: str):
        self.path, self.run_id, self.fd = Path(path), run_id, None

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            try:
                holder = json.loads(self.path.read_text() or "{}")
            except (OSError, ValueError):
                holder = {}
            who = (f"pid {holder.get('pid')}, run {holder.get('run_id')}, since {holder.get('started_at')}"
                   if holder else "holder unknown")
            raise LockBusy(f"another infrarisk run holds the lock {self.path} ({who}); this run changed nothing "
                           f"and stops. Runs never overlap: let the next scheduled run try again.") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "run_id": self.run_id, "started_at": now_utc()}).encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


# --- the run report -----------------------------------------------------------------------

@dataclass
class RunReport:
    """What one run did; written as JSON whatever happens (see module docstring)."""

    run_id: str
    command: str
    dry_run: bool
    started_at: str
    finished_at: str | None = None
    status: str = "running"
    exit_code: int | None = None
    failed_stage: str | None = None
    cause: dict | None = None
    stages: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    #: the facts that need re-checking (:func:`infrarisk.review.summary`: count, by reason and rank, the first ten)
    review: dict = field(default_factory=dict)
    #: what the refresh changed, per source (:mod:`infrarisk.refresh`): rows added, changed,
    #: removed per data file or registry table, entities whose controller changed, assets
    #: whose band changed
    refresh: dict = field(default_factory=dict)
    published: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)
    seconds: float = 0.0
    path: Path | None = None

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "path"}
        return d

    @contextmanager
    def stage(self, name: str, progress: Progress = lambda s: None):
        st = {"name": name, "status": "running", "seconds": None}
        self.stages.append(st)
        t0 = time.perf_counter()
        progress(f"[{name}] …")
        try:
            yield st
        except BaseException as e:
            st["status"] = "failed"
            st["error"] = f"{type(e).__name__}: {e}"
            if self.failed_stage is None:
                self.failed_stage = st.get("failed_in") or name
            raise
        else:
            st["status"] = "ok"
        finally:
            st["seconds"] = round(time.perf_counter() - t0, 3)

    def skip(self, name: str, why: str) -> None:
        self.stages.append({"name": name, "status": "skipped", "seconds": 0.0, "why": why})

    def fail(self, e: BaseException) -> None:
        self.status = "failed"
        if isinstance(e, InfrariskError):
            code = e.exit_code
        elif isinstance(e, KeyboardInterrupt):
            code = 130
        elif isinstance(e, SystemExit):
            code = e.code if isinstance(e.code, int) else 1
        else:
            code = 1
        self.exit_code = code
        self.cause = {"type": type(e).__name__, "message": str(e), "exit_code": code}
        if isinstance(e, FetchError) and e.url:
            self.cause["url"] = e.url
        problems = getattr(e, "problems", None) or []
        if problems:
            self.cause["problems"] = [str(p) for p in problems[:20]]
        failures = getattr(e, "failures", None) or []
        if failures:
            self.cause["failed_checks"] = [str(getattr(f, "name", f)) for f in failures]
        if isinstance(e, SystemExit):
            self.cause["message"] = f"stopped by a signal or exit (code {code})"
        elif not isinstance(e, InfrariskError):
            self.cause["traceback"] = traceback.format_exception(e)[-6:]

    def write(self, runs_dir: Path, extra: Path | None = None) -> Path:
        runs_dir = Path(runs_dir)
        data = (json.dumps(self.to_dict(), indent=1, sort_keys=False, default=str) + "\n").encode("utf-8")
        self.path = runs_dir / f"{self.run_id}.json"
        write_atomic(self.path, data)
        write_atomic(runs_dir / "latest.json", data)
        if extra is not None:
            write_atomic(Path(extra), data)
        return self.path


class BuildStages:
    """Turns the build's progress lines (``[verify] …`` / ``[verify] done in 0.1 s``) into
    stage entries of the report, so a failure names the build stage it happened in."""

    def __init__(self, report: RunReport, outer: dict, progress: Progress):
        self.report, self.outer, self.progress = report, outer, progress
        self.current: dict | None = None

    def __call__(self, msg: str) -> None:
        self.progress(msg)
        m = _STAGE_RE.match(msg)
        if not m:
            return
        name = m.group(1)
        if m.group(2) == "…":
            self.current = {"name": f"build:{name}", "status": "running", "seconds": None}
            self.report.stages.append(self.current)
            self.outer["failed_in"] = f"build:{name}"
        elif self.current is not None:
            self.current.update(status="ok", seconds=float(m.group(3)))
            self.outer.pop("failed_in", None)

    def failed(self, e: BaseException) -> None:
        if self.current is not None and self.current["status"] == "running":
            self.current.update(status="failed", error=f"{type(e).__name__}: {e}")


# --- import stage ----------------------------------------------------------------------------
