"""The OpenAPI 3.1 document of the static JSON API (``site/api/v1/openapi.json``).

Contract: :func:`openapi` takes the documents :mod:`.jsonapi` wrote (keyed by their path
under ``api/v1/``) and returns the OpenAPI 3.1 document: one path per file (pages as a
templated path), a JSON Schema 2020-12 per file in ``components/schemas`` built from the
column lists below, and for each path an example that is the written file with its
``data`` (or ``pages``/``groups``) cut to the first :data:`EXAMPLE_ROWS` entries.
Deterministic: the same documents give the same text.
"""

from __future__ import annotations

S, N, B = "string", "number", "boolean"
EXAMPLE_ROWS = 2
#: columns that are added in Python, not read from the table
DERIVED = {"is_noncommercial", "controller_owner_url", "owner_url"}

#: row columns: (name, JSON type, nullable, description)
COLUMNS = {
    "asset": [
        ("asset_id", S, False, "infrarisk asset id"), ("name", S, True, "asset name as the source gives it"),
        ("asset_type", S, False, "asset type"), ("asset_class", S, True, "asset class"),
        ("country_code", S, True, "host country (ISO 3166-1 alpha-2)"), ("unlocode", S, True, "UN/LOCODE"),
        ("parent_asset_id", S, True, "the port a terminal belongs to"),
        ("latitude", N, True, "WGS84"), ("longitude", N, True, "WGS84"),
        ("band", S, True, "exposure band: high, elevated, low, none, unknown"),
        ("band_group_id", S, True, "the risk group the band is for"), ("band_reason", S, True, "the band in words"),
        ("share_min", N, True, "look-through share of that group, minimum"),
        ("share_max", N, True, "look-through share of that group, maximum"),
        ("is_controlled", B, True, "controlled from that group"),
        ("traced_share", N, True, "share traced to a holder whose country is known"),
        ("untraced_share", N, True, "share not traced"), ("band_max", S, True, "the band the untraced share could reach"),
        ("controller_entity_id", S, True, "direct controller"), ("control_chain", S, True, "control chain, in words"),
        ("controlling_country_code", S, True, "country of the ultimate controller"),
        ("controller_owner_url", S, True, "owner page of the controller, relative to the site root"),
        ("licence", S, False, "licence of the row (SPDX id)"), ("is_noncommercial", B, False, "non-commercial licence"),
    ],
    "entity": [
        ("entity_id", S, False, "infrarisk entity id"), ("name", S, False, "entity name"),
        ("hq_country_code", S, True, "seat country"), ("jurisdiction_code", S, True, "jurisdiction"),
        ("lei", S, True, "Legal Entity Identifier"), ("entity_type", S, True, "entity type"),
        ("controller_entity_id", S, True, "direct controller"),
        ("ultimate_controller_entity_id", S, True, "ultimate controller"),
        ("control_chain", S, True, "control chain, in words"),
        ("controlling_country_code", S, True, "country of the ultimate controller"),
        ("controlling_country_basis", S, True, "why that country"), ("is_state", B, True, "a state"),
        ("is_state_controlled", B, True, "controlled by a state"),
        ("owner_url", S, True, "owner page, relative to the site root"),
        ("licence", S, False, "licence of the row (SPDX id)"), ("is_noncommercial", B, False, "non-commercial licence"),
    ],
    "exposure": [
        ("asset_id", S, False, "infrarisk asset id"), ("name", S, True, "asset name"),
        ("asset_type", S, False, "asset type"), ("country_code", S, True, "host country"),
        ("band", S, True, "band for this group"), ("band_reason", S, True, "the band in words"),
        ("share_min", N, True, "look-through share, minimum"), ("share_max", N, True, "look-through share, maximum"),
        ("is_controlled", B, True, "controlled from the group"), ("traced_share", N, True, "traced share"),
        ("untraced_share", N, True, "untraced share"), ("band_basis", S, True, "basis of the band"),
        ("band_max", S, True, "band the untraced share could reach"), ("operator_name", S, True, "operator"),
        ("licence", S, False, "licence of the row (SPDX id)"), ("is_noncommercial", B, False, "non-commercial licence"),
    ],
    "inge2": [
        ("unlocode", S, True, "UN/LOCODE"), ("port_name", S, True, "port"), ("country_code", S, True, "host country"),
        ("terminals", S, True, "terminals with a stake"), ("controlling_entities", S, True, "holders"),
        ("share_min", N, True, "largest look-through share in a terminal, minimum"),
        ("share_max", N, True, "largest look-through share in a terminal, maximum"),
        ("is_controlled", B, True, "a terminal controlled from the group"), ("source_urls", S, True, "sources"),
        ("port_asset_id", S, True, "port asset id"),
        ("is_via_special_regions_only", B, True, "counted only through Hong Kong or Macao"),
        ("group_label", S, True, "the group"), ("group_countries", S, True, "its countries"),
        ("licence", S, False, "licence of the row (SPDX id)"), ("is_noncommercial", B, False, "non-commercial licence"),
    ],
    "change": [(c, S, True, d) for c, d in (
        ("state", "state of the build (digest prefix)"), ("previous_state", "the state compared with"),
        ("data_date", "data date of the state"), ("change_kind", "added, removed, changed or band"),
        ("subject_kind", "asset or entity"), ("subject_id", "id"), ("subject_name", "name"),
        ("owner_entity_id", "holder id"), ("owner_name", "holder"), ("share_before", "share before"),
        ("share_after", "share after"), ("status_before", "status before"), ("status_after", "status after"),
        ("valid_from_before", "dated from, before"), ("valid_from_after", "dated from, after"),
        ("valid_to_after", "dated to, after"), ("band_before", "band before"), ("band_after", "band after"),
        ("source_url", "source"), ("what", "what changed"))] + [
        ("licence", S, False, "licence of the links citing the source (SPDX id)"),
        ("is_noncommercial", B, False, "non-commercial licence")],
}


