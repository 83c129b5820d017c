"""Tables handed from the second load process to the first, part by part, while it still loads.

Contract: :class:`Parts` is made before the fork (:class:`~infrarisk.sources.lanes.LoadLanes`);
its pipe is the only channel. In the child, the tables made inside :meth:`~Parts.writing` go into a
database file of their own beside the build's (``<base>.part<n>``: the connection's default database
meanwhile, its own tables still found by name), closed at the end of the block, and the part's number
goes up the pipe; the child :meth:`~Parts.finish`\\ es by closing its end. This process :meth:`~Parts.copy`\\ s the finished
parts into its database (those finished so far, or, waiting, every part until the child's end is
closed), removing each file once copied; :attr:`~Parts.copied` lists the tables copied.
:meth:`~Parts.clean` removes whatever files are left (a failure).
"""

from __future__ import annotations

import glob
import os
import select
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .. import db


class Parts:
    """The parts of ``base`` (a path; the parts' files are ``<base>.part<n>``), handed over by a pipe."""

    def __init__(self, base: Path) -> None:
        self.base = Path(base)
        self._read, self._write = os.pipe()
        self._pending = b""  # a part number read in half
        self.copied: list[str] = []

    def path(self, part: int) -> Path:
        """The database file of ``part``."""
        return self.base.with_name(f"{self.base.name}.part{part}")

    # the child's side
    def forked_child(self) -> None:
        """In the child, right after the fork: the read end is the other process's."""
        os.close(self._read)
        self._read = None

    @contextmanager
    def writing(self, con: duckdb.DuckDBPyConnection, part: int):
        """The tables ``con`` creates in the block go into the file of ``part`` (its default database
        meanwhile; the tables of its own database are still found by name), which is then closed and
        named to the other process. Yields the list the names of the part's tables are put in once the
        block ends (nothing is sent when it raises)."""
        home = con.execute("SELECT current_database()").fetchall()[0][0]
        db.attach(con, self.path(part), "lane_part")
        names: list[str] = []
        try:
            con.execute("USE lane_part")
            con.execute(f"SET search_path = 'lane_part.main,{home}.main'")
            yield names
            names += [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'lane_part' "
                "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        finally:
            con.execute(f"USE {home}")
            con.execute("DETACH lane_part")  # written and closed: the other process may read it
        if names:
            os.write(self._write, part.to_bytes(2, "big"))

    def finish(self) -> None:
        """The child has no more parts (the other process reads to here)."""
        if self._write is not None:
            os.close(self._write)
            self._write = None

    # this process's side
    def forked_parent(self) -> None:
        """In this process, right after the fork: the write end is the child's."""
        self.finish()

    def copy(self, con: duckdb.DuckDBPyConnection, wait: bool) -> None:
        """Copy into ``con`` the parts finished so far; with ``wait``, every part until the child
        closes its end. Each part's file is removed once copied."""
        while self._read is not None:
            if not wait and not select.select([self._read], [], [], 0)[0]:
                return
            data = os.read(self._read, 64)
            if not data:  # the child closed its end: no more parts
                return
            for part in self.numbers(data):
                path = self.path(part)
                try:
                    self.copied += db.copy_tables(con, path)
                finally:
                    path.unlink(missing_ok=True)
                    Path(f"{path}.wal").unlink(missing_ok=True)

    def numbers(self, data: bytes) -> list[int]:
        """The part numbers in ``data`` (two bytes each; an odd byte waits for the next read).

        Examples
        --------
        >>> p = Parts(Path("x")); p.finish()
        >>> p.numbers(b"\\x00\\x01\\x00"), p.numbers(b"\\x07"), p.close()
        ([1], [7], None)
        """
        data, self._pending = self._pending + data, b""
        if len(data) % 2:
            data, self._pending = data[:-1], data[-1:]
        return [int.from_bytes(data[k:k + 2], "big") for k in range(0, len(data), 2)]

    def close(self) -> None:
        """Close this process's ends of the pipe."""
        self.finish()
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def clean(self) -> None:
        """Remove every part file left."""
        for p in self.base.parent.glob(glob.escape(self.base.name) + ".part*"):
            p.unlink(missing_ok=True)
