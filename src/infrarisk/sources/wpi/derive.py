"""Derive ``datasets/wpi/`` from the raw NGA World Port Index (Pub. 150) CSV.

Contract
--------
Inputs: ``<shared>/wpi/UpdatedPub150.csv`` (UTF-8 with BOM, 109 columns, parsed by header
name; the header must be exactly :data:`COLUMNS` plus :data:`IGNORED`), the raw Natural
Earth GeoJSON (country names -> ISO alpha-2) and the hand-written
``<out_dir>/corrections/country_names.csv`` (WPI names Natural Earth does not match).

Outputs (``<out_dir>/``), byte-deterministic:

- ``wpi_ports.csv``: every port (3,805), sorted by WPI number then NGA object id, with
  ``wpi_number`` as text (``7950``, ``49454.5``), the UN/LOCODE normalised (spaces
  removed, upper case; a value that is not ``[A-Z]{2}[A-Z2-9]{3}`` becomes empty and
  ``has_invalid_unlocode`` is set; ``unlocode_as_published`` keeps the text), the WPI
  country name and its ISO alpha-2 ``country_code``, harbour size/type/use, the key
  facility flags (``Yes``/``No``/``Unknown`` as published), depths and vessel limits
  in metres (WPI's ``0`` means "not reported" and becomes empty), and the position
  rounded to 6 decimals.
- ``manifest.toml``, also listing ``corrections/country_names.csv``.

Raises :class:`~infrarisk.errors.DataError` when a WPI country name maps to no code
(or a correction is stale or redundant): the mapping is total or the import fails.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from ...errors import DataError
from ..manifest import Manifest, describe_file, write_manifest
from .._derive import raw_ref, read_csv_strict, write_csv
from .._derive import describe_corrections
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "wpi",
    "table_prefix": "wpi",
    "depends_on": [
        "naturalearth",
        "unlocode"
    ],
    "refresh": {
        "remotes": {
            "wpi": {
                "kind": "files",
                "folder": "wpi",
                "title": "NGA World Port Index (Pub. 150)",
                "update": True,
                "note": "The derive step also reads the Natural Earth snapshot (country names).",
                "files": [
                    {
                        "name": "UpdatedPub150.csv",
                        "url_key": "wpi",
                        "url": "https://msi.nga.mil/api/publications/download?type=view&key=16920959/SFH00000/UpdatedPub150.csv"
                    }
                ]
            }
        }
    }
}
RAW_FILE = "wpi/UpdatedPub150.csv"
NE_FILE = "natural-earth/ne_50m_admin_0_countries.geojson"
#: Natural Earth attributes whose values a WPI country name may equal (accents and case folded)
NE_NAME_FIELDS = ("NAME", "NAME_LONG", "ADMIN")

#: raw column -> output column, for the columns carried over as text
TEXT_COLUMNS = {
    "Main Port Name": "port_name",
    "Alternate Port Name": "alternate_name",
    "Country Code": "country_name",  # WPI's "Country Code" holds a country *name*
    "Region Name": "region_name",
    "World Water Body": "world_water_body",
    "Harbor Size": "harbor_size",
    "Harbor Type": "harbor_type",
    "Harbor Use": "harbor_use",
    "Facilities - Container": "fac_container",
    "Facilities - Ro-Ro": "fac_roro",
    "Facilities - Solid Bulk": "fac_solid_bulk",
    "Facilities - Liquid Bulk": "fac_liquid_bulk",
    "Facilities - Oil Terminal": "fac_oil_terminal",
    "Facilities - LNG Terminal": "fac_lng_terminal",
    "Facilities - Breakbulk": "fac_breakbulk",
}
#: raw column -> output column, metres; 0 means "not reported"
METRE_COLUMNS = {
    "Channel Depth (m)": "channel_depth_m",
    "Anchorage Depth (m)": "anchorage_depth_m",
    "Cargo Pier Depth (m)": "cargo_pier_depth_m",
    "Oil Terminal Depth (m)": "oil_terminal_depth_m",
    "Liquified Natural Gas Terminal Depth (m)": "lng_terminal_depth_m",
    "Maximum Vessel Length (m)": "max_vessel_length_m",
    "Maximum Vessel Beam (m)": "max_vessel_beam_m",
    "Maximum Vessel Draft (m)": "max_vessel_draft_m",
}
#: columns read for other purposes
OTHER_COLUMNS = ["OID_", "World Port Index Number", "UN/LOCODE", "Latitude", "Longitude"]
COLUMNS = OTHER_COLUMNS + list(TEXT_COLUMNS) + list(METRE_COLUMNS)

#: navigation detail we do not use (charts, publications, restrictions, services ...)
IGNORED = [
    "IHO S-130 Sea Area", "Sailing Direction or Publication", "Publication Link",
    "Standard Nautical Chart", "IHO S-57 Electronic Navigational Chart",
    "IHO S-101 Electronic Navigational Chart", "Digital Nautical Chart", "Tidal Range (m)",
    "Entrance Width (m)", "Offshore Maximum Vessel Length (m)", "Offshore Maximum Vessel Beam (m)",
    "Offshore Maximum Vessel Draft (m)", "Shelter Afforded", "Entrance Restriction - Tide",
    "Entrance Restriction - Heavy Swell", "Entrance Restriction - Ice", "Entrance Restriction - Other",
    "Overhead Limits", "Underkeel Clearance Management System", "Good Holding Ground", "Turning Area",
    "Port Security", "Estimated Time of Arrival Message", "Quarantine - Pratique",
    "Quarantine - Sanitation", "Quarantine - Other", "Traffic Separation Scheme",
    "Vessel Traffic Service", "First Port of Entry", "US Representative", "Pilotage - Compulsory",
    "Pilotage - Available", "Pilotage - Local Assistance", "Pilotage - Advisable", "Tugs - Salvage",
    "Tugs - Assistance", "Communications - Telephone", "Communications - Telefax",
    "Communications - Radio", "Communications - Radiotelephone", "Communications - Airport",
    "Communications - Rail", "Search and Rescue", "NAVAREA", "Facilities - Wharves",
    "Facilities - Anchorage", "Facilities - Dangerous Cargo Anchorage", "Facilities - Med Mooring",
    "Facilities - Beach Mooring", "Facilities - Ice Mooring", "Facilities - Other",
    "Medical Facilities", "Garbage Disposal", "Chemical Holding Tank Disposal", "Degaussing",
    "Dirty Ballast Disposal", "Cranes - Fixed", "Cranes - Mobile", "Cranes - Floating",
    "Cranes Container", "Lifts - 100+ Tons", "Lifts - 50-100 Tons", "Lifts - 25-49 Tons",
    "Lifts - 0-24 Tons", "Services - Longshoremen", "Services - Electricity", "Services -Steam",
    "Services - Navigation Equipment", "Services - Electrical Repair", "Services - Ice Breaking",
    "Services -Diving", "Supplies - Provisions", "Supplies - Potable Water", "Supplies - Fuel Oil",
    "Supplies - Diesel Oil", "Supplies - Aviation Fuel", "Supplies - Deck", "Supplies - Engine",
    "Repairs", "Dry Dock", "Railway",
]

OUT_COLUMNS = [
    "wpi_number", "port_name", "alternate_name", "unlocode", "unlocode_as_published",
    "has_invalid_unlocode", "country_name", "country_code", "region_name", "world_water_body",
    "harbor_size", "harbor_type", "harbor_use", *[c for c in TEXT_COLUMNS.values() if c.startswith("fac_")],
    *METRE_COLUMNS.values(), "latitude", "longitude",
]

CORRECTIONS = {
    "corrections/country_names.csv": (
        "WPI country names Natural Earth's NAME/NAME_LONG/ADMIN do not match, with the ISO alpha-2 "
        "code given to them and a reason."
    ),
}
CORRECTION_COLUMNS = ["wpi_country_name", "country_code", "reason"]

_UNLOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")

NOTES = """\
Edition: the 2025-08 copy of NGA's UpdatedPub150.csv (3,805 ports) from dindi00/sea_route_optimize \
(blob 55c59d8a9b1b8a70bbc00559148291fd9857176e, added in 95961c4100104101bfc884dd31a267f195094379); \
3,807 rows were reported for the live file on 2026-10-03. Derived here from the raw CSV: 28 of its 109 \
columns (identifiers, names, harbour size/type/use, seven facility flags, eight depths and vessel limits, \
position); the rest is navigation detail, dropped. \
country_code: WPI's "Country Code" column holds a country name; it is matched to Natural Earth \
5.1 NAME/NAME_LONG/ADMIN (ISO_A2_EH), accents and case folded, and corrections/country_names.csv \
codes the names that do not match (Burma, Reunion, Svalbard, US minor islands ...). \
unlocode: spaces removed and upper-cased (WPI writes both "CWWIL" and "TR BOT"); 5 published values \
are not codes (e.g. GB ME"", bare prefixes CL, LB, EG) and are emptied, has_invalid_unlocode set. \
9 codes have a prefix other than the port's country (WPI errors such as RULED for St Petersburg, \
US, and overseas territories); the loader reports them. Several ports share one code. \
Duplicate WPI numbers: 49460 (Machilipatnam) and 400 (Seydhisfjordhur/Seydisfjordur) appear twice; \
both rows are shipped, the loader keeps the first. \
Depths and vessel limits are metres; WPI's 0 means "not reported" and is emptied. Positions are \
given to about 1 arc-minute and often lie in the harbour water. WPI lists ports, not terminals, \
and carries no owner or operator. Ports come and go between editions (Poti is absent here)."""


def build(shared: Path, out_dir: Path) -> Manifest:
    """Write ``wpi_ports.csv`` and the manifest into ``out_dir``.

    Parameters
    ----------
    shared : Path
        Root of the raw snapshots (holding ``wpi/`` and ``natural-earth/``).
    out_dir : Path
        ``datasets/wpi``; must hold ``corrections/country_names.csv``.

    Returns
    -------
    Manifest
        The manifest written to ``out_dir/manifest.toml``.
    """
    shared, out_dir = Path(shared), Path(out_dir)
    src, ne_src = shared / RAW_FILE, shared / NE_FILE
    raw = read_csv_strict(src, COLUMNS + IGNORED)
    codes = country_codes_by_name(
        {r["Country Code"].strip() for r in raw}, _ne_names(ne_src), _read_corrections(out_dir)
    )
    rows = [_port(r, codes) for r in sorted(raw, key=_order)]
    write_csv(out_dir / "wpi_ports.csv", OUT_COLUMNS, rows)

    files = [describe_file(
        out_dir, "wpi_ports.csv",
        "Every World Port Index port: identifiers, ISO alpha-2 country, harbour, facilities, depths, position.",
        derived_from=[raw_ref(shared, src), raw_ref(shared, ne_src)],
    )]
    files.extend(describe_corrections(out_dir, CORRECTIONS))
    manifest = Manifest(
        id=SOURCE_ID,
        title="World Port Index (Pub. 150)",
        publisher="US National Geospatial-Intelligence Agency (NGA)",
        origin_url=(
            "https://github.com/dindi00/sea_route_optimize/blob/87b874e16a38eb60de3141a689602c36d0cc37b6"
            "/UpdatedPub150.csv"
        ),
        licence="LicenseRef-US-Government-Public-Domain",
        licence_url="https://www.copyright.gov/title17/92chap1.html#105",
        attribution="World Port Index (Pub. 150), National Geospatial-Intelligence Agency.",
        retrieved="2026-11-25",
        refresh_url="https://msi.nga.mil/api/publications/download?type=view&key=16920959/SFH00000/UpdatedPub150.csv",
        homepage="https://msi.nga.mil/Publications/WPI",
        imported_by=__name__,
        **MANIFEST_KEYS,
        notes=NOTES,
        files=files,
    )
    write_manifest(out_dir, manifest)
    return manifest


def fold(name: str) -> str:
    """Comparison key of a country name: accents dropped, case folded, spaces collapsed.

    Examples
    --------
    >>> fold("Côte d'Ivoire") == fold("Cote D'Ivoire")
    True
    """
    t = unicodedata.normalize("NFKD", name)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.casefold().split())


def country_codes_by_name(
    names: set[str], ne_names: dict[str, set[str]], corrections: dict[str, str]
) -> dict[str, str]:
    """Map each WPI country name to an ISO alpha-2 code.

    Parameters
    ----------
    names : set of str
        The WPI country names to map.
    ne_names : dict
        Folded Natural Earth name -> set of codes carrying it.
    corrections : dict
        WPI name -> code, for names Natural Earth does not match (or matches wrongly).

    Returns
    -------
    dict
        WPI name -> code, for every name.

    Raises
    ------
    DataError
        A name that maps to no code or to several, or a correction that is stale (its
        name is not in WPI) or redundant (Natural Earth already gives the same code).

    Examples
    --------
    >>> country_codes_by_name({"Greece", "Burma"}, {"greece": {"GR"}}, {"Burma": "MM"})
    {'Burma': 'MM', 'Greece': 'GR'}
    """
    out, problems = {}, []
    for name in sorted(names):
        found = ne_names.get(fold(name), set())
        if name in corrections:
            if found == {corrections[name]}:
                problems.append(f"{name!r}: correction is redundant, Natural Earth gives {corrections[name]}")
            out[name] = corrections[name]
        elif len(found) == 1:
            out[name] = next(iter(found))
        else:
            problems.append(f"{name!r}: Natural Earth gives {sorted(found) or 'no code'}; add a correction")
    stale = sorted(set(corrections) - names)
    problems += [f"{name!r}: correction for a name WPI does not use" for name in stale]
    if problems:
        raise DataError("WPI country names: " + "; ".join(problems))
    return out


def _ne_names(path: Path) -> dict[str, set[str]]:
    """Folded Natural Earth names -> ISO_A2_EH codes (features without a code are skipped)."""
    with open(path, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    index: dict[str, set[str]] = {}
    for f in features:
        p = f["properties"]
        if p["ISO_A2_EH"] == "-99":
            continue
        for field in NE_NAME_FIELDS:
            if p.get(field):
                index.setdefault(fold(p[field]), set()).add(p["ISO_A2_EH"])
    return index


def _read_corrections(out_dir: Path) -> dict[str, str]:
    path = out_dir / "corrections" / "country_names.csv"
    if not path.exists():
        raise DataError(f"{path} is missing: it codes the WPI country names Natural Earth does not match")
    rows = read_csv_strict(path, CORRECTION_COLUMNS)
    out: dict[str, str] = {}
    for i, r in enumerate(rows, 1):
        if not r["reason"].strip() or not re.fullmatch(r"[A-Z]{2}", r["country_code"]):
            raise DataError(f"{path}: row {i} needs a two-letter country_code and a reason")
        if r["wpi_country_name"] in out:
            raise DataError(f"{path}: row {i} repeats {r['wpi_country_name']!r}")
        out[r["wpi_country_name"]] = r["country_code"]
    return out


def _order(r: dict[str, str]) -> tuple:
    """Numeric WPI number, then NGA object id; unparsable numbers sort last, by text."""
    return (_float_or_inf(r["World Port Index Number"]), _float_or_inf(r["OID_"]), r["World Port Index Number"])


def _float_or_inf(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _port(r: dict[str, str], codes: dict[str, str]) -> dict:
    out = {new: r[old].strip() for old, new in TEXT_COLUMNS.items()}
    out["wpi_number"] = _number_text(r["World Port Index Number"])
    published = r["UN/LOCODE"].strip()
    code = published.replace(" ", "").upper()
    out["unlocode_as_published"] = published
    out["unlocode"] = code if _UNLOCODE_RE.match(code) else ""
    out["has_invalid_unlocode"] = bool(published) and not out["unlocode"]
    out["country_code"] = codes[out["country_name"]]
    for old, new in METRE_COLUMNS.items():
        out[new] = _number(r[old], zero_is_missing=True)
    out["latitude"] = _number(r["Latitude"])
    out["longitude"] = _number(r["Longitude"])
    return out


def _number_text(text: str) -> str:
    """``"7950.0"`` -> ``"7950"``; ``"49454.5"`` stays; anything else is passed through."""
    v = _number(text)
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _number(text: str, zero_is_missing: bool = False) -> float | str:
    """Parse a number rounded to 6 decimals; blank -> ``""``; unparsable text is passed
    through for the loader to report."""
    t = text.strip()
    if t == "":
        return ""
    try:
        v = round(float(t), 6)
    except ValueError:
        return t
    return "" if zero_is_missing and v == 0 else v
