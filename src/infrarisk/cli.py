"""The command line: one group, a verb per stage.

Exit codes: 0 success; 1 unexpected error; 2 configuration error; 3 data error (bad input,
manifest mismatch, a download that fails its schema check); 4 a data check failed; 5 another
run holds the lock; 6 a download failed (network, HTTP status, size limit, checksum).
Nothing is published unless the exit code is 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import InfrariskError
from .settings import Settings


class Ctx:
    def __init__(self, quiet: bool, verbose: bool, config: str | None):
        self.quiet, self.verbose, self.config = quiet, verbose, config

    def settings(self, **overrides) -> Settings:
        return Settings.load(config_file=self.config, **overrides)

    def say(self, msg: str) -> None:
        if not self.quiet:
            click.echo(msg, err=True)


def _run(fn):
    """Turn project errors into a clear message and their exit code."""
    try:
        return fn()
    except InfrariskError as e:
        click.echo(f"infrarisk: error: {e}", err=True)
        problems = getattr(e, "problems", None) or []
        for p in problems[:20]:
            click.echo(f"  {p}", err=True)
        sys.exit(e.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="infrarisk")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every problem found in the input.")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="Settings TOML file (default ./infrarisk.toml or $INFRARISK_CONFIG).")
@click.pass_context
def main(ctx, quiet, verbose, config):
    """Map who ultimately controls Europe's critical infrastructure.

    \b
    Examples:
      infrarisk build                      # build site/ and data/infrarisk.duckdb from datasets/
      infrarisk build --profile default --out public/
      infrarisk datasets verify            # check every dataset file against its manifest
      infrarisk datasets import --from ../shared/data
      infrarisk fetch wpi naturalearth     # refresh raw snapshots from their publishers
      infrarisk update                     # fetch, build, check and publish (for cron)
      infrarisk match-report               # how owner names were matched to entities
      infrarisk review                     # the facts that need re-checking, most consequential first
    """
    ctx.obj = Ctx(quiet, verbose, config)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Site folder to publish into (default ./site).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file to write (default ./data/infrarisk.duckdb).")
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
              help="Registry DuckDB file to attach read-only if present (default registry.duckdb beside --db).")
@click.option("--profile", default=None, help="Risk profile name or TOML path (default: default).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Show holdings as they stood on a past date (from the dated facts).")
@click.option("--no-site", is_flag=True, help="Build the database only.")
@click.pass_obj
def build(obj: Ctx, out_dir, db_path, registry_path, profile, as_of, no_site):
    """Build the database and the static site from the shipped datasets (offline).

    The site is built in a temporary folder and swapped in only when every stage and
    every error-level data check passed; on failure the previous site stays.

    \b
    Example:
      infrarisk build --out site/ --db data/infrarisk.duckdb --profile default
      infrarisk build --as-of 2020-01-01 --out site-2020/ --db data/2020.duckdb
    """
    from .pipeline import build as run_build

    def go():
        from .runs import RunLock, new_run_id
        s = obj.settings(site_dir=out_dir, db_path=db_path, registry_db_path=registry_path, profile=profile,
                         as_of=as_of)
        with RunLock(s.lock_path, "build-" + new_run_id()):  # never alongside an update of the same site
            report = run_build(s, progress=obj.say, with_site=not no_site)
        for line in report.summary_lines():
            obj.say(line)
        if obj.verbose:
            for p in report.log.problems:
                obj.say(f"  {p}")
        obj.say(f"built in {report.seconds:.1f} s: database {report.db_path}"
                + (f", site {report.site_dir} ({report.site_bytes / 1e6:.1f} MB)" if report.site_dir else ""))
    _run(go)


@main.command()
@click.option("--dir", "site_dir", type=click.Path(file_okay=False), default=None,
              help="Site folder to serve (default: the configured site folder, ./site).")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.pass_obj
def serve(obj: Ctx, site_dir, port, bind):
    """Preview the built site in a browser, served from a local web server.

    The site also opens from file:// (its data are scripts beside the page); the server
    shows it as it will be published. Nothing is fetched; Ctrl-C stops it.

    \b
    Example:
      infrarisk build && infrarisk serve --port 8000   # then open http://127.0.0.1:8000/
      infrarisk serve --dir public/ --port 0
    """
    from .site.serve import serve as run_serve

    def go():
        s = obj.settings(site_dir=site_dir)
        try:
            run_serve(Path(s.site_dir), port=port, bind=bind, verbose=obj.verbose, say=obj.say)
        except (FileNotFoundError, OSError) as e:
            click.echo(f"infrarisk: error: {e}", err=True)
            sys.exit(2)
    _run(go)


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
    from .sources import verify_all

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
    from .sources import rehash

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
    from .sources import derive_all

    def go():
        s = obj.settings(datasets_dir=datasets_dir, shared_data_dir=shared)
        for m in derive_all(s.shared_data_dir, Path(s.datasets_dir), list(sources) or None):
            obj.say(f"wrote datasets/{m.id}: {len(m.files)} file(s)")
    _run(go)


@main.command("fetch")
@click.option("--all", "all_sources", is_flag=True, help="Every remote of every manifest (the golden copy is large).")
@click.option("--list", "list_only", is_flag=True, help="List the sources, their URLs (after overrides) and stop.")
@click.argument("sources", nargs=-1)
@click.pass_obj
def fetch_cmd(obj: Ctx, all_sources, list_only, sources):
    """Refresh raw snapshots from their publishers into the snapshots folder.

    Without SOURCE, fetches what `update` fetches (setting update_sources; default: every
    remote whose manifest [refresh] says update = true). Each source's new snapshot replaces the previous one only
    when every file arrived whole and passed its check; each file gets a .provenance
    sidecar. URLs can be overridden in [urls] of the TOML file or INFRARISK_URL_<KEY>.

    \b
    Examples:
      infrarisk fetch --list
      infrarisk fetch wpi naturalearth
      infrarisk fetch gleif-api            # the map's LEIs and their parents (<= 60 requests/min)
      INFRARISK_URL_WPI=https://mirror.example/UpdatedPub150.csv infrarisk fetch wpi
    """
    from .publish import fetch_only
    from .sources import _fetch

    def go():
        s = obj.settings()
        _fetch.check_settings(s)
        known = _fetch.remotes(s.datasets_dir)
        if list_only:
            for src in known:
                use = (f"derives: {src.dataset}" if src.dataset else f"ingests: {src.ingest}" if src.ingest
                       else "kept only") + ("" if src.update else " (not by default)")
                click.echo(f"{src.id:24} -> {s.snapshots_dir}/{src.folder}  {use}")
                for f in src.files:
                    click.echo(f"    [urls] {f.url_key:22} {_fetch.url_for(s, f.url_key, f.default_url)}")
                for k, u in src.extra_urls.items():
                    click.echo(f"    [urls] {k:22} {_fetch.url_for(s, k, u)}")
                if src.note:
                    click.echo(f"    {src.note}")
            return
        ids = [x.id for x in known] if all_sources else (list(sources) or _fetch.default_update_sources(s))
        results, failures = fetch_only(s, ids, obj.say)
        for r in results:
            outcomes = ", ".join(f"{n} {k}" for k, n in sorted(r.counts().items()))
            obj.say(f"ok    {r.source:24} {len(r.files)} file(s) in {r.seconds:.1f} s ({outcomes})")
        for sid, e in failures:
            obj.say(f"FAIL  {sid:24} {e}")
        if failures:
            raise failures[0][1]
    _run(go)


@main.command("update")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Site folder to publish into (default ./site).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file to publish (default ./data/infrarisk.duckdb); builds, snapshots, "
                   "run reports and the history live beside it.")
@click.option("--dry-run", is_flag=True, help="Do everything but publish.")
@click.option("--no-fetch", is_flag=True, help="Use the snapshots already fetched.")
@click.option("--source", "sources", multiple=True, help="Fetch only this source (repeatable).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the JSON run report here.")
@click.pass_obj
def update_cmd(obj: Ctx, out_dir, db_path, dry_run, no_fetch, sources, report_path):
    """Fetch, re-derive the datasets, build, check and publish: the one command for cron.

    The build happens in a fresh folder; the published site, database and history change
    only when every stage and every error-level data check passed (one directory exchange,
    two renames). A second run while one is going exits with code 5. Every run writes a
    JSON report (runs/<run id>.json and runs/latest.json beside the database) naming the
    stage that failed and why. See docs/operations.md.

    \b
    Examples:
      infrarisk update
      infrarisk update --out /var/www/infrarisk --dry-run
      infrarisk update --no-fetch          # rebuild from the snapshots already fetched
    """
    from .publish import update

    def go():
        s = obj.settings(site_dir=out_dir, db_path=db_path)
        try:
            rep = update(s, dry_run=dry_run, fetch=not no_fetch, sources=list(sources) or None, progress=obj.say,
                         report_path=Path(report_path) if report_path else None)
        except InfrariskError as e:
            obj.say(f"run report: {Path(s.runs_dir) / 'latest.json'}")
            raise e
        ch = rep.changes
        obj.say(f"{rep.status}: {ch.get('total', 0)} change(s) since the previous published build "
                f"(data of {ch.get('data_date')}); report {rep.path}")
    _run(go)


@main.command("match-report")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON (every name, every place).")
@click.option("--datasets-dir", type=click.Path(file_okay=False), default=None)
@click.pass_obj
def match_report(obj: Ctx, as_json, datasets_dir):
    """Report how every owner name of the cable and gas sources was matched, and the coverage.

    Reads the datasets as they are on disk (no build needed: loads, integrates and resolves in
    memory), so an edit of datasets/matching/aliases.csv or datasets/owners/owner_names.csv (then
    `infrarisk datasets rehash matching|owners`) shows at once. Counts by method (id / alias /
    rule / registry / fuzzy / register / gem_hq, with the fuzzy threshold), then every matched,
    ambiguous and unmatched name with the files and rows where it occurs (matched + unmatched =
    total), then the owner mentions (gas, cable, curated telecom) with a known controlling
    country — over every mention, placeholders counted as unresolved, and over the mentions
    naming a holder — by dataset, method and source, and the largest names left unresolved.

    \b
    Examples:
      infrarisk match-report
      infrarisk match-report --json > matches.json
      INFRARISK_MATCH_FUZZY_THRESHOLD=95 infrarisk match-report
    """
    import json

    from .integrate import match_report as run_report
    from .integrate.coverage import report_lines as coverage_lines

    def go():
        s = obj.settings(datasets_dir=datasets_dir)
        result, _, cov = run_report(s)
        if as_json:
            click.echo(json.dumps({**result.to_json(), "coverage": cov}, ensure_ascii=False, indent=1,
                                  sort_keys=True, default=str))
        else:
            for line in result.report_lines():
                click.echo(line)
            for line in coverage_lines(cov):
                click.echo(line)
    _run(go)


@main.command("vendor-report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None, help="Database file (default: the built one).")
@click.pass_obj
def vendor_report(obj: Ctx, as_json, db_path):
    """Coverage of the vendor ("built by") dimension, computed from the tables of a build.

    Operators with a sourced radio-network row or a sourced not-disclosed row, terminals with a
    crane row, cables with a supplier row, assets per band, and the published country figures
    beside those computed from the operator rows.

    \b
    Examples:
      infrarisk vendor-report
      infrarisk vendor-report --json --db build/infrarisk.duckdb
    """
    import json

    import duckdb

    from . import vendors

    def go():
        path = db_path or obj.settings().db_path
        con = duckdb.connect(str(path), read_only=True)
        try:
            rep = vendors.report(con)
        finally:
            con.close()
        if as_json:
            click.echo(json.dumps(rep, ensure_ascii=False, indent=1, sort_keys=True, default=str))
        else:
            for line in vendors.report_lines(rep):
                click.echo(line)
    _run(go)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="DuckDB file of a finished build (default ./data/infrarisk.duckdb).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Count ages to this date (default today).")
@click.pass_obj
def review(obj: Ctx, as_json, db_path, as_of):
    """List the facts that need re-checking, those a band or an INGE2 count rests on first.

    Reads a finished build: every curated stake and link and every parent link of the owner
    register that holds or may come to hold (current, unverified, pending, awarded) whose newest
    evidence is older than fact_max_age_years (default 3), that is pending or awarded for more
    than pending_max_age_months (default 6), unverified, or undated; with file, row, source and
    evidence date, ranked by how much it could change a band (see infrarisk.review).

    \b
    Examples:
      infrarisk review
      infrarisk review --json > review.json
      INFRARISK_FACT_MAX_AGE_YEARS=5 infrarisk review --db data/infrarisk.duckdb
    """
    import json

    from . import db
    from . import review as rv
    from .profiles import load_profile

    def go():
        s = obj.settings(db_path=db_path, as_of=as_of)
        import duckdb

        from .errors import DataError
        con = db.connect(s.db_path, read_only=True)
        try:
            res = rv.review(con, s, load_profile(s.profile))
        except (duckdb.BinderException, duckdb.CatalogException) as e:
            raise DataError(f"{s.db_path} lacks what review reads (it was built by an older version of "
                            f"infrarisk, or not at all): run `infrarisk build` first ({str(e).splitlines()[0]})") from None
        finally:
            con.close()
        click.echo(json.dumps(res, ensure_ascii=False, indent=1) if as_json else rv.text_report(res))
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
    from . import db
    from .pipeline import build as run_build
    from .sources import registry

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
    from . import db
    from . import export as ex

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


if __name__ == "__main__":  # pragma: no cover
    main()
