"""Golden-copy delta files patch the ingested golden copy: add, update, retire; untouched rows stay."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from infrarisk.errors import DataError
from infrarisk.sources import registry
from infrarisk.sources.registry.delta import apply_deltas, section_of

from ...gleif_fake import lei_with_check

HEAD = ["LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Registration.RegistrationStatus",
        "Entity.EntityStatus"]
RR = ["Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType",
      "Relationship.RelationshipStatus", "Registration.RegistrationStatus"]
A, B, C, D = (lei_with_check(f"5493001DELTA{i:06d}") for i in range(4))


def _csv(path: Path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_a_delta_adds_updates_and_retires(tmp_path):
    con = duckdb.connect(str(tmp_path / "registry.duckdb"))
    registry.ingest(con, "gleif-lei", [_csv(tmp_path / "lei2.csv", HEAD, [
        [A, "Alpha", "DE", "ISSUED", "ACTIVE"], [B, "Beta", "FR", "ISSUED", "ACTIVE"],
        [C, "Gamma", "CN", "ISSUED", "ACTIVE"]])])
    registry.ingest(con, "gleif-rr", [_csv(tmp_path / "rr.csv", RR, [[A, C, "IS_DIRECTLY_CONSOLIDATED_BY",
                                                                     "ACTIVE", "PUBLISHED"]])])
    lei_delta = _csv(tmp_path / "lei2-delta.csv", HEAD, [
        [B, "Beta Renamed", "FR", "ISSUED", "ACTIVE"],     # updated
        [C, "Gamma", "CN", "RETIRED", "INACTIVE"],         # retired
        [D, "Delta", "CN", "ISSUED", "ACTIVE"],            # added
        [A, "Alpha", "DE", "ISSUED", "ACTIVE"]])           # the same: untouched
    rr_delta = _csv(tmp_path / "rr-delta.csv", RR, [[A, C, "IS_DIRECTLY_CONSOLIDATED_BY", "INACTIVE", "PUBLISHED"],
                                                    [A, D, "IS_DIRECTLY_CONSOLIDATED_BY", "ACTIVE", "PUBLISHED"]])
    assert (section_of(lei_delta), section_of(rr_delta)) == ("lei2", "rr")
    got = apply_deltas(con, [lei_delta, rr_delta])
    assert got["entities"] == {"added": 1, "updated": 2, "retired": 1, "lapsed": 0}
    assert got["links"]["added"] == 1 and got["links"]["updated"] == 1
    ents = dict(con.execute("SELECT lei, entity_name || ' ' || record_status FROM core_gleif__entities").fetchall())
    assert ents == {A: "Alpha ISSUED/ACTIVE", B: "Beta Renamed ISSUED/ACTIVE", C: "Gamma RETIRED/INACTIVE",
                    D: "Delta ISSUED/ACTIVE"}
    links = dict(con.execute("SELECT owner_entity_id, status FROM core_registry__links").fetchall())
    assert links == {f"lei:{C}": "historical", f"lei:{D}": "current"}
    assert not [r for r in registry.table_names(con) if "gleifdelta" in r]


def test_without_a_golden_copy_there_is_nothing_to_patch(tmp_path):
    con = duckdb.connect()
    with pytest.raises(DataError, match="no ingested GLEIF golden copy"):
        apply_deltas(con, [_csv(tmp_path / "d.csv", HEAD, [])])
