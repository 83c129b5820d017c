"""Re-checks of curated rows as dated data: entity and stake additions, and the re-check corrections.

Contract: functions of text rows (:func:`infrarisk.sources._load.read_rows`) and the typed rows
the other checks made; every bad value is recorded in the problem log with file, row and reason
(``ERROR`` rejects the row). Nothing in a target row is overwritten without a trace: a change
ends the old row and adds a new dated row.

- :func:`entity_additions` (``corrections/entity_additions.csv``): holders a re-check found
  that ``entities.csv`` lacks; a country only where the cited page states it.
- :func:`stake_additions` (``corrections/stake_additions.csv``): new stakes in assets of
  ``asset_stakes.csv`` / ``telecom_stakes.csv`` (the asset's other columns are copied from
  its existing rows).
- :func:`apply_rechecks` (``corrections/rechecks.csv``): one row per re-checked curated row,
  naming the target (``target_file``, ``target_key``: a stake, link or transaction id, or the id
  of a row an earlier re-check made) and what the re-check found:

  ``confirmed``        the row stands; the page's date becomes its newest evidence
                       (``new_status`` may lift ``unverified`` to ``current``);
  ``not completed``    the transaction has not closed: the row is (or stays) ``pending`` or
                       ``awarded``, with the newest evidence date;
  ``completed``        a transaction closed (``effective_date``): its row becomes ``current``;
  ``changed``          the old row ends at ``effective_date`` (status ``historical``) and a new row
                       ``<key>-R<n>`` holds the new share, status or holder from that date;
  ``exited``           the old row ends at ``effective_date`` and an exit row ``<key>-X<n>``
                       (0%, status ``exited``) records the exit with its source.

  Without an effective date the page's date stands for it (the change had happened by then).
  Rows a re-check makes carry ``known_date``, the date of the page that states them: a view
  on an earlier date does not count them (nor the end they give the old row).

Every row these functions touch or make carries ``evidence_date`` (the date of the newest
page that states it) and ``evidence_url``; :func:`evidence_table` lists them for the integrate
stage. Bad input: a re-check whose target is no row, a second re-check of the same row (it
contradicts the first: re-check the row the first one made instead), or one without a source
URL and date, is an error naming file and row.
"""

from __future__ import annotations

import pandas as pd

from ... import vocab
from ...problems import ERROR, WARNING
from ...textids import slug
from ...validate import check_country, parse_partial_date, parse_share_pct
from .rows import STATUSES, Ctx, is_url

ENTITY_ADD_COLS = ["entity_name", "entity_type", "hq_country", "jurisdiction", "source_url", "source_date", "note",
                   "reason"]
STAKE_ADD_COLS = ["file", "asset_name", "shareholder_company", "stake_pct", "stake_kind", "as_of", "status",
                  "source_url", "source_title", "source_date", "note", "reason"]
RECHECK_COLS = ["target_file", "target_key", "result", "new_status", "new_share_pct", "new_holder", "effective_date",
                "source_url", "source_title", "source_date", "reason", "research_row"]
RESULTS = ("confirmed", "not completed", "completed", "changed", "exited")
TARGET_FILES = ("asset_stakes.csv", "telecom_stakes.csv", "parent_links.csv", "transactions.csv")
#: columns of the evidence table (one row per curated stake or link a re-check or addition touched)
EVIDENCE_COLS = ["link_id", "evidence_date", "evidence_precision", "evidence_url", "known_date", "end_date",
                 "end_known_date", "recheck_result", "recheck_reason", "recheck_file", "recheck_row"]


def _date(value: str):
    try:
        return parse_partial_date(value)
    except ValueError:
        return None, None


def _title(r: dict) -> str:
    """The title a row made by a re-check shows when its page's title was not recorded."""
    return f"Re-check ({r.get('result') or 'added'}): page of {r['source_date']}"


