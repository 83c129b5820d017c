"""Where each source is refreshed from: the registry of remote sources and their schema checks.

Contract: :data:`REGISTRY` lists every source ``infrarisk fetch`` knows, as data: its id,
the snapshot folder it fills (laid out like the raw snapshot folder ``../shared/data``, so
the importers read a fresh snapshot exactly as they read the shipped one), how it is
fetched (``kind``), each file with the settings key of its URL (overridable, so mirrors
and tests can point elsewhere), the check a download must pass before it replaces the
previous snapshot, and the importer (a key of :data:`infrarisk.imports.IMPORTERS`) that
``infrarisk update`` runs on it. ``importer=None`` means fetched and kept, not yet imported:
the GLEIF files wait for the registry ingesters, GEM and the cables for their importers.
Adding a source is adding an entry here. Nothing in this module touches the network.

Checks are callables ``check(path) -> str`` (a one-line summary of what was found, ending
in ``N records`` or ``N features`` where the file has records) that raise
:class:`~infrarisk.errors.SchemaError` naming the file and the first problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import ConfigError, SchemaError
from .imports import naturalearth as _ne
from .imports import wpi as _wpi
from .settings import Settings

Check = Callable[[Path], str]

GLEIF_API = "https://api.gleif.org/api/v1"
GOLDEN_COPY_INDEX = "https://goldencopy.gleif.org/api/v2/golden-copies/publishes"
_LEI_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,150}$")


# --- checks -------------------------------------------------------------------------------

def _open_text(path: Path, encoding: str):
    """Open text, sniffing a UTF-16 or UTF-8 byte-order mark when ``encoding`` is ``auto``."""
    if encoding == "auto":
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
    return open(path, newline="", encoding=encoding)


def _csv_rows(fh, where: str, columns: tuple[str, ...], exact: bool, min_rows: int, header_only: bool) -> str:
    try:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise SchemaError(f"{where}: empty file, expected a CSV header") from None
        if len(set(header)) != len(header):
            dupes = sorted({c for c in header if header.count(c) > 1})
            raise SchemaError(f"{where}: duplicate column(s) {', '.join(dupes)}")
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns] if exact else []
        if missing or unknown:
            shown = ", ".join(header[:8]) + (" …" if len(header) > 8 else "")
            raise SchemaError(
                f"{where}: the schema changed"
                + (f"; missing column(s): {', '.join(missing[:10])}" + (" …" if len(missing) > 10 else "") if missing else "")
                + (f"; new column(s): {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else "") if unknown else "")
                + f" (header starts: {shown})"
            )
        if header_only:
            return f"CSV header of {len(header)} columns"
        n = 0
        for n, rec in enumerate(reader, start=1):
            if len(rec) != len(header) and rec != []:
                raise SchemaError(f"{where}: malformed CSV: record {n} has {len(rec)} fields, the header has "
                                  f"{len(header)}")
        if n < min_rows:
            raise SchemaError(f"{where}: {n} record(s), expected at least {min_rows}")
        return f"CSV, {len(header)} columns, {n} records"
    except csv.Error as e:
        raise SchemaError(f"{where}: malformed CSV: {e}") from None
    except UnicodeDecodeError as e:
        raise SchemaError(f"{where}: not text in the expected encoding ({e.reason} at byte {e.start})") from None


@dataclass(frozen=True)
class CsvCheck:
    """A CSV whose header holds ``columns`` (exactly these, in any order, if ``exact``)
    and whose every record has as many fields as the header.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> CsvCheck(("a", "b"), exact=True)(p)
    'CSV, 2 columns, 1 records'
    >>> _ = p.write_text("a,c\\n1,2\\n")
    >>> CsvCheck(("a", "b"))(p)
    Traceback (most recent call last):
    ...
    infrarisk.errors.SchemaError: ...a.csv: the schema changed; missing column(s): b (header starts: a, c)
    """

    columns: tuple[str, ...]
    exact: bool = False
    encoding: str = "auto"
    min_rows: int = 1

    def __call__(self, path: Path) -> str:
        with _open_text(path, self.encoding) as fh:
            return _csv_rows(fh, str(path), self.columns, self.exact, self.min_rows, header_only=False)


@dataclass(frozen=True)
class ZipCsvCheck:
    """A zip holding one CSV (the GLEIF golden-copy layout), or a bare CSV; header only,
    because the full files hold millions of records."""

    columns: tuple[str, ...]

    def __call__(self, path: Path) -> str:
        if not zipfile.is_zipfile(path):
            with _open_text(path, "auto") as fh:
                return _csv_rows(fh, str(path), self.columns, False, 0, header_only=True)
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise SchemaError(f"{path}: expected one CSV in the zip, found {len(members)}: "
                                      f"{', '.join(zf.namelist()[:5])}")
                with zf.open(members[0]) as raw:
                    fh = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    summary = _csv_rows(fh, f"{path}!{members[0]}", self.columns, False, 0, header_only=True)
                return f"zip of {members[0]}: {summary}"
        except zipfile.BadZipFile as e:
            raise SchemaError(f"{path}: broken zip: {e}") from None


def records_in(summary: str) -> int | None:
    """The record count a check's summary ends with, if any.

    Examples
    --------
    >>> records_in("CSV, 109 columns, 3805 records"), records_in("zip of x.csv: CSV header of 9 columns")
    (3805, None)
    """
    m = re.search(r"(\d+) (?:records|features)$", summary or "")
    return int(m.group(1)) if m else None


def load_json(path: Path):
    """Parse a JSON file; SchemaError (with line and column) when it is not JSON."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SchemaError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise SchemaError(f"{path}: malformed JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None


