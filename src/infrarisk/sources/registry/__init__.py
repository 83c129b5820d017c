"""Registry data (GLEIF, BODS, UK PSC) in the common ownership model.

Contract: :func:`ingest` reads files of one ``FORMAT`` into a DuckDB database and
replaces that format's tables:

- ``raw_<source>__*``: the records as read (text, with file and row/line);
- ``core_<source>__entities`` (:data:`ENTITY_COLUMNS`), ``core_<source>__links``
  (:data:`LINK_COLUMNS`: owner → subject with a share interval, exclusivity of its
  bounds, control, start/end dates, record status, source of every row),
  ``core_<source>__unknown_owners`` (an owner declared unknown, with the reason code)
  and ``core_<source>__problems`` (one row per bad value: file, row, column, check,
  severity, reason, value);

then :func:`union` rebuilds ``core_registry__entities``, ``core_registry__links`` and
``core_registry__unknown_owners`` over every source present. ``infrarisk ingest`` runs this
on the registry database file (``settings.registry_db_path``); a build attaches that file
read-only (:mod:`.load`), so the union's names resolve there too. A link whose owner or
subject is in no loaded file is kept: the missing party becomes a placeholder entity
and the link carries ``dangling_reason``. The integrate stage (:mod:`infrarisk.integrate`)
maps registry entities onto curated ones by LEI — never on an empty id — and adds the
others and their links to the unified tables (it expects ``core_registry__entities`` to
resolve: :mod:`.load` makes it, or an ingest into the same connection).

Large files are read by DuckDB (``read_csv``, ``read_json`` for JSON arrays and JSON
Lines alike), never as Python objects; the GLEIF golden-copy CSVs are kept verbatim beside
the database and their ``raw_`` tables are views over the copies (:mod:`.raw_files`); only GLEIF API responses (pages of a few hundred
records) are parsed in Python, one file at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ...errors import DataError

#: format -> (source id, module)
FORMATS = {
    "gleif-lei": ("gleif", "gleif"),
    "gleif-rr": ("gleif", "gleif"),
    "gleif-repex": ("gleif", "gleif"),
    "gleif-api": ("gleifapi", "gleif_api"),
    "bods": ("bods", "bods"),
    "psc": ("psc", "psc"),
}
SOURCES = ("gleif", "gleifapi", "bods", "psc")
#: the union prefers the first source that describes an entity
SOURCE_PRIORITY = {s: i for i, s in enumerate(SOURCES)}

ENTITY_COLUMNS = {
    "entity_id": "VARCHAR", "entity_name": "VARCHAR", "lei": "VARCHAR", "jurisdiction_code": "VARCHAR",
    "hq_country_code": "VARCHAR", "entity_type": "VARCHAR", "identifiers": "VARCHAR", "record_status": "VARCHAR",
    "source_url": "VARCHAR", "origin_file": "VARCHAR", "origin_row": "BIGINT",
}
LINK_COLUMNS = {
    "link_id": "VARCHAR", "subject_id": "VARCHAR", "owner_entity_id": "VARCHAR", "interest_type": "VARCHAR",
    "relationship": "VARCHAR", "share_min": "DOUBLE", "share_max": "DOUBLE", "is_min_exclusive": "BOOLEAN",
    "is_max_exclusive": "BOOLEAN", "is_control_kind": "BOOLEAN", "control_note": "VARCHAR", "status": "VARCHAR",
    "start_date": "DATE", "end_date": "DATE", "record_status": "VARCHAR", "source_url": "VARCHAR",
    "source_title": "VARCHAR", "note": "VARCHAR", "origin_file": "VARCHAR", "origin_row": "BIGINT",
}
UNKNOWN_COLUMNS = {
    "subject_id": "VARCHAR", "category": "VARCHAR", "reason_code": "VARCHAR", "description": "VARCHAR",
    "source_url": "VARCHAR", "origin_file": "VARCHAR", "origin_row": "BIGINT",
}
PROBLEM_COLUMNS = {
    "file": "VARCHAR", "row": "BIGINT", "column_name": "VARCHAR", "check_name": "VARCHAR", "severity": "VARCHAR",
    "reason": "VARCHAR", "value": "VARCHAR",
}
KINDS = {"entities": ENTITY_COLUMNS, "links": LINK_COLUMNS, "unknown_owners": UNKNOWN_COLUMNS,
         "problems": PROBLEM_COLUMNS}

#: SQL expression: true when the LEI in column ``x`` has valid ISO 7064 MOD 97-10 check digits
#: (letters count as two digits, A = 10 … Z = 35); one fold over the characters, no list of values
LEI_OK_SQL = ("(regexp_full_match({x}, '[0-9A-Z]{{18}}[0-9]{{2}}') AND list_reduce(string_split({x}, ''), "
              "lambda acc, ch: CASE WHEN ch < 'A' THEN (acc * 10 + ascii(ch) - 48) % 97 "
              "ELSE (acc * 100 + ascii(ch) - 55) % 97 END, 0) = 1)")


def lei_ok(x: str) -> str:
    """SQL testing the LEI check digits of column/expression ``x``."""
    return LEI_OK_SQL.format(x=x)


@dataclass
class IngestReport:
    """What one ingest did: rows per table, problems per check (severity, count)."""

    fmt: str
    files: list[str]
    rows: dict[str, int]
    problems: dict[tuple[str, str], int]
    examples: list[str]

    def lines(self) -> list[str]:
        out = [f"{self.fmt}: {', '.join(self.files)}"]
        out += [f"  {t}: {n:,} rows" for t, n in sorted(self.rows.items())]
        out += [f"  {sev} {check}: {n:,}" for (sev, check), n in sorted(self.problems.items())]
        out += [f"    e.g. {x}" for x in self.examples]
        return out


def empty_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    cols = ", ".join(f"{c} {t}" for c, t in columns.items())
    con.execute(f"CREATE OR REPLACE TABLE {name} ({cols})")


def ensure_tables(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Create the typed, empty ``core_<source>__*`` tables that do not exist yet."""
    have = set(table_names(con))
    for kind, cols in KINDS.items():
        if f"core_{source}__{kind}" not in have:
            empty_table(con, f"core_{source}__{kind}", cols)


