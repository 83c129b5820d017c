"""The page templates' environment (:mod:`infrarisk.site.render`): compiled templates kept on disk between
builds, the same code as compiled, and a cache that cannot be written never fails a page."""

from __future__ import annotations

import jinja2
import pytest

from infrarisk.site import render


def _env(cache, templates=None) -> jinja2.Environment:
    """The build's environment (autoescaping, filters) with ``cache``, on ``templates`` if given."""
    env = render.environment()
    env.bytecode_cache = cache
    if templates is not None:
        env.loader = jinja2.DictLoader(templates)
    return env


def _compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja2 compiles from source from now on."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return compile_(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_a_second_environment_loads_every_page_template_s_code_from_the_cache(tmp_path, monkeypatch):
    names = sorted(p.name for p in render.TEMPLATES.glob("*.html"))
    assert names
    compiled = _compiles(monkeypatch)
    first = {n: _env(render.TemplateCache(str(tmp_path))).get_template(n) for n in names}
    assert sorted(compiled) == names
    compiled.clear()
    second = {n: _env(render.TemplateCache(str(tmp_path))).get_template(n) for n in names}
    assert compiled == []  # none compiled again
    for n in names:  # the same code as compiled, for every block and the page itself
        assert second[n].root_render_func.__code__.co_code == first[n].root_render_func.__code__.co_code, n
        assert set(second[n].blocks) == set(first[n].blocks), n


def test_an_edited_template_is_compiled_again_and_escaping_is_kept(tmp_path, monkeypatch):
    compiled = _compiles(monkeypatch)
    cache = render.TemplateCache(str(tmp_path))
    page = "<p>{{ name }}</p>"
    assert _env(cache, {"p.html": page}).get_template("p.html").render(name="<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"
    assert _env(cache, {"p.html": page}).get_template("p.html").render(name="a&b") == "<p>a&amp;b</p>"
    assert compiled == ["p.html"]
    edited = _env(cache, {"p.html": "<i>{{ name }}</i>"}).get_template("p.html")
    assert edited.render(name="<b>") == "<i>&lt;b&gt;</i>" and compiled == ["p.html", "p.html"]


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    env = _env(render.TemplateCache(str(not_a_folder)), {"p.html": "{{ 1 + 1 }}"})
    assert env.get_template("p.html").render() == "2"  # compiled, not kept: no error
    assert not_a_folder.read_text() == ""


def test_a_damaged_entry_is_compiled_again(tmp_path, monkeypatch):
    cache = render.TemplateCache(str(tmp_path))
    assert _env(cache, {"p.html": "{{ 2 * 3 }}"}).get_template("p.html").render() == "6"
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(entry.read_bytes()[:20])  # truncated after Jinja2's header
    compiled = _compiles(monkeypatch)
    assert _env(cache, {"p.html": "{{ 2 * 3 }}"}).get_template("p.html").render() == "6"
    assert compiled == ["p.html"]


def test_no_cache_where_jinja_finds_no_safe_folder(monkeypatch):
    def unsafe(self):
        raise RuntimeError("Cannot determine safe temp directory")
    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "_get_default_cache_dir", unsafe)
    assert render.template_cache() is None
    assert render.environment().bytecode_cache is None


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "\"quoted\" & 'single'"])
def test_the_build_s_environment_escapes_data(value):
    out = render.environment().from_string("{{ v }}").render(v=value)
    assert "<" not in out and '"' not in out and "'" not in out
