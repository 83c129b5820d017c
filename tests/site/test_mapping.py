"""The map pages' Folium elements: :class:`~infrarisk.site.mapping.Attach` puts its script into the
figure as text, the same bytes (and element ids) as branca's template of that text gave."""

from __future__ import annotations

import pytest
from branca.element import Element, MacroElement

from infrarisk.site import mapping

TEXTS = ["", "\n", "a", "a\n", "a\n\n", "\nx = {\"a\": [1, 2]};\n  ", "}} %} #} { {", "ünï \\u003c\t",
         "{{ 1 }}", "{% if x %}", "{# c #}", "a\r\nb", "a\rb"]


@pytest.mark.parametrize("text", TEXTS)
def test_text_renders_as_branca_element(text):
    if mapping._Text.renders_as_is(text):
        assert mapping._Text(text).render() == Element(text).render()
    else:  # Jinja syntax or a carriage return: Attach falls back to branca's element
        assert any(m in text for m in ("{{", "{%", "{#", "\r"))


class _Before(mapping.Attach):
    """Attach rendered as MacroElement renders it (the script compiled as a template)."""

    def render(self, **kwargs):
        return MacroElement.render(self, **kwargs)


@pytest.mark.parametrize("data", [None, {"a": [1.5, "x }} y"], "b": "{{ not jinja }}"},
                                  {"type": "FeatureCollection", "features": [{"p": "<&>'\n"}]}])
def test_attach_page_is_the_same_as_macro_element(data):
    def page(cls):
        with mapping.stable_ids("t"):
            m = mapping.site_map([50.0, 10.0], 4, js=[])
            m.add_child(cls("infrarisk.choropleth", data))
            m.add_child(cls("infrarisk.attach"))
            return m.get_root().render()
    assert page(mapping.Attach) == page(_Before)
