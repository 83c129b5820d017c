"""Row checks of the census files: typed rows out, every bad value in the problem log.

Contract: :func:`ports`, :func:`terminals`, :func:`stakes`, :func:`holders` and
:func:`published` each take the rows of one ``datasets/census/`` file and return the rows that
pass, typed; an ``ERROR`` rejects the row (file, row, column, reason), a ``WARNING`` keeps it.
Checks: UN/LOCODE syntax, stakes within 0-100%, stake kinds (vocabulary, plus the census's
``operator/owner`` and ``control``; a stake "in" an intermediate company is rejected), statuses
(a remark in parentheses is kept apart), coordinates in range, known country codes,
dates, a source URL on every fact, duplicate terminals (same id, or same UN/LOCODE and SMDG
code), stakes naming no census terminal, and the current shares of one terminal adding up to more
than 100% (every current equity row of that terminal is rejected: the worksheets disagree and
no row can be preferred without a re-check). A terminal row that says "exclude from banding"
(closed, never awarded) keeps that note in ``excluded_reason``: it becomes no asset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ... import vocab
from ...problems import ERROR, WARNING, ProblemLog
from ...validate import check_country, check_lat_lon, check_unlocode, parse_partial_date, parse_share_pct

#: ``withdrawn``: a later worksheet's row saying an earlier row was a mistake (not a stake at all): kept
#: with its source in ``core_census__stakes``, it makes no link
STATUSES = ("current", "pending", "awarded", "exited", "historical", "unverified", "withdrawn")
#: "50 + 1 share" / "50 - 1 share": read as 50%, the text kept
_ONE_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([+-])\s*1\s+share\s*$")
#: a stake row that states who holds the terminal with no foreign stake (not "on this half")
_NO_FOREIGN = re.compile(r"^\s*no foreign stake(?!\s+on this)", re.I)
_CITED = re.compile(r"\bS-[0-9a-f]{10}\b")
#: a terminal row that says the terminal is not operating (closed, never awarded): no asset, no band
_EXCLUDED = re.compile(r"exclude from banding", re.I)
#: stake kinds the census writes beyond vocab/stake_kinds.csv: (interest type, control stated) and why
EXTRA_KINDS = {
    "operator/owner": ("shareholding", False, "named as operator and owner: a holding of undisclosed share"),
    "control": ("shareholding", True, "the page states the holder controls the terminal (share not stated)"),
}
#: "equity (in Ignazio Messina & C.)": a stake in an intermediate company, not in the terminal
_INDIRECT = re.compile(r"^\s*\w+\s*\(in\s+(.+)\)\s*$")
#: "current (until the Messina deal closes)": the status, the rest a remark
_STATUS_REMARK = re.compile(r"^\s*([a-z]+)\s*\((.+)\)\s*$")
EPS = 1e-9


@dataclass
class Ctx:
    """What the checks need: the problem log, the known country codes and the file name prefix."""

    log: ProblemLog
    countries: set[str]
    source_id: str = "census"

    def rel(self, name: str) -> str:
        """The file as the problem log names it (``census/stakes.csv``)."""
        return f"{self.source_id}/{name}"


def _url(s: str) -> bool:
    return str(s or "").startswith(("http://", "https://"))


def _date(errs: list, col: str, value: str, required: bool = False):
    try:
        d, prec = parse_partial_date(value)
    except ValueError as e:
        errs.append((col, "date", str(e), value))
        return None, None
    if d is None and required:
        errs.append((col, "date", "date required", value))
    return d, prec


def _flush(ctx: Ctx, f: str, i: int, errs: list) -> bool:
    for col, check, reason, value in errs:
        ctx.log.add(f, i, col, check, ERROR, f"{reason}; row rejected", value)
    return not errs


def _unlocode(errs: list, value: str):
    try:
        return check_unlocode(value)
    except ValueError as e:
        errs.append(("unlocode", "unlocode", str(e), value))
        return None


def _country(errs: list, ctx: Ctx, col: str, value: str, required: bool):
    try:
        c = check_country(value, ctx.countries)
    except ValueError as e:
        errs.append((col, "country_code", str(e), value))
        return None
    if c is None and required:
        errs.append((col, "country_code", "country required", value))
    return c


def origin(r: dict, f: str, i: int) -> dict:
    """The provenance columns of a typed row: the dataset file and row, and the worksheet row."""
    return {"origin_file": f, "origin_row": i, "worksheet": r["worksheet"], "worksheet_row": int(r["worksheet_row"]),
            "supersedes": r["supersedes"] or None}


def ports(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """The census ports (rank, UN/LOCODE, country, TEU and its source)."""
    f, out, seen = ctx.rel("ports.csv"), [], set()
    for i, r in enumerate(rows, start=1):
        errs = []
        code = _unlocode(errs, r["unlocode"])
        if code is None and not errs:
            errs.append(("unlocode", "required", "a census port needs its UN/LOCODE", ""))
        if code in seen:
            errs.append(("unlocode", "duplicate_id", "port listed twice", code))
        cc = _country(errs, ctx, "country", r["country"], True)
        if code and cc and code[:2] != cc:
            ctx.log.add(f, i, "unlocode", "unlocode_country", WARNING, f"UN/LOCODE prefix differs from {cc}", code)
        try:
            rank = int(r["rank"])
        except ValueError:
            errs.append(("rank", "required", "rank is not a whole number", r["rank"]))
            rank = None
        teu = None
        if r["teu"].strip():
            try:
                teu = int(r["teu"])
            except ValueError:
                errs.append(("teu", "number", "TEU is not a whole number", r["teu"]))
        if teu is not None and not _url(r["source_url"]):
            errs.append(("source_url", "source_required", "a TEU figure without a source URL", r["source_url"]))
        d, prec = _date(errs, "source_date", r["source_date"])
        if not _flush(ctx, f, i, errs):
            continue
        seen.add(code)
        out.append({"rank": rank, "port": r["port"], "country_code": cc, "unlocode": code, "teu": teu,
                    "teu_year": r["teu_year"] or None, "source_url": r["source_url"] or None, "source_date": d,
                    "note": r["note"] or None, **origin(r, f, i)})
    ctx.log.count(f, len(rows), len(out))
    return out


def terminals(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """The census terminals (id, port, UN/LOCODE, SMDG code, operator, position)."""
    f, out, ids, codes = ctx.rel("terminals.csv"), [], set(), set()
    for i, r in enumerate(rows, start=1):
        errs = []
        code = _unlocode(errs, r["unlocode"])
        if code is None and not errs:
            errs.append(("unlocode", "required", "a terminal needs its UN/LOCODE", ""))
        if not r["terminal"].strip():
            errs.append(("terminal", "required", "no terminal name", ""))
        if r["terminal_id"] in ids:
            errs.append(("terminal", "duplicate_terminal", "terminal listed twice (same UN/LOCODE and name)",
                         r["terminal"]))
        smdg = r["smdg_code"].strip().upper() or None
        if smdg and (code, smdg) in codes:
            errs.append(("smdg_code", "duplicate_terminal", f"SMDG code {smdg} already names a terminal of {code}",
                         smdg))
        lat = lon = None
        if r["latitude"].strip() or r["longitude"].strip():
            try:
                lat, lon = check_lat_lon(r["latitude"], r["longitude"])
            except ValueError as e:
                errs.append(("latitude", "coordinates", str(e), f"{r['latitude']} {r['longitude']}"))
            if not _url(r["position_source_url"]):
                errs.append(("position_source_url", "source_required", "a position without a source URL",
                             r["position_source_url"]))
        if not _url(r["source_url"]):
            errs.append(("source_url", "source_required", "a terminal without a source URL", r["source_url"]))
        d, _ = _date(errs, "source_date", r["source_date"])
        if not _flush(ctx, f, i, errs):
            continue
        ids.add(r["terminal_id"])
        if smdg:
            codes.add((code, smdg))
        excluded = r["note"] if _EXCLUDED.search(r["note"] or "") else None
        out.append({"terminal_id": r["terminal_id"], "port": r["port"], "unlocode": code, "name": r["terminal"].strip(),
                    "excluded_reason": excluded,
                    "smdg_code": smdg, "operator_name": r["operator"] or None, "latitude": lat, "longitude": lon,
                    "position_source_url": r["position_source_url"] if lat is not None else None,
                    "source_url": r["source_url"], "source_date": d, "note": r["note"] or None, **origin(r, f, i)})
    ctx.log.count(f, len(rows), len(out))
    return out


def _share(errs: list, f: str, i: int, ctx: Ctx, text: str):
    m = _ONE_SHARE.match(text or "")
    if m:
        ctx.log.add(f, i, "stake_pct", "share_text", WARNING, f"read as {m.group(1)}% (as written: {text.strip()})",
                    text)
        text = m.group(1)
    try:
        return parse_share_pct(text)
    except ValueError as e:
        errs.append(("stake_pct", "share_range", str(e), text))
        return None


def stakes(ctx: Ctx, rows: list[dict], terminal_ids: dict[tuple[str, str], str]) -> list[dict]:
    """The census stakes; ``terminal_ids`` maps (UN/LOCODE, terminal name) to the loaded terminal's id."""
    f, out, seen = ctx.rel("stakes.csv"), [], set()
    kinds = vocab.table("stake_kinds")
    for i, r in enumerate(rows, start=1):
        errs = []
        code = _unlocode(errs, r["unlocode"])
        tid = terminal_ids.get((code, r["terminal"].strip()))
        if tid is None:
            errs.append(("terminal", "unknown_terminal", "names no terminal of terminals.csv (UN/LOCODE and name)",
                         r["terminal"]))
        if not r["holder"].strip():
            errs.append(("holder", "required", "no holder", ""))
        if r["stake_id"] in seen:
            errs.append(("stake_id", "duplicate_id", "stake listed twice (terminal, holder and kind)", r["holder"]))
        share = _share(errs, f, i, ctx, r["stake_pct"])
        kind = kinds.get(r["stake_kind"].strip())
        extra = EXTRA_KINDS.get(r["stake_kind"].strip())
        if extra:
            kind = {"interest_type": extra[0], "is_control": "true" if extra[1] else "false"}
            ctx.log.add(f, i, "stake_kind", "stake_kind_census", WARNING, f"read as: {extra[2]}", r["stake_kind"])
        elif (m := _INDIRECT.match(r["stake_kind"])) is not None:
            errs.append(("stake_kind", "indirect_stake", f"a stake in {m.group(1)}, not in the terminal: needs a "
                         "holder row for that company", r["stake_kind"]))
        elif kind is None:
            errs.append(("stake_kind", "unknown_code", "stake kind not in vocab/stake_kinds.csv", r["stake_kind"]))
        status = r["status"].strip() or "unverified"
        if (m := _STATUS_REMARK.match(status)) is not None and m.group(1) in STATUSES:
            ctx.log.add(f, i, "status", "status_remark", WARNING, f"read as {m.group(1)!r}; remark: {m.group(2)}",
                        status)
            status = m.group(1)
        if status not in STATUSES:
            errs.append(("status", "unknown_code", f"status must be one of {', '.join(STATUSES)}", r["status"]))
        if not _url(r["source_url"]):
            errs.append(("source_url", "source_required", "a stake without a source URL does not exist",
                         r["source_url"]))
        as_of, prec = _date(errs, "as_of", r["as_of"])
        sdate, _ = _date(errs, "source_date", r["source_date"], required=True)
        if not _flush(ctx, f, i, errs):
            continue
        if not r["status"].strip():
            ctx.log.add(f, i, "status", "status_blank", WARNING, "no status (not re-checked): read as unverified", "")
        seen.add(r["stake_id"])
        note = r["note"] or ""
        out.append({
            "stake_id": r["stake_id"], "terminal_id": tid, "terminal": r["terminal"].strip(), "unlocode": code,
            "holder": r["holder"].strip(), "share_fraction": share, "stake_pct_as_written": r["stake_pct"] or None,
            "stake_kind": r["stake_kind"].strip(), "interest_type": kind["interest_type"],
            "is_control_kind": kind["is_control"] == "true", "status": status,
            "as_of_date": as_of or sdate, "as_of_precision": prec or "day", "source_url": r["source_url"],
            "source_date": sdate, "note": note or None,
            "cited_stake_ids": " ".join(_CITED.findall(note)) or None,
            "states_no_foreign_stake": bool(_NO_FOREIGN.match(note)), **origin(r, f, i)})
    out = _over_100(ctx, f, out)
    ctx.log.count(f, len(rows), len(out))
    return out


