"""The GLEIF API refresh: every LEI the data uses, in batched requests.

Contract: :func:`data_leis` collects the LEIs the data relies on — the curated entities
(``datasets/curated/entities.csv``), the hand-written matches (``datasets/matching/entities.csv``),
the owner register (``datasets/owners/owners.csv``) and the entities of every ingested
non-GLEIF registry file (BODS, PSC: ``core_bods__entities`` / ``core_psc__entities`` of the
registry database) — checked with ISO 17442 check digits. The golden copy's own millions of
LEIs are refreshed by its delta files (:mod:`infrarisk.sources.registry.delta`), not here.

:func:`crawl` (the ``gleif_api`` kind of ``datasets/gleif/manifest.toml``) then asks
``api.gleif.org/api/v1`` for them in batches of ``http.gleif_batch_size`` (default 200, GLEIF's
page maximum), one request per batch and kind, more only when a batch has more than one page:

- ``lei-records?filter[lei]=A,B,…`` — the Level 1 records (name, country, registration status);
- ``relationship-records?filter[startNode.id]=A,B,…`` — the Level 2 relationships that start
  at them (direct and ultimate accounting-consolidation parents, branches, funds);
- ``reporting-exceptions?filter[lei]=A,B,…`` — why a parent is not reported.

Parents named by the relationships are asked for the same way in the next round (their
records, their own parents), up to ``http.gleif_max_depth`` rounds. At most
``http.gleif_requests_per_minute`` requests a minute (GLEIF asks for no more than 60). The
responses are kept verbatim, one file per page, for ``infrarisk ingest gleif-api``.

Faults: besides what :mod:`infrarisk.http` checks (status, retries, size, truncation,
checksum), each page's JSON:API shape is checked; a crawl with fewer records than
``(1 - http.max_shrink)`` times the previous one is refused; and a response that no longer
returns an LEI the data uses which the previous refresh did return is an error
(:class:`~infrarisk.errors.SchemaError`): the previous snapshot, and so the last good site,
stay. An LEI that GLEIF never returned is listed in the crawl summary (``leis_not_found``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ...errors import SchemaError
from ...fsops import write_atomic
from ...http import SIDECAR, RateLimiter
from ...settings import Settings
from .._checks import JsonCheck, json_get
from .._fetch import json_file, url_for

#: data files whose ``lei`` column names the LEIs the data relies on (under ``datasets/``)
LEI_FILES = ("curated/entities.csv", "matching/entities.csv", "owners/owners.csv")
#: registry sources whose entities' LEIs are refreshed (the golden copy has its deltas)
REGISTRY_SOURCES = ("bods", "psc")
#: (kind = endpoint and file prefix, filter parameter taking a comma-separated list of LEIs)
KINDS = (("lei-records", "filter[lei]"), ("relationship-records", "filter[startNode.id]"),
         ("reporting-exceptions", "filter[lei]"))
SUMMARY = "_crawl" + SIDECAR


def data_leis(settings: Settings) -> tuple[list[str], dict[str, int], list[str]]:
    """LEIs the data uses: ``(sorted LEIs, count per origin, values failing the check digits)``."""
    from ...validate import parse_lei

    values: dict[str, list[str]] = {}
    for rel in LEI_FILES:
        path = Path(settings.datasets_dir) / rel
        if path.exists():
            with open(path, newline="", encoding="utf-8-sig") as fh:
                values[rel] = [r.get("lei") or "" for r in csv.DictReader(fh)]
    reg = settings.registry_db_path
    if reg is not None and Path(reg).is_file():
        import duckdb
        con = duckdb.connect(str(reg), read_only=True)
        try:
            have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            for s in REGISTRY_SOURCES:
                if f"core_{s}__entities" in have:
                    values[f"registry:{s}"] = [r[0] for r in con.execute(
                        f"SELECT DISTINCT lei FROM core_{s}__entities WHERE lei IS NOT NULL").fetchall()]
        finally:
            con.close()
    good, bad, per = set(), set(), {}
    for origin, vals in values.items():
        mine = set()
        for v in vals:
            if not v or not v.strip():
                continue
            try:
                lei = parse_lei(v)
            except ValueError:
                bad.add(v)
                continue
            if lei:
                mine.add(lei)
        per[origin] = len(mine)
        good |= mine
    return sorted(good), per, sorted(bad)


# --- JSON shapes of the batched pages -------------------------------------------------------

def _pagination(doc, where: str) -> None:
    pag = (doc.get("meta") or {}).get("pagination")
    if pag is not None:
        json_get(pag, ("lastPage",), f"{where}: meta.pagination", int)


def relationship_page(doc, where: str) -> str:
    """A page of ``relationship-records`` (each with start and end node LEIs and a type)."""
    data = json_get(doc, ("data",), where, list)
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or rec.get("type") != "relationship-records":
            raise SchemaError(f"{where}: data[{i}] is not a relationship-records object")
        for node in ("startNode", "endNode"):
            json_get(rec, ("attributes", "relationship", node, "id"), f"{where}: data[{i}]")
        json_get(rec, ("attributes", "relationship", "type"), f"{where}: data[{i}]")
    _pagination(doc, where)
    return f"GLEIF relationship-records page of {len(data)}"


def exception_page(doc, where: str) -> str:
    """A page of ``reporting-exceptions`` (each with its LEI and category)."""
    data = json_get(doc, ("data",), where, list)
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or rec.get("type") != "reporting-exceptions":
            raise SchemaError(f"{where}: data[{i}] is not a reporting-exceptions object")
        json_get(rec, ("attributes", "lei"), f"{where}: data[{i}]")
        json_get(rec, ("attributes", "category"), f"{where}: data[{i}]")
    _pagination(doc, where)
    return f"GLEIF reporting-exceptions page of {len(data)}"


def _checks():
    from .fetch import gleif_lei_records
    return {"lei-records": JsonCheck(gleif_lei_records), "relationship-records": JsonCheck(relationship_page),
            "reporting-exceptions": JsonCheck(exception_page)}


def _previous_summary(stage) -> dict:
    prev = stage.previous(SUMMARY)
    try:
        return json.loads(Path(prev).read_text(encoding="utf-8")) if prev is not None and Path(prev).exists() else {}
    except (OSError, ValueError):
        return {}


# --- the crawl --------------------------------------------------------------------------------

def crawl(client, src, settings, stage, res, progress) -> None:
    """Records, relationships and reporting exceptions of every LEI the data uses, and of their
    parents, in batched requests (see the module docstring)."""
    base = url_for(settings, src.files[0].url_key, src.files[0].default_url).rstrip("/")
    h = settings.http
    limiter = RateLimiter(h.gleif_requests_per_minute)
    requests_before = client.requests
    leis, origins, rejected = data_leis(settings)
    progress(f"[fetch] {src.id}: {len(leis)} LEIs used by the data ({', '.join(f'{k} {v}' for k, v in origins.items())})")
    checks = _checks()
    records: dict[str, dict] = {}
    relationships: dict[str, dict] = {}
    exceptions: dict[str, str] = {}
    asked: set[str] = set()
    publish_dates: set[str] = set()
    todo, rounds = list(leis), 0
    while todo and rounds < max(h.gleif_max_depth, 1):
        rounds += 1
        asked.update(todo)
        parents: set[str] = set()
        for kind, flt in KINDS:
            for doc in _batched(client, stage, base, kind, flt, todo, rounds, limiter, res, h, checks[kind], src.id,
                                progress):
                pub = ((doc.get("meta") or {}).get("goldenCopy") or {}).get("publishDate")
                if pub:
                    publish_dates.add(pub)
                for rec in doc["data"]:
                    a = rec["attributes"]
                    if kind == "lei-records":
                        records[a["lei"].upper()] = rec
                    elif kind == "relationship-records":
                        r = a["relationship"]
                        start, end = r["startNode"]["id"].upper(), r["endNode"]["id"].upper()
                        relationships[f"{start}>{end}:{r['type']}"] = rec
                        if r.get("type") in ("IS_DIRECTLY_CONSOLIDATED_BY", "IS_ULTIMATELY_CONSOLIDATED_BY") \
                                and r.get("status", "ACTIVE") == "ACTIVE":
                            parents.add(end)
                    else:
                        exceptions[f"{a['lei'].upper()}:{a['category']}"] = a.get("reason") or ""
        todo = sorted(parents - asked)
    found_data = sorted(set(leis) & set(records))
    not_found = sorted(set(leis) - set(records))
    previous = _previous_summary(stage)
    dropped = sorted(set(previous.get("data_leis_found") or ()) & set(not_found))
    if dropped:
        raise SchemaError(f"{src.id}: {base}/lei-records no longer returns {len(dropped)} LEI(s) the data uses and "
                          f"the previous refresh returned: {', '.join(dropped[:10])}; the previous snapshot and "
                          f"the published site are kept (check the LEIs with GLEIF, then correct the data)")
    before = previous.get("records")
    if before and len(records) < before * (1 - h.max_shrink):
        raise SchemaError(f"{src.id}: {base}: {len(records)} records where the previous refresh had {before}: a shrink "
                          f"of more than http.max_shrink = {h.max_shrink:.0%} is refused (a partial answer?); the "
                          f"previous snapshot is kept")
    res.summary = {
        "leis_from": origins, "leis_in_data": len(leis), "leis_rejected": rejected, "leis_requested": len(asked),
        "records": len(records), "relationships": len(relationships), "reporting_exceptions": len(exceptions),
        "data_leis_found": found_data, "leis_not_found": not_found,
        "parents_not_found": sorted(asked - set(leis) - set(records)), "rounds": rounds,
        "parents_beyond_depth": todo, "requests": client.requests - requests_before,
        "registration_status": _count(r["attributes"].get("registration", {}).get("status") for r in records.values()),
        "golden_copy_publish_dates": sorted(publish_dates),
    }
    write_atomic(stage.path(SUMMARY), (json.dumps(res.summary, indent=1, sort_keys=True) + "\n").encode())


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return dict(sorted(out.items()))


def _batched(client, stage, base, kind, flt, leis, rnd, limiter, res, h, check, src_id, progress):
    """Every page of ``kind`` for ``leis``, ``h.gleif_batch_size`` LEIs a request."""
    size = max(1, h.gleif_batch_size)
    for b in range(0, len(leis), size):
        batch = leis[b:b + size]
        page, last = 1, 1
        while page <= last:
            rel = f"{kind}_round-{rnd:02d}_batch-{b // size + 1:03d}_page-{page:03d}.json"
            params = {flt: ",".join(batch), "page[size]": h.gleif_page_size, "page[number]": page}
            progress(f"[fetch] {src_id}: {kind} round {rnd}, {len(batch)} LEIs, page {page}")
            doc = json_file(client, stage, rel, f"{base}/{kind}", check, src_id, res, params=params, limiter=limiter)
            wanted = set(batch)
            for i, rec in enumerate(doc["data"]):
                a = rec["attributes"]
                lei = (a["relationship"]["startNode"]["id"] if kind == "relationship-records" else a["lei"]).upper()
                if lei not in wanted:
                    raise SchemaError(f"{src_id}: {base}/{kind} page {page}: data[{i}] is about {lei}, which was not "
                                      f"asked for (the filter {flt} was not applied?)")
            last = int(((doc.get("meta") or {}).get("pagination") or {}).get("lastPage") or 1)
            if last > 1000:
                raise SchemaError(f"{src_id}: {base}/{kind}: {last} pages for {len(batch)} LEIs; refusing")
            yield doc
            page += 1