def entity_additions(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """Add the entities of ``corrections/entity_additions.csv`` to ``ctx.entities``; return them."""
    f = ctx.rel("corrections/entity_additions.csv")
    types = vocab.table("entity_types")
    ids = {e["entity_id"] for e in ctx.entities.values()}
    out = []
    for i, r in enumerate(rows, start=1):
        err = None
        name = r["entity_name"].strip()
        t = types.get(r["entity_type"])
        if not name or name in ctx.entities or slug(name) in ids:
            err = ("entity_name", "duplicate_id", "no name, or an entity of this name exists")
        elif t is None:
            err = ("entity_type", "unknown_code", "entity type not in vocab/entity_types.csv")
        elif not is_url(r["source_url"]) or not r["reason"].strip() or _date(r["source_date"])[0] is None:
            err = ("source_url", "source_required", "an added entity needs a source URL, its date and a reason")
        codes = {}
        for col in ("hq_country", "jurisdiction"):
            try:
                codes[col] = check_country(r[col], ctx.countries)
            except ValueError as e:
                err = err or (col, "country_code", str(e))
        if err:
            ctx.log.add(f, i, err[0], err[1], ERROR, f"{err[2]}; row rejected", r.get(err[0]))
            continue
        row = {"entity_id": slug(name), "entity_name": name, "lei": None, "lei_match": None, "lei_legal_name": None,
               "lei_related": None, "lei_source_url": None, "jurisdiction_code": codes["jurisdiction"],
               "hq_country_code": codes["hq_country"], "entity_type": t["entity_type"],
               "entity_type_raw": r["entity_type"], "state_owned_note": None, "source_url": r["source_url"],
               "note": r["note"] or None, "override_reason": f"added: {r['reason']}", "origin_file": f,
               "origin_row": i}
        ctx.entities[name] = row
        ids.add(row["entity_id"])
        out.append(row)
    ctx.log.count(f, len(rows), len(out))
    return out


def stake_additions(ctx: Ctx, rows: list[dict], frames: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """New stake rows per file (``asset_stakes.csv`` / ``telecom_stakes.csv``) of ``corrections/stake_additions.csv``.

    The asset's other columns (port, country, type, operator) are those of its first row in that file.
    """
    f = ctx.rel("corrections/stake_additions.csv")
    kinds = vocab.table("stake_kinds")
    out: dict[str, list[dict]] = {k: [] for k in frames}
    for i, r in enumerate(rows, start=1):
        err = None
        df = frames.get(r["file"])
        like = df[df["asset_name"] == r["asset_name"]] if df is not None else None
        owner = ctx.entities.get(r["shareholder_company"])
        kind = kinds.get(r["stake_kind"])
        as_of, prec = _date(r["as_of"])
        src_date, src_prec = _date(r["source_date"])
        try:
            share = parse_share_pct(r["stake_pct"])
        except ValueError as e:
            err, share = ("stake_pct", "share_range", str(e)), None
        if like is None or like.empty:
            err = ("asset_name", "unknown_asset", f"no asset of this name in {r['file']}")
        elif owner is None:
            err = ("shareholder_company", "unknown_entity", "shareholder matches no entity")
        elif kind is None:
            err = ("stake_kind", "unknown_code", "stake kind not in vocab/stake_kinds.csv")
        elif r["status"] not in STATUSES:
            err = ("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}")
        elif not is_url(r["source_url"]) or src_date is None or not r["reason"].strip():
            err = ("source_url", "source_required", "an added stake needs a source URL, its date and a reason")
        elif as_of is None:
            err = ("as_of", "date", "an added stake needs the date from which it holds")
        if err:
            ctx.log.add(f, i, err[0], err[1], ERROR, f"{err[2]}; row rejected", r.get(err[0]))
            continue
        base = like.iloc[0].to_dict()
        out[r["file"]].append({
            **base, "stake_id": f"SA-{i}", "owner_entity_id": owner["entity_id"], "share_fraction": share,
            "interest_type": kind["interest_type"], "is_control_kind": kind["is_control"] == "true",
            "status": r["status"], "as_of_date": as_of, "as_of_precision": prec, "source_url": r["source_url"],
            "source_title": r["source_title"] or _title(r), "note": r["note"] or None,
            "origin_file": f, "origin_row": i,
            "evidence_date": src_date, "evidence_precision": src_prec, "evidence_url": r["source_url"],
            "known_date": src_date, "recheck_result": "added", "recheck_reason": r["reason"],
            "recheck_file": f, "recheck_row": i})
    ctx.log.count(f, len(rows), sum(len(v) for v in out.values()))
    return out


def _check(ctx: Ctx, r: dict, targets: dict[str, tuple[str, dict]], seen: dict[str, int]):
    """The error of one re-check row, or None."""
    key = r["target_key"]
    if r["target_file"] not in TARGET_FILES:
        return ("target_file", "unknown_code", f"target_file must be one of {', '.join(TARGET_FILES)}")
    if key not in targets or targets[key][0] != r["target_file"]:
        return ("target_key", "unknown_target", f"no row {key!r} in {r['target_file']}")
    if key in seen:
        return ("target_key", "contradicts", f"row {seen[key]} already re-checks {key}: re-check the row it made")
    if r["result"] not in RESULTS:
        return ("result", "unknown_code", f"result must be one of {', '.join(RESULTS)}")
    if not is_url(r["source_url"]) or _date(r["source_date"])[0] is None:
        return ("source_url", "source_required", "a re-check needs a source URL and the page's date")
    if not r["reason"].strip():
        return ("reason", "reason_required", "a correction row needs a reason")
    if r["new_status"] and r["new_status"] not in STATUSES:
        return ("new_status", "unknown_code", f"status must be one of {', '.join(STATUSES)}")
    if r["new_holder"] and r["new_holder"] not in ctx.entities:
        return ("new_holder", "unknown_entity", "new holder matches no entity")
    if r["effective_date"] and _date(r["effective_date"])[0] is None:
        return ("effective_date", "date", "date must be YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        parse_share_pct(r["new_share_pct"])
    except ValueError as e:
        return ("new_share_pct", "share_range", str(e))
    return None


def apply_rechecks(ctx: Ctx, rows: list[dict], stakes: dict[str, list[dict]], links: list[dict],
                   transactions: list[dict]) -> int:
    """Apply ``corrections/rechecks.csv`` in file order to the typed rows (in place); return rows applied.

    ``stakes`` maps ``asset_stakes.csv`` / ``telecom_stakes.csv`` to their typed rows, ``links``
    are the parent links (``parent_links.csv`` and the link additions), ``transactions`` the
    text rows of ``transactions.csv``. New rows are appended to the list of their target.
    """
    f = ctx.rel("corrections/rechecks.csv")
    targets: dict[str, tuple[str, dict, list]] = {}
    for file, rs in stakes.items():
        targets.update({s["stake_id"]: (file, s, rs) for s in rs})
    targets.update({lk["link_id"]: ("parent_links.csv", lk, links) for lk in links})
    targets.update({t["transaction_id"]: ("transactions.csv", t, transactions) for t in transactions})
    seen: dict[str, int] = {}
    applied = 0
    for i, r in enumerate(rows, start=1):
        err = _check(ctx, r, targets, seen)
        if err:
            ctx.log.add(f, i, err[0], err[1], ERROR, f"{err[2]}; row rejected", r.get(err[0]))
            continue
        seen[r["target_key"]] = i
        file, row, bucket = targets[r["target_key"]]
        src_date, src_prec = _date(r["source_date"])
        eff, eff_prec = _date(r["effective_date"])
        if eff is not None and eff > src_date:
            ctx.log.add(f, i, "effective_date", "date_order", WARNING,
                        "effective date after the page's date: a planned date, kept", r["effective_date"])
        trace = {"evidence_url": r["source_url"], "recheck_result": r["result"], "recheck_reason": r["reason"],
                 "recheck_file": f, "recheck_row": i}
        applied += 1
        if file == "transactions.csv":
            row.update(trace, evidence_date=r["source_date"], status_rechecked=r["new_status"] or None,
                       effective_date=r["effective_date"] or None)
            continue
        if r["result"] in ("confirmed", "not completed", "completed"):
            new_status = r["new_status"] or ("pending" if r["result"] == "not completed" and row["status"] == "current"
                                             else "current" if r["result"] == "completed" else row["status"])
            newer = row.get("evidence_date") is None or src_date >= row["evidence_date"]
            row.update(trace, status=new_status)
            if newer and (pd.isna(row["as_of_date"]) or src_date >= pd.Timestamp(row["as_of_date"]).date()):
                row.update(evidence_date=src_date, evidence_precision=src_prec)
            continue
        # changed / exited: the old row ends where the new one starts, both keep their sources
        start, start_prec = (eff, eff_prec) if eff is not None else (src_date, src_prec)
        row.update(status="historical" if row["status"] != "exited" else "exited", end_date=start,
                   end_known_date=src_date, **trace)
        new = {**row, **trace, "evidence_date": src_date, "evidence_precision": src_prec, "known_date": src_date,
               "end_date": None, "end_known_date": None, "as_of_date": start, "as_of_precision": start_prec,
               "source_url": r["source_url"], "source_title": r["source_title"] or _title(r),
               "note": f"{r['result']} on re-check: {r['reason']}", "origin_file": f, "origin_row": i}
        id_col = "stake_id" if file != "parent_links.csv" else "link_id"
        if r["result"] == "exited":
            new.update({id_col: f"{r['target_key']}-X{i}", "share_fraction": 0.0, "status": "exited"})
        else:
            share = parse_share_pct(r["new_share_pct"])
            new.update({id_col: f"{r['target_key']}-R{i}", "share_fraction": share,
                        "status": r["new_status"] or "current"})
            if r["new_holder"]:
                new["owner_entity_id"] = ctx.entities[r["new_holder"]]["entity_id"]
        bucket.append(new)
        targets[new[id_col]] = (file, new, bucket)
    ctx.log.count(f, len(rows), applied)
    return applied


def evidence_table(stakes: list[dict], links: list[dict]) -> pd.DataFrame:
    """``core_curated__evidence``: the newest evidence, ends and re-check of every stake and link a
    re-check or an addition touched (other rows: their ``as_of`` is their evidence)."""
    out = []
    for r in [*stakes, *links]:
        if r.get("recheck_result") is None and r.get("evidence_date") is None:
            continue
        out.append({"link_id": r.get("stake_id") or r.get("link_id"), **{c: r.get(c) for c in EVIDENCE_COLS[1:]}})
    df = pd.DataFrame(out, columns=EVIDENCE_COLS)
    for c in ("evidence_date", "known_date", "end_date", "end_known_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    df["recheck_row"] = df["recheck_row"].astype("Int64")
    return df
