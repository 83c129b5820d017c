"""The site's pages and the map's files: what :func:`infrarisk.site.write_prepared`'s parts write.

Contract: each function writes files of one part of the site into ``out_dir`` from what
:func:`infrarisk.site.prepare_from` read (a :class:`~.builder.SiteBuilder`, the map's data) and
tables read through a read-only connection: :func:`map_files` (the map page ``index.html``, its
layers' data, the details and the date slider), :func:`other_pages` (countries, foreign stakes,
INGE2, methodology, changes and their CSV files), :func:`sources_page`. Text goes through
:func:`write_text` (UTF-8, folders made) and CSV through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
from importlib import import_module
from pathlib import Path

import duckdb

from .. import licences
from ..findings import census, inge2, reconcile
from ..fmt import pct
from ..profiles import Profile
from ..settings import Settings
from . import (country_page, details, layer_downloads, mapdata, mapping, methodology, vendor_downloads,
               vendor_site)
from .builder import SiteBuilder, _records
from .features import TYPE_LABELS


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path``, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """CSV text: None empty, booleans ``true``/``false``, other values as csv writes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(["" if v is None else "true" if v is True else "false" if v is False else v for v in map(r.get, columns)]
                for r in rows)  # inline, not a function call per value
    return buf.getvalue()


def map_page(sb: SiteBuilder, data: dict, dls: list[dict], n_assets: int) -> str:
    """``index.html``: the Folium map (self-hosted Leaflet, stable ids) inside the app of ``map.html``."""
    layers = data["index"]["layers"]
    legend = list(dict.fromkeys(layer["legend"] for layer in layers if layer["legend"]))
    with mapping.stable_ids():
        m = mapping.site_map([52.0, 12.0], 4, js=[("infrarisk_core", "static/infrarisk/core.js")], minZoom=1, maxZoom=18)
        m.add_child(mapping.Attach("infrarisk.attach"))
        return mapping.map_page(m, "map.html", page="map", title="Map", scripts=data["scripts"], layers=layers,
                                downloads=dls, n_assets=n_assets, legend=legend, **sb.common)


def sources_page(sb: SiteBuilder, out_dir: Path, network_downloads: list[dict]) -> None:
    """``sources.html``, which lists the network files (``network_downloads``) among the downloads."""
    write_text(out_dir / "sources.html", sb.page("sources.html", "sources", "Sources and licences",
                                                 network_downloads=network_downloads))


def map_files(sb: SiteBuilder, md: "mapdata.MapData", dls: list[dict], out_dir: Path) -> None:
    """The map: a Folium map page; features in files beside it, details on demand (the full downloads,
    described by ``dls``, are written by :func:`downloads.write_sets`)."""
    data = mapdata.write_map_data(sb, md, out_dir, dls)
    details.write_details(sb, md, out_dir)
    import_module("infrarisk.site.timeline").write_timeline(sb.con, set(md.order), out_dir)  # the date slider (issue 14)
    write_text(out_dir / "index.html", map_page(sb, data, dls, md.n))


def other_pages(con: duckdb.DuckDBPyConnection, sb: SiteBuilder, md: "mapdata.MapData", settings: Settings,
                profile: Profile, out_dir: Path, changes=None) -> None:
    """Every page but the map: countries, foreign stakes, INGE2, methodology, sources, changes."""
    files_lic = [f["licence"] for s in sb.sources for f in s["files"] if s["source_id"] in ("curated", "wpi")]
    # telecom and energy layers: downloads (licence of each = most restrictive of its rows), country summary
    vend = vendor_site.country_rows(con)  # the "built by" columns of both (read once)
    layer_files = layer_downloads.downloads(con, vend)
    for d in layer_files:
        write_text(out_dir / d["href"], d["csv"])
    html, _ = country_page.country_page(con, TYPE_LABELS, [d for d in layer_files if d["name"].startswith("country-")],
                                        md.outlines, vend, **sb.common)
    write_text(out_dir / "countries.html", html)
    vendor_downloads.write(con, out_dir)  # data/vendors.csv: the "built by" dimension (issue 13)

    # foreign stakes table + download
    rows = sb.assets_rows()
    # the file's licence is the most restrictive of what it contains (rows now include the layers)
    data_licence = licences.most_restrictive(files_lic + [r["licence"] for r in rows if r.get("licence")])
    licence = {"id": data_licence, "url": licences.url(data_licence)}
    write_text(out_dir / "assets.html", sb.page("assets.html", "assets", "Foreign stakes", rows=rows, licence=licence))
    flat = [{"asset_id": r["asset_id"], "name": r["name"], "asset_type": r["asset_type"],
             "port_name": r["port_name"], "unlocode": r["unlocode"], "country_code": r["country_code"],
             "latitude": r["latitude"], "longitude": r["longitude"], "band": r["band"],
             "band_group": r["band_group_label"],
             "foreign_shares": "; ".join(f"{c['country_code']} {c['share']}" for c in r["countries"]),
             "controller_chain": r["control_chain"],
             "source_urls": " ".join(sorted({h["source_url"] for h in r["holders"]})),
             "licence": r["licence"]} for r in rows]
    write_text(out_dir / "data" / "assets.csv", csv_text(flat, list(flat[0]) if flat else ["asset_id"]))

    # INGE2
    inge = _records(con.execute("SELECT * FROM out_inge2__ports ORDER BY country_code, port_name, port_asset_id").df())
    claim = inge2.group_for(profile)
    label, members = claim.label, claim.members
    for r in inge:
        r["share_display"] = inge2.share_display(r)
    src = claim.group.sources[0] if claim.group is not None and claim.group.sources else None
    write_text(out_dir / "data" / "inge2-ports.csv", csv_text(inge, inge2.CSV_COLUMNS))
    published = reconcile.rows(con)
    write_text(out_dir / "data" / "inge2-reconciliation.csv", csv_text(reconcile.csv_rows(published), reconcile.CSV_COLUMNS))
    write_text(out_dir / "inge2.html", sb.page(
        "inge2.html", "inge2", "Over 20 European ports", rows=inge, n_ports=len(inge),
        n_via_sar=sum(1 for r in inge if r["is_via_special_regions_only"]), group_label=label,
        group_countries=", ".join(sorted(members)), threshold=pct(settings.thresholds.screening),
        claim_url=src.url if src else "", claim_also=src.also_reported_by if src else "",
        not_counted=inge2.not_counted(con, members), published=published))

    # methodology, sources
    checks = _records(con.execute("SELECT * FROM out_build__checks ORDER BY check_name").df())
    stats = _records(con.execute("SELECT * FROM out_build__load_stats ORDER BY file").df())
    n_err, n_warn = con.execute("SELECT count(*) FILTER (WHERE severity='error'), count(*) FILTER (WHERE "
                                "severity='warning') FROM out_build__problems").fetchone()
    newest = con.execute("SELECT max(as_of_date) FROM core_ownership__links").fetchone()[0]
    write_text(out_dir / "methodology.html", sb.page(
        "methodology.html", "methodology", "Methodology", checks=checks, stats=stats, n_errors=n_err,
        n_warnings=n_warn, thresholds=settings.thresholds, current_statuses=list(settings.current_statuses),
        country_attribute=settings.country_attribute, newest_fact=str(newest)[:10] if newest else "unknown",
        layers=methodology.methodology_facts(con, settings, layer_files, md), census=census.coverage(con),
        vendors=vendor_site.methodology(con, settings, profile)))

    # what changed since the previous published build (history store; issue 6)
    from .changes import write_changes
    write_changes(con, settings, out_dir, changes, **sb.common)
