"""Analysts' Python API: the database as GeoDataFrames, evidence with sources, what-if profiles, maps.

Contract
--------
:func:`open_db` opens the DuckDB file that ``infrarisk build`` wrote (read-only by default).
When there is none yet, it builds the database in memory from the shipped ``datasets/``
instead (offline; nothing is written) and says so in a warning; :func:`build_db` does that
on purpose. Either returns a :class:`Database`, whose methods read the ``out_*`` and
``core_*`` tables and the resolved ownership graph and hand back:

- pandas / GeoPandas frames (EPSG:4326; cable systems and pipelines as lines, other assets
  as points): :meth:`~Database.assets`, :meth:`~Database.exposure`, :meth:`~Database.inge2`,
  :meth:`~Database.stakes`, :meth:`~Database.holdings`, :meth:`~Database.countries` ...;
- the evidence behind one asset's figures, every step with its sources
  (:meth:`~Database.chain`, from :class:`infrarisk.explain.Explainer`), and the same in
  plain words (:meth:`~Database.explain`, :mod:`infrarisk.plain`);
- a ``folium.Map`` of any of those frames (:meth:`~Database.map`, :mod:`infrarisk.mapview`).

What-if views never touch the opened database: :meth:`~Database.rescore` scores under
another risk profile into an in-memory database, and :meth:`~Database.at` rebuilds the view
on a past date from the datasets (the pipeline's own load → resolve → score stages with
``Settings.as_of``: exact, never an approximation of the published figures).

Shares are fractions (0.25 is 25%); ``share_min``/``share_max`` bound a share whose value
the sources give as a range or do not fully disclose.

Examples
--------
>>> import infrarisk
>>> db = infrarisk.build_db()          # the shipped datasets, built in memory
>>> china = db.exposure(group="china", min_share=0.1)
>>> china.crs.to_string(), len(china) > 20
('EPSG:4326', True)
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import db as dbmod
from . import ownership
from .errors import ConfigError, DataError
from .profiles import Profile, load_profile
from .score import share_text
from .settings import Settings

CRS = "EPSG:4326"
#: the tables the score stage writes (:mod:`infrarisk.score`, :mod:`infrarisk.summary`): a
#: re-score replaces these and reads every other table of the database as it is
SCORE_PREFIXES = ("out_exposure__", "out_inge2__")

# in-memory builds of this process, by what they were built from (see build_db)
_BUILDS: dict[tuple, duckdb.DuckDBPyConnection] = {}


class InMemoryBuildWarning(UserWarning):
    """:func:`open_db` found no database file and built one in memory from the datasets."""


# ----------------------------------------------------------------------------- opening
def open_db(path: str | Path | None = None, *, read_only: bool = True, build_if_missing: bool = True,
            settings: Settings | None = None) -> "Database":
    """Open the infrarisk database for analysis.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file ``infrarisk build`` wrote. Default: the ``db_path`` setting
        (``$INFRARISK_DB_PATH``, ``infrarisk.toml``, else ``data/infrarisk.duckdb`` under the
        working directory).
    read_only : bool, default True
        Open the file read-only, so that a notebook can never change the published data (and
        several notebooks can open it at once).
    build_if_missing : bool, default True
        When the file does not exist: build the database in memory from the shipped
        ``datasets/`` (offline, about 6 s, nothing written; :func:`build_db`) and warn with
        :class:`InMemoryBuildWarning`. When False, raise :class:`~infrarisk.errors.DataError`
        naming the command that builds the file (``infrarisk build``).
    settings : Settings, optional
        Settings to use (thresholds, country attribute, risk profile); default
        :meth:`Settings.load`.

    Returns
    -------
    Database

    Examples
    --------
    >>> import warnings, infrarisk
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", infrarisk.InMemoryBuildWarning)
    ...     db = infrarisk.open_db()
    >>> "out_exposure__assets" in db.tables()
    True
    >>> infrarisk.open_db("no/such.duckdb", build_if_missing=False)
    Traceback (most recent call last):
    ...
    infrarisk.errors.DataError: database no/such.duckdb does not exist; build it with `infrarisk build --no-site --db no/such.duckdb` (or call infrarisk.build_db() for an in-memory build of the shipped datasets)
    """
    settings = settings or Settings.load()
    p = Path(path) if path is not None else Path(settings.db_path)
    if not p.exists():
        if not build_if_missing:
            raise DataError(f"database {p} does not exist; build it with `infrarisk build --no-site --db {p}` "
                            "(or call infrarisk.build_db() for an in-memory build of the shipped datasets)")
        t0 = time.perf_counter()
        out = build_db(settings.with_(db_path=p))
        warnings.warn(f"no database at {p}: built one in memory from {settings.datasets_dir} in "
                      f"{time.perf_counter() - t0:.1f} s (nothing written; run `infrarisk build` to keep one)",
                      InMemoryBuildWarning, stacklevel=2)
        return out
    con = dbmod.connect(p, read_only=read_only)
    return Database(con, settings.with_(db_path=p), _stored_profile(con, settings), path=p)


def build_db(settings: Settings | None = None, *, profile: Profile | str | None = None,
             as_of: str | date | None = None) -> "Database":
    """Build the database in memory from the datasets on disk (offline), as ``infrarisk build`` would.

    Runs the pipeline's own stages (verify → load → resolve → score → checks) into an
    in-memory DuckDB database; no file is written. Registry data ingested into the
    database file of the ``db_path`` setting is carried over, as a build does. Builds are
    cached for the life of the Python process (the same inputs are built once).

    Parameters
    ----------
    settings : Settings, optional
        Default :meth:`Settings.load`.
    profile : Profile or str, optional
        Risk profile (object, shipped name or TOML path); default the ``profile`` setting.
    as_of : str or datetime.date, optional
        ``YYYY-MM-DD``: the holdings on that date (facts dated on or before it, after each
        holder's last exit; see ``Settings.as_of``). Default: today's view.

    Returns
    -------
    Database

    Examples
    --------
    >>> db = build_db()
    >>> db.path is None, db.profile.name
    (True, 'default')
    >>> int(db.sql("SELECT count(*) AS n FROM out_inge2__ports")["n"][0])
    21
    """
    from .pipeline import BuildReport, build_database

    settings = settings or Settings.load()
    if as_of is not None:
        settings = settings.with_(as_of=_iso_date(as_of))
    prof = _profile(profile if profile is not None else settings.profile)
    key = (repr(settings.with_(site_dir=Path("."))), prof)
    con = _BUILDS.get(key)
    if con is None:
        con = dbmod.connect(None)
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        report = BuildReport(db_path=Path(":memory:"), site_dir=None)
        build_database(con, settings, prof, report, lambda s: None)
        _BUILDS[key] = con
    return Database(con.cursor(), settings, prof, path=None, as_of=settings.as_of)


# ----------------------------------------------------------------------------- evidence
@dataclass
class Evidence:
    """What justifies one asset's figures: holders, control chain, look-through paths, sources.

    Attributes
    ----------
    asset : dict
        The asset's row of ``out_exposure__assets`` (name, type, band, reason ...).
    holders : pandas.DataFrame
        Every recorded stake in the asset (current first): holder, share, interest, status,
        date, source title and URL.
    owners : pandas.DataFrame
        Look-through economic share of each ultimate owner (a holder with no recorded
        owner of its own), and an ``unknown`` row (``owner_entity_id`` missing) for what no
        recorded holder accounts for.
    control : pandas.DataFrame
        The control chain, one row per step from the asset up to its ultimate controller,
        with the basis of control and the sources of each step (empty: no controller is
        identified in the sources).
    paths : pandas.DataFrame
        Per high-risk group of the profile, the ownership paths from entities controlled
        from the group down to the asset, one row per step, with sources.
    groups : pandas.DataFrame
        Per high-risk group: band, look-through share, whether the group controls the
        asset, the reason in words, and the profile's dated sources for the group.
    raw : dict
        :meth:`infrarisk.explain.Explainer.asset` as it came.
    """

    asset: dict
    holders: pd.DataFrame
    owners: pd.DataFrame
    control: pd.DataFrame
    paths: pd.DataFrame
    groups: pd.DataFrame
    raw: dict

    def __repr__(self) -> str:
        a = self.asset
        return (f"<Evidence {a['asset_id']}: {a['name']!r}, band {a['band']}, {len(self.holders)} recorded "
                f"stake(s), {len(self.control)} control step(s), {len(self.paths)} path step(s)>")


# ----------------------------------------------------------------------------- database
class Database:
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

    # ---------------------------------------------------------------- plumbing
    def tables(self) -> list[str]:
        """Names of the tables (``raw_*``, ``core_*``, ``out_*``), sorted.

        Examples
        --------
        >>> db = build_db()
        >>> [t for t in db.tables() if t.startswith("out_inge2")]
        ['out_inge2__ports', 'out_inge2__terminals']
        """
        return sorted({*dbmod.tables(self.con), *self._views()})

    def _views(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
            "AND database_name = current_database()").fetchall()]

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run a SQL query on the database and return the result as a DataFrame.

        Examples
        --------
        >>> db = build_db()
        >>> db.sql("SELECT band, count(*) AS n FROM out_exposure__assets WHERE band = ? GROUP BY band",
        ...        ["high"]).columns.tolist()
        ['band', 'n']
        """
        return self.con.execute(query, params or []).df()

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

    @property
    def explainer(self):
        """The :class:`infrarisk.explain.Explainer` of this database and profile (built on first use)."""
        if self._explainer is None:
            from .explain import Explainer
            self._explainer = Explainer(self.con, self.graph, self.profile, self.settings)
        return self._explainer

    # ---------------------------------------------------------------- assets
    def assets(self, asset_class: str | Iterable[str] | None = None, asset_type: str | Iterable[str] | None = None,
               host_country: str | Iterable[str] | None = None, *, lines: bool = True) -> gpd.GeoDataFrame:
        """Every asset with its band under the profile, as a GeoDataFrame.

        Parameters
        ----------
        asset_class : str or list of str, optional
            ``port``, ``terminal``, ``cable``, ``landing``, ``telecom``, ``energy``.
        asset_type : str or list of str, optional
            Finer types, e.g. ``container_terminal``, ``lng_terminal``, ``gas_pipeline``.
        host_country : str or list of str, optional
            ISO 3166-1 alpha-2 codes: assets located in, crossing or landing in one of them
            (``core_assets__host_countries``; a cable system is hosted by every country it
            lands in).
        lines : bool, default True
            Cable systems and pipelines as their routes (LineString / MultiLineString);
            False gives every asset as a point.

        Returns
        -------
        geopandas.GeoDataFrame
            The columns of ``out_exposure__assets`` and ``geometry`` (EPSG:4326; empty
            where the source gives no position), ordered by ``asset_id``.

        Examples
        --------
        >>> db = build_db()
        >>> lng = db.assets(asset_type="lng_terminal", host_country="DE")
        >>> lng.geometry.geom_type.unique().tolist(), bool((lng.country_code == "DE").all())
        (['Point'], True)
        >>> cables = db.assets("cable")
        >>> bool(cables.geometry.geom_type.isin(["LineString", "MultiLineString"]).mean() > 0.9)
        True
        """
        where, params = self._asset_filters("a", asset_class, asset_type, host_country)
        df = self.sql(f"SELECT a.* FROM out_exposure__assets a {where} ORDER BY a.asset_id", params)
        return self._with_geometry(df, lines=lines)

    def _asset_filters(self, alias: str, asset_class, asset_type, host_country) -> tuple[str, list]:
        hosted = f"{alias}.asset_id IN (SELECT asset_id FROM core_assets__host_countries WHERE country_code"
        return _where([(f"{alias}.asset_class", _strings(asset_class, "asset_class")),
                       (f"{alias}.asset_type", _strings(asset_type, "asset_type"))],
                      [] if host_country is None else
                      [(f"{hosted} IN (SELECT unnest(?::VARCHAR[])))", _codes(host_country, "host_country"))])

    def _with_geometry(self, df: pd.DataFrame, lines: bool = True, id_col: str = "asset_id",
                       lat: str = "latitude", lon: str = "longitude") -> gpd.GeoDataFrame:
        """``df`` with a geometry column: each asset's route where it has one, else its point."""
        la = pd.to_numeric(df[lat], errors="coerce").to_numpy(float) if lat in df else np.full(len(df), np.nan)
        lo = pd.to_numeric(df[lon], errors="coerce").to_numpy(float) if lon in df else np.full(len(df), np.nan)
        geom = np.full(len(df), None, dtype=object)
        ok = ~(np.isnan(la) | np.isnan(lo))
        geom[ok] = shapely.points(lo[ok], la[ok])
        if lines and len(df):
            routes = self.con.execute("SELECT asset_id, geometry_wkt FROM core_assets__lines "
                                      "WHERE asset_id IN (SELECT unnest(?::VARCHAR[]))",
                                      [df[id_col].dropna().astype(str).unique().tolist()]).fetchall()
            wkt = dict(routes)
            if wkt:
                ids = df[id_col].to_numpy()
                has = np.array([i in wkt for i in ids], dtype=bool)
                geom[has] = shapely.from_wkt([wkt[i] for i in ids[has]])
        return gpd.GeoDataFrame(df.reset_index(drop=True), geometry=gpd.GeoSeries(geom, crs=CRS), crs=CRS)

    # ---------------------------------------------------------------- exposure
    def exposure(self, group: str | Iterable[str] | None = None, country: str | Iterable[str] | None = None, *,
                 min_share: float = 0.0, asset_class: str | Iterable[str] | None = None,
                 asset_type: str | Iterable[str] | None = None, host_country: str | Iterable[str] | None = None,
                 as_of: str | date | None = None, controlled_only: bool = False) -> gpd.GeoDataFrame:
        """Assets in which entities controlled from a risk group or a country hold a share, or which they control.

        The share of an asset held *by or through* entities controlled from the group or
        country: an owner controlled from it counts with its whole stake, through any other
        owner the share is looked through (China Merchants Port's 49% of Terminal Link,
        which holds 50.2% of a Le Havre terminal, counts 24.6%), and shares add up across
        holders (:func:`infrarisk.ownership.held_share`).

        Parameters
        ----------
        group : str or list of str, optional
            Ids of high-risk groups of the profile (``"china"``, ``"russia"`` in the default
            profile); rows carry the group's band and the reason in words. Give ``group`` or
            ``country``; with neither, every group of the profile.
        country : str or list of str, optional
            Controlling countries (ISO alpha-2), whether or not the profile lists them:
            e.g. ``"AE"`` or ``["AE", "SA", "QA"]`` (entities controlled from any of them
            count together, joint control included). These rows carry no band: a country is
            a *risk* only where the profile cites a dated source for it.
        min_share : float, default 0
            Lowest look-through share (a fraction: 0.1 is 10%) counted; the lower bound
            ``share_min`` must reach it. Assets the group or country *controls* are kept
            whatever their share (control without a stated percentage: a concession, a
            named parent). With 0, every established holding (``share_min > 0``) or control.
        asset_class, asset_type, host_country
            As in :meth:`assets`.
        as_of : str or datetime.date, optional
            ``YYYY-MM-DD``: the holdings on that date, from a rebuild of the datasets for
            that date (:meth:`at`); default today's view.
        controlled_only : bool, default False
            Only the assets the group or country controls (with ``min_share`` above 0,
            those that also hold at least that share).

        Returns
        -------
        geopandas.GeoDataFrame
            One row per asset (and group): the asset's columns, ``share_min``,
            ``share_max``, ``share`` (as text), ``is_controlled``; for groups also
            ``group_id``, ``group_label``, ``operator_name``, ``band``, ``band_reason``; for
            countries ``countries``. Ordered by ``share_min`` (largest first), then
            ``asset_id``. Ports do not appear themselves: their terminals do (see
            :meth:`inge2` for the port roll-up).

        Examples
        --------
        >>> db = build_db()
        >>> cn = db.exposure(group="china", min_share=0.1, asset_class="terminal", host_country="DE")
        >>> print(cn[["name", "share", "band", "is_controlled"]].to_string(index=False))
                                        name      share     band  is_controlled
        DeCeTe Duisburger Container Terminal 51.56–100%     high           True
          Container Terminal Tollerort (CTT)     24.99% elevated          False
        >>> gulf = db.exposure(country=["AE", "SA", "QA"], min_share=0.25)
        >>> print(gulf[["name", "share", "is_controlled"]].to_string(index=False))
                                      name share  is_controlled
                   DP World London Gateway  100%           True
                      DP World Southampton  100%           True
        Eurofos (Terminal de Mediterranee)   50%           True
            Antwerp Gateway (Deurganckdok) 42.5%          False
        >>> "band" in gulf.columns  # countries the profile does not list carry no band
        False
        """
        if as_of is not None:
            return self.at(as_of).exposure(group, country, min_share=min_share, asset_class=asset_class,
                                           asset_type=asset_type, host_country=host_country,
                                           controlled_only=controlled_only)
        if not 0 <= float(min_share) <= 1:
            raise ValueError(f"min_share is a fraction between 0 and 1 (0.1 for 10%), got {min_share}")
        if group is not None and country is not None:
            raise ValueError("give either a risk group of the profile or controlling countries, not both")
        if country is not None:
            frame = self._country_shares(_codes(country, "country"))
        else:
            ids = [g.id for g in self.profile.groups] if group is None else _strings(group, "group")
            known = [g.id for g in self.profile.groups]
            unknown = [g for g in ids if g not in known]
            if unknown:
                raise ValueError(f"no risk group {', '.join(map(repr, unknown))} in profile {self.profile.name!r} "
                                 f"(groups: {', '.join(known)})")
            frame = self.sql("SELECT * FROM out_exposure__asset_groups WHERE group_id IN (SELECT unnest(?::VARCHAR[]))",
                             [ids])
        eps = 1e-12  # the thresholds' tolerance (infrarisk.score.band_for)
        controlled = frame["is_controlled"].astype(bool)
        held = (frame["share_min"] > eps) & (frame["share_min"] >= float(min_share) - eps)
        if not controlled_only:
            keep = controlled | held
        else:
            keep = controlled & held if min_share > 0 else controlled
        frame = frame[keep]
        where, params = self._asset_filters("a", asset_class, asset_type, host_country)
        self.con.register("_exposure_rows", frame)
        try:
            df = self.sql(f"""
                SELECT a.asset_id, a.name, a.asset_class, a.asset_type, a.country_code, r.* EXCLUDE (asset_id),
                       a.controller_entity_id, a.control_chain, a.controlling_country_code, a.parent_asset_id,
                       a.unlocode, a.latitude, a.longitude, a.licence, a.is_noncommercial
                FROM _exposure_rows r JOIN out_exposure__assets a USING (asset_id)
                {where}
                ORDER BY r.share_min DESC, a.asset_id{', r.group_id' if 'group_id' in frame else ''}""", params)
        finally:
            self.con.unregister("_exposure_rows")
        df.insert(df.columns.get_loc("share_max") + 1, "share",
                  [share_text(lo, hi) for lo, hi in zip(df["share_min"], df["share_max"])])
        return self._with_geometry(df)

    def _country_shares(self, codes: list[str]) -> pd.DataFrame:
        """Per asset: the share held by or through entities controlled from ``codes`` together."""
        g, ctl = self.graph, self.control_structure
        member = ownership.in_group(g, ctl, set(codes), self.settings.thresholds.majority)
        lo, hi = ownership.held_share(g, member, ctl)
        assets = np.flatnonzero(g.is_asset)
        controlled = member[assets] & (ctl.controller[assets] >= 0)
        df = pd.DataFrame({"asset_id": [g.ids[a] for a in assets], "countries": ",".join(codes),
                           "share_min": lo[assets].astype(float), "share_max": hi[assets].astype(float),
                           "is_controlled": controlled})
        return df[(df["share_max"] > 0) | df["is_controlled"]].reset_index(drop=True)

    # ---------------------------------------------------------------- the INGE2 claim
    def inge2(self, terminals: bool = False) -> gpd.GeoDataFrame:
        """The European ports that count towards the INGE2 "over 20 ports" claim, from the sourced rows.

        A port counts when, in at least one of its terminals, entities controlled from China
        (as the profile groups it: with Hong Kong and Macao in the default profile) hold a
        current look-through stake of at least the screening threshold (10%), or control it
        (``out_inge2__ports``; :func:`infrarisk.score.inge2`).

        Parameters
        ----------
        terminals : bool, default False
            One row per counted terminal (``out_inge2__terminals``) instead of per port.

        Returns
        -------
        geopandas.GeoDataFrame
            Ports (or terminals) as points, with holders, largest look-through share,
            control, the source URLs and ``is_via_special_regions_only`` (counted only
            through entities controlled from Hong Kong or Macao).

        Examples
        --------
        >>> db = build_db()
        >>> ports = db.inge2()
        >>> len(ports), int(ports.is_via_special_regions_only.sum())
        (21, 6)
        >>> len(db.inge2(terminals=True))
        24
        """
        if terminals:
            df = self.sql("""
                SELECT t.asset_id, a.name, a.asset_type, p.name AS port_name, p.unlocode, a.country_code,
                       t.share_min, t.share_max, t.is_controlled, t.port_asset_id, a.latitude, a.longitude
                FROM out_inge2__terminals t JOIN core_assets__assets a USING (asset_id)
                JOIN core_assets__assets p ON p.asset_id = t.port_asset_id
                ORDER BY a.country_code, p.name, t.asset_id""")
        else:
            df = self.sql("""
                SELECT i.*, p.latitude, p.longitude
                FROM out_inge2__ports i JOIN core_assets__assets p ON p.asset_id = i.port_asset_id
                ORDER BY i.country_code, i.port_name, i.port_asset_id""")
        df.insert(df.columns.get_loc("share_max") + 1, "share",
                  [share_text(lo, hi) for lo, hi in zip(df["share_min"], df["share_max"])])
        return self._with_geometry(df, lines=False, id_col="port_asset_id" if not terminals else "asset_id")

    # ---------------------------------------------------------------- stakes and holders
    def stakes(self, asset_id: str | Iterable[str] | None = None, owner: str | Iterable[str] | None = None, *,
               current: bool | None = None) -> pd.DataFrame:
        """Every recorded stake (ownership link) as the sources state it, current or not.

        Parameters
        ----------
        asset_id : str or list of str, optional
            Stakes in these subjects (asset or entity ids).
        owner : str or list of str, optional
            Stakes held by these entities.
        current : bool, optional
            True: only stakes counted as holdings today (status current or unverified);
            False: only those not counted (pending, awarded, exited, historical); None: all.

        Returns
        -------
        pandas.DataFrame
            One row per link: subject and holder (ids, names, the holder's controlling
            country), ``share_min``/``share_max``, ``share`` (text, or "undisclosed share"),
            ``interest_type``, ``status``, ``is_current``, ``as_of`` (date at the precision
            the source gives), ``is_control``, ``control_basis``, ``source_title``,
            ``source_url``, ``note``, ``licence``.

        Examples
        --------
        >>> db = build_db()
        >>> s = db.stakes(asset_id="terminal:container-terminal-tollerort-ctt")
        >>> print(s[["owner_name", "share", "status", "as_of"]].to_string(index=False))
                             owner_name  share  status      as_of
        Hamburger Hafen und Logistik AG 75.01% current 2023-06-19
           COSCO SHIPPING Ports Limited 24.99% current 2023-06-19
        >>> sorted(db.stakes(current=False).status.unique())
        ['awarded', 'exited', 'historical', 'pending']
        """
        where, params = _where([("l.subject_id", _strings(asset_id, "asset_id")),
                                ("l.owner_entity_id", _strings(owner, "owner"))],
                               [] if current is None else [("l.is_current = ?", bool(current))])
        df = self.sql(f"""
            SELECT l.link_id, l.subject_kind, l.subject_id,
                   coalesce(a.name, s.entity_name) AS subject_name, a.asset_class, a.country_code AS subject_country_code,
                   l.owner_entity_id, e.entity_name AS owner_name, c.controlling_country_code AS owner_controlling_country_code,
                   l.interest_type, l.relationship, l.share_min, l.share_max, l.is_share_stated, l.status, l.is_current,
                   l.as_of_date, l.as_of_precision, l.end_date, l.is_control, l.control_basis,
                   l.source_title, l.source_url, l.note, l.licence
            FROM core_ownership__links l
            JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            LEFT JOIN out_ownership__entity_control c ON c.entity_id = l.owner_entity_id
            LEFT JOIN core_assets__assets a ON l.subject_kind = 'asset' AND a.asset_id = l.subject_id
            LEFT JOIN core_ownership__entities s ON l.subject_kind = 'entity' AND s.entity_id = l.subject_id
            {where}
            ORDER BY l.subject_kind, l.subject_id, l.is_current DESC, l.share_min DESC, l.link_id""", params)
        df.insert(df.columns.get_loc("share_max") + 1, "share", [
            share_text(lo, hi) if stated or lo > 0 else "undisclosed share"
            for lo, hi, stated in zip(df["share_min"], df["share_max"], df["is_share_stated"])])
        df.insert(df.columns.get_loc("as_of_date"), "as_of",
                  [_date_text(d, p) for d, p in zip(df["as_of_date"], df["as_of_precision"])])
        return df

    def holdings(self, entity_id: str) -> pd.DataFrame:
        """What one entity holds, by look-through, against what it controls.

        Parameters
        ----------
        entity_id : str
            An entity of the resolved graph (see :meth:`find`).

        Returns
        -------
        pandas.DataFrame
            One row per asset the entity reaches through current stakes: its look-through
            economic share (``share_min``/``share_max``: the sum over ownership paths of
            the product of the shares), ``is_in_control_chain`` (the entity is the asset's
            controller or above it in the control chain), the asset's control chain and
            controlling country. Ordered by share (largest first).

        Examples
        --------
        >>> db = build_db()
        >>> tl = db.holdings("terminal-link-sas")
        >>> print(tl[["name", "share", "is_in_control_chain"]].head(3).to_string(index=False, max_colwidth=40))
                                            name share  is_in_control_chain
                    Terminal des Flandres (NFTI)   91%                 True
        Generale de Manutention Portuaire ter... 50.2%                 True
              Eurofos (Terminal de Mediterranee)   50%                False
        """
        g, ctl = self.graph, self.control_structure
        v = g.index.get(entity_id)
        if v is None or g.is_asset[v]:
            raise KeyError(f"no entity {entity_id!r} among the owners of the assets (try db.find(...))")
        below = {v}
        out_edges: dict[int, list[int]] = {}
        for e in g.edges:
            if e.is_economic:
                out_edges.setdefault(e.owner, []).append(e.subject)
        stack = [v]
        while stack:
            for w in out_edges.get(stack.pop(), []):
                if w not in below:
                    below.add(w)
                    stack.append(w)
        targets = sorted(a for a in below if g.is_asset[a])
        rows = []
        for start in range(0, len(targets), 256):  # batches, as the resolve stage does
            econ = ownership.economic(g, targets[start:start + 256])
            for a in targets[start:start + 256]:
                lo, hi = econ[a]
                chain = ctl.chain[a][1:]
                rows.append({"asset_id": g.ids[a], "entity_id": entity_id, "share_min": float(lo[v]),
                             "share_max": float(min(hi[v], 1.0)), "is_in_control_chain": v in chain})
        df = pd.DataFrame(rows, columns=["asset_id", "entity_id", "share_min", "share_max", "is_in_control_chain"])
        self.con.register("_holdings", df)
        try:
            out = self.sql("""
                SELECT h.asset_id, a.name, a.asset_class, a.asset_type, a.country_code, h.entity_id,
                       h.share_min, h.share_max, h.is_in_control_chain, a.control_chain, a.controlling_country_code,
                       a.band, a.band_group_label
                FROM _holdings h JOIN out_exposure__assets a USING (asset_id)
                ORDER BY h.share_min DESC, h.asset_id""")
        finally:
            self.con.unregister("_holdings")
        out.insert(out.columns.get_loc("share_max") + 1, "share",
                   [share_text(lo, hi) for lo, hi in zip(out["share_min"], out["share_max"])])
        return out

    def find(self, text: str) -> pd.DataFrame:
        """Assets and entities whose name contains ``text`` (case-insensitive).

        Returns
        -------
        pandas.DataFrame
            ``kind`` (``asset`` or ``entity``), ``id``, ``name``, ``type``, ``country_code``
            (an asset's host country, an entity's controlling country).

        Examples
        --------
        >>> db = build_db()
        >>> print(db.find("Terminal Link")[["kind", "id", "country_code"]].to_string(index=False))
          kind                id country_code
        entity terminal-link-sas           FR
        """
        return self.sql("""
            SELECT 'entity' AS kind, e.entity_id AS id, e.entity_name AS name, e.entity_type AS type,
                   c.controlling_country_code AS country_code
            FROM core_ownership__entities e LEFT JOIN out_ownership__entity_control c USING (entity_id)
            WHERE strpos(lower(e.entity_name), lower(?)) > 0
            UNION ALL
            SELECT 'asset', asset_id, name, asset_type, country_code
            FROM core_assets__assets WHERE strpos(lower(name), lower(?)) > 0
            ORDER BY kind DESC, name, id""", [text, text])

    # ---------------------------------------------------------------- one asset
    def chain(self, asset_id: str) -> Evidence:
        """The ownership chain of one asset with its sources (:class:`Evidence`).

        Examples
        --------
        >>> db = build_db()
        >>> ev = db.chain("terminal:container-terminal-tollerort-ctt")
        >>> print(ev.control[["owner_name", "share", "basis"]].to_string(index=False))
                             owner_name  share    basis
        Hamburger Hafen und Logistik AG 75.01% majority
           Freie und Hansestadt Hamburg  50.1% majority
        >>> ev.holders.source_url.tolist()
        ['https://oevz.com/?p=89705', 'https://oevz.com/?p=89705']
        >>> print(ev.paths[["top_name", "look_through"]].to_string(index=False))
                            top_name look_through
        COSCO SHIPPING Ports Limited       24.99%
        """
        asset = self._asset_row(asset_id)
        raw = self.explainer.asset(asset_id)
        holders = pd.DataFrame(raw["holders"], columns=[
            "owner_id", "owner_name", "owner_country", "owner_country_basis", "share", "interest_type", "status",
            "is_current", "as_of", "is_control", "control_basis", "source_title", "source_url", "note"])
        owners = self.sql("""
            SELECT o.owner_entity_id, e.entity_name AS owner_name, o.owner_country_code, o.is_state,
                   o.share_min, o.share_max
            FROM out_ownership__asset_owners o LEFT JOIN core_ownership__entities e ON e.entity_id = o.owner_entity_id
            WHERE o.asset_id = ? ORDER BY o.owner_entity_id IS NULL, o.share_min DESC, o.owner_entity_id""",
                          [asset_id])
        owners.insert(owners.columns.get_loc("share_max") + 1, "share",
                      [share_text(lo, hi) for lo, hi in zip(owners["share_min"], owners["share_max"])])
        ctl = raw["control"]
        steps = [] if ctl is None else [
            {"step": i + 1, "owner_id": s["owner_id"], "owner_name": s["owner_name"], "subject_id": s["subject_id"],
             "subject_name": s["subject_name"], "share": s["share"], "basis": s["basis"],
             "is_conflict": s["is_conflict"], "sources": _source_text(s["sources"]),
             "source_urls": " ".join(x["url"] for x in s["sources"])}
            for i, s in enumerate(ctl["steps"])]
        control = pd.DataFrame(steps, columns=["step", "owner_id", "owner_name", "subject_id", "subject_name", "share",
                                               "basis", "is_conflict", "sources", "source_urls"])
        if ctl is not None:
            control.attrs.update(ultimate_id=ctl["ultimate_id"], ultimate_name=ctl["ultimate_name"],
                                 country=ctl["country"], country_basis=ctl["country_basis"])
        path_rows, group_rows = [], []
        for grp in raw["groups"]:
            group_rows.append({k: grp[k] for k in ("group_id", "group_label", "band", "share", "share_min", "share_max",
                                                   "is_controlled", "operator", "reason")}
                              | {"profile_sources": _source_text([{"title": s["title"], "url": s["url"],
                                                                   "as_of": s["date"]} for s in grp["sources"]])})
            for n, p in enumerate(grp["paths"]):
                for i, s in enumerate(p["steps"]):
                    path_rows.append({"group_id": grp["group_id"], "path": n + 1, "step": i + 1,
                                      "top_name": p["top_name"], "top_country": p["top_country"],
                                      "look_through": p["look_through"], "owner_name": s["owner_name"],
                                      "subject_name": s["subject_name"], "share": s["share"],
                                      "sources": _source_text(s["sources"]),
                                      "source_urls": " ".join(x["url"] for x in s["sources"])})
        return Evidence(asset=asset, holders=holders, owners=owners, control=control,
                        paths=pd.DataFrame(path_rows, columns=["group_id", "path", "step", "top_name", "top_country",
                                                               "look_through", "owner_name", "subject_name", "share",
                                                               "sources", "source_urls"]),
                        groups=pd.DataFrame(group_rows, columns=["group_id", "group_label", "band", "share",
                                                                 "share_min", "share_max", "is_controlled", "operator",
                                                                 "reason", "profile_sources"]),
                        raw=raw)

    def explain(self, asset_id: str, group: str | None = None) -> str:
        """The band of one asset explained in plain words, with what the sources say.

        Parameters
        ----------
        asset_id : str
        group : str, optional
            A risk group of the profile; default the group behind the asset's band.

        Returns
        -------
        str
            Sentences that state what the sources say ("X holds 24.99% of Y", "is
            consolidated by"), the control chain, the look-through paths, and why the group
            counts: "risk" is said only with the dated source the profile cites for it.

        Examples
        --------
        >>> db = build_db()
        >>> text = db.explain("terminal:container-terminal-tollerort-ctt")
        >>> print(text.splitlines()[1])
        For China: band 'elevated'. Entities controlled from China hold 24.99% by look-through: at least the 10% FDI-screening threshold.
        >>> [line for line in text.splitlines() if "COSCO" in line][0]  # doctest: +ELLIPSIS
        '- COSCO SHIPPING Ports Limited (CN) holds 24.99% of Container Terminal Tollerort (CTT) (current, 2023-06-19; source: ...'
        >>> last = text.splitlines()[-1]
        >>> last.startswith("The risk profile lists China as a high-risk origin on the authority of Foreign"), "2023-06-01" in last
        (True, True)
        """
        from .plain import explain_asset

        asset = self._asset_row(asset_id)
        parts = {"asset": asset}
        if asset["asset_class"] == "port":
            parts["terminals"] = self.sql(
                "SELECT asset_id, name, band, band_group_label, band_reason FROM out_exposure__assets "
                "WHERE parent_asset_id = ? AND has_ownership_data ORDER BY asset_id", [asset_id]).to_dict("records")
        elif asset["asset_class"] == "landing":
            rows = self.sql("SELECT * FROM out_exposure__landings WHERE asset_id = ?", [asset_id]).to_dict("records")
            parts["landing"] = rows[0] if rows else None
        evidence = self.explainer.asset(asset_id) if asset_id in self.graph.index else None
        return explain_asset(parts, evidence, self.profile, group)

    def _asset_row(self, asset_id: str) -> dict:
        rows = self.sql("SELECT * FROM out_exposure__assets WHERE asset_id = ?", [asset_id]).to_dict("records")
        if not rows:
            raise KeyError(f"no asset {asset_id!r} (try db.find(...))")
        return rows[0]

    # ---------------------------------------------------------------- countries
    def countries(self) -> gpd.GeoDataFrame:
        """The per-country summary of critical assets (``out_exposure__countries``), with polygons.

        Returns
        -------
        geopandas.GeoDataFrame
            Per European country: assets hosted, how many are controlled from a high-risk
            group of the profile, counts per band; ``geometry`` is the Natural Earth
            outline (the covering country's for a territory without its own).

        Examples
        --------
        >>> db = build_db()
        >>> c = db.countries()
        >>> c.loc[c.country_code == "MT", "country_name"].item(), bool(c.geometry.notna().all())
        ('Malta', True)
        """
        from .geo import countries_gdf

        df = self.sql("SELECT * FROM out_exposure__countries ORDER BY country_code")
        shapes = countries_gdf(self.con).dropna(subset=["country_code"]).dissolve(by="country_code").geometry
        key = df["polygon_country_code"].fillna(df["country_code"])
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(shapes.reindex(key).to_numpy(), crs=CRS), crs=CRS)

    def country_assets(self, country: str | Iterable[str] | None = None,
                       asset_class: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Critical assets by European host country (``out_exposure__country_assets``).

        An asset appears once per country it lies in, crosses or lands in (``basis``);
        landing stations take the band of the most exposed cable landing there. Ports are
        left out (their terminals count).

        Examples
        --------
        >>> db = build_db()
        >>> t = db.country_assets("IT", asset_class="telecom")
        >>> set(t.columns) >= {"country_code", "name", "band", "is_controlled_high_risk"}
        True
        """
        where, params = _where([("country_code", _codes(country, "country")),
                                ("asset_class", _strings(asset_class, "asset_class"))])
        return self.sql(f"SELECT * FROM out_exposure__country_assets {where} "
                        "ORDER BY country_code, asset_class, asset_type, name, asset_id", params)

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
        >>> db = build_db()
        >>> china_only = Profile.build("hk-apart", [db.profile.group("china")], group_special_regions=False)
        >>> len(db.rescore(china_only).inge2())
        15
        >>> len(db.inge2())  # the opened database is unchanged
        21
        """
        from . import score, summary

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
        >>> db = build_db()
        >>> then = db.at("2016-01-01")
        >>> then.as_of, len(then.inge2()) < len(db.inge2())
        ('2016-01-01', True)
        """
        day = _iso_date(as_of)
        if day not in self._at:
            settings = self.settings.with_(as_of=day)
            view = build_db(settings, profile=self.profile)
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
        >>> db = build_db()
        >>> m = db.map(db.inge2(), tiles=None)
        >>> html = m.get_root().render()
        >>> "Piraievs" in html, "L.CircleMarker" in html, "cdn.jsdelivr.net" in html
        (True, True, True)
        """
        from .mapview import to_map

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
            from .geo import countries_gdf
            shapes = countries_gdf(self.con)[["country_code", "geometry"]]
        return to_map(data, column=column, tiles=tiles, outline=shapes, name=name, **kwargs)


# ----------------------------------------------------------------------------- helpers
def _stored_profile(con: duckdb.DuckDBPyConnection, settings: Settings) -> Profile:
    """The profile the database's exposure tables were scored under (by name), else the setting's."""
    configured = load_profile(settings.profile)
    row = con.execute("SELECT any_value(profile_name) FROM out_exposure__assets").fetchone()
    stored = row[0] if row else None
    if stored is None or stored == configured.name:
        return configured
    try:
        return load_profile(stored)
    except ConfigError:
        warnings.warn(f"the database was scored under profile {stored!r}, which is not a shipped profile; "
                      f"explanations use the configured profile {configured.name!r}", UserWarning, stacklevel=3)
        return configured


def _profile(p: Profile | str) -> Profile:
    return p if isinstance(p, Profile) else load_profile(p)


def _iso_date(d: str | date) -> str:
    s = d.isoformat() if isinstance(d, date) else str(d)
    try:
        date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"as_of must be a date YYYY-MM-DD, got {d!r}") from None
    return s[:10]


