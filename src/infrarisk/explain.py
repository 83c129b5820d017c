"""Evidence for one asset, read from the tables the score stage wrote: holders, control chain,
look-through paths, each step with its sources.

Contract: :class:`Explainer` reads, once per site build or analyst session, the stakes of
the resolved scope (``core_ownership__links``, ``core_ownership__entities``,
``out_ownership__entities``), the control of each asset (``out_ownership__asset_controllers``)
and the evidence of its bands (``out_exposure__asset_groups`` and the
``out_exposure__evidence_*`` tables of :mod:`infrarisk.score`). :meth:`Explainer.asset`
returns, for one asset, everything needed to justify its figures: every recorded stake
(current or not) with status, date and source; the control chain with the basis of each
step; and, per high-risk group, the band, the reason in words and the ownership paths from
the entities controlled from that group down to the asset. Nothing is recomputed: no
ownership graph is loaded and no control or share is derived here. A stake's record holds
the columns of :data:`LINK_COLUMNS`; the evidence tables are read column by column through
Arrow (:func:`_rows`), the links and entities as frames through Arrow too (:func:`frame`: their
text made into Python objects once).

The readers it uses serve the site's other reads too (:mod:`infrarisk.site`, :mod:`infrarisk.history`),
each giving what a plainer call gives, faster: :func:`arrow` (a query's Arrow table, also after an
unfinished ``execute``), :func:`frame` (``df()``'s frame), :func:`pycolumns` (``fetchall()``'s values,
by column, optionally sorted by a key), :func:`dicts` (``dict(zip(names, row))`` per row),
:func:`columns` and :func:`records` (a frame's values as ``to_dict("records")`` has them).
"""

from __future__ import annotations

import functools
import warnings

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .fmt import date_text, edge_share, share_text, stake_share
from .profiles import Profile
from .settings import Settings

#: the nodes of the resolved scope: entities on the assets' chains, and the assets with ownership data
SCOPE_SQL = ("SELECT entity_id FROM out_ownership__entities UNION ALL "
             "SELECT asset_id FROM out_ownership__asset_controllers")


#: the columns of ``core_ownership__links`` in the link records (:attr:`Explainer.link_by_id`; and the
#: site's, :mod:`infrarisk.site.builder`), with ``owner_name``: what the evidence and the site read of a link
LINK_COLUMNS = ("link_id", "subject_kind", "subject_id", "owner_entity_id", "interest_type", "share_min", "share_max",
                "is_share_stated", "status", "is_current", "as_of_date", "as_of_precision", "is_control",
                "control_basis", "source_url", "source_title", "note", "evidence_date", "evidence_precision")


