"""The "built by" dimension (issue 13): who supplied each asset's critical components, beside ownership.

Contract: runs after the score stage (:func:`infrarisk.pipeline.build_database`) and reads only
tables — the supply source (``core_supply__*``), the assets (``core_assets__assets``), the entities
and their controlling countries (``core_ownership__entities``, ``out_ownership__entities``) — and
the risk profile's ``[[high_risk_vendors]]``. It writes, never touching an ownership or exposure
table:

- ``core_vendor__networks`` (``sql/integrate``): one mobile network asset per operator, the curated
  network where the reviewed alias table names it, else ``mobile:<operator_id>``;
- ``core_vendor__supply`` (``sql/integrate``): each supply row with the asset it attaches to; rows it
  cannot attach are problems (``asset_unmatched``, warning: the row is kept, not dropped) and counted;
- ``core_vendor__entities``: each vendor resolved like an owner — to an entity of the build where its
  normalised name (:func:`infrarisk.match.names.normalise`) is exactly one entity's, whose
  ``controlling_country_code`` then applies; otherwise the controller's country, else the seat country,
  only as ``vendors.csv`` states them with a page (never inferred from a name);
- ``core_vendor__rows``: each row's band (:func:`row_band`) and its reason in words;
- ``out_vendor__supply``, ``out_vendor__assets``, ``out_vendor__country_figures``,
  ``out_vendor__coverage`` (``sql/out``).

The band of a row, for a critical component (``vocab/supply_components.csv``): ``high`` where a
vendor the profile names as high-risk supplies it in service with a published share at or above the
*sizeable* threshold or as the main/sole vendor; ``elevated`` where its share is known and smaller
(at or above *screening*), not published (``band_max`` high), or it is being replaced with a
deadline; ``low`` below *screening*; ``none`` where the vendors are not high-risk or the equipment
was removed; ``unknown`` where the vendor is not disclosed. An asset's band is its worst row, a
not-disclosed row of a component counting only where no row names that component's vendor.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import db
from .fmt import pct
from .match.names import normalise
from .problems import WARNING, ProblemLog
from .profiles import HighRiskVendor, Profile
from .settings import Settings, Thresholds

#: band -> severity (worst first when sorted descending)
SEVERITY = {"high": 4, "elevated": 3, "low": 2, "unknown": 1, "none": 0}
OUT_TABLES = ["out_vendor__supply", "out_vendor__assets", "out_vendor__country_figures", "out_vendor__coverage"]
ENTITY_COLS = ["vendor_id", "vendor_name", "entity_id", "matched_by", "seat_country_code", "ultimate_controller",
               "controlling_country_code", "controlling_country_basis", "risk_group_id", "is_high_risk",
               "high_risk_id", "high_risk_label", "high_risk_sources", "high_risk_cited", "source_url", "source_date", "needs_review"]
ROW_COLS = ["supply_id", "band", "band_max", "band_reason", "high_risk_vendor_ids", "vendor_names",
            "vendor_country_codes", "is_superseded"]


def resolve_vendors(vendors: list[dict], entities: list[dict], profile: Profile) -> list[dict]:
    """Vendors with their entity (exact normalised name, one entity only) and controlling country.

    Examples
    --------
    >>> from infrarisk.profiles import load_profile
    >>> v = [dict(vendor_id="zte", vendor_name="ZTE", seat_country_code="CN", controller_country_code=None,
    ...           ultimate_controller=None, source_url="u", source_date=None, needs_review=False),
    ...      dict(vendor_id="acme", vendor_name="Acme Cranes Oy", seat_country_code="FI", controller_country_code=None,
    ...           ultimate_controller=None, source_url="u", source_date=None, needs_review=False)]
    >>> e = [dict(entity_id="acme-oyj", entity_name="ACME CRANES OYJ", controlling_country_code="SE",
    ...           controlling_country_basis="controller")]
    >>> [(r["vendor_id"], r["entity_id"], r["controlling_country_code"], r["is_high_risk"])
    ...  for r in resolve_vendors(v, e, load_profile("default"))]
    [('zte', None, 'CN', True), ('acme', 'acme-oyj', 'SE', False)]
    """
    by_key: dict[str, list[dict]] = {}
    for e in entities:
        for name in {e["entity_name"], e.get("lei_legal_name")} - {None, ""}:
            k = normalise(name)
            if k and e not in by_key.setdefault(k, []):
                by_key[k].append(e)
    out = []
    for v in vendors:
        hits = by_key.get(normalise(v["vendor_name"]), [])
        ent = hits[0] if len(hits) == 1 else None
        if ent is not None and ent.get("controlling_country_code"):
            country = ent["controlling_country_code"]
            basis = f"the entity {ent['entity_id']} ({ent.get('controlling_country_basis') or 'resolved'})"
        elif v["controller_country_code"]:
            country, basis = v["controller_country_code"], f"controller as vendors.csv states it ({v['ultimate_controller']})"
        elif v["seat_country_code"]:
            country, basis = v["seat_country_code"], "seat as vendors.csv states it (no controller stated)"
        else:
            country, basis = None, "unknown: neither seat nor controller stated on a page"
        group = profile.group_of(country) if country else None
        hr: HighRiskVendor | None = profile.high_risk_vendor(v["vendor_id"])
        out.append({
            "vendor_id": v["vendor_id"], "vendor_name": v["vendor_name"], "entity_id": ent["entity_id"] if ent else None,
            "matched_by": ("normalised name" if ent else ("ambiguous name" if hits else None)),
            "seat_country_code": v["seat_country_code"], "ultimate_controller": v["ultimate_controller"],
            "controlling_country_code": country, "controlling_country_basis": basis,
            "risk_group_id": group.id if group else None, "is_high_risk": hr is not None,
            "high_risk_id": hr.id if hr else None, "high_risk_label": hr.label if hr else None,
            "high_risk_sources": "; ".join(f"{s.publisher}, {s.date}: {s.url}" for s in hr.sources) if hr else None,
            "high_risk_cited": "; ".join(f"{s.publisher}, {s.date}" for s in hr.sources) if hr else None,
            "source_url": v["source_url"], "source_date": v["source_date"], "needs_review": bool(v["needs_review"]),
        })
    return out


def row_band(row: dict, high_risk: list[dict], t: Thresholds) -> tuple[str, str, str]:
    """``(band, band_max, reason)`` of one supply row; ``high_risk`` the row's vendors the profile names.

    Examples
    --------
    >>> t = Thresholds()
    >>> hr = [dict(vendor_name="Huawei", high_risk_cited="European Commission, 2023-06-15")]
    >>> base = dict(status="in_service", is_current=True, share_fraction=None, is_main_vendor=True, deadline=None,
    ...             component_label="5G radio access network", vendor_name="Huawei", share_basis="main vendor",
    ...             source_url="https://p", source_date="2020-08-14", needs_review=False)
    >>> row_band(base, hr, t)[:2]
    ('high', 'high')
    >>> row_band(dict(base, share_fraction=0.4, is_main_vendor=False), hr, t)[:2]
    ('high', 'high')
    >>> row_band(dict(base, share_fraction=0.2, is_main_vendor=False), hr, t)[:2]
    ('elevated', 'elevated')
    >>> row_band(dict(base, is_main_vendor=False), hr, t)[:2]
    ('elevated', 'high')
    >>> row_band(dict(base, status="being_replaced", deadline="2027-12-31"), hr, t)[:2]
    ('elevated', 'elevated')
    >>> row_band(dict(base, status="not_disclosed", is_current=False, vendor_name=None), [], t)[0]
    'unknown'
    >>> row_band(base, [], t)[0]
    'none'
    """
    src = f"(source: {row['source_url']}, {row['source_date']}{'; flagged for review' if row['needs_review'] else ''})"
    comp = row["component_label"]
    if row["status"] == "not_disclosed":
        return "unknown", "unknown", f"The {comp} vendor is not disclosed {src}."
    if not row["is_current"]:
        return "none", "none", f"{row['vendor_name']}'s {comp} was removed {src}."
    if not high_risk:
        return "none", "none", f"{row['vendor_name']} supplies the {comp}; no vendor the risk profile names {src}."
    who = ", ".join(f"{v['vendor_name']} (named high-risk by {v['high_risk_cited']})" for v in high_risk)
    share, basis = row["share_fraction"], row["share_basis"] or "share not published"
    if row["status"] == "being_replaced" and row["deadline"] is not None:
        return "elevated", "elevated", f"{who} supplies the {comp}, being replaced by {row['deadline']} ({basis}) {src}."
    if share is not None and share >= t.sizeable - 1e-9:
        return "high", "high", f"{who} supplies {pct(share)} of the {comp}, at least the {pct(t.sizeable)} sizeable threshold ({basis}) {src}."
    if row["is_main_vendor"]:
        return "high", "high", f"{who} is the main or sole supplier of the {comp} ({basis}) {src}."
    if share is None:
        return "elevated", "high", f"{who} supplies part of the {comp}; the share is not published ({basis}) {src}."
    band = "elevated" if share >= t.screening - 1e-9 else ("low" if share > 0 else "none")
    return band, band, f"{who} supplies {pct(share)} of the {comp} ({basis}) {src}."


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def band_rows(rows: list[dict], vendors: dict[str, dict], t: Thresholds) -> list[dict]:
    """:func:`row_band` for every attached row, and whether a not-disclosed row is superseded
    (another row of the same asset and component names a vendor)."""
    from . import vocab

    labels = {c["code"]: c["label"] for c in vocab.table("supply_components").values()}
    named = {(r["asset_id"] or r["asset_ref"], r["component"]) for r in rows if r["status"] != "not_disclosed"}
    out = []
    for r in rows:
        vs = [vendors[v] for v in (r["vendor_ids"] or []) if v in vendors]
        hr = [v for v in vs if v["is_high_risk"]]
        band, band_max, reason = row_band(dict(r, component_label=labels[r["component"]]), hr, t)
        out.append({"supply_id": r["supply_id"], "band": band, "band_max": band_max, "band_reason": reason,
                    "high_risk_vendor_ids": [v["vendor_id"] for v in hr],
                    "vendor_names": [v["vendor_name"] for v in vs],
                    "vendor_country_codes": sorted({v["controlling_country_code"] for v in vs
                                                    if v["controlling_country_code"]}),
                    "is_superseded": r["status"] == "not_disclosed"
                    and (r["asset_id"] or r["asset_ref"], r["component"]) in named})
    return out


def report_unmatched(con: duckdb.DuckDBPyConnection, log: ProblemLog) -> int:
    """One warning per supply row that attaches to no asset (kept, counted); returns their number."""
    rows = con.execute("""SELECT origin_row, asset_ref, unmatched_reason FROM core_vendor__supply
                          WHERE asset_id IS NULL ORDER BY origin_row""").fetchall()
    for row, ref, reason in rows:
        log.add("supply/supply.csv", int(row), "asset_or_network", "asset_unmatched", WARNING,
                f"{reason}; row kept without an asset (counted in out_vendor__coverage)", ref)
    return len(rows)


def run(con: duckdb.DuckDBPyConnection, profile: Profile, settings: Settings, log: ProblemLog) -> None:
    """Write the vendor dimension's tables (module docstring) into ``con``."""
    db.run_sql(con, "integrate/core_vendor__networks")
    db.run_sql(con, "integrate/core_vendor__supply")
    report_unmatched(con, log)
    vendors = _records(con, "SELECT * FROM core_supply__vendors ORDER BY vendor_id")
    entities = _records(con, """SELECT e.entity_id, e.entity_name, e.lei_legal_name, o.controlling_country_code,
                                       o.controlling_country_basis
                                FROM core_ownership__entities e LEFT JOIN out_ownership__entities o USING (entity_id)""")
    resolved = resolve_vendors(vendors, entities, profile)
    db.write_frame(con, "core_vendor__entities", _frame(resolved, ENTITY_COLS), order_by=["vendor_id"])
    rows = _records(con, "SELECT * FROM core_vendor__supply ORDER BY supply_id")
    banded = band_rows(rows, {v["vendor_id"]: v for v in resolved}, settings.thresholds)
    db.write_frame(con, "core_vendor__rows", _frame(banded, ROW_COLS), order_by=["supply_id"])
    for table in OUT_TABLES:
        db.run_sql(con, f"out/{table}")


