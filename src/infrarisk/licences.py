"""Licence bookkeeping: the most restrictive licence of what a file contains is its licence.

Examples
--------
>>> most_restrictive(["CC-BY-4.0", "ODC-PDDL-1.0", "CC-BY-SA-4.0"])
'CC-BY-SA-4.0'
"""

from __future__ import annotations

#: from least to most restrictive; unknown licences rank as the most restrictive
ORDER = [
    "CC0-1.0",
    "ODC-PDDL-1.0",
    "LicenseRef-US-Government-Public-Domain",
    "LicenseRef-Natural-Earth-Public-Domain",
    "LicenseRef-Eurostat-GISCO",
    "CC-BY-4.0",
    "ODC-BY-1.0",
    "CC-BY-SA-4.0",
    "ODbL-1.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
]
URLS = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "ODC-PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "CC-BY-NC-SA-3.0": "https://creativecommons.org/licenses/by-nc-sa/3.0/",
    "CC-BY-NC-SA-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
}
NONCOMMERCIAL = {"CC-BY-NC-4.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0"}


def rank(licence: str) -> int:
    return ORDER.index(licence) if licence in ORDER else len(ORDER)


def most_restrictive(licences) -> str:
    """The most restrictive of several licence ids."""
    ls = [x for x in licences if x]
    if not ls:
        raise ValueError("no licence given")
    return max(sorted(set(ls)), key=rank)


def url(licence: str) -> str:
    return URLS.get(licence, "sources.html")
