"""Verify and load the sources in two processes: the load stage's two lanes.

Contract
--------
:func:`plan` splits the sources of :func:`infrarisk.sources.discover` (in load order) into

- ``shared``: the leading sources that every later source depends on, directly or through
  another (the shipped data: ``unlocode``, ``naturalearth``, whose country tables every other
  loader reads);
- ``groups``: the other sources, each set of sources linked by ``depends_on`` one group (in load
  order), the groups with the most bytes of dataset files first (a cost that follows the load
  time well enough).

:class:`LoadLanes` runs a plan. :meth:`LoadLanes.start` forks the child process — before the
build opens its database or starts a thread (neither survives a fork) — and makes the queue of
groups (:class:`~infrarisk.parallel.WorkQueue`) both processes take from. The child writes the
empty tables of the source packages without a dataset folder, loads the shared sources and then
one group after another from the queue into its own database (in memory), each source with its own
problem log; loading the shared sources a second time costs it the time it would otherwise
spend waiting for them, and spares handing tables over. Of a shared source it loads only what the
groups' loaders read, when the source's loader says what that is (``load_for_dependents``, e.g.
UN/LOCODE's country codes without its 30,000 locations). Meanwhile this process verifies every
dataset folder against its manifest (:meth:`~LoadLanes.verify`; a failure raises one
:class:`~infrarisk.errors.ManifestError` naming every failing folder in name order, as
:func:`~infrarisk.sources.manifest.verify_all` does, and stops the child), loads the registry,
the shared sources and the groups it takes (:meth:`~LoadLanes.load`), then checks that every
folder the child loaded had the files verified here (size, time and inode of each file, taken
by the child before it read them) and merges every source's problems and row counts in load order
(the shared sources' from this process).

The child's tables come over part by part, while it still loads: it writes the absent sources'
tables, and then each group's as soon as that group is loaded, into a database file of their own
(one part) and says so through a pipe; this process copies each finished part into its database
between its own groups and, once the queue is empty, as the remaining parts finish (so most of the
copying is done while the child still loads, and the queue balances it: :mod:`._parts`). The
database then holds the same tables, and the problem log the same entries in the same order, as
:func:`infrarisk.sources.load_all` writes loading in turn (tested), whichever process loaded which
group; nothing the child loaded is used unless every folder verified. Any failure reaps the child. Without a child (one process, or nothing
to split) every source is loaded in turn after the verification.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import duckdb

from .. import db, parallel
from ..errors import ManifestError
from ..problems import ProblemLog
from . import Source, discover, packages
from . import verified
from ._parts import Parts
from .manifest import Manifest, list_sources, read_manifest

#: the problem log key of the absent sources' loaders (they run before the sources, in turn)
ABSENT = ""


@dataclass
class Plan:
    """Which sources every process loads, and the groups the two take one by one (:func:`plan`)."""

    order: list[Source]
    shared: list[Source] = field(default_factory=list)
    groups: list[list[Source]] = field(default_factory=list)


def plan(order: list[Source], cost: dict[str, int]) -> Plan:
    """Split ``order`` (sources in load order) into the shared sources and groups.

    Parameters
    ----------
    order : list of Source
        :func:`infrarisk.sources.discover`'s list.
    cost : dict
        Bytes of each source's dataset files (by id).

    Examples
    --------
    >>> S = lambda i, *d: Source(i, "", "", d)
    >>> p = plan([S("u"), S("n", "u"), S("a", "n"), S("b", "n"), S("c", "a")], {"a": 5, "b": 9, "c": 5})
    >>> [s.id for s in p.shared], [[s.id for s in g] for g in p.groups]
    (['u', 'n'], [['a', 'c'], ['b']])
    """
    ids = [s.id for s in order]
    deps = {s.id: set(s.depends_on) & set(ids) for s in order}
    above: dict[str, set[str]] = {}
    for sid in ids:  # load order: every dependency comes first
        above[sid] = set(deps[sid]).union(*(above[d] for d in deps[sid]))
    n = 0
    while n < len(ids) and all(ids[n] in above[later] for later in ids[n + 1:]):
        n += 1
    shared = set(ids[:n])
    parent = {sid: sid for sid in ids[n:]}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x
    for sid in ids[n:]:
        for d in deps[sid] - shared:
            parent[root(sid)] = root(d)
    groups: dict[str, list[str]] = {}
    for sid in ids[n:]:
        groups.setdefault(root(sid), []).append(sid)
    weight = {r: sum(cost.get(s, 0) for s in g) for r, g in groups.items()}
    by_id = {s.id: s for s in order}
    return Plan(order, [s for s in order if s.id in shared],
                [[by_id[sid] for sid in groups[r]] for r in sorted(groups, key=lambda r: (-weight[r], min(groups[r])))])


def dataset_bytes(datasets_dir: Path) -> dict[str, int]:
    """Bytes of each source's files, from the manifests (by source id)."""
    return {m.id: sum(f.bytes for f in m.files) for m in map(read_manifest, list_sources(datasets_dir))}


