"""The one loader: node numbers in id order, merged edges, the scope as the recursive query had it."""

import numpy as np

from infrarisk import ownership
from infrarisk.ownership import load
from tests.builders import entity, link, load_tiny, stake


def test_nodes_with_edges_are_numbered_in_id_order(chains):
    # linked entities by id, then assets by id, then the other entities
    con, g, s = chains
    con.execute("INSERT INTO core_ownership__entities (entity_id, entity_name, entity_type) "
                "VALUES ('aaa-unlinked', 'Unlinked', 'company')")
    loaded = load.load_network(con, s)
    ids = loaded.ids.to_pylist()
    net = loaded.net
    linked = np.zeros(net.n, dtype=bool)
    linked[net.src] = linked[net.dst] = True
    ents = [i for i, a, k in zip(ids, net.is_asset, linked) if not a and k]
    assets = [i for i, a in zip(ids, net.is_asset) if a]
    assert ents == sorted(ents) and assets == sorted(assets) and ids[:len(ents) + len(assets)] == ents + assets
    assert ids.index("aaa-unlinked") >= len(ents) + len(assets)
    assert sorted(i for i, a in zip(ids, net.is_asset) if not a) == [
        r[0] for r in con.execute("SELECT entity_id FROM core_ownership__entities ORDER BY 1").fetchall()]
    # the scope keeps entities by id, then assets by id
    sg = ownership.build_graph(con, s, loaded)
    n_ent = int((~sg.is_asset).sum())
    assert sg.ids[:n_ent] == sorted(sg.ids[:n_ent]) and sg.ids[n_ent:] == sorted(sg.ids[n_ent:])
    # one edge per owner and subject, sorted by subject then owner
    key = net.dst * net.n + net.src
    assert np.all(np.diff(key) > 0)
    # the own country indexes the sorted codes
    sasac = ids.index(g.ids[g.names.index("SASAC")])
    assert net.country_codes == sorted(net.country_codes) and net.country_codes[net.own_country[sasac]] == "CN"


def test_insertion_order_setting_is_restored(chains):
    con, g, s = chains
    con.execute("SET preserve_insertion_order = false")
    load.load_network(con, s)
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0] is False


def test_scope_equals_the_recursive_query(tmp_path):
    # an owner of nothing in the scope (Far) stays out; every owner above an asset is in
    ents = [entity(n, "DE") for n in ("A", "B", "C", "Far", "Near")]
    links = [link("A", "B", 60), link("B", "C", 100), link("Near", "Far", 100)]
    stakes = [stake("T", "A", 100)]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes, links=links)
    con.execute("UPDATE core_ownership__entities SET source_id = 'registry' WHERE entity_name IN ('Far', 'Near')")
    table = ownership.scope_of_assets(con)
    got = set(con.execute(f"SELECT kind, id FROM {table}").fetchall())
    want = set(con.execute("""
        WITH RECURSIVE up(kind, id) AS (
            SELECT DISTINCT 'asset', subject_id FROM core_ownership__links WHERE subject_kind = 'asset'
            UNION
            SELECT 'entity', entity_id FROM core_ownership__entities WHERE source_id = 'ownership'
            UNION
            SELECT 'entity', l.owner_entity_id
            FROM core_ownership__links l JOIN up ON l.subject_kind = up.kind AND l.subject_id = up.id
            WHERE l.is_current)
        SELECT DISTINCT kind, id FROM up""").fetchall())
    assert got == want
    assert {i for _, i in got} >= {"a", "b", "c", "terminal:t"} and "far" not in {i for _, i in got}


def test_integer_keys_written_by_integrate_and_computed_alike(chains):
    # integrate numbers the entities in id order and writes the link ends' numbers
    con, g, s = chains
    ents = con.execute("SELECT entity_id, entity_no FROM core_ownership__entities ORDER BY entity_id").fetchall()
    assert [no for _, no in ents] == list(range(len(ents)))
    no = dict(ents)
    for owner, owner_no, kind, subject, subject_no in con.execute(
            "SELECT owner_entity_id, owner_no, subject_kind, subject_id, subject_no FROM core_ownership__links").fetchall():
        assert owner_no == no.get(owner) and subject_no == (no.get(subject) if kind != "asset" else None)
    written = load.load_network(con, s)
    assert load._keys(con)
    # the same graph from keys computed by the loader (tables without them)
    con.execute("ALTER TABLE core_ownership__links DROP COLUMN owner_no")
    assert not load._keys(con)
    computed = load.load_network(con, s)
    assert written.ids.to_pylist() == computed.ids.to_pylist()
    for a in ("src", "dst", "lo", "hi", "rank", "is_economic", "own_country", "is_state", "is_asset",
              "members_complete"):
        assert np.array_equal(getattr(written.net, a), getattr(computed.net, a)), a
    assert written.net.country_codes == computed.net.country_codes


