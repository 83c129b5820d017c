"""Asset details fetched on demand: holders, ownership graph, control chain, band and why.

Contract: :func:`write_details` takes the mapped assets (:class:`~infrarisk.site.mapdata.MapData`,
in global order) and writes ``data/detail/NNNN.js``, one file per
:data:`~infrarisk.site.mapdata.SHARD_SIZE` consecutive assets, each a call
``infrarisk.data("detail", {...})`` (see :mod:`infrarisk.site.mapdata` for why a script).
A shard holds its own tables of entities (``ents``: id, name, controlling country, is a
state, its owner page (``owners/<slug>.html``, or null), and where sources disagree on its seat
country or parent, those readings: ``[field, value, source URL, source]`` from
``core_match__conflicts``), sources (``srcs``: url, title, date, status, evidence, mark — the age of the newest
evidence in words, ``"evidence of 2016-05-12, 10 years old"``, and the mark of a fact to
re-check, :class:`~infrarisk.review.AgeRule`) and licences (``lics``: id, url, is
non-commercial), and per asset:

- ``reason``: the band and why, in words (the layer's ``reason`` column: from
  ``out_exposure__assets``, for a landing station from its most exposed cable);
- ``lic``: the licence of the asset's row (an index into ``lics``);
- ``holders``: every recorded stake in the asset, current or not: ``[entity, share text,
  status, date, interest type, source, is current, evidence, mark]`` (evidence and mark as
  in ``srcs``; history is never marked);
- ``edges``: the current ownership graph above the asset, ``[owner, subject, share text,
  [sources], is control, control basis]``, where a node is an entity index or ``-1`` for
  the asset itself; ``truncated`` when it was cut at :data:`MAX_EDGES`;
- ``control``: the control chain (steps, controlling country, whether it reaches a
  state) or null;
- ``groups``: per high-risk group of the profile with a path to the asset: its band,
  look-through share, reason and the paths (steps with sources, look-through product);
- ``op``, ``pos`` (position precision and source), ``wpi``;
- ``vb``: the "built by" section (:func:`infrarisk.site.vendor_site.card`), left out where no
  supply row attaches (not researched); a separate dimension, never mixed into the band above;
- ``x``: what the asset's layer adds (:attr:`infrarisk.site.layers.Layer.card`, e.g. a
  landing station's cables: a "lands at" relation, not an ownership share).

Keys without a value are left out (``lic``, ``holders``, ``edges``, ``control``, ``groups``,
``op``, ``pos``, ``wpi``, ``x``).

Nothing here is HTML: the page turns every value into text nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import licences
from ..fmt import edge_share, share_text, stake_share
from ..review import AgeRule
from . import vendor_site
from .mapdata import SHARD_SIZE, MapData, js_call

if TYPE_CHECKING:  # pragma: no cover
    from .builder import SiteBuilder

#: edges of the ownership graph shown for one asset (the rest is summarised as truncated)
MAX_EDGES = 60


def _v(x):
    if x is None or x is pd.NaT:
        return None
    if isinstance(x, float) and x != x:
        return None
    return x


class _Memo:
    """What every shard of one build works out the same way, worked out once: the age and mark of each
    evidence date, and the source entry of each link."""

    def __init__(self, sb: "SiteBuilder"):
        self.age = AgeRule.from_settings(sb.settings)
        self.link_keys: dict[str, tuple] = {}
        self._evidence: dict[tuple, tuple] = {}
        self._shares: dict[int, str] = {}
        self._in_edges: dict[str, list[dict]] = {}
        self.in_edges_of = sb.explainer.in_edges
        self._share_texts: dict[tuple, str] = {}

    def share_text(self, lo: float, hi: float) -> str:
        """:func:`~infrarisk.fmt.share_text`, once per pair of values (a zero is not looked up: ``-0.0`` and
        ``0.0`` are one key but not one text)."""
        if not (lo and hi):
            return share_text(lo, hi)
        try:
            return self._share_texts[lo, hi]
        except KeyError:
            out = self._share_texts[lo, hi] = share_text(lo, hi)
            return out

    def in_edges(self, node: str) -> list[dict]:
        """The edges into ``node``, the largest share first (then by owner id), sorted once per node."""
        try:
            return self._in_edges[node]
        except KeyError:
            out = self._in_edges[node] = sorted(self.in_edges_of.get(node, []),
                                                key=lambda e: (-e["share_min"], e["owner_entity_id"]))
            return out

    def edge_share(self, e: dict) -> str:
        """:func:`~infrarisk.fmt.edge_share` of an edge of ``out_exposure__evidence_edges``, once per edge."""
        try:
            return self._shares[e["edge_id"]]
        except KeyError:
            out = self._shares[e["edge_id"]] = edge_share(e["share_min"], e["share_max"])
            return out

    def evidence(self, d, precision, status) -> tuple:
        key = (d, precision, status)
        try:
            return self._evidence[key]
        except KeyError:
            out = self._evidence[key] = (self.age.text(d, precision), self.age.flag_text(self.age.flag(d, status)))
            return out
        except TypeError:  # not hashable
            return self.age.text(d, precision), self.age.flag_text(self.age.flag(d, status))


class _Shard:
    """Entity and source tables local to one detail file."""

    def __init__(self, sb: "SiteBuilder", links: dict[str, dict], memo: "_Memo | None" = None):
        self.sb, self.links = sb, links
        self.ents: list[list] = []
        self.ent_ix: dict[str, int] = {}
        self.srcs: list[list] = []
        self.src_ix: dict[tuple, int] = {}
        self.lics: list[list] = []
        self.lic_ix: dict[str, int] = {}
        self.memo = memo if memo is not None else _Memo(sb)
        self.age = self.memo.age
        self._edge_srcs: dict[int, list[int]] = {}

    def lic(self, licence: str) -> int:
        if licence not in self.lic_ix:
            self.lic_ix[licence] = len(self.lics)
            self.lics.append([licence, licences.url(licence), licence in licences.NONCOMMERCIAL])
        return self.lic_ix[licence]

    def ent(self, eid: str) -> int:
        if eid not in self.ent_ix:
            e = self.sb.entity_info.get(eid, {})
            self.ent_ix[eid] = len(self.ents)
            row = [eid, e.get("name", eid), e.get("country"), bool(e.get("is_state")),
                   self.sb.common.get("owner_urls", {}).get(eid)]
            if eid in self.sb.entity_conflicts:  # the readings its sources disagree on
                row.append(self.sb.entity_conflicts[eid])
            self.ents.append(row)
        return self.ent_ix[eid]

    def evidence(self, d, precision, status) -> tuple:
        """The age of a fact's newest evidence in words, and its mark (or None)."""
        return self.memo.evidence(_v(d), precision, status)

    def src(self, url: str, title, as_of, status, evidence_date=None, evidence_precision=None) -> int:
        return self._src_ix((url, title or url, as_of, status, *self.evidence(evidence_date, evidence_precision, status)))

    def _src_ix(self, key: tuple) -> int:
        try:
            return self.src_ix[key]
        except KeyError:
            self.src_ix[key] = len(self.srcs)
            self.srcs.append(list(key))
            return self.src_ix[key]

    def link_key(self, lid: str) -> tuple:
        """The source entry of a link (the link records of :attr:`links`): url, title, date, status, and
        the age and mark of its evidence (:meth:`evidence`)."""
        key = self.memo.link_keys.get(lid)
        if key is None:
            r = self.links[lid]
            key = self.memo.link_keys[lid] = (
                r["source_url"], _v(r["source_title"]) or r["source_url"], self.sb.explainer.link_date(lid),
                r["status"], *self.evidence(r["evidence_date"], r["evidence_precision"], r["status"]))
        return key

    def link_src(self, lid: str) -> int:
        """:meth:`src` of a link."""
        return self._src_ix(self.link_key(lid))

    def link_sources(self, link_ids: list[str]) -> list[int]:
        return [self.link_src(lid) for lid in link_ids]

    def edge_sources(self, e: dict) -> list[int]:
        """:meth:`link_sources` of an edge's links, once per edge in this shard."""
        try:
            return self._edge_srcs[e["edge_id"]]
        except KeyError:
            out = self._edge_srcs[e["edge_id"]] = self.link_sources(e["link_ids"])
            return out

    def node(self, node_id: str, asset_id: str) -> int:
        return -1 if node_id == asset_id else self.ent(node_id)