def _over_100(ctx: Ctx, f: str, rows: list[dict]) -> list[dict]:
    """Reject every current equity row of a terminal whose current equity shares add up to more than 100%."""
    total: dict[str, float] = {}
    for r in rows:
        if r["status"] == "current" and r["interest_type"] == "shareholding" and r["share_fraction"]:
            total[r["terminal_id"]] = total.get(r["terminal_id"], 0.0) + r["share_fraction"]
    bad = {t for t, s in total.items() if s > 1.0 + EPS}
    keep = []
    for r in rows:
        if (r["terminal_id"] in bad and r["status"] == "current" and r["interest_type"] == "shareholding"
                and r["share_fraction"]):
            ctx.log.add(f, r["origin_row"], "stake_pct", "shares_over_100", ERROR,
                        f"the current shares of {r['terminal']!r} add up to {total[r['terminal_id']]:.2%}; "
                        "row rejected", r["stake_pct_as_written"])
            continue
        keep.append(r)
    return keep


def holders(ctx: Ctx, rows: list[dict], named: set[str]) -> list[dict]:
    """The holders not yet in the data: country, parent and the parent's share. ``named``: every holder
    name the stakes use; a holder row naming neither a stake holder nor another row's parent resolves to
    nothing (warning)."""
    f, out = ctx.rel("holders.csv"), []
    parents = {r["parent"].strip() for r in rows}
    for i, r in enumerate(rows, start=1):
        errs = []
        if not r["holder"].strip():
            errs.append(("holder", "required", "no holder name", ""))
        cc = _country(errs, ctx, "country", r["country"], False)
        share = _share(errs, f, i, ctx, r["parent_stake_pct"])
        if not _url(r["source_url"]):
            errs.append(("source_url", "source_required", "a holder fact without a source URL", r["source_url"]))
        d, _ = _date(errs, "source_date", r["source_date"], required=True)
        if not _flush(ctx, f, i, errs):
            continue
        name = r["holder"].strip()
        if name not in named and name not in parents:
            ctx.log.add(f, i, "holder", "holder_unresolved", WARNING,
                        "names no holder of stakes.csv and no parent of another holder row: resolves to nothing", name)
        out.append({"holder": name, "country_code": cc, "parent": r["parent"].strip() or None,
                    "parent_share_fraction": share, "source_url": r["source_url"], "source_date": d,
                    "note": r["note"] or None, **origin(r, f, i)})
    ctx.log.count(f, len(rows), len(out))
    return out


