"""The "built by" (vendor) dimension on the site: map band, card section, country rows, methodology.

Contract: reads the vendor tables of a finished build (``out_vendor__supply``, ``out_vendor__assets``,
``out_vendor__country_figures``, ``out_vendor__coverage``, ``core_vendor__networks``,
``core_vendor__entities``) and the risk profile's ``[[high_risk_vendors]]``; never an ownership or
exposure table, and nothing it returns is mixed into the ownership band. A build without these tables
gives empty results (every asset "not researched").

- :func:`mobile_networks` (a layer ``select``): the mobile networks of the supply source that are not a
  curated asset (``mobile:<operator>``), drawn at their country like the curated networks; their
  ownership band is ``unknown`` (their holders are not traced: they are in the build for who built them);
- :func:`with_mobile_networks`: a ``select`` plus those networks (the telecom networks layer);
- :data:`VENDOR_BANDS` and :func:`codes`: the map's vendor band per asset, ``nr`` (not researched) where
  no supply row attaches — never ``none``;
- :func:`card`: the card's "Built by" record of an asset (rows with component, vendors and their
  countries, share and basis, status, dates, source, band and reason; the profile's source for each
  high-risk vendor named);
- :func:`country_rows`: per country the mobile networks on high-risk vendors' radio equipment and the
  published figures beside the computed ones; :func:`methodology`: the rules' thresholds and coverage;
- :func:`download_columns`: the vendor columns of the map download.

Examples
--------
>>> [b[0] for b in VENDOR_BANDS]
['high', 'elevated', 'low', 'unknown', 'none', 'nr']
>>> date_text("2019-03-01", "year"), date_text("2019-03-01", "month"), date_text(None, None)
('2019', '2019-03', None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import duckdb
import pandas as pd

from ..fmt import pct

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

#: the map's vendor bands: code, label (what the filter and card say), colour of the swatch/outline
#: (each at least 4.5:1 against white: the chip's text is dark on white, its outline carries the colour)
VENDOR_BANDS = [
    ("high", "high-risk vendor, sizeable or main", "#b2182b"),
    ("elevated", "high-risk vendor, smaller or unpublished share, or being replaced", "#a14a00"),
    ("low", "high-risk vendor, small share", "#7a5c00"),
    ("unknown", "vendor not disclosed", "#595959"),
    ("none", "no high-risk vendor", "#1f5f99"),
    ("nr", "not researched", "#6b6b6b"),
]
NOT_RESEARCHED = "nr"
RAN = ("ran", "ran_4g", "ran_5g")
STATUS_WORDS = {"in_service": "in service", "being_replaced": "being replaced", "removed": "removed",
                "not_disclosed": "not disclosed"}
DOWNLOAD_COLUMNS = ["vendor_band", "vendor_band_reason", "high_risk_vendors", "vendor_names", "vendor_components",
                    "vendor_source_urls"]


def _execute(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection | None:
    """``con.execute(sql)``, or None when a table it reads is absent (a build without the vendor tables):
    one statement, not a look-up in the catalogue first (the site runs a dozen of these)."""
    try:
        return con.execute(sql)
    except duckdb.CatalogException:
        return None


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """The rows of ``sql`` as dicts (missing dates None); none when a table it reads is absent."""
    cur = _execute(con, sql)
    if cur is None:
        return []
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, [None if v is pd.NaT else v for v in r])) for r in cur.fetchall()]


def date_text(d, precision) -> str | None:
    """A date as its precision allows: ``2019``, ``2019-03`` or ``2019-03-01``."""
    if d is None:
        return None
    s = str(d)[:10]
    return s[:4] if precision == "year" else s[:7] if precision == "month" else s


class VendorData:
    """The vendor tables of one build, read once (:func:`data`)."""

    def __init__(self, sb: "SiteBuilder"):
        con = sb.con
        self.assets = {r["asset_id"]: r for r in _rows(con, "SELECT * FROM out_vendor__assets ORDER BY asset_id")}
        self.supply: dict[str, list[dict]] = {}
        for r in _rows(con, "SELECT * FROM out_vendor__supply WHERE asset_id IS NOT NULL ORDER BY supply_id"):
            self.supply.setdefault(r["asset_id"], []).append(r)
        self.entities = {r["vendor_id"]: r
                         for r in _rows(con, "SELECT * FROM core_vendor__entities ORDER BY vendor_id")}
        self.networks = _rows(con, """SELECT * FROM core_vendor__networks WHERE NOT is_existing_asset
                                      ORDER BY asset_id""")
        self.profile = sb.profile
        from .. import vocab
        self.components = {c["code"]: c["label"] for c in vocab.table("supply_components").values()}

    def band(self, asset_id: str) -> str:
        """The asset's vendor band, ``nr`` where no supply row attaches."""
        a = self.assets.get(asset_id)
        return a["band"] if a else NOT_RESEARCHED