def columns(df: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """The column names of a frame and its columns as object arrays, values as :func:`records` has them
    (dates: each distinct date made into a Timestamp once, few among thousands of rows)."""
    names = list(df.columns)
    cols = []
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
            distinct, at = np.unique(s.to_numpy(), return_inverse=True)
            cols.append(pd.Series(distinct).to_numpy(dtype=object)[at.reshape(-1)])
            continue
        masked = isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and s.dtype.na_value is pd.NA
        cols.append(s.to_numpy(dtype=object, na_value=None) if masked else s.to_numpy(dtype=object))
    return names, cols


def dicts(names, cols) -> list[dict]:
    """``[dict(zip(names, row)) for row in zip(*cols)]``: a dict per row of the columns ``cols``, keyed by
    ``names`` (a repeated name: the last value), made by a dict display compiled once per tuple of names
    (about twice as fast on tens of thousands of rows).

    >>> dicts(["a", "b", "a"], [[1, 2], ["x", "y"], [3, 4]])
    [{'a': 3, 'b': 'x'}, {'a': 4, 'b': 'y'}]
    """
    names = tuple(names)
    if not names or not all(type(n) is str for n in names):
        return [dict(zip(names, row)) for row in zip(*cols)]
    return _dict_maker(names)(cols)


@functools.lru_cache(maxsize=128)
def _dict_maker(names: tuple[str, ...]):
    """``lambda cols: [{names[0]: v0, names[1]: v1, ...} for (v0, v1, ...) in zip(*cols)]``."""
    vs = [f"v{i}" for i in range(len(names))]
    body = ", ".join(f"{n!r}: {v}" for n, v in zip(names, vs))
    return eval(f"lambda cols: [{{{body}}} for ({', '.join(vs)},) in zip(*cols)]", {})  # noqa: S307 (names as literals)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows of a frame as dicts, values as ``df.to_dict("records")`` gives them, built column by column.

    Plain Python values; missing text and floats NaN as pandas reads them, missing booleans and
    integers (masked columns) None. Several times faster than ``to_dict`` on wide frames.
    """
    names, cols = columns(df)
    return dicts(names, cols)


def arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The result of ``sql`` as an Arrow table (``con.sql(sql).to_arrow_table()``). Like ``con.execute``, it
    runs while the connection still holds an unfinished result of an earlier ``execute`` (a caller's
    ``fetchone``), which then is dropped, as ``execute`` drops it (through ``execute`` then: Arrow output
    of its result copies the rows once more)."""
    try:
        return con.sql(sql).to_arrow_table()
    except duckdb.ResourceInUseException:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
            return con.execute(sql).to_arrow_table()


def frame(con: duckdb.DuckDBPyConnection, sql: str, plain_text: bool = True, nones: dict | None = None) -> pd.DataFrame:
    """The frame ``con.execute(sql).df()`` gives, but text columns of plain Python objects (missing text
    NaN, as ``astype(object)`` of pandas' text columns has it), read through Arrow: pandas turns the
    text DuckDB hands it into Arrow-backed columns, which the site's readers turn back into Python
    objects; read this way, the text is made into Python objects once. Columns of text, numbers,
    flags, dates and timestamps (without time zone) are read through Arrow; a query with columns of
    other types or a repeated column name is read by ``df()`` (its text columns then made plain).
    ``plain_text`` False: ``df()``'s frame itself (text in pandas' Arrow-backed columns, taken from
    Arrow's without a Python object per value). ``nones``, a dict: it gets, per text column read through
    Arrow as objects, those objects with None where text is missing (``to_numpy(dtype=object,
    na_value=None)`` of the column, without looking for the missing values again).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> df = frame(con, "SELECT * FROM (VALUES ('a', 1.5, DATE '2020-01-02'), (NULL, NULL, NULL)) t(s, x, d)")
    >>> [str(t) for t in df.dtypes], df["s"].tolist(), df["d"].tolist()
    (['object', 'float64', 'datetime64[us]'], ['a', nan], [Timestamp('2020-01-02 00:00:00'), NaT])
    """
    table = arrow(con, sql)
    names = table.column_names
    made: dict = {}
    cols = [_pandas_column(col, plain_text, made, n) for n, col in zip(names, table.columns)]
    if any(c is None for c in cols) or len(set(names)) < len(names):  # as pandas reads it (and renames)
        df = con.execute(sql).df()
        for c in df.columns:
            if plain_text and pd.api.types.is_string_dtype(df[c]) and df[c].dtype != object:
                df[c] = df[c].astype(object)
        return df
    if nones is not None:
        nones.update(made)
    return pd.DataFrame({n: c if isinstance(c, pd.Series) else pd.Series(c, copy=False) for n, c in zip(names, cols)},
                        copy=False)


def _pandas_column(col: pa.ChunkedArray, plain_text: bool = True, nones: dict | None = None, name: str = ""):
    """The values of an Arrow column as ``df()`` gives them (text as object with ``plain_text``; see
    :func:`frame`, and ``nones``), or None for a type read otherwise."""
    t, nulls = col.type, col.null_count
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if not plain_text and nulls < len(col):  # pandas' text column (an all-missing or empty one: objects)
            return pd.Series(pd.array((col if pa.types.is_string(t) else col.cast(pa.string())).combine_chunks(),
                                      dtype="str"), copy=False)  # one chunk, as pandas makes it
        out = col.to_numpy(zero_copy_only=False)
        if out.dtype != object:
            out = out.astype(object)
        if nones is not None:
            nones[name] = out.copy()
        if nulls and nulls < len(col):  # pandas: NaN where text is missing, None where all of it is
            out[col.is_null().to_numpy(zero_copy_only=False)] = np.nan
        return pd.Series(out, dtype=object, copy=False)  # not inferred as text again
    if pa.types.is_floating(t):
        return col.to_numpy()
    if pa.types.is_boolean(t):
        return pd.array(col.to_pylist(), dtype="boolean") if nulls else col.to_numpy(zero_copy_only=False)
    if pa.types.is_signed_integer(t):
        if nulls:
            return pd.array(col.to_pylist(), dtype={8: "Int8", 16: "Int16", 32: "Int32", 64: "Int64"}[t.bit_width])
        return col.to_numpy()
    if pa.types.is_date32(t) or (pa.types.is_timestamp(t) and t.tz is None and t.unit == "us"):
        return col.cast(pa.timestamp("us")).to_numpy()
    return None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, order: tuple[str, ...] = ()) -> list[dict]:
    """The rows of ``sql`` as dicts of the values ``fetchall`` gives (:func:`pycolumns`)."""
    return dicts(*pycolumns(con, sql, order))