def column_names(kind: str) -> list[str]:
    return [c[0] for c in COLUMNS[kind]]


def _t(typ: str, nullable: bool) -> dict:
    return {"type": [typ, "null"] if nullable else typ}


def row_schema(kind: str) -> dict:
    cols = COLUMNS[kind]
    return {"type": "object", "additionalProperties": False, "required": [c[0] for c in cols],
            "properties": {c[0]: {**_t(c[1], c[2]), "description": c[3]} for c in cols}}


LICENCE = {"type": "object", "additionalProperties": False, "required": ["id", "url", "attribution", "noncommercial"],
           "properties": {"id": {"type": "string", "description": "SPDX id: the most restrictive licence of the rows"},
                          "url": {"type": "string"}, "attribution": {"type": "string"},
                          "noncommercial": {"type": "boolean"}}}
PAGE_ENTRY = {"type": "object", "additionalProperties": False,
              "required": ["href", "page", "n", "licence", "first_id", "last_id"],
              "properties": {"href": {"type": "string"}, "page": {"type": "integer", "minimum": 1},
                             "n": {"type": "integer"}, "licence": {"type": "string"},
                             "first_id": {"type": ["string", "null"]}, "last_id": {"type": ["string", "null"]}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "required": sorted(props), "properties": props}


def _page(row: str) -> dict:
    return _obj({"licence": _ref("Licence"), "page": {"type": "integer", "minimum": 1},
                 "pages": {"type": "integer", "minimum": 1}, "page_size": {"type": "integer"},
                 "n_total": {"type": "integer"}, "data": {"type": "array", "items": _ref(row)}})


def _index() -> dict:
    return _obj({"licence": _ref("Licence"), "n_total": {"type": "integer"}, "page_size": {"type": "integer"},
                 "pages": {"type": "array", "items": _ref("PageEntry")}})


def schemas() -> dict:
    group = _obj({"group_id": {"type": "string"}, "label": {"type": "string"},
                  "countries": {"type": "array", "items": {"type": "string"}}, "href": {"type": "string"},
                  "n_total": {"type": "integer"}, "page_size": {"type": "integer"},
                  "pages": {"type": "array", "items": _ref("PageEntry")}, "licence": {"type": "string"}})
    return {
        "Licence": LICENCE, "PageEntry": PAGE_ENTRY,
        "Asset": row_schema("asset"), "Entity": row_schema("entity"), "Exposure": row_schema("exposure"),
        "Inge2Port": row_schema("inge2"), "Change": row_schema("change"),
        "PageIndex": _index(), "AssetPage": _page("Asset"), "EntityPage": _page("Entity"),
        "ExposurePage": _page("Exposure"),
        "ExposureIndex": _obj({"licence": _ref("Licence"), "profile": {"type": "string"},
                               "groups": {"type": "array", "items": group}}),
        "Inge2Ports": _obj({"licence": _ref("Licence"), "n_total": {"type": "integer"},
                            "data": {"type": "array", "items": _ref("Inge2Port")}}),
        "Changes": _obj({"licence": _ref("Licence"), "state": {"type": ["string", "null"]},
                         "previous_state": {"type": ["string", "null"]}, "n_total": {"type": "integer"},
                         "data": {"type": "array", "items": _ref("Change")}}),
        "ApiIndex": _obj({"licence": _ref("Licence"), "api_version": {"type": "string"},
                          "openapi": {"type": "string"}, "page_size": {"type": "integer"},
                          "files": {"type": "array", "items": _obj({"href": {"type": "string"},
                                                                    "licence": {"type": "string"}})}}),
    }


#: file (relative to api/v1) -> (schema, summary, path parameters)
PATHS = {
    "index.json": ("ApiIndex", "What the API holds, each file with its licence", []),
    "assets/index.json": ("PageIndex", "The pages of the asset list (sorted by asset_id)", []),
    "assets/page-{page}.json": ("AssetPage", "One page of assets with band, shares, controller and licence",
                                ["page"]),
    "entities/index.json": ("PageIndex", "The pages of the entity list (sorted by entity_id)", []),
    "entities/page-{page}.json": ("EntityPage", "One page of entities of the resolved ownership", ["page"]),
    "exposure/index.json": ("ExposureIndex", "The risk groups of the profile and the pages of each", []),
    "exposure/{group_id}/page-{page}.json": ("ExposurePage", "One page of assets' exposure to one group",
                                             ["group_id", "page"]),
    "inge2-ports.json": ("Inge2Ports", "The ports behind the INGE2 'over 20 ports' claim", []),
    "changes.json": ("Changes", "What changed since the previous published build", []),
}
PARAMS = {"page": {"name": "page", "in": "path", "required": True, "description": "page number, four digits",
                   "schema": {"type": "string", "pattern": "^[0-9]{4}$"}, "example": "0001"},
          "group_id": {"name": "group_id", "in": "path", "required": True,
                       "description": "risk group id (exposure/index.json)", "schema": {"type": "string"}}}


def example_of(doc: dict) -> dict:
    """A written file cut to its first rows: the example the OpenAPI document shows for it."""
    out = dict(doc)
    for key in ("data", "pages", "groups", "files"):
        if isinstance(out.get(key), list):
            out[key] = out[key][:EXAMPLE_ROWS]
    return out


def openapi(docs: dict, example_files: dict) -> dict:
    """The OpenAPI 3.1 document (module docstring).

    ``docs`` maps a written file (relative to ``api/v1/``) to its document; ``example_files``
    a templated path to the file its example is taken from (named in ``x-example-file``).
    """
    paths = {}
    for rel, (schema, summary, params) in PATHS.items():
        src = example_files.get(rel, rel)
        doc = docs.get(src)
        content = {"schema": _ref(schema)}
        if doc is not None:
            content["example"] = example_of(doc)
            content["x-example-file"] = src
        op = {"summary": summary, "operationId": "get_" + rel.replace("/", "_").replace(".json", "").replace(
            "{", "").replace("}", "").replace("-", "_"),
            "responses": {"200": {"description": summary, "content": {"application/json": content}}}}
        if params:
            op["parameters"] = [PARAMS[p] for p in params]
        paths["/" + rel] = {"get": op}
    return {"openapi": "3.1.0",
            "info": {"title": "infrarisk static data API", "version": "1",
                     "description": "Static JSON files published with the infrarisk site. Every file carries a "
                                    "`licence` object (the most restrictive licence of its rows) and every row "
                                    "its own `licence`; rows under a non-commercial licence say so "
                                    "(`is_noncommercial`). Collections are cut into pages of `page_size` rows; "
                                    "their index lists the pages with their first and last id.",
                     "license": {"name": "Data: see each file's licence; code: MIT", "identifier": "MIT"}},
            "servers": [{"url": "."}],
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "paths": paths, "components": {"schemas": schemas()}}
