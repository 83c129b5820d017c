"""Beneficial Ownership Data Standard 0.4 statements into the common model (format ``bods``).

Inputs: BODS 0.4 statements as one JSON array or as JSON Lines (one statement a line),
read by DuckDB (``read_json``; the record details stay JSON until SQL extracts them).

Outputs: ``raw_bods__statements`` (every statement as read), ``core_bods__entities``
(entity and person records; an entity with an ``XI-LEI`` identifier is ``lei:<LEI>`` so it
meets GLEIF and the curated entities, others are ``bods:<recordId>``),
``core_bods__links`` (one per relationship record: the shareholding gives the share
interval — exact, or minimum/maximum with their exclusivity — control comes from a
majority of shares or votes, board appointment or control by articles or law; start and
end dates from the interests; ``indirect`` interests are ``indirect interest`` links, kept
as control only when the chain is also given through component records),
``core_bods__unknown_owners`` (an ``interestedParty`` given as an unspecified reason:
unknown or anonymous owners, exemptions) and ``core_bods__problems``.

Record status: the latest statement of a record (by statement date, then order) is the
record; ``closed`` records are historical. Entity types ``state`` and ``stateBody``
become ``state`` and ``state_body``. Duplicate statement ids, unknown record types,
minimum above maximum and shares outside 0-100% are errors (the statement or interest is
rejected, counted); end before start and unknown interest types are counted warnings.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .gleif import case_map, problems, reset_problems, sql_str
from . import lei_ok

ENTITY_TYPES = {"registeredEntity": "company", "legalEntity": "company", "arrangement": "company",
                "anonymousEntity": "unknown", "unknownEntity": "unknown", "state": "state", "stateBody": "state_body"}
INTEREST_TYPES = (
    "shareholding", "votingRights", "appointmentOfBoard", "otherInfluenceOrControl", "seniorManagingOfficial",
    "settlor", "trustee", "protector", "beneficiaryOfLegalArrangement", "rightsToSurplusAssetsOnDissolution",
    "rightsToProfitOrIncome", "rightsGrantedByContract", "conditionalRightsGrantedByContract",
    "controlViaCompanyRulesOrArticles", "controlByLegalFramework", "boardMember", "boardChair", "unknownInterest",
    "unpublishedInterest", "enjoymentAndUseOfAssets", "rightToProfitOrIncomeFromAssets", "nominee", "nominator",
    "otherInterest")
#: interests that confer control whatever their size
CONTROL_TYPES = ("appointmentOfBoard", "controlViaCompanyRulesOrArticles", "controlByLegalFramework")
STATUSES = ("new", "updated", "closed")
RECORD_TYPES = ("entity", "person", "relationship")
COLUMNS = ("{statementId: 'VARCHAR', declarationSubject: 'VARCHAR', statementDate: 'VARCHAR', recordId: 'VARCHAR', "
           "recordStatus: 'VARCHAR', recordType: 'VARCHAR', recordDetails: 'JSON', source: 'JSON', "
           "publicationDetails: 'JSON'}")


def _json_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip()
    return "array" if head[:1] == b"[" else "newline_delimited"


def ingest(con: duckdb.DuckDBPyConnection, fmt: str, paths: list[Path]) -> list[str]:
    src = "bods"
    con.execute("SET preserve_insertion_order = true")
    parts = [f"SELECT {sql_str(p.name)} AS origin_file, (row_number() OVER ())::BIGINT AS origin_row, * "
             f"FROM read_json({sql_str(str(p))}, format = '{_json_format(p)}', columns = {COLUMNS})" for p in paths]
    con.execute(f"CREATE OR REPLACE TABLE raw_{src}__statements AS " + " UNION ALL ".join(parts))
    reset_problems(con, src, [p.name for p in paths])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _st AS
        SELECT *, row_number() OVER (PARTITION BY statementId ORDER BY origin_file, origin_row) AS dup,
               try_cast(left(statementDate, 10) AS DATE) AS st_date
        FROM raw_{src}__statements""")
    problems(con, src, [
        "SELECT origin_file, origin_row, 'statementId', 'duplicate_id', 'error', 'statement id already used by an "
        "earlier statement; rejected', statementId FROM _st WHERE dup > 1",
        "SELECT origin_file, origin_row, 'statementId', 'required', 'error', 'statement without statementId or "
        "recordId; rejected', recordId FROM _st WHERE statementId IS NULL OR recordId IS NULL",
        f"SELECT origin_file, origin_row, 'recordType', 'unknown_code', 'error', 'record type not entity, person "
        f"or relationship; rejected', recordType FROM _st WHERE dup = 1 AND recordType NOT IN {RECORD_TYPES}",
        f"SELECT origin_file, origin_row, 'recordStatus', 'unknown_code', 'warning', 'record status not new, "
        f"updated or closed; read as new', recordStatus FROM _st WHERE dup = 1 AND recordStatus IS NOT NULL "
        f"AND recordStatus NOT IN {STATUSES}",
    ])
    # the record: the latest valid statement of each recordId
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rec AS
        SELECT *, recordDetails AS rd,
               coalesce(json_extract_string(publicationDetails, '$.publisher.uri'),
                        json_extract_string(source, '$.url'), 'bods:' || origin_file) AS url
        FROM _st
        WHERE dup = 1 AND statementId IS NOT NULL AND recordId IS NOT NULL AND recordType IN {RECORD_TYPES}
        QUALIFY row_number() OVER (PARTITION BY recordId ORDER BY st_date DESC NULLS LAST, origin_file DESC,
                                   origin_row DESC) = 1""")
    lei_expr = "list_filter(CAST(json_extract(rd, '$.identifiers') AS JSON[]), " \
               "lambda x: json_extract_string(x, '$.scheme') = 'XI-LEI')[1]->>'id'"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ent AS
        SELECT r.*, upper(trim({lei_expr})) AS lei_raw
        FROM _rec r WHERE recordType IN ('entity', 'person')""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ids AS
        SELECT recordId, CASE WHEN {lei_ok('lei_raw')} THEN 'lei:' || lei_raw ELSE 'bods:' || recordId END AS entity_id,
               CASE WHEN {lei_ok('lei_raw')} THEN lei_raw END AS lei
        FROM _ent""")
    etype = case_map("json_extract_string(rd, '$.entityType.type')", ENTITY_TYPES)
    problems(con, src, [
        f"SELECT origin_file, origin_row, 'identifiers', 'lei_check_digits', 'warning', 'XI-LEI identifier is "
        f"malformed; not used', lei_raw FROM _ent WHERE lei_raw IS NOT NULL AND NOT coalesce({lei_ok('lei_raw')}, false)",
        f"SELECT origin_file, origin_row, 'recordDetails.entityType', 'unknown_code', 'warning', 'entity type not "
        f"known; typed unknown', json_extract_string(rd, '$.entityType.type') FROM _ent WHERE recordType = 'entity' "
        f"AND {etype} IS NULL",
    ])
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__entities AS
        SELECT i.entity_id,
               coalesce(CASE WHEN recordType = 'entity' THEN json_extract_string(rd, '$.name')
                             ELSE json_extract_string(rd, '$.names[0].fullName') END, 'unnamed ' || recordType) AS entity_name,
               i.lei,
               upper(CASE WHEN recordType = 'entity' THEN json_extract_string(rd, '$.jurisdiction.code')
                          ELSE json_extract_string(rd, '$.nationalities[0].code') END) AS jurisdiction_code,
               upper(coalesce(json_extract_string(rd, '$.addresses[0].country.code'),
                              json_extract_string(rd, '$.taxResidencies[0].code'))) AS hq_country_code,
               CASE WHEN recordType = 'person' THEN 'person' ELSE coalesce({etype}, 'unknown') END AS entity_type,
               array_to_string(list_transform(CAST(coalesce(json_extract(rd, '$.identifiers'), '[]') AS JSON[]),
                   lambda x: coalesce(x->>'scheme', '') || ':' || coalesce(x->>'id', '')), ' ') AS identifiers,
               coalesce(recordStatus, 'new') AS record_status, url AS source_url, origin_file, origin_row
        FROM _ent e JOIN _ids i USING (recordId)
        QUALIFY row_number() OVER (PARTITION BY i.entity_id ORDER BY origin_file, origin_row) = 1
        ORDER BY entity_id""")
    # relationships and their interests
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _rel AS
        SELECT r.*, json_extract_string(rd, '$.subject') AS subject_rec,
               CASE WHEN json_type(rd, '$.interestedParty') = 'VARCHAR' THEN json_extract_string(rd, '$.interestedParty') END
                   AS party_rec,
               CASE WHEN json_type(rd, '$.interestedParty') = 'OBJECT' THEN json_extract(rd, '$.interestedParty') END
                   AS party_unspecified
        FROM _rec r WHERE recordType = 'relationship'""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _int AS
        SELECT recordId, origin_file, origin_row, i->>'type' AS itype, i->>'directOrIndirect' AS direct,
               try_cast(i->>'$.share.exact' AS DOUBLE) AS exact,
               try_cast(coalesce(i->>'$.share.minimum', i->>'$.share.exclusiveMinimum') AS DOUBLE) AS smin,
               try_cast(coalesce(i->>'$.share.maximum', i->>'$.share.exclusiveMaximum') AS DOUBLE) AS smax,
               i->>'$.share.exclusiveMinimum' IS NOT NULL AS min_excl, i->>'$.share.exclusiveMaximum' IS NOT NULL AS max_excl,
               try_cast(left(i->>'startDate', 10) AS DATE) AS start_date, try_cast(left(i->>'endDate', 10) AS DATE) AS end_date,
               i->>'startDate' AS start_raw, i->>'endDate' AS end_raw
        FROM (SELECT recordId, origin_file, origin_row,
                     unnest(CAST(coalesce(json_extract(rd, '$.interests'), '[]') AS JSON[])) AS i FROM _rel)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _int2 AS
        SELECT *, coalesce(exact, smin) AS lo, coalesce(exact, smax) AS hi,
               (exact IS NOT NULL AND (exact < 0 OR exact > 100)) OR smin < 0 OR smax > 100 AS bad_range,
               exact IS NULL AND smin > smax AS bad_order
        FROM _int""")
    problems(con, src, [
        "SELECT origin_file, origin_row, 'interests.share', 'share_range', 'error', 'share outside 0-100%; interest "
        "rejected', coalesce(exact, smin, smax) FROM _int2 WHERE bad_range",
        "SELECT origin_file, origin_row, 'interests.share', 'share_order', 'error', 'share minimum above maximum; "
        "interest rejected', smin || ' > ' || smax FROM _int2 WHERE bad_order AND NOT coalesce(bad_range, false)",
        "SELECT origin_file, origin_row, 'interests.endDate', 'date_order', 'warning', 'interest ends before it "
        "starts; end date ignored', start_raw || ' > ' || end_raw FROM _int2 WHERE end_date < start_date",
        f"SELECT origin_file, origin_row, 'interests.type', 'unknown_code', 'warning', 'interest type not in the "
        f"BODS 0.4 codelist; kept', itype FROM _int2 WHERE itype IS NULL OR itype NOT IN {INTEREST_TYPES}",
        "SELECT origin_file, origin_row, 'interestedParty', 'required', 'error', 'relationship without subject or "
        "interested party; rejected', recordId FROM _rel WHERE subject_rec IS NULL OR "
        "(party_rec IS NULL AND party_unspecified IS NULL)",
    ])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _agg AS
        SELECT recordId,
               min(lo) FILTER (WHERE itype = 'shareholding') / 100 AS share_min,
               max(hi) FILTER (WHERE itype = 'shareholding') / 100 AS share_max,
               bool_or(min_excl) FILTER (WHERE itype = 'shareholding') AS is_min_exclusive,
               bool_or(max_excl) FILTER (WHERE itype = 'shareholding') AS is_max_exclusive,
               bool_or(itype IN {CONTROL_TYPES}
                       OR (itype IN ('shareholding', 'votingRights') AND (lo > 50 OR (lo = 50 AND min_excl)))) AS is_control,
               string_agg(DISTINCT itype, ', ' ORDER BY itype) AS itypes,
               bool_and(direct = 'indirect') AS is_indirect,
               min(start_date) AS start_date,
               CASE WHEN bool_and(end_date IS NOT NULL AND NOT coalesce(end_date < start_date, false))
                    THEN max(end_date) END AS end_date
        FROM _int2 WHERE NOT coalesce(bad_range, false) AND NOT coalesce(bad_order, false)
        GROUP BY recordId""")
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__links AS
        SELECT r.recordId AS link_id, coalesce(s.entity_id, 'bods:' || r.subject_rec) AS subject_id,
               coalesce(p.entity_id, 'bods:' || r.party_rec) AS owner_entity_id,
               CASE WHEN a.itypes LIKE '%shareholding%' OR a.itypes IS NULL THEN 'shareholding'
                    ELSE lower(regexp_replace(split_part(a.itypes, ', ', 1), '([A-Z])', '_\\1', 'g')) END AS interest_type,
               CASE WHEN a.is_indirect THEN 'indirect interest' END AS relationship,
               a.share_min, a.share_max, coalesce(a.is_min_exclusive, false) AS is_min_exclusive,
               coalesce(a.is_max_exclusive, false) AS is_max_exclusive, coalesce(a.is_control, false) AS is_control_kind,
               CASE WHEN a.is_control THEN 'BODS interests: ' || a.itypes END AS control_note,
               CASE WHEN r.recordStatus = 'closed' THEN 'historical' ELSE 'current' END AS status,
               a.start_date, a.end_date, coalesce(r.recordStatus, 'new') AS record_status, r.url AS source_url,
               'BODS 0.4 statement ' || r.statementId AS source_title,
               CASE WHEN json_extract(r.rd, '$.componentRecords') IS NOT NULL
                    THEN 'components: ' || CAST(json_extract(r.rd, '$.componentRecords') AS VARCHAR) END AS note,
               r.origin_file, r.origin_row
        FROM _rel r
        LEFT JOIN _agg a USING (recordId)
        LEFT JOIN _ids s ON s.recordId = r.subject_rec
        LEFT JOIN _ids p ON p.recordId = r.party_rec
        WHERE r.subject_rec IS NOT NULL AND r.party_rec IS NOT NULL
        ORDER BY link_id""")
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__unknown_owners AS
        SELECT coalesce(s.entity_id, 'bods:' || r.subject_rec) AS subject_id, 'interested party' AS category,
               json_extract_string(r.party_unspecified, '$.reason') AS reason_code,
               json_extract_string(r.party_unspecified, '$.description') AS description,
               r.url AS source_url, r.origin_file, r.origin_row
        FROM _rel r LEFT JOIN _ids s ON s.recordId = r.subject_rec
        WHERE r.subject_rec IS NOT NULL AND r.party_unspecified IS NOT NULL
        ORDER BY subject_id, origin_file, origin_row""")
    for t in ("_st", "_rec", "_ent", "_ids", "_rel", "_int", "_int2", "_agg"):
        con.execute(f"DROP TABLE {t}")
    return [f"raw_{src}__statements", f"core_{src}__entities", f"core_{src}__links", f"core_{src}__unknown_owners"]