@dataclass(frozen=True)
class GeoJsonCheck:
    """A GeoJSON FeatureCollection whose features carry ``properties`` and geometries of
    the given types."""

    properties: tuple[str, ...]
    geometry_types: tuple[str, ...]
    min_features: int = 1

    def __call__(self, path: Path) -> str:
        doc = load_json(path)
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
            raise SchemaError(f"{path}: not a GeoJSON FeatureCollection")
        feats = doc["features"]
        if len(feats) < self.min_features:
            raise SchemaError(f"{path}: {len(feats)} feature(s), expected at least {self.min_features}")
        for i, f in enumerate(feats, start=1):
            props = f.get("properties") if isinstance(f, dict) else None
            geom = f.get("geometry") if isinstance(f, dict) else None
            if not isinstance(props, dict):
                raise SchemaError(f"{path}: feature {i} has no properties")
            missing = [p for p in self.properties if p not in props]
            if missing:
                raise SchemaError(f"{path}: the schema changed; feature {i} lacks {', '.join(missing)}")
            if not isinstance(geom, dict) or geom.get("type") not in self.geometry_types:
                got = geom.get("type") if isinstance(geom, dict) else None
                raise SchemaError(f"{path}: feature {i} has geometry {got!r}, expected "
                                  f"{' or '.join(self.geometry_types)}")
        return f"GeoJSON, {len(feats)} features"


@dataclass(frozen=True)
class JsonCheck:
    """JSON checked by ``validate(doc, where)``, which raises SchemaError or returns a summary."""

    validate: Callable[[object, str], str]

    def __call__(self, path: Path) -> str:
        return self.validate(load_json(path), str(path))


# --- JSON shapes of the remote APIs -------------------------------------------------------

def _get(doc, keys: tuple, where: str, kind: type | tuple = (str,)):
    cur = doc
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            raise SchemaError(f"{where}: unexpected shape: no {'.'.join(map(str, keys))}")
        cur = cur[k]
    if not isinstance(cur, kind):
        raise SchemaError(f"{where}: unexpected shape: {'.'.join(map(str, keys))} is {type(cur).__name__}")
    return cur