def _failed(errors: dict[str, str]) -> ManifestError:
    """One error naming every failing folder, in name order (as ``verify_all`` says it)."""
    return ManifestError("\n".join(text for _, text in sorted(errors.items())))


@dataclass
class _LaneResult:
    """What the child sends back."""

    keys: dict[str, tuple]  # the files of each folder it loaded, as it read them (by folder name)
    tables: list[str] = field(default_factory=list)  # every table of its parts
    logs: dict[str, ProblemLog] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    loaded: list[str] = field(default_factory=list)  # the ids of the sources of the groups it took


class LoadLanes:
    """Verify and load the sources of ``settings.datasets_dir`` in two processes (module docstring).

    Parameters
    ----------
    settings : Settings
        The build's settings.
    db_path : Path
        The build's database file; the child's files (its parts, a folder it may spill into) are made
        beside it and removed.
    """

    def __init__(self, settings, db_path: Path, ahead: "verified.Ahead | None" = None) -> None:
        self.settings = settings
        #: the check of the dataset folders started early in a child process, if any (:meth:`verify`)
        self.ahead = ahead
        self.dir = Path(settings.datasets_dir)
        self.plan = plan(discover(self.dir), dataset_bytes(self.dir))
        self.lane_db = Path(db_path).with_name(Path(db_path).name + ".lane")
        self.child: parallel.Child | None = None
        self.queue: parallel.WorkQueue | None = None
        self.mine = verified.Verified()
        #: seconds of each step, here and in the child (:meth:`describe`)
        self.timings: dict[str, float] = {}
        self.child_timings: dict[str, float] = {}
        #: seconds the check of the folders took in the process started ahead, if it did it (:meth:`verify`)
        self.verified_elsewhere: float | None = None
        self.loaded_here: list[str] = []
        self.loaded_there: list[str] = []
        #: how the child's tables come over (made before the fork)
        self.parts: Parts | None = None

    @property
    def copied(self) -> list[str]:
        """The tables of the child's parts copied here."""
        return self.parts.copied if self.parts is not None else []

    @property
    def split(self) -> bool:
        """Whether a second process verifies and loads (there is more than one group, the system
        forks and the settings allow two processes: ``build_workers``)."""
        return len(self.plan.groups) > 1 and parallel.can_fork() and self.settings.build_workers > 1

    def start(self) -> "LoadLanes":
        """Make the queue of groups and fork the child (nothing when :attr:`split` is false)."""
        if self.split:
            self._clean()
            self.queue = parallel.WorkQueue(len(self.plan.groups))
            self.parts = Parts(self.lane_db)
            try:
                self.child = parallel.Child(self._there, "the second lane of the load stage")
            finally:
                self.parts.forked_parent()
        return self

    def verify(self) -> None:
        """Verify every folder (those without a source package too), raising one error that names
        every failing one; the child, which loads meanwhile, is then stopped.

        With an :class:`~infrarisk.sources.verified.Ahead` for this datasets folder, its result is
        taken (waiting for it if need be) instead of checking here."""
        ahead, self.ahead = self.ahead, None
        if ahead is not None and ahead.dir.resolve() == self.dir.resolve():
            try:
                self.mine = ahead.result()
            except BaseException:
                self._abandon()
                raise
            self.verified_elsewhere = self.mine.seconds
        else:
            if ahead is not None:
                ahead.close()
            self.mine = verified.verify_folders(list_sources(self.dir))
        if self.mine.errors:
            self._abandon()
            raise _failed(self.mine.errors)

    def load(self, con: duckdb.DuckDBPyConnection, log: ProblemLog) -> list[Manifest]:
        """Load every source into ``con`` (module docstring); every folder's manifest, in name order."""
        from .registry.load import load as load_registry

        settings = self.settings
        clock = _Clock(self.timings)
        load_registry(con, settings, log)
        logs: dict[str, ProblemLog] = {}
        if not self.child:  # else the child writes them
            logs[ABSENT] = self._load_absent(con)
        clock("registry and absent sources" if not self.child else "registry")
        try:
            for src in self.plan.shared:
                logs[src.id] = self._load_one(con, src)
            clock("shared")
            groups = self.queue.take() if self.child else range(len(self.plan.groups))
            for i in groups:
                for src in self.plan.groups[i]:
                    logs[src.id] = self._load_one(con, src)
                    self.loaded_here.append(src.id)
                if self.child:
                    self.parts.copy(con, wait=False)  # those the child finished meanwhile
            clock("groups")
            if self.child:
                self.parts.copy(con, wait=True)  # the rest, as the child finishes them
                clock("copying the rest")
        except BaseException:
            self._abandon()
            raise
        if self.child:
            theirs = self._join()
            self._check(theirs.keys)
            if sorted(self.copied) != sorted(theirs.tables):
                raise RuntimeError(f"the second load lane wrote {sorted(theirs.tables)}, "
                                   f"but {sorted(self.copied)} came over")
            logs.update(theirs.logs)
            self.child_timings, self.loaded_there = theirs.timings, theirs.loaded
        manifests = self.mine.manifests
        for sid in [ABSENT] + [src.id for src in self.plan.order]:  # load order, as loading in turn appends them
            one = logs[sid]
            log.extend(one.problems)
            log.stats.update(one.stats)
        return [manifests[k] for k in sorted(manifests)]

    def _check(self, keys: dict[str, tuple]) -> None:
        """Raise unless every folder the child loaded had, when it read it, the files verified here."""
        changed = sorted(n for n, key in keys.items() if self.mine.keys.get(n) != key)
        if changed:
            self._clean()
            raise ManifestError("\n".join(
                f"datasets/{n}: its files changed while the build read them; run the build again" for n in changed))

    def describe(self) -> str:
        """Which sources each process loaded and how long each step took (the build prints it)."""
        def steps(t: dict[str, float]) -> str:
            return ", ".join(f"{k} {v:.2f} s" for k, v in t.items())
        if not self.child_timings:
            return f"one process: {steps(self.timings)}"
        shared = ", ".join(s.id for s in self.plan.shared)
        return (f"here ({shared}; {', '.join(self.loaded_here) or 'no group'}): {steps(self.timings)} | "
                f"second process ({shared}; {', '.join(self.loaded_there) or 'no group'}): "
                f"{steps(self.child_timings)}")

    def _load_absent(self, con: duckdb.DuckDBPyConnection) -> ProblemLog:
        """The tables of every source package without a dataset folder, written empty by its loader."""
        one = ProblemLog()
        have = {s.id for s in self.plan.order}
        for sid, pkg in sorted(packages().items()):
            if sid not in have:
                import_module(f"{pkg.__name__}.load").load(con, self.settings, one)
        return one

    def _load_one(self, con: duckdb.DuckDBPyConnection, src: Source) -> ProblemLog:
        one = ProblemLog()
        import_module(src.load_module).load(con, self.settings, one)
        return one

    def _there(self) -> _LaneResult:
        """The child: load the shared sources and the groups it takes, sending each group's tables.

        The shared sources' tables are in a database in memory (spilling to a folder beside the
        build's file if it must); the absent sources' tables, then each group's, go into the file of
        a part (:meth:`._parts.Parts.writing`), which the first process copies once it is closed. The shared sources are loaded
        here a second time, only what the groups' loaders read of them (their tables are not sent;
        their problems are the first process's): that costs this process the time the first one
        spends on them, which it would otherwise spend waiting. Each folder is taken as it is (its
        manifest read, its files' size, time and inode noted for the first process, which verifies
        them all meanwhile) rather than verified again."""
        timings: dict[str, float] = {}
        clock = _Clock(timings)
        keys: dict[str, tuple] = {}

        def take(src: Source) -> None:
            folder = self.dir / src.id
            keys[src.id] = verified.fingerprint(folder)
            verified.remember_verified(folder, read_manifest(folder), keys[src.id])  # checked by the first process
        self.parts.forked_child()
        con = db.connect(None)  # its tables leave by the parts' files
        con.execute(f"SET temp_directory = {db.literal(self.lane_db.as_posix() + '.spill')}")
        loaded, tables = [], []
        try:
            con.execute(f"SET memory_limit = '{self.settings.duckdb_memory_limit}'")
            con.execute(f"SET threads = {parallel.cores_each(2)}")  # beside the first process's loads
            with self.parts.writing(con, 0) as names:
                logs = {ABSENT: self._load_absent(con)}
            tables += names
            clock("absent sources")
            for src in self.plan.shared:  # for the groups' loaders only: its tables and problems are not sent
                take(src)
                mod = import_module(src.load_module)
                getattr(mod, "load_for_dependents", mod.load)(con, self.settings, ProblemLog())
            clock("shared")
            for i in self.queue.take():
                with self.parts.writing(con, i + 1) as names:  # the group's tables, sent once it is loaded
                    for src in self.plan.groups[i]:
                        take(src)
                        logs[src.id] = self._load_one(con, src)
                        loaded.append(src.id)
                tables += names
            clock("groups")
        except BaseException:
            self.queue.drain()  # the first process stops taking groups
            raise
        finally:
            self.parts.finish()  # the first process reads to the end: this says there are no more parts
            con.close()
        return _LaneResult(keys, tables, logs, timings, loaded)

    def _join(self) -> _LaneResult:
        try:
            return self.child.join()
        finally:
            self.child = None
            if self.queue is not None:
                self.queue.close()
                self.queue = None
            self._clean()

    def _abandon(self) -> None:
        """This process failed: stop the child taking groups and wait for it (its result unused)."""
        if self.child is None:
            return
        try:
            if self.queue is not None:
                self.queue.drain()
            self.child.reap()
        finally:
            self.child = None
            if self.queue is not None:
                self.queue.close()
                self.queue = None
            self._clean()

    def _clean(self) -> None:
        if self.parts is not None:
            self.parts.close()
            self.parts.clean()
        shutil.rmtree(f"{self.lane_db}.spill", ignore_errors=True)

    def close(self) -> None:
        """Reap the children still running (a failure elsewhere) and remove the lane files."""
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None
        self._abandon()
        self._clean()


class _Clock:
    """Records the seconds since the previous call under each name given."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into, self.t = into, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = round(now - self.t, 3)
        self.t = now
