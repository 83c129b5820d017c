"""History of published builds and what changed between them.

Contract: :func:`state_of` reads a finished build database into a :class:`State`: every
ownership link (stakes in assets and links between companies) with its share, status
and validity dates, and every asset's band where it is not ``unknown``. Its ``digest`` is
the sha256 of exactly what the change list compares, so two builds with the same digest
have no change to report. :func:`diff` compares two states: stakes **added**, **removed**
or **changed** (share or status) per (subject, holder) pair, assets whose **band**
changed, entities whose ultimate **controller** changed and LEIs whose GLEIF **registration**
status changed (lapsed, retired: read from the registry database the build attached, when
there is one). The holding that counts per pair is :mod:`infrarisk.history_pairs`'.

The store (:class:`History`) is one DuckDB file (``settings.history_path``, default
``data/history.duckdb``) with the tables ``out_history__runs`` (every published run: run
id, wall-clock times, inputs' sha256, counts, the state it published),
``out_history__states`` (each distinct state once, in publishing order, with its data
date), ``out_history__links``, ``out_history__bands``, ``out_history__controllers`` and
``out_history__registrations`` (the rows of each state, links with their validity dates) and
``out_history__changes`` (each state's change list against the state published before it). Analysts open it like the build database. It is written
through a temporary copy and a rename (:meth:`History.prepare` then
:meth:`History.commit`), so a failed run never leaves it half-written.

Determinism: the change list of a build is its state against the most recent *recorded
state that differs from it*, and every date shown is a data date (the newest retrieval
date of a source or date of a fact), never the clock. So the same inputs and the same
history give the same pages, byte for byte, however often the run repeats.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .errors import DataError
from .reads import frame  # df()'s frames, read through Arrow
from .history_pairs import _date, _pairs
from .history_entities import (CONTROLLER_COLUMNS, REGISTRATION_COLUMNS, change_summary, controller_changes,
                               controllers_of, registration_changes, registrations_of)  # noqa: F401 (re-exported)

LINK_COLUMNS = ["subject_kind", "subject_id", "subject_name", "owner_entity_id", "owner_name", "link_id",
                "interest_type", "share_min", "share_max", "is_share_stated", "status", "is_current",
                "as_of_date", "end_date", "source_url"]
BAND_COLUMNS = ["asset_id", "name", "asset_class", "country_code", "band"]
CHANGE_COLUMNS = ["change_kind", "subject_kind", "subject_id", "subject_name", "owner_entity_id", "owner_name",
                  "share_before", "share_after", "status_before", "status_after", "valid_from_before",
                  "valid_from_after", "valid_to_after", "band_before", "band_after", "source_url", "what"]
KIND_ORDER = {"added": 0, "changed": 1, "removed": 2, "band": 3, "controller": 4, "registration": 5}


@dataclass
class State:
    """What a build says about holdings and bands (see module docstring)."""

    links: pd.DataFrame
    bands: pd.DataFrame
    data_date: str
    digest: str = ""
    counts: dict = field(default_factory=dict)
    #: entity -> ultimate controller (where not itself); None: not recorded (an older history)
    controllers: pd.DataFrame | None = None
    #: entity -> GLEIF registration status of its LEI; None: not recorded
    registrations: pd.DataFrame | None = None

    #: :func:`_pairs` of ``links``, made once (the digest and the change list both read it; not pickled)
    _pair_cache: dict | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.digest:
            self.digest = state_digest(self)

    def pairs(self) -> dict:
        """Per (subject kind, subject, holder) the holding that counts (:func:`_pairs` of ``links``)."""
        if self._pair_cache is None:
            self._pair_cache = _pairs(self.links)
        return self._pair_cache

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_pair_cache": None}


@dataclass
class Change:
    """One line of the change list."""

    change_kind: str  # added | removed | changed | band
    subject_kind: str  # asset | entity
    subject_id: str
    subject_name: str
    owner_entity_id: str | None = None
    owner_name: str | None = None
    share_before: str | None = None
    share_after: str | None = None
    status_before: str | None = None
    status_after: str | None = None
    valid_from_before: str | None = None
    valid_from_after: str | None = None
    valid_to_after: str | None = None
    band_before: str | None = None
    band_after: str | None = None
    source_url: str | None = None
    what: str = ""

    def key(self) -> str:
        """Identity of the change within its transition (stable across rebuilds)."""
        return "|".join([self.change_kind, self.subject_kind, self.subject_id, self.owner_entity_id or "",
                         self.share_before or "", self.share_after or "", self.status_before or "",
                         self.status_after or "", self.band_before or "", self.band_after or ""])

    def as_row(self) -> dict:
        return {c: getattr(self, c) for c in CHANGE_COLUMNS}


@dataclass
class Transition:
    """A published state and its change list against the state before it."""

    to_digest: str
    from_digest: str | None
    data_date: str
    changes: list[Change]


# --- state of a build ---------------------------------------------------------------------

def state_of(con: duckdb.DuckDBPyConnection, registry_path: Path | None = None) -> State:
    """Read the state of a finished build (today's view) from its database, and the GLEIF
    registration status of its LEIs from the registry database at ``registry_path`` (if any)."""
    links = frame(con, """
        SELECT l.subject_kind, l.subject_id,
               coalesce(a.name, se.entity_name, l.subject_id) AS subject_name,
               l.owner_entity_id, coalesce(e.entity_name, l.owner_entity_id) AS owner_name,
               l.link_id, l.interest_type, round(l.share_min, 6) AS share_min, round(l.share_max, 6) AS share_max,
               l.is_share_stated, l.status, l.is_current,
               strftime(l.as_of_date, '%Y-%m-%d') AS as_of_date, strftime(l.end_date, '%Y-%m-%d') AS end_date,
               l.source_url
        FROM core_ownership__links l
        LEFT JOIN core_assets__assets a ON l.subject_kind = 'asset' AND a.asset_id = l.subject_id
        LEFT JOIN core_ownership__entities se ON l.subject_kind = 'entity' AND se.entity_id = l.subject_id
        LEFT JOIN core_ownership__entities e ON e.entity_id = l.owner_entity_id
        ORDER BY l.subject_kind, l.subject_id, l.owner_entity_id, l.link_id""", plain_text=False)
    bands = frame(con, """
        SELECT asset_id, name, asset_class, country_code, band FROM out_exposure__assets
        WHERE band <> 'unknown' ORDER BY asset_id""", plain_text=False)
    newest_fact = con.execute("SELECT max(as_of_date) FROM core_ownership__links").fetchone()[0]
    retrieved = [r[0] for r in con.execute("SELECT retrieved FROM core_meta__sources").fetchall() if r[0]]
    dates = [d for d in [_date(newest_fact), *(_date(r) for r in retrieved)] if d]
    counts = {"links": len(links), "current_links": int(links["is_current"].sum()) if len(links) else 0,
              "assets_with_band": len(bands)}
    return State(links=links, bands=bands, data_date=max(dates) if dates else "1970-01-01", counts=counts,
                 controllers=controllers_of(con), registrations=registrations_of(con, registry_path))




def _columns(df: pd.DataFrame, *names: str) -> list[tuple]:
    """``[[row[name] for name in names] for row in df.to_dict("records")]``, column by column, each row
    a tuple (JSON writes it as the same array; tuples of plain values cost the garbage collector nothing)."""
    if df.empty:
        return []
    return list(zip(*(df[n].to_numpy(dtype=object).tolist() for n in names)))


def state_digest(state: State) -> str:
    """sha256 of what the change list compares (pairs and bands), names left out."""
    pairs = state.pairs()
    body = {
        "pairs": [(*k, p.share, p.status, p.valid_from, p.valid_to) for k, p in sorted(pairs.items())],
        "bands": _columns(state.bands.sort_values("asset_id"), "asset_id", "band"),
    }
    # controllers follow from the links above; registrations are added only when known, so a
    # build without registry data keeps the digest it always had
    if state.registrations is not None and len(state.registrations):
        body["registrations"] = _columns(state.registrations.sort_values("entity_id"), "entity_id", "registration")
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def diff(prev: State | None, cur: State) -> list[Change]:
    """Stakes added, removed or changed, and assets whose band changed, from ``prev`` to ``cur``.

    With no previous state there is nothing to compare: the list is empty.
    """
    if prev is None:
        return []
    a, b = prev.pairs(), cur.pairs()
    out: list[Change] = []
    for key in sorted(set(a) | set(b)):
        kind, sid, owner = key
        old, new = a.get(key), b.get(key)
        ref = new or old
        base = dict(subject_kind=kind, subject_id=sid, subject_name=ref.subject_name, owner_entity_id=owner,
                    owner_name=ref.owner_name, source_url=ref.source_url)
        if old is None:
            out.append(Change("added", **base, share_after=new.share, status_after=new.status,
                              valid_from_after=new.valid_from, valid_to_after=new.valid_to))
        elif new is None:
            out.append(Change("removed", **base, share_before=old.share, status_before=old.status,
                              valid_from_before=old.valid_from))
        elif (old.share, old.status) != (new.share, new.status):
            what = [w for w, x, y in (("share", old.share, new.share), ("status", old.status, new.status)) if x != y]
            out.append(Change("changed", **base, share_before=old.share, share_after=new.share,
                              status_before=old.status, status_after=new.status, valid_from_before=old.valid_from,
                              valid_from_after=new.valid_from, valid_to_after=new.valid_to, what=" and ".join(what)))
    ob = {r["asset_id"]: r for r in prev.bands.to_dict("records")}
    nb = {r["asset_id"]: r for r in cur.bands.to_dict("records")}
    for aid in sorted(set(ob) | set(nb)):
        x, y = ob.get(aid), nb.get(aid)
        bx, by = (x or {}).get("band", "unknown"), (y or {}).get("band", "unknown")
        if bx != by:
            ref = y or x
            out.append(Change("band", "asset", aid, str(ref["name"]), band_before=bx, band_after=by, what="band"))
    out += [Change(**c) for c in controller_changes(prev.controllers, cur.controllers)]
    out += [Change(**c) for c in registration_changes(prev.registrations, cur.registrations)]
    out.sort(key=lambda c: (KIND_ORDER[c.change_kind], c.subject_kind, c.subject_name.casefold(), c.subject_id,
                            (c.owner_name or "").casefold(), c.owner_entity_id or ""))
    return out


# --- the store ----------------------------------------------------------------------------

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS out_history__runs (run_id VARCHAR PRIMARY KEY, started_at VARCHAR,
       published_at VARCHAR, state_digest VARCHAR, previous_state_digest VARCHAR, is_new_state BOOLEAN,
       data_date VARCHAR, n_changes INTEGER, inputs_json VARCHAR, counts_json VARCHAR, site_dir VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS out_history__states (seq INTEGER, state_digest VARCHAR PRIMARY KEY,
       previous_state_digest VARCHAR, data_date VARCHAR, first_run_id VARCHAR, counts_json VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS out_history__links (state_digest VARCHAR, "
    + ", ".join(f"{c} {'DOUBLE' if c.startswith('share_') else 'BOOLEAN' if c.startswith('is_') else 'VARCHAR'}"
                for c in LINK_COLUMNS) + ")",
    "CREATE TABLE IF NOT EXISTS out_history__bands (state_digest VARCHAR, "
    + ", ".join(f"{c} VARCHAR" for c in BAND_COLUMNS) + ")",
    "CREATE TABLE IF NOT EXISTS out_history__controllers (state_digest VARCHAR, "
    + ", ".join(f"{c} VARCHAR" for c in CONTROLLER_COLUMNS) + ")",
    "CREATE TABLE IF NOT EXISTS out_history__registrations (state_digest VARCHAR, "
    + ", ".join(f"{c} VARCHAR" for c in REGISTRATION_COLUMNS) + ")",
    "CREATE TABLE IF NOT EXISTS out_history__changes (state_digest VARCHAR, previous_state_digest VARCHAR, "
    "position INTEGER, " + ", ".join(f"{c} VARCHAR" for c in CHANGE_COLUMNS) + ")",
]


class History:
    """The history store at ``path`` (absent file: no history yet)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _read(self, sql: str, params: list | None = None) -> pd.DataFrame | None:
        if not self.path.exists():
            return None
        try:
            con = duckdb.connect(str(self.path), read_only=True)
            try:
                return con.execute(sql, params or []).df()
            finally:
                con.close()
        except duckdb.Error as e:
            raise DataError(f"history file {self.path} cannot be read ({e}); move it aside to start a new "
                            f"history (the change list then starts again)") from None

    def states(self) -> pd.DataFrame:
        df = self._read("SELECT * FROM out_history__states ORDER BY seq")
        return df if df is not None else pd.DataFrame(columns=["seq", "state_digest", "previous_state_digest",
                                                               "data_date", "first_run_id", "counts_json"])

    def runs(self) -> pd.DataFrame:
        df = self._read("SELECT * FROM out_history__runs ORDER BY run_id")
        return df if df is not None else pd.DataFrame(columns=["run_id", "state_digest"])

    def last_run(self) -> dict | None:
        runs = self.runs()
        return None if runs.empty else runs.iloc[-1].to_dict()

    def load_state(self, digest: str) -> State:
        meta = self._read("SELECT data_date, counts_json FROM out_history__states WHERE state_digest = ?", [digest])
        links = self._read(f"SELECT {', '.join(LINK_COLUMNS)} FROM out_history__links WHERE state_digest = ? "
                           "ORDER BY subject_kind, subject_id, owner_entity_id, link_id", [digest])
        bands = self._read(f"SELECT {', '.join(BAND_COLUMNS)} FROM out_history__bands WHERE state_digest = ? "
                           "ORDER BY asset_id", [digest])
        tables = set(self._read("SELECT table_name FROM information_schema.tables")["table_name"])
        extra = {}
        for attr, table, cols in (("controllers", "out_history__controllers", CONTROLLER_COLUMNS),
                                  ("registrations", "out_history__registrations", REGISTRATION_COLUMNS)):
            if table in tables:
                df = self._read(f"SELECT {', '.join(cols)} FROM {table} WHERE state_digest = ? ORDER BY entity_id",
                                [digest])
                recorded = self._read(f"SELECT count(*) AS n FROM {table} WHERE state_digest = ?", [digest])
                # a state recorded before the table existed has no rows in it: not recorded, not empty
                extra[attr] = df if int(recorded["n"].iloc[0]) or attr == "registrations" else None
        return State(links=links, bands=bands, data_date=meta.iloc[0]["data_date"], digest=digest,
                     counts=json.loads(meta.iloc[0]["counts_json"]), **extra)

    def previous_state(self, digest: str) -> State | None:
        """The most recent recorded state that differs from ``digest`` (None: none yet)."""
        st = self.states()
        others = st[st["state_digest"] != digest]
        return None if others.empty else self.load_state(others.iloc[-1]["state_digest"])

    def transitions(self, current_digest: str, limit: int) -> list[Transition]:
        """Recorded transitions before the current one, newest first (at most ``limit``)."""
        st = self.states()
        if st.empty:
            return []
        if st.iloc[-1]["state_digest"] == current_digest:
            st = st.iloc[:-1]  # the current build republishes the latest state: shown as current
        st = st.iloc[::-1].head(limit)
        out = []
        for r in st.to_dict("records"):
            ch = self._read(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM out_history__changes WHERE state_digest = ? "
                            "ORDER BY position", [r["state_digest"]])
            changes = [Change(**{k: (None if pd.isna(v) else v) for k, v in row.items()}) for row in ch.to_dict("records")]
            prev = r["previous_state_digest"]
            out.append(Transition(r["state_digest"], None if prev is None or pd.isna(prev) else prev, r["data_date"],
                                  changes))
        return out

    def prepare(self, run: dict, state: State, previous: State | None, changes: list[Change]) -> Path:
        """Write the history with this run added into a temporary copy; :meth:`commit` puts it in place."""
        tmp = self.path.with_name(f".{self.path.name}.{run['run_id']}.tmp")
        tmp.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            shutil.copyfile(self.path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            for sql in _SCHEMA:
                con.execute(sql)
            known = con.execute("SELECT count(*) FROM out_history__states WHERE state_digest = ?",
                                [state.digest]).fetchone()[0]
            is_new = known == 0 or con.execute(
                "SELECT state_digest FROM out_history__states ORDER BY seq DESC LIMIT 1").fetchone()[0] != state.digest
            prev_digest = previous.digest if previous is not None else None
            con.execute("INSERT INTO out_history__runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                run["run_id"], run["started_at"], run["published_at"], state.digest, prev_digest, is_new,
                state.data_date, len(changes), json.dumps(run.get("inputs", {}), sort_keys=True),
                json.dumps(run.get("counts", {}), sort_keys=True), run.get("site_dir", "")])
            if is_new:
                seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM out_history__states").fetchone()[0]
                con.execute("DELETE FROM out_history__states WHERE state_digest = ?", [state.digest])
                for t in ("links", "bands", "changes"):
                    con.execute(f"DELETE FROM out_history__{t} WHERE state_digest = ?", [state.digest])
                con.execute("INSERT INTO out_history__states VALUES (?, ?, ?, ?, ?, ?)", [
                    seq, state.digest, prev_digest, state.data_date, run["run_id"],
                    json.dumps(state.counts, sort_keys=True)])
                _insert(con, "out_history__links", state.links[LINK_COLUMNS].assign(state_digest=state.digest),
                        ["state_digest", *LINK_COLUMNS])
                _insert(con, "out_history__bands", state.bands[BAND_COLUMNS].assign(state_digest=state.digest),
                        ["state_digest", *BAND_COLUMNS])
                con.execute("DELETE FROM out_history__controllers WHERE state_digest = ?", [state.digest])
                con.execute("DELETE FROM out_history__registrations WHERE state_digest = ?", [state.digest])
                for table, df, cols in (("out_history__controllers", state.controllers, CONTROLLER_COLUMNS),
                                        ("out_history__registrations", state.registrations, REGISTRATION_COLUMNS)):
                    if df is not None:
                        _insert(con, table, df[cols].astype(str).assign(state_digest=state.digest),
                                ["state_digest", *cols])
                rows = pd.DataFrame([{"state_digest": state.digest, "previous_state_digest": prev_digest,
                                      "position": i, **c.as_row()} for i, c in enumerate(changes)],
                                    columns=["state_digest", "previous_state_digest", "position", *CHANGE_COLUMNS])
                _insert(con, "out_history__changes", rows, list(rows.columns))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return tmp

    def commit(self, tmp: Path) -> None:
        Path(tmp).replace(self.path)


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, columns: list[str]) -> None:
    if df.empty:
        return
    con.register("_rows", df[columns])
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _rows")
    con.unregister("_rows")