def table_names(con: duckdb.DuckDBPyConnection, schema: str = "main") -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_catalog = current_database()"
        " ORDER BY 1", [schema]).fetchall()]


def ingest(con: duckdb.DuckDBPyConnection, fmt: str, paths: list[Path]) -> IngestReport:
    """Read ``paths`` of format ``fmt`` into the database (see module docstring)."""
    from importlib import import_module

    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise DataError(f"{p}: file not found")
    source, module = FORMATS[fmt]
    mod = import_module(f"{__name__}.{module}")
    ensure_tables(con, source)
    # FSST analysis of millions of strings costs more than the whole read: store them
    # dictionary-encoded (a larger file, written in a fraction of the time)
    con.execute("SET force_compression = 'dictionary'")
    try:
        tables = mod.ingest(con, fmt, paths)  # table names, or {name: row count known without a scan}
        union(con)
    finally:
        con.execute("RESET force_compression")
    known = tables if isinstance(tables, dict) else dict.fromkeys(tables)
    rows = {t: n if n is not None else con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t, n in known.items()}
    names = [p.name for p in paths]
    probs = {(r[0], r[1]): r[2] for r in con.execute(
        f"SELECT severity, check_name, count(*) FROM core_{source}__problems WHERE file IN (SELECT unnest(?)) "
        "GROUP BY ALL ORDER BY ALL", [names]).fetchall()}
    examples = [f"{r[0]}:{r[1]} [{r[2]}] {r[3]} (value {r[4]!r})" for r in con.execute(
        f"SELECT file, row, column_name, reason, value FROM core_{source}__problems WHERE file IN (SELECT unnest(?)) "
        "ORDER BY severity, file, row LIMIT 5", [names]).fetchall()]
    return IngestReport(fmt, [str(p) for p in paths], rows, probs, examples)


