"""The site's network exports, JSON data API and owner pages (issue 14): read first, written later.

Contract: :func:`plan_extras` takes the :class:`~.builder.SiteBuilder` of a site build
(tables only) and reads what these parts need into an :class:`Extras`: the ownership
networks (:func:`infrarisk.export_graph.site_sets`), the owner pages' data
(:func:`.owner_pages.collect`), ``owner_urls`` (entity id -> owner page, relative to the
site root) and ``network_downloads`` (the network files with their licences, listed on the
sources page) — the last two are merged into every page's context (:meth:`Extras.common`).
The files are then written by :func:`write_networks`
(``data/ownership-network*.gexf|graphml``, no connection needed), :func:`write_owners`
(``owners/<slug>.html``, no connection needed) and :func:`write_api` (``api/v1/``, reads
tables through ``sb.con``), so that a site build can spread them over two processes
(:func:`infrarisk.site.build_site_from`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import export_graph
from . import jsonapi, owner_pages

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder


@dataclass
class Extras:
    """What the network files, owner pages and API are written from."""

    networks: list  # [(stem, export_graph.Network)]
    network_downloads: list[dict]
    owners: owner_pages.OwnerData
    owner_urls: dict[str, str]

    def common(self) -> dict:
        """What every page's context gains: ``owner_urls`` and ``network_downloads``."""
        return {"owner_urls": self.owner_urls, "network_downloads": self.network_downloads}


def plan_extras(sb: "SiteBuilder") -> Extras:
    """Read the networks and the owner pages' data from ``sb.con``; nothing is written."""
    files, network = export_graph.site_sets(sb.con)
    owners = owner_pages.collect(sb.con)
    return Extras(files, network, owners, owner_pages.owner_urls(owners))


def write_networks(ex: Extras, out_dir: Path) -> None:
    """``data/ownership-network*.gexf`` and ``.graphml``."""
    export_graph.write_sets(ex.networks, Path(out_dir))


def write_owners(ex: Extras, out_dir: Path, common: dict) -> None:
    """``owners/<slug>.html``, one per owner; ``common`` is the pages' shared context."""
    owner_pages.write_owner_pages(ex.owners, Path(out_dir), **common)


def write_api(sb: "SiteBuilder", ex: Extras, out_dir: Path) -> None:
    """``api/v1/``: the JSON files and their OpenAPI document (reads tables through ``sb.con``)."""
    jsonapi.write_api(sb, Path(out_dir), ex.owner_urls)


def write_extras(sb: "SiteBuilder", out_dir: Path) -> dict:
    """Read and write all three parts here, in turn; return what every page's context gains."""
    ex = plan_extras(sb)
    write_networks(ex, out_dir)
    write_owners(ex, out_dir, {**sb.common, **ex.common()})
    write_api(sb, ex, out_dir)
    return ex.common()
