"""A tiny owner register and GEM parent -> HQ table over the tiny layer datasets (rows named in comments).

The layer datasets (``tests.layer_builders``) name, among others, ``Mystery Energy SA`` on a French
(g03) and a Maltese (g09) GEM asset, ``Beta Energie AG`` and ``Gamma GmbH`` on g08 (DE), ``Alpha
Power`` on g07 (FR) and ``Northwind`` on the cable ``alpha`` (an alias names it already).
"""

from __future__ import annotations

from pathlib import Path

from infrarisk.sources._derive import write_csv
from infrarisk.sources.gem_ownership.derive import OUT_COLUMNS
from infrarisk.sources.gem_ownership.load import CORRECTION_COLS
from infrarisk.sources.owners.load import LINK_COLS, NAME_COLS, OWNER_COLS
from tests.builders import link, write_curated, entity, stake
from tests.layer_builders import _manifest, write_layer_datasets

URL, DATE = "https://example.org/register", "2024-05-01"


def owner(oid, name, seat, etype="company", lei="", url=URL, date=DATE, note=""):
    return dict(owner_id=oid, name=name, lei=lei, seat_country=seat, entity_type=etype, source_url=url,
                source_date=date, note=note)


def olink(child, parent, pct="", lo="", hi="", control="", as_of="2024", note="", url=URL, date=DATE):
    return dict(child_id=child, parent_id=parent, share_pct=pct, share_min_pct=lo, share_max_pct=hi,
                is_control=control, as_of=as_of, source_url=url, source_date=date, note=note)


def oname(name, oid, dataset="gem-europe-gas", country="", reason="reviewed"):
    return dict(name=name, owner_id=oid, dataset=dataset, asset_country=country, reason=reason)


OWNERS = [
    owner("owner:mystery-fr", "Mystery Energie France", "FR"),       # 1
    owner("owner:mystery-mt", "Mystery Energy Malta", "MT"),         # 2
    owner("owner:beta-energie", "Beta Energie AG", "DE"),            # 3
    owner("owner:beta-holding", "Beta Holding", "CY"),               # 4
    owner("state:RU", "Russian Federation", "RU", "state", url="", date=""),  # 5
    owner("orange-s-a", "Orange", "DE"),                             # 6 enriches the curated Orange S.A. (FR)
]
LINKS = [
    olink("owner:beta-energie", "owner:beta-holding", lo="50", hi="75", control="true", as_of="2021"),  # 1
    olink("owner:beta-holding", "state:RU", pct="60", control="true", as_of="2020"),                     # 2
    olink("owner:beta-holding", "owner:ghost", pct="10"),                                                # 3 no entity
    olink("owner:beta-energie", "owner:mystery-mt", pct="100", control="true", as_of="2015",
          note="OLDER READING: before the sale"),                                                        # 4 older
    olink("northwind-telecom-international-limited", "orange-s-a", pct="70", control="true"),           # 5 loop
]
NAMES = [
    oname("Mystery Energy SA", "owner:mystery-fr", country="FR"),    # 1 French assets only
    oname("Mystery Energy SA", "owner:mystery-mt"),                  # 2 every other asset
    oname("Beta Energie AG", "owner:beta-energie"),                  # 3
    oname("Ghost Name", "owner:ghost-owner"),                        # 4 names no entity
    oname("Northwind", "owner:beta-holding", dataset="submarine-cables"),  # 5 the alias table wins
]
PAIRS = [  # parent_name, HQ country name, code, rows, trackers, url, several
    ("Gamma GmbH", "United States", "US", 3, "asia:Gas Pipelines", "https://www.gem.wiki/Gamma", "false"),  # 1 fixed
    ("Alpha Power", "Cyprus", "CY", 2, "asia:LNG Terminals", "https://www.gem.wiki/Alpha", "true"),        # 2
    ("Alpha Power", "Finland", "FI", 1, "asia:LNG Terminals", "https://www.gem.wiki/Alpha_2", "true"),     # 3
    ("Gazprom", "Cyprus", "CY", 1, "asia:Gas Pipelines", "https://www.gem.wiki/Gazprom", "false"),           # 4
]
CORRECTIONS = [dict(parent_name="Gamma GmbH", gem_country_code="US", country_code="DE",
                    source_url="https://example.org/gamma", source_date="2024-01", reason="seat in Germany")]


def write_owners(folder: Path, owners=OWNERS, links=LINKS, names=NAMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "owners.csv", OWNER_COLS, list(owners))
    write_csv(folder / "owner_links.csv", LINK_COLS, list(links))
    write_csv(folder / "owner_names.csv", [*NAME_COLS[:3], "asset_country", "reason"], list(names))
    _manifest(folder, "owners", ["owners.csv", "owner_links.csv", "owner_names.csv"])
    return folder


def write_gem_ownership(folder: Path, pairs=PAIRS, corrections=CORRECTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "parent_hq_country.csv", OUT_COLUMNS, [dict(zip(OUT_COLUMNS, p)) for p in pairs])
    write_csv(folder / "corrections" / "country_corrections.csv", CORRECTION_COLS, list(corrections))
    _manifest(folder, "gem-ownership", ["parent_hq_country.csv", "corrections/country_corrections.csv"])
    return folder


def write_register_datasets(root: Path, **kw) -> Path:
    """The tiny layer datasets, a curated control link Orange S.A. -> Northwind (60%), the register and GEM's pairs."""
    write_layer_datasets(root, telecom=False)
    write_curated(root / "curated", entities=[entity("Northwind Telecom International Limited", "RU"),
                                              entity("Orange S.A.", "FR")],
                  stakes=[stake("T1", "Orange S.A.", 100)],
                  links=[link("Orange S.A.", "Northwind Telecom International Limited", 60)])
    write_owners(root / "owners", **kw)
    write_gem_ownership(root / "gem-ownership")
    return root