def _strings(v, name: str) -> list[str] | None:
    """A string or list of strings as a list (None stays None: no filter)."""
    if v is None:
        return None
    vals = [v] if isinstance(v, str) else list(v)
    if not vals or not all(isinstance(x, str) and x for x in vals):
        raise ValueError(f"{name} must be a non-empty string or list of strings, got {v!r}")
    return vals


def _codes(v, name: str) -> list[str] | None:
    """ISO alpha-2 codes, upper case (None stays None)."""
    if v is None:
        return None
    vals = [x.upper() for x in _strings(v, name)]
    bad = [x for x in vals if len(x) != 2 or not x.isalpha()]
    if bad:
        raise ValueError(f"{name}: {', '.join(bad)} is not an ISO 3166-1 alpha-2 code")
    return vals


def _where(lists: list[tuple[str, list | None]], others: list[tuple[str, object]] = ()) -> tuple[str, list]:
    """``WHERE col IN (values) AND ...`` for the lists given (None: no filter), then other
    ``(clause, parameter)`` pairs; returns the clause ('' for none) and its parameters."""
    clauses = [(f"{col} IN (SELECT unnest(?::VARCHAR[]))", vals) for col, vals in lists if vals is not None]
    clauses += list(others)
    return ("WHERE " + " AND ".join(c for c, _ in clauses) if clauses else ""), [v for _, v in clauses]


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")


def _date_text(d, precision) -> str | None:
    if d is None or pd.isna(d):
        return None
    d = pd.Timestamp(d)
    return d.strftime({"year": "%Y", "month": "%Y-%m"}.get(precision, "%Y-%m-%d"))


def _source_text(sources: list[dict]) -> str:
    """'title (date) <url>; ...' for a list of source dicts."""
    out = []
    for s in sources:
        when = f" ({s['as_of']})" if s.get("as_of") else ""
        out.append(f"{s.get('title') or s['url']}{when} <{s['url']}>")
    return "; ".join(out)
