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

from .. import licences
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
    """Rows as dicts of JSON values; only the columns that need it are converted (100,000-row tables)."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    rows = cur.fetchall()
    fix = [i for i, t in enumerate(types) if t not in ("VARCHAR", "BOOLEAN", "INTEGER", "BIGINT", "VARCHAR[]")]
    if fix:
        rows = [list(r) for r in rows]
        for r in rows:
            for i in fix:
                r[i] = _clean(r[i])
    return [dict(zip(cols, r)) for r in rows]


def _dump(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
                     .encode("utf-8"))


def _file_licence(rows: list[dict], fallback: str) -> str:
    return licences.most_restrictive([r["licence"] for r in rows if r.get("licence")] or [fallback])


def _paged(out: Path, folder: str, rows: list[dict], key: str, fallback: str, extra: dict | None = None) -> dict:
    """Write ``folder/page-NNNN.json`` pages and return the index document (written by the caller)."""
    pages = []
    n_pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    for i in range(n_pages):
        chunk = rows[i * PAGE_SIZE:(i + 1) * PAGE_SIZE]
        lic = _file_licence(chunk, fallback)
        name = f"page-{i + 1:04d}.json"
        head = {"licence": licence_object(lic), "page": i + 1, "pages": n_pages, "page_size": PAGE_SIZE,
                "n_total": len(rows)}
        if chunk and "_json" in chunk[0]:  # rows DuckDB encoded: the page is put together as text
            rest = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            text = '{"data":[' + ",".join(r["_json"] for r in chunk) + "]," + rest[1:] + "\n"
            (out / folder).mkdir(parents=True, exist_ok=True)
            (out / folder / name).write_bytes(text.encode("utf-8"))
        else:
            _dump(out / folder / name, {**head, "data": chunk})
        pages.append({"href": name, "page": i + 1, "n": len(chunk), "licence": lic,
                      "first_id": chunk[0][key] if chunk else None, "last_id": chunk[-1][key] if chunk else None})
    lic = _file_licence(rows, fallback)
    return {"licence": licence_object(lic), "n_total": len(rows), "page_size": PAGE_SIZE, "pages": pages,
            **(extra or {})}


def _register_licences(con) -> None:
    """``_api_licence_rank``: the licence order of :mod:`infrarisk.licences`, for SQL."""
    import pandas as pd
    con.register("_api_licence_rank", pd.DataFrame({"licence": pd.Series(licences.ORDER, dtype=object),
                                                    "rank": range(len(licences.ORDER))}))


#: asset id -> the most restrictive of its own licence and of the current links into it, as
#: :func:`infrarisk.licences.most_restrictive` picks it (highest rank; unknown ids rank highest;
#: among equals the first in alphabetical order)
ASSET_LICENCE_SQL = f"""
    SELECT x.asset_id, list_sort(list(struct_pack(r := -coalesce(k.rank, {len(licences.ORDER)}),
                                                  l := x.licence)))[1].l AS licence
    FROM (SELECT asset_id, licence FROM out_exposure__assets
          UNION SELECT subject_id, licence FROM core_ownership__links
          WHERE subject_kind = 'asset' AND is_current) x
    LEFT JOIN _api_licence_rank k USING (licence)
    WHERE x.licence IS NOT NULL AND x.asset_id IN (SELECT asset_id FROM out_exposure__assets)
    GROUP BY x.asset_id"""


def _asset_licences(con) -> dict[str, str]:
    """asset id -> the most restrictive of its own licence and of the current links into it."""
    _register_licences(con)
    return dict(con.execute(ASSET_LICENCE_SQL).fetchall())


def assets(con, owner_urls: dict) -> list[dict]:
    """Every asset as ``{"asset_id", "licence", "_json"}``: the row encoded by DuckDB (100,000 rows)."""
    import pandas as pd
    _register_licences(con)
    con.register("_api_owner_urls", pd.DataFrame({"entity_id": pd.Series(list(owner_urls), dtype=object),
                                                  "url": pd.Series(list(owner_urls.values()), dtype=object)}))
    types = {d[0]: str(d[1]) for d in con.execute("SELECT * FROM out_exposure__assets LIMIT 0").description}
    nc = ", ".join(f"'{x}'" for x in sorted(licences.NONCOMMERCIAL))
    expr = {"licence": "l.licence", "is_noncommercial": f"l.licence IN ({nc})", "controller_owner_url": "u.url"}
    for c in api_schema.column_names("asset"):
        if c not in expr:
            expr[c] = (f"CASE WHEN isnan(a.{c}) THEN NULL ELSE round(a.{c}, 6) END" if types[c] == "DOUBLE"
                       else f"a.{c}")
    fields = ", ".join(f"{c} := {expr[c]}" for c in sorted(expr))
    rows = con.execute(f"""
        SELECT a.asset_id, l.licence, to_json(struct_pack({fields}))::VARCHAR
        FROM out_exposure__assets a JOIN ({ASSET_LICENCE_SQL}) l USING (asset_id)
        LEFT JOIN _api_owner_urls u ON u.entity_id = a.controller_entity_id
        ORDER BY a.asset_id""").fetchall()
    con.unregister("_api_owner_urls")
    return [{"asset_id": a, "licence": lic, "_json": j} for a, lic, j in rows]


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
    """source URL -> the most restrictive licence of the links citing it."""
    out = {}
    for url, lics in con.execute("""SELECT source_url, list(DISTINCT licence) FROM core_ownership__links
                                    WHERE licence IS NOT NULL AND source_url IS NOT NULL GROUP BY source_url""").fetchall():
        out[url] = licences.most_restrictive(lics)
    return out


def inge2_ports(con, link_lic: dict) -> list[dict]:
    rows = _rows(con, "SELECT * FROM out_inge2__ports ORDER BY country_code, port_name, port_asset_id")
    port_lic = dict(con.execute("SELECT asset_id, licence FROM out_exposure__assets").fetchall())
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
    alic = _asset_licences(con)
    docs: dict[str, dict] = {}  # file (relative to api/v1) -> document, for the OpenAPI examples
    examples = {"assets/page-{page}.json": "assets/page-0001.json",
                "entities/page-{page}.json": "entities/page-0001.json"}
    written: list[str] = []

    def put(rel: str, doc: dict) -> None:
        _dump(out / rel, doc)
        docs[rel] = doc
        written.append(rel)

    a_rows = assets(con, owner_urls)
    put("assets/index.json", _paged(out, "assets", a_rows, "asset_id", base))
    e_rows = entities(con, owner_urls)
    put("entities/index.json", _paged(out, "entities", e_rows, "entity_id", base))
    groups = []
    for grp in sb.profile.groups:
        idx = _paged(out, f"exposure/{grp.id}", exposure(con, grp.id, alic), "asset_id", base)
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
    for rel in examples.values():
        docs[rel] = json.loads((out / rel).read_text(encoding="utf-8"))
    listing = [{"href": rel, "licence": docs[rel]["licence"]["id"]} for rel in sorted(written)]
    put("index.json", {"licence": licence_object(licences.most_restrictive([x["licence"] for x in listing])),
                       "api_version": "v1", "openapi": "openapi.json", "page_size": PAGE_SIZE, "files": listing})
    _dump(out / "openapi.json", api_schema.openapi(docs, examples))
    return listing
