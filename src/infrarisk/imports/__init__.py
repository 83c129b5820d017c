"""Legacy derive step of the curated source (``curated``; owner: the "integrate" work).

Contract: :mod:`infrarisk.imports.curated` derives ``datasets/ownership``; it is run by
:func:`infrarisk.sources.derive_all`. Every other source derives in
``infrarisk.sources.<package>.derive``.
"""