def published(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """The published investments: each names a publication (URL, date) and a stake id match or an explanation."""
    f, out = ctx.rel("published_investments.csv"), []
    for i, r in enumerate(rows, start=1):
        errs = []
        if not _url(r["publication_url"]):
            errs.append(("publication_url", "source_required", "a publication without a URL", r["publication_url"]))
        d, _ = _date(errs, "publication_date", r["publication_date"], required=True)
        cc = ";".join(c for x in r["country"].split(";") if (c := _country(errs, ctx, "country", x, False))) or None
        ids = [x.strip() for x in r["match_stake_id"].split(";") if x.strip()]
        if not ids and not r["explanation"].strip():
            errs.append(("explanation", "required", "neither a matching stake nor an explanation", ""))
        if not _flush(ctx, f, i, errs):
            continue
        out.append({"publication": r["publication"], "publication_url": r["publication_url"], "publication_date": d,
                    "port": r["port"], "country_code": cc, "terminal_or_asset": r["terminal_or_asset"] or None,
                    "investor": r["investor"], "stake_as_published": r["stake_pct_as_published"] or None,
                    "year_as_published": r["year_as_published"] or None, "note": r["note"] or None,
                    "match_stake_ids": " ".join(ids) or None, "explanation": r["explanation"] or None,
                    **origin(r, f, i)})
    ctx.log.count(f, len(rows), len(out))
    return out
