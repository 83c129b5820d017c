"""``python -m infrarisk.cli``: the command line."""

from . import run

if __name__ == "__main__":  # pragma: no cover
    run()