def data(sb: "SiteBuilder") -> VendorData:
    """The :class:`VendorData` of a site build (read on first use)."""
    d = getattr(sb, "_vendor_data", None)
    if d is None:
        d = sb._vendor_data = VendorData(sb)
    return d


def mobile_networks(sb: "SiteBuilder") -> pd.DataFrame:
    """The vendor-layer mobile networks (``mobile:``) as point features at their country's label point."""
    nets = [n for n in data(sb).networks if n["latitude"] is not None and n["longitude"] is not None]
    lic = sb.con.execute("""SELECT any_value(licence) FROM core_meta__files
                            WHERE source_id = 'supply' AND path = 'operators.csv'""").fetchone()[0] if nets else None
    reason = ("Unknown: this network is in the build for who built it (the supply source); its holders are not "
              "traced, so it has no ownership band.")
    return pd.DataFrame({
        "asset_id": [n["asset_id"] for n in nets], "name": [n["name"] for n in nets],
        "asset_type": [n["asset_type"] for n in nets], "country_code": [n["country_code"] for n in nets],
        "band": ["unknown"] * len(nets), "status": ["unknown"] * len(nets), "parent_asset_id": [None] * len(nets),
        "code": [None] * len(nets), "licence": [lic] * len(nets), "reason": [reason] * len(nets),
        "longitude": [float(n["longitude"]) for n in nets], "latitude": [float(n["latitude"]) for n in nets],
    }, columns=["asset_id", "name", "asset_type", "country_code", "band", "status", "parent_asset_id", "code",
                "licence", "reason", "longitude", "latitude"])


def with_mobile_networks(select: Callable[["SiteBuilder"], pd.DataFrame]) -> Callable[["SiteBuilder"], pd.DataFrame]:
    """A ``select`` returning ``select``'s features and the vendor-layer mobile networks."""
    def both(sb: "SiteBuilder") -> pd.DataFrame:
        a, b = select(sb), mobile_networks(sb)
        if b.empty:
            return a
        return pd.concat([a, b.astype({"parent_asset_id": object, "code": object})], ignore_index=True)
    return both


def codes(sb: "SiteBuilder", ids: list[str]) -> dict:
    """The map's sparse vendor band column of some assets: ``{"i": [...], "v": [...]}`` (indices into
    :data:`VENDOR_BANDS`); assets left out are not researched."""
    d, order = data(sb), [b[0] for b in VENDOR_BANDS]
    out: dict = {"i": [], "v": []}
    for i, aid in enumerate(ids):
        if aid in d.assets:
            out["i"].append(i)
            out["v"].append(order.index(d.assets[aid]["band"]))
    return out


def index_entry() -> list[list[str]]:
    """The vendor bands as the map's index lists them: ``[code, label, colour]``."""
    return [list(b) for b in VENDOR_BANDS]


def _vendor(d: VendorData, vid: str) -> dict:
    e = d.entities.get(vid, {})
    hr = d.profile.high_risk_vendor(vid)
    out = {"name": e.get("vendor_name") or vid, "country": e.get("controlling_country_code"),
           "controller": e.get("ultimate_controller"), "basis": e.get("controlling_country_basis")}
    if hr is not None:  # named high-risk by the profile: cite its dated sources
        out["hr"] = {"label": hr.label, "sources": [[s.publisher, s.date, s.url, s.title] for s in hr.sources]}
    return {k: v for k, v in out.items() if v is not None}


