"""Files written into a folder one open, write and close each: the bytes given, an older file replaced."""

from __future__ import annotations

from infrarisk.site.files import write_files


def test_write_files_writes_and_replaces(tmp_path):
    (tmp_path / "b.html").write_bytes(b"old and longer than the new text")
    write_files(tmp_path, [("a.html", "é<>\n".encode()), ("b.html", b"new"), ("c.html", b"")])
    assert (tmp_path / "a.html").read_bytes() == "é<>\n".encode()
    assert (tmp_path / "b.html").read_bytes() == b"new"
    assert (tmp_path / "c.html").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html", "c.html"]
