"""Build, preview, fetch and update: the commands that make and publish the site.

Each command is registered on :data:`infrarisk.cli._base.main` when this module is imported."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InfrariskError
from ._base import Ctx, _run, all_closed, main


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
    def go():
        from ..runs import RunLock, new_run_id
        from ..sources.verified import Ahead
        s = obj.settings(site_dir=out_dir, db_path=db_path, registry_db_path=registry_path, profile=profile,
                         as_of=as_of)
        with RunLock(s.lock_path, "build-" + new_run_id()):  # never alongside an update of the same site
            # the dataset folders are checked by a second process while this one imports pandas and DuckDB
            ahead = Ahead.start(s.datasets_dir, s.build_workers)
            try:
                from ..pipeline import build as run_build
            except BaseException:
                if ahead is not None:
                    ahead.close()
                raise
            report = run_build(s, progress=obj.say, with_site=not no_site, ahead=ahead)
        for line in report.summary_lines():
            obj.say(line)
        if obj.verbose:
            for p in report.log.problems:
                obj.say(f"  {p}")
        obj.say(f"built in {report.seconds:.1f} s: database {report.db_path}"
                + (f", site {report.site_dir} ({report.site_bytes / 1e6:.1f} MB)" if report.site_dir else ""))
    _run(go)
    all_closed()  # the build closed its databases and swapped its files in: nothing left to tear down

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
    from ..site.serve import serve as run_serve

    def go():
        s = obj.settings(site_dir=site_dir)
        try:
            run_serve(Path(s.site_dir), port=port, bind=bind, verbose=obj.verbose, say=obj.say)
        except (FileNotFoundError, OSError) as e:
            click.echo(f"infrarisk: error: {e}", err=True)
            sys.exit(2)
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
    from ..publish import fetch_only
    from ..sources import _fetch

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
    from ..publish import update

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
