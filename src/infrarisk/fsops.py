"""Atomic file-system steps shared by the fetcher and the publisher.

Contract: :func:`write_atomic` writes a file so that readers see the old bytes or the new
bytes, never a half-written file (temporary sibling, fsync, rename). :func:`exchange_dirs`
swaps two directories in one step where the kernel offers it (Linux ``renameat2`` with
``RENAME_EXCHANGE``), else with two renames. :func:`link_tree` copies a folder by hard
links where possible, so keeping a previous copy costs no space (every writer here
replaces files by rename and never edits one in place, which is what makes that safe).
:class:`StagedFolder` builds a source's new snapshot folder beside the old one and swaps it in
on success. :func:`scratch_dir` picks the folder a build writes its working database in,
:func:`remove_stale` clears what killed builds left there (memory, on ``/dev/shm``), and
:func:`publish_file` puts a finished file in place from there (a rename, or a copy made durable
first when the two folders lie on different file systems); :class:`PublishAhead` makes that copy in
a child process while the caller goes on (the build: while it writes the site from the finished
database), and puts it in place when told.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
from pathlib import Path

from . import parallel

#: the memory-backed folder of Linux systems (tmpfs): files there never wait for a disk
MEMORY_DIR = Path("/dev/shm")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and a rename.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.json"
    >>> write_atomic(p, b"{}"); p.read_bytes()
    b'{}'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, f"cannot exchange {a} and {b}: {os.strerror(err)}")


def exchange_dirs(new: Path, target: Path) -> Path | None:
    """Put directory ``new`` in place of ``target``; return where the old ``target`` now is.

    With ``RENAME_EXCHANGE`` readers of ``target`` never see it missing; otherwise there
    is a moment between two renames. The old content ends up at ``new``'s path (returned)
    for the caller to keep or delete; None when there was no ``target``.
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.replace(new, target)
        return None
    if _renameat2_exchange(new, target):
        return new
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)  # put the previous one back
        raise
    return old


