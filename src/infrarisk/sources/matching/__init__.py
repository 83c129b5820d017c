"""The matching source: hand-written decisions of entity matching (``datasets/matching/``).

Contract: :mod:`.load` loads ``aliases.csv`` (owner name as a source writes it -> entity id or
``no match``, with a reason and a source) and ``entities.csv`` (entities the layer sources
name without a country) into ``raw_matching__*`` and ``core_matching__*``; the integrate stage
(:mod:`infrarisk.integrate.matching`) checks the ids they name against the other sources and
applies them. Hand-written: no derive step (``infrarisk datasets rehash matching`` after an edit).
"""

SOURCE_ID = "matching"
#: the keys of its manifest (hand-written: written by hand, kept by ``rehash``)
MANIFEST_KEYS = {"package": "matching", "table_prefix": "matching", "depends_on": ["naturalearth"]}  # its loader checks country codes
