"""The pages' repeated parts written as strings (the owner pages' pieces put together as the pages do,
the foreign-stakes rows) equal, byte for byte, the Jinja loops they replace (the site's environment:
autoescaping, trim_blocks, lstrip_blocks), on hostile and empty values."""

from __future__ import annotations

from markupsafe import Markup

from infrarisk.site import fragments
from infrarisk.site.render import environment

# the loops of owner.html before its repeated parts were written by fragments
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

WHO = """{% macro who(name, url) %}{% if url %}<a href="{{ url }}">{{ name }}</a>{% else %}{{ name }}{% endif %}\
{% endmacro %}
"""
CHAIN = WHO + """<ol class="chain-steps">
<li>x</li>
{% for a in above %}<li>controlled by {{ who(a['name'], a['url']) }}{% if a['step'] %} — {{ a['step']['share'] }}\
{% if a['step']['control_basis'] %}, {{ a['step']['control_basis'] }}{% endif %} {{ a['step']['refs_html'] }}{% endif %}</li>
{% endfor %}
</ol>"""
BELOW = WHO + """<ul>
{% for s in below %}<li>{{ who(s['subject'], s['subject_url']) }}: {{ s['share'] }}{% if s['is_control'] %} (controls\
{% if s['control_basis'] %}: {{ s['control_basis'] }}{% endif %}){% endif %} {{ s['refs_html'] }}</li>
{% endfor %}
</ul>"""

HOSTILE = ["<img src=x onerror=alert(1)>", "Tom & Jerry's \"quoted\"", "", None, "Zürich → Ω", "a&amp;b"]


def _jinja(src: str, **ctx) -> str:
    return environment().from_string(src).render(**ctx)


def _step(i: int, name) -> dict:
    return {"subject": name, "subject_url": None if i % 2 else f"x{i}'\".html", "share": name,
            "is_control": i % 3 == 0, "refs_html": Markup(fragments.refs(range(1, i % 3 + 1)))}


def _rows() -> list[dict]:
    out = []
    for i, v in enumerate(HOSTILE * 2):
        out.append({"asset_id": f"a:{v}", "share_min": i / 7, "share_max": 1.0 if i % 2 else 0.0, "map_url": v,
                    "name": v, "type_label": v, "country_code": v, "share": v, "controls": bool(i % 2),
                    "band": v, "path": [_step(j, w) for j, w in enumerate(HOSTILE[:i % 4])]})
    return out


def _holding_row(r: dict) -> str:
    """A holdings row put together from its pieces, as the owner pages do."""
    opening, cells, band = fragments.holding_asset(r["asset_id"], r["map_url"], r["name"], r["type_label"],
                                                   r["country_code"], r["band"])
    attrs, share = fragments.holding_share(r["share_min"], r["share_max"], r["share"])
    path = " → ".join(f'{fragments.step_head(s["subject"], s["subject_url"], s["share"], s["is_control"])} '
                      f'{s["refs_html"]}' for s in r["path"])
    return (f'{opening}{attrs}{cells}{share}{"<td>yes</td>" if r["controls"] else "<td>no</td>"}\n{band}{path}'
            "</td>\n</tr>\n")


def test_holdings_rows_equal_the_template():
    rows = _rows()
    assert any(r["path"] for r in rows) and any(not r["path"] for r in rows)
    for rs in (rows, []):
        assert "<tbody>\n" + "".join(map(_holding_row, rs)) + "</tbody>" == _jinja(ROWS, rows=rs)


def test_refs_are_links_to_the_numbered_sources():
    assert fragments.refs(()) == ""
    assert fragments.refs((3, 1)) == '<a href="#src-3">[3]</a><a href="#src-1">[1]</a>'


def test_chain_and_below_items_equal_the_template():
    steps = [{**_step(i, v), "control_basis": HOSTILE[-1 - i % 6] if i % 4 else None}
             for i, v in enumerate(HOSTILE * 2)]
    above = [{"name": v, "url": None if i % 3 else f"{v}.html", "step": None if i % 5 == 4 else steps[i]}
             for i, v in enumerate(HOSTILE * 2)]

    def chain(a: dict) -> str:
        s = a["step"]
        if s is None:
            return fragments.chain_item(a["name"], a["url"])
        return f'{fragments.chain_head(a["name"], a["url"], s["share"], s["control_basis"])} {s["refs_html"]}</li>\n'

    def below(s: dict) -> str:
        head = fragments.below_head(s["subject"], s["subject_url"], s["share"], s["is_control"], s["control_basis"])
        return f'{head} {s["refs_html"]}</li>\n'

    assert any(a["step"] is None for a in above) and any(s["control_basis"] for s in steps)
    for a in (above, []):
        assert '<ol class="chain-steps">\n<li>x</li>\n' + "".join(map(chain, a)) + "</ol>" == _jinja(CHAIN, above=a)
    for b in (steps, []):
        assert "<ul>\n" + "".join(map(below, b)) + "</ul>" == _jinja(BELOW, below=b)