def link_tree(src: Path, dest: Path) -> None:
    """Copy the folder ``src`` to ``dest`` with hard links (plain copies across devices)."""
    def link_or_copy(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)
    shutil.copytree(src, dest, copy_function=link_or_copy, symlinks=False)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes): for comparing two sites."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class StagedFolder:
    """Build a source's new snapshot folder beside the old one; swap it in on success.

    ``carry=True`` starts from hard links of the previous files (a refresh of some
    files keeps the others); ``carry=False`` starts empty (a crawl replaces the lot).
    """

    def __init__(self, final: Path, carry: bool = True):
        self.final = Path(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.with_name(f".{self.final.name}.{os.getpid()}.tmp")
        shutil.rmtree(self.tmp, ignore_errors=True)
        if carry and self.final.is_dir():
            link_tree(self.final, self.tmp)
        else:
            self.tmp.mkdir()

    def path(self, rel: str) -> Path:
        p = self.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def previous(self, rel: str) -> Path:
        return self.final / rel

    def commit(self) -> None:
        old = exchange_dirs(self.tmp, self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def folder_bytes(folder: Path) -> int:
    """The bytes of the regular files under ``folder`` (links not followed): one ``scandir`` per folder."""
    total, todo = 0, [os.fspath(folder)]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    todo.append(e.path)
                elif e.is_file(follow_symlinks=False):
                    total += e.stat(follow_symlinks=False).st_size
    return total


def scratch_dir(configured: Path | None, beside: Path, need_bytes: int, memory: Path = MEMORY_DIR) -> Path:
    """The folder for a build's working files: ``configured`` if given; else ``memory`` when it is a
    writable folder with ``need_bytes`` free; else ``beside`` (the published file's folder).

    A database on disk waits for the disk at every commit (DuckDB syncs its write-ahead log),
    about 2.5 ms each here, over a hundred times a build; in memory it does not.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> scratch_dir(None, d, 1, memory=d / "absent") == d
    True
    >>> scratch_dir(d / "mine", d, 1) == d / "mine"
    True
    """
    if configured is not None:
        return Path(configured)
    try:
        st = os.statvfs(memory)
        if Path(memory).is_dir() and os.access(memory, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize >= need_bytes:
            return Path(memory)
    except OSError:
        pass
    return Path(beside)


def remove_stale(folder: Path, name: str) -> list[str]:
    """Remove the working files of builds that no longer run: ``.<name>.<pid>.tmp*`` in ``folder``
    (files or folders) whose process is gone. Returns their names.

    A build removes its own working files however it fails; a build that was killed cannot,
    and in a memory-backed scratch folder its files would hold memory until the next reboot.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / f".db.duckdb.{os.getpid()}.tmp").write_text("mine, running")
    >>> _ = (d / ".db.duckdb.999999999.tmp.lane").write_text("a killed build's")
    >>> remove_stale(d, "db.duckdb"), sorted(p.name for p in d.iterdir()) == [f".db.duckdb.{os.getpid()}.tmp"]
    (['.db.duckdb.999999999.tmp.lane'], True)
    """
    gone = []
    prefix = f".{name}."
    for p in sorted(Path(folder).glob(f"{glob.escape(prefix)}*.tmp*")):
        pid = p.name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        gone.append(p.name)
    return gone


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or a number no process has
        return False
    except PermissionError:  # another user's process
        return True
    return True


def publish_file(src: Path, dest: Path) -> None:
    """Put the finished file ``src`` in place of ``dest`` (atomically: readers see the old file or the
    new one). On one file system a rename; else a copy into a temporary sibling of ``dest``, synced
    to disk, then renamed, and ``src`` removed.

    Examples
    --------
    >>> import tempfile
    >>> a, b = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (a / "x").write_text("new"); _ = (b / "x").write_text("old")
    >>> publish_file(a / "x", b / "x"); (b / "x").read_text(), (a / "x").exists()
    ('new', False)
    """
    src, dest = Path(src), Path(dest)
    try:
        os.replace(src, dest)
        return
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
    part = dest.with_name(f".{dest.name}.{os.getpid()}.tmp.part")
    _durable_copy(src, part)
    try:
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    src.unlink()


def _durable_copy(src: Path, part: Path) -> None:
    """Copy ``src`` to ``part`` and sync it to disk (``part`` removed on failure)."""
    try:
        shutil.copyfile(src, part)
        fd = os.open(part, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


class PublishAhead:
    """:func:`publish_file` of a finished file, its copy made ahead (module docstring).

    :meth:`start` forks a child that copies ``src`` into a temporary sibling of ``dest`` (named
    ``.<name>.<pid>.tmp.part``, which :func:`remove_stale` clears if the build is killed) and syncs
    it, when the two lie on different file systems; else nothing starts. :meth:`finish` waits for
    the copy, raising its error, and renames it into place (or runs :func:`publish_file`);
    :meth:`abandon` waits for the child and removes the copy. ``src`` must not change meanwhile.

    Examples
    --------
    >>> import tempfile
    >>> a, b = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    >>> _ = (a / "x").write_text("new"); _ = (b / "x").write_text("old")
    >>> p = PublishAhead.start(a / "x", b / "x"); (b / "x").read_text()
    'old'
    >>> p.finish(); (b / "x").read_text(), (a / "x").exists()
    ('new', False)
    """

    def __init__(self, src: Path, dest: Path, part: Path | None, child: "parallel.Child | None") -> None:
        self.src, self.dest, self.part, self.child = Path(src), Path(dest), part, child

    @classmethod
    def start(cls, src: Path, dest: Path) -> "PublishAhead":
        src, dest = Path(src), Path(dest)
        if os.stat(src).st_dev == os.stat(dest.parent).st_dev or not parallel.can_fork():
            return cls(src, dest, None, None)  # a rename, at the end (publish_file copies if it must)
        part = dest.with_name(f".{dest.name}.{os.getpid()}.tmp.part")
        return cls(src, dest, part, parallel.Child(lambda: _durable_copy(src, part),
                                                   f"the copy of {dest.name} into its folder"))

    def finish(self) -> None:
        """Put the file in place (atomically: readers see the old file or the new one)."""
        if self.child is None:
            publish_file(self.src, self.dest)
            return
        child, self.child = self.child, None
        try:
            child.join()
            os.replace(self.part, self.dest)
        except BaseException:
            self.part.unlink(missing_ok=True)
            raise
        self.src.unlink()

    def abandon(self) -> None:
        """Wait for the copy if it still runs and remove it (``src`` and ``dest`` untouched)."""
        if self.child is not None:
            self.child.reap()
            self.child = None
        if self.part is not None:
            self.part.unlink(missing_ok=True)