def test_unnumbered_entity_and_link_without_owner_id(chains):
    # an entity added after integrate has no number: the loader numbers them all itself; a
    # current link naming no owner makes the entities without a link no nodes (as IN does)
    con, g, s = chains
    before = load.load_network(con, s)
    n_edge_nodes = before.net.n - len(before.other_at)
    con.execute("INSERT INTO core_ownership__entities (entity_id, entity_name, entity_type) VALUES ('zz', 'Z', 'company')")
    loaded = load.load_network(con, s)
    assert "zz" in loaded.ids.to_pylist()
    con.execute("INSERT INTO core_ownership__links (link_id, subject_kind, subject_id, owner_entity_id, share_min, "
                "share_max, is_current, is_control, is_control_stated) VALUES ('x', 'entity', 'zz', NULL, 0.1, 0.1, "
                "true, false, false)")
    loaded = load.load_network(con, s)
    assert loaded.net.n == n_edge_nodes + 1 and len(loaded.other_at) == 0 and "zz" in loaded.ids.to_pylist()


#: the link index as one SQL aggregation made it before edge_links took the sorted rows
#: (the reference the numpy version is compared with)
_EDGE_LINKS_BEFORE = """
SELECT src, dst, bool_or(is_control) AS is_control,
       (list(control_basis ORDER BY rank, link_id))[1] AS control_basis,
       list(link_id ORDER BY link_id) AS link_ids,
       count(DISTINCT [share_min, share_max]) > 1 AS is_conflict,
       (list(interest_type ORDER BY link_id))[1] AS interest_type
FROM _ownership_link_ends WHERE dst IN (SELECT node FROM _scope_nodes_before)
GROUP BY src, dst ORDER BY dst, src"""


def test_edge_links_equal_the_sql_aggregation(chains):
    # edges of several links: the same share and another, a NULL share, control stated by a later
    # link of a better rank, a link_id sorting first with another interest type, NULL control flags
    con, g, s = chains
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'core_ownership__links'").fetchall()]
    assert {"share_min", "share_max", "is_control", "control_basis", "interest_type"} <= set(cols)
    pick = "FROM core_ownership__links WHERE is_current ORDER BY link_id LIMIT 4"
    con.execute(f"INSERT INTO core_ownership__links SELECT * REPLACE (link_id || '-b' AS link_id) {pick}")
    con.execute(f"INSERT INTO core_ownership__links SELECT * REPLACE (link_id || '-c' AS link_id, NULL AS share_min, "
                f"true AS is_control, 'majority of the board' AS control_basis) {pick}")
    con.execute(f"INSERT INTO core_ownership__links SELECT * REPLACE ('0' || link_id AS link_id, "
                f"share_max * 0.5 AS share_max, NULL AS is_control, 'concession' AS interest_type) {pick} OFFSET 2")
    loaded = load.load_network(con, s)
    nodes = load.scope_nodes(loaded)
    got = load.edge_links(con, nodes)
    con.register("_scope_nodes_before", __import__("pyarrow").table({"node": nodes}))
    want = con.execute(_EDGE_LINKS_BEFORE).fetchall()
    assert len(want) == len(got.src) and any(len(r[4]) > 1 for r in want)
    assert any(r[5] for r in want) and not all(r[5] for r in want if len(r[4]) > 1)
    for i, (src, dst, is_control, basis, link_ids, conflict, itype) in enumerate(want):
        assert (got.src[i], got.dst[i]) == (src, dst)
        assert got.link_ids[got.link_ptr[i]:got.link_ptr[i + 1]] == link_ids
        assert (bool(got.is_control[i]), got.control_basis[i], bool(got.is_conflict[i]), got.interest_type[i]) == (
            bool(is_control), basis, conflict, itype), link_ids
