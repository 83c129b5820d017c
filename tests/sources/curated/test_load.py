"""The curated loader rejects bad rows with file, row and reason, and counts every row."""

import pytest

from infrarisk.errors import DataError, ManifestError
from tests.builders import entity, link, load_tiny, stake, write_curated


def test_bad_stake_rows_are_rejected_and_counted(tmp_path):
    ents = [entity("Holder", "FR"), entity("Other", "DE", lei="549300D2K6PKKKXVNN74")]  # bad check digits
    stakes = [
        stake("T1", "Holder", 60),                         # 1 ok
        stake("T1", "Nobody Ltd", 10),                     # 2 unknown shareholder
        stake("T1", "Other", 120),                         # 3 over 100%
        stake("T1", "Other", "unknown %"),                 # 4 not a number
        stake("T2", "Holder", 50, url=""),                 # 5 no source
        stake("T2", "Holder", 50, as_of="2023-13-01"),     # 6 bad date
        stake("T2", "Holder", 50, country="XX"),           # 7 unknown country
        stake("T2", "Holder", 50, kind="lease"),           # 8 unknown kind
        stake("T2", "Other", 40, sid="S-dup"),             # 9 ok
        stake("T2", "Holder", 30, sid="S-dup"),            # 10 duplicate id
        stake("T3", "Holder", 100, unlocode="GB1XT"),      # 11 bad LOCODE: warning, kept
        stake("T4", "Holder", 100, status="rumoured"),     # 12 unknown status
    ]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=stakes)
    st = log.stats["curated/asset_stakes.csv"]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (12, 3, 9)
    assert st.balanced
    errs = {(p.row, p.check): p for p in log.errors if p.file == "curated/asset_stakes.csv"}
    assert set(errs) == {(2, "unknown_entity"), (3, "share_range"), (4, "share_range"), (5, "source_required"),
                         (6, "date"), (7, "country_code"), (8, "unknown_code"), (10, "duplicate_id"),
                         (12, "unknown_code")}
    assert "matches no entity" in errs[(2, "unknown_entity")].reason
    assert "0-100" in errs[(3, "share_range")].reason
    assert "row rejected" in errs[(5, "source_required")].reason
    assert errs[(3, "share_range")].value == "120"
    warn = {(p.file, p.row, p.check) for p in log.warnings}
    assert ("curated/asset_stakes.csv", 11, "unlocode") in warn
    assert ("curated/entities.csv", 2, "lei_check_digits") in warn
    # the entity with a bad LEI is kept, without its LEI
    assert con.execute("SELECT lei FROM core_ownership__entities WHERE entity_name = 'Other'").fetchone() == (None,)
    assert con.execute("SELECT count(*) FROM core_curated__stakes").fetchone() == (3,)


def test_bad_parent_links(tmp_path):
    ents = [entity("A", "FR"), entity("B", "FR")]
    links = [link("A", "B", 50),                 # ok
             link("A", "Ghost", 50),             # unknown parent
             link("A", "A", 10),                 # self link
             link("B", "A", 50, relationship="cousin"),  # unknown relationship
             link("B", "A", 50, as_of="")]       # no date: kept, warned
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=[stake("T", "A", 100)], links=links)
    st = log.stats["curated/parent_links.csv"]
    assert (st.rows_in, st.rows_loaded, st.rows_rejected) == (5, 2, 3)
    checks = {(p.row, p.check) for p in log.errors if p.file == "curated/parent_links.csv"}
    assert checks == {(2, "unknown_entity"), (3, "self_link"), (4, "unknown_code")}
    assert ("curated/parent_links.csv", 5, "date") in {(p.file, p.row, p.check) for p in log.warnings}


def test_corrections_need_reasons_and_known_links(tmp_path):
    ents = [entity("Op", "HK"), entity("Other", "FR")]
    controls = [
        {"subject_kind": "asset", "subject_name": "T", "controller_name": "Op", "source_url": "https://x.org",
         "quote": "owned by Op", "reason": "the source says owned"},
        {"subject_kind": "asset", "subject_name": "T", "controller_name": "Other", "source_url": "https://x.org",
         "quote": "", "reason": "Other holds nothing in T"},
    ]
    con, log, s = load_tiny(tmp_path, entities=ents, stakes=[stake("T", "Op", "")], controls=controls)
    st = log.stats["curated/corrections/control_statements.csv"]
    assert (st.rows_loaded, st.rows_rejected) == (1, 1)
    row = con.execute("SELECT is_control, control_basis FROM core_ownership__links").fetchone()
    assert row[0] and "owned by Op" in row[1]


def test_an_edited_file_fails_its_manifest(tmp_path):
    folder = write_curated(tmp_path / "datasets" / "curated", [entity("A", "FR")], [stake("T", "A", 1)])
    (folder / "entities.csv").write_text((folder / "entities.csv").read_text() + "\n")
    with pytest.raises(ManifestError, match="entities.csv"):
        _load_existing(tmp_path)


def _load_existing(tmp_path):
    from infrarisk.db import connect
    from infrarisk.sources.curated import load as curated
    from infrarisk.problems import ProblemLog
    from infrarisk.settings import Settings
    from tests.builders import stub_geo
    con = connect(None)
    stub_geo(con)
    curated.load(con, Settings.load(environ={}, datasets_dir=tmp_path / "datasets"), ProblemLog())


def test_unknown_column_is_an_error_even_with_a_fresh_manifest(tmp_path):
    from infrarisk.sources import describe_file, read_manifest, write_manifest
    folder = write_curated(tmp_path / "datasets" / "curated", [entity("A", "FR")], [stake("T", "A", 1)])
    text = (folder / "entities.csv").read_text().replace("entity_type", "entity_kind", 1)
    (folder / "entities.csv").write_text(text)
    m = read_manifest(folder)
    m.files = [describe_file(folder, f.path) for f in m.files]
    write_manifest(folder, m)
    with pytest.raises(DataError, match="entities.csv.*(missing|unknown) column"):
        _load_existing(tmp_path)


def test_records_are_the_frames_rows_with_python_values():
    """curated.load._records: numpy scalars (in any column, an object one too) become Python's,
    missing values None, as DataFrame.to_dict("records") with NaN read as None gives them."""
    import numpy as np
    import pandas as pd

    from infrarisk.sources.curated.load import _records

    df = pd.DataFrame({"o": pd.Series([np.int64(3), "x", None], dtype=object), "f": [0.5, np.nan, 2.0],
                       "i": pd.array([1, None, 3], dtype="Int64"), "b": [True, False, True], "s": ["a", None, "c"]})
    got = _records(df)
    want = [{k: (None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in df.to_dict("records")]
    assert got == want
    assert [type(v) for v in got[0].values()] == [int, float, int, bool, str]
    assert not any(isinstance(v, np.generic) for r in got for v in r.values())
