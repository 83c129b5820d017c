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
