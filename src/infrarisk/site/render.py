"""Page rendering: one Jinja2 environment with HTML autoescaping on everywhere.

Every string from data reaches HTML through these templates (or :func:`esc`), so text
such as ``<img src=x onerror=alert(1)>`` in an asset or entity name shows as text and
never runs. JSON embedded in pages goes through ``tojson``, which escapes ``<``, ``>``
and ``&`` so data cannot close a ``<script>`` element.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..fmt import pct, share_text

TEMPLATES = Path(__file__).resolve().parent / "templates"

BAND_COLOURS = {
    "high": "#b2182b",
    "elevated": "#ef8a62",
    "low": "#f4d6a0",
    "unknown": "#9a9a9a",
    "none": "#4b8ec8",
}
BAND_LABELS = {
    "high": "High: controlled from a high-risk country, or a stake of at least the sizeable threshold",
    "elevated": "Elevated: a stake of at least the screening threshold, or operated under contract",
    "low": "Low: a smaller stake",
    "unknown": "Unknown: holdings not traced or no ownership data",
    "none": "None: every holding traced, none from a high-risk country",
}


def esc(value) -> Markup:
    """HTML-escape any value (None becomes an empty string)."""
    return escape("" if value is None else value)


class TemplateCache(FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates on disk (its own per-user folder under the system's temporary
    folder, made private to the user, unless ``directory`` is given), as Python keeps ``__pycache__``:
    a build after the first loads the page templates' code instead of compiling them (about 0.06
    CPU-s). Jinja2 keys each entry by the template's name and a checksum of its source, so an edited
    template is compiled again. A cache that cannot be read or written, or an entry that does not load
    (a truncated file), is skipped: the template is compiled, never an error."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):  # no folder, a damaged entry
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a full or read-only disk: compiled again next time
            pass


def template_cache() -> TemplateCache | None:
    """The :class:`TemplateCache` in Jinja2's default folder; None where Jinja2 finds no safe one."""
    try:
        return TemplateCache()
    except (OSError, RuntimeError):  # no temporary folder, or one another user owns
        return None


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build: no stat of the file per page
        bytecode_cache=template_cache(),
    )
    env.filters["pct"] = lambda x: "" if x is None else pct(float(x))
    env.filters["share"] = lambda lo, hi: share_text(float(lo), float(hi))
    env.globals["BAND_COLOURS"] = BAND_COLOURS
    env.globals["BAND_LABELS"] = BAND_LABELS
    return env


_ENV = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def render(template: str, **ctx) -> str:
    return _env().get_template(template).render(**ctx)


def warm() -> None:
    """Compile every page template now (the environment keeps them), so that rendering later does not."""
    env = _env()
    for p in sorted(TEMPLATES.glob("*.html")):
        env.get_template(p.name)
