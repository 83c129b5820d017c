"""The static JSON API (site/api/v1): the OpenAPI 3.1 document validates, its examples are the files'
first rows, every file validates against its schema, rows and licences match the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from infrarisk import licences
from infrarisk.site import api_schema, jsonapi


@pytest.fixture(scope="module")
def api(real_build):
    s, _ = real_build
    return s, Path(s.site_dir) / "api" / "v1"


def _load(p: Path) -> dict:
    return json.loads(p.read_text(encoding="utf-8"))


def _validator(doc: dict, name: str) -> Draft202012Validator:
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(doc))
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json") if p.name != "openapi.json")


def _schema_for(rel: str) -> str:
    for path, (schema, _, _) in api_schema.PATHS.items():
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, rel):
            return schema
    raise AssertionError(f"no path of the OpenAPI document describes {rel}")


def test_openapi_document_validates(api):
    _, root = api
    doc = _load(root / "openapi.json")
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    assert doc["openapi"].startswith("3.1")


def test_every_file_is_described_and_validates_against_its_schema(api):
    _, root = api
    doc = _load(root / "openapi.json")
    files = _files(root)
    assert {f.relative_to(root).as_posix() for f in files} >= {
        "index.json", "assets/index.json", "assets/page-0001.json", "entities/index.json", "entities/page-0001.json",
        "exposure/index.json", "exposure/china/page-0001.json", "inge2-ports.json", "changes.json"}
    for f in files:
        rel = f.relative_to(root).as_posix()
        errors = list(_validator(doc, _schema_for(rel)).iter_errors(_load(f)))
        assert not errors, (rel, errors[:3])


def test_examples_are_taken_from_the_files(api):
    _, root = api
    doc = _load(root / "openapi.json")
    for path, item in doc["paths"].items():
        media = item["get"]["responses"]["200"]["content"]["application/json"]
        src = media["x-example-file"]
        assert re.match("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path.lstrip("/"))) + "$", src)
        written = _load(root / src)
        example = media["example"]
        for key, value in written.items():
            if isinstance(value, list):
                assert example[key] == value[:len(example[key])] and len(example[key]) == min(len(value), 2), (src, key)
            else:
                assert example[key] == value, (src, key)
        assert set(example) == set(written)
        assert not list(_validator(doc, item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                                   ["$ref"].rsplit("/", 1)[1]).iter_errors(example))


def test_pages_hold_every_asset_once_with_its_band_and_licence(api, real_build):
    s, root = api
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        want = dict(con.execute("SELECT asset_id, band FROM out_exposure__assets").fetchall())
        own = dict(con.execute("SELECT asset_id, licence FROM out_exposure__assets").fetchall())
        nc_links = {a for (a,) in con.execute("""SELECT DISTINCT subject_id FROM core_ownership__links
                                                WHERE is_current AND is_noncommercial""").fetchall()}
        inge = con.execute("SELECT count(*) FROM out_inge2__ports").fetchone()[0]
        groups = con.execute("SELECT group_id, count(*) FROM out_exposure__asset_groups GROUP BY 1").fetchall()
    finally:
        con.close()
    index = _load(root / "assets/index.json")
    seen = {}
    ids = []
    for p in index["pages"]:
        page = _load(root / "assets" / p["href"])
        assert len(page["data"]) == p["n"] <= jsonapi.PAGE_SIZE
        assert page["data"][0]["asset_id"] == p["first_id"] and page["data"][-1]["asset_id"] == p["last_id"]
        assert page["licence"]["id"] == licences.most_restrictive(r["licence"] for r in page["data"])
        for r in page["data"]:
            seen[r["asset_id"]] = r["band"]
            ids.append(r["asset_id"])
            assert licences.rank(r["licence"]) >= licences.rank(own[r["asset_id"]])
            assert r["is_noncommercial"] == (r["licence"] in licences.NONCOMMERCIAL)
            if r["asset_id"] in nc_links:
                assert r["is_noncommercial"]
    assert ids == sorted(ids) and seen == want and index["n_total"] == len(want)
    assert index["licence"]["noncommercial"] == any(r in licences.NONCOMMERCIAL for r in
                                                    (p["licence"] for p in index["pages"]))
    assert _load(root / "inge2-ports.json")["n_total"] == inge
    exp = _load(root / "exposure/index.json")
    assert {(g["group_id"], g["n_total"]) for g in exp["groups"]} == set(groups)


def test_entities_link_their_owner_pages(api):
    s, root = api
    site = Path(s.site_dir)
    rows = [r for p in _load(root / "entities/index.json")["pages"] for r in _load(root / "entities" / p["href"])["data"]]
    linked = [r for r in rows if r["owner_url"]]
    assert linked and all((site / r["owner_url"]).is_file() for r in linked)
    tl = next(r for r in rows if r["entity_id"] == "terminal-link-sas")
    assert tl["owner_url"] == "owners/terminal-link-sas.html" and tl["controlling_country_code"] == "FR"


def _licence_db() -> duckdb.DuckDBPyConnection:
    """Assets with their own licences and current links into them: known ids, unknown ids (they rank highest;
    among them the first alphabetically), past links (not counted), links citing the same URLs."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE out_exposure__assets AS SELECT * FROM (VALUES
        ('a1', 'CC-BY-4.0'), ('a2', 'CC0-1.0'), ('a3', NULL), ('a4', 'Zeta-unknown'), ('a5', 'ODbL-1.0'))
        t(asset_id, licence)""")
    con.execute("""CREATE TABLE core_ownership__links AS SELECT * FROM (VALUES
        ('asset', 'a1', true, 'CC-BY-NC-SA-3.0', 'https://x/1'), ('asset', 'a1', true, 'CC-BY-4.0', 'https://x/1'),
        ('asset', 'a2', false, 'CC-BY-NC-4.0', 'https://x/2'), ('asset', 'a3', true, 'CC-BY-4.0', 'https://x/3'),
        ('asset', 'a4', true, 'Alpha-unknown', 'https://x/3'), ('asset', 'a4', true, 'Beta-unknown', NULL),
        ('entity', 'a5', true, 'CC-BY-NC-4.0', 'https://x/4'), ('asset', 'gone', true, 'CC0-1.0', 'https://x/4'))
        t(subject_kind, subject_id, is_current, licence, source_url)""")
    return con


def test_asset_and_url_licences_are_those_licences_picks():
    con = _licence_db()
    got = dict(zip(*(c.to_pylist() for c in jsonapi._asset_licences(con).columns)))
    links = con.execute("SELECT subject_id, licence, source_url, is_current, subject_kind FROM core_ownership__links")\
        .fetchall()
    want = {}
    for aid, own in con.execute("SELECT asset_id, licence FROM out_exposure__assets").fetchall():
        lics = [own] + [lic for sid, lic, _, cur, kind in links if sid == aid and cur and kind == "asset"]
        if any(lics):
            want[aid] = licences.most_restrictive(lics)
    assert got == want and got["a4"] == "Alpha-unknown" and got["a1"] == "CC-BY-NC-SA-3.0"
    urls = {u for _, _, u, _, _ in links if u}
    assert jsonapi._url_licences(con) == {
        u: licences.most_restrictive(lic for _, lic, x, _, _ in links if x == u) for u in urls}


@pytest.mark.parametrize("n", [0, 1, 5, 7])
def test_pages_put_together_as_text_are_the_pages_json_writes(tmp_path, monkeypatch, n):
    import pyarrow as pa
    monkeypatch.setattr(jsonapi, "PAGE_SIZE", 3)
    lics = ["CC-BY-4.0", "CC-BY-NC-4.0", None, "CC0-1.0"]
    rows = [{"asset_id": f"a{i:02d}", "licence": lics[i % 4], "name": f"ünï \"{i}\" <&>", "share": i / 3}
            for i in range(n)]
    text = [json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "," for r in rows]
    table = pa.table({"asset_id": [r["asset_id"] for r in rows], "licence": [r["licence"] for r in rows],
                      "_json": text}, schema=pa.schema([("asset_id", pa.string()), ("licence", pa.string()),
                                                        ("_json", pa.string())]))
    a = jsonapi._paged(tmp_path / "a", "p", table, "asset_id", "ODbL-1.0")
    b = jsonapi._paged(tmp_path / "b", "p", rows, "asset_id", "ODbL-1.0")
    assert a == b
    files = sorted(p.name for p in (tmp_path / "b" / "p").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "a" / "p").iterdir()) and len(files) == max(1, -(-n // 3))
    for name in files:
        raw = (tmp_path / "b" / "p" / name).read_bytes()
        assert (tmp_path / "a" / "p" / name).read_bytes() == raw
    first = _load(tmp_path / "b" / "p" / "page-0001.json")
    assert a[1] == {**first, "data": first["data"][:api_schema.EXAMPLE_ROWS]}


def test_rows_clean_doubles_column_by_column_as_clean_does_each_value():
    con = duckdb.connect()
    sql = """SELECT * FROM (VALUES
        (0.1234565::DOUBLE, 'NaN'::DOUBLE, 1.5::DECIMAL(4, 2), DATE '2020-01-02', 'x', true, 3),
        (NULL, 'inf'::DOUBLE, NULL, NULL, NULL, NULL, NULL),
        (-0.0::DOUBLE, 2.0000004999::DOUBLE, 0.25::DECIMAL(4, 2), DATE '1999-12-31', 'y', false, -1))
        t(d, e, dec, day, s, b, i)"""
    got = jsonapi._rows(con, sql)
    cur = con.execute(sql)
    cols = [x[0] for x in cur.description]
    want = [{c: jsonapi._clean(v) for c, v in zip(cols, r)} for r in cur.fetchall()]
    assert json.dumps(got) == json.dumps(want)
    assert [type(v) for v in got[2].values()] == [type(v) for v in want[2].values()]
    assert got[0]["e"] is None and got[1]["e"] == float("inf") and str(got[2]["d"]) == "-0.0"
    assert jsonapi._rows(con, sql + " WHERE false") == []


def test_rows_read_through_arrow_are_those_of_fetchall():
    """A query of text, flags, integers, floats and lists of text only is read through Arrow: the same rows."""
    con = duckdb.connect()
    sql = """SELECT * FROM (VALUES
        (0.1234565::DOUBLE, 'NaN'::DOUBLE, 0.1::FLOAT, 'x', true, 3, 7::TINYINT, ['a', NULL]),
        (NULL, 'inf'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL),
        ('-0.0'::DOUBLE, 2.0000004999::DOUBLE, -2.5::FLOAT, 'ü', false, -1, -8::TINYINT, []))
        t(d, e, f, s, b, i, tiny, l)"""
    got = jsonapi._rows(con, sql)
    cur = con.execute(sql)
    cols = [x[0] for x in cur.description]
    want = [{c: jsonapi._clean(v) for c, v in zip(cols, r)} for r in cur.fetchall()]
    assert json.dumps(got) == json.dumps(want)
    assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in want]
    assert jsonapi._rows(con, sql + " WHERE false") == []
