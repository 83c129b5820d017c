"""The INGE2 page's reconciliation: port investments named by other trackers and studies, matched or explained.

Contract: reads ``core_census__published`` (the census source's ``published_investments.csv``: a
publication, the port, investor and stake as published, the stake rows it matches or an
explanation) and, for the matches, ``core_ownership__links`` with ``core_assets__assets`` and
``core_ownership__entities``. :func:`rows` returns one dict per published investment with its
matches (asset, holder, share, status, the map link of the asset) and :data:`CSV_COLUMNS` the
columns of the site's ``data/inge2-reconciliation.csv`` (:func:`csv_rows`). A stake id the
data do not hold is listed as unmatched, never dropped.
"""

from __future__ import annotations

import duckdb

from ..fmt import share_text

CSV_COLUMNS = ["publication", "publication_url", "publication_date", "port", "country_code", "terminal_or_asset",
               "investor", "stake_as_published", "matched_stake_ids", "matched_assets", "explanation"]


def rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every published investment with the stake rows it matches (module docstring)."""
    links = {}
    for lid, aid, aname, owner, lo, hi, stated, status in con.execute("""
            SELECT l.link_id, l.subject_id, a.name, e.entity_name, l.share_min, l.share_max, l.is_share_stated,
                   l.status
            FROM core_ownership__links l
            JOIN core_assets__assets a ON a.asset_id = l.subject_id
            LEFT JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            WHERE l.subject_kind = 'asset'""").fetchall():
        share = share_text(float(lo), float(hi)) if stated else "undisclosed share"
        links[lid] = {"stake_id": lid, "asset_id": aid, "asset_name": aname, "owner_name": owner or "",
                      "share": share, "status": status}
    cur = con.execute("SELECT * FROM core_census__published ORDER BY origin_row")
    cols = [d[0] for d in cur.description]
    out = []
    for r in (dict(zip(cols, t)) for t in cur.fetchall()):
        ids = (r["match_stake_ids"] or "").split()
        r["matches"] = [links[i] for i in ids if i in links]
        r["unmatched_ids"] = [i for i in ids if i not in links]
        r["publication_date"] = str(r["publication_date"])[:10] if r["publication_date"] is not None else ""
        out.append(r)
    return out


def csv_rows(recs: list[dict]) -> list[dict]:
    """The rows of ``data/inge2-reconciliation.csv``."""
    return [{"publication": r["publication"], "publication_url": r["publication_url"],
             "publication_date": r["publication_date"], "port": r["port"], "country_code": r["country_code"],
             "terminal_or_asset": r["terminal_or_asset"], "investor": r["investor"],
             "stake_as_published": r["stake_as_published"],
             "matched_stake_ids": " ".join(m["stake_id"] for m in r["matches"]),
             "matched_assets": "; ".join(f"{m['asset_name']} ({m['owner_name']}, {m['share']}, {m['status']})"
                                         for m in r["matches"]),
             "explanation": r["explanation"]} for r in recs]
