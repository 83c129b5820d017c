"""GLEIF golden-copy CSV files into the common model (formats ``gleif-lei``, ``gleif-rr``,
``gleif-repex``).

Inputs: Level 1 (LEI-CDF) records, Level 2 relationship records (RR-CDF) and reporting
exceptions, as published in the golden copy (``.csv``, ``.csv.gz`` or the published
``.zip``; full files — a ``LastDay`` delta would replace, not update, the tables), any version: columns are found by header
name, never by position, and columns this module does not use stay in the ``raw_`` table.
DuckDB reads the files (``read_csv``, every column as text), so a 3-million-row file never
becomes Python objects.

Outputs (each format replaces its own tables):

- ``gleif-lei``: ``raw_gleif__lei_records``, ``core_gleif__entities`` (id ``lei:<LEI>``);
- ``gleif-rr``: ``raw_gleif__relationships``, ``core_gleif__links``. Level 2 is accounting
  consolidation: a link names the consolidating parent (``direct parent`` /
  ``ultimate parent``), confers control and carries no share unless the record states a
  percentage quantifier. Fund-management and sub-fund relationships are kept as
  non-ownership links. The relationship period gives the start and end dates;
  timestamps may be ISO-8601 or epoch milliseconds;
- ``gleif-repex``: ``raw_gleif__exceptions``, ``core_gleif__unknown_owners``: the parent is
  unknown, with the reason the entity gave (``NON_CONSOLIDATING``, ``NATURAL_PERSONS`` …).

Bad values go to ``core_gleif__problems``: malformed LEIs (check digits; row rejected),
duplicate records (later row rejected), unknown codes, end date before start date,
percentages over 100% (value dropped, counted).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ...db import literal as sql_str
from ...errors import DataError
from . import lei_ok
from .raw_files import keep_raw as read_raw
from .raw_files import numbered_table

GLEIF_RECORD_URL = "https://search.gleif.org/#/record/"
RELATIONSHIPS = {
    "IS_DIRECTLY_CONSOLIDATED_BY": ("direct parent", "shareholding", True),
    "IS_ULTIMATELY_CONSOLIDATED_BY": ("ultimate parent", "shareholding", True),
    "IS_INTERNATIONAL_BRANCH_OF": ("direct parent", "shareholding", True),
    "IS_FUND-MANAGED_BY": ("fund manager", "fund_management", False),
    "IS_SUBFUND_OF": ("umbrella fund", "fund_structure", False),
    "IS_FEEDER_TO": ("master fund", "fund_structure", False),
}
CATEGORIES = {"GENERAL": "company", "FUND": "fund", "BRANCH": "company", "SOLE_PROPRIETOR": "person",
              "RESIDENT_GOVERNMENT_ENTITY": "state_body", "INTERNATIONAL_ORGANIZATION": "state_body"}
EXCEPTION_CATEGORIES = {"DIRECT_ACCOUNTING_CONSOLIDATION_PARENT": "direct parent",
                        "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT": "ultimate parent"}
EXCEPTION_REASONS = ("NATURAL_PERSONS", "NON_CONSOLIDATING", "NO_KNOWN_PERSON", "NON_PUBLIC",
                     "BINDING_LEGAL_COMMITMENTS", "LEGAL_OBSTACLES", "DISCLOSURE_DETRIMENTAL",
                     "DETRIMENT_NOT_EXCLUDED", "CONSENT_NOT_OBTAINED")


def q(col: str) -> str:
    """Quote a column name for SQL."""
    return '"' + col.replace('"', '""') + '"'


def need(header: list[str], path_names: str, *alternatives: str) -> str:
    """The first of ``alternatives`` present in ``header``; DataError naming the file if none."""
    for a in alternatives:
        if a in header:
            return a
    raise DataError(f"{path_names}: no column {' or '.join(alternatives)} in the header")


def opt(header: list[str], *alternatives: str) -> str:
    """SQL for the first present column of ``alternatives``, else NULL."""
    for a in alternatives:
        if a in header:
            return q(a)
    return "CAST(NULL AS VARCHAR)"


def date_sql(x: str) -> str:
    """A GLEIF timestamp (ISO-8601 or epoch milliseconds) as a DATE (NULL when blank)."""
    return (f"CASE WHEN {x} IS NULL OR trim({x}) = '' THEN NULL "
            f"WHEN regexp_full_match(trim({x}), '[0-9]{{9,}}') THEN CAST(make_timestamp(CAST(trim({x}) AS BIGINT) * 1000) AS DATE) "
            f"ELSE try_cast(left(trim({x}), 10) AS DATE) END")


def country_sql(x: str) -> str:
    """ISO 3166 alpha-2 from a code such as ``US`` or ``US-DE`` (NULL otherwise)."""
    return f"CASE WHEN regexp_matches(upper(trim({x})), '^[A-Z]{{2}}(-[A-Z0-9]+)?$') THEN left(upper(trim({x})), 2) END"


def case_map(expr: str, mapping: dict[str, str]) -> str:
    """SQL mapping the value of ``expr`` through ``mapping`` (NULL when not a key)."""
    whens = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} END)"


def problems(con, source: str, rows_sql: list[str]) -> None:
    for r in rows_sql:
        con.execute(f"INSERT INTO core_{source}__problems {r}")


def reset_problems(con, source: str, files: list[str]) -> None:
    """Forget earlier problems of these files (a re-ingest replaces them)."""
    con.execute(f"DELETE FROM core_{source}__problems WHERE file IN (SELECT unnest(?::VARCHAR[]))", [files])


# --------------------------------------------------------------------------- Level 1
#: helper columns of the Level 1 pass, dropped once the problems are written
_LEI_CHECKS = ("_lei_ok", "_no_name", "_odd_category", "_odd_jurisdiction")


def ingest_lei(con: duckdb.DuckDBPyConnection, paths: list[Path], source: str = "gleif") -> dict[str, int]:
    """Level 1 records in one parallel pass: the entity table is written straight from the
    files, every row with its checks (check digits, blank name, unknown category or
    jurisdiction) as helper columns; the problems are then read from those columns, the
    duplicates found by a group-by (they are few), the rejected rows deleted and the
    helper columns dropped. No sort, no second copy of millions of rows."""
    names = [p.name for p in paths]
    h = read_raw(con, f"raw_{source}__lei_records", paths)
    lei = f"upper(trim({q(need(h, ', '.join(names), 'LEI'))}))"
    name = q(need(h, ", ".join(names), "Entity.LegalName"))
    jur = opt(h, "Entity.LegalJurisdiction")
    hq = opt(h, "Entity.HeadquartersAddress.Country")
    legal = opt(h, "Entity.LegalAddress.Country")
    cat = opt(h, "Entity.EntityCategory")
    reg = opt(h, "Registration.RegistrationStatus")
    status = opt(h, "Entity.EntityStatus")
    ra = opt(h, "Entity.RegistrationAuthority.RegistrationAuthorityEntityID")
    reset_problems(con, source, names)
    ent = f"core_{source}__entities"
    n_raw = numbered_table(con, ent, f"""
        'lei:' || {lei} AS entity_id, coalesce(nullif(trim({name}), ''), {lei}) AS entity_name, {lei} AS lei,
        {country_sql(jur)} AS jurisdiction_code, coalesce({country_sql(hq)}, {country_sql(legal)}) AS hq_country_code,
        coalesce({case_map(cat, CATEGORIES)}, 'company') AS entity_type,
        CASE WHEN coalesce({ra}, '') <> '' THEN 'RA:' || {ra} END AS identifiers,
        concat_ws('/', nullif({reg}, ''), nullif({status}, '')) AS record_status,
        '{GLEIF_RECORD_URL}' || {lei} AS source_url, origin_file, origin_row,
        coalesce({lei_ok(lei)}, false) AS _lei_ok, coalesce(trim({name}), '') = '' AS _no_name,
        CASE WHEN coalesce({cat}, '') <> '' AND {case_map(cat, CATEGORIES)} IS NULL THEN {cat} END AS _odd_category,
        CASE WHEN coalesce({jur}, '') <> '' AND {country_sql(jur)} IS NULL THEN {jur} END AS _odd_jurisdiction""",
        f"raw_{source}__lei_records", names)
    # a valid LEI given again by a later row: the first row (file, row order) keeps it
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _later AS
        WITH d AS (SELECT lei FROM {ent} WHERE _lei_ok GROUP BY lei HAVING count(*) > 1),
             f AS (SELECT lei, min((origin_file, origin_row)) AS first FROM {ent} SEMI JOIN d USING (lei)
                   WHERE _lei_ok GROUP BY lei)
        SELECT e.origin_file, e.origin_row, e.lei FROM {ent} e JOIN f USING (lei)
        WHERE e._lei_ok AND (e.origin_file, e.origin_row) <> f.first""")
    kept = f"_lei_ok AND NOT EXISTS (SELECT 1 FROM _later x WHERE x.origin_file = {ent}.origin_file " \
           f"AND x.origin_row = {ent}.origin_row)"
    problems(con, source, [
        "SELECT origin_file, origin_row, 'LEI', 'lei_check_digits', 'error', "
        f"'malformed LEI (ISO 17442 check digits); record rejected', lei FROM {ent} WHERE NOT _lei_ok",
        "SELECT origin_file, origin_row, 'LEI', 'duplicate_id', 'error', 'LEI already given by an earlier row; "
        "record rejected', lei FROM _later",
        f"SELECT origin_file, origin_row, 'Entity.LegalName', 'required', 'warning', 'no legal name; the LEI stands "
        f"for it', lei FROM {ent} WHERE _no_name AND {kept}",
        f"SELECT origin_file, origin_row, 'Entity.EntityCategory', 'unknown_code', 'warning', 'entity category not "
        f"known; typed company', _odd_category FROM {ent} WHERE _odd_category IS NOT NULL AND {kept}",
        f"SELECT origin_file, origin_row, 'Entity.LegalJurisdiction', 'country_code', 'warning', 'jurisdiction is "
        f"not an ISO 3166 code; treated as unknown', _odd_jurisdiction FROM {ent} "
        f"WHERE _odd_jurisdiction IS NOT NULL AND {kept}",
    ])
    gone = con.execute(f"DELETE FROM {ent} WHERE NOT _lei_ok").fetchall()[0][0]
    gone += con.execute(f"DELETE FROM {ent} USING _later x WHERE x.origin_file = {ent}.origin_file "
                        f"AND x.origin_row = {ent}.origin_row").fetchall()[0][0]
    for c in _LEI_CHECKS:
        con.execute(f"ALTER TABLE {ent} DROP COLUMN {c}")
    con.execute("DROP TABLE _later; SET preserve_insertion_order = true")
    return {f"raw_{source}__lei_records": n_raw, ent: n_raw - gone}


