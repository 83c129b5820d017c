"""The curated source: hand-compiled stakes, entities and parent links (``datasets/curated/``).

Contract: :mod:`.derive` makes ``datasets/curated/`` from the raw snapshot folder
``<shared>/ownership/`` (``build(shared, out_dir) -> Manifest``); :mod:`.load` loads it into
``raw_curated__*`` and ``core_curated__*`` (``load(con, settings, log)``), checking every
value (the row checks are in :mod:`.rows` and :mod:`.stakes`). Nothing here reads another
source's tables except the country codes it validates against (``core_geo__countries``).
"""

SOURCE_ID = "curated"
