"""Load ``datasets/owners`` into ``raw_owners__*`` and ``core_owners__*``.

Contract: reads ``owners.csv``, ``owner_links.csv`` and ``owner_names.csv`` of the owner register
(see the package docstring), checks every value and writes

- ``raw_owners__owners``, ``raw_owners__links``, ``raw_owners__names``: every row as text;
- ``core_owners__owners``: one row per owner id (LEI check digits verified, ``lei:`` ids equal
  to their LEI, seat country a known ISO code, entity type from the vocabulary, a source URL
  and date on every row except a state's own row);
- ``core_owners__links``: parent links with ``share_fraction`` or ``share_min_fraction`` /
  ``share_max_fraction`` (0-1), ``is_control``, the date and the source; a set of control links
  that loops is rejected, naming each row of the loop;
- ``core_owners__names``: name as written, dataset, the asset country it is limited to (blank:
  every asset; set where one name means different owners in different countries), owner id,
  reason.

A bad row is rejected with a :class:`~infrarisk.problems.Problem` naming file, row, column and
reason, and counted (``rows_in = rows_loaded + rows_rejected``); nothing is dropped silently.
An id that names no owner of the register is kept for the integrate stage to resolve against the
other sources' entities (and reject there if it names none).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ... import db
from ...problems import ERROR, ProblemLog
from ...settings import Settings
from ...validate import check_country, parse_lei, parse_partial_date, parse_share_pct
from ...collector import paused
from .._load import frame, raw_copy, read_rows
from ..manifest import verify
from . import SOURCE_ID

OWNER_COLS = ["owner_id", "name", "lei", "seat_country", "entity_type", "source_url", "source_date", "note"]
LINK_COLS = ["child_id", "parent_id", "share_pct", "share_min_pct", "share_max_pct", "is_control", "as_of",
             "source_url", "source_date", "note"]
NAME_COLS = ["name", "owner_id", "dataset", "reason"]
ENTITY_TYPES = ("company", "listed_company", "fund", "state", "state_body", "person", "unknown")
DATASETS = ("gem-europe-gas", "submarine-cables", "curated")
_ID_RE = re.compile(r"^(lei:[0-9A-Z]{20}|state:[A-Z]{2}|owner:[a-z0-9][a-z0-9-]*|[a-z0-9][a-z0-9-]*)$")

T_OWNERS = ["owner_id", "name", "lei", "seat_country_code", "entity_type", "source_url", "source_date",
            "source_date_precision", "note", "origin_row"]
T_LINKS = ["link_key", "child_id", "parent_id", "share_fraction", "share_min_fraction", "share_max_fraction",
           "is_control", "as_of_date", "as_of_precision", "source_url", "source_date", "note", "origin_row"]
T_NAMES = ["name", "dataset", "asset_country_code", "owner_id", "reason", "origin_row"]


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def _bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t == "":
        return None
    if t in ("true", "yes", "1"):
        return True
    if t in ("false", "no", "0"):
        return False
    raise ValueError("is_control must be true, false or blank")


def check_owner(r: dict[str, str], countries: set[str]) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """One row of ``owners.csv`` typed, or the reasons it is rejected ``(column, check, reason)``.

    Examples
    --------
    >>> row = dict(owner_id="state:NO", name="Kingdom of Norway", lei="", seat_country="NO",
    ...            entity_type="state", source_url="", source_date="", note="")
    >>> check_owner(row, {"NO"})[0]["seat_country_code"]
    'NO'
    >>> check_owner(dict(row, seat_country="XX"), {"NO"})[1][0]
    ('seat_country', 'country_code', 'not a known ISO 3166-1 alpha-2 country code')
    """
    errs: list[tuple[str, str, str]] = []
    oid = r["owner_id"].strip()
    if not _ID_RE.match(oid):
        errs.append(("owner_id", "id_syntax", "owner id must be lei:<LEI>, state:<ISO2>, owner:<slug> or a curated slug"))
    if not r["name"].strip():
        errs.append(("name", "required", "owner has no name"))
    lei = None
    try:
        lei = parse_lei(r["lei"])
    except ValueError as e:
        errs.append(("lei", "lei_check_digits", str(e)))
    if oid.startswith("lei:") and oid[4:] != (lei or ""):
        errs.append(("lei", "id_mismatch", "an owner id lei:<LEI> needs the same LEI in the lei column"))
    country = None
    try:
        country = check_country(r["seat_country"], countries)
    except ValueError as e:
        errs.append(("seat_country", "country_code", str(e)))
    etype = r["entity_type"].strip()
    if etype not in ENTITY_TYPES:
        errs.append(("entity_type", "unknown_code", f"entity type must be one of {', '.join(ENTITY_TYPES)}"))
    is_state_row = oid.startswith("state:")
    if is_state_row and (etype != "state" or oid[6:] != (country or "")):
        errs.append(("owner_id", "state_id", "a state:<ISO2> id is a state whose seat country is that code"))
    when, precision = None, None
    try:
        when, precision = parse_partial_date(r["source_date"])
    except ValueError as e:
        errs.append(("source_date", "date", str(e)))
    if not is_state_row and (not _is_url(r["source_url"].strip()) or when is None):
        errs.append(("source_url", "source_required", "an owner needs the URL of a page stating it and that page's date"))
    if errs:
        return None, errs
    return {"owner_id": oid, "name": r["name"].strip(), "lei": lei, "seat_country_code": country,
            "entity_type": etype, "source_url": r["source_url"].strip() or None, "source_date": when,
            "source_date_precision": precision, "note": r["note"].strip() or None}, []


def check_link(r: dict[str, str]) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """One row of ``owner_links.csv`` typed, or the reasons it is rejected.

    Examples
    --------
    >>> row = dict(child_id="owner:a", parent_id="state:NO", share_pct="67", share_min_pct="",
    ...            share_max_pct="", is_control="true", as_of="2024", source_url="https://x.example/",
    ...            source_date="2024-03-01", note="")
    >>> check_link(row)[0]["share_fraction"]
    0.67
    >>> check_link(dict(row, share_pct="140"))[1]
    [('share_pct', 'share_range', 'stake outside 0-100%')]
    """
    errs: list[tuple[str, str, str]] = []
    child, parent = r["child_id"].strip(), r["parent_id"].strip()
    for col, v in (("child_id", child), ("parent_id", parent)):
        if not _ID_RE.match(v):
            errs.append((col, "id_syntax", "not an owner id"))
    if child and child == parent:
        errs.append(("parent_id", "self_link", "an owner cannot be its own parent"))
    shares = {}
    for col in ("share_pct", "share_min_pct", "share_max_pct"):
        try:
            shares[col] = parse_share_pct(r[col])
        except ValueError as e:
            errs.append((col, "share_range", str(e)))
            shares[col] = None
    exact, lo, hi = shares["share_pct"], shares["share_min_pct"], shares["share_max_pct"]
    if exact is not None and (lo is not None or hi is not None):
        errs.append(("share_pct", "share_exact_and_range", "give an exact share or a range, not both"))
    if lo is not None and hi is not None and lo > hi:
        errs.append(("share_min_pct", "min_above_max", "the range's minimum is above its maximum"))
    try:
        control = _bool(r["is_control"])
    except ValueError as e:
        errs.append(("is_control", "boolean", str(e)))
        control = None
    as_of = (None, None)
    try:
        as_of = parse_partial_date(r["as_of"])
    except ValueError as e:
        errs.append(("as_of", "date", str(e)))
    when = None
    try:
        when, _ = parse_partial_date(r["source_date"])
    except ValueError as e:
        errs.append(("source_date", "date", str(e)))
    if not _is_url(r["source_url"].strip()) or when is None:
        errs.append(("source_url", "source_required", "a parent link needs the URL of a page stating it and that page's date"))
    if errs:
        return None, errs
    return {"child_id": child, "parent_id": parent, "share_fraction": exact, "share_min_fraction": lo,
            "share_max_fraction": hi, "is_control": control, "as_of_date": as_of[0], "as_of_precision": as_of[1],
            "source_url": r["source_url"].strip(), "source_date": when, "note": r["note"].strip() or None}, []


def control_loops(links: list[dict]) -> list[list[int]]:
    """Sets of control links (``is_control`` true) that form a loop, as lists of indexes into ``links``.

    A cross-holding of minority shares is ordinary (the exact solver handles it); a chain of
    controllers that comes back to its start is a contradiction in the data.

    Examples
    --------
    >>> ls = [dict(child_id="a", parent_id="b", is_control=True), dict(child_id="b", parent_id="a", is_control=True),
    ...       dict(child_id="b", parent_id="c", is_control=False)]
    >>> control_loops(ls)
    [[0, 1]]
    """
    out_edges: dict[str, list[tuple[str, int]]] = {}
    for i, ln in enumerate(links):
        if ln["is_control"]:
            out_edges.setdefault(ln["child_id"], []).append((ln["parent_id"], i))
    loops, state = [], {}
    for start in sorted(out_edges):
        if state.get(start):
            continue
        # iterative DFS following controllers; 1 = on the stack, 2 = done
        stack = [(start, iter(out_edges.get(start, [])))]
        path: list[int] = []
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                if path:
                    path.pop()
                continue
            parent, i = nxt
            if state.get(parent) == 1:
                names = [n for n, _ in stack]
                loops.append(sorted(path[names.index(parent):] + [i]))
            elif not state.get(parent):
                state[parent] = 1
                path.append(i)
                stack.append((parent, iter(out_edges.get(parent, []))))
    return loops


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Check and load the owner register (nothing when ``datasets/owners`` is absent)."""
    folder = Path(settings.datasets_dir) / SOURCE_ID
    owners, links, names = [], [], []
    if (folder / "manifest.toml").exists():
        verify(folder)
        countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        for stem, table in (("owners", "owners"), ("owner_links", "links"), ("owner_names", "names")):
            raw_copy(con, folder, f"{stem}.csv", f"raw_{SOURCE_ID}__{table}")
        owners = _owners(folder, log, countries)
        links = _links(folder, log)
        names = _names(folder, log, countries)
    db.write_frame(con, f"core_{SOURCE_ID}__owners", frame(owners, T_OWNERS), order_by=["owner_id"])
    db.write_frame(con, f"core_{SOURCE_ID}__links", frame(links, T_LINKS), order_by=["link_key"])
    db.write_frame(con, f"core_{SOURCE_ID}__names", frame(names, T_NAMES), order_by=["dataset", "name", "asset_country_code"])


