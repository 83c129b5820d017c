"""The static site: map, country summary, foreign-stakes table, INGE2 page, methodology, sources,
changes, downloads.

Contract: :func:`build_site_from` reads the ``out_*``, ``core_*`` and ``core_meta__*`` tables of a
finished, closed build database and writes a complete site into an empty folder (the caller
swaps it into place): :func:`prepare_from` reads what every part needs once (two processes,
each half of it), then :func:`write_prepared` writes the parts, shared by two processes
(:mod:`infrarisk.parallel`): the map and the other pages (:mod:`.pages`), the downloads
(:mod:`.downloads`), the JSON API (:mod:`.jsonapi`), the owner pages (:mod:`.extras`). It reads tables only: control chains, look-through paths, band reasons and the
ownership edges above each asset come from the evidence the score stage wrote
(``out_exposure__evidence_*``, read by :class:`~.builder.SiteBuilder`); the INGE2 page from
``out_inge2__*`` (:mod:`infrarisk.findings.inge2`). Output is deterministic: no timestamps, stable ordering,
stable element ids. Every string from data is escaped (templates autoescape; JSON is embedded with ``tojson``;
the map's data files escape ``<``, ``>`` and ``&`` and the page turns data into text nodes
only). The map page is a Folium map (:mod:`.mapping`) inside the app of ``map.html``; its
layers (:mod:`.layers`, :mod:`.infra`, :mod:`.mapdata`, :mod:`.details`, :mod:`.downloads`)
are loaded from files beside it and drawn on one canvas by ``static/infrarisk/``.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..profiles import Profile
from ..settings import Settings
from . import downloads, extras, mapdata, pages
from .builder import SiteBuilder

if TYPE_CHECKING:  # pragma: no cover
    from .. import parallel

STATIC = Path(__file__).resolve().parent / "static"


def copy_static(out_dir: Path) -> None:
    for p in sorted(STATIC.rglob("*")):
        if p.is_file():
            dest = out_dir / "static" / p.relative_to(STATIC)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)


@contextmanager
def _frozen_heap():
    """Keep the cyclic garbage collector off the objects that exist before the site build.

    The site build allocates millions of small dicts and lists; each collection would
    otherwise rescan every long-lived object of the build (tables, the ownership graph):
    about a fifth of the site stage at 100,000 assets.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build_site_from(db_path: Path, settings: Settings, profile: Profile, out_dir: Path, workers: int = 2,
                    progress: Callable[[str], None] | None = None) -> Path:
    """The whole site from a closed database file, its files written by two processes at once.

    :func:`prepare_from` then :func:`write_prepared`; ``progress`` hears how long the reading took
    in between (:meth:`Prepared.describe`).

    Parameters
    ----------
    db_path : Path
        A finished, checkpointed database no connection holds open for writing.
    workers : int
        2 to split the work between two processes, 1 to write it all here.
    """
    return build_prepared(db_path, settings, profile, out_dir, workers, progress).out_dir


def build_prepared(db_path: Path, settings: Settings, profile: Profile, out_dir: Path, workers: int = 2,
                   progress: Callable[[str], None] | None = None) -> "Prepared":
    """:func:`build_site_from`, returning the :class:`Prepared` (how long each process read and
    which parts it wrote). The second process of the reads is reaped on any failure."""
    with _frozen_heap():
        prepared = prepare_from(db_path, settings, profile, out_dir, workers=workers)
        try:
            if progress is not None:
                progress(f"[site] read: {prepared.describe()}")
            write_prepared(prepared, workers)
        finally:
            prepared.close()
        return prepared


class Prepared:
    """What every part of the site reads, read once (:func:`prepare_from`), and where it goes."""

    def __init__(self, db_path: Path, settings: Settings, profile: Profile, out_dir: Path, parts: tuple) -> None:
        self.db_path, self.settings, self.profile, self.out_dir = Path(db_path), settings, profile, Path(out_dir)
        self.sb, self.md, self.ex, self.owner_urls, self.dls, self.changes, self.network_downloads = parts
        #: seconds spent reading, here and (``"side"``) in the second process (:func:`prepare_from`)
        self.took: dict[str, float] = {}
        #: the parts each process wrote, (name, seconds) (:func:`write_prepared`)
        self.written_by: tuple[list[tuple[str, float]], ...] = ()
        #: the second process of the reads, writing the owner pages (two processes; else None)
        self.side: "parallel.Child | None" = None

    def describe(self) -> str:
        """How long the reading took in each process (the build prints it)."""
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.took.items())

    def close(self) -> None:
        """Wait for the second process of the reads when it still runs (a failure is ignored:
        :func:`write_prepared` raises it)."""
        if self.side is not None:
            self.side.reap()
            self.side = None


