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
