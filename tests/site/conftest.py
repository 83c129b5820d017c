"""Builds of the real shipped datasets (once per session) and of a copy carrying hostile names."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from infrarisk.pipeline import build
from infrarisk.settings import Settings
from infrarisk.sources import rehash

REPO = Path(__file__).resolve().parents[2]
XSS_ASSET = "<img src=x onerror=alert(1)>"
XSS_ENTITY = "Evil </script><script>alert(2)</script> Holdings"


def _build(tmp: Path, datasets: Path, name: str):
    s = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp / name / "db.duckdb", site_dir=tmp / name / "site")
    return s, build(s)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """(settings, report) of a build of the shipped datasets."""
    return _build(tmp_path_factory.mktemp("real"), REPO / "datasets", "a")


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory):
    """A build of a copy of the datasets with script in an asset name and an entity name."""
    tmp = tmp_path_factory.mktemp("hostile")
    ds = tmp / "datasets"
    shutil.copytree(REPO / "datasets", ds)
    own = ds / "ownership"
    with open(own / "entities.csv", newline="", encoding="utf-8") as fh:
        ents = list(csv.DictReader(fh))
    row = {k: "" for k in ents[0]}
    row.update(entity_id="evil-holdings", entity_name=XSS_ENTITY, hq_country="CN", jurisdiction="CN",
               entity_type="company", source_url="https://example.org/evil")
    _append(own / "entities.csv", row)
    with open(own / "asset_stakes.csv", newline="", encoding="utf-8") as fh:
        stake = dict(next(csv.DictReader(fh)))
    stake.update(stake_id="S-xss", asset_name=XSS_ASSET, shareholder_company=XSS_ENTITY, stake_pct="30",
                 note="hostile test row", source_url="https://example.org/evil?a=1&b=<b>")
    _append(own / "asset_stakes.csv", stake)
    rehash(own)
    return _build(tmp, ds, "h")


def _append(path: Path, row: dict) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=header, lineterminator="\n").writerow(row)