def card(sb: "SiteBuilder", asset_id: str) -> dict | None:
    """The "Built by" record of an asset's card, or None when no supply row attaches (not researched).

    ``band``, ``reason`` (the asset's vendor band and the reasons of the rows that set it), ``pos`` (where a
    network is drawn), ``rows``: per supply row ``comp``, ``vendor`` (as the row names it), ``vendors``
    (each with its controlling country, controller, basis and, when the profile names it, ``hr``: its
    label and the profile's sources ``[publisher, date, url, title]``), ``share``, ``basis``, ``status``,
    ``deadline``, ``start``, ``end``, ``src`` ``[url, date]``, ``band``, ``reason``, ``review``,
    ``superseded``; keys without a value are left out.
    """
    d = data(sb)
    a = d.assets.get(asset_id)
    if a is None:
        return None
    rows = []
    for r in d.supply.get(asset_id, []):
        row = {"comp": d.components.get(r["component"], r["component"]), "vendor": r["vendor_name"],
               "vendors": [_vendor(d, v) for v in (r["vendor_ids"] or [])],
               "share": pct(r["share_fraction"]) if r["share_fraction"] is not None else None,
               "basis": r["share_basis"], "status": STATUS_WORDS.get(r["status"], r["status"]),
               "deadline": date_text(r["deadline"], r["deadline_precision"]),
               "start": date_text(r["start_date"], r["start_precision"]),
               "end": date_text(r["end_date"], r["end_precision"]),
               "src": [r["source_url"], date_text(r["source_date"], r["source_date_precision"])],
               "band": r["band"], "reason": r["band_reason"], "review": bool(r["needs_review"]) or None,
               "superseded": bool(r["is_superseded"]) or None}
        rows.append({k: v for k, v in row.items() if v not in (None, [], "")})
    out = {"band": a["band"], "reason": a["band_reason"], "rows": rows}
    if str(asset_id).startswith("mobile:") and a.get("position_precision"):
        out["pos"] = a["position_precision"]
    return out


def download_columns(sb: "SiteBuilder", ids: list[str]) -> dict[str, list]:
    """The vendor columns of the map download (:data:`DOWNLOAD_COLUMNS`) for assets in ``ids`` order;
    ``not_researched`` where no supply row attaches."""
    d = data(sb)
    cols: dict[str, list] = {c: [] for c in DOWNLOAD_COLUMNS}
    for aid in ids:
        a = d.assets.get(aid)
        cols["vendor_band"].append(a["band"] if a else "not_researched")
        cols["vendor_band_reason"].append(a["band_reason"] if a else None)
        hr = [d.entities.get(v, {}).get("vendor_name") or v for v in (a["high_risk_vendor_ids"] or [])] if a else []
        cols["high_risk_vendors"].append("; ".join(hr) or None)
        cols["vendor_names"].append("; ".join(a["vendor_names"] or []) or None if a else None)
        cols["vendor_components"].append("; ".join(a["components"] or []) or None if a else None)
        cols["vendor_source_urls"].append(" ".join(a["source_urls"] or []) or None if a else None)
    return cols


