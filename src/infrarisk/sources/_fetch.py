"""What ``infrarisk fetch`` can refresh, read from the manifests, and how a refresh runs.

Contract: a source's manifest says how its raw snapshot is refreshed, in
``[refresh.remotes.<remote id>]`` tables (a source may have several remotes, e.g. the
GLEIF API and the golden copy)::

    [refresh.remotes.wpi]
    kind = "files"            # each file from its URL; or a crawl of the package's fetch.CRAWLS
    folder = "wpi"            # snapshot folder, laid out like the raw snapshot folder
    title = "NGA World Port Index (Pub. 150)"
    update = true             # `infrarisk update` fetches it by default (and re-derives this source)
    ingest = "gleif-api"      # optional: `update` ingests the snapshot into the registry database
                              # with this format instead of re-deriving the source
    note = "..."
    [[refresh.remotes.wpi.files]]
    name = "UpdatedPub150.csv"
    url_key = "wpi"           # overridable: [urls] wpi = ... or INFRARISK_URL_WPI
    url = "https://msi.nga.mil/..."
    [refresh.remotes.wpi.extra_urls]   # other URL keys a crawl uses (optional)

The source's package supplies the rest in ``fetch.py``: ``CHECKS`` (file name -> the
schema check of :mod:`infrarisk.sources._checks` a download must pass) and ``CRAWLS``
(kind -> a function ``crawl(client, src, settings, stage, res, progress)``). :func:`remotes`
joins the two; :func:`fetch_sources` refreshes each named remote into
``settings.snapshots_dir/<folder>/`` through :mod:`infrarisk.http`, atomically (a failure
keeps the previous snapshot; ``commit=False`` leaves the new one staged for ``update``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Callable

from ..errors import ConfigError, FetchError, SchemaError
from ..fsops import StagedFolder
from ..http import Check, FetchResult, HttpClient, download
from ..settings import Settings
from ._checks import load_json
from .manifest import list_sources, read_manifest

Progress = Callable[[str], None]
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,150}$")


@dataclass(frozen=True)
class RemoteFile:
    """One file of a remote: its name in the snapshot folder, URL key and default, check."""

    name: str
    url_key: str
    default_url: str
    check: Check
    max_bytes: int | None = None


@dataclass(frozen=True)
class RemoteSource:
    """A remote ``infrarisk fetch`` can refresh (one ``[refresh.remotes.<id>]`` table).

    Attributes
    ----------
    id : str
        Name on the command line.
    folder : str
        Snapshot folder, named like the raw snapshot folder the derive step reads.
    kind : str
        ``files`` (each file from its URL) or a crawl of the package's ``fetch.CRAWLS``.
    files : tuple of RemoteFile
        The files (for the crawling kinds: the entry points).
    dataset : str or None
        The source re-derived by ``update`` from this snapshot (``update = true`` and no
        ``ingest``); None: not derived by ``update``.
    crawl : callable or None
        The crawl for a kind other than ``files``.
    update : bool
        Fetched by ``update`` by default (``update = true``).
    ingest : str or None
        The registry format ``update`` ingests this snapshot as (``infrarisk ingest FORMAT``;
        ``gleif-delta`` patches the golden-copy tables), instead of re-deriving a dataset.
    """

    id: str
    folder: str
    title: str
    kind: str
    files: tuple[RemoteFile, ...]
    dataset: str | None = None
    note: str = ""
    extra_urls: dict = field(default_factory=dict)
    crawl: Callable | None = None
    update: bool = False
    ingest: str | None = None


def remotes(datasets_dir: Path) -> list[RemoteSource]:
    """Every remote of every manifest under ``datasets_dir``, by source id then remote id."""
    out = []
    for folder in list_sources(Path(datasets_dir)):
        m = read_manifest(folder)
        specs = (m.refresh or {}).get("remotes") or {}
        if not specs:
            continue
        mod = import_module(f"infrarisk.sources.{m.package}.fetch")
        for rid, spec in sorted(specs.items()):
            kind = spec["kind"]
            crawl = None
            if kind != "files":
                crawl = getattr(mod, "CRAWLS", {}).get(kind)
                if crawl is None:
                    raise ConfigError(f"{folder}/manifest.toml: refresh.remotes.{rid}: kind {kind!r} is not a "
                                      f"crawl of infrarisk.sources.{m.package}.fetch")
            files = []
            for f in spec.get("files", []):
                check = mod.CHECKS.get(f["name"])
                if check is None:
                    raise ConfigError(f"infrarisk.sources.{m.package}.fetch has no check for {f['name']}")
                files.append(RemoteFile(f["name"], f["url_key"], f["url"], check, f.get("max_bytes")))
            update, ingest = bool(spec.get("update")), spec.get("ingest")
            out.append(RemoteSource(rid, spec["folder"], spec.get("title", rid), kind, tuple(files),
                                    m.id if update and not ingest else None, spec.get("note", ""),
                                    dict(spec.get("extra_urls", {})), crawl, update, ingest))
    return out


def by_id(settings: Settings, remote_id: str) -> RemoteSource:
    for s in remotes(settings.datasets_dir):
        if s.id == remote_id:
            return s
    raise ConfigError(f"unknown source {remote_id!r}; known: "
                      f"{', '.join(s.id for s in remotes(settings.datasets_dir))}")


def url_keys(settings: Settings) -> list[str]:
    """Every settings key of a URL (``[urls]`` in TOML, ``INFRARISK_URL_<KEY>``)."""
    rs = remotes(settings.datasets_dir)
    return sorted({f.url_key for s in rs for f in s.files} | {k for s in rs for k in s.extra_urls})


def url_for(settings: Settings, key: str, default: str) -> str:
    """The URL of ``key``: the settings' override, else the default."""
    return settings.urls.get(key, default)


