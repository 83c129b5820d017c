"""A local stand-in for GLEIF's API (``/api/v1``), answering the batched queries of the refresh.

:class:`FakeGleif` holds Level 1 records, relationships and reporting exceptions (in the JSON:API
shapes of the real responses in ``ownership/formats/gleif_api/``) and answers
``lei-records?filter[lei]=…``, ``relationship-records?filter[startNode.id]=…`` and
``reporting-exceptions?filter[lei]=…``, paged with ``page[size]``/``page[number]`` like the real
API; it counts the requests. :meth:`FakeGleif.respond` is plain Python (used by the benchmark's
``http.server``); :meth:`FakeGleif.__call__` is the werkzeug handler for pytest-httpserver.
"""

from __future__ import annotations

import json


def lei_with_check(base18: str) -> str:
    """``base18`` + ISO 7064 MOD 97-10 check digits."""
    num = int("".join(str(int(ch, 36)) for ch in base18 + "00"))
    return base18 + f"{98 - num % 97:02d}"


def record(lei: str, name: str, country: str, status: str = "ISSUED") -> dict:
    return {"type": "lei-records", "id": lei, "attributes": {
        "lei": lei, "entity": {"legalName": {"name": name, "language": "en"}, "legalAddress": {"country": country},
                               "headquartersAddress": {"country": country}, "jurisdiction": country,
                               "category": "GENERAL", "status": "ACTIVE" if status != "RETIRED" else "INACTIVE"},
        "registration": {"status": status, "lastUpdateDate": "2026-11-30T00:00:00Z"}},
        "relationships": {}}


def relationship(child: str, parent: str, rtype: str = "IS_DIRECTLY_CONSOLIDATED_BY", start: str = "2020-01-01",
                 status: str = "ACTIVE") -> dict:
    return {"type": "relationship-records", "id": f"{child}|LEI|{rtype}|{parent}", "attributes": {
        "relationship": {"startNode": {"id": child, "type": "LEI"}, "endNode": {"id": parent, "type": "LEI"},
                         "type": rtype, "status": status,
                         "periods": [{"startDate": f"{start}T00:00:00Z", "type": "RELATIONSHIP_PERIOD"}]},
        "registration": {"status": "PUBLISHED", "corroborationReference": None}}}


def exception(lei: str, category: str = "DIRECT_ACCOUNTING_CONSOLIDATION_PARENT",
              reason: str = "NON_CONSOLIDATING") -> dict:
    return {"type": "reporting-exceptions", "id": f"{lei}|{category}", "attributes": {
        "lei": lei, "category": category, "reason": reason, "reference": None}}


class FakeGleif:
    """The three batched endpoints over in-memory records (see the module docstring)."""

    FILTERS = {"/lei-records": "filter[lei]", "/relationship-records": "filter[startNode.id]",
               "/reporting-exceptions": "filter[lei]"}

    def __init__(self):
        self.records: dict[str, dict] = {}
        self.relationships: dict[str, list[dict]] = {}
        self.exceptions: dict[str, list[dict]] = {}
        self.paths: list[str] = []

    def add(self, lei: str, name: str, country: str, parent: str | None = None, ultimate: str | None = None,
            status: str = "ISSUED", exception_reason: str | None = None) -> None:
        self.records[lei] = record(lei, name, country, status)
        rels = []
        if parent:
            rels.append(relationship(lei, parent))
        if ultimate:
            rels.append(relationship(lei, ultimate, "IS_ULTIMATELY_CONSOLIDATED_BY"))
        self.relationships[lei] = rels
        self.exceptions[lei] = [exception(lei, reason=exception_reason)] if exception_reason else []

    def respond(self, path: str, args: dict) -> tuple[int, bytes]:
        self.paths.append(path)
        path = path.removeprefix("/api/v1")
        flt = self.FILTERS.get(path)
        if flt is None or flt not in args:
            return 400, json.dumps({"errors": [{"status": "400", "title": "Bad Request"}]}).encode()
        leis = sorted(set(args[flt].split(",")))
        if path == "/lei-records":
            items = [self.records[x] for x in leis if x in self.records]
        elif path == "/relationship-records":
            items = [r for x in leis for r in self.relationships.get(x, [])]
        else:
            items = [r for x in leis for r in self.exceptions.get(x, [])]
        size, number = int(args.get("page[size]", 10)), int(args.get("page[number]", 1))
        last = max(1, -(-len(items) // size))
        doc = {"meta": {"goldenCopy": {"publishDate": "2026-12-01T00:00:00Z"},
                        "pagination": {"currentPage": number, "perPage": size, "total": len(items), "lastPage": last}},
               "data": items[(number - 1) * size: number * size]}
        return 200, json.dumps(doc).encode()

    def __call__(self, request):
        from werkzeug import Response
        status, body = self.respond(request.path, dict(request.args))
        return Response(body, status=status, content_type="application/vnd.api+json")
