"""The owner register: who an owner name of the layer sources is, where it sits, who controls it.

Contract: ``datasets/owners/`` is hand-compiled data, one fact per row with the URL of a public
page that states it and that page's date:

- ``owners.csv``: one row per canonical owner (``owner_id``, name, LEI where GLEIF has one,
  seat country, entity type);
- ``owner_links.csv``: direct parent links between owners (share as an exact percentage or a
  range, whether the parent controls the child, the date the share applies);
- ``owner_names.csv``: the names the sources write that mean an owner, per dataset, with the
  reason the name means it.

:mod:`.load` checks every value and writes ``raw_owners__*`` (faithful text) and
``core_owners__*`` (typed). References to entities of other sources (a curated entity as a
parent, say) are checked by the integrate stage, which joins the register to the rest.
"""

SOURCE_ID = "owners"
#: the keys of its manifest (hand-written: kept by ``infrarisk datasets rehash owners``)
MANIFEST_KEYS = {"package": "owners", "table_prefix": "owners", "depends_on": ["naturalearth"]}
