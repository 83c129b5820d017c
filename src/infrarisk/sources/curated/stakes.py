"""Row checks of the curated stakes, parent links and hand-written corrections.

Contract: :func:`stakes` checks ``asset_stakes.csv`` / ``telecom_stakes.csv`` (holders must be
curated entities), :func:`parent_links` ``parent_links.csv`` and
``corrections/link_additions.csv``, :func:`control_statements` and :func:`stake_ranges` the
corrections of the same names; each returns typed rows and records every bad value in the
problem log (``ERROR`` rejects the row, ``WARNING`` keeps it).
"""

from __future__ import annotations

import pandas as pd

from ... import vocab
from ...problems import ERROR, WARNING
from ...validate import check_country, check_unlocode, parse_share_pct
from .._load import frame, read_rows
from .rows import STATUSES, T_STAKE, Ctx, date_or_reject, is_url, or_error, or_warn


# --------------------------------------------------------------------------- stakes
STAKE_COLS = ["stake_id", "source_row", "asset_name", "port_name", "unlocode", "country", "asset_type",
              "operator_company", "shareholder_company", "stake_pct", "stake_kind", "as_of", "source_url",
              "source_title", "status", "note"]


def stakes(ctx: Ctx, file: str) -> pd.DataFrame:
    rows = read_rows(ctx.folder / file, STAKE_COLS)
    f = ctx.rel(file)
    atypes, kinds = vocab.table("asset_types"), vocab.table("stake_kinds")
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        errs = []
        if r["stake_id"] in seen:
            errs.append(("stake_id", "duplicate_id", "duplicate stake id", r["stake_id"]))
        if not r["asset_name"].strip():
            errs.append(("asset_name", "required", "no asset name", ""))
        owner = ctx.entities.get(r["shareholder_company"])
        if owner is None:
            errs.append(("shareholder_company", "unknown_entity", "shareholder matches no entity in entities.csv",
                         r["shareholder_company"]))
        share = or_error(errs, "stake_pct", "share_range", parse_share_pct, r["stake_pct"])
        kind = kinds.get(r["stake_kind"])
        if kind is None:
            errs.append(("stake_kind", "unknown_code", "stake kind not in vocab/stake_kinds.csv", r["stake_kind"]))
        at = atypes.get(r["asset_type"])
        if at is None and file == "asset_stakes.csv":
            errs.append(("asset_type", "unknown_code", "asset type not in vocab/asset_types.csv", r["asset_type"]))
        if r["status"] not in STATUSES:
            errs.append(("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}", r["status"]))
        if not is_url(r["source_url"]):
            errs.append(("source_url", "source_required", "a stake without a source URL does not exist",
                         r["source_url"]))
        try:
            country = check_country(r["country"], ctx.countries)
            if country is None:
                raise ValueError("asset country is required")
        except ValueError as e:
            errs.append(("country", "country_code", str(e), r["country"]))
            country = None
        for col, check, reason, value in errs:
            ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        ok, as_of, prec = date_or_reject(ctx, f, i, "as_of", r["as_of"], required=True)
        if not ok:
            continue
        unlocode = or_warn(ctx, f, i, "unlocode", "unlocode", check_unlocode, r["unlocode"], "code ignored")
        if unlocode and unlocode[:2] != country:
            ctx.log.add(f, i, "unlocode", "unlocode_country", WARNING,
                        f"UN/LOCODE prefix differs from the asset country {country}", unlocode)
        if share == 0 and r["status"] not in ("exited", "historical"):
            ctx.log.add(f, i, "stake_pct", "status_share", WARNING,
                        f"a 0% stake with status {r['status']!r}: read as no current holding", r["stake_pct"])
        if share and r["status"] == "exited":
            ctx.log.add(f, i, "stake_pct", "status_share", WARNING,
                        "an exited stake with a share above 0%: the share is the one held before the exit",
                        r["stake_pct"])
        seen.add(r["stake_id"])
        out.append({
            "stake_id": r["stake_id"], "asset_name": r["asset_name"], "port_name": r["port_name"] or None,
            "unlocode": unlocode, "country_code": country,
            "asset_type": at["asset_type"] if at else None, "asset_class": at["asset_class"] if at else None,
            "asset_type_raw": r["asset_type"], "operator_name": r["operator_company"] or None,
            "owner_entity_id": owner["entity_id"], "share_fraction": share,
            "interest_type": kind["interest_type"], "is_control_kind": kind["is_control"] == "true",
            "status": r["status"], "as_of_date": as_of, "as_of_precision": prec,
            "source_url": r["source_url"], "source_title": r["source_title"] or None, "note": r["note"] or None,
            "origin_file": f, "origin_row": i,
        })
    ctx.log.count(f, len(rows), len(out))
    return frame(out, T_STAKE)


