"""Downloads of everything on the map: CSV, GeoJSON and GeoParquet, each with its licence.

Contract: from the mapped assets (:class:`~infrarisk.site.mapdata.MapData`) this module
writes ``data/infrarisk-map.csv``, ``.geojson`` and ``.parquet`` (GeoParquet 1.0,
EPSG:4326): one row per mapped asset with its layer, type, host country, status, band and
reason, the look-through shares by controlling country, the ultimate controller and its
country, its "built by" band with the reason, high-risk vendors, vendors, components and
sources (:data:`infrarisk.site.vendor_site.DOWNLOAD_COLUMNS`; ``not_researched`` where no supply
row attaches), the age of its stakes (``evidence_date``: the oldest newest-evidence date among its
current stakes, the fact most in need of a re-check; ``to_recheck``: ``old`` when that date
is ``fact_max_age_years`` old or older, ``pending`` when a pending or awarded stake waits
longer than ``pending_max_age_months``, see :class:`infrarisk.review.AgeRule`), and the
licence of its row. The licence of the three files is the most
restrictive licence of their layers (:func:`infrarisk.site.mapdata.layer_licence`: the
files of the sources each layer draws from and its rows); the GeoJSON carries it in a
top-level ``licence`` member, the GeoParquet in its file metadata, and
:func:`describe_downloads` gives it to the page. When some layers are non-commercial
(TeleGeography's cables) and others are not, the same three files are also written
without the non-commercial layers (``data/infrarisk-map-except-nc.*``), so that whoever
may not use non-commercial data still has everything else. Output is deterministic.
:func:`describe_downloads` describes the files from the layers' sizes and licences alone (so
that the map can list them before the rows are assembled); :func:`download_sets` assembles the
rows and :func:`write_sets` writes the files. The CSV and GeoJSON lines are put together by
DuckDB from one Arrow table of the text columns (shared with the GeoParquet) and written as that
column's bytes: the bytes pandas' CSV writer and Python values handed to DuckDB gave, which are
still used when a column holds numbers. The set without the non-commercial layers takes the lines
of its rows from those of the set of every row (a row's line depends on that row only).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from .. import licences
from ..export_graph import text_parts
from ..fmt import share_span
from ..review import AgeRule, as_date
from .layers import type_label
from . import vendor_site
from .mapdata import MapData, layer_licence

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

STEM = "data/infrarisk-map"
STEM_EXCEPT_NC = "data/infrarisk-map-except-nc"
COLUMNS = ["asset_id", "name", "layer", "asset_type", "asset_type_label", "country_code", "status", "band",
           "band_reason", "foreign_shares", "all_shares", "control", "ultimate_controller",
           "controlling_country_code", "evidence_date", "to_recheck", "parent_asset_id", "code",
           *vendor_site.DOWNLOAD_COLUMNS, "licence"]


def table(sb: "SiteBuilder", md: MapData) -> pd.DataFrame:
    """One row per mapped asset, in map order, with its geometry (shapely, column ``geometry``; a plain
    frame: a build imports no GeoPandas)."""
    f = md.facts
    names = sb.entity_info
    frames, geoms = [], []
    for layer, fr in md.layers:
        rows = pd.DataFrame({c: fr[c] for c in ("asset_id", "name", "asset_type", "country_code", "status", "band",
                                                "parent_asset_id", "code")})
        rows.insert(2, "layer", layer.id)
        rows["band_reason"] = fr["reason"] if "reason" in fr else None
        own = fr["licence"] if "licence" in fr else pd.Series(None, index=fr.index, dtype=object)
        rows["licence"] = own.where(own.notna(), layer_licence(sb, layer, fr)).astype(object)
        if layer.geometry == "point":
            geom = shapely.points(fr["longitude"].to_numpy(float), fr["latitude"].to_numpy(float))
        else:
            geom = fr["geometry"].to_numpy()
        frames.append(rows)
        geoms.append(np.asarray(geom, dtype=object))
    if not frames:
        return pd.DataFrame({**{c: [] for c in COLUMNS}, "geometry": np.array([], dtype=object)})
    # the rows of every layer, then their shapes: one frame with a geometry, not one per layer
    out = pd.concat(frames, ignore_index=True)
    out["geometry"] = np.concatenate(geoms)
    ctl_cc = dict(sb.con.execute(
        "SELECT asset_id, controlling_country_code FROM out_ownership__asset_controllers").fetchall())

    def shares(aid: str, host, foreign: bool) -> str:
        return "; ".join(f"{c} {share_span(lo, hi)}"
                         f"{' (controls)' if ctl else ''}"
                         for c, lo, hi, ctl in f.shares.get(aid, []) if not foreign or c != host)

    ids, hosts = out["asset_id"].tolist(), out["country_code"].tolist()  # plain lists: fast to iterate
    labels = {t: type_label(t) for t in set(out["asset_type"].tolist())}
    out["asset_type_label"] = [labels[t] for t in out["asset_type"].tolist()]
    out["foreign_shares"] = [shares(a, h, True) if a in f.shares else "" for a, h in zip(ids, hosts)]
    out["all_shares"] = [shares(a, h, False) if a in f.shares else "" for a, h in zip(ids, hosts)]
    out["control"] = [f.control.get(a, "none") for a in ids]
    out["ultimate_controller"] = [names.get(f.controller[a], {}).get("name") if a in f.controller else None
                                  for a in ids]
    out["controlling_country_code"] = [ctl_cc.get(a) for a in ids]
    ages = _ages(sb)
    out["evidence_date"] = [ages.get(a, (None, None))[0] for a in ids]
    out["to_recheck"] = [ages.get(a, (None, None))[1] for a in ids]
    for c, values in vendor_site.download_columns(sb, ids).items():  # "built by" (issue 13), beside ownership
        out[c] = values
    return out[[*COLUMNS, "geometry"]]


def _ages(sb: "SiteBuilder") -> dict[str, tuple]:
    """Per asset with stakes: (oldest newest-evidence date of its current stakes, marks)."""
    rule = AgeRule.from_settings(sb.settings)
    days: dict = {}  # evidence date -> as_date of it; (evidence date, status) -> flag: few distinct among thousands
    flags: dict = {}

    def day(d):
        try:
            return days[d]
        except KeyError:
            out = days[d] = as_date(d)
            return out

    def flag(d, status):
        try:
            return flags[d, status]
        except KeyError:
            out = flags[d, status] = rule.flag(day(d), status)
            return out

    out = {}
    for aid, hs in sb.holders_by_asset.items():
        dates = [d for d in (day(h["evidence_date"]) for h in hs if h["is_current"]) if d is not None]
        oldest = min(dates) if dates else None
        marks = {flag(h["evidence_date"], h["status"]) for h in hs} - {None}
        out[aid] = (oldest.isoformat() if oldest else None, "; ".join(sorted(marks)) or None)
    return out


def _write_geojson(gdf: pd.DataFrame, path: Path, licence: dict, text: pa.Table | None = None,
                   con: duckdb.DuckDBPyConnection | None = None, features: pa.ChunkedArray | None = None) -> None:
    """RFC 7946 GeoJSON with the licence as a top-level member.

    The features are encoded by DuckDB's JSON functions (about ten times faster than
    Python's encoder at 100,000 features; :func:`_features`), or given as ``features`` (those of
    :func:`_features` for these rows: a row's feature depends on that row only).
    """
    if features is None:
        features = _features(gdf, text, con)
    body = text_parts(features)
    head = '{"type":"FeatureCollection","licence":' + json.dumps(licence, sort_keys=True, ensure_ascii=False)
    if body:
        body[-1] = body[-1][:-1]  # the comma after the last feature
    _write_parts(path, [(head + ',"features":[').encode("utf-8"), *body, b"]}\n"])


def _features(gdf: pd.DataFrame, text: pa.Table | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> pa.ChunkedArray:
    """One GeoJSON feature per row, each followed by a comma, as an Arrow text column (rows in order).

    Points are built from their coordinates, other shapes from shapely's GeoJSON. ``text``: the
    columns as :func:`_text_table` gives them; without it (a column holds numbers) they are
    handed over as Python values.
    """
    cols = [c for c in gdf.columns if c != "geometry"]
    arr = gdf["geometry"].to_numpy()
    is_point = shapely.get_type_id(arr) == 0
    xy = np.full((len(arr), 2), np.nan)
    if is_point.any():
        xy[is_point] = shapely.get_coordinates(arr[is_point]).round(6)
    other = np.full(len(arr), None, dtype=object)
    if not is_point.all():
        other[~is_point] = shapely.to_geojson(arr[~is_point])
    if text is None:  # Python values, as DuckDB reads them from pandas
        frame = pd.DataFrame({c: gdf[c].to_numpy(dtype=object, na_value=None) for c in cols})
        frame = frame.assign(_lon=xy[:, 0], _lat=xy[:, 1], _geom=other)
    else:
        frame = (text.append_column("_lon", pa.array(xy[:, 0])).append_column("_lat", pa.array(xy[:, 1]))
                 .append_column("_geom", pa.array(other, type=pa.string())))
    props = ", ".join(f"'{c}', \"{c}\"" for c in cols)
    return _text_array(con, frame, f"""
        SELECT concat('{{"type":"Feature","properties":', json_object({props})::VARCHAR, ',"geometry":',
                      CASE WHEN _geom IS NULL
                           THEN concat('{{"type":"Point","coordinates":', json_array(_lon, _lat)::VARCHAR, '}}')
                           ELSE json(_geom)::VARCHAR END, '}},')
        FROM frame""")


def _text_array(con: duckdb.DuckDBPyConnection | None, frame, sql: str) -> pa.ChunkedArray:
    """The one text column of ``sql`` (run on ``frame``, an Arrow table or a DataFrame; rows in frame
    order); ``con`` from :func:`_connect` (None: one for this query)."""
    db = con or _connect()
    db.register("frame", frame)
    try:
        return db.sql(sql).to_arrow_table().column(0)
    finally:
        db.unregister("frame")
        if con is None:
            db.close()


def _connect(reads: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A connection that keeps the rows of a query in their order, for queries of registered frames only: a
    cursor of ``reads`` (~1 ms), else an in-memory database (~15 ms)."""
    con = duckdb.connect() if reads is None else reads.cursor()
    con.execute("SET preserve_insertion_order = true")
    return con


