"""GLEIF: the legal-names extract used by entity matching, and the GLEIF remotes.

Contract: ``derive.build(shared, out_dir)`` writes ``datasets/gleif/legal_names.csv`` (the
GLEIF records whose legal name equals an owner name of the other datasets);
``load.load(con, settings, log)`` writes ``raw_gleifnames__legal_names`` and
``core_gleifnames__legal_names``; ``fetch`` crawls the GLEIF API and downloads the golden
copy, whose files ``infrarisk ingest`` reads (:mod:`infrarisk.sources.registry`).
"""

SOURCE_ID = "gleif"