# --------------------------------------------------------------------------- Level 2
def _numbered(header: list[str], pattern: str) -> list[int]:
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for c in header if (m := rx.fullmatch(c))})


def ingest_rr(con: duckdb.DuckDBPyConnection, paths: list[Path], source: str = "gleif") -> dict[str, int | None]:
    names = ", ".join(p.name for p in paths)
    h = read_raw(con, f"raw_{source}__relationships", paths)
    child = q(need(h, names, "Relationship.StartNode.NodeID"))
    parent = q(need(h, names, "Relationship.EndNode.NodeID"))
    rtype = q(need(h, names, "Relationship.RelationshipType"))
    ctype = opt(h, "Relationship.StartNode.NodeIDType")
    ptype = opt(h, "Relationship.EndNode.NodeIDType")
    rstatus = opt(h, "Relationship.RelationshipStatus")
    reg = opt(h, "Registration.RegistrationStatus")
    vref = opt(h, "Registration.ValidationReference")
    # the relationship period among the numbered periods; accounting periods stay in raw
    start = end = "CAST(NULL AS VARCHAR)"
    for n in _numbered(h, r"Relationship\.Period\.(\d+)\.periodType"):
        p = f"Relationship.Period.{n}"
        cond = f"{q(p + '.periodType')} = 'RELATIONSHIP_PERIOD'"
        start = f"CASE WHEN {cond} THEN {opt(h, p + '.startDate')} ELSE {start} END"
        end = f"CASE WHEN {cond} THEN {opt(h, p + '.endDate')} ELSE {end} END"
    # a percentage quantifier, when present (2019 files call the block "Qualifiers")
    pct = "CAST(NULL AS VARCHAR)"
    for block in ("Quantifiers", "Qualifiers"):
        for n in reversed(_numbered(h, rf"Relationship\.{block}\.(\d+)\.QuantifierAmount")):
            p = f"Relationship.{block}.{n}"
            units = opt(h, p + ".QuantifierUnits")
            pct = f"CASE WHEN upper({units}) = 'PERCENTAGE' AND coalesce({q(p + '.QuantifierAmount')}, '') <> '' " \
                  f"THEN {q(p + '.QuantifierAmount')} ELSE {pct} END"
    rel_of = {k: f"{a}|{b}|{str(c).lower()}" for k, (a, b, c) in RELATIONSHIPS.items()}
    reset_problems(con, source, [p.name for p in paths])
    n_raw = numbered_table(con, "_rr", f"""
        origin_file, origin_row, upper(trim({child})) AS child, upper(trim({parent})) AS parent,
               {rtype} AS rtype, coalesce({ctype}, 'LEI') AS ctype, coalesce({ptype}, 'LEI') AS ptype,
               {rstatus} AS rstatus, {reg} AS reg, {vref} AS vref,
               {date_sql(start)} AS start_date, {date_sql(end)} AS end_date, {start} AS start_raw, {end} AS end_raw,
               {pct} AS pct_raw, try_cast({pct} AS DOUBLE) AS pct,
               string_split({case_map(rtype, rel_of)}, '|') AS rel,
               {lei_ok(f'upper(trim({child}))')} AS child_ok, {lei_ok(f'upper(trim({parent}))')} AS parent_ok""",
                   f"raw_{source}__relationships", [p.name for p in paths], temp=True)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _rr2 AS
        SELECT *, coalesce(child_ok AND parent_ok AND ctype = 'LEI' AND ptype = 'LEI' AND rel IS NOT NULL, false) AS ok,
               row_number() OVER (PARTITION BY child, parent, rtype ORDER BY origin_file, origin_row) AS nth
        FROM _rr""")
    problems(con, source, [
        "SELECT origin_file, origin_row, 'Relationship.StartNode.NodeID', 'lei_check_digits', 'error', "
        "'malformed child LEI; relationship rejected', child FROM _rr2 WHERE NOT coalesce(child_ok, false)",
        "SELECT origin_file, origin_row, 'Relationship.EndNode.NodeID', 'lei_check_digits', 'error', "
        "'malformed parent LEI; relationship rejected', parent FROM _rr2 WHERE NOT coalesce(parent_ok, false)",
        "SELECT origin_file, origin_row, 'Relationship.EndNode.NodeIDType', 'unknown_code', 'error', "
        "'node is not identified by an LEI; relationship rejected', ctype || '/' || ptype FROM _rr2 "
        "WHERE child_ok AND parent_ok AND (ctype <> 'LEI' OR ptype <> 'LEI')",
        "SELECT origin_file, origin_row, 'Relationship.RelationshipType', 'unknown_code', 'error', "
        "'relationship type not known; relationship rejected', rtype FROM _rr2 WHERE rel IS NULL",
        "SELECT origin_file, origin_row, 'Relationship.RelationshipType', 'duplicate_id', 'error', "
        "'same child, parent and type as an earlier row; rejected', child || '>' || parent FROM _rr2 WHERE ok AND nth > 1",
        "SELECT origin_file, origin_row, 'Relationship.Period.endDate', 'date_order', 'warning', "
        "'relationship ends before it starts; both dates ignored', start_raw || ' > ' || end_raw FROM _rr2 "
        "WHERE ok AND nth = 1 AND end_date < start_date",
        "SELECT origin_file, origin_row, 'Relationship.Period.startDate', 'date', 'warning', "
        "'timestamp not understood; ignored', coalesce(start_raw, end_raw) FROM _rr2 WHERE ok AND nth = 1 AND "
        "((coalesce(start_raw, '') <> '' AND start_date IS NULL) OR (coalesce(end_raw, '') <> '' AND end_date IS NULL))",
        "SELECT origin_file, origin_row, 'Relationship.Quantifiers.QuantifierAmount', 'share_range', 'warning', "
        "'percentage not within 0-100; ignored', pct_raw FROM _rr2 WHERE ok AND nth = 1 AND pct_raw IS NOT NULL "
        "AND (pct IS NULL OR pct < 0 OR pct > 100)",
        "SELECT origin_file, origin_row, 'Relationship.RelationshipStatus', 'unknown_code', 'warning', "
        "'relationship status not ACTIVE/INACTIVE; read as not current', rstatus FROM _rr2 WHERE ok AND nth = 1 "
        "AND coalesce(rstatus, '') NOT IN ('ACTIVE', 'INACTIVE')",
    ])
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{source}__links AS
        SELECT 'rr:' || child || '>' || parent || ':' || rtype AS link_id, 'lei:' || child AS subject_id,
               'lei:' || parent AS owner_entity_id, rel[2] AS interest_type, rel[1] AS relationship,
               CASE WHEN pct BETWEEN 0 AND 100 THEN pct / 100 END AS share_min,
               CASE WHEN pct BETWEEN 0 AND 100 THEN pct / 100 END AS share_max,
               false AS is_min_exclusive, false AS is_max_exclusive, rel[3] = 'true' AS is_control_kind,
               CASE WHEN rel[3] = 'true' THEN 'accounting consolidation (GLEIF Level 2: ' || rtype || ')' END
                   AS control_note,
               CASE WHEN rstatus = 'ACTIVE' AND coalesce(reg, '') NOT IN ('ANNULLED', 'DUPLICATE', 'RETIRED')
                    THEN 'current' ELSE 'historical' END AS status,
               CASE WHEN end_date < start_date THEN NULL ELSE start_date END AS start_date,
               CASE WHEN end_date < start_date THEN NULL ELSE end_date END AS end_date,
               concat_ws('/', nullif(rstatus, ''), nullif(reg, '')) AS record_status,
               '{GLEIF_RECORD_URL}' || child AS source_url, 'GLEIF Level 2 relationship record' AS source_title,
               nullif(vref, '') AS note, origin_file, origin_row
        FROM _rr2 WHERE ok AND nth = 1
        ORDER BY link_id""")
    con.execute("DROP TABLE _rr; DROP TABLE _rr2")
    return {f"raw_{source}__relationships": n_raw, f"core_{source}__links": None}


