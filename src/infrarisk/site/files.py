"""Many small files written into one folder, with as little per-file work as the system allows.

Contract: :func:`write_files` writes ``(name, bytes)`` pairs into an existing folder, each
file created (or truncated) and written in full: the owner pages (:mod:`.owner_pages`),
1,700 files for the shipped data.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_files(folder: Path, files) -> None:
    """Write each ``(name, bytes)`` of ``files`` into the existing ``folder``, replacing a file of
    that name: one open, write and close per file, relative to the folder's descriptor where the
    system allows it (no path walk, no buffered file object per file)."""
    if os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        where = {"dir_fd": dir_fd}
    else:  # pragma: no cover  (systems without dir_fd)
        dir_fd, where, folder = None, {}, str(folder)
    try:
        for name, data in files:
            fd = os.open(name if dir_fd is not None else os.path.join(folder, name),
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666, **where)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)
