"""Two parts run by two processes (:mod:`infrarisk.parallel`): results, errors; the site
written by two processes is the same as by one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from infrarisk.errors import DataError
from infrarisk.profiles import load_profile
from infrarisk import parallel
from infrarisk.site import build_site_from, prepare_from, write_prepared

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_both_parts_run(tmp_path):
    parallel.run_pair(lambda: (tmp_path / "child").write_text("c"), lambda: (tmp_path / "here").write_text("h"))
    assert (tmp_path / "child").read_text() == "c" and (tmp_path / "here").read_text() == "h"


def test_child_failure_raises_its_exception_with_its_traceback(tmp_path):
    def child():
        raise DataError("broken map part")
    with pytest.raises(DataError, match="broken map part") as info:
        parallel.run_pair(child, lambda: (tmp_path / "here").write_text("h"))
    assert info.value.exit_code == DataError("x").exit_code  # the type, hence the exit code, survives
    assert any(n.startswith("raised in the child process") and "broken map part" in n for n in info.value.__notes__)
    assert (tmp_path / "here").exists()  # this process's part still ran


def test_child_error_that_does_not_pickle_becomes_child_part_error(tmp_path):
    class Local(Exception):  # a local class cannot be pickled
        pass

    def child():
        raise Local("unpicklable failure")
    with pytest.raises(parallel.ChildPartError, match="unpicklable failure"):
        parallel.run_pair(child, lambda: None)


def test_failure_here_wins_and_the_child_is_reaped(tmp_path):
    def here():
        raise KeyError("broken pages part")
    with pytest.raises(KeyError, match="broken pages part"):
        parallel.run_pair(lambda: (tmp_path / "child").write_text("c"), here)
    assert (tmp_path / "child").read_text() == "c"


def test_two_processes_write_the_same_site_as_one(real_build, tmp_path):
    settings, report = real_build
    profile = load_profile(settings.profile)
    one = build_site_from(report.db_path, settings, profile, tmp_path / "one", workers=1)
    two = build_site_from(report.db_path, settings, profile, tmp_path / "two", workers=2)
    a, b = _tree(one), _tree(two)
    assert len(a) > 50 and "index.html" in a and a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    assert _tree(report.site_dir) == a  # and the same as the build published


def test_results_of_both_parts_come_back():
    assert parallel.run_pair(lambda: {"tables": ["a", "b"]}, lambda: 2) == ({"tables": ["a", "b"]}, 2)


def test_the_two_processes_share_the_parts_each_written_once(real_build, tmp_path):
    settings, report = real_build
    p = prepare_from(report.db_path, settings, load_profile(settings.profile), tmp_path / "s")
    write_prepared(p, workers=2)
    child, here, side = p.written_by
    names = sorted(name for name, _ in child + here + side)
    assert names == sorted(set(names)) == ["api", "downloads", "map", "owners", "pages", "sources"]
    assert child and here  # both took parts
    assert [name for name, _ in side] == ["owners"]  # written by the second process of the reads
    assert (tmp_path / "s" / "sources.html").exists() and (tmp_path / "s" / "index.html").exists()
    assert set(p.took) == {"here", "side"}  # the reads were split between two processes too
    nets = {d["href"] for d in p.network_downloads}  # written by the side reads, listed by the sources page
    assert nets and all((tmp_path / "s" / h).exists() for h in nets)
    assert all(h in (tmp_path / "s" / "sources.html").read_text() for h in nets)


def test_a_first_result_comes_back_while_the_child_goes_on(tmp_path):
    gate = tmp_path / "gate"

    def fn(post):
        post({"urls": ["x" * 100_000] * 20})  # larger than a pipe holds: a thread here reads it as it comes
        while not gate.exists():  # the child waits for this process, which has its first result
            time.sleep(0.01)
        return "done"
    child = parallel.Child(fn, "a test", early=True)
    assert child.first() == {"urls": ["x" * 100_000] * 20}
    gate.write_text("go")
    assert child.join() == "done"


def test_a_child_failing_before_it_posts_raises_from_first():
    def fn(post):
        raise DataError("no owner data")
    child = parallel.Child(fn, "a test", early=True)
    with pytest.raises(DataError, match="no owner data"):
        child.first()


def test_a_child_that_never_posts_is_an_error():
    child = parallel.Child(lambda post: 1, "a test", early=True)
    with pytest.raises(parallel.ChildPartError, match="without sending its first result"):
        child.first()


def test_a_child_failing_after_it_posts_raises_from_join():
    def fn(post):
        post(1)
        raise KeyError("owner pages broke")
    child = parallel.Child(fn, "a test", early=True)
    assert child.first() == 1
    with pytest.raises(KeyError, match="owner pages broke"):
        child.join()


def test_a_child_posts_once():
    def fn(post):
        post(1)
        post(2)
    child = parallel.Child(fn, "a test", early=True)
    assert child.first() == 1
    with pytest.raises(RuntimeError, match="one first result only"):
        child.join()


def test_first_needs_an_early_child():
    child = parallel.Child(lambda: 1, "a test")
    with pytest.raises(ValueError, match="early=True"):
        child.first()
    assert child.join() == 1


def test_the_owner_pages_process_is_reaped_when_the_other_parts_fail(real_build, tmp_path, monkeypatch):
    import os
    from infrarisk import site
    settings, report = real_build
    p = prepare_from(report.db_path, settings, load_profile(settings.profile), tmp_path / "s")
    pid = p.side.pid
    monkeypatch.setattr(site.pages, "map_files", lambda *a: (_ for _ in ()).throw(DataError("broken map")))
    with pytest.raises(DataError, match="broken map"):
        write_prepared(p, workers=2)
    with pytest.raises(ChildProcessError):  # waited for: no such child any more
        os.waitpid(pid, os.WNOHANG)
    assert p.side is None


def test_cores_each_shares_the_cores_this_process_may_use():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.cores_each(1) == cores
    assert parallel.cores_each(2) == max(1, cores // 2)
    assert parallel.cores_each(64, cores=4) == 1 and parallel.cores_each(0, cores=4) == 4
