"""Global Energy Monitor's parent -> headquarters-country pairs (``datasets/gem-ownership``).

Contract: GEM's gas and oil infrastructure trackers name each asset's parent companies with
their headquarters country (``Parent`` / ``ParentHQCountry``). The pairs GEM published in its
Africa (July 2024) and Asia (August 2024) data downloads are derived by :mod:`.derive` into
``parent_hq_country.csv`` and loaded by :mod:`.load` into ``raw_gemownership__parent_hq`` and
``core_gemownership__parent_hq``. Rows GEM got wrong are corrected in
``corrections/country_corrections.csv`` (one row per correction, with a source and a reason),
never by editing the derived file. The integrate stage uses the pairs as one source of an owner's
country, below the owner register and beside GLEIF.
"""

SOURCE_ID = "gem-ownership"