def gleif_lei_records(doc, where: str) -> str:
    """A JSON:API page of ``lei-records`` (``data`` a list, each with ``attributes.lei``)."""
    data = _get(doc, ("data",), where, list)
    for i, rec in enumerate(data):
        if not isinstance(rec, dict) or rec.get("type") != "lei-records":
            raise SchemaError(f"{where}: data[{i}] is not a lei-records object")
        lei = _get(rec, ("attributes", "lei"), f"{where}: data[{i}]")
        if not _LEI_RE.match(lei):
            raise SchemaError(f"{where}: data[{i}].attributes.lei {lei!r} is not an LEI")
        _get(rec, ("attributes", "entity", "legalName", "name"), f"{where}: data[{i}]")
    pag = (doc.get("meta") or {}).get("pagination")
    if pag is not None:
        _get(pag, ("lastPage",), f"{where}: meta.pagination", int)
    return f"GLEIF lei-records, {len(data)} records"


def gleif_relationship(doc, where: str) -> str:
    """A ``relationship-records`` object with ``startNode`` and ``endNode`` LEIs."""
    data = _get(doc, ("data",), where, dict)
    if data.get("type") != "relationship-records":
        raise SchemaError(f"{where}: data.type is {data.get('type')!r}, expected relationship-records")
    rel = _get(data, ("attributes", "relationship"), where, dict)
    for node in ("startNode", "endNode"):
        _get(rel, (node, "id"), where)
    _get(rel, ("type",), where)
    return f"GLEIF {rel['type']} {rel['startNode']['id']} -> {rel['endNode']['id']}"


def gleif_exception(doc, where: str) -> str:
    """A ``reporting-exceptions`` object (why no parent is reported)."""
    data = _get(doc, ("data",), where, dict)
    if data.get("type") != "reporting-exceptions":
        raise SchemaError(f"{where}: data.type is {data.get('type')!r}, expected reporting-exceptions")
    _get(data, ("attributes", "lei"), where)
    cat = _get(data, ("attributes", "category"), where)
    reason = _get(data, ("attributes", "reason"), where, (str, type(None)))
    return f"GLEIF reporting exception {cat}: {reason}"


def golden_copy_index(doc, where: str) -> str:
    """The golden-copy publishes index: ``data[0]`` with the file URLs of lei2, rr and repex."""
    data = _get(doc, ("data",), where, list)
    if not data:
        raise SchemaError(f"{where}: no publish listed")
    for section in ("lei2", "rr", "repex"):
        url = _get(data[0], (section, "full_file", "csv", "url"), f"{where}: data[0]")
        if not url.startswith(("http://", "https://")):
            raise SchemaError(f"{where}: data[0].{section}.full_file.csv.url is not an http(s) URL")
    return f"golden-copy publish {data[0].get('publish_date', '?')}"


def cable_detail(doc, where: str) -> str:
    """One cable of the Submarine Cable Map API (v3 shape not documented: checked loosely)."""
    if not isinstance(doc, dict):
        raise SchemaError(f"{where}: expected a JSON object")
    _get(doc, ("id",), where)
    _get(doc, ("name",), where)
    owners = doc.get("owners")
    if owners is not None and not isinstance(owners, (str, list)):
        raise SchemaError(f"{where}: owners is {type(owners).__name__}, expected text or a list")
    return f"cable {doc['id']}"


# --- the registry -------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    """One file of a source: its name in the snapshot folder, URL key and default, check."""

    name: str
    url_key: str
    default_url: str
    check: Check
    max_bytes: int | None = None


@dataclass(frozen=True)
class RemoteSource:
    """A source ``infrarisk fetch`` can refresh.

    Attributes
    ----------
    id : str
        Name on the command line (and of its dataset, where one is imported).
    folder : str
        Snapshot folder, named like the raw snapshot folder the importer reads.
    kind : str
        ``files`` (each file from its URL), ``gleif_api``, ``golden_copy``,
        ``golden_copy_delta`` or ``cables`` (see :mod:`infrarisk.fetch`).
    files : tuple of RemoteFile
        The files (for the crawling kinds: the entry points).
    importer : str or None
        Key of :data:`infrarisk.imports.IMPORTERS` run by ``update``; None: kept only.
    note : str
        What an operator should know (licence, unstable URLs).
    """

    id: str
    folder: str
    title: str
    kind: str
    files: tuple[RemoteFile, ...]
    importer: str | None = None
    note: str = ""
    extra_urls: dict = field(default_factory=dict)


