"""GEXF and GraphML exports of the ownership network: NetworkX opens them, with the nodes, edges,
attributes and licences the tables hold; hostile names stay text; output is deterministic."""

from __future__ import annotations

import duckdb
import networkx as nx
import pytest

from infrarisk import export_graph
from infrarisk.cli import main

HOSTILE = "<img src=x onerror=alert(1)> & Sons\x07\x1f \"quoted\" 'single'\nline"
CLEAN = "<img src=x onerror=alert(1)> & Sons \"quoted\" 'single'\nline"


def _db(path=None) -> duckdb.DuckDBPyConnection:
    """A finished build in miniature: two assets, four entities (one hostile), links current and past,
    one of a non-commercial source, one out of scope."""
    con = duckdb.connect(str(path) if path else ":memory:")
    con.execute("""CREATE TABLE core_meta__sources AS SELECT * FROM (VALUES
        ('curated', 'CC-BY-4.0'), ('submarine-cables', 'CC-BY-NC-SA-3.0')) t(source_id, licence)""")
    con.execute("""CREATE TABLE core_ownership__entities AS SELECT * FROM (VALUES
        ('top', 'Top Holding', 'CN', 'CN', 'state', NULL, 'https://example.org/top', 'curated'),
        ('mid', ?, 'HK', 'HK', 'company', '529900T8BM49AURSDO55', 'https://example.org/mid', 'curated'),
        ('cab', 'Cable Member', 'US', 'US', 'company', NULL, NULL, NULL),
        ('old', 'Former Holder', 'GB', 'GB', 'company', NULL, NULL, 'curated'),
        ('far', 'Out of scope', 'DE', 'DE', 'company', NULL, NULL, 'curated'))
        t(entity_id, entity_name, hq_country_code, jurisdiction_code, entity_type, lei, source_url, source_id)""",
                [HOSTILE])
    con.execute("""CREATE TABLE core_assets__assets AS SELECT * FROM (VALUES
        ('terminal:a', 'Terminal A & B', 'container_terminal', 'terminal', 'BE', 'https://example.org/pos', 'CC-BY-4.0'),
        ('cable:c', 'Cable C', 'cable_system', 'cable', NULL, 'https://example.org/c', 'CC-BY-NC-SA-3.0'),
        ('terminal:z', 'Unmapped', 'container_terminal', 'terminal', 'NL', NULL, 'CC-BY-4.0'))
        t(asset_id, name, asset_type, asset_class, country_code, position_source_url, licence)""")
    con.execute("""CREATE TABLE out_exposure__assets AS SELECT * FROM (VALUES ('terminal:a', 'high'), ('cable:c', 'unknown'))
                   t(asset_id, band)""")
    con.execute("""CREATE TABLE out_ownership__asset_controllers AS SELECT * FROM (VALUES ('terminal:a'), ('cable:c'))
                   t(asset_id)""")
    con.execute("""CREATE TABLE out_ownership__entities AS SELECT * FROM (VALUES
        ('top', 'CN', 'top'), ('mid', 'CN', 'top'), ('cab', 'US', 'cab'))
        t(entity_id, controlling_country_code, ultimate_controller_entity_id)""")
    con.execute("""CREATE TABLE core_ownership__links AS SELECT * FROM (VALUES
        ('L1', 'entity', 'mid', 'top', 'shareholding', 'direct parent', 0.6, 0.6, true, true, 'majority', 'current',
         true, DATE '2020-01-01', NULL, 'https://example.org/l1?a=1&b=2', ?, 'CC-BY-4.0', false),
        ('L2', 'asset', 'terminal:a', 'mid', 'shareholding', NULL, 0.3, 0.5, true, false, NULL, 'current',
         true, NULL, NULL, 'https://example.org/l2', 'Filing', 'CC-BY-4.0', false),
        ('L3', 'asset', 'terminal:a', 'old', 'shareholding', NULL, 0.2, 0.2, true, false, NULL, 'exited',
         false, DATE '2010-05-01', DATE '2019-12-31', 'https://example.org/l3', 'Old filing', 'CC-BY-4.0', false),
        ('L4', 'asset', 'cable:c', 'cab', 'consortium_membership', NULL, 0.0, 1.0, false, false, NULL, 'current',
         true, NULL, NULL, 'https://example.org/l4', 'Cable map', 'CC-BY-NC-SA-3.0', true),
        ('L5', 'asset', 'terminal:z', 'far', 'shareholding', NULL, 1.0, 1.0, true, true, NULL, 'current',
         true, NULL, NULL, 'https://example.org/l5', 'Far', 'CC-BY-4.0', false))
        t(link_id, subject_kind, subject_id, owner_entity_id, interest_type, relationship, share_min, share_max,
          is_share_stated, is_control, control_basis, status, is_current, as_of_date, end_date, source_url,
          source_title, licence, is_noncommercial)""", [HOSTILE])
    return con