# --------------------------------------------------------------------------- parent links
LINK_COLS = ["link_id", "source_row", "child", "parent", "stake_pct", "relationship", "as_of", "source_url",
             "source_title", "status", "note"]
ADDITION_COLS = ["child", "parent", "stake_pct", "relationship", "as_of", "status", "source_url", "source_title",
                 "note", "reason"]


def parent_links(ctx: Ctx, rows: list[dict], f: str, seen: set[str]) -> list[dict]:
    rels = vocab.table("relationships")
    out = []
    for i, r in enumerate(rows, start=1):
        errs = []
        child, parent = ctx.entities.get(r["child"]), ctx.entities.get(r["parent"])
        if child is None:
            errs.append(("child", "unknown_entity", "child matches no entity in entities.csv", r["child"]))
        if parent is None:
            errs.append(("parent", "unknown_entity", "parent matches no entity in entities.csv", r["parent"]))
        if child is not None and child is parent:
            errs.append(("parent", "self_link", "an entity cannot own itself", r["parent"]))
        share = or_error(errs, "stake_pct", "share_range", parse_share_pct, r["stake_pct"])
        rel = rels.get(r["relationship"])
        if rel is None:
            errs.append(("relationship", "unknown_code", "relationship not in vocab/relationships.csv",
                         r["relationship"]))
        if r["status"] not in STATUSES:
            errs.append(("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}", r["status"]))
        if not is_url(r["source_url"]):
            errs.append(("source_url", "source_required", "a link without a source URL does not exist",
                         r["source_url"]))
        if "reason" in r and not r["reason"].strip():
            errs.append(("reason", "reason_required", "a correction row needs a reason", ""))
        link_id = r.get("link_id") or f"LA-{i}"
        if link_id in seen:
            errs.append(("link_id", "duplicate_id", "duplicate link id", link_id))
        for col, check, reason, value in errs:
            ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
        if errs:
            continue
        ok, as_of, prec = date_or_reject(ctx, f, i, "as_of", r["as_of"], required=True)
        if not ok:
            continue
        seen.add(link_id)
        out.append({
            "link_id": link_id, "subject_entity_id": child["entity_id"], "owner_entity_id": parent["entity_id"],
            "share_fraction": share, "relationship": r["relationship"], "interest_type": rel["interest_type"],
            "is_control_kind": rel["is_control"] == "true", "status": r["status"],
            "as_of_date": as_of, "as_of_precision": prec, "source_url": r["source_url"],
            "source_title": r["source_title"] or None, "note": r["note"] or None,
            "correction_reason": r.get("reason") or None, "origin_file": f, "origin_row": i,
        })
    ctx.log.count(f, len(rows), len(out))
    return out


# --------------------------------------------------------------------------- control statements, ranges
CONTROL_COLS = ["subject_kind", "subject_name", "controller_name", "source_url", "quote", "reason"]
RANGE_COLS = ["subject_kind", "subject_name", "owner_name", "share_min_pct", "share_max_pct", "source_url", "reason"]


def _link_key_exists(kind: str, subject: str, owner_id: str, stakes: pd.DataFrame, links: list[dict],
                     ctx: Ctx) -> bool:
    if kind == "asset":
        return bool(((stakes["asset_name"] == subject) & (stakes["owner_entity_id"] == owner_id)).any())
    ent = ctx.entities.get(subject)
    return ent is not None and any(
        lk["subject_entity_id"] == ent["entity_id"] and lk["owner_entity_id"] == owner_id for lk in links)