#: the columns of the asset's row (``out_exposure__assets``) a detail shows
ROW_COLUMNS = ("operator_name", "position_precision", "position_source_url")


def asset_detail(sb: "SiteBuilder", sh: _Shard, aid: str, holders: list[dict], reason=None, licence=None,
                 extra: dict | None = None, row: tuple | None = None) -> dict:
    """The detail record of one asset (see the module docstring); ``aid`` need not be an asset
    (a layer may draw features that are not: their detail is what the map data say). ``row``: the
    values of :data:`ROW_COLUMNS` (read from ``sb.asset_rows`` when not given)."""
    ex = sb.explainer
    op, precision, position_url = row if row is not None else (sb.asset_rows.value(aid, c) for c in ROW_COLUMNS)
    d: dict = {"reason": _v(reason)}
    if isinstance(licence, str):
        d["lic"] = sh.lic(licence)
    if extra:
        d["x"] = extra
    # keys without a value are left out: most assets (ports without ownership data) have only a reason
    wpi = sb.wpi.get(aid)
    if op is not None and _v(op) is not None:
        d["op"] = op
    if wpi is not None:
        d["wpi"] = wpi
    if precision is not None and _v(precision):
        d["pos"] = [precision, _v(position_url)]
    if holders:  # a holder row is a link record: its date and evidence are its source entry's
        keys = [sh.link_key(h["link_id"]) for h in holders]
        d["holders"] = [[sh.ent(h["owner_entity_id"]),
                         stake_share(h["share_min"], h["share_max"], h["is_share_stated"]), h["status"], key[2],
                         h["interest_type"], sh._src_ix(key), bool(h["is_current"]), *key[4:]]
                        for h, key in zip(holders, keys)]
    if aid not in ex.in_edges or not ex.has(aid):
        return d
    # the current ownership graph above the asset, breadth first (out_exposure__evidence_edges)
    edges, seen, todo, truncated = [], {aid}, [aid], False
    while todo and not truncated:
        u = todo.pop(0)
        for e in sh.memo.in_edges(u):
            if len(edges) >= MAX_EDGES:
                truncated = True
                break
            edges.append([sh.node(e["owner_entity_id"], aid), sh.node(e["subject_id"], aid),
                          sh.memo.edge_share(e), sh.edge_sources(e),
                          bool(e["is_control"]), e["control_basis"]])
            if e["owner_entity_id"] not in seen:
                seen.add(e["owner_entity_id"])
                todo.append(e["owner_entity_id"])
    d["edges"], d["truncated"] = edges, truncated
    c = ex.controllers.get(aid)
    if c is not None and c["controller_entity_id"] is not None:  # Explainer.control, its fields as the file has them
        d["control"] = {"steps": [[sh.node(e["owner_entity_id"], aid), sh.node(e["subject_id"], aid),
                                   e["control_basis"], sh.memo.edge_share(e), sh.edge_sources(e)]
                                  for e in ex.control_edges(aid)],
                        "country": c["controlling_country_code"], "state": bool(c["is_state_controlled"])}
    groups = []
    edge_of, memo = ex.edges, sh.memo
    for r, paths in ex.group_rows(aid):  # Explainer.group_view, its fields as the file has them
        if not paths and r["band"] in ("none", "unknown"):
            continue
        groups.append({"label": r["group_label"], "band": r["band"],
                       "share": memo.share_text(r["share_min"], r["share_max"]), "reason": r["band_reason"],
                       "paths": [{"top": p[0]["top_country_code"],
                                  "look": memo.share_text(p[0]["look_through"], p[0]["look_through"]),
                                  "steps": [[sh.node(e["owner_entity_id"], aid), sh.node(e["subject_id"], aid),
                                             memo.edge_share(e), sh.edge_sources(e)]
                                            for e in (edge_of[st["edge_id"]] for st in p)]}
                                 for p in paths]})
    d["groups"] = groups
    return d


