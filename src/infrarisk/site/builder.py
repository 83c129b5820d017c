"""What every page of the site reads from one finished build, read once.

Contract: :class:`SiteBuilder` holds the connection, settings and profile of a site build
and reads, once, the sources and files (``core_meta__*``), every asset with its band
(``out_exposure__assets``: the columns of :data:`ASSET_COLUMNS`), the evidence of the bands (:class:`~infrarisk.explain.Explainer`:
holders, control chains, paths and the ownership edges, from the tables the score stage
wrote) and lookups by id, so that per-asset work stays linear at 100,000 assets. It reads
tables only: no ownership graph is loaded and nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pandas as pd

from ..explain import Explainer
from ..reads import dicts, frame, pycolumns
from ..fmt import share_text
from ..profiles import Profile
from ..settings import Settings
from . import fragments
from .features import TYPE_LABELS
from ..collector import paused
from .render import render


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, missing values as None (vectorised: this runs on 100,000-row tables)."""
    names = [str(c) for c in df.columns]
    cols = [df[c].to_numpy(dtype=object, na_value=None) for c in df.columns]
    return dicts(names, cols)


def as_records(df: pd.DataFrame, columns: tuple[list[str], list[np.ndarray]],
               made: list[dict] | None = None) -> list[dict]:
    """:func:`_records` of ``df`` from its :func:`infrarisk.reads.columns` (converted once): a missing
    value is None, but for dates (NaT, as :func:`_records` has it). ``made``: the rows as dicts of those
    columns (:attr:`infrarisk.explain.Explainer.link_by_id`'s), copied with their missing values set
    to None instead of made again.

    Examples
    --------
    >>> from infrarisk.reads import columns
    >>> df = pd.DataFrame({"a": [1.5, None], "d": pd.to_datetime(["2020-01-02", None]), "s": ["x", None]})
    >>> as_records(df, columns(df))
    [{'a': 1.5, 'd': Timestamp('2020-01-02 00:00:00'), 's': 'x'}, {'a': None, 'd': NaT, 's': None}]
    """
    names, cols = columns
    fix = []  # (column number, name, where missing)
    for i, (name, c, col) in enumerate(zip(names, df.columns, cols)):
        if not pd.api.types.is_datetime64_any_dtype(df[c].dtype):
            missing = pd.isna(col)
            if missing.any():
                fix.append((i, name, missing))
    if made is not None and len(made) == len(df):
        rows = [dict(r) for r in made]
        for _, name, missing in fix:
            for k in np.flatnonzero(missing).tolist():
                rows[k][name] = None
        return rows
    cols = list(cols)
    for i, _, missing in fix:
        cols[i] = cols[i].copy()
        cols[i][missing] = None
    return dicts(names, cols)


class AssetRows(Mapping):
    """The rows of ``out_exposure__assets`` by asset id, as :func:`_records` gives them; each row's
    dict is made when it is first asked for (most pages read a few columns of each asset:
    :meth:`value`), so that 100,000 assets do not cost 100,000 dicts up front. ``nones``: columns of
    ``df`` by name as ``to_numpy(dtype=object, na_value=None)`` gives them, made already (:func:`frame`'s)."""

    def __init__(self, df: pd.DataFrame, nones: dict | None = None):
        self._names = [str(c) for c in df.columns]
        self._col = {n: i for i, n in enumerate(self._names)}
        nones = nones or {}
        self._cols = [nones[n] if n in nones else df[c].to_numpy(dtype=object, na_value=None)
                      for n, c in zip(self._names, df.columns)]
        ids = self._cols[self._col["asset_id"]].tolist() if len(df) else []
        self._pos = dict(zip(ids, range(len(ids))))
        self._made: dict[str, dict] = {}

    def __getitem__(self, asset_id: str) -> dict:
        try:
            return self._made[asset_id]
        except KeyError:
            i = self._pos[asset_id]
            row = self._made[asset_id] = dict(zip(self._names, (c[i] for c in self._cols)))
            return row

    def get(self, asset_id, default=None):
        return self[asset_id] if asset_id in self._pos else default

    def __contains__(self, asset_id) -> bool:
        return asset_id in self._pos

    def __iter__(self):
        return iter(self._pos)

    def __len__(self) -> int:
        return len(self._pos)

    def value(self, asset_id: str, column: str):
        """One column of one asset's row; None for an asset that is not a row."""
        i = self._pos.get(asset_id)
        return None if i is None else self._cols[self._col[column]][i]

    def column(self, column: str, asset_ids) -> list:
        """``[self.value(a, column) for a in asset_ids]``."""
        col, pos = self._cols[self._col[column]], self._pos
        return [None if i is None else col[i] for i in map(pos.get, asset_ids)]


