"""Helpers shared by the source loaders: strict CSV rows, typed frames, raw copies, routes
(the loaders' position check is :mod:`infrarisk.sources.naturalearth.positions`).

Contract: small functions over files and frames, no table of their own.

- :func:`verify` checks a source folder against its manifest once while its files are
  unchanged (the build's verify stage has done it; a loader run alone still does it): it is
  :func:`infrarisk.sources.verified.verify`;
- :func:`read_rows` reads a CSV as text rows; a missing required or an unknown column
  stops the load (strict interpretation); :func:`read_lists` reads one whose columns are
  fixed as lists (large files); :func:`infrarisk.sources._setops.csv_table` reads one into
  DuckDB, for checks done as set operations in SQL;
- :func:`frame` makes a DataFrame with fixed columns and types, also when empty;
- :func:`raw_copy` writes a CSV as a ``raw_*`` table of text columns with its row number;
- :func:`routes` reads a GeoJSON of line features keyed by one property into WKT, with a
  point on each route (half-way along it) for the tables that need one position per asset;
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely

from .. import db
from ..errors import DataError
from ..problems import ProblemLog
from . import _setops
from . import manifest as _manifest
from ._derive import read_csv_lists
from .verified import verify  # noqa: F401  (the loaders verify their folder through this module)


def read_lists(path: Path, expected: list[str]) -> tuple[list[str], list[list[str]]]:
    """(header, rows as lists) of a CSV whose header must hold exactly ``expected``:
    :func:`infrarisk.sources._derive.read_csv_lists`, without a dict per row."""
    return read_csv_lists(path, expected)


def read_rows(path: Path, required: list[str], optional: list[str] | None = None) -> list[dict[str, str]]:
    """Read a CSV as text rows; a missing required or an unknown column stops the load."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)  # read as csv.DictReader would, without its per-row overhead
        header = next(reader, [])
        allowed = set(required) | set(optional or [])
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in allowed]
        if missing or unknown:
            raise DataError(
                f"{path}: " + "; ".join(
                    ([f"missing column(s) {', '.join(missing)}"] if missing else [])
                    + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
                )
            )
        n = len(header)
        rows = []
        for rec in reader:
            if not rec:  # a blank line is no row
                continue
            if len(rec) != n:
                if len(rec) > n:
                    raise DataError(f"{path}: row {reader.line_num - 1} has more fields than the header")
                rec = rec + [""] * (n - len(rec))  # missing trailing fields read as empty
            rows.append(dict(zip(header, rec)))
        return rows


