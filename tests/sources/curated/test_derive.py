"""The curated derive step: status tokens become a column, nothing is dropped, output is deterministic."""

import pytest

from infrarisk.errors import DataError
from infrarisk.sources.curated import derive as curated
from tests.conftest import assert_import_matches_committed


def test_status_token_split():
    assert curated.split_status("status=current; (2019); split UNVERIFIED", "f:1") == (
        "current", "(2019); split UNVERIFIED")
    with pytest.raises(DataError, match="f:3.*unknown status token 'rumoured'"):
        curated.split_status("status=rumoured; x", "f:3")
    with pytest.raises(DataError, match="does not start with"):
        curated.split_status("no token here", "f:4")


def test_link_status_from_note():
    assert curated.link_status("UNVERIFIED: group membership inferred") == "unverified"
    assert curated.link_status("% UNVERIFIED") == "current"


def test_import_is_byte_identical_to_committed(shared_data, tmp_path):
    assert_import_matches_committed(curated, shared_data, tmp_path)


def test_every_raw_row_is_kept(shared_data, tmp_path):
    import csv
    import shutil

    from tests.conftest import REPO_DATASETS
    out = tmp_path / "curated"
    # the hand-written corrections travel with the folder
    shutil.copytree(REPO_DATASETS / "curated" / "corrections", out / "corrections")
    curated.build(shared_data, out)
    for name in ("asset_stakes", "telecom_stakes", "entities", "parent_links", "asset_locations", "transactions"):
        with open(shared_data / "ownership" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            raw = list(csv.DictReader(fh))
        with open(out / f"{name}.csv", newline="", encoding="utf-8") as fh:
            derived = list(csv.DictReader(fh))
        assert len(raw) == len(derived), name
    with open(out / "asset_stakes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["status"] for r in rows} == {"current", "unverified", "exited", "pending", "historical", "awarded"}
    assert all(r["source_url"].startswith("http") for r in rows)
    assert len({r["stake_id"] for r in rows}) == len(rows)
