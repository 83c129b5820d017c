"""The datasets, registry ingest and exports: the commands that read or write data files.

Each command is registered on :data:`infrarisk.cli._base.main` when this module is imported."""

from __future__ import annotations

from pathlib import Path

import click

from ._base import Ctx, _run, main


@main.group()
def datasets():
    """Inspect and (re)create the shipped datasets and their manifests."""

@datasets.command("verify")
@click.option("--datasets-dir", type=click.Path(file_okay=False), default=None)
@click.pass_obj
def datasets_verify(obj: Ctx, datasets_dir):
    """Check every dataset file against its manifest (sha256, size, row count, listing).

    \b
    Example:
      infrarisk datasets verify
    """
    from ..sources import verify_all

    def go():
        s = obj.settings(datasets_dir=datasets_dir)
        for m in verify_all(Path(s.datasets_dir)):
            obj.say(f"ok  {m.id:14} {len(m.files)} file(s), {sum(f.rows for f in m.files):,} rows, {m.licence}")
    _run(go)

@datasets.command("rehash")
@click.option("--datasets-dir", type=click.Path(file_okay=False), default=None)
@click.argument("source")
@click.pass_obj
def datasets_rehash(obj: Ctx, datasets_dir, source):
    """Re-record checksums after hand-editing a corrections file of SOURCE.

    \b
    Example (after adding a row to datasets/curated/corrections/control_statements.csv):
      infrarisk datasets rehash ownership
    """
    from ..sources import rehash

    def go():
        s = obj.settings(datasets_dir=datasets_dir)
        m = rehash(Path(s.datasets_dir) / source)
        obj.say(f"re-recorded datasets/{m.id}: {len(m.files)} file(s)")
    _run(go)

@datasets.command("import")
@click.option("--from", "shared", type=click.Path(file_okay=False), default=None,
              help="Folder of raw public snapshots (default ../shared/data).")
@click.option("--datasets-dir", type=click.Path(file_okay=False), default=None)
@click.argument("sources", nargs=-1)
@click.pass_obj
def datasets_import(obj: Ctx, shared, datasets_dir, sources):
    """Derive datasets/ from the raw snapshots with the project's import code.

    \b
    Examples:
      infrarisk datasets import --from ../shared/data
      infrarisk datasets import wpi unlocode
    """
    from ..sources import derive_all

    def go():
        s = obj.settings(datasets_dir=datasets_dir, shared_data_dir=shared)
        for m in derive_all(s.shared_data_dir, Path(s.datasets_dir), list(sources) or None):
            obj.say(f"wrote datasets/{m.id}: {len(m.files)} file(s)")
    _run(go)

@main.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["gleif-lei", "gleif-rr", "gleif-repex", "gleif-api",
                                                            "bods", "psc"]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file of the build to redo afterwards (default ./data/infrarisk.duckdb).")
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
              help="Registry DuckDB file to ingest into (default registry.duckdb beside --db).")
@click.option("--no-build", is_flag=True, help="Only store the registry tables; do not rebuild the resolved tables.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Rebuild with the links valid on a date.")
@click.pass_obj
def ingest(obj: Ctx, fmt, paths, db_path, registry_path, no_build, as_of):
    """Load registry files (GLEIF, BODS 0.4, UK PSC) into the registry database, then rebuild.

    The records land in raw_<source>__* and core_<source>__* tables of the registry
    database file (default data/registry.duckdb, beside the build's database), with the
    union core_registry__*. Every build attaches that file read-only and merges it into the
    common ownership model (registry entities match curated ones by LEI), so every
    asset's chains reach further. Bad values are counted per check and listed in
    core_<source>__problems. Rebuild the site afterwards with `infrarisk build`.

    \b
    Examples:
      infrarisk ingest gleif-lei 20261125-gleif-concatenated-file-lei2.csv
      infrarisk ingest gleif-rr rr.csv && infrarisk ingest gleif-repex repex.csv
      infrarisk ingest gleif-api lei-record_*.json direct-parent-relationship_*.json
      infrarisk ingest bods statements.json --registry data/registry.duckdb
      infrarisk ingest psc persons-with-significant-control-snapshot-2026-11-25.txt
    """
    from .. import db
    from ..pipeline import build as run_build
    from ..sources import registry

    def go():
        s = obj.settings(db_path=db_path, as_of=as_of, registry_db_path=registry_path)
        Path(s.registry_db_path).parent.mkdir(parents=True, exist_ok=True)
        con = db.connect(s.registry_db_path)
        con.execute(f"SET memory_limit = '{s.duckdb_memory_limit}'")
        try:
            report = registry.ingest(con, fmt, [Path(p) for p in paths])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        for line in report.lines():
            obj.say(line)
        if not no_build:
            b = run_build(s, progress=obj.say if obj.verbose else (lambda m: None), with_site=False)
            obj.say(f"rebuilt {b.db_path} in {b.seconds:.1f} s: " + ", ".join(f"{k} {v}" for k, v in b.counts.items()))
    _run(go)

@main.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["bods", "csv", "parquet", "gexf", "graphml"]))
@click.option("--out", "out", required=True, type=click.Path(),
              help="File to write (bods, gexf, graphml) or folder to write the tables into (csv, parquet).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file to read (default ./data/infrarisk.duckdb).")
@click.pass_obj
def export(obj: Ctx, fmt, out, db_path):
    """Export the resolved ownership: BODS 0.4 statements, the network as GEXF/GraphML, or the tables.

    bods writes the assets on the map, every entity on their chains, each sourced link
    and each ultimate owner's exact look-through share as BODS 0.4 statements (one JSON
    array); gexf and graphml write the ownership network (entities, assets, every recorded
    link with share range, interest type, dates, status, source and licence) for Gephi or
    NetworkX; csv and parquet write one file per resolved table.

    \b
    Examples:
      infrarisk export bods --out exports/infrarisk-bods.json
      infrarisk export csv --out exports/csv/ --db data/infrarisk.duckdb
      infrarisk export parquet --out exports/parquet/
      infrarisk export gexf --out exports/infrarisk-ownership.gexf
    """
    from .. import db
    from .. import export as ex

    def go():
        s = obj.settings(db_path=db_path)
        con = db.connect(s.db_path, read_only=True)
        try:
            if fmt == "bods":
                n = ex.write_bods(con, Path(out))
                obj.say(f"wrote {n} BODS 0.4 statements to {out}")
            elif fmt in ("gexf", "graphml"):
                net = ex.write_network(con, Path(out), fmt)
                obj.say(f"wrote {len(net.nodes)} nodes and {len(net.edges)} edges ({fmt}, licence {net.licence}) to {out}")
            else:
                files = ex.write_tables(con, Path(out), fmt)
                obj.say(f"wrote {len(files)} {fmt} file(s) to {out}")
        finally:
            con.close()
    _run(go)
