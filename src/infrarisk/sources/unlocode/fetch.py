"""Refreshing UN/LOCODE: the official code list, turned into the snapshot layout the derive step reads.

Contract: :data:`CHECKS` maps the files named in ``datasets/unlocode/manifest.toml``
``[refresh]`` (``code-list.csv`` and the three code tables of ``datasets/un-locode``) to their
checks; :data:`CRAWLS` holds the ``unlocode`` crawl: the four files verbatim, then
``unlocode_ports_multimodal.csv`` written from the code list (:func:`ports_multimodal`) in the
columns of the first snapshot: every entry whose function marks a sea port (position 1 =
``1``) or a multimodal facility (position 6 = ``6``), coordinates converted from ``DDMMN
DDDMME`` to decimal degrees, the function decoded into ``is_*`` flags. The code list has no
geocoded coordinates and no repaired rows (both flags ``False``); country heading rows (no
location) and entries marked for deletion (change ``X``) are left out. ``update`` then
re-derives ``datasets/unlocode`` from it.
"""

from __future__ import annotations

import re

from ...errors import SchemaError
from .._checks import CsvCheck
from .._convert import csv_bytes, read_csv_rows, write_derived
from .._fetch import fetch_files

CODE_LIST_COLUMNS = ("Change", "Country", "Location", "Name", "NameWoDiacritics", "Subdivision", "Status",
                     "Function", "IATA", "Coordinates")
OUT_COLUMNS = ["unlocode", "country", "location", "name", "name_wo_diacritics", "subdivision", "status", "function",
               "iata", "latitude", "longitude", "is_port", "is_rail", "is_road", "is_airport", "is_multimodal",
               "coords_geocoded_by_geoapify", "row_repaired", "name_has_replacement_char"]
OUT_FILE = "unlocode_ports_multimodal.csv"
_COORD = re.compile(r"^(\d{2})(\d{2})([NS])\s+(\d{3})(\d{2})([EW])$")


def coordinates(text: str) -> tuple[str, str]:
    """``(latitude, longitude)`` in decimal degrees (6 decimals) from UN/LOCODE's ``DDMMN DDDMME``.

    Examples
    --------
    >>> coordinates("5155N 00429E")
    ('51.916667', '4.483333')
    >>> coordinates("3330S 07040W"), coordinates("")
    (('-33.5', '-70.666667'), ('', ''))
    """
    m = _COORD.match((text or "").strip())
    if not m:
        return "", ""
    lat = (int(m.group(1)) + int(m.group(2)) / 60) * (-1 if m.group(3) == "S" else 1)
    lon = (int(m.group(4)) + int(m.group(5)) / 60) * (-1 if m.group(6) == "W" else 1)
    return str(round(lat, 6) + 0.0), str(round(lon, 6) + 0.0)


def ports_multimodal(rows: list[dict]) -> list[dict]:
    """The port and multimodal entries of the code list in the snapshot's columns, sorted by code."""
    out = []
    for r in rows:
        fn = (r.get("Function") or "").ljust(8, "-")
        if not r.get("Location") or (r.get("Change") or "").strip() == "X":
            continue
        if fn[0] != "1" and fn[5] != "6":
            continue
        lat, lon = coordinates(r.get("Coordinates") or "")
        name = r.get("Name") or ""
        out.append({"unlocode": f"{r['Country']}{r['Location']}", "country": r["Country"], "location": r["Location"],
                    "name": name, "name_wo_diacritics": r.get("NameWoDiacritics") or "",
                    "subdivision": r.get("Subdivision") or "", "status": r.get("Status") or "", "function": fn[:8],
                    "iata": r.get("IATA") or "", "latitude": lat, "longitude": lon,
                    "is_port": str(fn[0] == "1"), "is_rail": str(fn[1] == "2"), "is_road": str(fn[2] == "3"),
                    "is_airport": str(fn[3] == "4"), "is_multimodal": str(fn[5] == "6"),
                    "coords_geocoded_by_geoapify": "False", "row_repaired": "False",
                    "name_has_replacement_char": str("\ufffd" in name)})
    return sorted(out, key=lambda r: r["unlocode"])


def crawl(client, src, settings, stage, res, progress) -> None:
    """The four files, then the derive step's ``unlocode_ports_multimodal.csv`` (module docstring)."""
    fetch_files(client, src, settings, stage, res, progress)
    code_list = stage.path("code-list.csv")
    rows = ports_multimodal(read_csv_rows(code_list))
    if not rows:
        raise SchemaError(f"{src.id}: code-list.csv has no port or multimodal entry")
    write_derived(stage, OUT_FILE, csv_bytes(OUT_COLUMNS, rows), code_list, src.id, res,
                  f"{len(rows)} port or multimodal entries")
    res.summary = {"entries": len(rows), "without_coordinates": sum(1 for r in rows if not r["latitude"])}


CHECKS = {"code-list.csv": CsvCheck(CODE_LIST_COLUMNS),
          "country-codes.csv": CsvCheck(("CountryCode", "CountryName")),
          "function-classifiers.csv": CsvCheck(("FunctionCode", "FunctionDescription")),
          "status-indicators.csv": CsvCheck(("STStatus", "STDescription"))}
CRAWLS = {"unlocode": crawl}
