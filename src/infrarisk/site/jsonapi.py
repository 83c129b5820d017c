"""A JSON data API as static files: ``site/api/v1/`` with its OpenAPI 3.1 document.

Contract: :func:`write_api` reads tables of a finished build (``out_exposure__assets``,
``out_exposure__asset_groups``, ``out_ownership__entities``, ``core_ownership__entities``,
``core_ownership__links``, ``out_inge2__ports``; the change list from
:func:`infrarisk.site.changes.compute`) and writes under ``api/v1/``:

- ``index.json``: what the API holds, each file with its licence;
- ``assets/index.json`` and ``assets/page-NNNN.json``: every asset with its band, shares,
  controller and licence, sorted by ``asset_id`` and cut into pages of :data:`PAGE_SIZE`
  rows (the index lists the pages with their first and last id, so a client finds an
  asset's page without reading the others);
- ``entities/index.json`` and ``entities/page-NNNN.json``: the entities of the resolved
  ownership (country, LEI, controller, ultimate controller, controlling country, owner page);
- ``exposure/index.json`` and ``exposure/<group>/page-NNNN.json``: per high-risk group of
  the profile, every asset's band, look-through share, control, traced and untraced share;
- ``inge2-ports.json``: the ports behind the INGE2 claim; ``changes.json``: what changed
  since the previous published build (as ``data/changes.csv``);
- ``openapi.json``: an OpenAPI 3.1 document describing every file, its schema (JSON
  Schema 2020-12) and an example taken from the file written (its first rows).

Licences as in the downloads: every row carries its ``licence`` (the most restrictive of
the asset's own and of the links into it; for an entity, its source's, or where it has
none — a name of a layer source — that of the links that name it) and ``is_noncommercial``; every file a top-level ``licence`` object (id, url,
attribution, ``noncommercial``): the most restrictive licence of its rows. Output is
deterministic (sorted rows, sorted keys, floats rounded to 6 decimals, no timestamps).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .. import licences
from ..export_graph import text_parts
from . import api_schema

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

ROOT = "api/v1"
#: rows per page of the paged collections (assets, entities, exposure per group)
PAGE_SIZE = 5000
ATTRIBUTION = "infrarisk; sources and attributions: sources.html of the site"


def licence_object(lic: str) -> dict:
    """The top-level ``licence`` member of an API file."""
    return {"id": lic, "url": licences.url(lic), "attribution": ATTRIBUTION,
            "noncommercial": lic in licences.NONCOMMERCIAL}


def _clean(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if isinstance(v, (int, str, list)):
        return v
    if hasattr(v, "item"):  # numpy scalars
        return _clean(v.item())
    return str(v)


def _rows(con, sql: str, params=None) -> list[dict]:
    """Rows as dicts of JSON values; only the columns that need it are converted (100,000-row tables).

    The columns are read through Arrow when each is of a type whose Arrow values are those
    ``fetchall`` gives (:data:`_ARROW_TYPES`), else by ``fetchall``.
    """
    rel = con.sql(sql, params=params or None)
    cols, types = rel.columns, [str(t) for t in rel.types]
    if all(t in _ARROW_TYPES for t in types):
        columns = [c.to_pylist() for c in rel.to_arrow_table().columns]
    else:
        columns = [list(c) for c in zip(*rel.fetchall())] or [[] for _ in cols]
    for i, t in enumerate(types):  # a DOUBLE holds floats or None (as _clean has them, without a call each)
        if t == "DOUBLE":
            columns[i] = [None if v is None or v != v else round(v, 6) for v in columns[i]]
        elif t not in ("VARCHAR", "BOOLEAN", "INTEGER", "BIGINT", "VARCHAR[]"):
            columns[i] = [_clean(v) for v in columns[i]]
    return [dict(zip(cols, r)) for r in zip(*columns)]


#: DuckDB types whose values Arrow gives as ``fetchall`` does (:func:`_rows`)
_ARROW_TYPES = frozenset({"VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "FLOAT",
                          "VARCHAR[]"})


def _dump(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
                     .encode("utf-8"))


def _file_licence(rows, fallback: str) -> str:
    """The most restrictive licence of ``rows`` (dicts, or an Arrow table with a ``licence`` column)."""
    lics = pc.unique(rows.column("licence")).to_pylist() if not isinstance(rows, list) else \
        [r["licence"] for r in rows if r.get("licence")]
    return licences.most_restrictive([x for x in lics if x] or [fallback])


def _paged(out: Path, folder: str, rows, key: str, fallback: str) -> tuple[dict, dict]:
    """Write ``folder/page-NNNN.json`` pages; return the index document (written by the caller) and the
    first page as :func:`.api_schema.example_of` needs it (its first rows, as read back from the file).

    ``rows``: dicts, or an Arrow table DuckDB encoded (``key``, ``licence`` and ``_json``, each row's
    JSON followed by a comma), put together as text.
    """
    encoded = not isinstance(rows, list)
    n = rows.num_rows if encoded else len(rows)
    pages, first = [], None
    n_pages = max(1, math.ceil(n / PAGE_SIZE))
    for i in range(n_pages):
        chunk = rows.slice(i * PAGE_SIZE, PAGE_SIZE) if encoded else rows[i * PAGE_SIZE:(i + 1) * PAGE_SIZE]
        lic = _file_licence(chunk, fallback)
        name = f"page-{i + 1:04d}.json"
        head = {"licence": licence_object(lic), "page": i + 1, "pages": n_pages, "page_size": PAGE_SIZE,
                "n_total": n}
        if encoded:  # the page put together as text ("data" sorts first)
            rest = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            body = text_parts(chunk.column("_json"))
            if body:
                body[-1] = body[-1][:-1]  # the comma after the last row
            (out / folder).mkdir(parents=True, exist_ok=True)
            with open(out / folder / name, "wb") as f:
                for part in [b'{"data":[', *body, ("]," + rest[1:] + "\n").encode("utf-8")]:
                    f.write(part)
            ids = [chunk.column(key)[0].as_py(), chunk.column(key)[-1].as_py()] if len(chunk) else []
            top = [json.loads(j[:-1]) for j in chunk.column("_json").slice(0, api_schema.EXAMPLE_ROWS).to_pylist()]
        else:
            _dump(out / folder / name, {**head, "data": chunk})
            ids = [chunk[0][key], chunk[-1][key]] if chunk else []
            top = json.loads(json.dumps(chunk[:api_schema.EXAMPLE_ROWS]))
        if first is None:
            first = {**head, "data": top}
        pages.append({"href": name, "page": i + 1, "n": len(chunk), "licence": lic,
                      "first_id": ids[0] if ids else None, "last_id": ids[-1] if ids else None})
    lic = _file_licence(rows, fallback)
    return {"licence": licence_object(lic), "n_total": n, "page_size": PAGE_SIZE, "pages": pages}, first


def _register_licences(con) -> None:
    """``_api_licence_rank``: the licence order of :mod:`infrarisk.licences`, for SQL."""
    con.register("_api_licence_rank", pa.table({"licence": pa.array(licences.ORDER, pa.string()),
                                                "rank": pa.array(range(len(licences.ORDER)), pa.int64())}))


#: asset id -> the most restrictive of its own licence and of the current links into it, as
#: :func:`infrarisk.licences.most_restrictive` picks it (highest rank; unknown ids rank highest;
#: among equals the first in alphabetical order)
ASSET_LICENCE_SQL = f"""
    SELECT x.asset_id, min(struct_pack(r := -coalesce(k.rank, {len(licences.ORDER)}), l := x.licence)).l AS licence
    FROM (SELECT asset_id, licence FROM out_exposure__assets
          UNION ALL SELECT subject_id, licence FROM core_ownership__links
          WHERE subject_kind = 'asset' AND is_current) x
    LEFT JOIN _api_licence_rank k USING (licence)
    WHERE x.licence IS NOT NULL AND x.asset_id IN (SELECT asset_id FROM out_exposure__assets)
    GROUP BY x.asset_id"""


def _asset_licences(con) -> pa.Table:
    """``asset_id``, ``licence``: the most restrictive of its own licence and of the current links into it."""
    _register_licences(con)
    return con.sql(ASSET_LICENCE_SQL).to_arrow_table()


def assets(con, owner_urls: dict, asset_licences: pa.Table | None = None) -> pa.Table:
    """Every asset as ``asset_id``, ``licence`` and ``_json`` (the row encoded by DuckDB, then a comma),
    sorted by id (100,000 rows); ``asset_licences`` as :func:`_asset_licences` gives it."""
    lic = _asset_licences(con) if asset_licences is None else asset_licences
    con.register("_api_asset_licences", lic)
    con.register("_api_owner_urls", pa.table({"entity_id": pa.array(list(owner_urls), pa.string()),
                                              "url": pa.array(list(owner_urls.values()), pa.string())}))
    types = {d[0]: str(d[1]) for d in con.execute("SELECT * FROM out_exposure__assets LIMIT 0").description}
    nc = ", ".join(f"'{x}'" for x in sorted(licences.NONCOMMERCIAL))
    expr = {"licence": "l.licence", "is_noncommercial": f"l.licence IN ({nc})", "controller_owner_url": "u.url"}
    for c in api_schema.column_names("asset"):
        if c not in expr:
            expr[c] = (f"CASE WHEN isnan(a.{c}) THEN NULL ELSE round(a.{c}, 6) END" if types[c] == "DOUBLE"
                       else f"a.{c}")
    fields = ", ".join(f"{c} := {expr[c]}" for c in sorted(expr))
    try:
        return con.sql(f"""
            SELECT a.asset_id, l.licence, to_json(struct_pack({fields}))::VARCHAR || ',' AS _json
            FROM out_exposure__assets a JOIN _api_asset_licences l USING (asset_id)
            LEFT JOIN _api_owner_urls u ON u.entity_id = a.controller_entity_id
            ORDER BY a.asset_id""").to_arrow_table()
    finally:
        con.unregister("_api_owner_urls")
        con.unregister("_api_asset_licences")


def entities(con, owner_urls: dict) -> list[dict]:
    rows = _rows(con, """
        SELECT e.entity_id, e.entity_name AS name, e.hq_country_code, e.jurisdiction_code, e.lei, e.entity_type,
               o.controller_entity_id, o.ultimate_controller_entity_id, o.control_chain, o.controlling_country_code,
               o.controlling_country_basis, o.is_state, o.is_state_controlled, s.licence AS source_licence, l.lics
        FROM out_ownership__entities o JOIN core_ownership__entities e USING (entity_id)
        LEFT JOIN core_meta__sources s ON s.source_id = e.source_id
        LEFT JOIN (SELECT entity_id, list(DISTINCT licence) AS lics FROM (
                       SELECT owner_entity_id AS entity_id, licence FROM core_ownership__links
                       UNION ALL SELECT subject_id, licence FROM core_ownership__links WHERE subject_kind <> 'asset')
                   WHERE licence IS NOT NULL GROUP BY entity_id) l ON l.entity_id = e.entity_id
        ORDER BY e.entity_id""")
    for r in rows:
        # its source's licence; an entity made from an owner name of a layer source (no source
        # of its own) has the licence of the links that name it
        own, named = r.pop("source_licence"), r.pop("lics") or []
        r["licence"] = own or (licences.most_restrictive(named) if named else "CC-BY-4.0")
        r["is_noncommercial"] = r["licence"] in licences.NONCOMMERCIAL
        r["owner_url"] = owner_urls.get(r["entity_id"])
    return rows


def exposure(con, group_id: str, lic: dict) -> list[dict]:
    rows = _rows(con, """
        SELECT g.asset_id, a.name, a.asset_type, a.country_code, g.band, g.band_reason, g.share_min, g.share_max,
               g.is_controlled, g.traced_share, g.untraced_share, g.band_basis, g.band_max, g.operator_name
        FROM out_exposure__asset_groups g JOIN out_exposure__assets a USING (asset_id)
        WHERE g.group_id = ? ORDER BY g.asset_id""", [group_id])
    for r in rows:
        r["licence"] = lic.get(r["asset_id"]) or "CC-BY-4.0"
        r["is_noncommercial"] = r["licence"] in licences.NONCOMMERCIAL
    return rows


def _url_licences(con) -> dict[str, str]:
    """source URL -> the most restrictive licence of the links citing it (as :data:`ASSET_LICENCE_SQL` picks it)."""
    _register_licences(con)
    return dict(con.execute(f"""
        SELECT source_url, min(struct_pack(r := -coalesce(k.rank, {len(licences.ORDER)}), l := licence)).l
        FROM core_ownership__links LEFT JOIN _api_licence_rank k USING (licence)
        WHERE licence IS NOT NULL AND licence <> '' AND source_url IS NOT NULL
        GROUP BY source_url""").fetchall())


def inge2_ports(con, link_lic: dict) -> list[dict]:
    rows = _rows(con, "SELECT * FROM out_inge2__ports ORDER BY country_code, port_name, port_asset_id")
    port_lic = dict(con.execute("""SELECT asset_id, licence FROM out_exposure__assets
                                   WHERE asset_id IN (SELECT port_asset_id FROM out_inge2__ports)""").fetchall())
    for r in rows:
        urls = [u for u in (r["source_urls"] or "").split() if u]
        ls = [port_lic.get(r["port_asset_id"]), *(link_lic.get(u.rstrip(";")) for u in urls)]
        r["licence"] = licences.most_restrictive([x for x in ls if x] or ["CC-BY-4.0"])
        r["is_noncommercial"] = r["licence"] in licences.NONCOMMERCIAL
    return rows


def change_rows(con, settings, link_lic: dict, base: str, computed=None) -> tuple[list[dict], str | None, str | None]:
    """The change list as ``data/changes.csv`` has it; (rows, current state, previous state).

    ``computed``: what :func:`.changes.compute` returned for this build, if the caller has it.
    """
    if settings.as_of:
        return [], None, None
    from .changes import compute
    cur, prev, transitions = computed or compute(con, settings)
    rows = [{"state": t.to_digest[:16], "previous_state": (t.from_digest or "")[:16] or None,
             "data_date": str(t.data_date), **{k: _clean(v) for k, v in c.as_row().items()}}
            for t in transitions for c in t.changes]
    for r in rows:  # a change row's licence: that of the links citing its source (else the base)
        r["licence"] = link_lic.get(r["source_url"]) or base
        r["is_noncommercial"] = r["licence"] in licences.NONCOMMERCIAL
    return rows, cur.digest[:16], (prev.digest[:16] if prev else None)


def write_api(sb: "SiteBuilder", out_dir: Path, owner_urls: dict, changes=None) -> list[dict]:
    """Write every file of ``api/v1/`` (module docstring); return the list of ``index.json``.

    ``changes``: what :func:`.changes.compute` returned for this build, if the caller has it.
    """
    con, out = sb.con, Path(out_dir) / ROOT
    base = licences.most_restrictive([f["licence"] for s in sb.sources for f in s["files"]
                                      if s["source_id"] == "curated"] or ["CC-BY-4.0"])
    lic_table = _asset_licences(con)
    alic = dict(zip(lic_table.column(0).to_pylist(), lic_table.column(1).to_pylist()))
    docs: dict[str, dict] = {}  # file (relative to api/v1) -> document, for the OpenAPI examples
    examples = {"assets/page-{page}.json": "assets/page-0001.json",
                "entities/page-{page}.json": "entities/page-0001.json"}
    written: list[str] = []

    def put(rel: str, doc: dict) -> None:
        _dump(out / rel, doc)
        docs[rel] = doc
        written.append(rel)

    idx, docs["assets/page-0001.json"] = _paged(out, "assets", assets(con, owner_urls, lic_table), "asset_id", base)
    put("assets/index.json", idx)
    idx, docs["entities/page-0001.json"] = _paged(out, "entities", entities(con, owner_urls), "entity_id", base)
    put("entities/index.json", idx)
    groups = []
    for grp in sb.profile.groups:
        idx, first = _paged(out, f"exposure/{grp.id}", exposure(con, grp.id, alic), "asset_id", base)
        docs.setdefault(f"exposure/{grp.id}/page-0001.json", first)
        groups.append({"group_id": grp.id, "label": grp.label, "countries": sorted(grp.countries),
                       "href": f"{grp.id}/", **{k: idx[k] for k in ("n_total", "page_size", "pages")},
                       "licence": idx["licence"]["id"]})
    put("exposure/index.json", {"licence": licence_object(licences.most_restrictive(
        [g["licence"] for g in groups] or [base])), "profile": sb.profile.name, "groups": groups})
    link_lic = _url_licences(con)
    i_rows = inge2_ports(con, link_lic)
    put("inge2-ports.json", {"licence": licence_object(_file_licence(i_rows, base)), "n_total": len(i_rows),
                             "data": i_rows})
    c_rows, cur, prev = change_rows(con, sb.settings, link_lic, base, changes)
    put("changes.json", {"licence": licence_object(_file_licence(c_rows, base)), "state": cur, "previous_state": prev,
                         "n_total": len(c_rows), "data": c_rows})
    if groups:
        examples["exposure/{group_id}/page-{page}.json"] = f"exposure/{groups[0]['group_id']}/page-0001.json"
    listing = [{"href": rel, "licence": docs[rel]["licence"]["id"]} for rel in sorted(written)]
    put("index.json", {"licence": licence_object(licences.most_restrictive([x["licence"] for x in listing])),
                       "api_version": "v1", "openapi": "openapi.json", "page_size": PAGE_SIZE, "files": listing})
    _dump(out / "openapi.json", api_schema.openapi(docs, examples))
    return listing
