"""The only module that touches the network: refresh raw snapshots from their publishers.

Contract: :func:`fetch_sources` refreshes the named sources of the registry
(:mod:`infrarisk.upstream`) into ``settings.snapshots_dir/<folder>/``. Each source is
written into a fresh sibling folder (unchanged files carried over by hard link) and
swapped in whole only when every file of it arrived and passed its check, so a
snapshot folder always holds one complete, checked refresh: a failure leaves the previous
snapshot untouched. (``infrarisk update`` keeps the new folders staged and swaps them in
only with the site they built: ``commit=False``.) Each file ``F`` gets a provenance sidecar ``F.provenance`` (JSON: url,
retrieved_at, checked_at, HTTP status, sha256, bytes, ETag, Last-Modified, content type,
the check's summary). The ``.provenance`` suffix keeps sidecars out of ``*.json`` globs.

One download (:func:`download`): one ``requests.Session`` with an honest User-Agent;
connect and read timeouts; retries with exponential backoff on timeouts, broken
connections, truncated bodies, checksum mismatches and HTTP 429/500/502/503/504, waiting at
least what ``Retry-After`` asks (up to ``http.max_retry_after_s``); a conditional GET
(``If-None-Match`` / ``If-Modified-Since`` from the previous sidecar; 304 keeps the file);
streaming to a temporary file with a size limit and sha256; the server's checksum
(``Content-Digest``/``Digest``/``X-Checksum-Sha256``) compared when it sends one; the
source's schema check; a guard against a file that lost more than ``http.max_shrink`` of
the previous snapshot's records; only then a rename into place.

Crawls: the GLEIF API (the map's LEIs in batches of ``filter[lei]``, paged with
``page[number]``/``page[size]``, then each entity's direct and ultimate parent relationship
or reporting exception, then the parents' own records, up to ``http.gleif_max_depth``
rounds; at most ``http.gleif_requests_per_minute`` requests a minute), the GLEIF golden
copy (publishes index, then the lei2/rr/repex files it names) and the Submarine Cable
Map (two layers, then one JSON per cable). Follow-up URLs of the API crawls are built
from the configured base URL, never taken from links inside responses, so a mirror or a
test server is never left for the real host; only the golden copy's file URLs come from
its index, which exists to name them (a mirror serves an index naming its own files).
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import requests

from . import upstream
from .errors import FetchError, SchemaError
from .fsops import exchange_dirs, link_tree, write_atomic
from .settings import HttpSettings, Settings
from .sources import sha256_file
from .upstream import RemoteSource

Progress = Callable[[str], None]
SIDECAR = ".provenance"
RETRY_STATUSES = {429, 500, 502, 503, 504}


def sleep(seconds: float) -> None:
    """Wait; module-level so tests can stub the waiting out (and record it)."""
    time.sleep(seconds)


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- provenance ---------------------------------------------------------------------------

@dataclass
class Provenance:
    """Where one snapshot file came from (its ``.provenance`` sidecar)."""

    source: str
    url: str
    retrieved_at: str
    checked_at: str
    status: int
    sha256: str
    bytes: int
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    schema: str = ""

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=1, sort_keys=True) + "\n").encode("utf-8")


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def read_provenance(path: Path) -> Provenance | None:
    """The sidecar of snapshot file ``path``; None when absent or unreadable."""
    side = sidecar_of(Path(path))
    try:
        return Provenance(**json.loads(side.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


@dataclass
class FetchResult:
    """What one download did."""

    source: str
    path: str
    url: str
    outcome: str  # new | changed | unchanged | not-modified | missing
    sha256: str = ""
    bytes: int = 0
    attempts: int = 0
    waited_s: float = 0.0
    seconds: float = 0.0
    schema: str = ""


# --- the HTTP client ----------------------------------------------------------------------

class RateLimiter:
    """At most ``per_minute`` requests a minute, evenly spaced (never a burst).

    Examples
    --------
    >>> t = [0.0]; waits = []
    >>> rl = RateLimiter(60, clock=lambda: t[0], sleep=lambda s: (waits.append(s), t.__setitem__(0, t[0] + s)))
    >>> for _ in range(3): rl.wait()
    >>> waits
    [1.0, 1.0]
    """

    def __init__(self, per_minute: float, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = (self.clock or time.monotonic)()
        if self._next is not None and now < self._next:
            (self._sleep or sleep)(self._next - now)
            now = self._next
        self._next = now + self.interval


class _Retry(Exception):
    """A failure worth another attempt."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Examples
    --------
    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _server_digest(headers) -> str | None:
    """The sha256 (hex) a server states for the body, if it states one."""
    for name in ("Content-Digest", "Digest"):
        val = headers.get(name)
        if not val:
            continue
        for part in val.split(","):
            algo, _, b64 = part.strip().partition("=")
            if algo.strip().lower() == "sha-256":
                try:
                    return base64.b64decode(b64.strip().strip(":")).hex()
                except (binascii.Error, ValueError):
                    return "unreadable"
    x = headers.get("X-Checksum-Sha256")
    return x.strip().lower() if x else None


