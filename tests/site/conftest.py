"""A build of a copy of the shipped datasets carrying hostile names (once per session); the browser fixtures.

The build of the shipped datasets themselves (``real_build``) is in ``tests/conftest.py``."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from infrarisk.sources import rehash
from tests.conftest import build_datasets as _build

REPO = Path(__file__).resolve().parents[2]
XSS_ASSET = "<img src=x onerror=alert(1)>"
XSS_ENTITY = "Evil </script><script>alert(2)</script> Holdings"
#: the assets the map draws, derived from the database independently of the site code: European ports,
#: terminals, telecom and gas assets, cables landing in Europe, European landing stations with cables
MAPPED_SQL = """
    SELECT asset_id, name, asset_class, parent_asset_id, country_code, coalesce(unlocode, '') FROM out_exposure__assets
    WHERE asset_class IN ('terminal', 'telecom', 'energy') OR (asset_class = 'port' AND is_europe)
       OR (asset_class = 'landing' AND is_europe AND asset_id IN (SELECT asset_id FROM out_exposure__landings))
       OR (asset_class = 'cable' AND asset_id IN (
           SELECT l.cable_asset_id FROM core_cables__landings l
           JOIN core_cables__landing_points p ON p.asset_id = l.landing_asset_id
           JOIN core_geo__countries g ON g.country_code = p.country_code WHERE g.is_europe))
    UNION ALL  -- the supply source's mobile networks that are not curated assets (issue 13), on the telecom layer
    SELECT asset_id, name, 'telecom', NULL, country_code, '' FROM core_vendor__networks
    WHERE NOT is_existing_asset AND latitude IS NOT NULL AND longitude IS NOT NULL
    ORDER BY asset_id"""


CALL = re.compile(r'^infrarisk\.data\("(\w+)",(.*)\);\n$', re.S)


def payload(path: Path) -> tuple[str, dict]:
    """(kind, JSON) of a map data file: it must be a single ``infrarisk.data(kind, JSON);`` call
    (or ``infrarisk.data(kind, JSON.parse("JSON"));``)."""
    m = CALL.match(path.read_text())
    assert m, path
    body = m.group(2)
    if body.startswith("JSON.parse(") and body.endswith(")"):
        body = json.loads(body[len("JSON.parse("):-1])
        assert isinstance(body, str), path
    return m.group(1), json.loads(body)


def detail_of(site: Path, asset_id: str) -> tuple[dict, dict, dict]:
    """(feature, detail record, its shard) of a mapped asset, read from the map's data files."""
    index = payload(site / "data/map/index.js")[1]
    for meta in index["layers"]:
        layer = payload(site / f"data/map/{meta['id']}.js")[1]
        if asset_id in layer["ids"]:
            i = layer["ids"].index(asset_id)
            k = layer["offset"] + i
            shard = payload(site / f"data/detail/{k // index['shard_size']:04d}.js")[1]
            feature = {"layer": meta["id"], "name": layer["names"][i],
                       "status": index["statuses"][layer["status"][i]][0] if layer["status"][i] >= 0 else None,
                       "band": index["bands"][layer["band"][i]]["id"]}
            return feature, shard["assets"][k - shard["first"]], shard
    raise KeyError(asset_id)


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium through Playwright, one per test module (the browser tests)."""
    from playwright.sync_api import sync_playwright

    from tests.site import browser as B
    with sync_playwright() as p:
        b = B.launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def real_url(real_build):
    """The shipped data's site served on 127.0.0.1 (its base URL), one server per test module."""
    from tests.site import browser as B
    s, _ = real_build
    with B.served(s.site_dir) as base:
        yield base


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory):
    """A build of a copy of the datasets with script in an asset name and an entity name."""
    tmp = tmp_path_factory.mktemp("hostile")
    ds = tmp / "datasets"
    shutil.copytree(REPO / "datasets", ds)
    own = ds / "curated"
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
