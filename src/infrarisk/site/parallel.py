"""Two parts of the site written at once: one in a forked child process, one here.

Contract: :func:`run_pair` runs ``child`` in a child process made by ``os.fork`` and
``here`` in this process, waits for the child and, when it failed, raises the child's
exception here (its traceback added as a note; :class:`SitePartError` when the exception
cannot be sent) after ``here`` finished or failed — an error of ``here`` wins. An error keeps
its type across the fork, so the command line's exit codes stay those of a one-process build. The two parts must write disjoint files and share no open database connection: each
opens its own (a DuckDB connection does not survive a fork), so the caller closes every
connection before calling. The child leaves by ``os._exit`` (no ``atexit`` handlers, no
buffered output of this process written twice). :func:`can_fork` says whether the system
forks (not on Windows); callers fall back to running both parts in turn.
"""

from __future__ import annotations

import os
import pickle
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
        except BaseException as e:  # noqa: BLE001 - sent to the parent, which raises it
            code = 1
            text = traceback.format_exc()
            try:
                payload = pickle.dumps((e, text))
            except Exception:  # noqa: BLE001 - an exception that does not pickle: its text only
                payload = pickle.dumps((None, text))
            with os.fdopen(write_end, "wb") as fh:
                fh.write(payload)
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        here()
    finally:
        with os.fdopen(read_end, "rb") as fh:
            payload = fh.read()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        _raise_child_error(payload, status)


def _raise_child_error(payload: bytes, status: int) -> None:
    """Raise what the child sent: its exception with its traceback as a note, else SitePartError."""
    exc, text = None, f"exit status {status}"
    try:
        exc, text = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - nothing sent (killed) or unreadable
        pass
    if isinstance(exc, BaseException):
        exc.add_note("raised in the child process writing the map's part of the site:\n" + text)
        raise exc
    raise SitePartError("the map's part of the site failed in the child process:\n" + text)
