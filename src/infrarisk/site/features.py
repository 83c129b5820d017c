"""What a map feature is: the columns every layer returns, asset statuses and type labels.

Contract: constants and pure helpers shared by the layer registry (:mod:`.layers`) and the
layers' ``select`` functions (:mod:`.infra`): :data:`FEATURE_COLUMNS`, :data:`STATUSES`,
:data:`TYPE_LABELS`, :func:`type_label`, and :func:`asset_frame` (rows of
``out_exposure__assets`` as point features). It imports no other module of the site, so
the registry and the layers depend on it and not on each other.

Examples
--------
>>> type_label("lng_terminal")
'LNG terminal'
"""

from __future__ import annotations

import pandas as pd

GEOMETRIES = ("point", "line", "polygon")
FEATURE_COLUMNS = ["asset_id", "name", "asset_type", "country_code", "band", "status", "parent_asset_id", "code",
                   "licence", "reason"]
#: status of an asset (not of a stake), with the words the filters show (GEM's status groups)
STATUSES = {"operating": "Operating", "in development": "In development (planned, proposed, under construction)",
            "inactive": "Inactive (shelved, mothballed, cancelled, retired)", "unknown": "Not stated by the source"}

TYPE_LABELS = {
    "port": "Port", "container_terminal": "Container terminal", "inland_container_terminal": "Inland container terminal",
    "port_authority": "Port authority (whole port)", "terminal_group": "Terminal group", "planned_port": "Planned port",
    "whole_port_operator": "Port company (whole port)", "multipurpose_terminal": "Multipurpose terminal",
    "bulk_terminal": "Bulk terminal", "liquid_bulk_terminal": "Liquid bulk terminal",
    "cable_system": "Submarine cable system", "landing_station": "Cable landing station",
    "mobile_network": "Mobile network (national)", "mobile_fixed_network": "Mobile and fixed network (national)",
    "tower_portfolio": "Mobile tower portfolio (national)", "tower_company": "Tower company (listed)",
    "telecom_group": "Telecom group (listed)", "cable_landing": "Cable landing (sourced stakes)",
    "data_centre": "Data centre", "gas_power_plant": "Gas power plant", "gas_pipeline": "Gas pipeline",
    "hydrogen_pipeline": "Hydrogen pipeline", "lng_terminal": "LNG terminal",
    "gas_extraction_area": "Gas extraction area",
}


def asset_frame(assets: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``out_exposure__assets`` as point features (the columns of the contract)."""
    return pd.DataFrame({
        "asset_id": assets["asset_id"], "name": assets["name"], "asset_type": assets["asset_type"],
        "country_code": assets["country_code"], "band": assets["band"],
        "status": ["in development" if p else "operating" for p in assets["is_planned"].fillna(False)],
        "parent_asset_id": assets["parent_asset_id"], "code": assets["unlocode"],
        "licence": assets["licence"], "reason": assets["band_reason"],
        "longitude": assets["longitude"], "latitude": assets["latitude"],
    })


def type_label(asset_type: str) -> str:
    """Words for an asset type code.

    Examples
    --------
    >>> type_label("container_terminal"), type_label("floating_unit")
    ('Container terminal', 'Floating unit')
    """
    return TYPE_LABELS.get(asset_type) or asset_type.replace("_", " ").capitalize()
