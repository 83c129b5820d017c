"""Scratch folder and publishing a finished file (:mod:`infrarisk.fsops`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infrarisk import fsops
from tests.conftest import reaped


def test_scratch_is_the_configured_folder_else_memory_with_room_else_beside(tmp_path):
    mem, beside = tmp_path / "mem", tmp_path / "beside"
    mem.mkdir()
    assert fsops.scratch_dir(tmp_path / "mine", beside, 1, memory=mem) == tmp_path / "mine"
    assert fsops.scratch_dir(None, beside, 1, memory=mem) == mem
    assert fsops.scratch_dir(None, beside, 1 << 62, memory=mem) == beside  # no room
    assert fsops.scratch_dir(None, beside, 1, memory=tmp_path / "absent") == beside
    (tmp_path / "file").write_text("x")
    assert fsops.scratch_dir(None, beside, 1, memory=tmp_path / "file") == beside  # not a folder


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_memory_folder_is_not_used(tmp_path):
    mem = tmp_path / "mem"
    mem.mkdir(mode=0o500)
    assert fsops.scratch_dir(None, tmp_path, 1, memory=mem) == tmp_path


def _other_file_system(tmp_path: Path) -> Path | None:
    for d in (fsops.MEMORY_DIR, Path("/tmp")):
        if d.is_dir() and os.access(d, os.W_OK) and os.stat(d).st_dev != os.stat(tmp_path).st_dev:
            return d
    return None


def test_publish_renames_on_one_file_system(tmp_path):
    (tmp_path / "new").write_bytes(b"new")
    (tmp_path / "db").write_bytes(b"old")
    fsops.publish_file(tmp_path / "new", tmp_path / "db")
    assert (tmp_path / "db").read_bytes() == b"new" and not (tmp_path / "new").exists()


def test_publish_copies_across_file_systems_and_leaves_nothing_behind(tmp_path):
    other = _other_file_system(tmp_path)
    if other is None:
        pytest.skip("no second file system here")
    src = other / f"infrarisk-test-{os.getpid()}.bin"
    src.write_bytes(b"x" * 100_000)
    try:
        (tmp_path / "db").write_bytes(b"old")
        fsops.publish_file(src, tmp_path / "db")
    finally:
        leftover = src.exists()
        src.unlink(missing_ok=True)
    assert (tmp_path / "db").read_bytes() == b"x" * 100_000
    assert not leftover and sorted(p.name for p in tmp_path.iterdir()) == ["db"]


def test_publish_failing_keeps_the_old_file(tmp_path, monkeypatch):
    other = _other_file_system(tmp_path)
    if other is None:
        pytest.skip("no second file system here")
    src = other / f"infrarisk-test-{os.getpid()}.bin"
    src.write_bytes(b"new")

    def full(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(fsops.shutil, "copyfile", full)
    try:
        (tmp_path / "db").write_bytes(b"old")
        with pytest.raises(OSError, match="No space"):
            fsops.publish_file(src, tmp_path / "db")
        assert src.exists()  # the finished file is not lost either
    finally:
        src.unlink(missing_ok=True)
    assert (tmp_path / "db").read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["db"]


def test_stale_working_files_of_gone_builds_are_removed_and_running_ones_kept(tmp_path):
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(done.stdout)  # a process that has ended
    mine = os.getpid()
    for n in (f".db.duckdb.{gone}.tmp", f".db.duckdb.{gone}.tmp.wal", f".db.duckdb.{gone}.tmp.lane",
              f".db.duckdb.{mine}.tmp", f".other.duckdb.{gone}.tmp", ".db.duckdb.notapid.tmp", "db.duckdb"):
        (tmp_path / n).write_text("x")
    (tmp_path / f".db.duckdb.{gone}.tmp.tmp").mkdir()  # DuckDB's spill folder
    removed = fsops.remove_stale(tmp_path, "db.duckdb")
    assert sorted(removed) == sorted([f".db.duckdb.{gone}.tmp", f".db.duckdb.{gone}.tmp.wal",
                                      f".db.duckdb.{gone}.tmp.lane", f".db.duckdb.{gone}.tmp.tmp"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".db.duckdb.{mine}.tmp", f".other.duckdb.{gone}.tmp", ".db.duckdb.notapid.tmp", "db.duckdb"])


def test_folder_bytes_counts_every_regular_file_once(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "x.txt").write_bytes(b"12345")
    (tmp_path / "a" / "y.bin").write_bytes(b"\0" * 300)
    (tmp_path / "a" / "b" / "z").write_bytes(b"")
    (tmp_path / "link").symlink_to(tmp_path / "x.txt")  # a link is not a second copy
    (tmp_path / "dirlink").symlink_to(tmp_path / "a", target_is_directory=True)
    assert fsops.folder_bytes(tmp_path) == 305
    assert fsops.folder_bytes(tmp_path) == sum(p.stat().st_size for p in tmp_path.rglob("*")
                                              if p.is_file() and not p.is_symlink())


@pytest.fixture
def far_file(tmp_path):
    """A file on another file system than ``tmp_path`` (removed afterwards)."""
    other = _other_file_system(tmp_path)
    if other is None:
        pytest.skip("no second file system here")
    src = other / f"infrarisk-test-ahead-{os.getpid()}.bin"
    src.write_bytes(b"y" * 200_000)
    yield src
    src.unlink(missing_ok=True)


def test_publish_ahead_copies_in_a_child_and_renames_when_told(tmp_path, far_file):
    (tmp_path / "db").write_bytes(b"old")
    p = fsops.PublishAhead.start(far_file, tmp_path / "db")
    assert p.child is not None and p.part.name == f".db.{os.getpid()}.tmp.part"
    pid = p.child.pid
    assert (tmp_path / "db").read_bytes() == b"old"  # readers see the old file until finish
    p.finish()
    assert reaped(pid) and (tmp_path / "db").read_bytes() == b"y" * 200_000
    assert not far_file.exists() and sorted(q.name for q in tmp_path.iterdir()) == ["db"]


def test_publish_ahead_abandoned_leaves_both_files_and_no_copy(tmp_path, far_file):
    (tmp_path / "db").write_bytes(b"old")
    p = fsops.PublishAhead.start(far_file, tmp_path / "db")
    pid = p.child.pid
    p.abandon()
    assert reaped(pid) and (tmp_path / "db").read_bytes() == b"old" and far_file.exists()
    assert sorted(q.name for q in tmp_path.iterdir()) == ["db"]


def test_publish_ahead_failing_copy_raises_at_finish_and_keeps_the_old_file(tmp_path, far_file, monkeypatch):
    def full(src, dest, *a, **k):
        Path(dest).write_bytes(b"half")  # a partial copy, then the disk is full
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(fsops.shutil, "copyfile", full)  # the child, forked after, has it too
    (tmp_path / "db").write_bytes(b"old")
    p = fsops.PublishAhead.start(far_file, tmp_path / "db")
    with pytest.raises(OSError, match="No space"):
        p.finish()
    assert (tmp_path / "db").read_bytes() == b"old" and far_file.exists()
    assert sorted(q.name for q in tmp_path.iterdir()) == ["db"]


def test_publish_ahead_on_one_file_system_renames_at_finish(tmp_path):
    (tmp_path / "new").write_bytes(b"new")
    p = fsops.PublishAhead.start(tmp_path / "new", tmp_path / "db")
    assert p.child is None and not (tmp_path / "db").exists()
    p.finish()
    assert (tmp_path / "db").read_bytes() == b"new" and not (tmp_path / "new").exists()


def test_a_killed_builds_copy_is_cleared_as_stale(tmp_path):
    (tmp_path / ".db.duckdb.999999999.tmp.part").write_bytes(b"half")
    assert fsops.remove_stale(tmp_path, "db.duckdb") == [".db.duckdb.999999999.tmp.part"]
