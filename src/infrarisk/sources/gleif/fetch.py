"""Refreshing GLEIF: the API crawl of the map's LEIs and the golden-copy files.

Contract: three remotes of ``datasets/gleif/manifest.toml`` ``[refresh]`` (none re-derives
``datasets/gleif``; their snapshots are what ``infrarisk ingest`` reads, see
:mod:`infrarisk.sources.registry`):

- ``gleif-api`` (kind ``gleif_api``, :mod:`.api_refresh`): every LEI the data uses, in
  batched requests for the records, the relationships and the reporting exceptions, then
  the parents' the same way, up to ``http.gleif_max_depth`` rounds; at most
  ``http.gleif_requests_per_minute`` requests a minute; verbatim JSON:API responses, one
  file per page; ``infrarisk update`` ingests them (``ingest = "gleif-api"``);
- ``gleif-golden-copy`` (kind ``golden_copy``): the publishes index, then the lei2/rr/repex
  full files it names; ``gleif-golden-copy-delta`` (``golden_copy_delta``): the LastDay deltas,
  which ``infrarisk update`` applies to the ingested golden copy (:mod:`infrarisk.sources.registry.delta`).

Follow-up URLs of the API crawl are built from the configured base URL, never taken from
links inside responses, so a mirror or a test server is never left for the real host; only
the golden copy's file URLs come from its index, which exists to name them. Each JSON
shape is checked (:func:`gleif_lei_records`, :func:`gleif_relationship`,
:func:`gleif_exception`, :func:`golden_copy_index`, the pages of :mod:`.api_refresh`) and each golden-copy CSV header
(:data:`GOLDEN_COPY_COLUMNS`) before a file replaces the previous one.
"""

from __future__ import annotations

import re

from ...errors import SchemaError
from ...http import download
from .._checks import JsonCheck, ZipCsvCheck, json_get
from .._fetch import json_file, url_for
from . import api_refresh

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
    # no "N records" ending: a page's size follows the batch, not the registry; the crawl as a
    # whole has the shrink guard (:mod:`.api_refresh`)
    return f"GLEIF lei-records page of {len(data)}"


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
CRAWLS = {"gleif_api": api_refresh.crawl, "golden_copy": golden_copy, "golden_copy_delta": golden_copy_delta}