def _frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols)
    if df.empty:  # typed empty columns so the SQL that reads them works on a build without the source
        for c in cols:
            df[c] = df[c].astype("object" if c.endswith(("_ids", "_names", "_codes")) else "string")
    return df


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The coverage counts (``out_vendor__coverage``): metric, numerator, denominator, percent, note."""
    return con.execute("SELECT * FROM out_vendor__coverage ORDER BY metric_order").df()


def report(con: duckdb.DuckDBPyConnection) -> dict:
    """The vendor report of ``infrarisk vendor-report``: coverage, assets per band and kind, country figures.

    Every figure is computed from the tables of the build (:func:`coverage` and
    ``out_vendor__assets``, ``out_vendor__country_figures``).
    """
    cov = coverage(con)
    bands = con.execute("""SELECT asset_kind, band, count(*) AS n FROM out_vendor__assets
                           GROUP BY ALL ORDER BY asset_kind, band""").fetchall()
    figs = con.execute("""SELECT figure_id, country_code, metric, published_pct, published_bound, year, publisher,
                                 computed_pct, n_operators_disclosed, n_operators_cn
                          FROM out_vendor__country_figures ORDER BY figure_id""").df()
    return {"coverage": [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in cov.to_dict("records")],
            "assets_by_band": [{"asset_kind": k, "band": b, "n": n} for k, b, n in bands],
            "country_figures": [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in figs.to_dict("records")]}


def report_lines(rep: dict) -> list[str]:
    """:func:`report` as lines of text.

    Examples
    --------
    >>> rep = {"coverage": [dict(metric="operators with a row", numerator=99, denominator=109, pct=90.8)],
    ...        "assets_by_band": [dict(asset_kind="mobile_network", band="high", n=16)], "country_figures": []}
    >>> print("\\n".join(report_lines(rep)))
    coverage
      operators with a row: 99 of 109 (90.8%)
    assets by "built by" band
      mobile_network high: 16
    country figures (published vs computed from operator rows)
    """
    out = ["coverage"]
    for r in rep["coverage"]:
        of = f" of {r['denominator']} ({r['pct']}%)" if r["denominator"] is not None else ""
        out.append(f"  {r['metric']}: {r['numerator']}{of}")
    out.append('assets by "built by" band')
    out += [f"  {r['asset_kind']} {r['band']}: {r['n']}" for r in rep["assets_by_band"]]
    out.append("country figures (published vs computed from operator rows)")
    for r in rep["country_figures"]:
        pub = f"{'>' if r['published_bound'] == 'lower' else '<' if r['published_bound'] == 'upper' else ''}{r['published_pct']:g}%"
        comp = "n/a" if r["computed_pct"] is None else f"{r['computed_pct']:g}% ({r['n_operators_cn']} of {r['n_operators_disclosed']} operators)"
        out.append(f"  {r['figure_id']} {r['country_code']} {r['metric']} {r['year']}: published {pub} ({r['publisher']}); computed {comp}")
    return out
