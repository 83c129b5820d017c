"""Helpers of :meth:`infrarisk.settings.Settings.load` for the refresh, publishing and history settings.

Contract: :func:`_env_tables` moves ``INFRARISK_HTTP_<KNOB>`` / ``INFRARISK_URL_<KEY>`` into the
``http`` and ``urls`` tables; :func:`_typed` converts text values from the environment to the
type of each field's default; :func:`_refresh_values` checks and returns the paths and knobs of
``infrarisk fetch`` / ``update`` (folders default beside the database). Each raises
ConfigError naming the setting that is wrong.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from .errors import ConfigError


def _env_tables(env: dict, values: dict) -> None:
    """``INFRARISK_HTTP_<KNOB>`` and ``INFRARISK_URL_<KEY>`` into the ``http`` and ``urls`` tables."""
    for key, val in sorted(env.items()):
        if key.startswith("INFRARISK_HTTP_"):
            values["http"] = {**(values.get("http") or {}), key[len("INFRARISK_HTTP_"):].lower(): val}
        elif key.startswith("INFRARISK_URL_"):
            values["urls"] = {**(values.get("urls") or {}), key[len("INFRARISK_URL_"):].lower(): val}


def _typed(cls, table: dict) -> dict:
    """Convert text values (from the environment) to the type of each field's default."""
    defaults = {f.name: f.default for f in fields(cls)}
    out = {}
    for k, v in table.items():
        d = defaults.get(k)
        if isinstance(v, str) and isinstance(d, bool):
            if v.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ConfigError(f"http.{k} must be true or false, got {v!r}")
            v = v.strip().lower() in ("1", "true", "yes")
        elif isinstance(v, str) and isinstance(d, (int, float)):
            try:
                v = type(d)(float(v)) if isinstance(d, int) else float(v)
            except ValueError:
                raise ConfigError(f"http.{k} must be a number, got {v!r}") from None
        out[k] = v
    return out


def _refresh_values(v: dict, db: Path, site: Path) -> dict:
    """Paths and knobs of ``infrarisk fetch`` / ``update``; folders default beside the database."""
    data = db.parent

    def path(name: str, default: Path) -> Path:
        return Path(v[name]) if v.get(name) else default

    try:
        keep = int(v.get("keep_builds", 3))
        feed = int(v.get("feed_builds", 10))
    except (TypeError, ValueError):
        raise ConfigError("keep_builds and feed_builds must be whole numbers") from None
    if keep < 1 or feed < 1:
        raise ConfigError("keep_builds and feed_builds must be at least 1")
    sources = v.get("update_sources")
    if isinstance(sources, str):
        sources = tuple(x.strip() for x in sources.split(",") if x.strip())
    urls = v.get("urls") or {}
    if not isinstance(urls, dict):
        raise ConfigError("urls must be a table of key = \"https://...\"")
    for key, url in urls.items():
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"urls.{key} must be an http(s) URL, got {url!r}")
    site_url = str(v.get("site_url", ""))
    if site_url and not site_url.startswith(("http://", "https://")):
        raise ConfigError(f"site_url must be an http(s) URL, got {site_url!r}")
    return {
        "snapshots_dir": path("snapshots_dir", data / "snapshots"),
        "builds_dir": path("builds_dir", data / "builds"),
        "runs_dir": path("runs_dir", data / "runs"),
        "history_path": path("history_path", data / "history.duckdb"),
        "registry_db_path": path("registry_db_path", data / "registry.duckdb"),
        "lock_path": path("lock_path", site.parent / f".{site.name}.lock"),
        "keep_builds": keep,
        "feed_builds": feed,
        "site_url": site_url.rstrip("/"),
        "update_sources": tuple(sources) if sources is not None else None,
        "urls": {str(k).lower(): str(u) for k, u in sorted(urls.items())},
    }
