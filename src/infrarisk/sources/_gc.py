"""Python's cyclic garbage collector paused while a step builds many objects at once.

Contract: :func:`paused` is a context manager over nothing but the interpreter's collector.

Parsing a large GeoJSON or reading a CSV into rows allocates hundreds of thousands of lists
and dicts, none of them part of a reference cycle; each allocation counts towards the
collector's thresholds, so such a step sets off several full collections, each walking every
object the process holds (about half of what the GeoJSON parse costs). Paused, the step
allocates without them; the collector runs again on its usual schedule afterwards, and
reference counting frees everything as before.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """Run the block with the garbage collector paused (left as it was if already paused).

    Examples
    --------
    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