def pycolumns(con: duckdb.DuckDBPyConnection, sql: str, order: tuple[str, ...] = ()) -> tuple[list[str], list[list]]:
    """The column names of ``sql`` and its columns as lists of the values ``fetchall`` gives (``zip(*cols)``
    is ``fetchall()``), read column by column through Arrow where every column is of a type whose Arrow
    values are those (text, numbers, flags, lists of text), else by ``fetchall``. ``order``: columns whose
    values tell the rows apart (a key), the rows sorted by them, ascending, missing values last (as
    ``ORDER BY`` sorts them, but by Arrow: DuckDB's sort of a few thousand rows costs more).

    >>> pycolumns(duckdb.connect(), "SELECT * FROM (VALUES (2, 'a'), (NULL, NULL), (1, 'b')) t(n, s)", ("n",))
    (['n', 's'], [[1, 2, None], ['b', 'a', None]])
    """
    table = arrow(con, sql)
    names = table.column_names
    if not all(_plain_type(t) for t in table.schema.types):
        if order:
            sql = f"SELECT * FROM ({sql}) ORDER BY {', '.join(order)}"
        rows = con.execute(sql).fetchall()
        return names, [list(c) for c in zip(*rows)] if rows else [[] for _ in names]
    if order:
        table = table.take(pc.sort_indices(table, [(k, "ascending") for k in order]))  # missing values last
    return names, [col.to_pylist() for col in table.columns]


def _plain_type(t: pa.DataType) -> bool:
    """Arrow types whose Python values are those DuckDB's ``fetchall`` gives."""
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t) or pa.types.is_integer(t)
            or pa.types.is_floating(t) or pa.types.is_null(t)
            or ((pa.types.is_list(t) or pa.types.is_large_list(t)) and _plain_type(t.value_type)))


