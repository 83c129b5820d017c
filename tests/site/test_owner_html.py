"""The owner pages put together from ready pieces (:mod:`infrarisk.site.owner_html`) equal, byte for
byte, what the dict contexts and the Jinja template made before (``tests/site/owner_pages_before.py``):
on every page of the shipped build and of the hostile build, on the files written, and on a small
hand-made network with every branch of the template (missing facts, chains without a recorded link,
sources shared by links and edges, non-http and missing sources, assets without a position, ids that
need quoting, hostile text)."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

import duckdb
import pytest

from infrarisk.site import owner_pages
from infrarisk.site.owner_html import Pages
from tests.site import owner_pages_before as before

EVIL = "<img src=x onerror=alert(1)> & 'q' \"d\""


def _reference(d, rel: dict, eids) -> dict[str, str]:
    shared = before.Shared()
    out = {}
    for eid in eids:
        page = before.page_context(d, eid, rel, shared)
        out[eid] = before._render_main(**page, **before.page_parts(page))
    return out


def _check(d) -> int:
    """Every page's main part equals the reference's, with the pieces shared by all pages and worked
    out for the page alone; the number of pages."""
    rel = {e: f"{s}.html" for e, s in owner_pages.slugs(owner_pages.owner_ids(d)).items()}
    want = _reference(d, rel, sorted(rel))
    pages = Pages(d, rel)
    for eid in sorted(rel):
        got = pages.main(eid).decode("utf-8")
        assert got == want[eid], eid
        assert Pages(d, rel).main(eid).decode("utf-8") == got, eid
    return len(rel)


def _collect(db_path) -> owner_pages.OwnerData:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return owner_pages.collect(con)
    finally:
        con.close()


def test_every_page_of_the_shipped_build_equals_the_template(real_build):
    s, _ = real_build
    d = _collect(s.db_path)
    assert _check(d) > 1000
    # the files written are the frame around each main part
    site = Path(s.site_dir)
    rel = {e: f"{x}.html" for e, x in owner_pages.slugs(owner_pages.owner_ids(d)).items()}
    pages = Pages(d, rel)
    for eid in sorted(rel)[::50]:
        text = (site / "owners" / rel[eid]).read_text(encoding="utf-8")
        assert text[text.index('<main id="main">\n') + 17:text.index("</main>")] == pages.main(eid).decode("utf-8"), eid


def test_every_page_of_the_hostile_build_equals_the_template(hostile_build):
    hs, _ = hostile_build
    d = _collect(hs.db_path)
    assert "evil-holdings" in d.entities
    assert _check(d) > 1000


def _entity(eid: str, i: int, chain=None) -> dict:
    """An entity record with its facts switched on and off by ``i``."""
    pick = [None, "", "FR", "CN", EVIL]
    return {"entity_id": eid, "entity_name": None if i == 7 else f"{EVIL} {eid}" if i % 3 == 0 else f"Entity {eid}",
            "entity_type": pick[i % 5], "lei": pick[(i + 1) % 5], "hq_country_code": pick[(i + 2) % 5],
            "jurisdiction_code": pick[(i // 2) % 5], "controlling_country_code": pick[(i + 4) % 5],
            "controlling_country_basis": pick[(i * 2) % 5], "is_state_controlled": [None, True, False][i % 3],
            "source_url": [None, "", "https://example.org/e?a=1&b=<x>", "ftp://x", EVIL][i % 5],
            "control_chain_ids": chain}


def _network(seed: int) -> owner_pages.OwnerData:
    """A small random network through the program's own indexing (``collect``'s last steps)."""
    rng = random.Random(seed)
    ents = [f"e{i}" for i in range(12)]
    assets = {}
    for i in range(10):
        aid = ["a:plain", "a/b c", "Zürich:ü", "a&b<c>", "x" * 3, "a:1", "a:2", "a:3", "a:4", "a:5"][i]
        lon, lat = [(None, None), (math.nan, 1.0), (4.5, 51.2), (4.5, 51.2), (-120.0, -33.0), (4.6, 51.3),
                    (10.0, 60.0), (2.0, 40.0), (2.1, 40.1), (179.0, 0.0)][(i + seed) % 10]
        assets[aid] = {"asset_id": aid, "name": [None, EVIL, "Port", "Port", "Zz"][i % 5],
                       "asset_type": ["port", "terminal", None, "odd_type", "cable"][i % 5],
                       "country_code": [None, "FR", EVIL, "DE"][i % 4], "latitude": lat, "longitude": lon,
                       "band": ["high", "low", None, EVIL, "none"][i % 5]}
    links = {}
    for i in range(14):
        url = [None, "", "https://a.example/1", "https://a.example/1", "http://b.example/<2>", "ftp://c", EVIL,
               "https://d.example"][i % 8]
        links[f"L{i}"] = {"link_id": f"L{i}", "source_url": url, "source_title": [None, "", f"Title {i}", EVIL][i % 4],
                          "as_of_date": [None, dt.date(2020, 1, i + 1)][i % 2]}
    nodes = ents + list(assets)
    edges = []
    for i in range(40):
        o = rng.choice(ents)
        s = rng.choice(nodes)
        if s == o:
            continue
        lo = rng.choice([None, 0.0, 0.25, 0.5, 0.51, 1.0, 0.333])
        hi = rng.choice([None, lo, 1.0, 0.9])
        edges.append({"edge_id": i, "owner_entity_id": o, "subject_id": s, "subject_name": EVIL if i % 7 == 0 else s,
                      "share_min": lo, "share_max": hi, "is_control": rng.random() < 0.4,
                      "control_basis": rng.choice([None, "majority", EVIL]), "is_economic": rng.random() < 0.85,
                      "link_ids": rng.choice([None, [], ["L2"], ["L2", "L3", "L2"], ["L0", "L4"], ["missing", "L5"],
                                              [f"L{rng.randrange(14)}", f"L{rng.randrange(14)}"], ["L6", "L7", "L1"]])})
    ent_rows = {}
    for i, e in enumerate(ents):
        chain = None if i % 4 == 0 else [e] + rng.sample([x for x in ents if x != e], i % 3) + (["ghost"] if i == 5 else [])
        ent_rows[e] = _entity(e, i + seed, chain)
    controls = {}
    for aid in list(assets)[::3]:
        for e in rng.sample(ents, 2):
            controls.setdefault(e, set()).add(aid)
    from infrarisk.fmt import share_text
    from infrarisk.site.lookthrough import lookthrough
    owners = sorted({e["owner_entity_id"] for e in edges if e["is_economic"]})
    lt = lookthrough(edges, owners, nodes=assets)
    d = owner_pages.OwnerData(ent_rows, assets, edges, links, {o: h for o, h in lt.items() if h}, controls)
    for e in edges:
        e["share"] = share_text(float(e["share_min"] or 0.0), float(1.0 if e["share_max"] is None else e["share_max"]))
        d.out_edges.setdefault(e["owner_entity_id"], []).append(e)
        d.edge_of.setdefault((e["owner_entity_id"], e["subject_id"]), e)
    return d


@pytest.mark.parametrize("seed", range(25))
def test_a_hand_made_network_equals_the_template(seed):
    assert _check(_network(seed)) >= 3


def test_zero_shares_keep_their_sign():
    """A row's share attributes and text are its own, whichever zero another page showed first."""
    d = _network(1)
    owner = sorted(d.holdings)[0]
    a, b = sorted(d.assets)[:2]
    d.holdings = {owner: {a: (0.0, 0.5), b: (-0.0, 0.5)}}
    d.controls = {}
    html = Pages(d, {owner: "o.html"}).main(owner).decode("utf-8")
    assert 'data-share-min="0.000000000"' in html and 'data-share-min="-0.000000000"' in html
    assert "<td>0–50%</td>" in html and "<td>-0–50%</td>" in html
