"""The command group, its context and error handling, shared by the command modules.

Contract: :data:`main` is the ``infrarisk`` click group; :class:`Ctx` carries the global
options (quiet, verbose, config file) to every command; :func:`_run` turns project errors
into a clear message and their exit code (see :mod:`infrarisk.cli`).
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import InfrariskError
from ..settings import Settings


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


#: set by a command that finished with every file it wrote closed and in place (``build``): the
#: process of :func:`run` then ends without tearing the interpreter down
_DONE = {"closed": False}


def all_closed() -> None:
    """Say that the command succeeded and left nothing open (no database connection, no file)."""
    _DONE["closed"] = True


def run() -> None:
    """The ``infrarisk`` program: :data:`main`, then the exit code.

    After a command that called :func:`all_closed` and exits with 0, the process ends at once
    (``os._exit`` once standard output and error are flushed): freeing the modules and the
    build's objects one by one would add about half a second to a build and change nothing on
    disk. Any other outcome, or a run under a tracer or profiler (which write their results at
    exit), exits the usual way.
    """
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code
    # a tracer or profiler (coverage, pyinstrument) writes its results at exit: leave it its exit
    watched = sys.gettrace() is not None or sys.getprofile() is not None
    if _DONE["closed"] and code in (0, None) and not watched:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    raise SystemExit(code)
