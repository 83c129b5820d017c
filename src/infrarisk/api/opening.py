"""Opening the database for analysis: the file ``infrarisk build`` wrote, or an in-memory build.

Contract: :func:`open_db` opens the DuckDB file read-only (by default) and returns a
:class:`~infrarisk.api.database.Database` scored under the profile stored in it; where
there is no file it builds the shipped datasets in memory (:func:`build_db`) and warns with
:class:`InMemoryBuildWarning`.
"""

from __future__ import annotations

import time
import warnings
from datetime import date
from pathlib import Path

import duckdb

from .. import db as dbmod
from ..errors import ConfigError, DataError
from ..profiles import Profile, load_profile
from ..settings import Settings
from ._util import _iso_date, _profile
from .database import Database
from .memory import memory_build


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
    settings = settings or Settings.load()
    if as_of is not None:
        settings = settings.with_(as_of=_iso_date(as_of))
    prof = _profile(profile if profile is not None else settings.profile)
    return Database(memory_build(settings, prof).cursor(), settings, prof, path=None, as_of=settings.as_of)


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

