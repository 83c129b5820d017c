"""The static site: map, foreign-stakes table, INGE2 page, methodology, sources, downloads.

Contract: :func:`build_site` reads the ``out_*``, ``core_*`` and ``core_meta__*`` tables of a
finished build and writes a complete site into an empty folder (the caller swaps it into
place). Output is deterministic: no timestamps, stable ordering, stable element ids.
Every string from data is escaped (templates autoescape; popup HTML is rendered by the
same templates; JSON is embedded with ``tojson``).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from .. import licences
from ..explain import Explainer
from ..ownership import OwnershipGraph
from ..profiles import Profile
from ..settings import Settings
from . import mapping
from .render import BAND_COLOURS, esc, render

STATIC = Path(__file__).resolve().parent / "static"

TYPE_LABELS = {
    "port": "Port", "container_terminal": "Container terminal", "inland_container_terminal": "Inland container terminal",
    "port_authority": "Port authority (whole port)", "terminal_group": "Terminal group", "planned_port": "Planned port",
    "whole_port_operator": "Port company (whole port)", "multipurpose_terminal": "Multipurpose terminal",
    "bulk_terminal": "Bulk terminal", "liquid_bulk_terminal": "Liquid bulk terminal",
}
#: map layer of each terminal-level asset type (one layer per kind of asset)
LAYERS = [
    ("Container terminals", ("container_terminal", "multipurpose_terminal")),
    ("Inland container terminals", ("inland_container_terminal",)),
    ("Port companies and authorities (whole port)", ("port_authority", "whole_port_operator", "terminal_group")),
    ("Bulk and liquid-bulk terminals", ("bulk_terminal", "liquid_bulk_terminal")),
    ("Planned ports", ("planned_port",)),
]
INGE2_COLUMNS = ["unlocode", "port_name", "country_code", "terminals", "controlling_entities", "share_min",
                 "share_max", "is_controlled", "source_urls"]


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: (None if (not isinstance(v, (list, dict)) and pd.isna(v)) else v) for k, v in r.items()}
            for r in df.to_dict("records")]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: ("" if r.get(c) is None else ("true" if r[c] is True else "false" if r[c] is False else r[c]))
                    for c in columns})
    return buf.getvalue()


def copy_static(out_dir: Path) -> None:
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            dest = out_dir / "static" / p.relative_to(STATIC)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)


class SiteBuilder:
    """Collects what every page needs from one finished database."""

    def __init__(self, con: duckdb.DuckDBPyConnection, g: OwnershipGraph, settings: Settings, profile: Profile):
        self.con, self.g, self.settings, self.profile = con, g, settings, profile
        self.explainer = Explainer(con, g, profile, settings)
        self.sources = _records(con.execute("SELECT * FROM core_meta__sources ORDER BY source_id").df())
        files = _records(con.execute("SELECT * FROM core_meta__files ORDER BY source_id, path").df())
        for s in self.sources:
            s["files"] = [f for f in files if f["source_id"] == s["source_id"]]
        self.assets = con.execute("SELECT * FROM out_exposure__assets ORDER BY asset_id").df()
        self.common = {"sources": self.sources, "profile": profile, "as_of": settings.as_of}

    def page(self, template: str, page: str, title: str, **ctx) -> str:
        return render(template, page=page, title=title, **self.common, **ctx)

    # -------------------------------------------------------------- map
    def terminal_features(self, types: tuple[str, ...]) -> dict:
        feats = []
        terms = self.assets[(self.assets["asset_class"] == "terminal") & self.assets["asset_type"].isin(types)]
        for r in _records(terms):
            ev = self.explainer.asset(r["asset_id"])
            r["asset_type_label"] = TYPE_LABELS.get(r["asset_type"], r["asset_type"])
            r["port_name"] = self._port_name(r["parent_asset_id"])
            popup = render("popup_asset.html", a=r, ev=ev)
            feats.append(self._feature(r, popup, 7))
        return {"type": "FeatureCollection", "features": feats}

    def _port_name(self, port_id) -> str | None:
        m = self.assets[self.assets["asset_id"] == port_id]
        return None if m.empty else m.iloc[0]["name"]

    def port_features(self) -> dict:
        ports = self.assets[(self.assets["asset_class"] == "port") & self.assets["is_europe"]]
        terms = self.assets[self.assets["asset_class"] == "terminal"]
        by_port = {k: _records(v) for k, v in terms.groupby("parent_asset_id")}
        wpi = dict(self.con.execute("SELECT asset_id, wpi_number FROM core_assets__ports").fetchall())
        feats = []
        for r in _records(ports):
            r["wpi_number"] = wpi.get(r["asset_id"])
            popup = render("popup_port.html", p=r, terminals=by_port.get(r["asset_id"], []))
            feats.append(self._feature(r, popup, 5 if by_port.get(r["asset_id"]) else 2.5))
        return {"type": "FeatureCollection", "features": feats}

    @staticmethod
    def _feature(r: dict, popup: str, radius: float) -> dict:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(r["longitude"]), 6),
                                                           round(float(r["latitude"]), 6)]},
            "properties": {"id": r["asset_id"], "t": str(esc(r["name"])), "b": r["band"],
                           "c": BAND_COLOURS[r["band"]], "r": radius, "popup": popup},
        }

    def outline(self) -> dict:
        from ..geo import countries_gdf
        gdf = countries_gdf(self.con)
        gdf = gdf.cx[-32:70, 25:82]
        gdf = gdf.assign(geometry=gdf.geometry.simplify(0.02, preserve_topology=True))
        gdf = gdf.sort_values("country_code")[["country_code", "geometry"]]
        import json
        return json.loads(gdf.to_json(drop_id=True, to_wgs84=False))

    # -------------------------------------------------------------- pages
    def assets_rows(self) -> list[dict]:
        countries = self.con.execute("""
            SELECT c.asset_id, c.country_code, c.share_min, c.share_max, c.is_controlled
            FROM out_ownership__asset_countries c JOIN core_assets__assets a USING (asset_id)
            WHERE c.country_code <> a.country_code AND c.share_min > 0
            ORDER BY c.asset_id, c.share_min DESC, c.country_code""").df()
        rows = []
        for aid, grp in countries.groupby("asset_id", sort=True):
            r = _records(self.assets[self.assets["asset_id"] == aid])[0]
            r["asset_type_label"] = TYPE_LABELS.get(r["asset_type"], r["asset_type"])
            r["port_name"] = self._port_name(r["parent_asset_id"])
            r["countries"] = [{"country_code": c["country_code"],
                               "share": render_share(c["share_min"], c["share_max"]),
                               "is_controlled": bool(c["is_controlled"])} for c in _records(grp)]
            r["holders"] = [h for h in self.explainer.holders(aid) if h["is_current"]]
            rows.append(r)
        rows.sort(key=lambda r: (r["country_code"], r["name"]))
        return rows

    def not_counted(self, counted_assets: set[str], members: frozenset[str]) -> list[dict]:
        """China-group stakes in European terminals that the INGE2 criterion leaves out."""
        df = self.con.execute("""
            SELECT l.subject_id AS asset_id, a.name AS asset_name, a.country_code, l.owner_entity_id,
                   e.entity_name AS owner_name, o.controlling_country_code, l.share_min, l.share_max,
                   l.is_share_stated, l.status, l.is_current, l.source_url, l.as_of_date, l.as_of_precision,
                   l.interest_type
            FROM core_ownership__links l
            JOIN core_assets__assets a ON a.asset_id = l.subject_id
            JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            JOIN out_ownership__entities o ON o.entity_id = l.owner_entity_id
            WHERE l.subject_kind = 'asset' AND a.is_europe
            ORDER BY a.country_code, a.name, l.link_id""").df()
        out = []
        for r in _records(df):
            if r["controlling_country_code"] not in members:
                continue
            if r["is_current"] and r["asset_id"] in counted_assets:
                continue
            if r["status"] == "exited":
                why = "the holder has exited (0% recorded)"
            elif not r["is_current"]:
                why = f"not current: {r['status']}"
            elif r["interest_type"] == "operating_contract":
                why = "an operating contract, not an ownership stake"
            else:
                why = "below the screening threshold, and no control"
            out.append({**r, "share": render_share(r["share_min"], r["share_max"]) if r["is_share_stated"]
                        or r["share_min"] > 0 else "undisclosed share", "why": why,
                        "as_of": _fmt_date(r["as_of_date"], r["as_of_precision"])})
        return out


def render_share(lo, hi) -> str:
    from ..score import share_text
    return share_text(float(lo), float(hi))


def _fmt_date(d, prec) -> str | None:
    if d is None:
        return None
    d = pd.Timestamp(d)
    return d.strftime({"year": "%Y", "month": "%Y-%m"}.get(prec, "%Y-%m-%d"))


def build_site(con: duckdb.DuckDBPyConnection, g: OwnershipGraph, settings: Settings, profile: Profile,
               out_dir: Path) -> Path:
    """Write the whole site into ``out_dir`` (created; must not exist)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=False)
    copy_static(out_dir)
    sb = SiteBuilder(con, g, settings, profile)
    files_lic = [f["licence"] for s in sb.sources for f in s["files"] if s["source_id"] in ("ownership", "wpi")]
    data_licence = licences.most_restrictive(files_lic)
    licence = {"id": data_licence, "url": licences.url(data_licence)}

    # map
    nav = render("_nav.html", page="map", as_of=settings.as_of)
    footer = render("_footer.html", **sb.common)
    known = {t for _, types in LAYERS for t in types}
    other = tuple(sorted(set(sb.assets.loc[sb.assets["asset_class"] == "terminal", "asset_type"]) - known))
    layers = [("Ports (World Port Index)", sb.port_features(), 3, True)]
    for label, types in [*LAYERS, ("Other terminals", other)]:
        feats = sb.terminal_features(types)
        if feats["features"]:
            layers.append((label, feats, 7, True))
    _write(out_dir / "index.html", mapping.map_page(layers, sb.outline(), nav, footer))

    # foreign stakes table + download
    rows = sb.assets_rows()
    _write(out_dir / "assets.html", sb.page("assets.html", "assets", "Foreign stakes", rows=rows, licence=licence))
    flat = [{"asset_id": r["asset_id"], "name": r["name"], "asset_type": r["asset_type"],
             "port_name": r["port_name"], "unlocode": r["unlocode"], "country_code": r["country_code"],
             "latitude": r["latitude"], "longitude": r["longitude"], "band": r["band"],
             "band_group": r["band_group_label"],
             "foreign_shares": "; ".join(f"{c['country_code']} {c['share']}" for c in r["countries"]),
             "controller_chain": r["control_chain"],
             "source_urls": " ".join(sorted({h["source_url"] for h in r["holders"]}))} for r in rows]
    _write(out_dir / "data" / "assets.csv", _csv(flat, list(flat[0]) if flat else ["asset_id"]))

    # INGE2
    inge = _records(con.execute("SELECT * FROM out_inge2__ports ORDER BY country_code, port_name, port_asset_id").df())
    from ..score import china_group
    label, members = china_group(profile)
    counted = {r[0] for r in con.execute("SELECT asset_id FROM out_inge2__terminals").fetchall()}
    for r in inge:
        r["share_display"] = ("undisclosed share" if r["is_controlled"] and r["share_min"] == 0
                              else render_share(r["share_min"], r["share_max"]))
    src = profile.groups[0].sources[0] if profile.groups and profile.groups[0].sources else None
    _write(out_dir / "data" / "inge2-ports.csv", _csv(inge, INGE2_COLUMNS))
    _write(out_dir / "inge2.html", sb.page(
        "inge2.html", "inge2", "Over 20 European ports", rows=inge, n_ports=len(inge),
        n_via_sar=sum(1 for r in inge if r["is_via_special_regions_only"]), group_label=label,
        group_countries=", ".join(sorted(members)), threshold=f"{settings.thresholds.screening:.0%}",
        claim_url=src.url if src else "", claim_also=src.also_reported_by if src else "",
        not_counted=sb.not_counted(counted, members)))

    # methodology, sources
    checks = _records(con.execute("SELECT * FROM out_build__checks ORDER BY check_name").df())
    stats = _records(con.execute("SELECT * FROM out_build__load_stats ORDER BY file").df())
    n_err, n_warn = con.execute("SELECT count(*) FILTER (WHERE severity='error'), count(*) FILTER (WHERE "
                                "severity='warning') FROM out_build__problems").fetchone()
    newest = con.execute("SELECT max(as_of_date) FROM core_ownership__links").fetchone()[0]
    _write(out_dir / "methodology.html", sb.page(
        "methodology.html", "methodology", "Methodology", checks=checks, stats=stats, n_errors=n_err,
        n_warnings=n_warn, thresholds=settings.thresholds, current_statuses=list(settings.current_statuses),
        country_attribute=settings.country_attribute, newest_fact=str(newest)[:10] if newest else "unknown"))
    _write(out_dir / "sources.html", sb.page("sources.html", "sources", "Sources and licences"))

    # what changed since the previous published build (history store; issue 6)
    from .changes import write_changes
    write_changes(con, settings, out_dir, **sb.common)
    return out_dir