# --------------------------------------------------------------------------- exceptions
def ingest_repex(con: duckdb.DuckDBPyConnection, paths: list[Path], source: str = "gleif") -> dict[str, int | None]:
    names = ", ".join(p.name for p in paths)
    h = read_raw(con, f"raw_{source}__exceptions", paths)
    lei = q(need(h, names, "LEI"))
    cat = q(need(h, names, "Exception.Category", "ExceptionCategory"))
    reasons = [c for c in h if re.fullmatch(r"Exception\.?Reason(\.\d+)?", c)]
    if not reasons:
        raise DataError(f"{names}: no column Exception.Reason.1 in the header")
    refs = [c for c in h if re.fullmatch(r"Exception\.?Reference(\.\d+)?", c)]
    reason = "concat_ws(' ', " + ", ".join(q(c) for c in reasons) + ")"
    ref = ("concat_ws(' ', " + ", ".join(q(c) for c in refs) + ")") if refs else "NULL"
    reset_problems(con, source, [p.name for p in paths])
    n_raw = numbered_table(con, "_rx", f"""
        origin_file, origin_row, upper(trim({lei})) AS lei, {cat} AS cat, trim({reason}) AS reason,
               nullif(trim({ref}), '') AS ref, {lei_ok(f'upper(trim({lei}))')} AS is_lei_ok, {case_map(cat, EXCEPTION_CATEGORIES)} AS category""",
                   f"raw_{source}__exceptions", [p.name for p in paths], temp=True)
    known = ", ".join(f"'{r}'" for r in EXCEPTION_REASONS)
    problems(con, source, [
        "SELECT origin_file, origin_row, 'LEI', 'lei_check_digits', 'error', 'malformed LEI; exception rejected', lei "
        "FROM _rx WHERE NOT coalesce(is_lei_ok, false)",
        "SELECT origin_file, origin_row, 'Exception.Category', 'unknown_code', 'error', 'exception category not "
        "known; rejected', cat FROM _rx WHERE is_lei_ok AND category IS NULL",
        f"SELECT origin_file, origin_row, 'Exception.Reason', 'unknown_code', 'warning', 'exception reason not "
        f"known; kept as given', reason FROM _rx WHERE is_lei_ok AND category IS NOT NULL AND "
        f"NOT list_has_all([{known}], string_split(reason, ' '))",
    ])
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{source}__unknown_owners AS
        SELECT 'lei:' || lei AS subject_id, category, reason AS reason_code,
               category || ' not reported: ' || lower(replace(reason, '_', ' '))
                   || coalesce(' (' || ref || ')', '') AS description,
               '{GLEIF_RECORD_URL}' || lei AS source_url, origin_file, origin_row
        FROM _rx WHERE is_lei_ok AND category IS NOT NULL
        ORDER BY subject_id, category""")
    con.execute("DROP TABLE _rx")
    return {f"raw_{source}__exceptions": n_raw, f"core_{source}__unknown_owners": None}


def ingest(con: duckdb.DuckDBPyConnection, fmt: str, paths: list[Path]) -> dict[str, int | None]:
    """Read ``paths`` of ``fmt``; the tables written, with their row counts where known without a scan."""
    con.execute("SET preserve_insertion_order = true")
    fn = {"gleif-lei": ingest_lei, "gleif-rr": ingest_rr, "gleif-repex": ingest_repex}[fmt]
    return fn(con, paths)

