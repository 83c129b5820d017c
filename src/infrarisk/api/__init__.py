"""Analysts' Python API: the database as GeoDataFrames, evidence with sources, what-if profiles, maps.

Contract
--------
:func:`open_db` opens the DuckDB file that ``infrarisk build`` wrote (read-only by default).
When there is none yet, it builds the database in memory from the shipped ``datasets/``
instead (offline; nothing is written) and says so in a warning; :func:`build_db` does that
on purpose. Either returns a :class:`Database`, whose methods read the ``out_*`` and
``core_*`` tables (and, for look-through questions no table answers — any set of
countries, one entity's holdings — the resolved ownership graph) and hand back:

- pandas / GeoPandas frames (EPSG:4326; cable systems and pipelines as lines, other assets
  as points): :meth:`~Database.assets`, :meth:`~Database.exposure`, :meth:`~Database.inge2`,
  :meth:`~Database.stakes`, :meth:`~Database.holdings`, :meth:`~Database.countries` ...;
- the evidence behind one asset's figures, every step with its sources
  (:meth:`~Database.chain`, read by :class:`infrarisk.explain.Explainer` from the evidence
  tables the score stage wrote), and the same in
  plain words (:meth:`~Database.explain`, :mod:`infrarisk.plain`);
- a ``folium.Map`` of any of those frames (:meth:`~Database.map`, :mod:`infrarisk.mapview`).

The package: :mod:`.opening` (:func:`open_db`, :func:`build_db`), :mod:`.database`
(:class:`Database`: plumbing, what-if views, maps), :mod:`.tables` (assets, stakes,
search, countries), :mod:`.exposure` (exposure, INGE2, holdings), :mod:`.evidence`
(:class:`Evidence`, chain, explain), :mod:`.memory` (in-memory builds), :mod:`._util`.

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

from ._util import CRS, SCORE_PREFIXES
from .database import Database
from .evidence import Evidence
from .opening import InMemoryBuildWarning, build_db, open_db

__all__ = ["CRS", "SCORE_PREFIXES", "Database", "Evidence", "InMemoryBuildWarning", "build_db", "open_db"]
