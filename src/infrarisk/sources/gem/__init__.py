"""Global Energy Monitor, Europe Gas Tracker: gas assets, pipelines and their owners.

Contract: ``derive.build(shared, out_dir)`` writes ``datasets/gem-europe-gas/`` (assets,
stakes, pipeline routes; CC BY 4.0); ``load.load(con, settings, log)`` writes
``raw_gem__*`` and ``core_gem__*`` (empty tables when the folder is absent);
``fetch.CHECKS`` checks a refreshed ``data.csv``.
"""

SOURCE_ID = "gem-europe-gas"
