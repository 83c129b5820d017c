"""The Explainer's records of an asset's control chain and groups (read by the site's details) are
those its worded views (control, group_view) are made from, asset by asset."""

from __future__ import annotations

import duckdb

from infrarisk.explain import Explainer
from infrarisk.fmt import edge_share, share_text
from infrarisk.profiles import load_profile


def test_control_edges_and_group_rows_match_the_views(real_build):
    s, _ = real_build
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        ex = Explainer(con, load_profile(s.profile), s)
    finally:
        con.close()
    n_ctl = n_groups = 0
    for aid in sorted(ex.controllers):
        view = ex.control(aid)
        edges = ex.control_edges(aid)
        if view is None:
            assert not edges or ex.controllers[aid]["controller_entity_id"] is None
        else:
            n_ctl += 1
            assert [(s["owner_id"], s["subject_id"], s["basis"], s["share"]) for s in view["steps"]] == \
                [(e["owner_entity_id"], e["subject_id"], e["control_basis"], edge_share(e["share_min"], e["share_max"]))
                 for e in edges]
        rows = ex.group_rows(aid)
        groups = ex.group_view(aid)
        assert [g["group_id"] for g in groups] == [r["group_id"] for r, _ in rows]
        for g, (r, paths) in zip(groups, rows):
            n_groups += 1
            assert g["band"] == r["band"] and g["share"] == share_text(r["share_min"], r["share_max"])
            assert [[st["owner_id"] for st in p["steps"]] for p in g["paths"]] == \
                [[ex.edges[st["edge_id"]]["owner_entity_id"] for st in p] for p in paths]
            assert [p["look_through"] for p in g["paths"]] == \
                [share_text(p[0]["look_through"], p[0]["look_through"]) for p in paths]
    assert n_ctl > 100 and n_groups > 100
