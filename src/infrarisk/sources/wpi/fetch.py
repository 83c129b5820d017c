"""Refreshing the World Port Index: the schema check of NGA's ``UpdatedPub150.csv``.

Contract: :data:`CHECKS` maps each snapshot file named in ``datasets/wpi/manifest.toml``
``[refresh]`` to the check a download must pass: exactly the 109 columns the derive step
knows (:data:`infrarisk.sources.wpi.derive.COLUMNS` plus the ignored ones), so a changed
layout stops the refresh instead of the import.
"""

from __future__ import annotations

from .._checks import CsvCheck
from .derive import COLUMNS, IGNORED

CHECKS = {"UpdatedPub150.csv": CsvCheck(tuple(COLUMNS + IGNORED), exact=True)}
