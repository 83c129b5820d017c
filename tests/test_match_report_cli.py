"""``infrarisk match-report``: counts by method, every name accounted for, text and JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from infrarisk.cli import main
from infrarisk.settings import Settings
from tests.layer_builders import write_layer_datasets


def test_match_report_text_and_json(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    r = CliRunner().invoke(main, ["-q", "match-report", "--datasets-dir", str(ds)])
    assert r.exit_code == 0, r.output
    assert "matched:" in r.output and "at token_sort_ratio >= 92" in r.output
    assert "'Northwind' -> northwind-telecom-international-limited" in r.output
    assert "placeholder 'Other'" in r.output and "gem-europe-gas/stakes.csv:4" in r.output
    j = CliRunner().invoke(main, ["-q", "match-report", "--json", "--datasets-dir", str(ds)])
    assert j.exit_code == 0, j.output
    data = json.loads(j.output)
    c = data["counts"]
    assert c["matched"] + c["unmatched"] == c["total"] == len(data["names"])
    assert c["matched_by"]["alias"] == 1 and c["matched_by"]["rule"] >= 4
    gaz = {n["name"]: n["entity_id"] for n in data["names"] if "azprom" in n["name"]}
    assert set(gaz.values()) == {"pjsc-gazprom"} and len(gaz) == 3


def test_match_report_without_noncommercial_names(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    j = CliRunner().invoke(main, ["-q", "match-report", "--json", "--datasets-dir", str(ds)],
                           env={"INFRARISK_INCLUDE_NONCOMMERCIAL": "0"})
    assert j.exit_code == 0, j.output
    assert all(o["source_id"] != "submarine-cables" for n in json.loads(j.output)["names"] for o in n["occurrences"])


def test_settings_parse_the_new_knobs():
    assert Settings.load(environ={"INFRARISK_INCLUDE_NONCOMMERCIAL": "false"}).include_noncommercial is False
    assert Settings.load(environ={}).include_noncommercial is True
    assert Settings.load(environ={"INFRARISK_MATCH_FUZZY_THRESHOLD": "95"}).match_fuzzy_threshold == 95.0
    import pytest
    from infrarisk.errors import ConfigError
    with pytest.raises(ConfigError, match="true or false"):
        Settings.load(environ={"INFRARISK_INCLUDE_NONCOMMERCIAL": "maybe"})
    with pytest.raises(ConfigError, match="match_fuzzy_threshold"):
        Settings.load(environ={"INFRARISK_MATCH_FUZZY_THRESHOLD": "150"})
