"""Atomic file-system steps shared by the fetcher and the publisher.

Contract: :func:`write_atomic` writes a file so that readers see the old bytes or the new
bytes, never a half-written file (temporary sibling, fsync, rename). :func:`exchange_dirs`
swaps two directories in one step where the kernel offers it (Linux ``renameat2`` with
``RENAME_EXCHANGE``), else with two renames. :func:`link_tree` copies a folder by hard
links where possible, so keeping a previous copy costs no space (every writer here
replaces files by rename and never edits one in place, which is what makes that safe).
:class:`StagedFolder` builds a source's new snapshot folder beside the old one and swaps it in
on success.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

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
