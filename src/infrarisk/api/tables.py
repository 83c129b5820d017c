"""The analysts' API, tables: assets, recorded stakes, search, the country summaries.

Contract: :class:`TablesMixin` gives :class:`~infrarisk.api.database.Database` the methods
that read the ``out_*`` and ``core_*`` tables as they are (``assets``, ``stakes``, ``find``,
``countries``, ``country_assets``, ``tables``, ``sql``) and the geometry join every
GeoDataFrame result uses.
"""

from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import db as dbmod
from ..fmt import date_text, share_text, stake_share
from ..review import AgeRule
from ._util import CRS, _codes, _strings, _where


class TablesMixin:
    """Methods of :class:`~infrarisk.api.database.Database` that read tables as they are."""

    # ---------------------------------------------------------------- plumbing
    def tables(self) -> list[str]:
        """Names of the tables (``raw_*``, ``core_*``, ``out_*``), sorted.

        Examples
        --------
        >>> from infrarisk.api import build_db
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
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> db.sql("SELECT band, count(*) AS n FROM out_exposure__assets WHERE band = ? GROUP BY band",
        ...        ["high"]).columns.tolist()
        ['band', 'n']
        """
        return self.con.execute(query, params or []).df()

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
        >>> from infrarisk.api import build_db
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
            ``source_url``, ``note``, ``licence``; ``evidence_date`` / ``evidence`` (the date
            of the newest page that states it), ``evidence_age_years`` on the view's date and
            ``age_flag`` (``old``: ``fact_max_age_years`` or older; ``pending``: pending or
            awarded for more than ``pending_max_age_months``; see :mod:`infrarisk.review`).

        Examples
        --------
        >>> from infrarisk.api import build_db
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
                   l.source_title, l.source_url, l.note, l.licence, l.evidence_date, l.evidence_precision
            FROM core_ownership__links l
            JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
            LEFT JOIN out_ownership__entity_control c ON c.entity_id = l.owner_entity_id
            LEFT JOIN core_assets__assets a ON l.subject_kind = 'asset' AND a.asset_id = l.subject_id
            LEFT JOIN core_ownership__entities s ON l.subject_kind = 'entity' AND s.entity_id = l.subject_id
            {where}
            ORDER BY l.subject_kind, l.subject_id, l.is_current DESC, l.share_min DESC, l.link_id""", params)
        df.insert(df.columns.get_loc("share_max") + 1, "share", [
            stake_share(lo, hi, stated) for lo, hi, stated in zip(df["share_min"], df["share_max"], df["is_share_stated"])])
        df.insert(df.columns.get_loc("as_of_date"), "as_of",
                  [date_text(d, p) for d, p in zip(df["as_of_date"], df["as_of_precision"])])
        rule = AgeRule.from_settings(self.settings)
        df["evidence"] = [date_text(d, p) for d, p in zip(df["evidence_date"], df["evidence_precision"])]
        df["evidence_age_years"] = [None if y is None else round(y, 1) for y in map(rule.years, df["evidence_date"])]
        df["age_flag"] = [rule.flag(d, st) for d, st in zip(df["evidence_date"], df["status"])]
        return df

    def find(self, text: str) -> pd.DataFrame:
        """Assets and entities whose name contains ``text`` (case-insensitive).

        Returns
        -------
        pandas.DataFrame
            ``kind`` (``asset`` or ``entity``), ``id``, ``name``, ``type``, ``country_code``
            (an asset's host country, an entity's controlling country).

        Examples
        --------
        >>> from infrarisk.api import build_db
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
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> c = db.countries()
        >>> c.loc[c.country_code == "MT", "country_name"].item(), bool(c.geometry.notna().all())
        ('Malta', True)
        """
        from ..geo import countries_gdf

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
        >>> from infrarisk.api import build_db
        >>> db = build_db()
        >>> t = db.country_assets("IT", asset_class="telecom")
        >>> set(t.columns) >= {"country_code", "name", "band", "is_controlled_high_risk"}
        True
        """
        where, params = _where([("country_code", _codes(country, "country")),
                                ("asset_class", _strings(asset_class, "asset_class"))])
        return self.sql(f"SELECT * FROM out_exposure__country_assets {where} "
                        "ORDER BY country_code, asset_class, asset_type, name, asset_id", params)