_DTYPES = {"share_fraction": "float64", "latitude": "float64", "longitude": "float64", "origin_row": "int64",
           "is_control_kind": "bool", "as_of_date": "datetime64[s]"}


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Rows as a DataFrame with fixed columns and types (also when there are no rows)."""
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        t = _DTYPES.get(c)
        if t == "datetime64[s]":
            df[c] = pd.to_datetime(df[c]).astype(t)
        elif t:
            df[c] = df[c].astype(t)
        elif df.empty:
            df[c] = df[c].astype("string")
    return df


def raw_copy(con: duckdb.DuckDBPyConnection, folder: Path, name: str, table: str) -> None:
    """Faithful copy of ``folder/name``: every column as text, plus ``row_number`` (1-based).

    A plain file (:func:`infrarisk.sources._setops.raw_table`) goes from DuckDB's reader
    straight into the table; any other is read by ``csv.reader`` into a frame.
    """
    db.check_table_name(table)
    if _setops.raw_table(con, folder / name, table):
        return
    with open(folder / name, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r]  # a blank line is no row (as csv.DictReader reads it)
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    if len(set(header)) == len(header) and all(len(r) == len(header) for r in body):
        df = pd.DataFrame(body, columns=header, dtype="string")
    else:  # ragged rows or repeated names: exactly what csv.DictReader makes of them
        with open(folder / name, newline="", encoding="utf-8-sig") as fh:
            df = pd.DataFrame(list(csv.DictReader(fh)), dtype="string")
    df.insert(0, "row_number", range(1, len(df) + 1))
    db.write_frame(con, table, df, order_by=["row_number"])


def routes(path: Path, key: str) -> pd.DataFrame:
    """Line features of a GeoJSON as ``key, geometry_wkt, n_vertices, mid_latitude, mid_longitude``.

    The mid point lies on the route, half-way along its (planar) length: a position for
    tables and checks that need one point per asset; the map draws the whole line.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.geojson"
    >>> _ = p.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"id": "a"}, "geometry": {"type": "MultiLineString",
    ...     "coordinates": [[[0, 0], [2, 0]]]}}]}))
    >>> routes(p, "id")[["id", "n_vertices", "mid_latitude", "mid_longitude"]].values.tolist()
    [['a', 2, 0.0, 1.0]]
    """
    data = _manifest.read_geojson(path)  # parsed once: verify kept what it read to count the features
    features = data["features"]
    geoms = _shapes([f["geometry"] for f in features])
    mids = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    return pd.DataFrame({
        key: [f["properties"][key] for f in features],
        "geometry_wkt": shapely.to_wkt(geoms, rounding_precision=5).tolist() if len(geoms) else [],
        "n_vertices": [int(n) for n in shapely.get_num_coordinates(geoms).tolist()],
        "mid_latitude": [round(float(y), 6) for y in shapely.get_y(mids).tolist()],
        "mid_longitude": [round(float(x), 6) for x in shapely.get_x(mids).tolist()],
    }, columns=[key, "geometry_wkt", "n_vertices", "mid_latitude", "mid_longitude"])


def _shapes(geometries: list[dict]) -> "np.ndarray":
    """Shapely geometries of GeoJSON geometry dicts, as ``shapely.geometry.shape`` makes them.

    Two-dimensional multi-line strings (the routes of the shipped sources) are built in one
    vectorised call; any other geometry goes through ``shape``.
    """
    out = np.empty(len(geometries), dtype=object)
    coords, line_of, multi_of, at = [], [], [], []
    n_lines = 0
    for i, g in enumerate(geometries):
        parts = g.get("coordinates") if g.get("type") == "MultiLineString" else None
        if (parts and all(len(line) >= 2 and all(len(p) == 2 for p in line) for line in parts)):
            for line in parts:
                coords.extend(line)
                line_of.extend([n_lines] * len(line))
                multi_of.append(len(at))
                n_lines += 1
            at.append(i)
        else:
            out[i] = shapely.geometry.shape(g)
    if at:
        lines = shapely.linestrings(np.asarray(coords, dtype=float), indices=np.asarray(line_of))
        out[np.asarray(at)] = shapely.multilinestrings(lines, indices=np.asarray(multi_of))
    return out


class RowChecks:
    """Problems of checks done as set operations over a whole file, reported per row.

    Each :meth:`add` takes a boolean mask over the file's rows (1-based ``rows``) and
    records one problem per true row; :meth:`flush` hands them to the problem log in file
    order (row, then the order the checks were added), as a row-by-row loop would.

    Examples
    --------
    >>> import numpy as np
    >>> from infrarisk.problems import ProblemLog
    >>> rc = RowChecks("x.csv", np.array([1, 2, 3]))
    >>> rc.add(np.array([False, True, True]), "a", "required", "error", "a is empty", ["", "", ""])
    >>> rc.add(np.array([True, True, False]), "b", "number", "warning", "not a number", ["1", "q", "2"])
    >>> log = ProblemLog(); rc.flush(log)
    >>> [(p.row, p.column) for p in log.problems]
    [(1, 'b'), (2, 'a'), (2, 'b'), (3, 'a')]
    """

    def __init__(self, file: str, rows):
        import numpy as np

        self.file = file
        self.rows = np.asarray(rows)
        self._parts: list[pd.DataFrame] = []

    def add(self, mask, column: str, check: str, severity: str, reason, values) -> None:
        """One problem per row where ``mask``; ``reason`` and ``values`` are scalars or per-row arrays."""
        import numpy as np

        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        pick = (lambda v: np.asarray(v, dtype=object)[mask]) if not isinstance(reason, str) else None
        self._parts.append(pd.DataFrame({
            "row": self.rows[mask], "seq": len(self._parts), "column": column, "check": check,
            "severity": severity, "reason": pick(reason) if pick else reason,
            "value": np.asarray(values, dtype=object)[mask]}))

    def flush(self, log: ProblemLog) -> None:
        """Add the problems to ``log`` in file order."""
        if not self._parts:
            return
        df = pd.concat(self._parts, ignore_index=True).sort_values(["row", "seq"], kind="stable")
        for r in df.itertuples(index=False):
            log.add(self.file, int(r.row), r.column, r.check, r.severity, r.reason,
                    None if r.value is None else r.value)
        self._parts = []
