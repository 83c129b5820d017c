"""Python's cyclic garbage collector during a build: paused where a step makes many objects at
once, and run less often while a build runs.

Contract: :func:`paused` is a context manager (and, called, a decorator: ``@paused()``) that
turns the collector off for its block and back on afterwards if, and only if, it was on before
(so it nests, and leaves a caller's own ``gc.disable`` alone); :func:`fewer_collections` sets
:data:`BUILD_THRESHOLDS` for its block and puts the previous thresholds back. Neither changes
what is freed: reference counting still frees everything that is not in a cycle, and cycles
made meanwhile are collected later.

Why: a build allocates millions of small tuples, dicts and lists (rows, parsed GeoJSON, the
site's records) that live until their step ends, while every object the build made before is
still alive; each allocation-triggered collection of the older generations rescans them all,
for nothing. Measured with ``gc.callbacks`` on the shipped build (one process): about 2,000
collections and 1 CPU-s at Python's default thresholds; about 100 and 0.4 s at these, the same
peak memory; the loaders (which make no reference cycles, ``tests/sources/test_gc.py``), the
GeoJSON parse of verify and the site's reads run paused.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

#: the collector's thresholds during a build (Python's default: 700, 10, 10)
BUILD_THRESHOLDS = (10_000, 10, 10)


@contextmanager
def paused():
    """The collector off inside the block (back on after it if it was on before).

    Examples
    --------
    >>> was = gc.isenabled()
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled() == was
    True
    >>> @paused()
    ... def f():
    ...     return gc.isenabled()
    >>> f()
    False
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def fewer_collections():
    """:data:`BUILD_THRESHOLDS` inside the block; the thresholds before it afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(*BUILD_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