class HttpClient:
    """One ``requests.Session`` with the project's timeouts, retries and User-Agent."""

    def __init__(self, http: HttpSettings, session: requests.Session | None = None):
        self.http = http
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = http.user_agent
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def call(self, url: str, consume: Callable[[requests.Response], object], *, what: str,
             params: dict | None = None, headers: dict | None = None, limiter: RateLimiter | None = None,
             stats: dict | None = None):
        """GET ``url`` and hand the streamed response to ``consume``, retrying what can be.

        ``consume`` raises :class:`_Retry` for a failure worth repeating (a checksum
        mismatch); broken bodies are caught here. Statuses in :data:`RETRY_STATUSES` are
        retried; every other status goes to ``consume``.
        """
        h = self.http
        stats = stats if stats is not None else {}
        stats.setdefault("attempts", 0)
        stats.setdefault("waited_s", 0.0)
        reason = "no attempt made"
        for attempt in range(h.retries + 1):
            if limiter is not None:
                limiter.wait()
            stats["attempts"] += 1
            self.requests += 1
            retry_after = None
            try:
                resp = self.session.get(url, params=params, headers=headers, stream=True,
                                        timeout=(h.connect_timeout_s, h.timeout_s))
            except requests.Timeout:
                reason = f"timed out (no answer within {h.timeout_s:g} s)"
            except requests.ConnectionError as e:
                reason = f"connection failed ({_short(e)})"
            except requests.RequestException as e:
                raise FetchError(f"{what}: {url}: request failed: {_short(e)}", url=url) from None
            else:
                with resp:
                    if resp.status_code in RETRY_STATUSES:
                        reason = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
                        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                        if retry_after is not None:
                            reason += f" (Retry-After: {resp.headers.get('Retry-After')})"
                    else:
                        try:
                            return consume(resp)
                        except _Retry as e:
                            reason, retry_after = e.reason, e.retry_after
                        except requests.Timeout:
                            reason = f"timed out while reading the body (no data within {h.timeout_s:g} s)"
                        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                                requests.ConnectionError) as e:
                            reason = f"the body broke off ({_short(e)})"
            if attempt == h.retries:
                break
            wait = min(h.backoff_s * (2 ** attempt), 60.0)
            if retry_after is not None:
                if retry_after > h.max_retry_after_s:
                    raise FetchError(f"{what}: {url}: {reason}; the server asks to wait {retry_after:.0f} s, more "
                                     f"than http.max_retry_after_s = {h.max_retry_after_s:g} s", url=url)
                wait = max(wait, retry_after)
            stats["waited_s"] += wait
            sleep(wait)
        raise FetchError(f"{what}: {url}: {reason} (gave up after {h.retries + 1} attempt(s))", url=url)


def _short(e: Exception) -> str:
    text = str(e)
    for marker in ("Connection reset by peer", "Connection refused", "IncompleteRead", "Connection broken",
                   "Read timed out", "Remote end closed connection"):
        if marker in text:
            return marker
    return text[:200]


# --- one download -------------------------------------------------------------------------

