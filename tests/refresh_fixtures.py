"""A tiny universe for the refresh tests: raw upstream files to serve, and the datasets they give.

The raw files have the real upstream layouts (the NGA World Port Index CSV with its full
109-column header, a Natural Earth GeoJSON with the attributes the importer keeps), but a
handful of ports and box-shaped countries, so ``infrarisk update`` runs its real fetch,
import and build code in about a second. :func:`write_datasets` writes the ``datasets/``
folder a checkout would hold: tiny UN/LOCODE and ownership sources, the geographic ones
derived from the same raw files by the project's importers.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from infrarisk.sources.naturalearth import derive as ne_import
from infrarisk.sources.wpi import derive as wpi_import
from infrarisk.sources._derive import write_csv
from infrarisk.sources.unlocode.derive import OUT_COLUMNS as LOCATION_COLUMNS
from infrarisk.sources import Manifest, describe_file, manifest_keys, write_manifest

from .builders import entity, link, stake, write_curated

#: (code, admin name, continent, (x0, y0, x1, y1))
COUNTRIES = [
    ("FR", "France", "Europe", (-5.0, 42.0, 8.0, 51.0)),
    ("BE", "Belgium", "Europe", (2.5, 49.5, 6.4, 51.5)),
    ("IT", "Italy", "Europe", (6.6, 36.6, 18.5, 47.1)),
    ("MT", "Malta", "Europe", (14.1, 35.7, 14.6, 36.1)),
    ("DE", "Germany", "Europe", (8.0, 47.0, 15.0, 55.0)),
    ("NL", "Netherlands", "Europe", (3.3, 50.7, 7.2, 53.6)),
    ("GB", "United Kingdom", "Europe", (-8.0, 50.0, 2.0, 59.0)),
    ("CN", "China", "Asia", (73.0, 18.0, 135.0, 53.0)),
    ("HK", "Hong Kong", "Asia", (113.8, 22.1, 114.5, 22.6)),
]

#: (WPI number, name, country name, UN/LOCODE, lat, lon)
PORTS = [
    ("100", "Portville", "France", "FRPVL", "49.5", "0.1"),
    ("200", "Harbourton", "Belgium", "BEHBT", "51.3", "4.3"),
    ("300", "Vado Ligure", "Italy", "ITVDL", "44.27", "8.44"),
    ("400", "Valletta", "Malta", "MTMLA", "35.9", "14.516667"),
    ("500", "Hamburg", "Germany", "DEHAM", "53.55", "9.97"),
]


def raw_wpi_csv(ports=PORTS, header=None, extra_row: list | None = None) -> bytes:
    """The NGA CSV layout (UTF-8 with BOM, the importer's 109 columns) with ``ports``."""
    header = header or (wpi_import.COLUMNS + wpi_import.IGNORED)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for i, (num, name, country, locode, lat, lon) in enumerate(ports, start=1):
        row = {c: "" for c in header}
        row.update({"OID_": str(i), "World Port Index Number": num, "Main Port Name": name,
                    "Country Code": country, "UN/LOCODE": locode, "Latitude": lat, "Longitude": lon,
                    "Harbor Size": "Medium"})
        w.writerow([row[c] for c in header])
    if extra_row is not None:
        w.writerow(extra_row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def raw_ne_geojson(countries=COUNTRIES) -> bytes:
    """A Natural Earth-shaped admin-0 GeoJSON: box polygons with every kept attribute."""
    feats = []
    for i, (code, admin, continent, (x0, y0, x1, y1)) in enumerate(countries, start=1):
        props = {k: None for k in ne_import.KEEP}
        props.update(ISO_A2_EH=code, ISO_A3_EH=code + "X", NAME=admin, NAME_LONG=admin, ADMIN=admin,
                     SOVEREIGNT=admin, TYPE="Sovereign country", CONTINENT=continent, REGION_UN=continent,
                     SUBREGION=continent, POP_EST=1000 * i, WIKIDATAID=f"Q{i}", NE_ID=i, LABEL_X=x0, LABEL_Y=y0)
        feats.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}})
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode("utf-8")


