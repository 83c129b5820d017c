"""infrarisk: who ultimately controls Europe's critical infrastructure.

Sourced ownership data (curated stakes, registries) are loaded into DuckDB and joined
against geocoded assets; ownership chains are resolved to their controlling entities;
each asset's exposure is scored by the country of its controlling entities; a static
map site is generated from the result.
"""

__version__ = "0.1.0"
