"""The one HTTP client: the only module that touches the network.

Contract: :func:`download` fetches one URL into a file of a staged folder
(:class:`StagedFolder`) and writes its provenance sidecar ``F.provenance`` (:mod:`infrarisk.sidecars`; JSON: url,
retrieved_at, checked_at, HTTP status, sha256, bytes, ETag, Last-Modified, content type,
the check's summary); it returns a :class:`FetchResult`. What to fetch, and any crawl
specific to one source, lives in that source's package (``infrarisk.sources.<package>.fetch``)
and :mod:`infrarisk.sources._fetch`; nothing here knows a source.

One download: one ``requests.Session`` (:class:`HttpClient`) with an honest User-Agent;
connect and read timeouts; retries with exponential backoff on timeouts, broken
connections, truncated bodies, checksum mismatches and HTTP 429/500/502/503/504, waiting at
least what ``Retry-After`` asks (up to ``http.max_retry_after_s``); an optional
:class:`RateLimiter`; a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the
previous sidecar; 304 keeps the file); streaming to a temporary file with a size limit and
sha256; the server's checksum (``Content-Digest``/``Digest``/``X-Checksum-Sha256``) compared
when it sends one; the caller's schema check (a :data:`Check`); a guard against a file that
lost more than ``http.max_shrink`` of the previous snapshot's records; only then a rename
into place. The ``.provenance`` suffix keeps sidecars out of ``*.json`` globs.

:class:`StagedFolder` builds a snapshot folder beside the old one and swaps it in whole
only on success, so a snapshot folder always holds one complete, checked refresh.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import os
import re
import shutil
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import requests

from .errors import FetchError, SchemaError
from .fsops import write_atomic
from .settings import HttpSettings
from .sidecars import SIDECAR, FetchResult, Provenance, read_provenance, sidecar_of  # noqa: F401  (re-exported)
from .sources.manifest import sha256_file

Progress = Callable[[str], None]
#: a schema check: ``check(path) -> summary`` (ending in ``N records``/``N features`` where
#: the file has records) or SchemaError naming the file and the first problem
Check = Callable[[Path], str]
RETRY_STATUSES = {429, 500, 502, 503, 504}


def sleep(seconds: float) -> None:
    """Wait; module-level so tests can stub the waiting out (and record it)."""
    time.sleep(seconds)


def records_in(summary: str) -> int | None:
    """The record count a check's summary ends with, if any.

    Examples
    --------
    >>> records_in("CSV, 109 columns, 3805 records"), records_in("zip of x.csv: CSV header of 9 columns")
    (3805, None)
    """
    m = re.search(r"(\d+) (?:records|features)$", summary or "")
    return int(m.group(1)) if m else None


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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

def download(client: HttpClient, url: str, dest: Path, check: Check, *, source: str,
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
    before = records_in(prev.schema) if prev is not None else None
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
        after = records_in(summary)
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
