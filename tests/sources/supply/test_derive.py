"""The supply derive step: worksheets -> datasets/supply with needs_review and census UN/LOCODEs."""

from __future__ import annotations

import csv
import shutil

import pytest

from infrarisk.errors import DataError
from infrarisk.sources._derive import write_csv
from infrarisk.sources.supply import derive
from tests.sources.supply.builders import FIGURES, OPERATORS, RISKS, VENDORS, supply

CENSUS = [dict(port="Rotterdam", unlocode="NLRTM", terminal="Terminal X", smdg_code="", operator="", latitude="51.9",
               longitude="4.0", position_source_url="", source_url="https://example.org", source_date="2020-10-01",
               note="")]


def _research(root, rows):
    r = root / "research"
    strip = lambda rs, cols: [{c: x[c] for c in cols} for x in rs]  # noqa: E731
    write_csv(r / "issue13/supply.csv", derive.SUPPLY_COLS, strip(rows, derive.SUPPLY_COLS))
    write_csv(r / "issue13/vendors.csv", derive.VENDOR_COLS, strip(VENDORS, derive.VENDOR_COLS))
    write_csv(r / "issue13/mobile_operators.csv", derive.OPERATOR_COLS, strip(OPERATORS, derive.OPERATOR_COLS))
    write_csv(r / "issue13/risk_sources.csv", derive.RISK_COLS, strip(RISKS, derive.RISK_COLS))
    write_csv(r / "issue13/country_figures.csv", derive.FIGURE_COLS, strip(FIGURES, derive.FIGURE_COLS))
    write_csv(r / "issue12/census/terminals_a.csv", derive.CENSUS_COLS, CENSUS)
    return r


def _corrections(out):
    for rel in derive.CORRECTIONS:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("name\n")


def test_review_flag_and_unlocode(tmp_path):
    rows = [supply("S1", "tel-de", note="seat from 'US-made' — REVIEW"),
            supply("S2", "Terminal X", kind="container_terminal", country="NL", component="sts_cranes", vendor="ZPMC"),
            supply("S3", "Terminal Y", kind="container_terminal", country="NL", component="sts_cranes", vendor="ZPMC")]
    research = _research(tmp_path, rows)
    out = tmp_path / "datasets" / "supply"
    _corrections(out)
    m = derive.build(None, out, research=research)
    got = list(csv.DictReader(open(out / "supply.csv")))
    assert [(r["supply_id"], r["needs_review"], r["unlocode"]) for r in got] == [
        ("S1", "true", ""), ("S2", "false", "NLRTM"), ("S3", "false", "")]
    assert m.licence == "CC-BY-4.0" and {f.path for f in m.files} >= {"supply.csv", "corrections/asset_aliases.csv"}
    first = (out / "supply.csv").read_bytes()
    derive.build(None, out, research=research)
    assert (out / "supply.csv").read_bytes() == first  # deterministic


def test_repeated_id_stops_the_import(tmp_path):
    research = _research(tmp_path, [supply("S1", "tel-de"), supply("S1", "voda-de")])
    out = tmp_path / "datasets" / "supply"
    _corrections(out)
    with pytest.raises(DataError, match="repeats the id 'S1'"):
        derive.build(None, out, research=research)


def test_committed_dataset_is_what_derive_writes(tmp_path):
    from tests.conftest import REPO_DATASETS
    out = tmp_path / "supply"
    shutil.copytree(REPO_DATASETS / "supply" / "corrections", out / "corrections")
    derive.build(None, out, research=REPO_DATASETS.parent / "research")
    for f in ("supply.csv", "vendors.csv", "operators.csv", "risk_sources.csv", "country_figures.csv", "manifest.toml"):
        assert (out / f).read_bytes() == (REPO_DATASETS / "supply" / f).read_bytes(), f