def write_details(sb: "SiteBuilder", md: MapData, out_dir: Path) -> int:
    """Write every detail shard; return the number of files."""
    folder = Path(out_dir) / "data" / "detail"
    folder.mkdir(parents=True, exist_ok=True)
    links = sb.links_by_id
    holders = sb.holders_by_asset
    # per asset in map order: its layer's card, and the reason and licence of its feature row
    cards, reasons, lics = [], [], []
    for layer, frame in md.layers:
        cards += [layer.card] * len(frame)
        reasons += frame["reason"].tolist() if "reason" in frame else [None] * len(frame)
        lics += frame["licence"].tolist() if "licence" in frame else [None] * len(frame)
    row_values = list(zip(*(sb.asset_rows.column(c, md.order) for c in ROW_COLUMNS)))
    n_files = 0
    memo = _Memo(sb)
    for k in range(0, md.n, SHARD_SIZE):
        sh = _Shard(sb, links, memo)
        assets = [asset_detail(sb, sh, aid, holders.get(aid, []), reasons[i], lics[i],
                               cards[i](sb, aid) if cards[i] else None, row_values[i])
                  for i, aid in enumerate(md.order[k:k + SHARD_SIZE], start=k)]
        for aid, d in zip(md.order[k:k + SHARD_SIZE], assets):  # "built by", its own section (issue 13)
            vb = vendor_site.card(sb, aid)
            if vb is not None:
                d["vb"] = vb
        payload = {"shard": k // SHARD_SIZE, "first": k, "ents": sh.ents, "srcs": sh.srcs, "lics": sh.lics,
                   "assets": assets}
        (folder / f"{k // SHARD_SIZE:04d}.js").write_bytes(js_call("detail", payload).encode())
        n_files += 1
    return n_files
