"""infrarisk: who ultimately controls Europe's critical infrastructure.

Sourced ownership data (curated stakes, registries) are loaded into DuckDB and joined
against geocoded assets; ownership chains are resolved to their controlling entities;
each asset's exposure is scored by the country of its controlling entities; a static
map site is generated from the result.

The analysts' API (:mod:`infrarisk.api`) is available from the package itself; it is
imported on first use, so that the command line does not pay for GeoPandas and Folium:

>>> import infrarisk
>>> db = infrarisk.build_db()   # or infrarisk.open_db() for the database `infrarisk build` wrote
>>> sorted(db.exposure(group="china", min_share=0.1).band.unique())
['elevated', 'high']
"""

__version__ = "0.1.0"

#: public names of the analysts' API, re-exported here (loaded lazily, PEP 562)
_API = {
    "open_db": "api", "build_db": "api", "Database": "api", "Evidence": "api", "InMemoryBuildWarning": "api",
    "Profile": "profiles", "RiskGroup": "profiles", "Source": "profiles", "load_profile": "profiles",
    "Settings": "settings",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_API[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