def _loc(code, name, lat, lon):
    row = {c: "false" for c in LOCATION_COLUMNS if c.startswith(("is_", "has_"))}
    row.update(unlocode=code, country_code=code[:2], location_code=code[2:], name=name, name_wo_diacritics=name,
               subdivision_code="", status_code="AI", function_code="1-------", iata_code="", latitude=lat,
               longitude=lon, is_port="true")
    return row


def _manifest(folder: Path, source_id: str, files: list[str]) -> None:
    write_manifest(folder, Manifest(
        id=source_id, title=f"tiny {source_id}", publisher="tests", origin_url="https://example.org",
        licence="CC0-1.0", licence_url="https://example.org/licence", attribution="tests",
        retrieved="2026-11-25", files=[describe_file(folder, f) for f in files],
        **manifest_keys(source_id)))


def ownership_tables(cosco_pct: float = 24.99) -> dict:
    """Two terminals: one with a Chinese state-controlled holder (share ``cosco_pct``)."""
    ents = [
        entity("SASAC", "CN", etype="state body"),
        entity("China COSCO Shipping", "CN", etype="company (central SOE)"),
        entity("COSCO SHIPPING Ports", "HK", etype="listed holding"),
        entity("HHLA", "DE"),
        entity("Free and Hanseatic City of Hamburg", "DE", etype="state"),
        entity("Port of Portville", "FR"),
    ]
    links = [
        link("China COSCO Shipping", "SASAC", 100, "ultimate parent"),
        link("COSCO SHIPPING Ports", "China COSCO Shipping", 61, "direct parent"),
        link("HHLA", "Free and Hanseatic City of Hamburg", 50.1, "direct parent"),
    ]
    stakes = [
        stake("Tollerort", "COSCO SHIPPING Ports", cosco_pct, unlocode="DEHAM", country="DE", as_of="2023-06-19",
              url="https://example.org/ctt", sid="S-ctt-cosco"),
        stake("Tollerort", "HHLA", round(100 - cosco_pct, 2), unlocode="DEHAM", country="DE", as_of="2023-06-19",
              url="https://example.org/ctt", sid="S-ctt-hhla"),
        stake("Portville Container Terminal", "Port of Portville", 100, as_of="2020-01-01", sid="S-pvl"),
    ]
    for s in stakes[:2]:
        s["port_name"] = "Hamburg"
    locations = [
        {"source_row": "1", "asset_name": "Tollerort", "source_file": "asset_stakes", "latitude": "53.54",
         "longitude": "9.94", "precision": "terminal", "source_url": "https://example.org/pos",
         "source_title": "pos", "note": ""},
        {"source_row": "2", "asset_name": "Portville Container Terminal", "source_file": "asset_stakes",
         "latitude": "49.48", "longitude": "0.12", "precision": "terminal", "source_url": "https://example.org/pos",
         "source_title": "pos", "note": ""},
    ]
    return {"entities": ents, "links": links, "stakes": stakes, "locations": locations}


def write_raw(root: Path) -> Path:
    """The raw snapshot folder layout (``wpi/``, ``natural-earth/``) with the tiny files."""
    (root / "wpi").mkdir(parents=True, exist_ok=True)
    (root / "wpi" / "UpdatedPub150.csv").write_bytes(raw_wpi_csv())
    (root / "natural-earth").mkdir(parents=True, exist_ok=True)
    (root / "natural-earth" / "ne_50m_admin_0_countries.geojson").write_bytes(raw_ne_geojson())
    return root


