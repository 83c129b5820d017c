"""Query results and frames read into Python objects fast: the readers the explanations and the
site share.

Contract: each function gives what a plainer call gives (tested against it), faster:

- :func:`arrow`: a query's Arrow table (``con.sql(sql).to_arrow_table()``), also while the
  connection holds an unfinished result of an earlier ``execute``;
- :func:`frame`: ``con.execute(sql).df()``'s frame, its text columns plain Python objects made once
  (pandas would make them Arrow-backed, which the readers then turn back);
- :func:`pycolumns`: ``fetchall()``'s values column by column, optionally sorted by a key;
- :func:`dicts`: ``dict(zip(names, row))`` per row;
- :func:`columns` and :func:`records`: a frame's values as ``to_dict("records")`` has them.

No table of its own; used by :mod:`infrarisk.explain`, :mod:`infrarisk.history` and the site's
readers (:mod:`infrarisk.site`).
"""

from __future__ import annotations

import functools
import warnings

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def columns(df: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """The column names of a frame and its columns as object arrays, values as :func:`records` has them
    (dates: each distinct date made into a Timestamp once, few among thousands of rows)."""
    names = list(df.columns)
    cols = []
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
            distinct, at = np.unique(s.to_numpy(), return_inverse=True)
            cols.append(pd.Series(distinct).to_numpy(dtype=object)[at.reshape(-1)])
            continue
        masked = isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and s.dtype.na_value is pd.NA
        cols.append(s.to_numpy(dtype=object, na_value=None) if masked else s.to_numpy(dtype=object))
    return names, cols


def dicts(names, cols) -> list[dict]:
    """``[dict(zip(names, row)) for row in zip(*cols)]``: a dict per row of the columns ``cols``, keyed by
    ``names`` (a repeated name: the last value), made by a dict display compiled once per tuple of names
    (about twice as fast on tens of thousands of rows).

    >>> dicts(["a", "b", "a"], [[1, 2], ["x", "y"], [3, 4]])
    [{'a': 3, 'b': 'x'}, {'a': 4, 'b': 'y'}]
    """
    names = tuple(names)
    if not names or not all(type(n) is str for n in names):
        return [dict(zip(names, row)) for row in zip(*cols)]
    return _dict_maker(names)(cols)


@functools.lru_cache(maxsize=128)
def _dict_maker(names: tuple[str, ...]):
    """``lambda cols: [{names[0]: v0, names[1]: v1, ...} for (v0, v1, ...) in zip(*cols)]``."""
    vs = [f"v{i}" for i in range(len(names))]
    body = ", ".join(f"{n!r}: {v}" for n, v in zip(names, vs))
    return eval(f"lambda cols: [{{{body}}} for ({', '.join(vs)},) in zip(*cols)]", {})  # noqa: S307 (names as literals)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows of a frame as dicts, values as ``df.to_dict("records")`` gives them, built column by column.

    Plain Python values; missing text and floats NaN as pandas reads them, missing booleans and
    integers (masked columns) None. Several times faster than ``to_dict`` on wide frames.
    """
    names, cols = columns(df)
    return dicts(names, cols)


def arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The result of ``sql`` as an Arrow table (``con.sql(sql).to_arrow_table()``). Like ``con.execute``, it
    runs while the connection still holds an unfinished result of an earlier ``execute`` (a caller's
    ``fetchone``), which then is dropped, as ``execute`` drops it (through ``execute`` then: Arrow output
    of its result copies the rows once more)."""
    try:
        return con.sql(sql).to_arrow_table()
    except duckdb.ResourceInUseException:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
            return con.execute(sql).to_arrow_table()


def frame(con: duckdb.DuckDBPyConnection, sql: str, plain_text: bool = True, nones: dict | None = None) -> pd.DataFrame:
    """The frame ``con.execute(sql).df()`` gives, but text columns of plain Python objects (missing text
    NaN, as ``astype(object)`` of pandas' text columns has it), read through Arrow: pandas turns the
    text DuckDB hands it into Arrow-backed columns, which the site's readers turn back into Python
    objects; read this way, the text is made into Python objects once. Columns of text, numbers,
    flags, dates and timestamps (without time zone) are read through Arrow; a query with columns of
    other types or a repeated column name is read by ``df()`` (its text columns then made plain).
    ``plain_text`` False: ``df()``'s frame itself (text in pandas' Arrow-backed columns, taken from
    Arrow's without a Python object per value). ``nones``, a dict: it gets, per text column read through
    Arrow as objects, those objects with None where text is missing (``to_numpy(dtype=object,
    na_value=None)`` of the column, without looking for the missing values again).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> df = frame(con, "SELECT * FROM (VALUES ('a', 1.5, DATE '2020-01-02'), (NULL, NULL, NULL)) t(s, x, d)")
    >>> [str(t) for t in df.dtypes], df["s"].tolist(), df["d"].tolist()
    (['object', 'float64', 'datetime64[us]'], ['a', nan], [Timestamp('2020-01-02 00:00:00'), NaT])
    """
    table = arrow(con, sql)
    names = table.column_names
    made: dict = {}
    cols = [_pandas_column(col, plain_text, made, n) for n, col in zip(names, table.columns)]
    if any(c is None for c in cols) or len(set(names)) < len(names):  # as pandas reads it (and renames)
        df = con.execute(sql).df()
        for c in df.columns:
            if plain_text and pd.api.types.is_string_dtype(df[c]) and df[c].dtype != object:
                df[c] = df[c].astype(object)
        return df
    if nones is not None:
        nones.update(made)
    return pd.DataFrame({n: c if isinstance(c, pd.Series) else pd.Series(c, copy=False) for n, c in zip(names, cols)},
                        copy=False)


def _pandas_column(col: pa.ChunkedArray, plain_text: bool = True, nones: dict | None = None, name: str = ""):
    """The values of an Arrow column as ``df()`` gives them (text as object with ``plain_text``; see
    :func:`frame`, and ``nones``), or None for a type read otherwise."""
    t, nulls = col.type, col.null_count
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if not plain_text and nulls < len(col):  # pandas' text column (an all-missing or empty one: objects)
            return pd.Series(pd.array((col if pa.types.is_string(t) else col.cast(pa.string())).combine_chunks(),
                                      dtype="str"), copy=False)  # one chunk, as pandas makes it
        out = col.to_numpy(zero_copy_only=False)
        if out.dtype != object:
            out = out.astype(object)
        if nones is not None:
            nones[name] = out.copy()
        if nulls and nulls < len(col):  # pandas: NaN where text is missing, None where all of it is
            out[col.is_null().to_numpy(zero_copy_only=False)] = np.nan
        return pd.Series(out, dtype=object, copy=False)  # not inferred as text again
    if pa.types.is_floating(t):
        return col.to_numpy()
    if pa.types.is_boolean(t):
        return pd.array(col.to_pylist(), dtype="boolean") if nulls else col.to_numpy(zero_copy_only=False)
    if pa.types.is_signed_integer(t):
        if nulls:
            return pd.array(col.to_pylist(), dtype={8: "Int8", 16: "Int16", 32: "Int32", 64: "Int64"}[t.bit_width])
        return col.to_numpy()
    if pa.types.is_date32(t) or (pa.types.is_timestamp(t) and t.tz is None and t.unit == "us"):
        return col.cast(pa.timestamp("us")).to_numpy()
    return None


def pycolumns(con: duckdb.DuckDBPyConnection, sql: str, order: tuple[str, ...] = ()) -> tuple[list[str], list[list]]:
    """The column names of ``sql`` and its columns as lists of the values ``fetchall`` gives (``zip(*cols)``
    is ``fetchall()``), read column by column through Arrow where every column is of a type whose Arrow
    values are those (text, numbers, flags, lists of text), else by ``fetchall``. ``order``: columns whose
    values tell the rows apart (a key), the rows sorted by them, ascending, missing values last (as
    ``ORDER BY`` sorts them, but by Arrow: DuckDB's sort of a few thousand rows costs more).

    >>> pycolumns(duckdb.connect(), "SELECT * FROM (VALUES (2, 'a'), (NULL, NULL), (1, 'b')) t(n, s)", ("n",))
    (['n', 's'], [[1, 2, None], ['b', 'a', None]])
    """
    table = arrow(con, sql)
    names = table.column_names
    if not all(_plain_type(t) for t in table.schema.types):
        if order:
            sql = f"SELECT * FROM ({sql}) ORDER BY {', '.join(order)}"
        rows = con.execute(sql).fetchall()
        return names, [list(c) for c in zip(*rows)] if rows else [[] for _ in names]
    if order:
        table = table.take(pc.sort_indices(table, [(k, "ascending") for k in order]))  # missing values last
    return names, [col.to_pylist() for col in table.columns]


def _plain_type(t: pa.DataType) -> bool:
    """Arrow types whose Python values are those DuckDB's ``fetchall`` gives."""
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t) or pa.types.is_integer(t)
            or pa.types.is_floating(t) or pa.types.is_null(t)
            or ((pa.types.is_list(t) or pa.types.is_large_list(t)) and _plain_type(t.value_type)))
