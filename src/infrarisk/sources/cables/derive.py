"""Import TeleGeography's submarine cable data into ``datasets/submarine-cables/``.

Inputs: ``<shared>/submarine-cables/`` — ``cables.csv`` (one row per cable, owners
``"; "``-joined), ``cable_owners.csv`` (one row per cable x owner), ``cable_landing_points.csv``
(one row per cable x landing point) and ``cables_geo.geojson`` (route MultiLineStrings),
all the June 2021 snapshot of TeleGeography's Submarine Cable Map (see its ``SOURCE.md``).

Outputs (one row per input row, nothing merged or dropped; deterministic):

- ``cables.csv``, ``cable_owners.csv``, ``landing_points.csv``: the rows as read, sorted
  by their keys, each with its 1-based ``source_row`` in the raw file;
- ``cable_routes.geojson``: the route of each cable (one MultiLineString, the parts of
  cables drawn as two features joined) with only its ``cable_id``, compact, coordinates
  rounded to 5 decimals (about 1 m; the source carries 15 digits of floating-point noise).

The licence is CC BY-NC-SA 3.0 (non-commercial, share-alike): the manifest says so with
``is_noncommercial = true`` and the source stays in its own folder. The newer (2026) v3
snapshot is not imported: it has no owners and no cable-to-landing links, so it could add
routes but no ownership (see the manifest notes).

Strict interpretation: an unexpected column, an owners field that disagrees with the long
owner table, a landing row or a route for an unknown cable, a route that is not a line, or a cable without a route stops
the import.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...errors import DataError
from ..manifest import Manifest, describe_file, write_manifest
from .._derive import raw_ref, read_csv_strict, write_csv
from . import SOURCE_ID

#: written into the manifest: how discovery, load order and `infrarisk fetch` see this source
MANIFEST_KEYS = {
    "package": "cables",
    "table_prefix": "cables",
    "depends_on": [
        "naturalearth"
    ],
    "refresh": {
        "remotes": {
            "submarine-cables": {
                "kind": "cables",
                "folder": "submarine-cables",
                "title": "TeleGeography Submarine Cable Map (API v3)",
                "update": True,
                "note": "CC BY-NC-SA 3.0 (non-commercial). Each cable's JSON (owners, landing points) lands in cable/<id>.json; the crawl then writes cables.csv, cable_owners.csv, cable_landing_points.csv and cables_geo.geojson for the derive step.",
                "files": [
                    {
                        "name": "cable-geo.json",
                        "url_key": "cables_geo",
                        "url": "https://www.submarinecablemap.com/api/v3/cable/cable-geo.json"
                    },
                    {
                        "name": "landing-point-geo.json",
                        "url_key": "cables_landing_points",
                        "url": "https://www.submarinecablemap.com/api/v3/landing-point/landing-point-geo.json"
                    }
                ],
                "extra_urls": {
                    "cables_detail": "https://www.submarinecablemap.com/api/v3/cable/{id}.json"
                }
            }
        }
    }
}
RAW_DIR = "submarine-cables"
CABLE_COLUMNS = ["cable_id", "cable_numeric_id", "name", "rfs", "rfs_year", "length", "length_km", "n_owners",
                 "owners", "n_landing_points", "url", "notes"]
OWNER_COLUMNS = ["cable_id", "cable_name", "owner"]
LANDING_COLUMNS = ["cable_id", "landing_point_id", "landing_point_numeric_id", "landing_point_name", "country_name",
                   "iso_a2", "latitude", "longitude", "is_tbd"]
#: the separator TeleGeography's owners field uses between owners (in cables.csv)
OWNERS_SEPARATOR = "; "
ROUND = 5
RETRIEVED = "2026-11-25"
ATTRIBUTION = ("Submarine Cable Map data © TeleGeography (www.submarinecablemap.com), licensed CC BY-NC-SA 3.0.")


def round_coords(coords, ndigits: int = ROUND):
    """Round nested GeoJSON coordinates (floats only) to ``ndigits`` decimals.

    Examples
    --------
    >>> round_coords([[[1.123456789, 2.0], [3.5, -4.0000049]]])
    [[[1.12346, 2.0], [3.5, -4.0]]]
    """
    if isinstance(coords, (int, float)):
        return round(float(coords), ndigits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return [round_coords(c, ndigits) for c in coords]


def compact_geojson(features: list[dict]) -> bytes:
    """A FeatureCollection as compact, key-sorted UTF-8 JSON with a final newline."""
    fc = {"type": "FeatureCollection", "features": features}
    return (json.dumps(fc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def _routes(path: Path, cable_ids: set[str]) -> list[dict]:
    """One MultiLineString per cable. Six cables have two features (segments TeleGeography
    draws in different colours); their parts are joined, in feature order."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    parts: dict[str, list] = {}
    for i, f in enumerate(data.get("features", []), start=1):
        slug = (f.get("properties") or {}).get("slug")
        geom = f.get("geometry") or {}
        if slug not in cable_ids:
            raise DataError(f"{path}: feature {i} has slug {slug!r}, which is no cable of cables.csv")
        if geom.get("type") == "LineString":
            lines = [geom["coordinates"]]
        elif geom.get("type") == "MultiLineString":
            lines = geom["coordinates"]
        else:
            raise DataError(f"{path}: feature {i} ({slug}) is a {geom.get('type')}, not a line")
        parts.setdefault(slug, []).extend(round_coords(lines))
    missing = sorted(cable_ids - set(parts))
    if missing:
        raise DataError(f"{path}: no route for cable(s) {', '.join(missing[:10])}")
    return [{"type": "Feature", "properties": {"cable_id": slug},
             "geometry": {"type": "MultiLineString", "coordinates": parts[slug]}} for slug in sorted(parts)]


