"""Settings in one place: paths, thresholds, risk-profile selection, HTTP knobs.

Contract: defaults below, overridden by a TOML file (``infrarisk.toml`` in the working
directory, or the file named by ``INFRARISK_CONFIG``), overridden by environment
variables ``INFRARISK_<NAME>`` (upper case), overridden by explicit keyword arguments
(the CLI's options). No other module reads ``os.environ``.

Examples
--------
>>> s = Settings.load(profile="default")
>>> s.thresholds.sizeable
0.25
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings_refresh import _env_tables, _refresh_values, _typed

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Thresholds:
    """Share thresholds (fractions), named after the rule they come from.

    Attributes
    ----------
    screening : float
        10%: the EU FDI-screening threshold many national regimes use.
    sizeable : float
        25%: a blocking minority; what the INGE2 report calls a "sizeable" interest.
    majority : float
        50%: more than this is majority control.
    """

    screening: float = 0.10
    sizeable: float = 0.25
    majority: float = 0.50


@dataclass(frozen=True)
class HttpSettings:
    """Knobs of the one module that touches the network."""

    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 2.0
    user_agent: str = "infrarisk/0.1 (+https://github.com/infrarisk/infrarisk)"
    max_bytes: int = 2_000_000_000
    #: seconds to wait for a connection (``timeout_s`` is the wait for each read)
    connect_timeout_s: float = 15.0
    #: a server asking to wait longer than this (Retry-After) is not waited for: the fetch fails
    max_retry_after_s: float = 300.0
    #: GLEIF asks clients to stay at or below 60 requests a minute
    gleif_requests_per_minute: float = 60.0
    #: other APIs crawled item by item (per-cable JSON): a polite pace
    crawl_requests_per_minute: float = 120.0
    #: LEIs per batched request (``filter[lei]``, ``filter[startNode.id]``), and ``page[size]``
    #: (GLEIF's maximum is 200): about one request per 200 LEIs per kind
    gleif_batch_size: int = 200
    gleif_page_size: int = 200
    #: how many rounds of parents above the map's entities the GLEIF crawl follows
    gleif_max_depth: int = 10
    #: fetch each cable's own JSON (owners, landing points) besides the two map layers
    cable_details: bool = True
    #: a refreshed file with fewer records than (1 - max_shrink) x the previous one is refused
    max_shrink: float = 0.5


@dataclass(frozen=True)
class Settings:
    """All settings of one run.

    Attributes
    ----------
    datasets_dir : Path
        Folder holding one sub-folder (with ``manifest.toml``) per source.
    db_path : Path
        The DuckDB file the build writes and analysts open.
    site_dir : Path
        Where ``infrarisk build`` publishes the static site.
    shared_data_dir : Path or None
        Raw public snapshots that ``infrarisk datasets import`` derives datasets from.
    profile : str
        Name of a risk profile shipped in ``infrarisk/profiles`` or a path to a TOML file.
    country_attribute : str
        Which attribute of an ultimate controller gives its country: ``hq`` (seat,
        falling back to jurisdiction) or ``jurisdiction`` (place of incorporation,
        falling back to seat). States and state bodies always count for their own state.
    current_statuses : tuple of str
        Stake statuses counted as holding today (``pending``, ``awarded``, ``exited``
        and ``historical`` stakes are shown but not counted).
    share_sum_tolerance : float
        How far above 100% the stakes recorded in one subject may sum before the data
        check reports it.
    as_of : str or None
        ``YYYY-MM-DD`` to build the view of holdings on a past date (facts dated on or
        before it, after each holder's last exit); None for today's view.
    duckdb_memory_limit : str
        Memory DuckDB may use before it spills to disk (``SET memory_limit``), so that
        ingesting a full GLEIF golden copy stays within a small machine's memory.
    snapshots_dir : Path
        Where ``infrarisk fetch`` keeps the raw snapshots it downloads, one folder per source
        laid out like the raw snapshot folder (default ``<db folder>/snapshots``).
    builds_dir : Path
        Where ``infrarisk update`` builds each run and keeps the last ``keep_builds``
        published builds (default ``<db folder>/builds``).
    runs_dir : Path
        JSON run reports of ``infrarisk update`` (default ``<db folder>/runs``).
    history_path : Path
        DuckDB file recording every published build (default ``<db folder>/history.duckdb``).
    registry_db_path : Path
        DuckDB file ``infrarisk ingest`` writes the registry data into (GLEIF, BODS, UK PSC)
        and a build attaches read-only when it exists (default ``<db folder>/registry.duckdb``,
        so ``data/registry.duckdb`` beside ``data/infrarisk.duckdb``).
    lock_path : Path
        Lock file that keeps runs from overlapping (default ``.<site name>.lock`` beside the site).
    keep_builds : int
        Published builds kept in ``builds_dir`` (the live one included).
    site_url : str
        Public address of the site, for absolute links in the Atom feed (empty: relative).
    update_sources : tuple of str or None
        Remote ids ``infrarisk update`` fetches; None: every remote whose manifest
        ``[refresh]`` says ``update = true``.
    urls : dict
        Overrides of source URLs by key (``infrarisk fetch --list`` shows the keys), from
        ``[urls]`` in the TOML file or ``INFRARISK_URL_<KEY>`` variables.
    feed_builds : int
        How many published changes of data the change page and the feed list.
    build_workers : int
        Processes a build runs at once (default 2: the load stage's two lanes, the timeline's
        past figures beside resolve and score, the site's reads and parts shared by two
        processes); 1 runs every stage in this process, in turn (env ``INFRARISK_BUILD_WORKERS``).
        The output is the same.
    scratch_dir : Path or None
        Folder for a build's working database files until it publishes the database (env
        ``INFRARISK_SCRATCH_DIR``). Default: the memory-backed ``/dev/shm`` where the system has
        one with room (a database file on disk waits for the disk at every commit), else the
        database's own folder (:func:`infrarisk.fsops.scratch_dir`).
    include_noncommercial : bool
        Whether sources whose manifest says ``is_noncommercial`` (TeleGeography's cable
        data, CC BY-NC-SA) are part of the build. ``false`` (env
        ``INFRARISK_INCLUDE_NONCOMMERCIAL=false``) leaves their layers, rows, names and
        licence notices out entirely, for a commercial user.
    match_fuzzy_threshold : float
        Lowest rapidfuzz ``token_sort_ratio`` score (0-100) at which an owner name is
        matched to a known entity by fuzzy matching (:mod:`infrarisk.match`).
    fact_max_age_years : float
        A stake, link or control statement whose newest evidence is this many years old or
        older (on the build's date, or ``as_of``) is marked as needing a re-check (default 3).
    pending_max_age_months : int
        A pending or awarded row whose newest evidence is older than this many months is
        marked as pending too long (default 6).
    """

    datasets_dir: Path
    db_path: Path
    site_dir: Path
    shared_data_dir: Path | None = None
    profile: str = "default"
    country_attribute: str = "hq"
    current_statuses: tuple[str, ...] = ("current", "unverified")
    share_sum_tolerance: float = 0.005
    as_of: str | None = None
    include_noncommercial: bool = True
    match_fuzzy_threshold: float = 92.0
    fact_max_age_years: float = 3.0
    pending_max_age_months: int = 6
    duckdb_memory_limit: str = "1GB"
    thresholds: Thresholds = field(default_factory=Thresholds)
    http: HttpSettings = field(default_factory=HttpSettings)
    snapshots_dir: Path | None = None
    builds_dir: Path | None = None
    runs_dir: Path | None = None
    history_path: Path | None = None
    registry_db_path: Path | None = None
    lock_path: Path | None = None
    keep_builds: int = 3
    site_url: str = ""
    update_sources: tuple[str, ...] | None = None
    urls: dict = field(default_factory=dict)
    feed_builds: int = 10
    build_workers: int = 2
    scratch_dir: Path | None = None

    @classmethod
    def load(cls, config_file: str | Path | None = None, environ: dict | None = None, **overrides: Any) -> "Settings":
        """Build settings from defaults, a TOML file, the environment and overrides.

        Parameters
        ----------
        config_file : path, optional
            TOML file to read; default ``$INFRARISK_CONFIG`` or ``./infrarisk.toml``.
        environ : dict, optional
            Environment to read (default ``os.environ``); tests pass their own.
        **overrides
            Explicit values (``None`` values are ignored), e.g. from CLI options.
        """
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        cfg = config_file or env.get("INFRARISK_CONFIG")
        cfg_path = Path(cfg) if cfg else Path.cwd() / "infrarisk.toml"
        if cfg or cfg_path.exists():
            if not cfg_path.exists():
                raise ConfigError(f"config file {cfg_path} does not exist")
            try:
                with open(cfg_path, "rb") as fh:
                    values.update(tomllib.load(fh))
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{cfg_path}: not valid TOML: {e}") from None
        for f in fields(cls):
            key = f"INFRARISK_{f.name.upper()}"
            if key in env and f.name not in ("thresholds", "http", "urls"):
                values[f.name] = env[key]
        _env_tables(env, values)
        for name in ("screening", "sizeable", "majority"):
            key = f"INFRARISK_THRESHOLD_{name.upper()}"
            if key in env:
                values.setdefault("thresholds", {})
                values["thresholds"] = {**values["thresholds"], name: env[key]}
        for k, v in overrides.items():
            if v is not None:
                values[k] = v
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return cls._from_values(values)

    @classmethod
    def _from_values(cls, v: dict[str, Any]) -> "Settings":
        if v.get("datasets_dir"):
            datasets = Path(v["datasets_dir"])
        else:
            try:
                datasets = find_datasets_dir()
            except ConfigError:
                # `infrarisk datasets import` creates it; loaders say clearly if it is missing.
                datasets = Path.cwd() / "datasets"
        root = datasets.parent if datasets.name == "datasets" else Path.cwd()
        db = Path(v["db_path"]) if v.get("db_path") else Path.cwd() / "data" / "infrarisk.duckdb"
        site = Path(v["site_dir"]) if v.get("site_dir") else Path.cwd() / "site"
        shared = v.get("shared_data_dir")
        shared_path = Path(shared) if shared else _default_shared(root)
        th = v.get("thresholds") or {}
        if not isinstance(th, dict):
            raise ConfigError("thresholds must be a table of screening/sizeable/majority")
        try:
            thresholds = Thresholds(**{k: float(x) for k, x in th.items()})
        except TypeError as e:
            raise ConfigError(f"thresholds: {e}") from None
        for name in ("screening", "sizeable", "majority"):
            x = getattr(thresholds, name)
            if not 0 < x <= 1:
                raise ConfigError(f"threshold {name} must be a fraction in (0, 1], got {x}")
        if not thresholds.screening <= thresholds.sizeable <= thresholds.majority:
            raise ConfigError("thresholds must satisfy screening <= sizeable <= majority")
        http = v.get("http") or {}
        try:
            http_s = HttpSettings(**_typed(HttpSettings, http)) if isinstance(http, dict) else http
        except TypeError as e:
            raise ConfigError(f"http: {e}") from None
        statuses = v.get("current_statuses", ("current", "unverified"))
        if isinstance(statuses, str):
            statuses = tuple(s.strip() for s in statuses.split(",") if s.strip())
        attr = v.get("country_attribute", "hq")
        if attr not in ("hq", "jurisdiction"):
            raise ConfigError("country_attribute must be 'hq' or 'jurisdiction'")
        try:
            tol = float(v.get("share_sum_tolerance", 0.005))
        except ValueError:
            raise ConfigError("share_sum_tolerance must be a number") from None
        as_of = v.get("as_of")
        if as_of is not None:
            as_of = str(as_of)
            try:
                date.fromisoformat(as_of)
            except ValueError:
                raise ConfigError(f"as_of must be a date YYYY-MM-DD, got {as_of!r}") from None
        include_nc = _bool(v.get("include_noncommercial", True), "include_noncommercial")
        try:
            fuzzy = float(v.get("match_fuzzy_threshold", 92.0))
        except ValueError:
            raise ConfigError("match_fuzzy_threshold must be a number") from None
        if not 0 < fuzzy <= 100:
            raise ConfigError(f"match_fuzzy_threshold must be a score in (0, 100], got {fuzzy}")
        refresh = _refresh_values(v, db, site)
        try:
            max_age = float(v.get("fact_max_age_years", 3.0))
            pending_months = int(v.get("pending_max_age_months", 6))
        except ValueError:
            raise ConfigError("fact_max_age_years and pending_max_age_months must be numbers") from None
        if max_age <= 0 or pending_months <= 0:
            raise ConfigError("fact_max_age_years and pending_max_age_months must be above 0")
        workers = str(v.get("build_workers", 2))
        if workers not in ("1", "2"):
            raise ConfigError(f"build_workers must be 1 or 2, got {workers!r}")
        return cls(
            build_workers=int(workers),
            scratch_dir=Path(v["scratch_dir"]) if v.get("scratch_dir") else None,
            fact_max_age_years=max_age,
            pending_max_age_months=pending_months,
            **refresh,
            include_noncommercial=include_nc,
            match_fuzzy_threshold=fuzzy,
            as_of=as_of,
            duckdb_memory_limit=str(v.get("duckdb_memory_limit", "1GB")),
            datasets_dir=datasets,
            db_path=db,
            site_dir=site,
            shared_data_dir=shared_path,
            profile=str(v.get("profile", "default")),
            country_attribute=attr,
            current_statuses=tuple(statuses),
            share_sum_tolerance=tol,
            thresholds=thresholds,
            http=http_s,
        )

    def with_(self, **changes: Any) -> "Settings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def _bool(value: Any, name: str) -> bool:
    """A boolean setting from TOML (bool) or the environment (text such as ``false``/``0``)."""
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def find_datasets_dir(start: Path | None = None) -> Path:
    """Locate the ``datasets/`` folder.

    Searches the working directory and its parents for a ``datasets`` folder holding
    manifests, then the source checkout this module lives in, then the copy packaged
    inside the wheel.
    """
    candidates: list[Path] = []
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        candidates.append(p / "datasets")
    candidates.append(PACKAGE_DIR.parent.parent / "datasets")
    candidates.append(PACKAGE_DIR / "_datasets")
    for c in candidates:
        if c.is_dir() and any(c.glob("*/manifest.toml")):
            return c
    raise ConfigError(
        "no datasets folder found (looked for datasets/*/manifest.toml from the working "
        "directory upwards and in the installed package); set INFRARISK_DATASETS_DIR"
    )


def _default_shared(root: Path) -> Path | None:
    for c in (root.parent / "shared" / "data", root / "shared" / "data"):
        if c.is_dir():
            return c
    return None