def download(client: HttpClient, url: str, dest: Path, check: upstream.Check, *, source: str,
             params: dict | None = None, previous: Path | None = None, limiter: RateLimiter | None = None,
             max_bytes: int | None = None, missing_ok: bool = False) -> FetchResult | None:
    """Fetch ``url`` into ``dest`` (with its sidecar) if it arrives whole and passes ``check``.

    Parameters
    ----------
    previous : Path, optional
        The previous snapshot of this file (default ``dest``): its sidecar gives the ETag
        and Last-Modified for a conditional GET, and its sha256 tells "unchanged".
    missing_ok : bool
        Return None on HTTP 404 (an optional resource) instead of failing.

    Raises
    ------
    FetchError
        Network, HTTP status, size limit or checksum, after the retries.
    SchemaError
        What arrived is not what the source promises; ``dest`` is left as it was.
    """
    dest = Path(dest)
    previous = Path(previous) if previous is not None else dest
    full_url = requests.Request("GET", url, params=params).prepare().url
    limit = max_bytes or client.http.max_bytes
    existed = previous.exists()
    prev = read_provenance(previous) if existed else None
    before = upstream.records_in(prev.schema) if prev is not None else None
    if prev is not None and (prev.url != full_url or sha256_file(previous) != prev.sha256):
        prev = None  # another URL, or the file no longer matches its record: fetch afresh
    headers = {}
    if prev is not None and prev.etag:
        headers["If-None-Match"] = prev.etag
    if prev is not None and prev.last_modified:
        headers["If-Modified-Since"] = prev.last_modified
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    what = f"{source}: {dest.name}"
    stats: dict = {}
    t0 = time.perf_counter()

    def consume(resp: requests.Response):
        if resp.status_code == 304 and prev is not None:
            return ("not-modified", resp)
        if resp.status_code == 404 and missing_ok:
            return ("missing", resp)
        if resp.status_code != 200:
            raise FetchError(f"{what}: {full_url}: HTTP {resp.status_code} {resp.reason or ''}".strip(), url=full_url)
        declared = resp.headers.get("Content-Length")
        encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if declared and declared.isdigit() and not encoded and int(declared) > limit:
            raise FetchError(f"{what}: {full_url}: {int(declared):,} bytes announced, more than the limit of "
                             f"{limit:,} bytes", url=full_url)
        h, n = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as fh:
                for chunk in resp.iter_content(1 << 16):
                    n += len(chunk)
                    if n > limit:
                        raise FetchError(f"{what}: {full_url}: more than the limit of {limit:,} bytes", url=full_url)
                    h.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if declared and declared.isdigit() and not encoded and n != int(declared):
            tmp.unlink(missing_ok=True)
            raise _Retry(f"truncated body: {n:,} of {int(declared):,} bytes")
        digest = h.hexdigest()
        stated = _server_digest(resp.headers) if not encoded else None
        if stated is not None and stated != digest:
            tmp.unlink(missing_ok=True)
            raise _Retry(f"checksum mismatch: the server states sha256 {stated[:16]}…, the body has {digest[:16]}…")
        if n == 0:
            tmp.unlink(missing_ok=True)
            raise SchemaError(f"{what}: {full_url}: empty body")
        return ("ok", resp, digest, n)

    try:
        got = client.call(url, consume, what=what, params=params, headers=headers or None, limiter=limiter,
                          stats=stats)
        now = utcnow()
        if got[0] == "missing":
            return None
        if got[0] == "not-modified":
            resp = got[1]
            p = Provenance(**{**asdict(prev), "checked_at": now, "status": 304})
            if previous != dest:
                _link_or_copy(previous, dest)
            write_atomic(sidecar_of(dest), p.to_json())
            return FetchResult(source, dest.name, full_url, "not-modified", p.sha256, p.bytes, stats["attempts"],
                               stats["waited_s"], round(time.perf_counter() - t0, 3), p.schema)
        _, resp, digest, n = got
        try:
            summary = check(tmp)
        except SchemaError as e:
            raise SchemaError(f"{what}: {full_url}: " + str(e).replace(str(tmp), dest.name)) from None
        after = upstream.records_in(summary)
        if before and after is not None and after < before * (1 - client.http.max_shrink):
            raise SchemaError(f"{what}: {full_url}: {after} records where the previous snapshot had {before}: a "
                              f"shrink of more than http.max_shrink = {client.http.max_shrink:.0%} is refused "
                              f"(a partial export?); the previous snapshot is kept")
        unchanged = prev is not None and prev.sha256 == digest
        p = Provenance(
            source=source, url=full_url, retrieved_at=prev.retrieved_at if unchanged else now, checked_at=now,
            status=resp.status_code, sha256=digest, bytes=n, etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"), content_type=resp.headers.get("Content-Type"),
            final_url=resp.url if resp.url != full_url else None, schema=summary,
        )
        if unchanged:
            _link_or_copy(previous, dest)  # the same bytes: keep the previous file itself
        else:
            os.replace(tmp, dest)
        write_atomic(sidecar_of(dest), p.to_json())
        outcome = "unchanged" if unchanged else ("changed" if existed else "new")
        return FetchResult(source, dest.name, full_url, outcome, digest, n, stats["attempts"], stats["waited_s"],
                           round(time.perf_counter() - t0, 3), summary)
    finally:
        tmp.unlink(missing_ok=True)


