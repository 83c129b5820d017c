"""Benchmark: ownership resolution on a GLEIF-shaped graph of millions of entities.

Generates (default) 3,000,000 entities with LEI-shaped ids and countries, 700,000
owner → subject links with stakes, chains up to 12 deep, a few hundred near-100% loops
and entities with several partial owners; writes them as Parquet; then times

- ``load_s``: the package's one loader (:mod:`infrarisk.ownership.load`) on the files seen
  as the core tables, with the integer keys the integrate stage writes (``entity_no``,
  ``owner_no``, ``subject_no``): DuckDB reads them, the loader numbers the nodes, merges
  the links and hands them over as numpy arrays (:class:`infrarisk.ownership.network.Network`);
- ``controller_s``: controller, ultimate controller and controlling country of every entity;
- ``lookthrough_s``: the exact look-through share by country of every entity (sparse,
  loops solved exactly), condensation included.

Usage::

    python benchmarks/ownership_scale.py                 # 3M entities
    python benchmarks/ownership_scale.py --entities 100000

Prints progress, then one JSON line last:
``{"entities":…, "links":…, "load_s":…, "load_cpu_s":…, "controller_s":…, "lookthrough_s":…,
"peak_rss_mb":…}`` (``load_cpu_s``: the load's CPU time over all threads, a figure other work on
the machine changes less).
Generation runs in a child process, so ``peak_rss_mb`` is the peak of loading and resolving.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(n: int, folder: Path, seed: int = 7) -> None:
    """Write ``entities.parquet`` (lei, entity_no, country_code, is_state) and ``links.parquet``
    (child_lei, parent_lei, child_no, parent_no, share_fraction) of a GLEIF-shaped graph;
    ``entity_no`` is the integer key the integrate stage writes (0.. in id order), and the links
    are in the order of the table the integrate stage writes (by subject id, then owner id)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_links = int(round(n * 7 / 30))
    n_loops = max(4, min(320, n // 10_000))
    loop_len = rng.integers(2, 5, n_loops)
    n_loop_nodes = int(loop_len.sum())
    n_major = int(n_links * 0.75)
    # depths: a child of depth d has a parent of depth d-1 (geometric, up to 12)
    depth = np.zeros(n, dtype=np.int64)
    pool = np.arange(n_loop_nodes, n)  # the first nodes form the loops
    children = rng.choice(pool, size=n_major, replace=False)
    depth[children] = np.minimum(rng.geometric(0.45, size=n_major), 12)
    by_depth = [pool[depth[pool] == d] for d in range(13)]
    src, dst, w = [], [], []
    for d in range(1, 13):
        kids = children[depth[children] == d]
        if not len(kids) or not len(by_depth[d - 1]):
            continue
        par = rng.choice(by_depth[d - 1], size=len(kids))
        share = np.where(rng.random(len(kids)) < 0.6, 1.0, rng.uniform(0.5001, 1.0, len(kids)).round(4))
        src.append(par), dst.append(kids), w.append(share)
    major_src, major_dst, major_w = map(np.concatenate, (src, dst, w))
    # the loops: k nodes each holding 100% (or nearly) of the next; the last closes the loop
    # with 90-99.9%, an outside holder has the rest; each loop owns a chain below it
    ls, ld, lw = [], [], []
    start = 0
    roots = by_depth[0]
    for k in loop_len:
        nodes = np.arange(start, start + k)
        start += k
        for i in range(k - 1):
            ls.append(nodes[i]), ld.append(nodes[i + 1]), lw.append(1.0 if rng.random() < 0.7 else 0.97)
        closing = float(rng.choice([0.96, 0.99, 0.999, 0.9]))
        ls.append(nodes[-1]), ld.append(nodes[0]), lw.append(closing)
        ls.append(int(rng.choice(roots))), ld.append(nodes[0]), lw.append(round(1 - closing, 6))
        ls.append(nodes[-1]), ld.append(int(rng.choice(by_depth[1] if len(by_depth[1]) else roots))), lw.append(0.2)
    # partial owners: more holders of already-owned subjects, from shallower depths
    n_partial = n_links - len(major_src) - len(ls)
    subj = rng.choice(major_dst[major_w < 1], size=n_partial)
    own = np.empty(n_partial, dtype=np.int64)
    for d in range(1, 13):
        m = depth[subj] == d
        cand = np.concatenate(by_depth[:d])
        own[m] = rng.choice(cand, size=int(m.sum()))
    ps = rng.uniform(0.01, 0.3, n_partial).round(4)
    src = np.concatenate([major_src, np.array(ls), own])
    dst = np.concatenate([major_dst, np.array(ld), subj])
    w = np.concatenate([major_w, np.array(lw), ps])
    # no duplicate owner-subject pairs, no self links
    key = src * n + dst
    _, first = np.unique(key, return_index=True)
    first = np.sort(first[src[first] != dst[first]])
    src, dst, w = src[first], dst[first], w[first]
    # every subject's owners sum to at most 1: scale the partial stakes where they overflow
    tot = np.bincount(dst, weights=w, minlength=n)
    is_partial = np.arange(len(src)) >= len(major_src) + len(ls)
    fixed = np.bincount(dst, weights=np.where(is_partial, 0.0, w), minlength=n)
    part = tot - fixed
    room = np.clip(1.0 - fixed, 0, None)
    scale = np.where(part > room, room / np.maximum(part, 1e-12), 1.0)
    w = np.where(is_partial, (w * scale[dst]).round(6), w)
    keep = w > 0
    src, dst, w = src[keep], dst[keep], w[keep]
    # LEI-shaped ids with valid ISO 7064 check digits: "5493" + 14 digits + 2 check digits
    rank = rng.permutation(n).astype(np.int64)  # the ids' order: entity_no
    base = np.int64(549300000000000000) + rank * 7
    check = 98 - ((base % 97) * 100) % 97
    leis = np.array([f"{b:018d}{c:02d}" for b, c in zip(base.tolist(), check.tolist())], dtype=object)
    codes = np.array([f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(250)], dtype=object)
    zipf = rng.zipf(1.6, n) - 1
    country = codes[np.minimum(zipf, 249)]
    is_state = np.zeros(n, dtype=bool)
    is_state[rng.choice(roots, size=min(250, len(roots)), replace=False)] = True
    pq.write_table(pa.table({"lei": leis, "entity_no": rank, "country_code": country, "is_state": is_state}),
                   folder / "entities.parquet")
    # in the order of core_ownership__links (by subject id, then owner id)
    by_id = np.lexsort((rank[src], rank[dst]))
    src, dst, w = src[by_id], dst[by_id], w[by_id]
    pq.write_table(pa.table({"child_lei": leis[dst], "parent_lei": leis[src], "child_no": rank[dst],
                             "parent_no": rank[src], "share_fraction": w}), folder / "links.parquet")


def load(folder: Path):
    """The package's one loader (:func:`infrarisk.ownership.load.load_network`) on the
    files, exposed as the core tables it reads (views: DuckDB reads the Parquet files
    within the timed load)."""
    import duckdb

    from infrarisk.ownership import load as loader

    con = duckdb.connect()
    ent, links = folder / "entities.parquet", folder / "links.parquet"
    con.execute(f"""CREATE VIEW core_ownership__entities AS
        SELECT lei AS entity_id, entity_no, CASE WHEN is_state THEN 'state' ELSE 'company' END AS entity_type,
               country_code AS jurisdiction_code, country_code AS hq_country_code, 'gleif' AS source_id
        FROM read_parquet('{ent}')""")
    con.execute(f"""CREATE VIEW core_ownership__links AS
        SELECT file_row_number AS link_id, parent_lei AS owner_entity_id, child_lei AS subject_id,
               parent_no AS owner_no, child_no AS subject_no,
               'entity' AS subject_kind, share_fraction AS share_min, share_fraction AS share_max,
               share_fraction > 0.5 AS is_control,
               CASE WHEN share_fraction > 0.5 THEN 'majority' END AS control_basis,
               NULL::VARCHAR AS relationship, false AS is_control_stated, 'shareholding' AS interest_type,
               true AS is_current, true AS is_share_stated, 'gleif' AS source_id
        FROM read_parquet('{links}', file_row_number = true)""")
    con.execute("CREATE TABLE core_assets__assets (asset_id VARCHAR, name VARCHAR, country_code VARCHAR)")
    return loader.load_network(con).net


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entities", type=int, default=3_000_000)
    ap.add_argument("--generate-only", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_only:
        generate(args.entities, Path(args.generate_only))
        return {}
    from infrarisk.ownership import network, shares

    with tempfile.TemporaryDirectory(prefix="infrarisk-bench-") as tmp:
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--entities", str(args.entities), "--generate-only", tmp],
                       check=True)
        print(f"generated {args.entities:,} entities in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        t, c = time.perf_counter(), time.process_time()
        net = load(Path(tmp))
        load_s, load_cpu_s = time.perf_counter() - t, time.process_time() - c
    print(f"load {load_s:.2f} s: {net.n:,} nodes, {len(net.src):,} links", file=sys.stderr)

    t = time.perf_counter()
    ctl, _ = network.controllers(net)
    top, depth = network.ultimate(ctl)
    country, basis = network.countries(net, ctl, top)
    controller_s = time.perf_counter() - t
    print(f"controllers {controller_s:.2f} s: max chain {int(depth.max())}, "
          f"{int((top < 0).sum()):,} in or under control loops, {int((country >= 0).sum()):,} with a country",
          file=sys.stderr)

    t = time.perf_counter()
    G, unknown = shares.lookthrough_by_country(net, country)
    lookthrough_s = time.perf_counter() - t
    loops = net.cond.loops()
    print(f"look-through {lookthrough_s:.2f} s: {G.nnz:,} non-zero (entity, country) shares, "
          f"{len(loops)} loops (largest {max((len(x) for x in loops), default=0)}), "
          f"largest unknown remainder {float(unknown.max()):.3f}", file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"entities": net.n, "links": int(len(net.src)), "load_s": round(load_s, 3),
           "load_cpu_s": round(load_cpu_s, 3),
           "controller_s": round(controller_s, 3), "lookthrough_s": round(lookthrough_s, 3),
           "peak_rss_mb": round(peak, 1)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