class Explainer:
    """Explain assets of one finished build under the profile its bands were scored with."""

    def __init__(self, con: duckdb.DuckDBPyConnection, profile: Profile, settings: Settings):
        self.profile, self.settings = profile, settings
        # only the links and entities of the resolved scope (the assets' ancestors), never a whole registry
        self.links = frame(con, f"""
            SELECT {", ".join("l." + c for c in LINK_COLUMNS)}, e.entity_name AS owner_name
            FROM core_ownership__links l JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            WHERE l.subject_id IN ({SCOPE_SQL})
            ORDER BY l.subject_kind, l.subject_id, l.is_current DESC, l.share_min DESC, l.link_id""")
        #: the links' columns (:func:`columns`), from which the records are made (and the site's,
        #: :mod:`infrarisk.site.builder`)
        self.link_columns = columns(self.links)
        names, cols = self.link_columns
        self.link_by_id = {r["link_id"]: r for r in dicts(names, cols)}
        self._link_dates: dict[tuple, str | None] = {}
        self._date_of_link: dict[str, str | None] = {}
        # the links of each asset as records, grouped once: the site asks for thousands of assets
        self._asset_links: dict[str, list[dict]] = {}
        for r in self.link_by_id.values():
            if r["subject_kind"] == "asset":
                self._asset_links.setdefault(r["subject_id"], []).append(r)
        self.entities = frame(con, """
            SELECT e.entity_id, e.entity_name, e.lei, e.entity_type, e.jurisdiction_code, e.hq_country_code,
                   o.controlling_country_code, o.controlling_country_basis, o.control_chain,
                   o.is_state_controlled, o.is_state
            FROM core_ownership__entities e JOIN out_ownership__entities o USING (entity_id)""") \
            .set_index("entity_id", drop=False)
        _, (ids, codes, bases) = columns(self.entities[["entity_id", "controlling_country_code",
                                                         "controlling_country_basis"]])  # as records() has them
        self._entity_country = {e: {"controlling_country_code": c, "controlling_country_basis": b}
                                for e, c, b in zip(ids.tolist(), codes.tolist(), bases.tolist())}
        self._entity_name = dict(zip(self.entities["entity_id"], self.entities["entity_name"]))
        # merged current edges: by id, and the edges into each node (the ownership graph above an asset)
        self.edges = {r["edge_id"]: r for r in _rows(con, "SELECT * FROM out_exposure__evidence_edges", ("edge_id",))}
        self.in_edges: dict[str, list[dict]] = {}
        for r in self.edges.values():
            self.in_edges.setdefault(r["subject_id"], []).append(r)
        self.controllers = {r["asset_id"]: r for r in _rows(con, "SELECT * FROM out_ownership__asset_controllers")}
        self._control_steps: dict[str, list[int]] = {}
        for aid, eid in con.execute("SELECT asset_id, edge_id FROM out_exposure__evidence_control "
                                    "ORDER BY asset_id, step").fetchall():
            self._control_steps.setdefault(aid, []).append(eid)
        self._groups: dict[str, list[dict]] = {}
        self._group_ids = [g.id for g in profile.groups]  # the profile's order
        for r in _rows(con, "SELECT * FROM out_exposure__asset_groups", ("asset_id", "group_id")):
            self._groups.setdefault(r["asset_id"], []).append(r)
        self._paths: dict[tuple[str, str], list[list[dict]]] = {}
        for r in _rows(con, "SELECT * FROM out_exposure__evidence_paths ORDER BY asset_id, group_id, path, step"):
            ps = self._paths.setdefault((r["asset_id"], r["group_id"]), [])
            if r["step"] == 1:
                ps.append([])
            ps[-1].append(r)

    def link_date(self, link_id: str) -> str | None:
        """:func:`link_date` of a link of the scope, worked out once per date and precision (and
        looked up once per link: hashing a date is slower than hashing an id)."""
        try:
            return self._date_of_link[link_id]
        except KeyError:
            pass
        r = self.link_by_id[link_id]
        key = (r["as_of_date"], r["as_of_precision"])  # few distinct dates among thousands of links
        try:
            out = self._link_dates[key]
        except KeyError:
            out = self._link_dates.setdefault(key, link_date(r))
        self._date_of_link[link_id] = out
        return out

    def has(self, asset_id: str) -> bool:
        """Whether the asset has ownership data (it is in the resolved scope)."""
        return asset_id in self.controllers

    # ------------------------------------------------------------------ pieces
    def _sources(self, link_ids: list[str]) -> list[dict]:
        out = []
        for lid in link_ids:
            r = self.link_by_id[lid]
            out.append({"url": r["source_url"], "title": r["source_title"] or r["source_url"],
                        "as_of": self.link_date(lid), "status": r["status"],
                        "evidence_date": _na(r.get("evidence_date")), "evidence_precision": r.get("evidence_precision")})
        return out

    def _step(self, e: dict) -> dict:
        return {"owner_id": e["owner_entity_id"], "owner_name": e["owner_name"], "subject_id": e["subject_id"],
                "subject_name": e["subject_name"], "share": edge_share(e["share_min"], e["share_max"]),
                "is_conflict": bool(e["is_conflict"]), "sources": self._sources(e["link_ids"])}

    def holders(self, asset_id: str) -> list[dict]:
        """Every recorded stake in the asset (current first), with its source."""
        out = []
        for r in self._asset_links.get(asset_id, []):
            ent = self._entity_country[r["owner_entity_id"]]
            out.append({
                "owner_id": r["owner_entity_id"], "owner_name": r["owner_name"],
                "owner_country": _na(ent["controlling_country_code"]),
                "owner_country_basis": ent["controlling_country_basis"],
                "share": stake_share(r["share_min"], r["share_max"], r["is_share_stated"]),
                "interest_type": r["interest_type"], "status": r["status"], "is_current": bool(r["is_current"]),
                "as_of": self.link_date(r["link_id"]), "evidence_date": _na(r.get("evidence_date")),
                "is_control": bool(r["is_control"]), "control_basis": _na(r["control_basis"]),
                "source_url": r["source_url"], "source_title": _na(r["source_title"]) or r["source_url"],
                "note": _na(r["note"]),
            })
        return out

    def control_edges(self, asset_id: str) -> list[dict]:
        """The edges of the asset's control chain, top-down as the score stage wrote them (records of
        ``out_exposure__evidence_edges``)."""
        return [self.edges[eid] for eid in self._control_steps.get(asset_id, ())]

    def group_rows(self, asset_id: str) -> list[tuple[dict, list[list[dict]]]]:
        """Per high-risk group of the profile (in its order) with a row for the asset: the row of
        ``out_exposure__asset_groups`` and its paths (each a list of ``out_exposure__evidence_paths``
        records, by step)."""
        rows = self._groups.get(asset_id)
        if not rows:
            return []
        by_id = {r["group_id"]: r for r in rows}
        return [(by_id[g], self._paths.get((asset_id, g), [])) for g in self._group_ids if g in by_id]

    def control(self, asset_id: str) -> dict | None:
        """The control chain of the asset, or None when no controller is identified."""
        c = self.controllers.get(asset_id)
        if c is None or c["controller_entity_id"] is None:
            return None
        steps = [{**self._step(self.edges[eid]), "basis": self.edges[eid]["control_basis"]}
                 for eid in self._control_steps.get(asset_id, [])]
        top = c["control_chain_ids"][-1]
        return {"steps": steps, "ultimate_id": top, "ultimate_name": self._entity_name[top],
                "country": c["controlling_country_code"], "country_basis": c["controlling_country_basis"],
                "reaches_state": bool(c["is_state_controlled"]), "is_loop": c["ultimate_controller_entity_id"] is None}

    def group_view(self, asset_id: str) -> list[dict]:
        """Per high-risk group: band, reason, look-through share, traced and untraced share, the basis
        of the band and the band the untraced share could reach, and the paths behind it."""
        if not self.has(asset_id):
            return []
        rows = {r["group_id"]: r for r in self._groups.get(asset_id, [])}
        out = []
        for grp in self.profile.groups:  # in the profile's order
            r = rows.get(grp.id)
            if r is None:
                continue
            paths = [{"steps": [self._step(self.edges[s["edge_id"]]) for s in p],
                      "look_through": share_text(p[0]["look_through"], p[0]["look_through"]),
                      "top_id": p[0]["top_entity_id"], "top_name": self.edges[p[0]["edge_id"]]["owner_name"],
                      "top_country": p[0]["top_country_code"]}
                     for p in self._paths.get((asset_id, r["group_id"]), [])]
            out.append({"group_id": r["group_id"], "group_label": r["group_label"], "band": r["band"],
                        "share": share_text(r["share_min"], r["share_max"]), "share_min": r["share_min"],
                        "share_max": r["share_max"], "is_controlled": bool(r["is_controlled"]),
                        "operator": r["operator_name"], "reason": r["band_reason"], "paths": paths,
                        "traced_share": r["traced_share"], "untraced_share": r["untraced_share"],
                        "band_basis": r["band_basis"], "band_max": r["band_max"],
                        "is_more_exposed_reading": bool(r["is_more_exposed_reading"]),
                        "sources": [vars(s) for s in grp.sources]})
        return out

    def asset(self, asset_id: str) -> dict:
        """Everything that justifies the asset's figures (see module docstring)."""
        return {"asset_id": asset_id, "holders": self.holders(asset_id), "control": self.control(asset_id),
                "groups": self.group_view(asset_id)}


def _na(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT else v


def link_date(r) -> str | None:
    """The date of a link record at the precision its source gives."""
    return date_text(r["as_of_date"], r["as_of_precision"])
