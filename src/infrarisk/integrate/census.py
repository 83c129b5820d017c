"""The census terminals in the integrate stage: each one found among the curated terminals or made new.

Inputs: ``core_census__terminals`` and ``core_census__stakes`` (the census loader),
``core_curated__stakes`` and ``core_curated__asset_locations`` (the curated terminals and the
SMDG codes their positions cite).

Output ``core_assets__census_map`` (``terminal_id, asset_id, is_new, match_basis``): one row per
census terminal. A census terminal is the curated terminal (never a duplicate of it) when, in this
order:

1. ``smdg``: the curated terminal's position cites the same SMDG code at the same UN/LOCODE
   (``GRPIR/GRPCT`` in its source title);
2. ``name``: the names are equal at the same UN/LOCODE once the parentheses are left out and
   accents, case and punctuation ignored;
3. ``cited stake``: the census stake rows of the terminal that are loaded cite curated stake ids
   (``S-…``) that all belong to one curated terminal of the same UN/LOCODE (the census reused its
   rows; the curated terminal may group several census terminals, e.g. Port 2000's TPO and TNMSC).

Otherwise it is a new terminal asset, ``terminal:<slug of its name>`` (with the UN/LOCODE
appended where the slug is taken), placed under its port by the terminal SQL. A terminal the
census says is not operating (``excluded_reason``: closed, never awarded) is no asset
(``asset_id`` NULL, ``match_basis`` ``excluded``): its port is banded by the others.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pandas as pd

from .. import db

COLS = ["terminal_id", "asset_id", "is_new", "match_basis"]
_SLUG = ("'terminal:' || rtrim(left(trim(regexp_replace(lower(strip_accents({c})), '[^a-z0-9]+', '-', 'g'), '-'), 60),"
         " '-')")


def base_name(name: str) -> str:
    """A terminal name without its parentheses, accents, case and punctuation.

    Examples
    --------
    >>> base_name("Eurofos (Terminal de la Méditerranée, Fos 2XL Sud)")
    'eurofos'
    >>> base_name("Baltic Hub (ex DCT Gdansk)") == base_name("Baltic Hub")
    True
    """
    t = re.sub(r"\([^)]*\)", " ", name or "")
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.findall(r"[a-z0-9]+", t))


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def terminal_map(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Match every census terminal to a curated terminal or give it a new asset id (module docstring)."""
    curated = _rows(con, f"""
        SELECT asset_name, {_SLUG.format(c='asset_name')} AS asset_id, min(unlocode) AS unlocode,
               list(stake_id) AS stake_ids
        FROM core_curated__stakes GROUP BY asset_name""")
    titles = _rows(con, "SELECT asset_name, coalesce(source_title, '') AS title FROM core_curated__asset_locations "
                        "WHERE source_file = 'asset_stakes'")
    census = _rows(con, f"SELECT terminal_id, name, unlocode, smdg_code, excluded_reason, "
                        f"{_SLUG.format(c='name')} AS slug_id "
                        "FROM core_census__terminals ORDER BY terminal_id")
    cited = {}
    for tid, ids in con.execute("SELECT terminal_id, string_agg(cited_stake_ids, ' ') FROM core_census__stakes "
                                "WHERE cited_stake_ids IS NOT NULL GROUP BY terminal_id").fetchall():
        cited[tid] = set(ids.split())
    by_stake = {s: c for c in curated for s in c["stake_ids"]}
    by_name = {c["asset_name"]: c for c in curated}
    taken = {c["asset_id"] for c in curated}
    for x in titles:
        x["folded"] = x["title"].casefold()
    base_of = {}  # each curated name's base name, made once
    out = []
    for t in census:
        if t["excluded_reason"]:
            out.append({"terminal_id": t["terminal_id"], "asset_id": None, "is_new": False, "match_basis": "excluded"})
            continue
        hit, basis = None, None
        if t["smdg_code"]:
            pat = re.compile(rf"\b{re.escape(t['unlocode'])}/{re.escape(t['smdg_code'])}\b", re.I)
            code = f"{t['unlocode']}/{t['smdg_code']}".casefold()  # in every title the pattern finds
            names = {x["asset_name"] for x in titles if code in x["folded"] and pat.search(x["title"])}
            if len(names) == 1:
                hit, basis = by_name.get(names.pop()), "smdg"
        if hit is None:
            base = base_name(t["name"])
            same = [c for c in curated if c["unlocode"] == t["unlocode"]
                    and (base_of.get(c["asset_name"]) or base_of.setdefault(c["asset_name"], base_name(c["asset_name"])))
                    == base]
            if len(same) == 1:
                hit, basis = same[0], "name"
        if hit is None and t["terminal_id"] in cited:
            owners = {by_stake[s]["asset_name"] for s in cited[t["terminal_id"]] if s in by_stake}
            if len(owners) == 1 and by_name[next(iter(owners))]["unlocode"] == t["unlocode"]:
                hit, basis = by_name[owners.pop()], "cited stake"
        if hit is not None:
            out.append({"terminal_id": t["terminal_id"], "asset_id": hit["asset_id"], "is_new": False,
                        "match_basis": basis})
            continue
        aid = t["slug_id"] if t["slug_id"] not in taken else f"{t['slug_id']}-{t['unlocode'].lower()}"
        taken.add(aid)
        out.append({"terminal_id": t["terminal_id"], "asset_id": aid, "is_new": True, "match_basis": None})
    df = pd.DataFrame(out, columns=COLS).astype({"terminal_id": "string", "asset_id": "string", "is_new": "bool",
                                                 "match_basis": "string"})
    db.write_frame(con, "core_assets__census_map", df, order_by=["terminal_id"])
    return df


def holder_countries(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Give the new entities of unmatched census holder names the country ``census/holders.csv`` states.

    ``rows`` are entity rows of :func:`infrarisk.integrate.matching.new_entity_rows` (changed in place):
    one whose name equals (case and spacing ignored) a holder of ``core_census__holders`` with a
    country gets that country as its seat, the holder row's page as its source, and a note saying so.
    """
    norm = lambda s: " ".join(str(s or "").lower().split())  # noqa: E731
    stated = {}
    for name, cc, url, when, f, row in con.execute(
            "SELECT holder, country_code, source_url, CAST(source_date AS VARCHAR), origin_file, origin_row "
            "FROM core_census__holders WHERE country_code IS NOT NULL ORDER BY origin_row").fetchall():
        stated.setdefault(norm(name), (cc, url, when, f, row))
    for r in rows:
        hit = stated.get(norm(r["entity_name"]))
        if hit is None or r.get("hq_country_code"):
            continue
        cc, url, when, f, row = hit
        r.update(hq_country_code=cc, source_url=url,
                 note=f"{r['note'][:-len('; the source gives no country.')]}; seat {cc} as stated by {f} row {row} "
                      f"({url}, {when[:10]})." if r["note"].endswith("; the source gives no country.") else
                 f"{r['note']} Seat {cc} as stated by {f} row {row} ({url}, {when[:10]}).")
