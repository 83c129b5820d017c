"""Shared fixtures: a build of the shipped datasets, the raw snapshot folder, and a tiny fake geographic
``datasets/``.

The tiny datasets hold a handful of UN/LOCODE entries, Natural Earth "countries" that are
boxes, and WPI ports, with deliberate bad rows (each test names the one it relies on).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infrarisk.db import connect
from infrarisk.sources._derive import write_csv
from infrarisk.sources.unlocode.derive import OUT_COLUMNS as LOCATION_COLUMNS
from infrarisk.sources.wpi.derive import OUT_COLUMNS as PORT_COLUMNS
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from infrarisk.sources import Manifest, describe_file, manifest_keys, write_manifest

REPO_DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def build_datasets(tmp: Path, datasets: Path, name: str, with_site: bool = True, **settings):
    """(settings, report) of a whole build of ``datasets`` into ``tmp/name`` (``with_site`` False: the
    database only)."""
    from infrarisk.pipeline import build
    s = Settings.load(environ={}, datasets_dir=datasets, db_path=tmp / name / "db.duckdb", site_dir=tmp / name / "site",
                      **settings)
    return s, build(s, with_site=with_site)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """(settings, report) of a build of the shipped datasets (database and site), once per session."""
    return build_datasets(tmp_path_factory.mktemp("real"), REPO_DATASETS, "a")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The raw public snapshots (``../shared/data``); tests using it skip without it."""
    path = Settings.load().shared_data_dir
    if path is None or not Path(path).is_dir():
        pytest.skip("raw snapshot folder (shared data) not available")
    return Path(path)


# --- tiny geographic datasets ------------------------------------------------------------