def write_datasets(root: Path, cosco_pct: float = 24.99) -> Path:
    """A complete tiny ``datasets/`` (what the checkout holds before any update)."""
    u = root / "unlocode"
    write_csv(u / "locations.csv", LOCATION_COLUMNS, [_loc(p[3], p[1], p[4], p[5]) for p in PORTS])
    write_csv(u / "country_codes.csv", ["country_code", "country_name"],
              [{"country_code": c, "country_name": n} for c, n, _, _ in COUNTRIES])
    write_csv(u / "status_indicators.csv", ["status_code", "description"],
              [{"status_code": "AI", "description": "AI"}])
    write_csv(u / "function_classifiers.csv", ["function_code", "description"],
              [{"function_code": "1", "description": "port"}])
    write_csv(u / "corrections" / "country_codes.csv", ["country_code", "country_name", "reason"], [])
    _manifest(u, "unlocode", ["locations.csv", "country_codes.csv", "status_indicators.csv",
                              "function_classifiers.csv", "corrections/country_codes.csv"])
    n = root / "naturalearth"
    write_csv(n / "corrections" / "feature_country_codes.csv", ["ne_id", "admin", "country_code", "reason"], [])
    write_csv(n / "corrections" / "countries.csv",
              ["country_code", "continent", "subregion", "polygon_country_code", "is_europe", "reason"], [])
    w = root / "wpi"
    write_csv(w / "corrections" / "country_names.csv", ["wpi_country_name", "country_code", "reason"], [])
    raw = write_raw(root.parent / "raw-initial")
    ne_import.build(raw, n)
    wpi_import.build(raw, w)
    shutil.rmtree(raw)
    write_curated(root / "curated", **ownership_tables(cosco_pct))
    return root


# --- the other upstreams, in their published layouts ----------------------------------------

def _dms(value: float, pos: str, neg: str, width: int) -> str:
    v = abs(value)
    deg, minutes = int(v), round((v - int(v)) * 60)
    return f"{deg:0{width}d}{minutes:02d}{pos if value >= 0 else neg}"


def raw_unlocode(ports=PORTS) -> dict[str, bytes]:
    """``datasets/un-locode``'s four files (``code-list.csv`` with the ports, the code tables)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Change", "Country", "Location", "Name", "NameWoDiacritics", "Subdivision", "Status", "Function",
                "Date", "IATA", "Coordinates", "Remarks"])
    w.writerow(["", "FR", "", ".FRANCE", "", "", "", "", "", "", "", ""])  # a country heading: no location
    for _, name, _, code, lat, lon in ports:
        coords = f"{_dms(float(lat), 'N', 'S', 2)} {_dms(float(lon), 'E', 'W', 3)}"
        w.writerow(["", code[:2], code[2:], name, name, "", "AI", "1-------", "2401", "", coords, ""])
    w.writerow(["", "FR", "XAP", "Airport Only", "Airport Only", "", "AI", "---4----", "2401", "", "", ""])
    w.writerow(["X", "FR", "OLD", "Removed Port", "Removed Port", "", "AI", "1-------", "2401", "", "", ""])
    tables = {"country-codes.csv": "CountryCode,CountryName\n" + "".join(f"{c},{n}\n" for c, n, _, _ in COUNTRIES),
              "function-classifiers.csv": "FunctionCode,FunctionDescription\n1,port\n4,airport\n6,multimodal\n",
              "status-indicators.csv": "STStatus,STDescription\nAI,Approved by international body\n"}
    return {"code-list.csv": buf.getvalue().encode("utf-8"), **{k: v.encode("utf-8") for k, v in tables.items()}}


GEM_ROWS = [
    # project, type, owner, parent, countries, geom, lat, lng, route, status
    ("Harbourton LNG Terminal", "lng_terminal", "Harbourton LNG NV (100%)", "Dragon Gas Holdings (60%);Fluxys (40%)",
     "Belgium", "point", "51.3", "4.3", "", "operating"),
    ("Rhine Link Gas Pipeline", "gas_pipeline", "", "Gasunie [100.00%]", "Netherlands, Germany", "line", "", "",
     "51.5,4.5:52.0,6.0;52.0,6.0:53.0,9.0", "construction_plus"),
]


def raw_gem_csv(rows=GEM_ROWS) -> bytes:
    """GEM's map CSV: the published columns, UTF-16 with a byte-order mark."""
    from infrarisk.sources.gem.fetch import PUBLISHED_COLUMNS
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(PUBLISHED_COLUMNS), lineterminator="\r\n")
    w.writeheader()
    for project, typ, owner, parent, countries, geom, lat, lng, route, status in rows:
        w.writerow({c: "" for c in PUBLISHED_COLUMNS} | dict(
            project=project, type=typ, owner=owner, parent=parent, countries=countries, status_tabular=status,
            geom=geom, lat=lat, lng=lng, route=route, url="https://www.gem.wiki/x", status=status))
    return buf.getvalue().encode("utf-16")


