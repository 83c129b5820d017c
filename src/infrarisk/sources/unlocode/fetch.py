"""Refreshing UN/LOCODE: the schema check of the code list of ``datasets/un-locode``.

Contract: :data:`CHECKS` maps the snapshot file named in ``datasets/unlocode/manifest.toml``
``[refresh]`` to its check (the columns of the official code list). The file is fetched
and kept only (``update = false``): its layout differs from the snapshot the derive step reads.
"""

from __future__ import annotations

from .._checks import CsvCheck

CHECKS = {"code-list.csv": CsvCheck(("Country", "Location", "Name", "NameWoDiacritics", "Function", "Status",
                                     "Coordinates"))}
