"""Derive ``datasets/`` from the raw public snapshots (``../shared/data``).

Contract: ``infrarisk datasets import`` runs each importer below. An importer reads raw
snapshot files (checking their columns strictly), writes the derived files of one source
folder deterministically (same input bytes, same output bytes) and writes the folder's
``manifest.toml`` with origin URL, licence, attribution, retrieval date, sha256 and row
counts, plus the sha256 of every raw file it read (``derived_from``). Hand-written
correction files already in the folder (``corrections/``) are kept and listed.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ..errors import ConfigError
from ..sources import Manifest

#: source id -> module (each has ``SOURCE_ID`` and ``build(shared, out_dir) -> Manifest``)
IMPORTERS = {
    "curated": "infrarisk.sources.curated.derive",
    "wpi": "infrarisk.imports.wpi",
    "unlocode": "infrarisk.imports.unlocode",
    "naturalearth": "infrarisk.imports.naturalearth",
    "submarine-cables": "infrarisk.imports.cables",
    "gem-europe-gas": "infrarisk.imports.gem",
    "gleif": "infrarisk.imports.gleif_names",   # after the sources whose owner names it looks up
}


def run_imports(shared: Path | None, datasets_dir: Path, only: list[str] | None = None) -> list[Manifest]:
    """Run the importers (all, or those named in ``only``) and return their manifests."""
    if shared is None or not Path(shared).is_dir():
        raise ConfigError(
            f"raw snapshot folder {shared} not found; pass --from PATH or set INFRARISK_SHARED_DATA_DIR"
        )
    names = only or list(IMPORTERS)
    unknown = sorted(set(names) - set(IMPORTERS))
    if unknown:
        raise ConfigError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(IMPORTERS)}")
    out = []
    for name in names:
        mod = import_module(IMPORTERS[name])
        folder = Path(datasets_dir) / mod.SOURCE_ID
        folder.mkdir(parents=True, exist_ok=True)
        out.append(mod.build(Path(shared), folder))
    return out
