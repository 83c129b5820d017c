"""Refreshing the GEM Europe Gas Tracker: the schema check of its ``data.csv``.

Contract: :data:`CHECKS` maps the snapshot file named in ``datasets/gem-europe-gas/manifest.toml``
``[refresh]`` to its check: the columns the derive step reads (the file is UTF-16 with a
byte-order mark; the check sniffs it).
"""

from __future__ import annotations

from .._checks import CsvCheck

GEM_COLUMNS = ("project", "type", "owner", "parent", "countries", "status", "url")
CHECKS = {"data.csv": CsvCheck(GEM_COLUMNS)}