GEM_COLUMNS = ("project", "type", "owner", "parent", "countries", "status", "url")
CABLE_DETAIL_URL = "https://www.submarinecablemap.com/api/v3/cable/{id}.json"

REGISTRY: tuple[RemoteSource, ...] = (
    RemoteSource(
        id="wpi", folder="wpi", title="NGA World Port Index (Pub. 150)", kind="files",
        files=(RemoteFile("UpdatedPub150.csv", "wpi",
                          "https://msi.nga.mil/api/publications/download?type=view&key=16920959/SFH00000/"
                          "UpdatedPub150.csv",
                          CsvCheck(tuple(_wpi.COLUMNS + _wpi.IGNORED), exact=True)),),
        importer="wpi",
        note="The importer also reads the Natural Earth snapshot (country names).",
    ),
    RemoteSource(
        id="naturalearth", folder="natural-earth", title="Natural Earth admin-0 countries, 1:50m", kind="files",
        files=(RemoteFile("ne_50m_admin_0_countries.geojson", "naturalearth",
                          "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/master/geojson/"
                          "ne_50m_admin_0_countries.geojson",
                          GeoJsonCheck(tuple(_ne.KEEP), ("Polygon", "MultiPolygon"))),),
        importer="naturalearth",
    ),
    RemoteSource(
        id="unlocode", folder="unlocode", title="UN/LOCODE code list (datasets/un-locode)", kind="files",
        files=(RemoteFile("code-list.csv", "unlocode",
                          "https://raw.githubusercontent.com/datasets/un-locode/main/data/code-list.csv",
                          CsvCheck(("Country", "Location", "Name", "NameWoDiacritics", "Function", "Status",
                                    "Coordinates"))),),
        note="Kept only: the official code list has another layout than the snapshot the importer reads.",
    ),
    RemoteSource(
        id="gem-europe-gas", folder="gem-europe-gas", title="Global Energy Monitor, Europe Gas Tracker", kind="files",
        files=(RemoteFile("data.csv", "gem_europe_gas",
                          "https://raw.githubusercontent.com/GlobalEnergyMonitor/europe_gas_tracker/main/docs/"
                          "static/data/data.csv",
                          CsvCheck(GEM_COLUMNS)),),
        note="UTF-16 with a BOM; the repository copy is frozen at May 2024: pin a release URL in "
             "[urls] gem_europe_gas for current data. CC BY 4.0.",
    ),
    RemoteSource(
        id="submarine-cables", folder="submarine-cables", title="TeleGeography Submarine Cable Map (API v3)",
        kind="cables",
        files=(RemoteFile("cable-geo.json", "cables_geo",
                          "https://www.submarinecablemap.com/api/v3/cable/cable-geo.json",
                          GeoJsonCheck(("id", "name"), ("MultiLineString", "LineString"))),
               RemoteFile("landing-point-geo.json", "cables_landing_points",
                          "https://www.submarinecablemap.com/api/v3/landing-point/landing-point-geo.json",
                          GeoJsonCheck(("id", "name"), ("Point",)))),
        extra_urls={"cables_detail": CABLE_DETAIL_URL},
        note="CC BY-NC-SA 3.0 (non-commercial). Each cable's JSON (owners) lands in cable/<id>.json.",
    ),
    RemoteSource(
        id="gleif-api", folder="gleif-api", title="GLEIF API: the map's LEIs and their parents", kind="gleif_api",
        files=(RemoteFile("lei-records", "gleif_api", GLEIF_API, JsonCheck(gleif_lei_records)),),
        note="JSON:API responses, one file per response, named like the samples in "
             "ownership/formats/gleif_api/ (for `infrarisk ingest gleif-api`). At most "
             "http.gleif_requests_per_minute requests a minute. CC0.",
    ),
    RemoteSource(
        id="gleif-golden-copy", folder="gleif-golden-copy", title="GLEIF golden copy (full files)",
        kind="golden_copy",
        files=(RemoteFile("publishes.json", "gleif_golden_copy", GOLDEN_COPY_INDEX, JsonCheck(golden_copy_index)),),
        note="lei2 is about 0.5 GB zipped; fetch it when the registry ingesters need it. CC0.",
    ),
    RemoteSource(
        id="gleif-golden-copy-delta", folder="gleif-golden-copy-delta",
        title="GLEIF golden copy (LastDay deltas)", kind="golden_copy_delta",
        files=(RemoteFile("publishes.json", "gleif_golden_copy", GOLDEN_COPY_INDEX, JsonCheck(golden_copy_index)),),
        note="The records changed since the previous publish. CC0.",
    ),
)