def test_svg_points_equal_the_template():
    points = [{"x": 12.3 * i, "y": -4.0 + i, "colour": v or "#b2182b", "name": v, "band": v}
              for i, v in enumerate(HOSTILE)]
    for pts in (points, []):
        mine = "".join(f'<circle cx="{p["x"]:.1f}" cy="{p["y"]:.1f}'
                       f'{fragments.circle_tail(p["colour"], p["name"], p["band"])}' for p in pts)
        assert "<rect/>\n" + mine + "</svg>" == _jinja(SVG, points=[{**p, "x": round(p["x"], 1),
                                                                     "y": round(p["y"], 1)} for p in pts])


def test_total_rows_equal_the_template():
    totals = [{"label": v, "n": i, "n_controlled": 0 + (i > 2), "n_majority": i // 2} for i, v in enumerate(HOSTILE)]
    for t in (totals, []):
        mine = "".join(f'{fragments.total_head(x["label"])}{x["n"]}</td><td>{x["n_controlled"]}</td>'
                       f'<td>{x["n_majority"]}</td></tr>\n' for x in t)
        assert "<tbody>\n" + mine + "</tbody>" == _jinja(TOTALS, totals=t)


def test_source_items_equal_the_template():
    srcs = [{"n": i + 1, "url": v, "title": v, "date": None if i % 2 else f"2026-0{i + 1}-01",
             "is_http": i % 3 == 0} for i, v in enumerate(HOSTILE)]
    for s in (srcs, []):
        mine = "".join(f'<li id="src-{x["n"]}{fragments.source_tail(x["url"], x["title"], x["date"], x["is_http"])}'
                       for x in s)
        assert '<ol class="owner-sources">\n' + mine + "</ol>" == _jinja(SOURCES, page_sources=s)


def test_escape_is_the_templates():
    for v in HOSTILE + [0, 1.5, True, Markup("<b>kept</b>")]:
        assert fragments.esc(v) == _jinja("{{ v }}", v=v)
    for v in HOSTILE[:-1] + ["a&amp;b<>'\"&"]:  # the Python fallback (markupsafe without its C part)
        assert fragments._replace(str(v)) == _jinja("{{ v }}", v=str(v))


ASSETS = """<tbody>
{% for r in rows %}{# r['name'], not r.name: a dict lookup without trying an attribute first (thousands of rows) #}
<tr>
<td>{{ r['name'] }}<br><span class="meta">{{ r['asset_type_label'] }}</span></td>
<td>{{ r['port_name'] }}{% if r['unlocode'] %}<br><span class="meta">{{ r['unlocode'] }}</span>{% endif %}</td>
<td>{{ r['country_code'] }}</td>
<td>{% for c in r['countries'] %}{{ c['country_code'] }}: {{ c['share'] }}{% if c['is_controlled'] %} (controls)\
{% endif %}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{{ r['control_chain'] or 'no controller identified' }}</td>
<td><span class="band band-{{ r['band'] }}">{{ r['band'] }}</span></td>
<td>{% for h in r['holders'] %}{% if h['owner_id'] in ou %}<a href="{{ ou[h['owner_id']] }}">{{ h['owner_name'] }}</a>\
{% else %}{{ h['owner_name'] }}{% endif %} {{ h['share'] }} ({{ h['status'] }}{% if h['as_of'] %}, {{ h['as_of'] }}\
{% endif %}) <a href="{{ h['source_url'] }}" rel="noopener">source</a>{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
</tr>
{% endfor %}
</tbody>"""


def test_asset_rows_equal_the_template():
    rows = [{"name": v, "asset_type_label": v, "port_name": v, "unlocode": v, "country_code": v, "band": v,
             "control_chain": v,
             "countries": [{"country_code": w, "share": w, "is_controlled": j % 2 == 0} for j, w in enumerate(HOSTILE[:i % 3])],
             "holders": [{"owner_id": f"e{j}", "owner_name": w, "share": w, "status": w, "as_of": w,
                          "source_url": w} for j, w in enumerate(HOSTILE[:i % 4])]}
            for i, v in enumerate(HOSTILE * 2)]
    ou = {"e0": "owners/<a>&.html", "e2": "owners/b.html"}
    for rs in (rows, []):
        assert "<tbody>\n" + str(fragments.asset_rows(rs, ou)) + "</tbody>" == _jinja(ASSETS, rows=rs, ou=ou)
