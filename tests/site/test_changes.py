"""The Atom feed and the change page: valid Atom, stable ids, escaped text, data dates only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from infrarisk.history import Change, Transition
from infrarisk.settings import Settings
from infrarisk.site.changes import atom_feed, changes_csv, entry_id

NS = {"a": "http://www.w3.org/2005/Atom"}
HOSTILE = "Evil </title><script>alert(1)</script> & Co \x01\x0b"


def _transitions():
    c1 = Change("changed", "asset", "terminal:x", HOSTILE, "evil", "Owner <b>&amp;</b>", share_before="35%",
                share_after="24.99%", status_before="current", status_after="current", valid_from_after="2023-06-19",
                source_url="https://example.org/?a=1&b=<2>", what="share")
    c2 = Change("band", "asset", "terminal:x", "Plain", band_before="high", band_after="elevated", what="band")
    return [Transition("b" * 64, "a" * 64, "2026-02-01", [c1, c2]),
            Transition("a" * 64, None, "2026-01-01", [])]


def test_feed_is_valid_atom_with_escaped_text():
    s = Settings.load(environ={}, site_url="https://infrarisk.example.org/")
    data = atom_feed(_transitions(), s, "2026-02-01")
    feed = ET.fromstring(data)  # well-formed despite markup and control characters in the data
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated"):
        assert feed.find(f"a:{tag}", NS).text
    assert feed.find("a:author/a:name", NS).text == "infrarisk"
    assert feed.find("a:updated", NS).text == "2026-02-01T00:00:00Z"  # a data date, not the clock
    assert feed.find("a:link[@rel='self']", NS).get("href") == "https://infrarisk.example.org/changes.atom"
    entries = feed.findall("a:entry", NS)
    assert len(entries) == 2
    for e in entries:
        assert e.find("a:id", NS).text.startswith("urn:uuid:") and e.find("a:updated", NS).text
        assert e.find("a:link[@rel='alternate']", NS).get("href").startswith("https://infrarisk.example.org/changes.html#")
    title = entries[0].find("a:title", NS).text
    assert "<script>alert(1)</script> & Co" in title and "\x01" not in title  # text, not markup
    assert b"<script>" not in data and b"&lt;script&gt;" in data
    assert "https://example.org/?a=1&b=<2>" in entries[0].find("a:summary", NS).text


def test_entry_ids_are_stable_and_distinct():
    t = _transitions()
    ids = [entry_id(t[0], c) for c in t[0].changes]
    assert ids == [entry_id(x, c) for x in _transitions()[:1] for c in x.changes]
    assert len(set(ids)) == 2
    s = Settings.load(environ={})
    assert atom_feed(_transitions(), s, "2026-02-01") == atom_feed(_transitions(), s, "2026-02-01")


def test_changes_csv_lists_every_change_with_its_states():
    text = changes_csv(_transitions())
    lines = text.rstrip("\n").split("\n")
    assert lines[0].startswith("state,previous_state,data_date,change_kind")
    assert len(lines) == 3 and lines[1].startswith("bbbbbbbbbbbbbbbb,aaaaaaaaaaaaaaaa,2026-02-01,changed,asset")


def test_real_build_has_change_pages(real_build):
    s, _ = real_build
    html = (s.site_dir / "changes.html").read_text()
    assert "No earlier published build with different data is recorded" in html
    assert 'href="changes.atom"' in html and 'aria-current="page">Changes<' in html
    ET.parse(s.site_dir / "changes.atom")
    assert (s.site_dir / "data" / "changes.csv").read_text().count("\n") == 1
    assert 'href="changes.html"' in (s.site_dir / "index.html").read_text()
