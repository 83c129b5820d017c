"""Every source, found from the manifests: discovery, load order, derive order.

Contract: a source is one folder ``datasets/<id>/`` with a ``manifest.toml`` plus one
package ``infrarisk.sources.<package>`` (named by the manifest's ``package`` key) holding
``SOURCE_ID``, ``load.load(con, settings, log)``, ``derive.build(shared, out_dir) -> Manifest``
(absent for a hand-written source such as ``matching``) and optionally ``fetch.py`` (what ``infrarisk fetch`` needs beyond the manifest's
``[refresh]`` table) and ``load.load_for_dependents(con, settings, log)`` (only the tables the
loaders of the sources that depend on it read: what the build's second load process needs of a
source it loads for those loaders alone, :mod:`.lanes`). There is no list of sources in code:

- :func:`discover` reads every manifest of ``datasets/`` and orders the sources by their
  ``depends_on`` (topologically, ties by id);
- :func:`load_all` attaches the ingested registry database (:mod:`.registry.load`) and runs
  each source's loader in that order (each writes only its own tables; the build then runs
  the integrate stage, :mod:`infrarisk.integrate`);
- :func:`derive_all` runs the derive steps (``infrarisk datasets import``) in the order
  their packages declare (``derive.MANIFEST_KEYS``, the keys each writes into its manifest).

A package whose dataset folder is absent still runs its loader first (it writes its
tables empty), so later stages find every table they read.

The manifest API (:mod:`.manifest`) is re-exported here: ``from infrarisk.sources import
verify`` keeps working.
"""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType

from ..errors import ConfigError, ManifestError
from .manifest import (MANIFEST, FileEntry, Manifest, count_rows, describe_file, list_sources, read_manifest,
                       rehash, sha256_file, verify, verify_all, write_manifest)

__all__ = ["MANIFEST", "FileEntry", "Manifest", "Source", "count_rows", "derive_all", "describe_file", "discover",
           "list_sources", "load_all", "manifest_keys", "packages", "read_manifest", "rehash", "sha256_file", "topological",
           "verify", "verify_all", "write_manifest"]



@dataclass(frozen=True)
class Source:
    """One discovered source: its id, the modules that derive and load it, its dependencies."""

    id: str
    derive_module: str
    load_module: str
    depends_on: tuple[str, ...]


def topological(deps: dict[str, tuple[str, ...]]) -> list[str]:
    """Ids ordered so each comes after what it depends on; ties by id.

    A dependency that is not in ``deps`` is ignored (an optional source left out).

    Examples
    --------
    >>> topological({"wpi": ("unlocode", "naturalearth"), "naturalearth": ("unlocode",), "unlocode": (),
    ...              "gem": ("naturalearth",)})
    ['unlocode', 'naturalearth', 'gem', 'wpi']
    >>> topological({"a": ("b",), "b": ("a",)})
    Traceback (most recent call last):
    ...
    infrarisk.errors.ConfigError: depends_on forms a cycle among: a, b
    """
    todo = {k: {d for d in v if d in deps and d != k} for k, v in deps.items()}
    out: list[str] = []
    while todo:
        ready = sorted(k for k, v in todo.items() if not v)
        if not ready:
            raise ConfigError(f"depends_on forms a cycle among: {', '.join(sorted(todo))}")
        k = ready[0]
        out.append(k)
        del todo[k]
        for v in todo.values():
            v.discard(k)
    return out


def packages() -> dict[str, ModuleType]:
    """``SOURCE_ID -> package`` of every source package under ``infrarisk/sources/``.

    Packages without ``SOURCE_ID`` (``registry``, the ingest formats) are no dataset
    sources. This lists folders; it is no registry of ids.
    """
    out = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        mod = import_module(f"{__name__}.{info.name}")
        if getattr(mod, "SOURCE_ID", None):
            out[mod.SOURCE_ID] = mod
    return out


def manifest_keys(source_id: str) -> dict:
    """The keys the package of ``source_id`` writes into its manifest (``package``,
    ``table_prefix``, ``depends_on``, ``refresh``): the package's own ``MANIFEST_KEYS`` (a
    hand-written source), else its derive step's; ``{}`` for an id without a package. For
    manifests written by hand or by tests."""
    pkg = packages().get(source_id)
    if pkg is None:
        return {}
    return dict(getattr(pkg, "MANIFEST_KEYS", None) or getattr(_derive_module(pkg), "MANIFEST_KEYS", {}))


def _derive_module(pkg: ModuleType) -> ModuleType | None:
    """The ``derive`` module of a source package; None for a hand-written source."""
    if not (Path(pkg.__path__[0]) / "derive.py").exists():
        return None
    return import_module(f"{pkg.__name__}.derive")


def _source(m: Manifest) -> Source | None:
    if m.package:
        pkg = f"{__name__}.{m.package}"
        return Source(m.id, f"{pkg}.derive", f"{pkg}.load", tuple(m.depends_on))
    raise ManifestError(f"datasets/{m.id}/{MANIFEST}: no 'package' key; say which package under "
                        f"src/infrarisk/sources/ derives and loads it")


def discover(datasets_dir: Path) -> list[Source]:
    """The sources of ``datasets_dir`` (one per manifest), in load order."""
    found = {}
    for folder in list_sources(Path(datasets_dir)):
        src = _source(read_manifest(folder))
        if src is not None:
            found[src.id] = src
    order = topological({k: v.depends_on for k, v in found.items()})
    return [found[k] for k in order]


def load_all(con, settings, log) -> None:
    """Load every source into ``con``: registry data, absent sources' empty tables, each
    source in :func:`discover` order."""
    from .registry.load import load as load_registry

    load_registry(con, settings, log)
    present = discover(settings.datasets_dir)
    have = {s.id for s in present}
    for sid, pkg in sorted(packages().items()):
        if sid not in have:  # its loader writes the tables empty
            import_module(f"{pkg.__name__}.load").load(con, settings, log)
    for src in present:
        import_module(src.load_module).load(con, settings, log)


def derive_modules() -> dict[str, ModuleType]:
    """The derive module of every source that has one, by source id."""
    return {sid: mod for sid, pkg in packages().items() if (mod := _derive_module(pkg)) is not None}


def derive_order(mods: dict[str, ModuleType]) -> list[str]:
    """The ids of ``mods`` in derive order: after the sources a loader reads (``depends_on``) and
    those whose datasets the derive step reads (``derived_from``)."""
    return topological({sid: tuple(mod.MANIFEST_KEYS["depends_on"]) + tuple(mod.MANIFEST_KEYS.get("derived_from", ()))
                        for sid, mod in mods.items()})


def derive_all(shared: Path | None, datasets_dir: Path, only: list[str] | None = None) -> list[Manifest]:
    """Run the derive steps (all, or those of the ids in ``only``); their manifests.

    Each step reads raw snapshot files under ``shared`` and writes ``datasets/<id>/``
    deterministically, manifest included.
    """
    if shared is None or not Path(shared).is_dir():
        raise ConfigError(
            f"raw snapshot folder {shared} not found; pass --from PATH or set INFRARISK_SHARED_DATA_DIR"
        )
    mods = derive_modules()
    names = only or derive_order(mods)
    unknown = sorted(set(names) - set(mods))
    if unknown:
        raise ConfigError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(mods))}")
    out = []
    for name in names:
        mod = mods[name]
        folder = Path(datasets_dir) / mod.SOURCE_ID
        folder.mkdir(parents=True, exist_ok=True)
        out.append(mod.build(Path(shared), folder))
    return out
