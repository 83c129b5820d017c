"""The site's network exports, JSON data API and owner pages, written in one step of the site build.

Contract: :func:`write_extras` takes the :class:`~.builder.SiteBuilder` of a site build
(tables only) and the site folder being built, and writes
``data/ownership-network*.gexf|graphml`` (:mod:`infrarisk.export_graph`),
``owners/<slug>.html`` (:mod:`.owner_pages`) and ``api/v1/`` (:mod:`.jsonapi`). It returns
what the other pages link to, merged into every page's context: ``owner_urls``
(entity id -> owner page, relative to the site root) and ``network_downloads`` (the
network files with their licences, listed on the sources page).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import export_graph
from . import jsonapi, owner_pages

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder


def write_extras(sb: "SiteBuilder", out_dir: Path) -> dict:
    """Write the network files, the owner pages and the API; return ``owner_urls`` and ``network_downloads``."""
    out_dir = Path(out_dir)
    network = export_graph.write_site_files(sb.con, out_dir)
    owners = owner_pages.write_owner_pages(owner_pages.collect(sb.con), out_dir, **sb.common)
    jsonapi.write_api(sb, out_dir, owners)
    return {"owner_urls": owners, "network_downloads": network}