CABLES = {  # id: (name, owners, landing points (id, name, country, lon, lat))
    "dragon-link": ("Dragon Link", "China Telecom, Orange", [("marseille-france", "Marseille, France", "France", 5.37, 43.3),
                                                             ("hong-kong-china", "Hong Kong, China", "China", 114.2, 22.3)]),
    "north-sea-one": ("North Sea One", "Telenor", [("harbourton-belgium", "Harbourton, Belgium", "Belgium", 4.3, 51.3),
                                                   ("bude-united-kingdom", "Bude, United Kingdom", "United Kingdom",
                                                    -4.5, 50.8)]),
}


def raw_cables() -> dict[str, bytes]:
    """The Submarine Cable Map API v3: ``cable-geo.json``, ``landing-point-geo.json``, ``cable/<id>.json``."""
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": cid, "name": name, "color": "#939597", "feature_id": f"{cid}-0"},
         "geometry": {"type": "MultiLineString", "coordinates": [[[lp[3], lp[4]] for lp in lps]]}}
        for cid, (name, _, lps) in CABLES.items()]}
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": lp[0], "name": lp[1], "is_tbd": None},
         "geometry": {"type": "Point", "coordinates": [lp[3], lp[4]]}}
        for _, (_, _, lps) in CABLES.items() for lp in lps]}
    out = {"cable-geo.json": json.dumps(geo).encode(), "landing-point-geo.json": json.dumps(points).encode()}
    for cid, (name, owners, lps) in CABLES.items():
        out[f"cable/{cid}.json"] = json.dumps({
            "id": cid, "name": name, "length": "12,000 km", "owners": owners, "suppliers": "ASN", "rfs": "2022",
            "rfs_year": 2022, "is_planned": False, "url": "https://example.org/cable", "notes": None,
            "landing_points": [{"id": lp[0], "name": lp[1], "country": lp[2], "is_tbd": None} for lp in lps]}).encode()
    return out


def write_converted_datasets(ds: Path) -> None:
    """``gem-europe-gas`` and ``submarine-cables`` derived from the published fixtures above, the way
    ``infrarisk update`` does (the crawl's conversion, then the derive step)."""
    from infrarisk.sources.cables import derive as cables_derive
    from infrarisk.sources.cables.fetch import derive_layout
    from infrarisk.sources.gem import derive as gem_derive
    from infrarisk.sources.gem.fetch import ASSETS, PIPELINES, convert
    from infrarisk.sources._convert import country_codes, csv_bytes

    raw = ds.parent / "raw-converted"
    codes = country_codes(ds)
    rows = list(csv.DictReader(io.StringIO(raw_gem_csv().decode("utf-16"))))
    assets, feats, _ = convert(rows, [], codes)
    (raw / "gem-europe-gas").mkdir(parents=True, exist_ok=True)
    (raw / "gem-europe-gas" / ASSETS).write_bytes(csv_bytes(gem_derive.ASSET_COLUMNS, assets))
    (raw / "gem-europe-gas" / PIPELINES).write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    gem_derive.build(raw, ds / "gem-europe-gas")
    files = raw_cables()
    geo = json.loads(files["cable-geo.json"])
    docs = {k[6:-5]: json.loads(v) for k, v in files.items() if k.startswith("cable/")}
    tables, _ = derive_layout(geo, json.loads(files["landing-point-geo.json"]), docs, codes)
    (raw / "submarine-cables").mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        (raw / "submarine-cables" / name).write_bytes(csv_bytes(header, rows))
    (raw / "submarine-cables" / "cables_geo.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"slug": f["properties"]["id"]}, "geometry": f["geometry"]}
        for f in geo["features"]]}))
    cables_derive.build(raw, ds / "submarine-cables")
    shutil.rmtree(raw)
