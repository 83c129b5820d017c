"""Sources: one package per source under ``infrarisk.sources.<package>``; manifests in :mod:`.manifest`.

Contract (interim, until the discovery of the "sources" helper lands): re-exports the manifest
API of :mod:`infrarisk.sources.manifest` so ``from infrarisk.sources import verify`` keeps working.
"""

from .manifest import (MANIFEST, FileEntry, Manifest, count_rows, describe_file, list_sources, read_manifest,
                       rehash, sha256_file, verify, verify_all, write_manifest)

__all__ = ["MANIFEST", "FileEntry", "Manifest", "count_rows", "describe_file", "list_sources", "read_manifest",
           "rehash", "sha256_file", "verify", "verify_all", "write_manifest"]
