"""The site's network exports, JSON data API and owner pages (issue 14): read first, written later.

Contract: :func:`plan_extras` takes a connection to a finished build database and reads the
owner pages' data (:func:`.owner_pages.collect`) and
``owner_urls`` (entity id -> owner page, relative to the site root, merged into every page's
context by :meth:`Extras.common`) into an :class:`Extras`. The files are then written by
:func:`write_owners` (``owners/<slug>.html``, no connection needed), :func:`write_api`
(``api/v1/``, reads tables through ``sb.con``) and :func:`write_networks`
(``data/ownership-network*.gexf|graphml``; returns ``network_downloads``, the files with
their licences, which only the sources page lists), so that a site build can spread them
over two processes (:func:`infrarisk.site.write_prepared`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from typing import TYPE_CHECKING

from .. import export_graph
from . import jsonapi, owner_pages
from ..collector import paused

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder


@dataclass
class Extras:
    """What the owner pages and the API are written from."""

    owners: owner_pages.OwnerData
    owner_urls: dict[str, str]

    def common(self) -> dict:
        """What every page's context gains: ``owner_urls``."""
        return {"owner_urls": self.owner_urls}


@paused()
def plan_extras(con: duckdb.DuckDBPyConnection) -> Extras:
    """Read the owner pages' data from ``con``; nothing is written."""
    owners = owner_pages.collect(con)
    return Extras(owners, owner_pages.owner_urls(owners))


def write_networks(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[dict]:
    """``data/ownership-network*.gexf`` and ``.graphml``; their descriptions (``network_downloads``)."""
    return export_graph.write_site_files(con, Path(out_dir))


def write_owners(ex: Extras, out_dir: Path, common: dict) -> None:
    """``owners/<slug>.html``, one per owner; ``common`` is the pages' shared context."""
    owner_pages.write_owner_pages(ex.owners, Path(out_dir), urls=ex.owner_urls, **common)


def write_api(sb: "SiteBuilder", owner_urls: dict[str, str], out_dir: Path, changes=None) -> None:
    """``api/v1/``: the JSON files and their OpenAPI document (reads tables through ``sb.con``);
    ``owner_urls`` as :meth:`Extras.common` holds them (the API links owner pages by them);
    ``changes`` as :func:`.jsonapi.write_api` takes it."""
    jsonapi.write_api(sb, Path(out_dir), owner_urls, changes)
