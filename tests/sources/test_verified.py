"""The dataset folders' check, run ahead in a child process (:mod:`infrarisk.sources.verified`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infrarisk import parallel, pipeline
from infrarisk.errors import ConfigError, ManifestError
from infrarisk.settings import Settings
from infrarisk.sources import list_sources, manifest, verified
from tests.conftest import REPO_DATASETS, reaped

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork")


@needs_fork
def test_the_child_finds_what_a_check_here_finds_and_records_it_here(tmp_path):
    ds = tmp_path / "datasets"
    shutil.copytree(REPO_DATASETS, ds)
    with open(sorted((ds / "wpi").rglob("*.csv"))[0], "a") as fh:
        fh.write("tampered\n")
    verified._VERIFIED.clear()
    here = verified.verify_folders(list_sources(ds))
    verified._VERIFIED.clear()
    ahead = verified.Ahead.start(ds)
    pid = ahead.child.pid
    got = ahead.result()
    assert reaped(pid) and ahead.child is None
    assert got.errors == here.errors and list(got.errors) == ["wpi"]
    assert got.keys == here.keys and sorted(got.manifests) == sorted(here.manifests)
    assert [m.to_dict() for m in got.manifests.values()] == [m.to_dict() for m in here.manifests.values()]
    assert got.seconds > 0
    # every folder that passed is known here: a loader's check costs only a listing
    folder = ds / "unlocode"
    assert verified._VERIFIED[folder.resolve()][0] == verified.fingerprint(folder)
    assert ahead.result() is got  # taken once


@needs_fork
def test_the_child_keeps_no_parsed_geojson_for_loaders_it_does_not_run():
    manifest._PARSED.clear()
    v = verified.verify_folders([REPO_DATASETS / "naturalearth"], keep=False)
    assert not manifest._PARSED and not v.errors
    verified.verify_folders([REPO_DATASETS / "naturalearth"])
    assert manifest._PARSED  # kept for the loader by default
    manifest._PARSED.clear()


def test_nothing_is_started_for_one_process_or_without_source_folders(tmp_path):
    assert verified.Ahead.start(REPO_DATASETS, workers=1) is None
    assert verified.Ahead.start(tmp_path / "missing") is None
    assert verified.Ahead.start(tmp_path) is None  # no folder with a manifest: the verify stage says so


@needs_fork
def test_a_build_failing_before_its_verify_stage_reaps_the_child(tmp_path):
    s = Settings.load(environ={}, db_path=tmp_path / "db.duckdb", site_dir=tmp_path / "site",
                      profile="no-such-profile")
    ahead = verified.Ahead.start(s.datasets_dir)
    pid = ahead.child.pid
    with pytest.raises(ConfigError):
        pipeline.build(s, ahead=ahead)
    assert ahead.child is None and reaped(pid)
    assert not (tmp_path / "site").exists()


@needs_fork
def test_a_folder_edited_after_the_child_checked_it_is_checked_again_by_its_loader(tmp_path):
    ds = tmp_path / "datasets"
    shutil.copytree(REPO_DATASETS, ds)
    s = Settings.load(environ={}, datasets_dir=ds, db_path=tmp_path / "db.duckdb", site_dir=tmp_path / "site",
                      registry_db_path=tmp_path / "no-registry.duckdb")
    got = verified.Ahead.start(ds).result()  # the child checked the files untouched
    assert not got.errors
    f = sorted((ds / "curated").rglob("*.csv"))[0]
    f.write_text(f.read_text() + "tampered\n")
    with pytest.raises(ManifestError, match="datasets/curated"):
        verified.verify(ds / "curated")
    ahead2 = verified.Ahead.start(ds)
    with pytest.raises(ManifestError, match="datasets/curated"):
        pipeline.build(s, ahead=ahead2)
    assert ahead2.child is None and not Path(s.site_dir).exists()
