"""Two parts of a build stage run at once: one in a forked child process, one here.

Contract: :class:`Child` starts a function in a child process made by ``os.fork`` and
:meth:`Child.join` returns its result. :func:`run_pair` runs ``child`` in a child process and
``here`` in this process, waits for the child and returns ``(child's result, here's result)``
(the child's result travels by pickle). When the child failed, its exception is raised here
(its traceback added as a note; :class:`ChildPartError` when the exception cannot be sent)
after ``here`` finished or failed — an error of ``here`` wins. An error keeps its type across
the fork, so the command line's exit codes stay those of a one-process build.

Rules for callers: the two parts write disjoint files and share no open database connection:
each opens its own (a DuckDB connection, and its threads, do not survive a fork), so the
caller closes every connection, and joins every thread, before calling. The child leaves by
``os._exit`` (no ``atexit`` handlers, no buffered output of this process written twice).
:func:`can_fork` says whether the system forks (not on Windows); callers then run both parts
in turn.

Used by the load stage (:mod:`infrarisk.sources.lanes`), the timeline stage beside the site's
preparation and the site's two writers (:mod:`infrarisk.pipeline`, :mod:`infrarisk.site`).
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from typing import Any, Callable


class ChildPartError(RuntimeError):
    """The part run by the child process failed with an exception that could not be sent."""



def can_fork() -> bool:
    """Whether ``os.fork`` exists here."""
    return hasattr(os, "fork")


def run_pair(child: Callable[[], Any], here: Callable[[], Any], what: str = "the map's part of the site"
             ) -> tuple[Any, Any]:
    """Run ``child`` in a forked process and ``here`` in this one; raise if either failed.

    Parameters
    ----------
    child, here : callable
        Functions without arguments; ``child``'s result must pickle.
    what : str
        What the child does, for the note on its error ("the map's part of the site").

    Returns
    -------
    tuple
        ``(child(), here())``.
    """
    proc = Child(child, what)
    try:
        mine = here()
    except BaseException:
        proc.reap()
        raise
    return proc.join(), mine


class Child:
    """``fn`` running in a child process forked now; :meth:`join` waits and returns its result.

    Parameters
    ----------
    fn : callable
        A function without arguments whose result pickles.
    what : str
        What the child does, for the note on its error.
    """

    def __init__(self, fn: Callable[[], Any], what: str) -> None:
        self.what = what
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child_main(fn, write_end)
        os.close(write_end)
        self.pid, self._read = pid, read_end
        self._payload: bytes | None = None
        self._status: int | None = None

    def _wait(self) -> None:
        if self._status is None:
            with os.fdopen(self._read, "rb") as fh:
                self._payload = fh.read()
            _, self._status = os.waitpid(self.pid, 0)

    def join(self) -> Any:
        """Wait for the child; its result, or its exception raised here."""
        self._wait()
        if self._status != 0:
            _raise_child_error(self._payload or b"", self._status, self.what)
        try:
            _, value, _ = pickle.loads(self._payload)
        except Exception as e:  # noqa: BLE001 - a result that does not unpickle
            raise ChildPartError(f"{self.what}: the child process's result could not be read: {e}") from None
        return value

    def reap(self) -> None:
        """Wait for the child and ignore how it ended (this process is failing anyway)."""
        self._wait()


def _child_main(fn: Callable[[], Any], write_end: int) -> None:
    """Run ``fn`` and send its result or its exception up the pipe; leave by ``os._exit``."""
    code = 0
    try:
        payload = pickle.dumps((True, fn(), None))
    except BaseException as e:  # noqa: BLE001 - sent to the parent, which raises it
        code = 1
        text = traceback.format_exc()
        try:
            payload = pickle.dumps((False, e, text))
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text only
            payload = pickle.dumps((False, None, text))
    try:
        with os.fdopen(write_end, "wb") as fh:
            fh.write(payload)
    finally:
        os._exit(code)


def _raise_child_error(payload: bytes, status: int, what: str) -> None:
    """Raise what the child sent: its exception with its traceback as a note, else ChildPartError."""
    exc, text = None, f"exit status {status}"
    try:
        _, exc, text = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - nothing sent (killed) or unreadable
        pass
    if isinstance(exc, BaseException):
        exc.add_note(f"raised in the child process writing {what}:\n" + text)
        raise exc
    raise ChildPartError(f"{what} failed in the child process:\n" + text)
