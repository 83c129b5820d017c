"""The analysts' API, the database object: plumbing, what-if views and maps.

Contract: :class:`Database` wraps one DuckDB connection (a built file or an in-memory
build) with the profile its exposure tables were scored under. Its reading methods come
from :class:`~infrarisk.api.tables.TablesMixin`, :class:`~infrarisk.api.exposure.ExposureMixin`
and :class:`~infrarisk.api.evidence.EvidenceMixin`; here are the resolved graph (for
look-through questions no table answers: any countries, one entity's holdings),
:meth:`Database.rescore` and :meth:`Database.at` (in memory, the opened file untouched) and
:meth:`Database.map`.
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from .. import db as dbmod
from .. import ownership
from ..profiles import Profile
from ..settings import Settings
from ._util import CRS, SCORE_PREFIXES, _iso_date, _profile, _sql_str
from .evidence import EvidenceMixin
from .exposure import ExposureMixin
from .memory import memory_build
from .suppliers import SuppliersMixin
from .tables import TablesMixin


class Database(TablesMixin, ExposureMixin, EvidenceMixin, SuppliersMixin):
    """An infrarisk database open for analysis (see the module docstring).

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        The connection; ``db.sql(...)`` runs a query and returns a DataFrame.
    settings : Settings
    profile : Profile
        The risk profile the exposure tables were scored under.
    path : Path or None
        The database file, or None for an in-memory database.
    as_of : str or None
        The date of a past-date view (:meth:`at`), None for today's view.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, profile: Profile, *,
                 path: Path | None = None, as_of: str | None = None, graph: ownership.OwnershipGraph | None = None,
                 base: "Database | None" = None):
        self.con, self.settings, self.profile, self.path, self.as_of = con, settings, profile, path, as_of
        self._graph, self._control, self._explainer = graph, None, None
        self._at: dict[str, Database] = {}
        self._base = base  # keeps the database a re-score reads from open

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "in memory"
        when = f", as of {self.as_of}" if self.as_of else ""
        return f"<infrarisk.Database {where}, profile {self.profile.name!r}{when}>"

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (an in-memory build stays cached for the process)."""
        self.con.close()

    @property
    def graph(self) -> ownership.OwnershipGraph:
        """The resolved ownership graph of the assets and their owners (built on first use)."""
        if self._graph is None:
            self._graph = ownership.build_graph(self.con, self.settings)
        return self._graph

    @property
    def control_structure(self) -> ownership.Control:
        """Controllers, ultimate controllers and controlling countries of every node of :attr:`graph`."""
        if self._control is None:
            self._control = ownership.control(self.graph, self.settings.thresholds.majority)
        return self._control

    # ---------------------------------------------------------------- what-if views
    def rescore(self, profile: Profile | str) -> "Database":
        """Score the same resolved ownership under another risk profile, in memory.

        The opened database is only read: the score stage (:func:`infrarisk.score.score`,
        :func:`infrarisk.summary.run`) writes its ``out_exposure__*`` and ``out_inge2__*``
        tables into a new in-memory database that reads every other table from this one.

        Parameters
        ----------
        profile : Profile or str
            A profile built in code (:meth:`Profile.build`), a shipped profile's name or a
            TOML path.

        Returns
        -------
        Database
            The re-scored view (same ownership, new bands).

        Examples
        --------
        >>> from infrarisk import Profile
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> china_only = Profile.build("hk-apart", [db.profile.group("china")], group_special_regions=False)
        >>> len(db.rescore(china_only).inge2())
        15
        >>> len(db.inge2())  # the opened database is unchanged
        21
        """
        from .. import score, summary

        prof = _profile(profile)
        mem = dbmod.connect(None)
        if self.path is not None:
            mem.execute(f"ATTACH '{_sql_str(self.path)}' AS base (READ_ONLY)")
            for t in dbmod.tables(self.con):
                if not t.startswith(SCORE_PREFIXES):
                    mem.execute(f"CREATE VIEW main.{t} AS SELECT * FROM base.main.{t}")
        else:
            for t in dbmod.tables(self.con):
                if not t.startswith(SCORE_PREFIXES):
                    mem.register("_copy", self.con.sql(f"SELECT * FROM {t}").to_arrow_table())
                    mem.execute(f"CREATE TABLE {t} AS SELECT * FROM _copy")
                    mem.unregister("_copy")
        score.score(mem, self.graph, prof, self.settings)
        summary.run(mem)
        return Database(mem, self.settings, prof, path=None, as_of=self.as_of, graph=self.graph, base=self)

    def at(self, as_of: str | date) -> "Database":
        """The view on a past date: the datasets rebuilt in memory for that date, under this profile.

        Runs the pipeline's load → resolve → score stages with ``Settings.as_of`` (facts
        dated on or before the date, undated ones too, after each holder's last exit;
        ``historical`` facts count, ``pending`` ones do not), so every figure is exact for
        that date. Registry data of the opened file is carried over. A warning says so when
        the datasets on disk differ from those this database was built from. Views are
        cached per date.

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> then = db.at("2016-01-01")
        >>> then.as_of, len(then.inge2()) < len(db.inge2())
        ('2016-01-01', True)
        """
        day = _iso_date(as_of)
        if day not in self._at:
            settings = self.settings.with_(as_of=day)
            view = Database(memory_build(settings, self.profile).cursor(), settings, self.profile, path=None,
                            as_of=settings.as_of)
            if self._files() != view._files():
                warnings.warn(f"the view on {day} is built from the datasets in {settings.datasets_dir}, which differ "
                              "from those this database was built from", UserWarning, stacklevel=2)
            self._at[day] = view
        return self._at[day]

    def _files(self) -> list[tuple]:
        return [tuple(r) for r in self.con.execute(
            "SELECT source_id, path, sha256 FROM core_meta__files ORDER BY ALL").fetchall()]

    # ---------------------------------------------------------------- maps
    def map(self, data: pd.DataFrame | None = None, *, column: str | None = None, tiles: str | None = "OpenStreetMap",
            outline: bool | None = None, name: str | None = None, **kwargs):
        """A ``folium.Map`` of any result (for inline display in a notebook).

        Parameters
        ----------
        data : GeoDataFrame or DataFrame, optional
            A result of :meth:`assets`, :meth:`exposure`, :meth:`inge2`, :meth:`countries`
            ..., or any frame with an ``asset_id`` (or ``subject_id``: :meth:`stakes`) column,
            whose assets are placed by their geometry (entities have none and are left out). Default: every asset with ownership data.
        column : str, optional
            Column that colours the features; default ``band`` if present, else the
            look-through share (``share_min``), else one colour.
        tiles : str or None, default "OpenStreetMap"
            Folium base map; None draws the Natural Earth country outlines from the
            database instead (a map with nothing to download but Leaflet itself).
        outline : bool, optional
            Draw the country outlines (default: when ``tiles`` is None).
        name : str, optional
            Layer name shown in the layer control.
        **kwargs
            Passed to ``folium.Map`` (e.g. ``zoom_start``, ``height``).

        Returns
        -------
        folium.Map
            The data are embedded in the map's HTML (no file beside it, no data service);
            every text from the data is HTML-escaped. Leaflet and Folium's scripts load from
            Folium's default CDN addresses when the map is displayed; offline, save the
            site's own map instead (``infrarisk build``, which ships Leaflet).

        Examples
        --------
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> m = db.map(db.inge2(), tiles=None)
        >>> html = m.get_root().render()
        >>> "Piraievs" in html, "L.CircleMarker" in html, "cdn.jsdelivr.net" in html
        (True, True, True)
        """
        from ..mapview import to_map

        if data is None:
            data = self.assets()
            data = data[data["has_ownership_data"] & (data["asset_class"] != "port")]
        if not isinstance(data, gpd.GeoDataFrame):
            key = next((c for c in ("asset_id", "port_asset_id", "subject_id") if c in data), None)
            if key is None:
                raise ValueError("map() needs a GeoDataFrame or a frame with an asset_id (or subject_id) column")
            geo = self.assets()[["asset_id", "geometry"]].rename(columns={"asset_id": key})
            data = gpd.GeoDataFrame(data.merge(geo, on=key, how="left"), geometry="geometry", crs=CRS)
        draw_outline = (tiles is None) if outline is None else outline
        shapes = None
        if draw_outline:
            from ..geo import countries_gdf
            shapes = countries_gdf(self.con)[["country_code", "geometry"]]
        return to_map(data, column=column, tiles=tiles, outline=shapes, name=name, **kwargs)


