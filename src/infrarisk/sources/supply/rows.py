"""Row checks of the supply source: one worksheet row in, a typed row or the reasons it is bad out.

Contract: pure functions, no database. Each ``check_*`` returns ``(row, errors)`` where ``errors``
is a list of ``(column, check, reason)``; :mod:`.load` turns the errors into problems naming the
file and row, and counts them. Vocabularies: ``vocab/supply_asset_kinds.csv``,
``vocab/supply_components.csv``, ``vocab/supply_statuses.csv``.
"""

from __future__ import annotations

import re

from ... import vocab
from ...validate import parse_partial_date, parse_share_pct

Errors = list[tuple[str, str, str]]
#: a share basis that says the vendor is the main, sole or exclusive one
_MAIN = re.compile(r"\b(main|sole|exclusive(ly)?|only|überwiegend|all[- ]\w+)\b", re.IGNORECASE)
_BOUND = re.compile(r"^\s*([<>])\s*(\d+(?:\.\d+)?)\s*$")


def is_url(s: str) -> bool:
    return s.strip().startswith(("http://", "https://"))


def is_main_vendor(share_basis: str) -> bool:
    """Whether the published basis calls the vendor the main, sole or exclusive one.

    Examples
    --------
    >>> is_main_vendor("main vendor (one of two)"), is_main_vendor("relied exclusively on Huawei")
    (True, True)
    >>> is_main_vendor("2 cranes (a count, not a share)")
    False
    """
    return bool(_MAIN.search(share_basis or ""))


def _source(r: dict, errs: Errors) -> tuple:
    when, prec = None, None
    try:
        when, prec = parse_partial_date(r["source_date"])
    except ValueError as e:
        errs.append(("source_date", "date", str(e)))
    if not is_url(r["source_url"]) or when is None:
        errs.append(("source_url", "source_required", "a row needs the URL of a page stating it and that page's date"))
    return when, prec


def _date(r: dict, col: str, errs: Errors) -> tuple:
    try:
        return parse_partial_date(r[col])
    except ValueError as e:
        errs.append((col, "date", str(e)))
        return None, None


def _countries(text: str, known: set[str], errs: Errors) -> list[str]:
    out = []
    for c in (x.strip().upper() for x in (text or "").split(";")):
        if not c:
            continue
        if c not in known:
            errs.append(("country", "country_code", f"{c!r} is not a known ISO 3166-1 alpha-2 country code"))
        out.append(c)
    if not out:
        errs.append(("country", "required", "a supply row needs the country of its asset"))
    return out


def check_supply(r: dict, known: set[str], vendor_ids: dict[str, list[str]], operators: set[str]) -> tuple[dict | None, Errors]:
    """One row of ``supply.csv`` typed, or the reasons it is rejected.

    ``vendor_ids`` maps a vendor name as written (and every vendor id) to vendor ids;
    ``operators`` is the set of operator ids a ``mobile_network`` row may name.

    Examples
    --------
    >>> row = dict(supply_id="S1", asset_or_network="a1-at", asset_kind="mobile_network", country="AT",
    ...            component="ran_5g", vendor_name="Huawei", share_pct="60", share_basis="", start_date="2019",
    ...            end_date="", status="in_service", deadline="", source_url="https://x.example/",
    ...            source_date="2020-01-02", note="", needs_review="false", unlocode="")
    >>> ok, errs = check_supply(row, {"AT"}, {"Huawei": ["huawei"]}, {"a1-at"})
    >>> ok["vendor_ids"], ok["share_fraction"], errs
    (['huawei'], 0.6, [])
    >>> check_supply(dict(row, share_pct="140", end_date="2018"), {"AT"}, {"Huawei": ["huawei"]}, {"a1-at"})[1]
    [('share_pct', 'share_range', 'stake outside 0-100%'), ('end_date', 'end_before_start', 'the removal (end) date 2018 is before the start date 2019')]
    >>> check_supply(dict(row, vendor_name="Acme", asset_or_network="b2-at"), {"AT"}, {}, {"a1-at"})[1]
    [('asset_or_network', 'asset_unknown', "operator 'b2-at' is not in operators.csv"), ('vendor_name', 'vendor_unknown', "vendor 'Acme' is in neither vendors.csv, vendors_added.csv nor vendor_names.csv")]
    """
    errs: Errors = []
    kinds, comps, stats = vocab.table("supply_asset_kinds"), vocab.table("supply_components"), vocab.table("supply_statuses")
    ref = r["asset_or_network"].strip()
    if not r["supply_id"].strip() or not ref:
        errs.append(("asset_or_network", "required", "a supply row needs its id and the asset or network it names"))
    kind = r["asset_kind"].strip()
    if kind not in kinds:
        errs.append(("asset_kind", "unknown_code", f"asset kind must be one of {', '.join(kinds)}"))
    elif kind == "mobile_network" and ref and ref not in operators:
        errs.append(("asset_or_network", "asset_unknown", f"operator {ref!r} is not in operators.csv"))
    comp = r["component"].strip()
    if comp not in comps:
        errs.append(("component", "unknown_code", f"component must be one of {', '.join(comps)}"))
    status = r["status"].strip()
    if status not in stats:
        errs.append(("status", "unknown_code", f"status must be one of {', '.join(stats)}"))
    countries = _countries(r["country"], known, errs)
    share = None
    try:
        share = parse_share_pct(r["share_pct"])
    except ValueError as e:
        errs.append(("share_pct", "share_range", str(e)))
    start, start_p = _date(r, "start_date", errs)
    end, end_p = _date(r, "end_date", errs)
    deadline, deadline_p = _date(r, "deadline", errs)
    if start and end and end < start:
        errs.append(("end_date", "end_before_start",
                     f"the removal (end) date {r['end_date'].strip()} is before the start date {r['start_date'].strip()}"))
    name = r["vendor_name"].strip()
    ids: list[str] = []
    if name:
        ids = vendor_ids.get(name, [])
        if not ids:
            errs.append(("vendor_name", "vendor_unknown",
                         f"vendor {name!r} is in neither vendors.csv, vendors_added.csv nor vendor_names.csv"))
    elif status != "not_disclosed":
        errs.append(("vendor_name", "required", "only a not_disclosed row may leave the vendor blank"))
    when, prec = _source(r, errs)
    if errs:
        return None, errs
    return {"supply_id": r["supply_id"].strip(), "asset_ref": ref, "asset_kind": kind, "country_code": countries[0],
            "country_codes": countries, "unlocode": r.get("unlocode", "").strip() or None, "component": comps[comp]["code"],
            "vendor_name": name or None, "vendor_ids": ids, "share_fraction": share,
            "share_basis": r["share_basis"].strip() or None, "is_main_vendor": is_main_vendor(r["share_basis"]),
            "start_date": start, "start_precision": start_p, "end_date": end, "end_precision": end_p,
            "status": stats[status]["code"], "is_current": stats[status]["is_current"] == "true",
            "deadline": deadline, "deadline_precision": deadline_p, "source_url": r["source_url"].strip(),
            "source_date": when, "source_date_precision": prec, "note": r["note"].strip() or None,
            "needs_review": r.get("needs_review", "").strip() == "true"}, []


