"""Dataset folders checked against their manifests once per build, the check possibly run ahead.

Contract
--------
- :func:`fingerprint`: the path, size, modification time and inode of every file of a folder;
- :func:`verify`: :func:`infrarisk.sources.manifest.verify`, done once while a folder's files
  keep the fingerprint they had when checked (:func:`remember_verified` records a check done
  elsewhere: in the build's verify stage, or by another process);
- :func:`verify_folders`: every folder checked, failures collected, into a :class:`Verified`;
- :class:`Ahead`: :func:`verify_folders` over every folder of the datasets run by a child
  process forked at once (:func:`Ahead.start`), while this process goes on, typically importing
  the build's modules (pandas, DuckDB, the loaders: about half a second in which the
  processor's second core has nothing else to do). :meth:`Ahead.result` waits for it, records
  every folder that passed here (:func:`remember_verified`) and returns the :class:`Verified`.

This module imports only the standard library, :mod:`infrarisk.parallel` and the manifest module
(with numpy), so that the command line can start :class:`Ahead` before it imports pandas.

The child checks exactly what the verify stage checks (sha256, size and row count of every
listed file, no unlisted file); it does not keep the GeoJSON it parsed to count features (the
loaders parse it again, in whichever process loads it). A folder whose files change after the
child took their fingerprint is checked again in full by the loader that reads it
(:func:`verify`), as when the verify stage runs in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import parallel
from ..errors import ManifestError
from . import manifest as _manifest

_VERIFIED: dict[Path, tuple[tuple, "_manifest.Manifest"]] = {}


def fingerprint(folder: Path) -> tuple:
    """Path, size and modification time of every file of ``folder``: any change shows."""
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out.append((p.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


def verify(folder: Path) -> "_manifest.Manifest":
    """:func:`infrarisk.sources.manifest.verify`, done once while the folder's files are unchanged.

    A build verifies every folder in its verify stage (:func:`remember_verified`); each
    loader verifies its folder again here, which costs only a listing of the folder when
    nothing changed since. A changed file (size, time or inode) is checked in full again.
    """
    folder = Path(folder).resolve()
    key = fingerprint(folder)
    hit = _VERIFIED.get(folder)
    if hit is not None and hit[0] == key:
        return hit[1]
    m = _manifest.verify(folder)
    _VERIFIED[folder] = (key, m)
    return m


def remember_verified(folder: Path, manifest: "_manifest.Manifest", key: tuple) -> None:
    """Record that ``folder`` (its files as of ``key``, from :func:`fingerprint` taken before
    the check) passed :func:`infrarisk.sources.manifest.verify`."""
    _VERIFIED[Path(folder).resolve()] = (key, manifest)


@dataclass
class Verified:
    """What :func:`verify_folders` found, by folder name."""

    manifests: dict[str, "_manifest.Manifest"] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: the files of each folder that passed, as they were when checked (:func:`fingerprint`)
    keys: dict[str, tuple] = field(default_factory=dict)
    #: where each folder is (to record it with :func:`remember_verified` in another process)
    folders: dict[str, Path] = field(default_factory=dict)
    #: seconds the check took
    seconds: float = 0.0

    def remember(self) -> "Verified":
        """Record every folder that passed in this process's cache (:func:`remember_verified`)."""
        for name, m in self.manifests.items():
            remember_verified(self.folders[name], m, self.keys[name])
        return self


def verify_folders(folders: list[Path], keep: bool = True) -> Verified:
    """Verify ``folders`` (every one: failures collected) and remember each that passed.

    ``keep`` False leaves out keeping the parsed GeoJSON for the loaders
    (:func:`infrarisk.sources.manifest.verify`): for a process that will not load them.

    Examples
    --------
    >>> import shutil, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "a").mkdir(); (d / "a" / "x.csv").write_text("h\\n1\\n") and None
    >>> _ = _manifest.write_manifest(d / "a", _manifest.Manifest(
    ...     id="a", title="A", publisher="P", origin_url="https://example.org", licence="CC0-1.0",
    ...     licence_url="https://example.org/cc0", attribution="A", retrieved="2026-01-01",
    ...     files=[_manifest.describe_file(d / "a", "x.csv")]))
    >>> (d / "b").mkdir(); (d / "b" / "manifest.toml").write_text("id = 1") and None
    >>> v = verify_folders([d / "a", d / "b"])
    >>> sorted(v.manifests), sorted(v.errors), [k[0] for k in v.keys["a"]]
    (['a'], ['b'], ['manifest.toml', 'x.csv'])
    >>> shutil.rmtree(d)
    """
    t = time.perf_counter()
    out = Verified()
    for folder in folders:
        key = fingerprint(folder)  # as the files were when checked
        try:
            m = _manifest.verify(folder, keep=keep)
        except ManifestError as e:
            out.errors[folder.name] = str(e)
            continue
        remember_verified(folder, m, key)
        out.manifests[folder.name] = m
        out.keys[folder.name] = key
        out.folders[folder.name] = Path(folder).resolve()
    out.seconds = time.perf_counter() - t
    return out


class Ahead:
    """Every dataset folder verified by a child process started now (module docstring).

    Use :meth:`start`; :meth:`result` returns the :class:`Verified` (recorded here), and
    :meth:`close` waits for the child and ignores its result (on a failure elsewhere).
    """

    def __init__(self, datasets_dir: Path, child: "parallel.Child | None") -> None:
        self.dir, self.child = Path(datasets_dir), child
        self._result: Verified | None = None

    @classmethod
    def start(cls, datasets_dir: Path, workers: int = 2) -> "Ahead | None":
        """Fork the child now, or None when ``workers`` is below 2, the system does not fork or
        the datasets folder has no source folder (the verify stage then checks in this process
        and reports what is wrong)."""
        if workers < 2 or not parallel.can_fork():
            return None
        try:
            folders = _manifest.list_sources(Path(datasets_dir))
        except ManifestError:
            return None
        if not folders:
            return None
        return cls(datasets_dir, parallel.Child(lambda: verify_folders(folders, keep=False),
                                                "the verification of the dataset folders"))

    def result(self) -> Verified:
        """The child's :class:`Verified`, each folder that passed recorded here too."""
        if self._result is None:
            child, self.child = self.child, None
            self._result = child.join().remember()
        return self._result

    def close(self) -> None:
        """Wait for the child, if it still runs, ignoring how it ended."""
        if self.child is not None:
            self.child.reap()
            self.child = None
