"""The vendor dimension's download: ``data/vendors.csv``, one row per supply relation.

Contract: :func:`write` reads a finished build (``out_vendor__supply``, ``out_vendor__assets``,
``core_assets__assets``, ``core_meta__files``) and writes ``<site>/data/vendors.csv``: every supply
row with its asset, the asset's "built by" band beside the row's own band, the vendors and their
controlling countries, the share, dates, status, the reason in words, the source URL and date, the
review flag, and — like the other downloads — ``licence`` (the most restrictive of the supply data's
licence and that of the asset the row names, :func:`infrarisk.licences.most_restrictive`) and
``attribution``. Returns the download's description (``name``, ``href``, ``columns``, ``n_rows``,
``licence``, ``licence_url``, ``is_noncommercial``). Nothing is written when the build has no supply
rows' table (a build without the supply source writes an empty file with the header).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from .. import licences

NAME = "vendors.csv"
COLUMNS = ["supply_id", "asset_id", "asset_name", "asset_kind", "country_code", "component", "vendor_name",
           "vendor_names", "vendor_country_codes", "high_risk_vendors", "share_pct", "share_basis", "start_date",
           "end_date", "status", "deadline", "row_band", "row_band_reason", "asset_band", "source_url", "source_date",
           "needs_review", "unmatched_reason", "licence", "attribution"]
SQL = """
SELECT s.supply_id, s.asset_id, s.asset_name, s.asset_kind, s.country_code, s.component, s.vendor_name,
       array_to_string(s.vendor_names, '; ') AS vendor_names,
       array_to_string(s.vendor_country_codes, ';') AS vendor_country_codes,
       array_to_string(s.high_risk_vendor_ids, ';') AS high_risk_vendors,
       round(100 * s.share_fraction, 4) AS share_pct, s.share_basis,
       CAST(s.start_date AS VARCHAR) AS start_date, CAST(s.end_date AS VARCHAR) AS end_date, s.status,
       CAST(s.deadline AS VARCHAR) AS deadline, s.band AS row_band, s.band_reason AS row_band_reason,
       v.band AS asset_band, s.source_url, CAST(s.source_date AS VARCHAR) AS source_date, s.needs_review,
       s.unmatched_reason, a.licence AS asset_licence,
       (SELECT any_value(licence) FROM core_meta__files WHERE source_id = 'supply' AND path = 'supply.csv') AS supply_licence,
       (SELECT any_value(attribution) FROM core_meta__files WHERE source_id = 'supply' AND path = 'supply.csv') AS supply_attribution,
       a.source_id AS asset_source_id
FROM out_vendor__supply s
LEFT JOIN out_vendor__assets v USING (asset_id)
LEFT JOIN core_assets__assets a USING (asset_id)
ORDER BY s.supply_id
"""


def rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The download's rows (module docstring), licence and attribution per row."""
    cur = con.execute(SQL)
    names = [d[0] for d in cur.description]
    out = []
    for rec in cur.fetchall():
        r = dict(zip(names, rec))
        r["licence"] = licences.most_restrictive([r.pop("supply_licence"), r.pop("asset_licence")])
        src = r.pop("asset_source_id")
        r["attribution"] = r.pop("supply_attribution") + (f" Asset data: {src} (sources.html)." if src else "")
        out.append(r)
    return out


def write(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict:
    """Write ``data/vendors.csv`` into the site folder ``out_dir``; return its description."""
    rs = rows(con)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rs:
        w.writerow(["" if r[c] is None else "true" if r[c] is True else "false" if r[c] is False else r[c]
                    for c in COLUMNS])
    path = Path(out_dir) / "data" / NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    lic = licences.most_restrictive([r["licence"] for r in rs]) if rs else "CC-BY-4.0"
    return {"name": NAME, "href": f"data/{NAME}", "columns": COLUMNS, "n_rows": len(rs), "licence": lic,
            "licence_url": licences.url(lic), "is_noncommercial": lic in licences.NONCOMMERCIAL}