def country_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Per country code: ``n_networks`` (mobile networks of the supply source), ``hr_networks``
    (``[network, vendors, status]`` of those whose current radio-network rows name a high-risk vendor of
    the profile), ``figures`` (published figures with their computed counterparts and sources)."""
    out: dict[str, dict] = {}
    networks = _execute(con, "SELECT country_code, count(*) FROM core_vendor__networks GROUP BY 1 ORDER BY 1")
    for cc, n in (networks.fetchall() if networks is not None else []):
        out.setdefault(cc, empty_country())["n_networks"] = int(n)
    nets = _rows(con, f"""
        SELECT s.country_code, s.asset_id, any_value(s.asset_name) AS name,
               list_sort(list_distinct(list(s.status) FILTER (WHERE len(s.high_risk_vendor_ids) > 0))) AS statuses
        FROM out_vendor__supply s
        WHERE s.asset_kind = 'mobile_network' AND s.asset_id IS NOT NULL AND s.is_current
          AND s.component IN {RAN!r}
        GROUP BY s.country_code, s.asset_id
        HAVING bool_or(len(s.high_risk_vendor_ids) > 0)
        ORDER BY s.country_code, name, s.asset_id""")
    names = _hr_vendor_names(con) if nets else {}
    for r in nets:
        hr_names = names.get(r["asset_id"], [])
        out.setdefault(r["country_code"], empty_country())["hr_networks"].append(
            {"asset_id": r["asset_id"], "name": r["name"], "vendors": ", ".join(hr_names),
             "status": ", ".join(STATUS_WORDS.get(s, s) for s in r["statuses"])})
    for f in figures(con):
        out.setdefault(f["country_code"], empty_country())["figures"].append(f)
    return out


def empty_country() -> dict:
    """A country without supply rows: no networks, none on high-risk equipment, no figures."""
    return {"n_networks": 0, "hr_networks": [], "figures": []}


def _hr_vendor_names(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Per asset, the names of the high-risk vendors its current radio-network rows name (sorted)."""
    rows = con.execute(f"""
        SELECT asset_id, list(DISTINCT name ORDER BY name) FROM (
            SELECT x.asset_id, coalesce(e.vendor_name, x.v) AS name
            FROM (SELECT asset_id, unnest(high_risk_vendor_ids) AS v FROM out_vendor__supply
                  WHERE asset_id IS NOT NULL AND is_current AND component IN {RAN!r}) x
            LEFT JOIN core_vendor__entities e ON e.vendor_id = x.v)
        GROUP BY asset_id""").fetchall()
    return {a: list(n) for a, n in rows}


def figures(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The published country figures beside the computed ones (``out_vendor__country_figures``), with texts."""
    out = []
    for r in _rows(con, "SELECT * FROM out_vendor__country_figures ORDER BY figure_id"):
        bound = {"lower": "over ", "upper": "under "}.get(r["published_bound"] or "", "")
        r["published_text"] = f"{bound}{r['published_pct']:g}%"
        n_cn, n_named = r["n_operators_cn"], r["n_operators_disclosed"]
        r["computed_text"] = (None if r["computed_pct"] is None else
                              f"{r['computed_pct']:g}% ({n_cn} of {n_named} operators whose rows name a vendor)")
        d = r["published_source_date"]
        r["published_source_date"] = None if d is None else str(d)[:10]
        out.append(r)
    return out


def summary_text(v: dict) -> dict:
    """The vendor columns of the per-country summary (``country-summary.csv``) from a :func:`country_rows` entry.

    Examples
    --------
    >>> v = dict(empty_country(), n_networks=3, hr_networks=[dict(name="A net", vendors="Huawei", status="in service")])
    >>> summary_text(v)["mobile_networks_high_risk_ran"]
    'A net (Huawei, in service)'
    """
    return {"n_mobile_networks": v["n_networks"], "n_mobile_networks_high_risk_ran": len(v["hr_networks"]),
            "mobile_networks_high_risk_ran": "; ".join(f"{n['name']} ({n['vendors']}, {n['status']})"
                                                       for n in v["hr_networks"]) or None,
            "vendor_figures": "; ".join(
                f"{f['metric']} {f['year']}: published {f['published_text']} ({f['publisher']}, "
                f"{f['published_source_url']}); computed {f['computed_text'] or 'n/a'}" for f in v["figures"]) or None}


SUMMARY_COLUMNS = ["n_mobile_networks", "n_mobile_networks_high_risk_ran", "mobile_networks_high_risk_ran",
                   "vendor_figures"]


def methodology(con: duckdb.DuckDBPyConnection, settings, profile) -> dict:
    """What the methodology page states about the vendor dimension: thresholds, high-risk vendors with
    their sources, and the coverage counts (``out_vendor__coverage``)."""
    cov = _rows(con, "SELECT * FROM out_vendor__coverage ORDER BY metric_order")
    return {"coverage": cov, "sizeable": pct(settings.thresholds.sizeable),
            "screening": pct(settings.thresholds.screening),
            "high_risk": [{"label": v.label, "sources": [[s.publisher, s.date, s.url, s.title] for s in v.sources]}
                          for v in profile.high_risk_vendors]}
