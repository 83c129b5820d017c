"""World Port Index (NGA Pub. 150): every port with identifiers, facilities and position.

Contract: ``derive.build(shared, out_dir)`` keeps 28 of WPI's 109 columns in
``datasets/wpi/wpi_ports.csv`` (country names coded with Natural Earth and
``corrections/country_names.csv``); ``load.load(con, settings, log)`` writes
``raw_wpi__ports`` and ``core_assets__ports`` after checking every value as a set
(country codes, UN/LOCODEs, positions, metre columns, duplicate numbers, points outside
their country), each bad value reported with file, row and reason; ``fetch.CHECKS``
checks a refreshed ``UpdatedPub150.csv``.
"""

SOURCE_ID = "wpi"
