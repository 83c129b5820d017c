"""Reports on a build or the datasets: owner matching, vendor coverage, facts to re-check.

Each command is registered on :data:`infrarisk.cli._base.main` when this module is imported."""

from __future__ import annotations

import click

from ._base import Ctx, _run, main


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

    from ..integrate import match_report as run_report
    from ..integrate.coverage import report_lines as coverage_lines

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

    from .. import vendors

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

    from .. import db
    from .. import review as rv
    from ..profiles import load_profile

    def go():
        s = obj.settings(db_path=db_path, as_of=as_of)
        import duckdb

        from ..errors import DataError
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