def _box(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


#: (NE_ID, ISO_A2_EH, ADMIN, CONTINENT, geometry)
FEATURES = [
    (1, "MT", "Malta", "Europe", {"type": "Polygon", "coordinates": _box(14.1, 35.7, 14.6, 36.1)}),
    (2, "CY", "Cyprus", "Asia", {"type": "Polygon", "coordinates": _box(32.2, 34.5, 34.6, 35.1)}),
    (3, "-99", "Northern Cyprus", "Asia", {"type": "Polygon", "coordinates": _box(32.8, 35.1, 34.6, 35.7)}),
    (4, "UA", "Ukraine", "Europe", {"type": "Polygon", "coordinates": _box(22.0, 45.8, 40.0, 52.0)}),
    (5, "RU", "Russia", "Europe", {"type": "Polygon", "coordinates": _box(33.0, 44.3, 36.7, 45.8)}),
    (6, "FR", "France", "Europe", {"type": "MultiPolygon", "coordinates": [
        _box(-5.0, 42.0, 8.0, 51.0), _box(-61.9, 15.8, -61.0, 16.6)]}),
    (7, "DE", "Germany", "Europe", {"type": "Polygon", "coordinates": _box(8.0, 47.0, 15.0, 55.0)}),
    (8, "XK", "Kosovo", "Europe", {"type": "Polygon", "coordinates": _box(20.0, 42.0, 21.8, 43.3)}),
    (9, "FI", "Finland", "Europe", {"type": "Polygon", "coordinates": _box(20.0, 59.5, 31.0, 70.0)}),
    # a self-intersecting "bow tie": invalid, rejected (row 10)
    (10, "DE", "Bowtie", "Europe", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
]

COUNTRY_CODES = [("CY", "Cyprus"), ("DE", "Germany"), ("FI", "Finland"), ("FR", "France"),
                 ("GP", "Guadeloupe"), ("MT", "Malta"), ("RU", "Russian Federation"),
                 ("UA", "Ukraine"), ("US", "United States of America"), ("XZ", "International waters")]


def _loc(code, name, lat="", lon="", function="1-------", status="RL", **kw):
    row = {c: "false" for c in LOCATION_COLUMNS if c.startswith(("is_", "has_"))}
    row.update(unlocode=code, country_code=code[:2], location_code=code[2:], name=name,
               name_wo_diacritics=name, subdivision_code="", status_code=status, function_code=function,
               iata_code="", latitude=lat, longitude=lon, is_port="true" if function[0] == "1" else "false")
    row.update(kw)
    return row


#: UN/LOCODE rows (1-based rows in the comment)
LOCATIONS = [
    _loc("CYLMS", "Limassol", "34.666667", "33.033333"),            # 1
    _loc("DEBRV", "Bremerhaven", "53.55", ""),                       # 2 half coordinate: warning
    _loc("FIHEL", "Helsinki (Helsingfors)", "60.166667", "24.933333"),  # 3
    _loc("FIHEL", "Helsingfors (Helsinki)", "60.166667", "24.933333"),  # 4 duplicate code: warning
    _loc("IT940", "Bad Code"),                                       # 5 bad syntax: error
    _loc("MTMLA", "Valletta", "35.9", "14.516667"),                  # 6
    _loc("QQXYZ", "Nowhere"),                                        # 7 unknown country: error
    _loc("DEHAM", "Hamburg", "95.0", "10.0"),                        # 8 latitude out of range: warning
    _loc("GPBBR", "Basse-Terre", "16.0", "-61.733333"),              # 9
]


def _port(number, name, cc, lat, lon, unlocode="", size="", **kw):
    row = {c: "" for c in PORT_COLUMNS}
    row.update({c: "Unknown" for c in PORT_COLUMNS if c.startswith("fac_")})
    row.update(wpi_number=number, port_name=name, country_name=cc, country_code=cc, unlocode=unlocode,
               unlocode_as_published=unlocode, has_invalid_unlocode="false", harbor_size=size,
               latitude=lat, longitude=lon)
    row.update(kw)
    return row


#: WPI rows (1-based rows in the comment)
PORTS = [
    _port("100", "Valletta", "MT", "35.9", "14.516667", "MTMLA", "Large", fac_container="Yes"),  # 1
    _port("101", "Marsaxlokk", "MT", "35.833333", "14.55", "MTMAR", "Small", fac_container="No"),  # 2
    _port("102", "Valletta Grand Harbour", "MT", "35.89", "14.51", "MTMLA", "Medium"),     # 3 same LOCODE
    _port("200", "Limassol", "CY", "34.45", "33.033333", "CYLMS", "Large"),                # 4 in the water
    _port("300", "Sevastopol", "UA", "44.616667", "33.533333", "UASVP", "Medium"),         # 5 in RU polygon
    _port("300", "Sevastopol South Bay", "UA", "44.6", "33.55", "", "Small"),              # 6 duplicate id
    _port("400", "Bad Latitude", "FI", "95.0", "25.0", "FIXXX"),                            # 7 lat out of range
    _port("500", "Nowhere", "QQ", "10.0", "10.0"),                                          # 8 unknown country
    _port("600", "Basse-Terre", "GP", "16.0", "-61.733333", "GPBBR", "Small"),             # 9 FR polygon
    _port("700", "Helsinki", "FI", "60.166667", "24.933333", "FIHE1", "Huge"),             # 10 bad LOCODE, size
    _port("800", "Kyrenia", "CY", "35.333333", "33.316667", "CYKYR", "Small"),             # 11 N. Cyprus
    _port("900", "St Petersburg", "US", "27.766667", "-82.633333", "RULED", "Small"),      # 12 mismatch
    _port("1000", "Portsmouth", "DE", "54.0", "10.0", "", "Medium",
          has_invalid_unlocode="true", unlocode_as_published='GB ME""'),                   # 13 invalid LOCODE
]


def _manifest(folder: Path, source_id: str, files: list[str]) -> None:
    write_manifest(folder, Manifest(
        id=source_id, title=f"tiny {source_id}", publisher="tests", origin_url="https://example.org",
        licence="CC0-1.0", licence_url="https://example.org/licence", attribution="tests",
        retrieved="2026-11-25", files=[describe_file(folder, f) for f in files],
        **manifest_keys(source_id),
    ))


def write_geo_datasets(root: Path) -> Path:
    """Write the tiny ``unlocode``, ``naturalearth`` and ``wpi`` folders under ``root``."""
    u = root / "unlocode"
    write_csv(u / "locations.csv", LOCATION_COLUMNS, LOCATIONS)
    write_csv(u / "country_codes.csv", ["country_code", "country_name"],
              [{"country_code": c, "country_name": n} for c, n in COUNTRY_CODES])
    write_csv(u / "status_indicators.csv", ["status_code", "description"],
              [{"status_code": s, "description": s} for s in ("AI", "RL")])
    write_csv(u / "function_classifiers.csv", ["function_code", "description"],
              [{"function_code": s, "description": s} for s in ("1", "6")])
    write_csv(u / "corrections" / "country_codes.csv", ["country_code", "country_name", "reason"],
              [{"country_code": "XK", "country_name": "Kosovo", "reason": "Natural Earth uses it"}])
    _manifest(u, "unlocode", ["locations.csv", "country_codes.csv", "status_indicators.csv",
                              "function_classifiers.csv", "corrections/country_codes.csv"])

    n = root / "naturalearth"
    n.mkdir(parents=True, exist_ok=True)
    features = [{
        "type": "Feature",
        "properties": {
            "ISO_A2_EH": code, "ISO_A3_EH": "-99" if code == "-99" else code + "X", "NAME": admin,
            "NAME_LONG": admin, "ADMIN": admin, "SOVEREIGNT": admin, "TYPE": "Sovereign country",
            "CONTINENT": continent, "REGION_UN": continent, "SUBREGION": continent, "POP_EST": 1000 * ne_id,
            "WIKIDATAID": f"Q{ne_id}", "NE_ID": ne_id, "LABEL_X": 0.5, "LABEL_Y": 0.5,
        },
        "geometry": geometry,
    } for ne_id, code, admin, continent, geometry in FEATURES]
    (n / "countries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    write_csv(n / "corrections" / "feature_country_codes.csv", ["ne_id", "admin", "country_code", "reason"],
              [{"ne_id": 3, "admin": "Northern Cyprus", "country_code": "CY", "reason": "de jure Cyprus"}])
    corr_cols = ["country_code", "continent", "subregion", "polygon_country_code", "is_europe", "reason"]
    write_csv(n / "corrections" / "countries.csv", corr_cols, [
        {"country_code": "CY", "is_europe": "true", "reason": "EU member"},
        {"country_code": "GP", "continent": "North America", "subregion": "Caribbean",
         "polygon_country_code": "FR", "reason": "inside the France MultiPolygon"},
    ])
    _manifest(n, "naturalearth", ["countries.geojson", "corrections/feature_country_codes.csv",
                                  "corrections/countries.csv"])

    w = root / "wpi"
    write_csv(w / "wpi_ports.csv", PORT_COLUMNS, PORTS)
    write_csv(w / "corrections" / "country_names.csv", ["wpi_country_name", "country_code", "reason"], [])
    _manifest(w, "wpi", ["wpi_ports.csv", "corrections/country_names.csv"])
    return root


@pytest.fixture
def geo_datasets(tmp_path) -> Path:
    """A tiny ``datasets/`` folder with the three geographic sources (see module docstring)."""
    return write_geo_datasets(tmp_path / "datasets")


def run_loaders(datasets_dir: Path, names=("unlocode", "naturalearth", "wpi")):
    """Run the named geographic loaders in order into a fresh in-memory database."""
    from importlib import import_module

    settings = Settings.load(environ={}, datasets_dir=datasets_dir)
    con, log = connect(None), ProblemLog()
    for name in names:
        import_module(f"infrarisk.sources.{name}.load").load(con, settings, log)
    return con, log


@pytest.fixture
def geo_db(geo_datasets):
    """(connection, problem log) after loading the tiny geographic datasets."""
    con, log = run_loaders(geo_datasets)
    yield con, log
    con.close()


def assert_import_matches_committed(module, shared: Path, tmp_path: Path) -> None:
    """Run an importer on the real snapshot into ``tmp_path`` (with the committed
    ``corrections/``), twice, and assert the output equals ``datasets/<id>`` byte for byte."""
    import shutil

    committed = REPO_DATASETS / module.SOURCE_ID
    for attempt in ("first", "second"):
        out = tmp_path / attempt / module.SOURCE_ID
        if (committed / "corrections").is_dir():
            shutil.copytree(committed / "corrections", out / "corrections")
        out.mkdir(parents=True, exist_ok=True)
        module.build(shared, out)
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
        for rel in files:
            assert (out / rel).read_bytes() == (committed / rel).read_bytes(), f"{module.SOURCE_ID}/{rel} differs"


def reaped(pid: int) -> bool:
    """Whether the child process ``pid`` of this one has been waited for (no zombie, no process left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
