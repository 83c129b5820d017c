"""The census of Europe's container terminals (``datasets/census/``, issue 12).

Contract: :mod:`.derive` makes ``datasets/census/`` from the research worksheets
``research/issue12/census/{ports,terminals,stakes,holders}_*.csv`` (every ``_*`` file, in
sorted order; a row of a later file replaces the row of an earlier file with the same key) and
``research/issue12/reconcile/published.csv``; :mod:`.load` loads it into ``raw_census__*`` and
``core_census__*`` (``load(con, settings, log)``), checking every value (:mod:`.checks`).
The integrate stage (:mod:`infrarisk.integrate.census`) turns its terminals into terminal assets
under their port (or finds them among the curated ones) and its stakes into ownership links.
"""

SOURCE_ID = "census"
