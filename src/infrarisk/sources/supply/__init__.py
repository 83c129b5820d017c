"""Supply relations: who built what (issue 13), beside ownership and never mixed with it.

Contract: ``datasets/supply/`` is hand-compiled data derived by :mod:`.derive` from the research
worksheets of ``research/issue13/`` (every row with the URL of a public page and that page's date;
rows the researcher marked REVIEW carry ``needs_review = true``, kept and shown, never trusted
silently):

- ``supply.csv``: one supply relation per row (asset or network, component, vendor name as the page
  writes it, share where published, dates, status, source);
- ``vendors.csv``: vendors with seat and controller only where a page states them;
- ``operators.csv``: the mobile network operators of the EU, EEA, UK and Switzerland;
- ``risk_sources.csv``: dated documents naming high-risk vendors;
- ``country_figures.csv``: published country shares of Chinese vendors in mobile radio networks;
- ``corrections/``: hand-written, reviewed tables: ``vendor_names.csv`` (a name as written -> vendor
  ids, with the reason), ``vendors_added.csv`` (vendors a supply row names that ``vendors.csv``
  lacks, cited to that row's page), ``asset_aliases.csv`` (an operator or a supply name -> an
  existing asset id, with the reason).

:mod:`.load` checks every value and writes ``raw_supply__*`` and ``core_supply__*``; the vendor
stage (:mod:`infrarisk.vendors`) joins them to the assets and entities.
"""

SOURCE_ID = "supply"
