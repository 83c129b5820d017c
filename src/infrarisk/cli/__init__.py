"""The command line: one group, a verb per stage.

Exit codes: 0 success; 1 unexpected error; 2 configuration error; 3 data error (bad input,
manifest mismatch, a download that fails its schema check); 4 a data check failed; 5 another
run holds the lock; 6 a download failed (network, HTTP status, size limit, checksum).
Nothing is published unless the exit code is 0.

The commands live in :mod:`.build_cmds` (build, serve, fetch, update), :mod:`.data_cmds`
(datasets, ingest, export) and :mod:`.report_cmds` (match-report, vendor-report, review);
importing this package registers them all on :data:`main`.
"""

from __future__ import annotations

from . import build_cmds, data_cmds, report_cmds  # noqa: F401  (registers the commands)
from ._base import Ctx, main, run

__all__ = ["Ctx", "main", "run"]