def control_statements(ctx: Ctx, stakes: pd.DataFrame, links: list[dict]) -> pd.DataFrame:
    file = "corrections/control_statements.csv"
    f = ctx.rel(file)
    rows = read_rows(ctx.folder / file, CONTROL_COLS)
    out = []
    for i, r in enumerate(rows, start=1):
        ctrl = ctx.entities.get(r["controller_name"])
        reason = None
        if r["subject_kind"] not in ("asset", "entity"):
            reason = ("subject_kind", "unknown_code", "subject_kind must be asset or entity")
        elif ctrl is None:
            reason = ("controller_name", "unknown_entity", "controller matches no entity")
        elif not _link_key_exists(r["subject_kind"], r["subject_name"], ctrl["entity_id"], stakes, links, ctx):
            reason = ("subject_name", "unknown_link", "no stake or link of this controller in this subject")
        elif not is_url(r["source_url"]) or not r["reason"].strip():
            reason = ("source_url", "source_required", "a control statement needs a source URL and a reason")
        if reason:
            ctx.log.add(f, i, reason[0], reason[1], ERROR, f"{reason[2]}; row rejected", r.get(reason[0]))
            continue
        subj_id = r["subject_name"] if r["subject_kind"] == "asset" else ctx.entities[r["subject_name"]]["entity_id"]
        out.append({"subject_kind": r["subject_kind"], "subject_key": subj_id, "controller_entity_id": ctrl["entity_id"],
                    "source_url": r["source_url"], "quote": r["quote"] or None, "reason": r["reason"],
                    "origin_file": f, "origin_row": i})
    ctx.log.count(f, len(rows), len(out))
    return pd.DataFrame(out, columns=["subject_kind", "subject_key", "controller_entity_id", "source_url", "quote",
                                      "reason", "origin_file", "origin_row"])


def stake_ranges(ctx: Ctx, stakes: pd.DataFrame, links: list[dict]) -> pd.DataFrame:
    """Stake ranges for holdings the sources bound without a figure ("majority shareholder")."""
    file = "corrections/stake_ranges.csv"
    f = ctx.rel(file)
    rows = read_rows(ctx.folder / file, RANGE_COLS)
    out = []
    for i, r in enumerate(rows, start=1):
        owner = ctx.entities.get(r["owner_name"])
        try:
            lo, hi = parse_share_pct(r["share_min_pct"]), parse_share_pct(r["share_max_pct"])
            if lo is None or hi is None or lo > hi:
                raise ValueError("need share_min_pct <= share_max_pct, both within 0-100")
        except ValueError as e:
            ctx.log.add(f, i, "share_min_pct", "share_range", ERROR, f"{e}; row rejected",
                        f"{r['share_min_pct']}-{r['share_max_pct']}")
            continue
        if r["subject_kind"] != "asset" or owner is None or not is_url(r["source_url"]) or not r["reason"]:
            ctx.log.add(f, i, "subject_name", "unknown_link", ERROR,
                        "needs subject_kind=asset, a known owner, a source URL and a reason; row rejected")
            continue
        mask = (stakes["asset_name"] == r["subject_name"]) & (stakes["owner_entity_id"] == owner["entity_id"]) \
            & stakes["share_fraction"].isna()
        if not mask.any():
            ctx.log.add(f, i, "subject_name", "unknown_link", ERROR,
                        "no stake without a figure for this owner and asset; row rejected", r["subject_name"])
            continue
        out.append({"asset_name": r["subject_name"], "owner_entity_id": owner["entity_id"], "range_min": lo,
                    "range_max": hi, "range_source_url": r["source_url"], "range_reason": r["reason"]})
    ctx.log.count(f, len(rows), len(out))
    cols = ["asset_name", "owner_entity_id", "range_min", "range_max", "range_source_url", "range_reason"]
    return pd.DataFrame(out, columns=cols)


