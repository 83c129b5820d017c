"""Discovery: the sources, their load order and their remotes come from the manifests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import infrarisk.sources as sources
from infrarisk.db import connect
from infrarisk.errors import ConfigError, ManifestError
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import Manifest, _fetch, describe_file, discover, topological, write_manifest
from tests.builders import entity, stake, write_curated
from tests.conftest import write_geo_datasets

REPO = Path(__file__).resolve().parents[2]


def test_shipped_sources_load_in_depends_on_order():
    found = discover(REPO / "datasets")
    ids = [s.id for s in found]
    assert sorted(ids) == ["census", "curated", "gem-europe-gas", "gem-ownership", "gleif", "matching", "naturalearth",
                           "owners", "submarine-cables", "supply", "unlocode", "wpi"]
    for i, s in enumerate(found):  # every source after the sources it depends on
        assert set(s.depends_on) <= set(ids[:i]), s.id
    assert ids[:2] == ["unlocode", "naturalearth"]  # every other loader checks country codes


def test_derive_order_follows_the_derive_inputs_too():
    """gleif's derive step reads other sources' datasets (``derived_from``), its loader only country codes."""
    m = sources.read_manifest(REPO / "datasets" / "gleif")
    assert m.depends_on == ["naturalearth"] and "curated" in m.derived_from
    assert sources.manifest_keys("gleif")["derived_from"] == m.derived_from
    order = sources.derive_order(sources.derive_modules())
    assert all(order.index(d) < order.index("gleif") for d in m.derived_from if d in order)
    assert order.index("curated") < order.index("gleif")


def test_every_package_wrote_its_keys_into_its_manifest():
    for sid, pkg in sources.packages().items():
        m = sources.read_manifest(REPO / "datasets" / sid)
        assert m.package == pkg.__name__.rsplit(".", 1)[1] and m.table_prefix, sid
        written = {"package": m.package, "table_prefix": m.table_prefix, "depends_on": m.depends_on,
                   "refresh": m.refresh, **({"derived_from": m.derived_from} if m.derived_from else {})}
        declared = {"refresh": {}, **sources.manifest_keys(sid)}  # a source without an upstream has none
        assert written == declared, sid


def test_a_cycle_or_a_manifest_without_package_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cycle"):
        topological({"a": ("b",), "b": ("a",)})
    folder = tmp_path / "mystery"
    (folder / "x.csv").parent.mkdir()
    (folder / "x.csv").write_text("a\n1\n")
    write_manifest(folder, Manifest(id="mystery", title="t", publisher="p", origin_url="https://example.org",
                                    licence="CC0-1.0", licence_url="https://example.org", attribution="a",
                                    retrieved="2026-11-25", files=[describe_file(folder, "x.csv")]))
    with pytest.raises(ManifestError, match="no 'package' key"):
        discover(tmp_path)


def test_rehash_keeps_the_package_keys(tmp_path):
    datasets = write_geo_datasets(tmp_path / "datasets")
    before = sources.read_manifest(datasets / "wpi")
    (datasets / "wpi" / "corrections" / "country_names.csv").write_text("wpi_country_name,country_code,reason\n")
    after = sources.rehash(datasets / "wpi")
    assert (after.package, after.depends_on, after.refresh) == (before.package, before.depends_on, before.refresh)
    assert after.package == "wpi"


def test_a_new_source_is_one_folder_of_code_and_one_of_data(tmp_path, monkeypatch):
    """A package folder and a manifest: discovered, loaded after what it depends on, fetchable."""
    code = tmp_path / "code" / "baltic"
    code.mkdir(parents=True)
    (code / "__init__.py").write_text('"""A test source."""\nSOURCE_ID = "baltic-terminals"\n')
    (code / "load.py").write_text(textwrap.dedent('''
        """Loads nothing but proves the order: the country table exists already."""
        def load(con, settings, log):
            n = con.execute("SELECT count(*) FROM core_geo__countries").fetchall()[0][0]
            con.execute(f"CREATE TABLE raw_baltic__terminals AS SELECT {n} AS countries_seen")
    '''))
    (code / "fetch.py").write_text('from infrarisk.sources._checks import CsvCheck\n'
                                   'CHECKS = {"register.csv": CsvCheck(("name",))}\n')
    monkeypatch.setattr(sources, "__path__", [*sources.__path__, str(tmp_path / "code")])
    datasets = write_geo_datasets(tmp_path / "datasets")
    write_curated(datasets / "curated", [entity("A", "FR")], [stake("T", "A", 1)])  # the one source a build needs
    folder = datasets / "baltic-terminals"
    folder.mkdir()
    (folder / "terminals.csv").write_text("name\nKlaipeda\n")
    write_manifest(folder, Manifest(
        id="baltic-terminals", title="Baltic Terminal Register", publisher="tests", origin_url="https://example.org",
        licence="CC0-1.0", licence_url="https://example.org", attribution="tests", retrieved="2026-11-25",
        package="baltic", table_prefix="baltic", depends_on=["naturalearth"],
        refresh={"remotes": {"baltic-terminals": {"kind": "files", "folder": "baltic", "title": "register",
                                                  "update": True, "files": [{"name": "register.csv",
                                                                             "url_key": "baltic",
                                                                             "url": "https://example.org/r.csv"}]}}},
        files=[describe_file(folder, "terminals.csv")]))
    order = [s.id for s in discover(datasets)]
    assert order.index("baltic-terminals") > order.index("naturalearth")
    settings = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp_path / "db.duckdb")
    con, log = connect(None), ProblemLog()
    sources.load_all(con, settings, log)
    assert con.execute("SELECT countries_seen > 0 FROM raw_baltic__terminals").fetchall() == [(True,)]
    assert "baltic-terminals" in _fetch.default_update_sources(settings)
    assert _fetch.by_id(settings, "baltic-terminals").files[0].default_url == "https://example.org/r.csv"
