"""UK Companies House persons-with-significant-control snapshot into the common model
(format ``psc``).

Inputs: the bulk snapshot, JSON Lines ``{"company_number": ..., "data": {...}}``, read by
DuckDB (``read_json``, ``data`` kept as JSON until SQL extracts it).

Outputs: ``raw_psc__records``; ``core_psc__entities`` (each company named by a record,
``gb-coh:<number>``; each PSC: a corporate PSC registered in the UK with a registration
number *is* that company, so chains continue through its own PSC records; other PSCs are
``psc:<company>/<psc id>``); ``core_psc__links`` (one per PSC: the share band of the
natures of control, start ``notified_on``, end ``ceased_on``); ``core_psc__unknown_owners``
(PSC statements such as "no registrable person" and exemptions, with their code);
``core_psc__problems``.

Natures of control are bands, not percentages: ``ownership-of-shares-25-to-50-percent``
means *more than 25% and not more than 50%* (share 0.25–0.50, minimum exclusive),
``…-50-to-75-percent`` *more than 50% and less than 75%* (both exclusive; a majority, so
control), ``…-75-to-100-percent`` *75% or more* (inclusive). The same bands apply to
voting rights (control from above 50%) and, for LLPs, to surplus assets. The right to
appoint or remove a majority of the board is control; "significant influence or
control" is recorded but is not control under DESIGN §3. Unknown codes and kinds are
counted warnings; a ceased date before the notified date is a warning (end ignored);
the totals trailer is checked against the counts read.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .gleif import problems, reset_problems, sql_str

PSC_KINDS = {
    "individual-person-with-significant-control": "person",
    "corporate-entity-person-with-significant-control": "company",
    "legal-person-person-with-significant-control": "state_body",
    "super-secure-person-with-significant-control": "unknown",
    "individual-beneficial-owner": "person",
    "corporate-entity-beneficial-owner": "company",
    "legal-person-beneficial-owner": "state_body",
    "super-secure-beneficial-owner": "unknown",
}
STATEMENT_KINDS = ("persons-with-significant-control-statement", "exemptions")
TOTALS_KIND = "totals#persons-of-significant-control-snapshot"
#: band -> (min, max, min exclusive, max exclusive)
BANDS = {"25-to-50-percent": (0.25, 0.50, True, False), "50-to-75-percent": (0.50, 0.75, True, True),
         "75-to-100-percent": (0.75, 1.0, False, False)}
ECONOMIC_PREFIXES = ("ownership-of-shares-", "right-to-share-surplus-assets-")
VOTING_PREFIX = "voting-rights-"
CONTROL_CODES = ("right-to-appoint-and-remove-directors", "right-to-appoint-and-remove-members",
                 "right-to-appoint-and-remove-person")
INFLUENCE_CODES = ("significant-influence-or-control",)
UK_NAMES = ("united kingdom", "uk", "england", "wales", "scotland", "northern ireland", "england and wales",
            "great britain", "companies house", "registrar of companies for england and wales",
            "registrar of companies for scotland", "registrar of companies for northern ireland")


def nature_table() -> list[tuple]:
    """Every known nature-of-control code with (kind, min, max, min_excl, max_excl, is_control)."""
    rows = []
    for suffix in ("", "-as-trust", "-as-firm"):
        for band, (lo, hi, lx, hx) in BANDS.items():
            for p in ECONOMIC_PREFIXES:
                rows.append((f"{p}{band}{suffix}", "economic", lo, hi, lx, hx, lo >= 0.5))
            rows.append((f"{VOTING_PREFIX}{band}{suffix}", "voting", lo, hi, lx, hx, lo >= 0.5))
        for c in CONTROL_CODES:
            rows.append((f"{c}{suffix}", "control", None, None, False, False, True))
        for c in INFLUENCE_CODES:
            rows.append((f"{c}{suffix}", "influence", None, None, False, False, False))
    rows.append(("part-right-to-share-surplus-assets-25-to-50-percent", "economic", 0.25, 0.50, True, False, False))
    return rows


def ingest(con: duckdb.DuckDBPyConnection, fmt: str, paths: list[Path]) -> list[str]:
    src = "psc"
    con.execute("SET preserve_insertion_order = true")
    parts = [f"SELECT {sql_str(p.name)} AS origin_file, (row_number() OVER ())::BIGINT AS origin_row, * "
             f"FROM read_json({sql_str(str(p))}, format = 'newline_delimited', "
             "columns = {company_number: 'VARCHAR', data: 'JSON'})" for p in paths]
    con.execute(f"CREATE OR REPLACE TABLE raw_{src}__records AS " + " UNION ALL ".join(parts))
    reset_problems(con, src, [p.name for p in paths])
    con.execute("CREATE OR REPLACE TEMP TABLE _nature (code VARCHAR, kind VARCHAR, lo DOUBLE, hi DOUBLE, "
                "lo_excl BOOLEAN, hi_excl BOOLEAN, is_control BOOLEAN)")
    con.executemany("INSERT INTO _nature VALUES (?, ?, ?, ?, ?, ?, ?)", nature_table())
    kinds = ", ".join(f"'{k}'" for k in PSC_KINDS)
    uk = ", ".join(f"'{k}'" for k in UK_NAMES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _r AS
        SELECT origin_file, origin_row, upper(trim(company_number)) AS company, data ->> 'kind' AS kind, data,
               regexp_extract(data ->> '$.links.self', '/([^/]+)$', 1) AS psc_key,
               try_cast(data ->> 'notified_on' AS DATE) AS start_date, try_cast(data ->> 'ceased_on' AS DATE) AS end_date,
               data ->> 'ceased_on' AS end_raw, data ->> 'notified_on' AS start_raw,
               CAST(data -> 'natures_of_control' AS VARCHAR[]) AS natures
        FROM raw_{src}__records""")
    problems(con, src, [
        f"SELECT origin_file, origin_row, 'data.kind', 'unknown_code', 'warning', 'kind of record not known; "
        f"skipped', kind FROM _r WHERE coalesce(kind, '') NOT IN ({kinds}, '{TOTALS_KIND}', "
        f"{', '.join(repr(k) for k in STATEMENT_KINDS)})",
        f"SELECT origin_file, origin_row, 'company_number', 'required', 'error', 'record without company number; "
        f"rejected', kind FROM _r WHERE kind <> '{TOTALS_KIND}' AND coalesce(company, '') = ''",
        "SELECT r.origin_file, r.origin_row, 'data.natures_of_control', 'unknown_code', 'warning', 'nature of "
        "control not known; ignored', n FROM (SELECT *, unnest(natures) AS n FROM _r) r "
        "ANTI JOIN _nature x ON x.code = r.n",
        "SELECT origin_file, origin_row, 'data.ceased_on', 'date_order', 'warning', 'ceased before notified; "
        "end date ignored', start_raw || ' > ' || end_raw FROM _r WHERE end_date < start_date",
        f"SELECT origin_file, origin_row, 'data.links.self', 'duplicate_id', 'error', 'same PSC of the same "
        f"company as an earlier line; rejected', company || '/' || psc_key FROM _r WHERE kind IN ({kinds}) "
        f"QUALIFY row_number() OVER (PARTITION BY company, coalesce(psc_key, data ->> 'etag') "
        f"ORDER BY origin_file, origin_row) > 1",
    ])
    # the totals trailer: counts as published against counts read
    con.execute(f"""
        INSERT INTO core_{src}__problems
        SELECT t.origin_file, t.origin_row, 'data.persons_of_significant_control_count', 'row_count', 'warning',
               'the trailer counts ' || (t.data ->> 'persons_of_significant_control_count') || ' PSCs, the file has '
               || c.n, t.data ->> 'persons_of_significant_control_count'
        FROM _r t, (SELECT count(*) AS n FROM _r WHERE kind IN ({kinds})) c
        WHERE t.kind = '{TOTALS_KIND}' AND try_cast(t.data ->> 'persons_of_significant_control_count' AS BIGINT) <> c.n""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _p AS
        SELECT r.*,
               CASE WHEN r.kind LIKE 'corporate-entity%' AND lower(trim(data ->> '$.identification.country_registered'))
                         IN ({uk}) AND coalesce(trim(data ->> '$.identification.registration_number'), '') <> ''
                    THEN 'gb-coh:' || lpad(upper(replace(trim(data ->> '$.identification.registration_number'), ' ', '')), 8, '0')
                    ELSE 'psc:' || r.company || '/' || coalesce(r.psc_key, data ->> 'etag', CAST(r.origin_row AS VARCHAR))
               END AS owner_id
        FROM _r r
        WHERE r.kind IN ({kinds}) AND coalesce(r.company, '') <> ''
        QUALIFY row_number() OVER (PARTITION BY company, coalesce(psc_key, data ->> 'etag')
                                   ORDER BY origin_file, origin_row) = 1""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _n AS
        SELECT p.origin_file, p.origin_row, min(x.lo) FILTER (WHERE x.kind = 'economic') AS lo,
               max(x.hi) FILTER (WHERE x.kind = 'economic') AS hi,
               bool_or(x.lo_excl) FILTER (WHERE x.kind = 'economic') AS lo_excl,
               bool_or(x.hi_excl) FILTER (WHERE x.kind = 'economic') AS hi_excl,
               bool_or(x.is_control) AS is_control, string_agg(n, ', ' ORDER BY n) AS natures_text
        FROM (SELECT origin_file, origin_row, unnest(natures) AS n FROM _p) p JOIN _nature x ON x.code = p.n
        GROUP BY ALL""")
    kind_types = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PSC_KINDS.items())
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__entities AS
        WITH companies AS (
            SELECT DISTINCT 'gb-coh:' || company AS entity_id FROM _r WHERE coalesce(company, '') <> ''
                AND kind <> '{TOTALS_KIND}'
            UNION
            SELECT owner_id FROM _p WHERE starts_with(owner_id, 'gb-coh:')
        ),
        owners AS (
            SELECT owner_id AS entity_id, coalesce(data ->> 'name', 'undisclosed PSC') AS entity_name,
                   CASE kind {kind_types} END AS entity_type,
                   CASE WHEN lower(trim(coalesce(data ->> 'country_of_residence',
                                                 data ->> '$.identification.country_registered', ''))) IN ({uk})
                        THEN 'GB' END AS country,
                   coalesce(data ->> '$.identification.registration_number', '') AS regno, origin_file, origin_row
            FROM _p WHERE NOT starts_with(owner_id, 'gb-coh:')
        )
        SELECT entity_id, 'UK company ' || substr(entity_id, 8) AS entity_name, NULL AS lei,
               'GB' AS jurisdiction_code, 'GB' AS hq_country_code, 'company' AS entity_type,
               'GB-COH:' || substr(entity_id, 8) AS identifiers, NULL AS record_status,
               'https://find-and-update.company-information.service.gov.uk/company/' || substr(entity_id, 8) AS source_url,
               NULL AS origin_file, NULL::BIGINT AS origin_row
        FROM companies
        UNION ALL
        SELECT entity_id, entity_name, NULL, country, country, entity_type, nullif(regno, ''), NULL, NULL,
               origin_file, origin_row
        FROM owners
        ORDER BY entity_id""")
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__links AS
        SELECT p.company || '/' || coalesce(p.psc_key, p.data ->> 'etag', CAST(p.origin_row AS VARCHAR)) AS link_id,
               'gb-coh:' || p.company AS subject_id, p.owner_id AS owner_entity_id, 'shareholding' AS interest_type,
               NULL AS relationship, n.lo AS share_min, n.hi AS share_max, coalesce(n.lo_excl, false) AS is_min_exclusive,
               coalesce(n.hi_excl, false) AS is_max_exclusive, coalesce(n.is_control, false) AS is_control_kind,
               CASE WHEN n.is_control THEN 'PSC natures of control: ' || n.natures_text END AS control_note,
               CASE WHEN p.end_date IS NOT NULL AND NOT coalesce(p.end_date < p.start_date, false)
                         OR coalesce(CAST(p.data ->> 'ceased' AS BOOLEAN), false) THEN 'historical' ELSE 'current' END AS status,
               p.start_date, CASE WHEN p.end_date < p.start_date THEN NULL ELSE p.end_date END AS end_date,
               p.kind AS record_status,
               'https://find-and-update.company-information.service.gov.uk/company/' || p.company
                   || '/persons-with-significant-control' AS source_url,
               'Companies House PSC register' AS source_title, n.natures_text AS note, p.origin_file, p.origin_row
        FROM _p p LEFT JOIN _n n USING (origin_file, origin_row)
        ORDER BY link_id""")
    con.execute(f"""
        CREATE OR REPLACE TABLE core_{src}__unknown_owners AS
        SELECT 'gb-coh:' || company AS subject_id, kind AS category,
               coalesce(data ->> 'statement', array_to_string(json_keys(data -> 'exemptions'), ' ')) AS reason_code,
               coalesce(data ->> 'statement', 'exempt from the PSC register') AS description,
               'https://find-and-update.company-information.service.gov.uk/company/' || company
                   || '/persons-with-significant-control' AS source_url, origin_file, origin_row
        FROM _r WHERE kind IN {STATEMENT_KINDS} AND coalesce(company, '') <> ''
            AND data ->> 'ceased_on' IS NULL
        ORDER BY subject_id, origin_file, origin_row""")
    for t in ("_r", "_p", "_n", "_nature"):
        con.execute(f"DROP TABLE {t}")
    return [f"raw_{src}__records", f"core_{src}__entities", f"core_{src}__links", f"core_{src}__unknown_owners"]
