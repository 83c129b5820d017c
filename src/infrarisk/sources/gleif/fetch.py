"""Refreshing GLEIF: the API crawl of the map's LEIs and the golden-copy files.

Contract: three remotes of ``datasets/gleif/manifest.toml`` ``[refresh]`` (none re-derives
``datasets/gleif``; their snapshots are what ``infrarisk ingest`` reads, see
:mod:`infrarisk.sources.registry`):

- ``gleif-api`` (kind ``gleif_api``): the map's LEIs (:func:`map_leis`) in batches of
  ``filter[lei]``, paged with ``page[number]``/``page[size]``, then each entity's direct and
  ultimate parent relationship or reporting exception, then the parents' own records, up to
  ``http.gleif_max_depth`` rounds; at most ``http.gleif_requests_per_minute`` requests a
  minute; verbatim JSON:API responses, one file per response;
- ``gleif-golden-copy`` (kind ``golden_copy``): the publishes index, then the lei2/rr/repex
  full files it names; ``gleif-golden-copy-delta`` (``golden_copy_delta``): the LastDay deltas.

Follow-up URLs of the API crawl are built from the configured base URL, never taken from
links inside responses, so a mirror or a test server is never left for the real host; only
the golden copy's file URLs come from its index, which exists to name them. Each JSON
shape is checked (:func:`gleif_lei_records`, :func:`gleif_relationship`,
:func:`gleif_exception`, :func:`golden_copy_index`) and each golden-copy CSV header
(:data:`GOLDEN_COPY_COLUMNS`) before a file replaces the previous one.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from ...errors import ConfigError, SchemaError
from ...fsops import write_atomic
from ...http import SIDECAR, RateLimiter, download
from ...settings import Settings
from .._checks import JsonCheck, ZipCsvCheck, json_get
from .._fetch import json_file, url_for

_LEI_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")

#: columns each golden-copy section's CSV must have (parsed by name, never by position)
GOLDEN_COPY_COLUMNS = {
    "lei2": ("LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Registration.RegistrationStatus"),
    "rr": ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType",
           "Relationship.RelationshipStatus"),
    "repex": ("LEI", "Exception.Category"),
}


def is_lei(text: str) -> bool:
    return bool(_LEI_RE.match(text))


# --- JSON shapes of the remote APIs -------------------------------------------------------

def gleif_lei_records(doc, where: str) -> str:
    """A JSON:API page of ``lei-records`` (``data`` a list, each with ``attributes.lei``)."""
    data = json_get(doc, ("data",), where, list)
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or rec.get("type") != "lei-records":
            raise SchemaError(f"{where}: data[{i}] is not a lei-records object")
        lei = json_get(rec, ("attributes", "lei"), f"{where}: data[{i}]")
        if not _LEI_RE.match(lei):
            raise SchemaError(f"{where}: data[{i}].attributes.lei {lei!r} is not an LEI")
        json_get(rec, ("attributes", "entity", "legalName", "name"), f"{where}: data[{i}]")
    pag = (doc.get("meta") or {}).get("pagination")
    if pag is not None:
        json_get(pag, ("lastPage",), f"{where}: meta.pagination", int)
    return f"GLEIF lei-records, {len(data)} records"


def gleif_relationship(doc, where: str) -> str:
    """A ``relationship-records`` object with ``startNode`` and ``endNode`` LEIs."""
    data = json_get(doc, ("data",), where, dict)
    if data.get("type") != "relationship-records":
        raise SchemaError(f"{where}: data.type is {data.get('type')!r}, expected relationship-records")
    rel = json_get(data, ("attributes", "relationship"), where, dict)
    for node in ("startNode", "endNode"):
        json_get(rel, (node, "id"), where)
    json_get(rel, ("type",), where)
    return f"GLEIF {rel['type']} {rel['startNode']['id']} -> {rel['endNode']['id']}"


def gleif_exception(doc, where: str) -> str:
    """A ``reporting-exceptions`` object (why no parent is reported)."""
    data = json_get(doc, ("data",), where, dict)
    if data.get("type") != "reporting-exceptions":
        raise SchemaError(f"{where}: data.type is {data.get('type')!r}, expected reporting-exceptions")
    json_get(data, ("attributes", "lei"), where)
    cat = json_get(data, ("attributes", "category"), where)
    reason = json_get(data, ("attributes", "reason"), where, (str, type(None)))
    return f"GLEIF reporting exception {cat}: {reason}"


def golden_copy_index(doc, where: str) -> str:
    """The golden-copy publishes index: ``data[0]`` with the file URLs of lei2, rr and repex."""
    data = json_get(doc, ("data",), where, list)
    if not data:
        raise SchemaError(f"{where}: no publish listed")
    for section in ("lei2", "rr", "repex"):
        url = json_get(data[0], (section, "full_file", "csv", "url"), f"{where}: data[0]")
        if not url.startswith(("http://", "https://")):
            raise SchemaError(f"{where}: data[0].{section}.full_file.csv.url is not an http(s) URL")
    return f"golden-copy publish {data[0].get('publish_date', '?')}"



def map_leis(settings: Settings) -> tuple[list[str], str, list[str]]:
    """LEIs of the entities on the map: ``(leis, where they came from, rejected values)``.

    Read from ``core_ownership__entities.lei`` of the last build (``settings.db_path``),
    else from ``datasets/curated/entities.csv`` (the curated source). Values failing the ISO 17442 check
    digits are returned apart, never requested.
    """
    from ...validate import parse_lei

    values: list[str] | None = None
    where = ""
    db_path = Path(settings.db_path)
    if db_path.exists():
        import duckdb
        try:
            con = duckdb.connect(str(db_path), read_only=True)
            try:
                values = [r[0] for r in con.execute(
                    "SELECT DISTINCT lei FROM core_ownership__entities WHERE lei IS NOT NULL AND lei <> ''"
                ).fetchall()]
                where = f"{db_path} (core_ownership__entities.lei)"
            finally:
                con.close()
        except duckdb.Error:
            values = None
    if values is None:
        path = Path(settings.datasets_dir) / "curated" / "entities.csv"
        if not path.exists():
            raise ConfigError(f"no LEIs to fetch: neither a built database at {db_path} nor {path}")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            values = [r.get("lei", "") for r in csv.DictReader(fh) if r.get("lei")]
        where = str(path)
    good, bad = set(), set()
    for v in values:
        try:
            good.add(parse_lei(v))
        except ValueError:
            bad.add(v)
    good.discard(None)
    return sorted(good), where, sorted(bad)


# --- GLEIF API ------------------------------------------------------------------------------

_PARENTS = (("direct-parent", "IS_DIRECTLY_CONSOLIDATED_BY"), ("ultimate-parent", "IS_ULTIMATELY_CONSOLIDATED_BY"))


def gleif_api(client, src, settings, stage, res, progress) -> None:
    """Records of the map's LEIs and of their parents, with each parent relationship or
    reporting exception, as verbatim JSON:API responses (the shape of the samples)."""
    base = url_for(settings, src.files[0].url_key, src.files[0].default_url).rstrip("/")
    h = settings.http
    limiter = RateLimiter(h.gleif_requests_per_minute)
    requests_before = client.requests
    leis, where, rejected = map_leis(settings)
    progress(f"[fetch] gleif-api: {len(leis)} LEIs from {where}")
    records: dict[str, dict] = {}
    asked: set[str] = set()
    missing: set[str] = set()
    rels = {"relationships": 0, "exceptions": 0, "none": 0}
    publish_dates: set[str] = set()
    todo, rounds = sorted(leis), 0
    while todo and rounds <= h.gleif_max_depth:
        rounds += 1
        asked.update(todo)
        found = _gleif_records(client, stage, base, todo, rounds, limiter, res, h, publish_dates, progress)
        missing.update(set(todo) - set(found))
        records.update(found)
        parents: set[str] = set()
        for lei in sorted(found):
            for rel, rel_type in _PARENTS:
                parent = _gleif_parent(client, stage, base, lei, found[lei], rel, rel_type, limiter, res, rels)
                if parent:
                    parents.add(parent)
        todo = sorted(parents - asked)
    res.summary = {
        "leis_from": where, "leis_on_map": len(leis), "leis_rejected": rejected, "leis_requested": len(asked),
        "records": len(records), "leis_not_found": sorted(missing), "rounds": rounds,
        "parents_beyond_depth": todo, **rels, "requests": client.requests - requests_before,
        "golden_copy_publish_dates": sorted(publish_dates),
    }
    write_atomic(stage.path("_crawl" + SIDECAR), (json.dumps(res.summary, indent=1, sort_keys=True) + "\n").encode())


def _gleif_records(client, stage, base, leis, rnd, limiter, res, h, publish_dates, progress) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for b in range(0, len(leis), h.gleif_batch_size):
        batch = leis[b:b + h.gleif_batch_size]
        page, last = 1, 1
        while page <= last:
            rel = f"lei-records_round-{rnd:02d}_batch-{b // h.gleif_batch_size + 1:03d}_page-{page:03d}.json"
            params = {"filter[lei]": ",".join(batch), "page[size]": h.gleif_page_size, "page[number]": page}
            progress(f"[fetch] gleif-api: records round {rnd}, {len(batch)} LEIs, page {page}")
            doc = json_file(client, stage, rel, f"{base}/lei-records", JsonCheck(gleif_lei_records),
                             "gleif-api", res, params=params, limiter=limiter)
            pub = ((doc.get("meta") or {}).get("goldenCopy") or {}).get("publishDate")
            if pub:
                publish_dates.add(pub)
            for rec in doc["data"]:
                lei = rec["attributes"]["lei"]
                if lei in batch:
                    found[lei] = rec
            last = int(((doc.get("meta") or {}).get("pagination") or {}).get("lastPage") or 1)
            if last > 1000:
                raise SchemaError(f"gleif-api: {base}/lei-records: {last} pages for {len(batch)} LEIs; refusing")
            page += 1
    return found


def _gleif_parent(client, stage, base, lei, record, rel, rel_type, limiter, res, rels) -> str | None:
    """Fetch the relationship (or the reporting exception) the record links to."""
    links = (((record.get("relationships") or {}).get(rel) or {}).get("links") or {})
    if "relationship-record" in links:
        name = f"{rel}-relationship_{lei}.json"

        def check(doc, where):
            summary = gleif_relationship(doc, where)
            r = doc["data"]["attributes"]["relationship"]
            if r["startNode"]["id"] != lei or r["type"] != rel_type:
                raise SchemaError(f"{where}: expected {rel_type} starting at {lei}, got {r['type']} from "
                                  f"{r['startNode']['id']}")
            return summary
        doc = json_file(client, stage, name, f"{base}/lei-records/{lei}/{rel}-relationship", JsonCheck(check),
                         "gleif-api", res, limiter=limiter, missing_ok=True)
        if doc is None:
            rels["none"] += 1
            return None
        rels["relationships"] += 1
        parent = doc["data"]["attributes"]["relationship"]["endNode"]
        return parent["id"] if is_lei(parent["id"]) else None
    if "reporting-exception" in links:
        name = f"{rel}-reporting-exception_{lei}.json"
        doc = json_file(client, stage, name, f"{base}/lei-records/{lei}/{rel}-reporting-exception",
                         JsonCheck(gleif_exception), "gleif-api", res, limiter=limiter,
                         missing_ok=True)
        rels["exceptions" if doc is not None else "none"] += 1
        return None
    rels["none"] += 1
    return None


# --- GLEIF golden copy ------------------------------------------------------------------------

def golden_copy(client, src, settings, stage, res, progress, part: str = "full_file") -> None:
    f = src.files[0]
    url = url_for(settings, f.url_key, f.default_url)
    progress(f"[fetch] {src.id}: {url}")
    index = json_file(client, stage, f.name, url, f.check, src.id, res, params={"per_page": 1})
    publish = index["data"][0]
    res.summary = {"publish_date": publish.get("publish_date")}
    for section, columns in GOLDEN_COPY_COLUMNS.items():
        entry = publish[section].get(part)
        if part == "delta_files":
            entry = (entry or {}).get("LastDay")
            if not isinstance(entry, dict):
                raise SchemaError(f"{src.id}: {url}: no {section}.delta_files.LastDay in the latest publish")
        file_url = ((entry.get("csv") or {}).get("url")) if isinstance(entry, dict) else None
        if not isinstance(file_url, str) or not file_url.startswith(("http://", "https://")):
            raise SchemaError(f"{src.id}: {url}: no CSV URL for {section} in the latest publish")
        name = f"{section}{'-LastDay' if part == 'delta_files' else ''}.csv.zip"
        progress(f"[fetch] {src.id}: {file_url}")
        r = download(client, file_url, stage.path(name), ZipCsvCheck(columns), source=src.id,
                     previous=stage.previous(name))
        res.files.append(r)


def golden_copy_delta(client, src, settings, stage, res, progress) -> None:
    golden_copy(client, src, settings, stage, res, progress, part="delta_files")


CHECKS = {"lei-records": JsonCheck(gleif_lei_records), "publishes.json": JsonCheck(golden_copy_index)}
CRAWLS = {"gleif_api": gleif_api, "golden_copy": golden_copy, "golden_copy_delta": golden_copy_delta}