def _reject(log: ProblemLog, f: str, i: int, r: dict, errs: list[tuple[str, str, str]]) -> None:
    for col, check, reason in errs:
        log.add(f, i, col, check, ERROR, f"{reason}; row rejected", r.get(col))


def _owners(folder: Path, log: ProblemLog, countries: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/owners.csv"
    rows = read_rows(folder / "owners.csv", OWNER_COLS)
    out, seen, leis = [], set(), {}
    for i, r in enumerate(rows, start=1):
        row, errs = check_owner(r, countries)
        if row and row["owner_id"] in seen:
            errs = [("owner_id", "duplicate_id", "a second row for the same owner id")]
        elif row and row["lei"] and row["lei"] in leis:
            errs = [("lei", "duplicate_lei", f"the LEI of owner {leis[row['lei']]} again under another id")]
        if errs:
            _reject(log, f, i, r, errs)
            continue
        seen.add(row["owner_id"])
        if row["lei"]:
            leis[row["lei"]] = row["owner_id"]
        out.append(dict(row, origin_row=i))
    log.count(f, len(rows), len(out))
    return out


def _links(folder: Path, log: ProblemLog) -> list[dict]:
    f = f"{SOURCE_ID}/owner_links.csv"
    rows = read_rows(folder / "owner_links.csv", LINK_COLS)
    kept, raw_of = [], []
    seen: set[tuple] = set()
    for i, r in enumerate(rows, start=1):
        row, errs = check_link(r)
        if row:
            key = (row["child_id"], row["parent_id"], row["source_url"], row["as_of_date"])
            if key in seen:
                errs = [("parent_id", "duplicate_id", "the same link, source and date twice")]
            seen.add(key)
        if errs:
            _reject(log, f, i, r, errs)
            continue
        kept.append(dict(row, origin_row=i))
        raw_of.append(r)
    bad: set[int] = set()
    for loop in control_loops(kept):
        rows_in_loop = ", ".join(str(kept[j]["origin_row"]) for j in loop)
        for j in loop:
            log.add(f, kept[j]["origin_row"], "parent_id", "control_loop", ERROR,
                    f"control links loop (rows {rows_in_loop}); row rejected", kept[j]["parent_id"])
            bad.add(j)
    out = [dict(ln, link_key=f"{ln['child_id']}>{ln['parent_id']}#{ln['origin_row']}")
           for j, ln in enumerate(kept) if j not in bad]
    log.count(f, len(rows), len(out))
    return out


def _names(folder: Path, log: ProblemLog, countries: set[str]) -> list[dict]:
    f = f"{SOURCE_ID}/owner_names.csv"
    rows = read_rows(folder / "owner_names.csv", NAME_COLS, ["asset_country"])
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        name, oid, ds = r["name"].strip(), r["owner_id"].strip(), r["dataset"].strip()
        errs = []
        if not name:
            errs.append(("name", "required", "blank name"))
        if not _ID_RE.match(oid):
            errs.append(("owner_id", "id_syntax", "not an owner id"))
        if ds not in DATASETS:
            errs.append(("dataset", "unknown_code", f"dataset must be one of {', '.join(DATASETS)}"))
        if not r["reason"].strip():
            errs.append(("reason", "required", "say why this name means this owner"))
        country = None
        try:
            country = check_country(r.get("asset_country", ""), countries)
        except ValueError as e:
            errs.append(("asset_country", "country_code", str(e)))
        if not errs and (ds, name, country) in seen:
            errs.append(("name", "duplicate_id", "a second row for the same name, dataset and asset country"))
        if errs:
            _reject(log, f, i, r, errs)
            continue
        seen.add((ds, name, country))
        out.append({"name": name, "dataset": ds, "asset_country_code": country, "owner_id": oid,
                    "reason": r["reason"].strip(), "origin_row": i})
    log.count(f, len(rows), len(out))
    return out