def _link_or_copy(src: Path, dest: Path) -> None:
    if dest.exists() and os.path.samefile(src, dest):
        return
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


# --- one source, staged -------------------------------------------------------------------

class StagedFolder:
    """Build a source's new snapshot folder beside the old one; swap it in on success.

    ``carry=True`` starts from hard links of the previous files (a refresh of some
    files keeps the others); ``carry=False`` starts empty (a crawl replaces the lot).
    """

    def __init__(self, final: Path, carry: bool = True):
        self.final = Path(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.with_name(f".{self.final.name}.{os.getpid()}.tmp")
        shutil.rmtree(self.tmp, ignore_errors=True)
        if carry and self.final.is_dir():
            link_tree(self.final, self.tmp)
        else:
            self.tmp.mkdir()

    def path(self, rel: str) -> Path:
        p = self.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def previous(self, rel: str) -> Path:
        return self.final / rel

    def commit(self) -> None:
        old = exchange_dirs(self.tmp, self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class SourceResult:
    """What refreshing one source did."""

    source: str
    folder: str
    files: list[FetchResult] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    staged: StagedFolder | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            out[f.outcome] = out.get(f.outcome, 0) + 1
        return out


def fetch_source(client: HttpClient, src: RemoteSource, settings: Settings, progress: Progress,
                 commit: bool = True) -> SourceResult:
    """Refresh one source into its snapshot folder (atomically; see :class:`StagedFolder`).

    With ``commit=False`` the complete new snapshot is left staged (``result.staged``) for
    the caller to commit once it has been put to use (``infrarisk update`` commits at publish).
    """
    t0 = time.perf_counter()
    res = SourceResult(src.id, src.folder)
    stage = StagedFolder(Path(settings.snapshots_dir) / src.folder, carry=src.kind == "files")
    try:
        fn = _KINDS[src.kind]
        fn(client, src, settings, stage, res, progress)
        if commit:
            stage.commit()
        else:
            res.staged = stage
    except BaseException:
        stage.abort()
        raise
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def _files(client, src, settings, stage, res, progress) -> None:
    for f in src.files:
        url = upstream.url_for(settings, f.url_key, f.default_url)
        progress(f"[fetch] {src.id}: {url}")
        r = download(client, url, stage.path(f.name), f.check, source=src.id, previous=stage.previous(f.name),
                     max_bytes=f.max_bytes)
        res.files.append(r)


def _json_file(client, stage, rel, url, check, src_id, res, *, params=None, limiter=None, missing_ok=False):
    r = download(client, url, stage.path(rel), check, source=src_id, params=params, previous=stage.previous(rel),
                 limiter=limiter, missing_ok=missing_ok)
    if r is None:
        return None
    r.path = rel
    res.files.append(r)
    return upstream.load_json(stage.path(rel))


# --- GLEIF API ------------------------------------------------------------------------------

_PARENTS = (("direct-parent", "IS_DIRECTLY_CONSOLIDATED_BY"), ("ultimate-parent", "IS_ULTIMATELY_CONSOLIDATED_BY"))


def _gleif_api(client, src, settings, stage, res, progress) -> None:
    """Records of the map's LEIs and of their parents, with each parent relationship or
    reporting exception, as verbatim JSON:API responses (the shape of the samples)."""
    base = upstream.url_for(settings, src.files[0].url_key, src.files[0].default_url).rstrip("/")
    h = settings.http
    limiter = RateLimiter(h.gleif_requests_per_minute)
    requests_before = client.requests
    leis, where, rejected = upstream.map_leis(settings)
    progress(f"[fetch] gleif-api: {len(leis)} LEIs from {where}")
    records: dict[str, dict] = {}
    asked: set[str] = set()
    missing: set[str] = set()
    rels = {"relationships": 0, "exceptions": 0, "none": 0}
    publish_dates: set[str] = set()
    todo, rounds = sorted(leis), 0
    while todo and rounds <= h.gleif_max_depth:
        rounds += 1
        asked.update(todo)
        found = _gleif_records(client, stage, base, todo, rounds, limiter, res, h, publish_dates, progress)
        missing.update(set(todo) - set(found))
        records.update(found)
        parents: set[str] = set()
        for lei in sorted(found):
            for rel, rel_type in _PARENTS:
                parent = _gleif_parent(client, stage, base, lei, found[lei], rel, rel_type, limiter, res, rels)
                if parent:
                    parents.add(parent)
        todo = sorted(parents - asked)
    res.summary = {
        "leis_from": where, "leis_on_map": len(leis), "leis_rejected": rejected, "leis_requested": len(asked),
        "records": len(records), "leis_not_found": sorted(missing), "rounds": rounds,
        "parents_beyond_depth": todo, **rels, "requests": client.requests - requests_before,
        "golden_copy_publish_dates": sorted(publish_dates),
    }
    write_atomic(stage.path("_crawl" + SIDECAR), (json.dumps(res.summary, indent=1, sort_keys=True) + "\n").encode())


def _gleif_records(client, stage, base, leis, rnd, limiter, res, h, publish_dates, progress) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for b in range(0, len(leis), h.gleif_batch_size):
        batch = leis[b:b + h.gleif_batch_size]
        page, last = 1, 1
        while page <= last:
            rel = f"lei-records_round-{rnd:02d}_batch-{b // h.gleif_batch_size + 1:03d}_page-{page:03d}.json"
            params = {"filter[lei]": ",".join(batch), "page[size]": h.gleif_page_size, "page[number]": page}
            progress(f"[fetch] gleif-api: records round {rnd}, {len(batch)} LEIs, page {page}")
            doc = _json_file(client, stage, rel, f"{base}/lei-records", upstream.JsonCheck(upstream.gleif_lei_records),
                             "gleif-api", res, params=params, limiter=limiter)
            pub = ((doc.get("meta") or {}).get("goldenCopy") or {}).get("publishDate")
            if pub:
                publish_dates.add(pub)
            for rec in doc["data"]:
                lei = rec["attributes"]["lei"]
                if lei in batch:
                    found[lei] = rec
            last = int(((doc.get("meta") or {}).get("pagination") or {}).get("lastPage") or 1)
            if last > 1000:
                raise SchemaError(f"gleif-api: {base}/lei-records: {last} pages for {len(batch)} LEIs; refusing")
            page += 1
    return found


def _gleif_parent(client, stage, base, lei, record, rel, rel_type, limiter, res, rels) -> str | None:
    """Fetch the relationship (or the reporting exception) the record links to."""
    links = (((record.get("relationships") or {}).get(rel) or {}).get("links") or {})
    if "relationship-record" in links:
        name = f"{rel}-relationship_{lei}.json"

        def check(doc, where):
            summary = upstream.gleif_relationship(doc, where)
            r = doc["data"]["attributes"]["relationship"]
            if r["startNode"]["id"] != lei or r["type"] != rel_type:
                raise SchemaError(f"{where}: expected {rel_type} starting at {lei}, got {r['type']} from "
                                  f"{r['startNode']['id']}")
            return summary
        doc = _json_file(client, stage, name, f"{base}/lei-records/{lei}/{rel}-relationship", upstream.JsonCheck(check),
                         "gleif-api", res, limiter=limiter, missing_ok=True)
        if doc is None:
            rels["none"] += 1
            return None
        rels["relationships"] += 1
        parent = doc["data"]["attributes"]["relationship"]["endNode"]
        return parent["id"] if upstream.is_lei(parent["id"]) else None
    if "reporting-exception" in links:
        name = f"{rel}-reporting-exception_{lei}.json"
        doc = _json_file(client, stage, name, f"{base}/lei-records/{lei}/{rel}-reporting-exception",
                         upstream.JsonCheck(upstream.gleif_exception), "gleif-api", res, limiter=limiter,
                         missing_ok=True)
        rels["exceptions" if doc is not None else "none"] += 1
        return None
    rels["none"] += 1
    return None


# --- GLEIF golden copy ------------------------------------------------------------------------

def _golden_copy(client, src, settings, stage, res, progress, part: str = "full_file") -> None:
    f = src.files[0]
    url = upstream.url_for(settings, f.url_key, f.default_url)
    progress(f"[fetch] {src.id}: {url}")
    index = _json_file(client, stage, f.name, url, f.check, src.id, res, params={"per_page": 1})
    publish = index["data"][0]
    res.summary = {"publish_date": publish.get("publish_date")}
    for section, columns in upstream.GOLDEN_COPY_COLUMNS.items():
        entry = publish[section].get(part)
        if part == "delta_files":
            entry = (entry or {}).get("LastDay")
            if not isinstance(entry, dict):
                raise SchemaError(f"{src.id}: {url}: no {section}.delta_files.LastDay in the latest publish")
        file_url = ((entry.get("csv") or {}).get("url")) if isinstance(entry, dict) else None
        if not isinstance(file_url, str) or not file_url.startswith(("http://", "https://")):
            raise SchemaError(f"{src.id}: {url}: no CSV URL for {section} in the latest publish")
        name = f"{section}{'-LastDay' if part == 'delta_files' else ''}.csv.zip"
        progress(f"[fetch] {src.id}: {file_url}")
        r = download(client, file_url, stage.path(name), upstream.ZipCsvCheck(columns), source=src.id,
                     previous=stage.previous(name))
        res.files.append(r)


def _golden_copy_delta(client, src, settings, stage, res, progress) -> None:
    _golden_copy(client, src, settings, stage, res, progress, part="delta_files")


# --- Submarine Cable Map ----------------------------------------------------------------------

def _cables(client, src, settings, stage, res, progress) -> None:
    _files(client, src, settings, stage, res, progress)
    if not settings.http.cable_details:
        return
    template = upstream.url_for(settings, "cables_detail", src.extra_urls["cables_detail"])
    geo = upstream.load_json(stage.path(src.files[0].name))
    ids = sorted({str(f["properties"]["id"]) for f in geo["features"]})
    bad = [i for i in ids if not upstream.is_slug(i)]
    if bad:
        raise SchemaError(f"{src.id}: cable ids that are not plain slugs: {', '.join(bad[:5])}")
    limiter = RateLimiter(settings.http.crawl_requests_per_minute)
    with_owners = 0
    for n, cid in enumerate(ids, start=1):
        if n % 50 == 1:
            progress(f"[fetch] {src.id}: cable {n} of {len(ids)}")
        doc = _json_file(client, stage, f"cable/{cid}.json", template.format(id=cid),
                         upstream.JsonCheck(upstream.cable_detail), src.id, res, limiter=limiter)
        with_owners += doc.get("owners") is not None
    if ids and not with_owners:
        raise SchemaError(f"{src.id}: none of the {len(ids)} cable JSON files has an 'owners' field; "
                          f"the API's shape changed ({template})")
    res.summary = {"cables": len(ids), "with_owners": with_owners}


_KINDS = {"files": _files, "gleif_api": _gleif_api, "golden_copy": _golden_copy,
          "golden_copy_delta": _golden_copy_delta, "cables": _cables}


# --- entry point --------------------------------------------------------------------------

def fetch_sources(settings: Settings, ids: list[str], progress: Progress | None = None,
                  client: HttpClient | None = None,
                  commit: bool = True) -> tuple[list[SourceResult], list[tuple[str, Exception]]]:
    """Refresh each named source; one failing source does not stop the others.

    Returns
    -------
    (results, failures)
        A :class:`SourceResult` per refreshed source, and ``(source id, error)`` for each
        that failed (its previous snapshot kept). With ``commit=False`` the new snapshots
        stay staged (``result.staged``): the caller commits or aborts them.
    """
    progress = progress or (lambda s: None)
    upstream.check_settings(settings)
    sources = [upstream.by_id(i) for i in ids]
    own = client is None
    client = client or HttpClient(settings.http)
    results, failures = [], []
    try:
        for src in sources:
            try:
                results.append(fetch_source(client, src, settings, progress, commit=commit))
            except (FetchError, SchemaError) as e:
                progress(f"[fetch] {src.id}: FAILED: {e}")
                failures.append((src.id, e))
    except BaseException:
        for r in results:
            if r.staged is not None:
                r.staged.abort()
        raise
    finally:
        if own:
            client.close()
    return results, failures
