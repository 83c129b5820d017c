"""Risk profiles: which controlling countries count as a risk, and on whose word.

Contract: a profile is a TOML file (shipped ones live in ``infrarisk/profiles``) or built in
code. Each high-risk group lists its countries and at least one dated, cited source; a
group without a dated source is refused, because the site may call something a risk only
where the profile cites a dated source for it. The same holds for the optional
``[[high_risk_vendors]]``: a vendor is "high-risk" (:mod:`infrarisk.vendors`) only where the
profile names it with a dated, cited source.

Examples
--------
>>> p = load_profile("default")
>>> sorted(p.group("china").members(p.group_special_regions))
['CN', 'HK', 'MO']
>>> custom = Profile.build("hk-apart", [RiskGroup.build("china", "China", ["CN"],
...     sources=[Source("INGE2 report", "European Parliament", "2023-06-01",
...                     "https://www.europarl.europa.eu/doceo/document/TA-9-2023-0219_EN.html")])])
>>> sorted(custom.group("china").members(custom.group_special_regions))
['CN']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .settings import PACKAGE_DIR

PROFILE_DIR = PACKAGE_DIR / "profiles"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Source:
    """A dated, cited source for listing a country as a risk."""

    title: str
    publisher: str
    date: str
    url: str
    quote: str = ""
    also_reported_by: str = ""

    def __post_init__(self):
        if not _DATE.match(str(self.date)):
            raise ConfigError(f"profile source {self.title!r}: date must be YYYY-MM-DD, got {self.date!r}")
        if not str(self.url).startswith(("http://", "https://")):
            raise ConfigError(f"profile source {self.title!r}: url must be http(s)")


@dataclass(frozen=True)
class RiskGroup:
    """Countries treated together as one high-risk origin.

    Attributes
    ----------
    id, label : str
    countries : tuple of str
        ISO 3166-1 alpha-2 codes always in the group.
    special_regions : tuple of str
        Codes counted with the group only when the profile groups them (Hong Kong and
        Macao with China); in the data they stay themselves.
    sources : tuple of Source
    """

    id: str
    label: str
    countries: tuple[str, ...]
    special_regions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    @classmethod
    def build(cls, id: str, label: str, countries: list[str], special_regions: list[str] | None = None,
              sources: list[Source] | None = None) -> "RiskGroup":
        return cls(id, label, tuple(countries), tuple(special_regions or ()), tuple(sources or ()))

    def members(self, group_special_regions: bool = True) -> frozenset[str]:
        return frozenset(self.countries) | (frozenset(self.special_regions) if group_special_regions else frozenset())


@dataclass(frozen=True)
class HighRiskVendor:
    """A vendor the profile calls high-risk, on the word of at least one dated, cited source.

    Attributes
    ----------
    id, label : str
    vendor_ids : tuple of str
        The vendor ids of the supply source (``datasets/supply``) this entry means; only these
        vendors, never a vendor whose name merely resembles them.
    sources : tuple of Source
    """

    id: str
    label: str
    vendor_ids: tuple[str, ...]
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A named list of high-risk groups with their sources.

    ``inge2_group`` names the group the INGE2 "over 20 ports" finding counts
    (:mod:`infrarisk.findings.inge2`); None: the first group.
    """

    name: str
    title: str
    groups: tuple[RiskGroup, ...]
    description: str = ""
    group_special_regions: bool = True
    path: str = field(default="", compare=False)
    inge2_group: str | None = None
    high_risk_vendors: tuple[HighRiskVendor, ...] = ()

    def __post_init__(self):
        ids = [g.id for g in self.groups]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"profile {self.name}: duplicate group ids")
        for g in self.groups:
            if not g.sources:
                raise ConfigError(f"profile {self.name}: group {g.id!r} has no dated source; a country is a risk "
                                  "only where a dated, cited source says so")
            for c in (*g.countries, *g.special_regions):
                if not re.match(r"^[A-Z]{2}$", c):
                    raise ConfigError(f"profile {self.name}: {c!r} is not an ISO alpha-2 code")
        for v in self.high_risk_vendors:
            if not v.sources:
                raise ConfigError(f"profile {self.name}: high-risk vendor {v.id!r} has no dated source; a vendor is "
                                  "high-risk only where a dated, cited source names it")
            if not v.vendor_ids:
                raise ConfigError(f"profile {self.name}: high-risk vendor {v.id!r} lists no vendor_ids")
        if self.inge2_group is not None and self.inge2_group not in ids:
            raise ConfigError(f"profile {self.name}: inge2_group {self.inge2_group!r} is not one of its groups")

    @classmethod
    def build(cls, name: str, groups: list[RiskGroup], title: str = "", description: str = "",
              group_special_regions: bool = True, inge2_group: str | None = None) -> "Profile":
        """Make a profile in code (for analysts' what-if questions)."""
        return cls(name, title or name, tuple(groups), description, group_special_regions,
                   inge2_group=inge2_group)

    def group(self, id: str) -> RiskGroup:
        for g in self.groups:
            if g.id == id:
                return g
        raise KeyError(id)

    def members(self, group: RiskGroup) -> frozenset[str]:
        return group.members(self.group_special_regions)

    def group_of(self, country: str | None) -> RiskGroup | None:
        """The high-risk group a country belongs to under this profile, if any."""
        for g in self.groups:
            if country in self.members(g):
                return g
        return None

    def without_special_regions(self) -> "Profile":
        return Profile(self.name, self.title, self.groups, self.description, False, self.path, self.inge2_group,
                       self.high_risk_vendors)

    def high_risk_vendor(self, vendor_id: str) -> HighRiskVendor | None:
        """The profile's high-risk vendor entry naming ``vendor_id`` (a supply vendor id), if any.

        Examples
        --------
        >>> load_profile("default").high_risk_vendor("zte").sources[0].date
        '2023-06-15'
        >>> load_profile("default").high_risk_vendor("ericsson") is None
        True
        """
        for v in self.high_risk_vendors:
            if vendor_id in v.vendor_ids:
                return v
        return None


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a shipped profile by name or any profile TOML by path."""
    p = Path(name_or_path)
    if not p.suffix:
        p = PROFILE_DIR / f"{name_or_path}.toml"
    if not p.exists():
        known = ", ".join(sorted(x.stem for x in PROFILE_DIR.glob("*.toml")))
        raise ConfigError(f"risk profile {name_or_path!r} not found (shipped profiles: {known})")
    try:
        with open(p, "rb") as fh:
            d = tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from None
    opts = d.get("options", {})
    try:
        groups = tuple(
            RiskGroup(
                id=g["id"], label=g["label"], countries=tuple(g["countries"]),
                special_regions=tuple(g.get("special_administrative_regions", ())),
                sources=tuple(Source(**s) for s in g.get("sources", ())),
            )
            for g in d.get("high_risk", [])
        )
        return Profile(
            name=d["name"], title=d.get("title", d["name"]), groups=groups, description=d.get("description", ""),
            group_special_regions=bool(opts.get("group_special_administrative_regions_with_china", True)),
            path=str(p), inge2_group=d.get("findings", {}).get("inge2_group"),
            high_risk_vendors=tuple(
                HighRiskVendor(id=v["id"], label=v["label"], vendor_ids=tuple(v["vendor_ids"]),
                               sources=tuple(Source(**s) for s in v.get("sources", ())))
                for v in d.get("high_risk_vendors", [])
            ),
        )
    except (KeyError, TypeError) as e:
        raise ConfigError(f"{p}: malformed profile ({e})") from None