def shares_over_100(rows: list[dict]) -> list[list[int]]:
    """Groups (indexes into ``rows``) of current rows of one asset and component whose published
    shares sum over 100%.

    Two readings of the same vendor (two pages, or one page years apart) are alternatives, not
    parts: the sum is over distinct vendors, each at its smallest reading, so a group is reported
    only where even the most lenient reading exceeds 100%.

    Examples
    --------
    >>> rs = [dict(asset_kind="m", asset_ref="a", component="ran", is_current=True, share_fraction=0.6, vendor_ids=["x"]),
    ...       dict(asset_kind="m", asset_ref="a", component="ran", is_current=True, share_fraction=0.5, vendor_ids=["y"]),
    ...       dict(asset_kind="m", asset_ref="a", component="ran_5g", is_current=True, share_fraction=0.5, vendor_ids=["y"])]
    >>> shares_over_100(rs)
    [[0, 1]]
    >>> shares_over_100([dict(rs[0], vendor_ids=["y"]), rs[1]])  # two readings of one vendor
    []
    """
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(rows):
        if r["is_current"] and r["share_fraction"] is not None:
            groups.setdefault((r["asset_kind"], r["asset_ref"], r["component"]), []).append(i)
    out = []
    for ix in groups.values():
        least: dict[tuple, float] = {}
        for i in ix:
            key = tuple(rows[i]["vendor_ids"])
            least[key] = min(least.get(key, 1.0), rows[i]["share_fraction"])
        if sum(least.values()) > 1.0 + 1e-9:
            out.append(ix)
    return out


def check_vendor(r: dict, known: set[str]) -> tuple[dict | None, Errors]:
    """One row of ``vendors.csv`` / ``vendors_added.csv`` typed, or the reasons it is rejected.

    Examples
    --------
    >>> row = dict(vendor_id="zte", vendor_name="ZTE", seat_country="CN", ultimate_controller="", controller_country="",
    ...            source_url="https://x.example/", source_date="2026-12-05", note="", needs_review="false")
    >>> check_vendor(row, {"CN"})[0]["seat_country_code"]
    'CN'
    >>> check_vendor(dict(row, seat_country="XX", source_url=""), {"CN"})[1]
    [('seat_country', 'country_code', 'not a known ISO 3166-1 alpha-2 country code'), ('source_url', 'source_required', "a row needs the URL of a page stating it and that page's date")]
    """
    errs: Errors = []
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", r["vendor_id"].strip()):
        errs.append(("vendor_id", "id_syntax", "a vendor id is a lower-case slug"))
    if not r["vendor_name"].strip():
        errs.append(("vendor_name", "required", "vendor has no name"))
    cc = {}
    for col in ("seat_country", "controller_country"):
        c = r[col].strip().upper()
        if c and c not in known:
            errs.append((col, "country_code", "not a known ISO 3166-1 alpha-2 country code"))
        cc[col] = c or None
    when, prec = _source(r, errs)
    if errs:
        return None, errs
    return {"vendor_id": r["vendor_id"].strip(), "vendor_name": r["vendor_name"].strip(),
            "seat_country_code": cc["seat_country"], "ultimate_controller": r["ultimate_controller"].strip() or None,
            "controller_country_code": cc["controller_country"], "source_url": r["source_url"].strip(),
            "source_date": when, "source_date_precision": prec, "note": r["note"].strip() or None,
            "needs_review": r.get("needs_review", "").strip() == "true"}, []


def parse_figure(text: str) -> tuple[float | None, str | None]:
    """A published figure ``59``, ``>50`` or ``<10`` as (value in percent, bound) — bound None for a point.

    Examples
    --------
    >>> parse_figure("59"), parse_figure(">50")
    ((59.0, None), (50.0, 'lower'))
    """
    m = _BOUND.match(text or "")
    if m:
        v = float(m.group(2))
        if not 0 <= v <= 100:
            raise ValueError("figure outside 0-100%")
        return v, "lower" if m.group(1) == ">" else "upper"
    s = parse_share_pct(text)
    return (None if s is None else round(s * 100, 6)), None
