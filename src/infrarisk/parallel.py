"""Two parts of a build stage run at once: one in a forked child process, one here.

Contract: :class:`Child` starts a function in a child process made by ``os.fork`` and
:meth:`Child.join` returns its result; with ``early=True`` the function is called with a
``post`` function that sends a first result at once (:meth:`Child.first` returns it) while the
child goes on working. :func:`run_pair` runs ``child`` in a child process and
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

:class:`WorkQueue` hands numbered pieces of work to whichever of the two processes asks first.
:func:`cores_each` is the DuckDB threads each of the processes working at once gets.

Used by the load stage (:mod:`infrarisk.sources.lanes`), the timeline's past figures beside
resolve and score (:mod:`infrarisk.pipeline`) and the site's reads and writers (:mod:`infrarisk.site`).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import traceback
from typing import Any, Callable


class ChildPartError(RuntimeError):
    """The part run by the child process failed with an exception that could not be sent."""


class WorkQueue:
    """The numbers ``0 .. n-1``, each handed to whichever process asks first.

    Made before a fork (a pipe holding one byte per number), so a child and this process take
    from the same queue: :meth:`take` yields the next number not yet taken by either, in order,
    until none is left. Each read takes one byte, and the bytes are all in the pipe before
    either reads, so no number goes to both. :meth:`drain` takes what is left (a process that
    failed stops the other one taking more).

    Examples
    --------
    >>> q = WorkQueue(3)
    >>> next(q.take()), list(q.take())
    (0, [1, 2])
    >>> q.close()
    """

    def __init__(self, n: int) -> None:
        if not 0 <= n <= 255:
            raise ValueError(f"a work queue holds at most 255 numbers, not {n}")
        self._read, write = os.pipe()
        os.write(write, bytes(range(n)))
        os.close(write)

    def take(self):
        """The numbers not yet taken, one at a time."""
        while b := os.read(self._read, 1):
            yield b[0]

    def drain(self) -> None:
        """Take every number left."""
        for _ in self.take():
            pass

    def close(self) -> None:
        try:
            os.close(self._read)
        except OSError:
            pass



def can_fork() -> bool:
    """Whether ``os.fork`` exists here."""
    return hasattr(os, "fork")


def cores_each(workers: int, cores: int | None = None) -> int:
    """DuckDB threads for each of ``workers`` processes working at once: their share of ``cores``
    (default: the cores this process may run on), at least one.

    The build splits its work between processes itself; a DuckDB connection with as many threads as
    the machine has cores adds, beside the other process, threads that only take turns on the same
    cores (the build's statements read tens of thousands of rows). Measured on two cores with one
    DuckDB thread per process in the load lanes and the site's readers and writers: 0.15 to 0.2
    CPU-s less, the same tables and files.

    Examples
    --------
    >>> cores_each(2, cores=2), cores_each(2, cores=8), cores_each(1, cores=8), cores_each(3, cores=1)
    (1, 4, 8, 1)
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, workers))


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
        A function without arguments whose result pickles; with ``early`` a function of one
        argument, ``post``, which it may call once with a first result (it pickles) that
        :meth:`first` returns here while the child goes on.
    what : str
        What the child does, for the note on its error.
    early : bool
        Whether ``fn`` posts a first result. A thread of this process then reads it as it comes
        (:meth:`first` and :meth:`join` end that thread): join before forking again.
    """

    def __init__(self, fn: Callable[..., Any], what: str, early: bool = False) -> None:
        self.what = what
        read_end, write_end = os.pipe()
        early_read, early_write = os.pipe() if early else (None, None)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            if early_read is not None:
                os.close(early_read)
            _child_main(fn, write_end, early_write)
        os.close(write_end)
        self.pid, self._read = pid, read_end
        self._payload: bytes | None = None
        self._status: int | None = None
        self._early: _Drain | None = None
        if early_write is not None:
            os.close(early_write)
            self._early = _Drain(early_read)

    def _wait(self) -> None:
        if self._status is None:
            with os.fdopen(self._read, "rb") as fh:
                self._payload = fh.read()
            _, self._status = os.waitpid(self.pid, 0)
        if self._early is not None:
            self._early.join()

    def first(self) -> Any:
        """What the child posted (``early=True``), as soon as it has: the child may still work.
        Raises the child's exception when it ended without posting."""
        if self._early is None:
            raise ValueError("first() needs a child started with early=True")
        data = self._early.join()
        if data:
            return pickle.loads(data)
        self.join()  # ended before posting: its exception (or none: an error below)
        raise ChildPartError(f"{self.what}: the child process ended without sending its first result")

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


class _Drain:
    """A thread reading a pipe to its end, so that the writer never waits for this process
    (a child's first result may be larger than a pipe holds while this process still works)."""

    def __init__(self, fd: int) -> None:
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._run, args=(fd,), name="infrarisk-child-first", daemon=True)
        self._thread.start()

    def _run(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as fh:
            while chunk := fh.read1(1 << 20):
                self._chunks.append(chunk)

    def join(self) -> bytes:
        """Everything the pipe carried, once its writer closed it."""
        self._thread.join()
        return b"".join(self._chunks)


def _child_main(fn: Callable[..., Any], write_end: int, early_end: int | None = None) -> None:
    """Run ``fn`` (with ``post`` when ``early_end`` is a pipe) and send its result or its exception
    up the pipe; leave by ``os._exit``."""
    code = 0
    try:
        if early_end is None:
            payload = pickle.dumps((True, fn(), None))
        else:
            def post(value: Any) -> None:
                nonlocal early_end
                if early_end is None:
                    raise RuntimeError("post() sends one first result only")
                with os.fdopen(early_end, "wb") as fh:
                    early_end = None
                    fh.write(pickle.dumps(value))
            payload = pickle.dumps((True, fn(post), None))
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