def _write_parts(path: Path, parts: list) -> None:
    with open(path, "wb") as f:
        for p in parts:
            f.write(p)


def _csv_specials() -> str:
    """The characters for which this Python's csv writer (as pandas uses it) quotes a field."""
    out = ""
    for ch in ",\"\n\r\t ;'":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f"a{ch}b", "c"])
        out += ch if buf.getvalue().startswith('"') else ""
    return out


_CSV_SPECIALS = _csv_specials()


def _text_table(gdf: pd.DataFrame) -> tuple[pa.Table, pa.Table | None]:
    """The columns but the geometry as Arrow (as the GeoParquet holds them), and the same with every
    column as text when every one holds text or nothing (None when one holds numbers or flags)."""
    table = pa.Table.from_pandas(pd.DataFrame(gdf.drop(columns="geometry")), preserve_index=False)
    cols = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            cols.append(col)
        elif col.null_count == len(col):
            cols.append(pa.nulls(len(col), pa.string()))
        else:
            return table, None
    return table, pa.table(cols, names=table.column_names) if cols else None


def _write_csv(gdf: pd.DataFrame, path: Path, text: pa.Table | None,
               con: duckdb.DuckDBPyConnection | None = None, lines: pa.ChunkedArray | None = None) -> None:
    """CSV with a ``wkt`` column, as pandas writes it (None empty, fields quoted only when needed).

    With ``text`` (:func:`_text_table`) the lines are put together by DuckDB (:func:`_csv_lines`), or
    given as ``lines`` (those of :func:`_csv_lines` for these rows); the same bytes.
    """
    if lines is None and (text is None or "wkt" in text.column_names):
        plain = pd.DataFrame(gdf.drop(columns="geometry"))
        plain["wkt"] = shapely.to_wkt(gdf["geometry"].to_numpy(), rounding_precision=6) if len(gdf) else []
        path.write_bytes(plain.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        return
    if lines is None:
        lines = _csv_lines(gdf, text, con)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([c for c in gdf.columns if c != "geometry"] + ["wkt"])
    _write_parts(path, [buf.getvalue().encode("utf-8"), *text_parts(lines)])


def _csv_lines(gdf: pd.DataFrame, text: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.ChunkedArray:
    """The CSV line of each row (:func:`_write_csv`; ``text`` as :func:`_text_table` gives it, without a
    ``wkt`` column), put together by DuckDB, as an Arrow text column."""
    wkt = shapely.to_wkt(gdf["geometry"].to_numpy(), rounding_precision=6) if len(gdf) else []
    frame = text.append_column("wkt", pa.array(wkt, type=pa.string()))

    def field(c: str) -> str:
        c = f'"{c}"'
        special = " OR ".join(f"contains({c}, {_sql_text(ch)})" for ch in _CSV_SPECIALS)
        return (f"CASE WHEN {c} IS NULL THEN '' WHEN {special} THEN concat('\"', replace({c}, '\"', '\"\"'), '\"') "
                f"ELSE {c} END")
    fields = ", ',', ".join(field(c) for c in frame.column_names)
    return _text_array(con, frame, f"SELECT concat({fields}, chr(10)) FROM frame")


def _sql_text(s: str) -> str:
    """A one-character SQL string literal."""
    return f"chr({ord(s)})"


class _Lines:
    """The CSV lines and GeoJSON features of the rows of one set (Arrow text columns, None where not
    made), so that a set of some of those rows takes its own instead of making them again."""

    def __init__(self, csv_lines: pa.ChunkedArray | None = None, features: pa.ChunkedArray | None = None):
        self.csv, self.features = csv_lines, features

    def take(self, rows: np.ndarray) -> "_Lines":
        """Those of the rows at the positions ``rows``, in that order."""
        pick = pa.array(rows, type=pa.int64())
        return _Lines(*(None if col is None else col.take(pick) for col in (self.csv, self.features)))


def _write_set(gdf: pd.DataFrame, out: Path, stem: str, lic: str,
               formats: tuple[str, ...] = ("csv", "geojson", "parquet"),
               con: duckdb.DuckDBPyConnection | None = None, given: _Lines | None = None) -> _Lines:
    """Write one set's files; return its lines (:class:`_Lines`), ``given`` ones used where there are."""
    licence = {"id": lic, "url": licences.url(lic),
               "attribution": "infrarisk; sources and attributions: sources.html of the site"}
    table, text = _text_table(gdf)  # once for the three files
    made = _Lines(*(given.csv, given.features) if given is not None else ())
    if "csv" in formats:
        if made.csv is None and text is not None and "wkt" not in text.column_names:
            made.csv = _csv_lines(gdf, text, con)
        _write_csv(gdf, out / f"{stem}.csv", text, con, made.csv)
    if "geojson" in formats:
        if made.features is None:
            made.features = _features(gdf, text, con)
        _write_geojson(gdf, out / f"{stem}.geojson", licence, text, con, made.features)
    if "parquet" in formats:
        _write_geoparquet(gdf, out / f"{stem}.parquet", licence, table)
    return made


#: the formats of each download set (file extension, label)
FORMATS = (("csv", "CSV"), ("geojson", "GeoJSON"), ("parquet", "GeoParquet"))


def _set_specs(sb: "SiteBuilder", md: MapData) -> list[tuple]:
    """(name, stem, layer ids left out, licence, rows) of each download set: every layer, and, when some
    layers are non-commercial and others not, the same without them."""
    lics = {layer.id: layer_licence(sb, layer, fr) for layer, fr in md.layers}
    lic = licences.most_restrictive(lics.values() or [f["licence"] for s in sb.sources for f in s["files"]])
    specs = [("all", STEM, frozenset(), lic, sum(len(fr) for _, fr in md.layers))]
    nc = {k for k, v in lics.items() if v in licences.NONCOMMERCIAL}
    if nc and len(nc) < len(lics):
        specs.append(("except-nc", STEM_EXCEPT_NC, frozenset(nc),
                      licences.most_restrictive(v for k, v in lics.items() if k not in nc),
                      sum(len(fr) for layer, fr in md.layers if layer.id not in nc)))
    return specs


def describe_downloads(sb: "SiteBuilder", md: MapData) -> list[dict]:
    """The descriptions of the download files (set, label, href, format, licence, rows), without their rows."""
    return [{"set": name, "label": label, "href": f"{stem}.{ext}", "format": ext, "licence": set_lic,
             "licence_url": licences.url(set_lic), "nc": set_lic in licences.NONCOMMERCIAL, "n": n}
            for name, stem, _, set_lic, n in _set_specs(sb, md) for ext, label in FORMATS]


def download_sets(sb: "SiteBuilder", md: MapData) -> list[tuple]:
    """The download sets: (name, stem, GeoDataFrame of :func:`table`, licence, rows), ``rows`` None
    for the set of every row, else the positions of the set's rows in it (which :func:`write_sets`
    takes their lines from)."""
    gdf = table(sb, md)
    out = _Sets()
    out.con = sb.con
    for name, stem, left_out, set_lic, _ in _set_specs(sb, md):
        if not left_out:
            out.append((name, stem, gdf, set_lic, None))
        else:
            rows = np.flatnonzero(~gdf["layer"].isin(left_out).to_numpy())
            out.append((name, stem, gdf.iloc[rows].reset_index(drop=True), set_lic, rows))
    return out


class _Sets(list):
    """:func:`download_sets`' sets and ``con``, the connection they were read through (:func:`_connect`)."""
    con: duckdb.DuckDBPyConnection | None = None


def write_sets(sets: list[tuple], out_dir: Path, formats: tuple[str, ...] = ("csv", "geojson", "parquet")) -> None:
    """Write each set of :func:`download_sets` in ``formats`` under ``out_dir/data``.

    A set given as (name, stem, frame, licence, rows) with ``rows`` not None holds the rows at those
    positions of the set before it of every row (``rows`` None): its CSV lines and GeoJSON
    features are taken from that set's (a row's line depends on that row only), not made again.
    """
    out = Path(out_dir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    reads = getattr(sets, "con", None)
    con = _connect(reads)  # one for every file
    whole: _Lines | None = None  # the lines of the last set of every row
    try:
        for name, stem, frame, set_lic, *rest in sets:
            rows = rest[0] if rest else None
            given = whole.take(rows) if rows is not None and whole is not None else None
            made = _write_set(frame, out, stem, set_lic, formats, con, given)
            if rows is None:
                whole = made
    finally:
        con.close()


def _write_geoparquet(gdf: pd.DataFrame, path: Path, licence: dict, table: pa.Table | None = None) -> None:
    """GeoParquet 1.0.0: WKB geometry, ``geo`` metadata (CRS omitted = OGC:CRS84), and the licence;
    ``table``: the columns but the geometry as :func:`_text_table` gives them."""
    import pyarrow.parquet as pq
    geoms = gdf["geometry"].to_numpy()
    if table is None:
        table = pa.Table.from_pandas(pd.DataFrame(gdf.drop(columns="geometry")), preserve_index=False)
    table = table.append_column("geometry", pa.array(shapely.to_wkb(geoms, output_dimension=2), type=pa.binary()))
    types = sorted(set(shapely.get_type_id(geoms).tolist()))
    names = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}
    bbox = [float(v) for v in shapely.total_bounds(geoms)] if len(geoms) else []
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": [names[t] for t in types if t in names],
                                    **({"bbox": bbox} if bbox else {})}}}
    meta = {b"geo": json.dumps(geo, sort_keys=True).encode(), b"licence": json.dumps(licence, sort_keys=True).encode()}
    table = table.replace_schema_metadata(meta)  # drops the pandas metadata: plain columns
    pq.write_table(table, path, compression="zstd")
