"""CLI verbs, their help, and exit codes on failure (nothing published on failure)."""

import shutil
from pathlib import Path

from click.testing import CliRunner

from infrarisk.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_every_verb_with_an_example():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    for verb in ("build", "datasets"):
        assert verb in r.output


def test_datasets_verify_ok():
    r = CliRunner().invoke(main, ["datasets", "verify", "--datasets-dir", str(REPO / "datasets")])
    assert r.exit_code == 0, r.output
    assert "ok  curated" in r.output


def test_tampered_dataset_exits_3_and_keeps_the_previous_site(tmp_path):
    ds = tmp_path / "datasets"
    shutil.copytree(REPO / "datasets", ds)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("last good site")
    with open(ds / "curated" / "asset_stakes.csv", "a") as fh:
        fh.write("tampered\n")
    r = CliRunner().invoke(main, ["build", "--out", str(site), "--db", str(tmp_path / "db.duckdb")],
                           env={"INFRARISK_DATASETS_DIR": str(ds)})
    assert r.exit_code == 3, r.output
    assert "asset_stakes.csv" in r.output and "manifest" in r.output
    assert (site / "index.html").read_text() == "last good site"
    assert not (tmp_path / "db.duckdb").exists()


def test_unknown_profile_exits_2(tmp_path):
    r = CliRunner().invoke(main, ["build", "--profile", "no-such-profile", "--out", str(tmp_path / "s"),
                                  "--db", str(tmp_path / "d.duckdb")])
    assert r.exit_code == 2
    assert "no-such-profile" in r.output


def test_run_ends_at_once_only_after_a_command_that_closed_everything(monkeypatch):
    """``run`` (the program) skips the interpreter's teardown only after a success that called
    ``all_closed``; an error keeps its exit code and exits the usual way."""
    import pytest

    from infrarisk.cli import _base

    class Ended(Exception):
        pass

    def fake_exit(code):
        raise Ended(code)

    monkeypatch.setattr(_base.os, "_exit", fake_exit)
    for closed, code, expected in ((True, 0, Ended), (False, 0, SystemExit), (True, 3, SystemExit)):
        monkeypatch.setitem(_base._DONE, "closed", False)

        def fake_main(closed=closed, code=code):
            if closed:
                _base.all_closed()
            raise SystemExit(code)

        monkeypatch.setattr(_base, "main", fake_main)
        with pytest.raises(expected) as info:
            _base.run()
        assert (info.value.args[0] if expected is Ended else info.value.code) == code
    # under a tracer or profiler (coverage, pyinstrument), which write their results at exit: the usual exit
    monkeypatch.setattr(_base.sys, "gettrace", lambda: object())
    with pytest.raises(SystemExit):
        _base.run()


def test_the_program_keeps_its_exit_code_on_failure(tmp_path):
    """``python -m infrarisk.cli build`` on a tampered dataset exits 3, says why, publishes nothing."""
    import os
    import subprocess
    import sys

    ds = tmp_path / "datasets"
    shutil.copytree(REPO / "datasets", ds)
    with open(ds / "curated" / "asset_stakes.csv", "a") as fh:
        fh.write("tampered\n")
    env = {**os.environ, "INFRARISK_DATASETS_DIR": str(ds)}
    r = subprocess.run([sys.executable, "-m", "infrarisk.cli", "build", "--out", str(tmp_path / "site"),
                        "--db", str(tmp_path / "db.duckdb")], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 3 and "asset_stakes.csv" in r.stderr
    assert not (tmp_path / "site").exists() and not (tmp_path / "db.duckdb").exists()


def _blas_probe(env: dict) -> tuple[str, int]:
    """OPENBLAS_NUM_THREADS and this process's thread count after importing the command line, then
    numpy and SciPy's sparse graphs (as a build does), in a fresh interpreter."""
    import os
    import subprocess
    import sys
    code = ("import os, infrarisk.cli, numpy, scipy.sparse.csgraph; "
            "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    value, threads = out.stdout.split()
    return value, int(threads)


def test_the_command_line_runs_openblas_on_one_thread_unless_told_otherwise():
    import os
    import pytest
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counts threads through /proc")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _blas_probe(env) == ("1", 1)  # no OpenBLAS worker thread started
    assert _blas_probe({**env, "OPENBLAS_NUM_THREADS": "2"})[0] == "2"  # the operator's setting wins
