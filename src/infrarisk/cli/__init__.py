"""The command line: one group, a verb per stage.

Exit codes: 0 success; 1 unexpected error; 2 configuration error; 3 data error (bad input,
manifest mismatch, a download that fails its schema check); 4 a data check failed; 5 another
run holds the lock; 6 a download failed (network, HTTP status, size limit, checksum).
Nothing is published unless the exit code is 0.

The commands live in :mod:`.build_cmds` (build, serve, fetch, update), :mod:`.data_cmds`
(datasets, ingest, export) and :mod:`.report_cmds` (match-report, vendor-report, review);
importing this package registers them all on :data:`main`.

Importing it also sets ``OPENBLAS_NUM_THREADS=1`` unless the environment already sets it
(:data:`BLAS_THREADS`): the commands' numpy and SciPy work is elementwise or on small matrices,
and the worker threads of OpenBLAS (numpy and SciPy each bring a copy, each starting a thread per
further core) spun on the processor after each call: about 0.2 CPU-s of a shipped build on two
cores (``perf``: ``blas_thread_server``). The setting
takes effect only where numpy is not imported yet, as in a command run from the shell.
"""

from __future__ import annotations

import os

#: OpenBLAS's threads for the command line (an operator's own ``OPENBLAS_NUM_THREADS`` wins)
BLAS_THREADS = "1"
os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)  # before numpy starts its threads

from . import build_cmds, data_cmds, report_cmds  # noqa: F401,E402  (registers the commands)
from ._base import Ctx, main, run  # noqa: E402

__all__ = ["BLAS_THREADS", "Ctx", "main", "run"]