@pytest.fixture
def files(tmp_path):
    con = _db()
    out = export_graph.write_site_files(con, tmp_path)
    return tmp_path, out


@pytest.mark.parametrize("fmt, read", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_networkx_opens_the_network_with_its_attributes(files, fmt, read):
    folder, _ = files
    g = read(folder / f"data/ownership-network.{fmt}")
    # scope: the links into the two resolved assets and the resolved entity; L5's subject is out of scope
    assert g.is_directed()
    assert sorted(g.nodes) == ["cab", "cable:c", "mid", "old", "terminal:a", "top"]
    assert g.number_of_edges() == 4
    edges = {d.get("link_id"): (u, v, d) for u, v, d in g.edges(data=True)}
    assert set(edges) == {"L1", "L2", "L3", "L4"}
    u, v, d = edges["L2"]
    assert (u, v) == ("mid", "terminal:a")
    assert d["share_min"] == pytest.approx(0.3) and d["share_max"] == pytest.approx(0.5)
    assert d["status"] == "current" and d["is_current"] is True and d["is_control"] is False
    assert d["interest_type"] == "shareholding" and d["licence"] == "CC-BY-4.0"
    old = edges["L3"][2]
    assert (old["status"], old["start_date"], old["end_date"]) == ("exited", "2010-05-01", "2019-12-31")
    assert edges["L1"][2]["source_url"] == "https://example.org/l1?a=1&b=2"
    assert edges["L1"][2]["source_title"] == CLEAN
    assert "start_date" not in edges["L2"][2]  # no date: no attribute, never an empty string
    n = g.nodes
    assert n["mid"]["name"] == CLEAN and n["mid"]["kind"] == "entity" and n["mid"]["lei"] == "529900T8BM49AURSDO55"
    assert n["mid"]["controlling_country_code"] == "CN" and n["mid"]["ultimate_controller_id"] == "top"
    assert n["terminal:a"]["kind"] == "asset" and n["terminal:a"]["band"] == "high"
    assert n["terminal:a"]["name"] == "Terminal A & B" and n["terminal:a"]["country_code"] == "BE"
    # an entity with no source of its own has the licence of the links that name it
    assert n["cab"]["licence"] == "CC-BY-NC-SA-3.0" and n["top"]["licence"] == "CC-BY-4.0"


def test_hostile_text_is_escaped_and_control_characters_dropped(files):
    folder, _ = files
    for fmt in ("gexf", "graphml"):
        raw = (folder / f"data/ownership-network.{fmt}").read_text(encoding="utf-8")
        assert "<img" not in raw and "&lt;img src=x onerror=alert(1)&gt; &amp; Sons" in raw
        assert "\x07" not in raw and "\x1f" not in raw
        assert "a=1&b=2" not in raw and "a=1&amp;b=2" in raw


def test_licences_and_the_set_without_non_commercial_links(files):
    folder, out = files
    by = {(d["set"], d["format"]): d for d in out}
    assert set(by) == {("all", "gexf"), ("all", "graphml"), ("except-nc", "gexf"), ("except-nc", "graphml")}
    assert by["all", "gexf"]["licence"] == "CC-BY-NC-SA-3.0" and by["all", "gexf"]["nc"]
    assert by["except-nc", "gexf"]["licence"] == "CC-BY-4.0" and not by["except-nc", "gexf"]["nc"]
    g = nx.read_graphml(folder / "data/ownership-network-except-nc.graphml")
    # the cable, its member (named only by the non-commercial source) and its link are gone
    assert sorted(g.nodes) == ["mid", "old", "terminal:a", "top"] and g.number_of_edges() == 3
    assert by["except-nc", "graphml"]["n_nodes"] == 4 and by["except-nc", "graphml"]["n_edges"] == 3
    raw = (folder / "data/ownership-network.graphml").read_text(encoding="utf-8")
    assert '<data key="g_licence">CC-BY-NC-SA-3.0' in raw


def test_no_except_nc_set_without_non_commercial_links(tmp_path):
    con = _db()
    con.execute("DELETE FROM core_ownership__links WHERE is_noncommercial")
    out = export_graph.write_site_files(con, tmp_path)
    assert {d["set"] for d in out} == {"all"} and out[0]["licence"] == "CC-BY-4.0"
    assert not (tmp_path / "data/ownership-network-except-nc.gexf").exists()


def test_output_is_deterministic(tmp_path):
    a = export_graph.write_site_files(_db(), tmp_path / "a")
    b = export_graph.write_site_files(_db(), tmp_path / "b")
    assert a == b
    for d in a:
        assert (tmp_path / "a" / d["href"]).read_bytes() == (tmp_path / "b" / d["href"]).read_bytes()


def test_export_command_writes_both_formats(tmp_path):
    from click.testing import CliRunner
    path = tmp_path / "db.duckdb"
    _db(path).close()
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        out = tmp_path / f"net.{fmt}"
        res = CliRunner().invoke(main, ["export", fmt, "--out", str(out), "--db", str(path)])
        assert res.exit_code == 0, res.output
        assert read(out).number_of_edges() == 4


def _awkward_db() -> duckdb.DuckDBPyConnection:
    """The miniature with what the writers must get right: every character class :func:`export_graph.esc`
    handles, names empty or missing, shares of 0, -0, NaN, a repeating fraction and none, DOUBLE columns,
    empty and unknown licences (ties among unknown ids go to the first alphabetically)."""
    con = _db()
    odd = "a\ufffeb\uffffc\rd\te&f<g>h\"i'j\x00\x0bk\x0cl\x1fm – 中文 🚢"
    con.execute("UPDATE core_ownership__entities SET entity_name = '' WHERE entity_id = 'top'")
    con.execute("UPDATE core_ownership__entities SET entity_name = NULL, source_id = 'nolicence' "
                "WHERE entity_id = 'cab'")
    con.execute("INSERT INTO core_meta__sources VALUES ('nolicence', '')")
    con.execute("UPDATE core_assets__assets SET name = ? WHERE asset_id = 'terminal:a'", [odd])
    con.execute("ALTER TABLE core_ownership__links ALTER share_min TYPE DOUBLE")
    con.execute("ALTER TABLE core_ownership__links ALTER share_max TYPE DOUBLE")
    con.execute("""INSERT INTO core_ownership__links VALUES
        ('L6', 'asset', 'terminal:a', 'top', 'shareholding', ?, 1.0/3, 'NaN'::DOUBLE, false, NULL, NULL, NULL,
         NULL, DATE '1999-12-31', DATE '2001-01-01', NULL, ?, 'Zeta-unknown', false),
        ('L7', 'asset', 'cable:c', 'top', NULL, NULL, -0.0, NULL, NULL, false, NULL, 'current', true, NULL, NULL,
         ?, NULL, 'Alpha-unknown', true),
        ('L8', 'entity', 'cab', 'old', NULL, NULL, NULL, 0.25, true, true, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, '', false),
        ('L9', 'entity', 'cab', 'mid', NULL, NULL, 1e-7, 1e22, true, true, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, 'Beta-unknown', true)""", [odd, odd, odd])
    return con


@pytest.mark.parametrize("make", [_db, _awkward_db], ids=["miniature", "awkward"])
def test_files_are_the_bytes_the_per_value_writer_made(tmp_path, make):
    from tests import export_graph_before
    con = make()
    expected = export_graph_before.files(con)
    out = export_graph.write_site_files(con, tmp_path)
    assert sorted(d["href"] for d in out) == sorted(expected)
    for href, raw in expected.items():
        assert (tmp_path / href).read_bytes() == raw, href


def test_esc_column_is_esc_of_every_value():
    import pyarrow as pa
    values = [None, "", "plain", "&amp; stays escaped once", *[chr(c) + "x" for c in range(0, 0x21)],
              "\ufffd\ufffe\uffff\U0001f6a2", "<a href=\"x\">'y'</a>\r\n"]
    got = export_graph.esc_column(pa.chunked_array([values[:10], values[10:]], type=pa.string())).to_pylist()
    assert got == [None if v is None else export_graph.esc(v) for v in values]