def check_settings(settings: Settings) -> None:
    """ConfigError for an unknown URL key or update source (typos are not silently ignored)."""
    keys = url_keys(settings)
    unknown = sorted(set(settings.urls) - set(keys))
    if unknown:
        raise ConfigError(f"unknown URL key(s) {', '.join(unknown)}; known: {', '.join(keys)}")
    for sid in settings.update_sources or ():
        by_id(settings, sid)


def default_update_sources(settings: Settings) -> list[str]:
    """Remotes ``update`` fetches: the setting, else every remote with ``update = true``."""
    if settings.update_sources is not None:
        return list(settings.update_sources)
    return [s.id for s in remotes(settings.datasets_dir) if s.update]


def is_slug(text: str) -> bool:
    """Ids used in file names and URLs must be plain slugs (no ``/``, no ``..``)."""
    return bool(_SLUG_RE.match(text))


# --- one remote, staged -------------------------------------------------------------------

@dataclass
class SourceResult:
    """What refreshing one remote did."""

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
    """Refresh one remote into its snapshot folder (atomically; see :class:`~infrarisk.fsops.StagedFolder`).

    With ``commit=False`` the complete new snapshot is left staged (``result.staged``) for
    the caller to commit once it has been put to use (``infrarisk update`` commits at publish).
    """
    t0 = time.perf_counter()
    res = SourceResult(src.id, src.folder)
    stage = StagedFolder(Path(settings.snapshots_dir) / src.folder, carry=src.kind == "files")
    try:
        (src.crawl or fetch_files)(client, src, settings, stage, res, progress)
        if commit:
            stage.commit()
        else:
            res.staged = stage
    except BaseException:
        stage.abort()
        raise
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def fetch_files(client, src, settings, stage, res, progress) -> None:
    """Each file of ``src`` from its URL (the ``files`` kind; crawls start with it too)."""
    for f in src.files:
        url = url_for(settings, f.url_key, f.default_url)
        progress(f"[fetch] {src.id}: {url}")
        r = download(client, url, stage.path(f.name), f.check, source=src.id, previous=stage.previous(f.name),
                     max_bytes=f.max_bytes)
        res.files.append(r)


def json_file(client, stage, rel, url, check, src_id, res, *, params=None, limiter=None, missing_ok=False):
    """Download one JSON file of a crawl into ``stage``; its parsed content (None when missing)."""
    r = download(client, url, stage.path(rel), check, source=src_id, params=params, previous=stage.previous(rel),
                 limiter=limiter, missing_ok=missing_ok)
    if r is None:
        return None
    r.path = rel
    res.files.append(r)
    return load_json(stage.path(rel))


def fetch_sources(settings: Settings, ids: list[str], progress: Progress | None = None,
                  client: HttpClient | None = None,
                  commit: bool = True) -> tuple[list[SourceResult], list[tuple[str, Exception]]]:
    """Refresh each named remote; one failing remote does not stop the others.

    Returns
    -------
    (results, failures)
        A :class:`SourceResult` per refreshed remote, and ``(remote id, error)`` for each
        that failed (its previous snapshot kept). With ``commit=False`` the new snapshots
        stay staged (``result.staged``): the caller commits or aborts them.
    """
    progress = progress or (lambda s: None)
    check_settings(settings)
    sources = [by_id(settings, i) for i in ids]
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
