"""The entity side of a build's state: ultimate controllers and GLEIF registration statuses.

Contract: :func:`controllers_of` reads, from a finished build database, every entity whose
ultimate controller is another entity (``out_ownership__entities``), with both names;
:func:`registrations_of` reads the GLEIF registration status (``ISSUED/ACTIVE``,
``LAPSED/…``, ``RETIRED/…``) of every LEI of ``core_ownership__entities`` from the registry
database the build attached (none without one). :func:`controller_changes` and
:func:`registration_changes` compare two such tables and return the fields of
:class:`infrarisk.history.Change` rows (kinds ``controller`` and ``registration``);
:func:`change_summary` counts a change list for the run report. Used by
:mod:`infrarisk.history`; imports nothing from it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from . import db

CONTROLLER_COLUMNS = ["entity_id", "entity_name", "controller_id", "controller_name"]
REGISTRATION_COLUMNS = ["entity_id", "entity_name", "lei", "registration"]
#: GLEIF registration statuses reported even for an LEI first seen (the others only when they change)
NOTABLE_REGISTRATIONS = ("LAPSED", "RETIRED", "ANNULLED", "MERGED", "DUPLICATE", "PENDING_ARCHIVAL")


def controllers_of(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Entity -> ultimate controller, where that is another entity."""
    return con.execute("""
        SELECT o.entity_id, coalesce(e.entity_name, o.entity_id) AS entity_name,
               o.ultimate_controller_entity_id AS controller_id,
               coalesce(c.entity_name, o.ultimate_controller_entity_id) AS controller_name
        FROM out_ownership__entities o
        LEFT JOIN core_ownership__entities e ON e.entity_id = o.entity_id
        LEFT JOIN core_ownership__entities c ON c.entity_id = o.ultimate_controller_entity_id
        WHERE o.ultimate_controller_entity_id IS NOT NULL AND o.ultimate_controller_entity_id <> o.entity_id
        ORDER BY o.entity_id""").df()


def registrations_of(con: duckdb.DuckDBPyConnection, registry_path: Path | None) -> pd.DataFrame:
    """GLEIF registration status of every LEI of ``core_ownership__entities`` the registry knows."""
    empty = pd.DataFrame(columns=REGISTRATION_COLUMNS)
    if registry_path is None or not Path(registry_path).is_file():
        return empty
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    alias = "registry_db" if "registry_db" in attached else "history_registry"
    if alias not in attached:
        try:
            db.attach(con, registry_path, alias, read_only=True)
        except duckdb.Error:
            return empty
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = ?",
                                          [alias]).fetchall()}
        if "core_registry__entities" not in have:
            return empty
        return con.execute(f"""
            SELECT e.entity_id, e.entity_name, e.lei, min(r.record_status) AS registration
            FROM core_ownership__entities e
            JOIN {alias}.main.core_registry__entities r ON r.lei = e.lei AND r.placeholder_reason IS NULL
            WHERE e.lei IS NOT NULL AND coalesce(r.record_status, '') <> ''
            GROUP BY ALL ORDER BY e.entity_id""").df()
    finally:
        if alias == "history_registry":
            con.execute(f"DETACH {alias}")


def controller_changes(prev: pd.DataFrame | None, cur: pd.DataFrame | None) -> list[dict]:
    """Entities whose ultimate controller differs (``Change`` fields, kind ``controller``)."""
    if prev is None or cur is None:
        return []
    a = {r["entity_id"]: r for r in prev.to_dict("records")}
    b = {r["entity_id"]: r for r in cur.to_dict("records")}
    out = []
    for eid in sorted(set(a) | set(b)):
        x, y = a.get(eid), b.get(eid)
        if (x or {}).get("controller_id") == (y or {}).get("controller_id"):
            continue
        ref = y or x
        now = y or {}
        out.append(dict(change_kind="controller", subject_kind="entity", subject_id=eid,
                        subject_name=str(ref["entity_name"]), owner_entity_id=now.get("controller_id"),
                        owner_name=now.get("controller_name"),
                        share_before=(x or {}).get("controller_name") or "none identified",
                        share_after=now.get("controller_name") or "none identified",
                        status_before="ultimate controller", status_after="ultimate controller", what="controller"))
    return out


def registration_changes(prev: pd.DataFrame | None, cur: pd.DataFrame | None) -> list[dict]:
    """LEIs whose GLEIF registration status changed (``Change`` fields, kind ``registration``); an LEI
    first seen counts only with a notable status; nothing before registrations were first known."""
    if prev is None or cur is None or not len(prev):
        return []
    a = {r["entity_id"]: r for r in prev.to_dict("records")}
    b = {r["entity_id"]: r for r in cur.to_dict("records")}
    out = []
    for eid in sorted(set(a) | set(b)):
        x, y = a.get(eid), b.get(eid)
        before, after = (x or {}).get("registration"), (y or {}).get("registration")
        if before == after or y is None:
            continue
        if x is None and str(after).split("/")[0] not in NOTABLE_REGISTRATIONS:
            continue
        out.append(dict(change_kind="registration", subject_kind="entity", subject_id=eid,
                        subject_name=str(y["entity_name"]), share_before=before or "not in the registry",
                        share_after=after, status_before=f"LEI {y['lei']}", status_after=f"LEI {y['lei']}",
                        source_url=f"https://search.gleif.org/#/record/{y['lei']}", what="registration"))
    return out


def change_summary(changes: list) -> dict:
    """Counts for the run report: stakes added/changed/removed, entities whose controller
    changed, assets whose band changed, LEIs whose registration changed (with their ids)."""
    by = {k: [c for c in changes if c.change_kind == k]
          for k in ("added", "changed", "removed", "band", "controller", "registration")}
    return {"stakes": {k: len(by[k]) for k in ("added", "changed", "removed")},
            "entities_controller_changed": [c.subject_id for c in by["controller"]],
            "assets_band_changed": [c.subject_id for c in by["band"]],
            "leis_registration_changed": [c.subject_id for c in by["registration"]]}