#: columns each golden-copy section's CSV must have (parsed by name, never by position)
GOLDEN_COPY_COLUMNS = {
    "lei2": ("LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Registration.RegistrationStatus"),
    "rr": ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType",
           "Relationship.RelationshipStatus"),
    "repex": ("LEI", "Exception.Category"),
}


def by_id(source_id: str) -> RemoteSource:
    for s in REGISTRY:
        if s.id == source_id:
            return s
    raise ConfigError(f"unknown source {source_id!r}; known: {', '.join(s.id for s in REGISTRY)}")


def url_keys() -> list[str]:
    """Every settings key of a URL (``[urls]`` in TOML, ``INFRARISK_URL_<KEY>``)."""
    keys = {f.url_key for s in REGISTRY for f in s.files} | {k for s in REGISTRY for k in s.extra_urls}
    return sorted(keys)


def url_for(settings: Settings, key: str, default: str) -> str:
    """The URL of ``key``: the settings' override, else the default."""
    return settings.urls.get(key, default)


def check_settings(settings: Settings) -> None:
    """ConfigError for an unknown URL key or update source (typos are not silently ignored)."""
    unknown = sorted(set(settings.urls) - set(url_keys()))
    if unknown:
        raise ConfigError(f"unknown URL key(s) {', '.join(unknown)}; known: {', '.join(url_keys())}")
    for sid in settings.update_sources or ():
        by_id(sid)


def default_update_sources(settings: Settings) -> list[str]:
    """Sources ``update`` fetches: the setting, else every source that has an importer."""
    if settings.update_sources is not None:
        return list(settings.update_sources)
    return [s.id for s in REGISTRY if s.importer]


def is_lei(text: str) -> bool:
    return bool(_LEI_RE.match(text))


def is_slug(text: str) -> bool:
    """Ids used in file names and URLs must be plain slugs (no ``/``, no ``..``)."""
    return bool(_SLUG_RE.match(text))


def map_leis(settings: Settings) -> tuple[list[str], str, list[str]]:
    """LEIs of the entities on the map: ``(leis, where they came from, rejected values)``.

    Read from ``core_ownership__entities.lei`` of the last build (``settings.db_path``),
    else from ``datasets/curated/entities.csv``. Values failing the ISO 17442 check
    digits are returned apart, never requested.
    """
    from .validate import parse_lei

    values: list[str] | None = None
    where = ""
    db_path = Path(settings.db_path)
    if db_path.exists():
        import duckdb
        try:
            con = duckdb.connect(str(db_path), read_only=True)
            try:
                values = [r[0] for r in con.execute(
                    "SELECT DISTINCT lei FROM core_ownership__entities WHERE lei IS NOT NULL AND lei <> ''"
                ).fetchall()]
                where = f"{db_path} (core_ownership__entities.lei)"
            finally:
                con.close()
        except duckdb.Error:
            values = None
    if values is None:
        path = Path(settings.datasets_dir) / "curated" / "entities.csv"
        if not path.exists():
            raise ConfigError(f"no LEIs to fetch: neither a built database at {db_path} nor {path}")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            values = [r.get("lei", "") for r in csv.DictReader(fh) if r.get("lei")]
        where = str(path)
    good, bad = set(), set()
    for v in values:
        try:
            good.add(parse_lei(v))
        except ValueError:
            bad.add(v)
    good.discard(None)
    return sorted(good), where, sorted(bad)
