"""Downloads of the telecom and energy layers, each with the most restrictive licence of its rows.

Contract: :func:`downloads` reads a finished build and returns the CSV downloads of the layers
— ``layer-assets.csv`` (every cable, landing station, telecom and energy asset with band,
status, holders and sources), ``country-assets.csv`` and ``country-summary.csv`` (the country
summary; it also carries the "built by" columns of
:data:`infrarisk.site.vendor_site.SUMMARY_COLUMNS`), ``entity-matches.csv`` (how every owner name was matched) — each as a dict with
``name``, ``href``, ``columns``, ``csv`` (the file's text, :func:`csv_text`), ``licence`` (the most
restrictive licence of the rows it contains, :func:`infrarisk.licences.most_restrictive`), ``licence_url``
and ``is_noncommercial`` (it contains non-commercial rows, so the page linking it says so). The rows are
read and written column by column (:func:`_columns`), never as a dict per row.
"""

from __future__ import annotations

import csv
import io

import duckdb
import pandas as pd
import pyarrow as pa

from .. import licences
from . import vendor_site


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values, missing ones as None (column by column)."""
    names = [str(c) for c in df.columns]
    cols = [df[c].to_numpy(dtype=object, na_value=None) for c in df.columns]
    return [dict(zip(names, row)) for row in zip(*cols)]


def _is_plain(t: pa.DataType) -> bool:
    """Arrow types whose Python values are those pandas hands over (text, flags, integers, numbers, lists
    of text); others (dates, decimals) go through pandas, as before."""
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t)
            or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t)
            or (pa.types.is_list(t) and pa.types.is_string(t.value_type)))


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[list]]:
    """(columns, their values) of ``sql``: plain Python values, missing ones (and NaN) as None."""
    t = con.sql(sql).to_arrow_table()
    names = t.column_names
    if not all(_is_plain(f.type) for f in t.schema):
        rows = _records(con.execute(sql).df())  # as DuckDB hands them to pandas
        return names, [[r[c] for r in rows] for c in names]
    cols = []
    for f, col in zip(t.schema, t.columns):
        vals = col.to_pylist()
        if pa.types.is_floating(f.type):
            vals = [None if v != v else v for v in vals]  # NaN: missing, as pandas has it
        cols.append(vals)
    return names, cols


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[dict]]:
    """(columns, rows) of ``sql``: the values of :func:`_columns` as a dict per row."""
    names, cols = _columns(con, sql)
    return names, [dict(zip(names, row)) for row in zip(*cols)]


def csv_text(names: list[str], cols: list[list]) -> str:
    """CSV text of columns (``cols``, values of ``names``): None empty, flags ``true``/``false``, other
    values as csv writes them (as :func:`infrarisk.site.pages.csv_text` writes rows of those values)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    w.writerows(zip(*[["true" if v is True else "false" if v is False else v for v in col]
                      if bool in set(map(type, col)) else col for col in cols]))  # the writer writes None empty
    return buf.getvalue()


def _download(name: str, columns: list[str], cols: list[list], licence_list: list[str]) -> dict:
    lic = licences.most_restrictive(licence_list) if licence_list else "CC-BY-4.0"
    return {"name": name, "href": f"data/{name}", "columns": columns, "csv": csv_text(columns, cols),
            "licence": lic, "licence_url": licences.url(lic), "is_noncommercial": lic in licences.NONCOMMERCIAL}


def _without(columns: list[str], cols: list[list], col: str) -> tuple[list[str], list[list]]:
    keep = [i for i, c in enumerate(columns) if c != col]
    return [columns[i] for i in keep], [cols[i] for i in keep]


