"""The change pages: ``changes.html``, ``data/changes.csv`` and the Atom feed ``changes.atom``.

Contract: :func:`write_changes` reads the state of the finished build (its database) and the
history store (``settings.history_path``; read only, absent means no history) and writes
the three files into the site folder being built. The current build is compared with the
most recent recorded state that differs from it; earlier recorded changes follow, up to
``settings.feed_builds`` changes of data in all. Output is deterministic: dates are data
dates (:mod:`infrarisk.history`), entry ids are UUIDs derived from the two states and the
change, text is escaped (Jinja autoescape for the page, ElementTree for the feed, control
characters dropped so the feed stays well-formed XML).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb

from .. import history
from ..collector import paused
from ..settings import Settings
from .render import render

ATOM = "http://www.w3.org/2005/Atom"
#: namespace of the feed's entry ids (uuid5 of the transition and the change)
ID_NAMESPACE = uuid.UUID("6f1c1f5e-58a6-4c55-9a0e-1d3c8f0e2a11")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CSV_COLUMNS = ["state", "previous_state", "data_date", *history.CHANGE_COLUMNS]
KIND_LABELS = {"added": "Stake added", "removed": "Stake removed", "changed": "Stake changed",
               "band": "Band changed", "controller": "Controller changed",
               "registration": "LEI registration changed"}


@paused()  # thousands of rows and pairs at once, no reference cycles among them: no collection meanwhile
def compute(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[history.State, history.State | None,
                                                                          list[history.Transition]]:
    """(current state, previous state, transitions newest first: the current one, then recorded ones)."""
    cur = history.state_of(con, settings.registry_db_path)
    store = history.History(settings.history_path)
    prev = store.previous_state(cur.digest)
    current = history.Transition(cur.digest, prev.digest if prev else None, cur.data_date, history.diff(prev, cur))
    earlier = store.transitions(cur.digest, max(settings.feed_builds - 1, 0))
    return cur, prev, [current, *earlier]


def headline(c: history.Change) -> str:
    """One-line text of a change (plain text; escaped where it is written)."""
    if c.change_kind == "band":
        return f"{c.subject_name}: band {c.band_before} → {c.band_after}"
    if c.change_kind == "controller":
        return f"{c.subject_name}: ultimate controller {c.share_before} → {c.share_after}"
    if c.change_kind == "registration":
        return f"{c.subject_name} ({c.status_after}): GLEIF registration {c.share_before} → {c.share_after}"
    holder = f"{c.owner_name} in {c.subject_name}"
    if c.change_kind == "added":
        return f"{holder}: new stake, {c.share_after} ({c.status_after})"
    if c.change_kind == "removed":
        return f"{holder}: stake no longer recorded (was {c.share_before}, {c.status_before})"
    return f"{holder}: {c.share_before} ({c.status_before}) → {c.share_after} ({c.status_after})"


def entry_id(t: history.Transition, c: history.Change) -> str:
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, f"{t.from_digest or ''}>{t.to_digest}:{c.key()}"))


def _clean(text) -> str:
    return _XML_BAD.sub("", "" if text is None else str(text))


def atom_feed(transitions: list[history.Transition], settings: Settings, data_date: str) -> bytes:
    """The Atom feed (RFC 4287): one entry per change, newest changes of data first."""
    ET.register_namespace("", ATOM)
    base = settings.site_url

    def el(parent, tag, text=None, **attrs):
        e = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
        if text is not None:
            e.text = _clean(text)
        return e

    dates = [t.data_date for t in transitions if t.changes] or [data_date]
    feed = ET.Element(f"{{{ATOM}}}feed")
    el(feed, "id", "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, f"feed:{base or 'infrarisk'}")))
    el(feed, "title", "infrarisk: changes in who holds Europe's critical infrastructure")
    el(feed, "updated", f"{max(dates)}T00:00:00Z")
    author = el(feed, "author")
    el(author, "name", "infrarisk")
    el(feed, "link", rel="alternate", type="text/html", href=f"{base}/changes.html" if base else "changes.html")
    if base:
        el(feed, "link", rel="self", type="application/atom+xml", href=f"{base}/changes.atom")
    el(feed, "subtitle", "Stakes added, removed or changed, and assets whose exposure band changed, between "
                         "published builds. Dates are the dates of the data, not of the build.")
    for t in transitions:
        for c in t.changes:
            entry = el(feed, "entry")
            el(entry, "id", entry_id(t, c))
            el(entry, "title", f"{KIND_LABELS[c.change_kind]}: {headline(c)}", type="text")
            el(entry, "updated", f"{t.data_date}T00:00:00Z")
            anchor = "#state-" + t.to_digest[:12]
            el(entry, "link", rel="alternate", type="text/html",
               href=(f"{base}/changes.html" if base else "changes.html") + anchor)
            parts = [headline(c)]
            if c.valid_from_after or c.valid_from_before:
                parts.append(f"dated {c.valid_from_after or c.valid_from_before}")
            if c.valid_to_after:
                parts.append(f"ended {c.valid_to_after}")
            if c.source_url:
                parts.append(f"source: {c.source_url}")
            parts.append(f"data of {t.data_date}")
            el(entry, "summary", "; ".join(parts) + ".", type="text")
    ET.indent(feed, space=" ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def changes_csv(transitions: list[history.Transition]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for t in transitions:
        for c in t.changes:
            w.writerow({"state": t.to_digest[:16], "previous_state": (t.from_digest or "")[:16],
                        "data_date": t.data_date, **{k: ("" if v is None else v) for k, v in c.as_row().items()}})
    return buf.getvalue()


def write_changes(con: duckdb.DuckDBPyConnection, settings: Settings, out_dir: Path, computed=None,
                  **common) -> None:
    """Write ``changes.html``, ``data/changes.csv`` and ``changes.atom`` into ``out_dir``.

    ``computed``: what :func:`compute` returned for this build, if the caller has it.
    """
    out_dir = Path(out_dir)
    if settings.as_of:
        transitions, cur, prev = [], None, None
    else:
        cur, prev, transitions = computed or compute(con, settings)
    page = render("changes.html", page="changes", title="Changes", transitions=transitions,
                  previous=prev, current=cur, kind_labels=KIND_LABELS, headline=headline, **common)
    (out_dir / "changes.html").write_bytes(page.encode("utf-8"))
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    (out_dir / "data" / "changes.csv").write_bytes(changes_csv(transitions).encode("utf-8"))
    date = cur.data_date if cur is not None else (settings.as_of or "1970-01-01")
    (out_dir / "changes.atom").write_bytes(atom_feed(transitions, settings, date))
