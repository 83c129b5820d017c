"""Two parts of the site written at once: one in a forked child process, one here.

Contract: :func:`run_pair` runs ``child`` in a child process made by ``os.fork`` and
``here`` in this process, waits for the child and raises :class:`SitePartError` with the
child's traceback when it failed (after ``here`` finished or failed; an error of ``here``
wins). The two parts must write disjoint files and share no open database connection: each
opens its own (a DuckDB connection does not survive a fork), so the caller closes every
connection before calling. The child leaves by ``os._exit`` (no ``atexit`` handlers, no
buffered output of this process written twice). :func:`can_fork` says whether the system
forks (not on Windows); callers fall back to running both parts in turn.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Callable


class SitePartError(RuntimeError):
    """The part of the site written by the child process failed."""


def can_fork() -> bool:
    """Whether ``os.fork`` exists here."""
    return hasattr(os, "fork")


def run_pair(child: Callable[[], None], here: Callable[[], None]) -> None:
    """Run ``child`` in a forked process and ``here`` in this one; raise if either failed."""
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            child()
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            code = 1
            with os.fdopen(write_end, "w", encoding="utf-8") as fh:
                fh.write(traceback.format_exc())
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        here()
    finally:
        with os.fdopen(read_end, encoding="utf-8") as fh:
            message = fh.read()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SitePartError("the map's part of the site failed in the child process:\n"
                            + (message or f"exit status {status}"))
