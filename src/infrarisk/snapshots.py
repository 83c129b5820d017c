"""The inputs an update builds from: raw snapshots laid over each other, checked, re-derived.

Contract: :func:`raw_overlay` lays the shipped raw snapshots, the fetched ones and this run's
staged ones over each other as symbolic links (nothing copied); :func:`verify_snapshot`
checks every file of a snapshot folder against its provenance sidecar (ManifestError naming
the file otherwise); :func:`derive_datasets` copies ``datasets/`` into the build folder and
re-imports the fetched sources there; :func:`dataset_inputs` gives the sha256 of every
dataset file a build reads. Used by :mod:`infrarisk.publish`; no network here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import ManifestError
from .runs import Progress
from .settings import Settings
from .sidecars import SIDECAR, read_provenance
from .sources import _fetch, read_manifest, sha256_file, write_manifest


def raw_overlay(settings: Settings, dest: Path, staged: dict[str, Path] | None = None) -> Path:
    """A raw snapshot root for the importers: the shipped raw snapshots, the fetched ones laid
    over them file by file, then this run's new (staged) snapshots over those (symbolic
    links; nothing is copied)."""
    dest.mkdir(parents=True)
    roots = [(Path(r), "") for r in (settings.shared_data_dir, settings.snapshots_dir) if r is not None and Path(r).is_dir()]
    roots += [(Path(tmp), folder) for folder, tmp in sorted((staged or {}).items())]
    for root, prefix in roots:
        for p in sorted(root.rglob("*")):
            rel = Path(prefix) / p.relative_to(root)
            if not p.is_file() or p.name.endswith(SIDECAR) or any(x.startswith(".") for x in rel.parts):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.symlink_to(p.resolve())
    return dest


def verify_snapshot(folder: Path, name: str | None = None) -> dict[str, dict]:
    """Every file of a snapshot folder against its provenance sidecar (sha256)."""
    out = {}
    name = name or folder.name
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name.endswith(SIDECAR) or p.name.startswith("."):
            continue
        prov = read_provenance(p)
        rel = p.relative_to(folder).as_posix()
        if prov is None:
            raise ManifestError(f"snapshot {name}/{rel} has no provenance record; fetch it again")
        digest = sha256_file(p)
        if digest != prov.sha256:
            raise ManifestError(f"checksum mismatch: snapshot {name}/{rel} has sha256 {digest[:16]}…, its "
                                f"provenance record says {prov.sha256[:16]}… (changed after it was fetched)")
        out[rel] = {"sha256": digest, "bytes": prov.bytes, "url": prov.url, "retrieved_at": prov.retrieved_at}
    return out


def derive_datasets(settings: Settings, ids: list[str], work: Path, progress: Progress,
                    staged: dict[str, Path] | None = None) -> dict:
    """Copy ``datasets/`` to ``work/datasets`` and re-import the fetched sources there
    (``staged``: snapshot folder name -> this run's new snapshot, not yet committed)."""
    from .sources import derive_all

    staged = staged or {}
    ds = work / "datasets"
    shutil.copytree(settings.datasets_dir, ds)  # a real copy: importers rewrite files in place
    done = {}

    def folder_of(src):
        return staged.get(src.folder) or Path(settings.snapshots_dir) / src.folder

    todo = [s for s in (_fetch.by_id(settings, i) for i in ids) if s.dataset and folder_of(s).is_dir()]
    if todo:
        raw = raw_overlay(settings, work / "raw", staged)
        for src in todo:
            snap = verify_snapshot(folder_of(src), src.folder)
            progress(f"[import] {src.id} from the snapshot {src.folder}/")
            (m,) = derive_all(raw, ds, [src.dataset])
            main = snap.get(src.files[0].name)
            if main:
                m.retrieved = main["retrieved_at"][:10]
                m.origin_url = main["url"]
                m.notes = (m.notes + " " if m.notes else "") + (
                    f"Refreshed by infrarisk update from {main['url']}, retrieved {m.retrieved} "
                    f"(sha256 {main['sha256'][:16]}…); edition notes above describe the snapshot first imported.")
                write_manifest(ds / m.id, m)
            done[src.id] = {"importer": src.dataset, "snapshot": snap}
    return done


def dataset_inputs(datasets_dir: Path) -> dict[str, str]:
    """sha256 of every dataset file the build reads, from the manifests."""
    out = {}
    for mf in sorted(Path(datasets_dir).glob("*/manifest.toml")):
        m = read_manifest(mf.parent)
        for f in m.files:
            out[f"{m.id}/{f.path}"] = f.sha256
    return out