def check_owner_fields(cables: list[dict], owners: list[dict], where: str) -> None:
    """The ``owners`` field of each cable, split on ``"; "``, must list exactly the cable's
    rows of the long owner table, in order (the two files are one fact written twice).

    Examples
    --------
    >>> check_owner_fields([{"cable_id": "c", "owners": "A; B"}],
    ...                    [{"cable_id": "c", "owner": "A"}, {"cable_id": "c", "owner": "B"}], "x")
    """
    by_cable: dict[str, list[str]] = {}
    for r in owners:
        by_cable.setdefault(r["cable_id"], []).append(r["owner"])
    for r in cables:
        field = [x for x in r["owners"].split(OWNERS_SEPARATOR)] if r["owners"] else []
        if field != by_cable.pop(r["cable_id"], []):
            raise DataError(f"{where}: owners of {r['cable_id']!r} differ between cables.csv and cable_owners.csv")
    if by_cable:
        raise DataError(f"{where}: cable_owners.csv names cable(s) not in cables.csv: {', '.join(sorted(by_cable))}")


def build(shared: Path, out_dir: Path) -> Manifest:
    """Derive ``datasets/submarine-cables`` from ``<shared>/submarine-cables``; return its manifest."""
    src = shared / RAW_DIR
    files = {k: src / k for k in ("cables.csv", "cable_owners.csv", "cable_landing_points.csv",
                                  "cables_geo.geojson")}
    for p in files.values():
        if not p.exists():
            raise DataError(f"raw snapshot file {p} not found")
    cables = read_csv_strict(files["cables.csv"], CABLE_COLUMNS)
    owners = read_csv_strict(files["cable_owners.csv"], OWNER_COLUMNS)
    landings = read_csv_strict(files["cable_landing_points.csv"], LANDING_COLUMNS)
    ids = [r["cable_id"] for r in cables]
    if len(set(ids)) != len(ids):
        raise DataError(f"{files['cables.csv']}: duplicate cable_id")
    check_owner_fields(cables, owners, str(src))
    unknown = sorted({r["cable_id"] for r in landings} - set(ids))
    if unknown:
        raise DataError(f"{files['cable_landing_points.csv']}: landing rows for unknown cable(s) {', '.join(unknown)}")
    routes = _routes(files["cables_geo.geojson"], set(ids))

    def numbered(rows):
        return [{"source_row": i, **r} for i, r in enumerate(rows, start=1)]

    write_csv(out_dir / "cables.csv", ["source_row", *CABLE_COLUMNS],
              sorted(numbered(cables), key=lambda r: r["cable_id"]))
    write_csv(out_dir / "cable_owners.csv", ["source_row", *OWNER_COLUMNS],
              sorted(numbered(owners), key=lambda r: (r["cable_id"], r["source_row"])))
    write_csv(out_dir / "landing_points.csv", ["source_row", *LANDING_COLUMNS],
              sorted(numbered(landings), key=lambda r: (r["cable_id"], r["landing_point_id"], r["source_row"])))
    (out_dir / "cable_routes.geojson").write_bytes(compact_geojson(routes))

    ref = lambda k: [raw_ref(shared, files[k])]  # noqa: E731
    entries = [
        describe_file(out_dir, "cables.csv", "One row per cable system (June 2021): name, ready-for-service, "
                      "length, owners as one '; '-joined field, landing-point count, URL, notes.",
                      derived_from=ref("cables.csv")),
        describe_file(out_dir, "cable_owners.csv", "One row per cable and owner, the owner's name as "
                      "TeleGeography writes it (free text, no shares, no identifiers).",
                      derived_from=ref("cable_owners.csv")),
        describe_file(out_dir, "landing_points.csv", "One row per cable and landing point: name "
                      "('City, Country'), country name and ISO code, coordinates, whether the site is to be "
                      "decided. TeleGeography does not say who owns or operates a landing station.",
                      derived_from=ref("cable_landing_points.csv")),
        describe_file(out_dir, "cable_routes.geojson", "Route of each cable (MultiLineString, CRS84), "
                      "coordinates rounded to 5 decimals (about 1 m); the two route features of six cables "
                      "are joined into one.", derived_from=ref("cables_geo.geojson")),
    ]
    manifest = Manifest(
        id=SOURCE_ID,
        title="TeleGeography Submarine Cable Map: cables, owners, landing points (June 2021)",
        publisher="TeleGeography",
        origin_url="https://github.com/telegeography/www.submarinecablemap.com/tree/"
                   "85198ba3de4d7e4f2dbd6327cdaad031acc0685f/public/api/v2",
        homepage="https://www.submarinecablemap.com",
        licence="CC-BY-NC-SA-3.0",
        licence_url="https://creativecommons.org/licenses/by-nc-sa/3.0/",
        attribution=ATTRIBUTION,
        retrieved=RETRIEVED,
        refresh_url="https://www.submarinecablemap.com/api/v3/cable/cable-geo.json",
        imported_by=__name__,
        **MANIFEST_KEYS,
        is_noncommercial=True,
        notes=("NON-COMMERCIAL, SHARE-ALIKE: CC BY-NC-SA 3.0. Usable in a non-commercial open-source project and "
               "on a non-commercial public map with attribution; anything published from it carries the same "
               "licence; a commercial user must leave it out (setting include_noncommercial = false). "
               "Snapshot: repository HEAD 85198ba3 of 2021-06-29 (the repository stopped updating in mid-2021). "
               "Ownership is at the cable level: a consortium owns the whole system; owners are free text "
               "without shares; TeleGeography does not say who owns or operates landing stations. Hong Kong "
               "landing points are labelled '..., China' (iso_a2 CN). The 2026 API v3 snapshot (710 routes, "
               "1,910 landing points, no owners, no cable-to-landing links) is not imported."),
        files=entries,
    )
    write_manifest(out_dir, manifest)
    return manifest