#: the columns of ``out_exposure__assets`` the site reads of an asset (:attr:`SiteBuilder.assets`): the layers'
#: features (:func:`.features.asset_frame` and the layers' filters), the details (:data:`.details.ROW_COLUMNS`),
#: the cards and the foreign-stakes table and download (:meth:`SiteBuilder.assets_rows`)
ASSET_COLUMNS = ("asset_id", "name", "asset_type", "asset_class", "country_code", "unlocode", "parent_asset_id",
                 "latitude", "longitude", "position_precision", "position_source_url", "operator_name", "is_planned",
                 "is_europe", "band", "band_group_label", "band_reason", "control_chain", "licence")

#: templates whose long, repeated parts are written as strings (:mod:`.fragments`): template -> context -> parts
PARTS = {"assets.html": lambda ctx: {"rows_html": fragments.asset_rows(ctx["rows"], ctx.get("owner_urls") or {})}}


def read_sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every source of the build (``core_meta__sources``) with its ``files`` (``core_meta__files``)."""
    sources = _records(con.execute("SELECT * FROM core_meta__sources ORDER BY source_id").df())
    files = _records(con.execute("SELECT * FROM core_meta__files ORDER BY source_id, path").df())
    for s in sources:
        s["files"] = [f for f in files if f["source_id"] == s["source_id"]]
    return sources


def page_common(sources: list[dict], settings: Settings, profile: Profile) -> dict:
    """What every page's context holds (:attr:`SiteBuilder.common`, before the owner pages' URLs join it)."""
    return {"sources": sources, "profile": profile, "as_of": settings.as_of}


class SiteBuilder:
    """Collects what every page needs from one finished database."""

    @paused()  # hundreds of thousands of small objects at 100,000 assets: no collection of the build's heap meanwhile
    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile):
        self.con, self.settings, self.profile = con, settings, profile
        self.explainer = Explainer(con, profile, settings)
        self.sources = read_sources(con)
        # text as plain Python objects (:func:`~infrarisk.reads.frame`): iterating Arrow-backed strings row by row is slow
        nones: dict = {}  # its text columns with None where missing, as the rows have them
        self.assets = frame(con, f"SELECT {', '.join(ASSET_COLUMNS)} FROM out_exposure__assets ORDER BY asset_id",
                            nones=nones)
        self.common = page_common(self.sources, settings, profile)
        # lookups by id, so that per-asset work stays linear at 100,000 assets
        self.asset_rows = AssetRows(self.assets, nones)
        links = as_records(self.explainer.links, self.explainer.link_columns,  # converted once, by the Explainer
                           list(self.explainer.link_by_id.values()))
        self.links_by_id = {r["link_id"]: r for r in links}
        self.holders_by_asset: dict[str, list[dict]] = {}
        for r in links:  # already ordered: current first, largest share first
            if r["subject_kind"] == "asset":
                self.holders_by_asset.setdefault(r["subject_id"], []).append(r)
        self.entity_info = {r["entity_id"]: {"name": r["entity_name"], "country": r["controlling_country_code"],
                                             "is_state": bool(r["is_state"])}
                            for r in _records(self.explainer.entities[["entity_id", "entity_name",
                                                                        "controlling_country_code", "is_state"]])}
        # holders of past stakes in an asset can lie outside the resolved scope (current links only)
        for eid, name, cc, st in con.execute("""
                SELECT e.entity_id, e.entity_name, o.controlling_country_code, coalesce(o.is_state, false)
                FROM core_ownership__entities e LEFT JOIN out_ownership__entities o USING (entity_id)
                WHERE e.entity_id IN (SELECT owner_entity_id FROM core_ownership__links WHERE subject_kind = 'asset')
                ORDER BY e.entity_id""").fetchall():
            if eid not in self.entity_info:
                self.entity_info[eid] = {"name": name, "country": cc, "is_state": bool(st)}
        self.entity_conflicts = entity_conflicts(con, self.entity_info)
        ids, numbers = pycolumns(con, "SELECT asset_id, wpi_number FROM core_assets__ports WHERE wpi_number IS NOT NULL")[1]
        self.wpi = dict(zip(ids, map(str, numbers)))

    def page(self, template: str, page: str, title: str, **ctx) -> str:
        """A page from its template; a template of :data:`PARTS` gets its repeated parts as markup."""
        context = {**self.common, **ctx}
        if template in PARTS:
            context.update(PARTS[template](context))
        return render(template, page=page, title=title, **context)

    def _port_name(self, port_id) -> str | None:
        r = self.asset_rows.get(port_id) if isinstance(port_id, str) else None
        return None if r is None else r["name"]

    # -------------------------------------------------------------- pages
    def assets_rows(self) -> list[dict]:
        countries = self.con.execute("""
            SELECT c.asset_id, c.country_code, c.share_min, c.share_max, c.is_controlled
            FROM out_ownership__asset_countries c JOIN core_assets__assets a USING (asset_id)
            WHERE c.country_code <> a.country_code AND c.share_min > 0
            ORDER BY c.asset_id, c.share_min DESC, c.country_code""").df()
        by_asset: dict[str, list[dict]] = {}
        for c in _records(countries):  # already ordered by asset
            by_asset.setdefault(c["asset_id"], []).append(c)
        rows = []
        for aid, grp in by_asset.items():
            r = dict(self.asset_rows[aid])
            r["asset_type_label"] = TYPE_LABELS.get(r["asset_type"], r["asset_type"])
            r["port_name"] = self._port_name(r["parent_asset_id"])
            r["countries"] = [{"country_code": c["country_code"],
                               "share": share_text(float(c["share_min"]), float(c["share_max"])),
                               "is_controlled": bool(c["is_controlled"])} for c in grp]
            r["holders"] = [h for h in self.explainer.holders(aid) if h["is_current"]]
            rows.append(r)
        rows.sort(key=lambda r: (r["country_code"], r["name"]))
        return rows


#: the fields of ``core_match__conflicts`` in words
CONFLICT_FIELDS = {"seat_country": "seat country", "controlling_parent": "controlling parent"}


def entity_conflicts(con: duckdb.DuckDBPyConnection, names: dict[str, dict]) -> dict[str, list[list]]:
    """The readings sources disagree on, per entity: ``[field in words, value, source URL,
    what the source is]`` from ``core_match__conflicts`` (empty where the table is absent);
    a parent's id is written as its name where the site knows it."""
    try:
        rows = con.execute("SELECT entity_id, field, value, source_url, detail FROM core_match__conflicts "
                           "ORDER BY entity_id, field, value, source_id, source_url").fetchall()
    except duckdb.CatalogException:
        return {}
    out: dict[str, list[list]] = {}
    for eid, field, value, url, detail in rows:
        shown = names.get(value, {}).get("name", value) if field == "controlling_parent" else value
        out.setdefault(eid, []).append([CONFLICT_FIELDS.get(field, field.replace("_", " ")), shown, url, detail])
    return out