def prepare_from(db_path: Path, settings: Settings, profile: Profile, out_dir: Path,
                 with_changes: bool = True, workers: int = 2) -> Prepared:
    """Make ``out_dir`` with the static files, read the tables every part reads and write the
    network files, from ``db_path`` through read-only connections.

    Two halves, run by two processes at once when ``workers`` is 2 and the system forks
    (:class:`infrarisk.parallel.Child`; else in turn): here :class:`SiteBuilder` and
    :func:`mapdata.collect`; in the child the owner pages' data (:func:`extras.plan_extras`),
    what changed since the previous published build (:func:`.changes.compute`; not with
    ``with_changes`` False or on a past date) and the network files (:func:`extras.write_networks`,
    whose descriptions only the sources page lists). The child sends back the owner pages' URLs
    (every page links owners by them), the changes and the network files' descriptions as soon
    as it has them, then writes the owner pages itself, from the data only it holds, while the
    other parts are written (:func:`write_prepared` waits for it; :attr:`Prepared.side`).
    """
    from .. import parallel
    from .builder import page_common, read_sources
    from .changes import compute

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=False)
    copy_static(out_dir)
    split = workers > 1 and parallel.can_fork()
    threads = parallel.cores_each(workers) if split else None

    def side_reads() -> tuple:
        con = connect_read_only(db_path, threads)
        try:
            ex = extras.plan_extras(con)
            changes = None if settings.as_of or not with_changes else compute(con, settings)
            nets = extras.write_networks(con, out_dir)
            common = page_common(read_sources(con), settings, profile) | ex.common()
        finally:
            con.close()
        return ex, changes, nets, common

    def here() -> tuple:
        t = time.perf_counter()
        con = connect_read_only(db_path, threads)
        try:
            sb = SiteBuilder(con, settings, profile)
            md = mapdata.collect(sb)
        finally:
            con.close()
        sb.con = None
        return sb, md, time.perf_counter() - t

    def side(post: Callable[[object], None]) -> list[tuple[str, float]]:
        t = time.perf_counter()
        ex, changes, nets, common = side_reads()
        post((ex.owner_urls, changes, nets, time.perf_counter() - t))
        with _frozen_heap():
            t = time.perf_counter()
            extras.write_owners(ex, out_dir, common)
        return [("owners", round(time.perf_counter() - t, 3))]

    child = None
    if split:
        child = parallel.Child(side, "the site's side reads and owner pages", early=True)
        try:
            sb, md, here_s = here()
            owner_urls, changes, nets, side_s = child.first()
        except BaseException:
            child.reap()
            raise
        ex = None  # the child writes the owner pages
    else:
        sb, md, here_s = here()
        t = time.perf_counter()
        ex, changes, nets, _ = side_reads()
        owner_urls, side_s = ex.owner_urls, time.perf_counter() - t
    sb.common.update(owner_urls=owner_urls)  # every page links owners by them
    dls = downloads.describe_downloads(sb, md)  # the files: by the downloads' part (write_prepared)
    p = Prepared(db_path, settings, profile, out_dir, (sb, md, ex, owner_urls, dls, changes, nets))
    p.side = child
    p.took = {"here": round(here_s, 3), "side": round(side_s, 3)}
    return p


def write_prepared(p: Prepared, workers: int = 2) -> Path:
    """Write the site's files from ``p``, shared by two processes when ``workers`` is 2 and the
    system forks.

    The files fall into parts that write disjoint files (:func:`_parts`): the map, the owner
    pages, the downloads, the other pages, the JSON API, the sources page. The owner pages are
    written by the second process of the reads when :func:`prepare_from` left one running
    (:attr:`Prepared.side`, waited for here). Of the other parts, a child process and this one
    each take the next part not yet taken (:class:`~infrarisk.parallel.WorkQueue`, in
    :func:`_parts`' order) until none is left, each through its own read-only connection to
    ``p.db_path`` (:mod:`infrarisk.parallel`), so the work splits evenly whichever part grows
    with the data. The files are the same whichever process writes a part; a failure in any
    process raises here.
    """
    from .. import parallel

    parts = _parts(p)
    side, p.side = p.side, None
    try:
        if workers < 2 or not parallel.can_fork():
            with _frozen_heap():
                p.written_by = (_run_parts(p, parts, range(len(parts))),)
        else:
            queue = parallel.WorkQueue(len(parts))  # the numbers of the parts left

            def work() -> list[tuple[str, float]]:
                return _run_parts(p, parts, queue.take(), parallel.cores_each(workers))
            try:
                with _frozen_heap():
                    p.written_by = parallel.run_pair(work, work, what="a part of the site")
            finally:
                queue.close()
    except BaseException:
        if side is not None:
            side.reap()
        raise
    if side is not None:
        p.written_by += (side.join(),)
    return p.out_dir


def _parts(p: Prepared) -> list[tuple[str, Callable[[duckdb.DuckDBPyConnection], None]]]:
    """The parts of the site's files as (name, function of a read-only connection), the longest
    first (measured on the shipped data and at 100,000 assets), so the last ones even out; the
    owner pages only when this process holds their data (:attr:`Prepared.ex`)."""
    sb, md, ex, out = p.sb, p.md, p.ex, p.out_dir
    owners = [("owners", lambda con: extras.write_owners(ex, out, sb.common))] if ex is not None else []
    return owners + [
        ("map", lambda con: pages.map_files(sb, md, p.dls, out)),
        ("pages", lambda con: pages.other_pages(con, sb, md, p.settings, p.profile, out, p.changes)),
        ("downloads", lambda con: downloads.write_sets(downloads.download_sets(sb, md), out)),
        ("api", lambda con: extras.write_api(sb, p.owner_urls, out, p.changes)),
        ("sources", lambda con: pages.sources_page(sb, out, p.network_downloads)),
    ]


def _run_parts(p: Prepared, parts: list, numbers: Iterable[int], threads: int | None = None
               ) -> list[tuple[str, float]]:
    """Run the parts numbered by ``numbers`` through one read-only connection (``threads``: its DuckDB
    threads, :func:`connect_read_only`); their names and seconds."""
    done = []
    p.sb.con = con = connect_read_only(p.db_path, threads)
    try:
        for i in numbers:
            name, fn = parts[i]
            t = time.perf_counter()
            fn(con)
            done.append((name, round(time.perf_counter() - t, 3)))
    finally:
        con.close()
    return done


def connect_read_only(db_path: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a finished database file; ``threads``: DuckDB's threads (default: every
    core; the site's processes each take their share, :func:`infrarisk.parallel.cores_each`)."""
    return duckdb.connect(str(db_path), read_only=True, config={} if threads is None else {"threads": threads})
