"""The problem log as the table out_build__problems is written from."""

import pandas as pd

from infrarisk.problems import ERROR, WARNING, ProblemLog


def test_to_frame_sorted_renamed_and_typed():
    log = ProblemLog()
    log.add("b.csv", 3, "name", "blank", ERROR, "no name", "")
    log.add("a.csv", None, None, "missing_file", WARNING, "no file")
    log.add("a.csv", 12, "share", "range", WARNING, "over 100", "120")
    df = log.to_frame()
    assert list(df.columns) == ["file", "row", "column_name", "check_name", "severity", "reason", "value"]
    assert str(df["row"].dtype) == "Int64"
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in df.astype(object).itertuples(index=False)]
    assert [r[:4] for r in rows] == [("a.csv", None, None, "missing_file"), ("a.csv", 12, "share", "range"),
                                     ("b.csv", 3, "name", "blank")]
    assert [r[6] for r in rows] == [None, "120", ""]
    assert list(ProblemLog().to_frame().columns) == list(df.columns)
