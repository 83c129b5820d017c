"""TeleGeography Submarine Cable Map: cable systems, owners, landing points, routes.

Contract: ``derive.build(shared, out_dir)`` writes ``datasets/submarine-cables/``
(CC BY-NC-SA 3.0: non-commercial); ``load.load(con, settings, log)`` writes
``raw_cables__*`` and ``core_cables__*`` (empty tables when the folder is absent or
non-commercial sources are excluded); ``fetch`` holds the checks of the two GeoJSON
layers and the per-cable crawl of the API.
"""

SOURCE_ID = "submarine-cables"
