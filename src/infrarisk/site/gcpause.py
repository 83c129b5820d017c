"""The cyclic garbage collector held off while the site reads its tables.

Contract: :func:`paused` is a decorator (and :func:`pause` a context manager) that turns the
cyclic garbage collector off for the call and back on afterwards if, and only if, it was on
before (so it nests, and leaves a caller's own ``gc.disable`` alone). Reference counting
still frees everything that is not in a cycle; cycles made meanwhile are collected later.

Why: the site's preparation (:class:`~.builder.SiteBuilder`, :func:`.mapdata.collect`,
:func:`.extras.plan_extras`) makes hundreds of thousands of small dicts, lists and
timestamps in the build's process, where every object the build made before is still alive;
each allocation-triggered collection of the older generations rescans them all, for nothing:
what the preparation makes lives until the site is written.
"""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager


@contextmanager
def pause():
    """The collector off inside the ``with`` block (back on after it if it was on before).

    Examples
    --------
    >>> was = gc.isenabled()
    >>> with pause():
    ...     gc.isenabled()
    False
    >>> gc.isenabled() == was
    True
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def paused(fn):
    """``fn`` run inside :func:`pause`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with pause():
            return fn(*args, **kwargs)
    return wrapper
