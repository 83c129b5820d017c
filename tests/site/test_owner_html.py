"""The owner pages' repeated parts written as strings equal, byte for byte, the Jinja loops they replace
(the site's environment: autoescaping, trim_blocks, lstrip_blocks), on hostile and empty values."""

from __future__ import annotations

from markupsafe import Markup

from infrarisk.site import owner_html
from infrarisk.site.render import environment

# the loops of owner.html before its repeated parts were written by owner_html
ROWS = """<tbody>
{% for r in rows %}
<tr data-asset-id="{{ r['asset_id'] }}" data-share-min="{{ '%.9f'|format(r['share_min']) }}" \
data-share-max="{{ '%.9f'|format(r['share_max']) }}">
<td><a href="{{ r['map_url'] }}">{{ r['name'] }}</a><br><span class="meta">{{ r['type_label'] }}</span></td>
<td>{{ r['country_code'] }}</td>
<td>{{ r['share'] }}</td>
<td>{{ 'yes' if r['controls'] else 'no' }}</td>
<td><span class="band band-{{ r['band'] }}">{{ r['band'] }}</span></td>
<td>{% for s in r['path'] %}{% if not loop.first %} → {% endif %}{% if s['subject_url'] %}\
<a href="{{ s['subject_url'] }}">{{ s['subject'] }}</a>{% else %}{{ s['subject'] }}{% endif %} {{ s['share'] }}\
{% if s['is_control'] %} (controls){% endif %} {{ s['refs_html'] }}{% endfor %}</td>
</tr>
{% endfor %}
</tbody>"""
SVG = """<rect/>
{% for p in points %}<circle cx="{{ p['x'] }}" cy="{{ p['y'] }}" r="4" fill="{{ p['colour'] }}" stroke="#222" \
stroke-width="0.5"><title>{{ p['name'] }} ({{ p['band'] }})</title></circle>
{% endfor %}
</svg>"""
TOTALS = """<tbody>
{% for t in totals %}<tr><td>{{ t['label'] }}</td><td>{{ t['n'] }}</td><td>{{ t['n_controlled'] }}</td>\
<td>{{ t['n_majority'] }}</td></tr>
{% endfor %}
</tbody>"""
SOURCES = """<ol class="owner-sources">
{% for s in page_sources %}<li id="src-{{ s['n'] }}">{% if s['is_http'] %}<a href="{{ s['url'] }}" rel="noopener">\
{{ s['title'] }}</a>{% else %}{{ s['title'] }}{% endif %}{% if s['date'] %}, {{ s['date'] }}{% endif %}</li>
{% endfor %}
</ol>"""

HOSTILE = ["<img src=x onerror=alert(1)>", "Tom & Jerry's \"quoted\"", "", None, "Zürich → Ω", "a&amp;b"]


def _jinja(src: str, **ctx) -> str:
    return environment().from_string(src).render(**ctx)


def _step(i: int, name) -> dict:
    return {"subject": name, "subject_url": None if i % 2 else f"x{i}'\".html", "share": name,
            "is_control": i % 3 == 0, "refs_html": Markup("".join(f'<a href="#src-{n}">[{n}]</a>' for n in range(i % 3)))}


def _rows() -> list[dict]:
    out = []
    for i, v in enumerate(HOSTILE * 2):
        out.append({"asset_id": f"a:{v}", "share_min": i / 7, "share_max": 1.0 if i % 2 else 0.0, "map_url": v,
                    "name": v, "type_label": v, "country_code": v, "share": v, "controls": bool(i % 2),
                    "band": v, "path": [_step(j, w) for j, w in enumerate(HOSTILE[:i % 4])]})
    return out


def test_holdings_rows_equal_the_template():
    rows = _rows()
    assert "<tbody>\n" + str(owner_html.holdings_rows(rows)) + "</tbody>" == _jinja(ROWS, rows=rows)
    assert "<tbody>\n" + str(owner_html.holdings_rows([])) + "</tbody>" == _jinja(ROWS, rows=[])


def test_svg_points_equal_the_template():
    points = [{"x": 12.3 * i, "y": -4.0 + i, "colour": "#b2182b", "name": v, "band": v} for i, v in enumerate(HOSTILE)]
    for pts in (points, []):
        assert "<rect/>\n" + str(owner_html.svg_points(pts)) + "</svg>" == _jinja(SVG, points=pts)


def test_total_rows_equal_the_template():
    totals = [{"label": v, "n": i, "n_controlled": 0 + (i > 2), "n_majority": i // 2} for i, v in enumerate(HOSTILE)]
    for t in (totals, []):
        assert "<tbody>\n" + str(owner_html.total_rows(t)) + "</tbody>" == _jinja(TOTALS, totals=t)


def test_source_items_equal_the_template():
    srcs = [{"n": i + 1, "url": v, "title": v, "date": None if i % 2 else f"2026-0{i + 1}-01",
             "is_http": i % 3 == 0} for i, v in enumerate(HOSTILE)]
    for s in (srcs, []):
        assert ('<ol class="owner-sources">\n' + str(owner_html.source_items(s)) + "</ol>"
                == _jinja(SOURCES, page_sources=s))


def test_escape_is_the_templates():
    for v in HOSTILE + [0, 1.5, True, Markup("<b>kept</b>")]:
        assert owner_html.esc(v) == _jinja("{{ v }}", v=v)
