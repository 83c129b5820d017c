"""Natural Earth admin-0 countries (1:50m): country polygons and attributes.

Contract: ``derive.build(shared, out_dir)`` keeps the attributes and geometry the project
uses in ``datasets/naturalearth/countries.geojson`` (plus ``corrections/``);
``load.load(con, settings, log)`` writes ``raw_naturalearth__*`` and the country tables
``core_geo__countries`` / ``core_geo__country_polygons`` (the point-in-country test of
:mod:`infrarisk.geo` reads them; ``polygons`` hands it the loader's shapes); ``fetch.CHECKS``
checks a refreshed GeoJSON.
"""

SOURCE_ID = "naturalearth"
