"""UN/LOCODE: country codes, locations, status and function codes (UNECE).

Contract: ``derive.build(shared, out_dir)`` turns the raw UN/LOCODE snapshot into
``datasets/unlocode/`` (locations, country codes, status indicators, function
classifiers, with ``corrections/``); ``load.load(con, settings, log)`` writes
``raw_unlocode__*`` (every value checked; bad rows reported with file, row, reason) and
is loaded first, since every other source checks its country codes against it;
``fetch.CHECKS`` checks the code list ``infrarisk fetch unlocode`` downloads (kept only:
its layout differs from the snapshot ``derive`` reads).
"""

SOURCE_ID = "unlocode"