def union(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``core_registry__*`` over every registry source present, with placeholder
    entities for the parties of dangling links.

    ``core_registry__entities`` is a view: each source's entities (an entity described by
    several sources is taken from the first in :data:`SOURCES`), then the placeholders
    (table ``core_registry__placeholders``, sorted), so an ingest never copies millions of
    entity rows once more. Links and unknown owners are tables.
    """
    have = set(table_names(con))
    present = [s for s in SOURCES if f"core_{s}__links" in have]
    ecols = ", ".join(ENTITY_COLUMNS)
    entity_parts = []
    for i, s in enumerate(present):
        earlier = " AND ".join(f"NOT EXISTS (SELECT 1 FROM core_{p}__entities x WHERE x.entity_id = e.entity_id)"
                               for p in present[:i])
        entity_parts.append(f"SELECT {ecols}, '{s}' AS source_id, CAST(NULL AS VARCHAR) AS placeholder_reason "
                     f"FROM core_{s}__entities e" + (f" WHERE {earlier}" if earlier else ""))
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'core_registry__entities' "
                       "AND table_schema = 'main' AND table_catalog = current_database()").fetchall()
    if kind and kind[0][0] != "VIEW":
        con.execute("DROP TABLE core_registry__entities")
    empty_table(con, "core_registry__placeholders", {**ENTITY_COLUMNS, "source_id": "VARCHAR",
                                                     "placeholder_reason": "VARCHAR"})
    described = " UNION ALL ".join(entity_parts) if entity_parts else "SELECT * FROM core_registry__placeholders"
    con.execute("CREATE OR REPLACE TEMP VIEW _described AS " + described)
    lcols = ", ".join(LINK_COLUMNS)
    parts = [f"SELECT '{s}' AS source_id, {lcols} FROM core_{s}__links" for s in present]
    if parts:
        con.execute("CREATE OR REPLACE TEMP TABLE _links_in AS " + " UNION ALL ".join(parts))
    else:
        empty_table(con, "_links_in", {"source_id": "VARCHAR", **LINK_COLUMNS})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _missing AS
        WITH parties AS (
            SELECT source_id, owner_entity_id AS entity_id, origin_file, origin_row FROM _links_in
            UNION ALL
            SELECT source_id, subject_id, origin_file, origin_row FROM _links_in
        )
        SELECT p.entity_id, min(p.source_id) AS source_id, min(p.origin_file) AS origin_file,
               min(p.origin_row) AS origin_row
        FROM parties p ANTI JOIN _described d USING (entity_id)
        GROUP BY p.entity_id
        ORDER BY p.entity_id""")
    con.execute("""
        INSERT INTO core_registry__placeholders
        SELECT entity_id, entity_id, CASE WHEN starts_with(entity_id, 'lei:') THEN substr(entity_id, 5) END,
               NULL, NULL, 'unknown', NULL, NULL, NULL, origin_file, origin_row, source_id,
               'named by a link but described in no loaded file'
        FROM _missing ORDER BY entity_id""")
    con.execute("""
        CREATE OR REPLACE TABLE core_registry__links AS
        SELECT l.*,
               CASE WHEN mo.entity_id IS NOT NULL AND ms.entity_id IS NOT NULL
                        THEN 'owner and subject are in no loaded entity file'
                    WHEN mo.entity_id IS NOT NULL THEN 'owner ' || l.owner_entity_id || ' is in no loaded entity file'
                    WHEN ms.entity_id IS NOT NULL THEN 'subject ' || l.subject_id || ' is in no loaded entity file'
               END AS dangling_reason
        FROM _links_in l
        LEFT JOIN _missing mo ON mo.entity_id = l.owner_entity_id
        LEFT JOIN _missing ms ON ms.entity_id = l.subject_id
        ORDER BY l.source_id, l.link_id""")
    parts = [f"SELECT '{s}' AS source_id, {', '.join(UNKNOWN_COLUMNS)} FROM core_{s}__unknown_owners" for s in present
             if f"core_{s}__unknown_owners" in have]
    if parts:
        con.execute("CREATE OR REPLACE TABLE core_registry__unknown_owners AS " + " UNION ALL ".join(parts)
                    + " ORDER BY subject_id, category, origin_file, origin_row")
    else:
        empty_table(con, "core_registry__unknown_owners", {"source_id": "VARCHAR", **UNKNOWN_COLUMNS})
    con.execute("CREATE OR REPLACE VIEW core_registry__entities AS "
                + (described + " UNION ALL " if entity_parts else "") + "SELECT * FROM core_registry__placeholders")
    con.execute("DROP TABLE _links_in; DROP TABLE _missing; DROP VIEW _described")