def downloads(con: duckdb.DuckDBPyConnection, vendor_rows: dict | None = None) -> list[dict]:
    """The layer downloads (module docstring), in a fixed order; ``vendor_rows``: what
    :func:`.vendor_site.country_rows` gives, if the caller has it (else read here)."""
    cols, assets = _columns(con, """
        WITH holders AS (
            SELECT l.subject_id AS asset_id,
                   string_agg(e.entity_name || CASE WHEN l.is_share_stated OR l.share_min > 0
                              THEN ' ' || round(100 * l.share_min, 2) || '%' ELSE '' END, '; '
                              ORDER BY l.share_min DESC, e.entity_name) AS current_holders,
                   string_agg(DISTINCT l.source_url, ' ' ORDER BY l.source_url) AS source_urls,
                   list(DISTINCT l.licence ORDER BY l.licence) AS link_licences
            FROM core_ownership__links l JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            WHERE l.subject_kind = 'asset' AND l.is_current
            GROUP BY l.subject_id
        ),
        hosts AS (
            SELECT asset_id, string_agg(country_code, ';' ORDER BY country_code) AS host_countries
            FROM core_assets__host_countries GROUP BY asset_id
        )
        SELECT a.asset_id, a.name, a.asset_class, a.asset_type, a.country_code, h.host_countries,
               i.status, i.status_group, round(a.latitude, 5) AS latitude, round(a.longitude, 5) AS longitude,
               coalesce(v.via_band, a.band) AS band, coalesce(v.via_group_label, a.band_group_label) AS band_group,
               round(a.share_min, 6) AS share_min, round(a.share_max, 6) AS share_max, a.is_controlled,
               a.controlling_country_code, a.control_chain, v.via_cable_name AS exposed_through_cable,
               o.current_holders, o.source_urls, i.detail_url, a.licence, o.link_licences
        FROM out_exposure__assets a
        JOIN core_assets__infra i USING (asset_id)
        LEFT JOIN holders o USING (asset_id)
        LEFT JOIN hosts h USING (asset_id)
        LEFT JOIN out_exposure__landings v USING (asset_id)
        ORDER BY a.asset_class, a.asset_type, a.asset_id""")
    col = dict(zip(cols, assets))
    lic = [*(x for x in col["licence"] if x is not None),
           *(x for ls in col["link_licences"] if ls is not None for x in ls)]
    out = [_download("layer-assets.csv", *_without(cols, assets, "link_licences"), lic)]

    cols, ca = _columns(con, "SELECT * FROM out_exposure__country_assets ORDER BY country_code, asset_class, asset_id")
    ca_lic = [x for x in dict(zip(cols, ca))["licence"] if x is not None]
    out.append(_download("country-assets.csv", *_without(cols, ca, "is_noncommercial"), ca_lic))
    cols, cs = _columns(con, "SELECT * FROM out_exposure__countries ORDER BY country_code")
    vend = vendor_site.country_rows(con) if vendor_rows is None else vendor_rows  # "built by" columns (issue 13)
    texts = [vendor_site.summary_text(vend.get(cc, vendor_site.empty_country()))
             for cc in cs[cols.index("country_code")]]
    for c in vendor_site.SUMMARY_COLUMNS:  # beside the ownership counts
        values = [t[c] for t in texts]
        if c in cols:
            cs[cols.index(c)] = values
        else:
            cols, cs = cols + [c], cs + [values]
    out.append(_download("country-summary.csv", cols, cs, ca_lic))  # counts made from those rows

    cols, names = _columns(con, """
        SELECT n.name, n.normalised_name, n.method, n.is_matched, n.entity_id, n.entity_name, n.score, n.candidates,
               n.detail, n.n_mentions, n.source_ids,
               (SELECT string_agg(m.file || ':' || m.row, ' ' ORDER BY m.file, m.row) FROM core_match__mentions m
                WHERE m.name = n.name) AS occurrences
        FROM core_match__names n ORDER BY n.name""")
    src = con.execute("""SELECT DISTINCT l.licence FROM core_match__mentions m
                         JOIN core_meta__licences l ON l.file = m.file""").fetchall()
    out.append(_download("entity-matches.csv", cols, names, [x for (x,) in src if x is not None]))
    return out
