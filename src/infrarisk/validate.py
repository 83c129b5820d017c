"""Value checks shared by every loader.

Each function takes one raw value and either returns the parsed value or raises
:class:`ValueError` with a sentence saying why; loaders turn that sentence into a
:class:`infrarisk.problems.Problem` naming the file and row.
"""

from __future__ import annotations

import math
import re
from datetime import date

_LEI_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_UNLOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


def lei_checksum_ok(lei: str) -> bool:
    """Whether ``lei`` is a well-formed ISO 17442 LEI with valid check digits.

    The check is ISO 7064 MOD 97-10: letters become 10..35, the whole number
    modulo 97 must equal 1.

    Examples
    --------
    >>> lei_checksum_ok("549300D2K6PKKKXVNN73")
    True
    >>> lei_checksum_ok("549300D2K6PKKKXVNN74")
    False
    """
    if not isinstance(lei, str) or not _LEI_RE.match(lei):
        return False
    return int("".join(str(int(c, 36)) for c in lei)) % 97 == 1


def parse_lei(text: str | None) -> str | None:
    """Return the LEI in upper case, None if blank; ValueError if malformed."""
    if text is None or str(text).strip() == "":
        return None
    lei = str(text).strip().upper()
    if not _LEI_RE.match(lei):
        raise ValueError("LEI must be 20 characters: 18 letters/digits and 2 check digits")
    if not lei_checksum_ok(lei):
        raise ValueError("LEI check digits fail (ISO 17442 / ISO 7064 MOD 97-10)")
    return lei


def parse_share_pct(text: str | None) -> float | None:
    """Parse a percentage (0-100) into a fraction (0-1); blank gives None.

    Examples
    --------
    >>> parse_share_pct("24.99")
    0.2499
    >>> parse_share_pct("") is None
    True
    """
    if text is None:
        return None
    s = str(text).strip()
    if s == "":
        return None
    s = s.rstrip("%").strip()
    try:
        v = float(s)
    except ValueError:
        raise ValueError("stake is not a number") from None
    if math.isnan(v) or math.isinf(v):
        raise ValueError("stake is not a finite number")
    if v < 0 or v > 100:
        raise ValueError("stake outside 0-100%")
    return round(v / 100.0, 10)


def parse_partial_date(text: str | None) -> tuple[date | None, str | None]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Returns
    -------
    (date, precision)
        The first day of the period and ``year``/``month``/``day``; ``(None, None)``
        for a blank value.

    Examples
    --------
    >>> parse_partial_date("2017-11")
    (datetime.date(2017, 11, 1), 'month')
    """
    if text is None or str(text).strip() == "":
        return None, None
    s = str(text).strip()
    m = _DATE_RE.match(s)
    if not m:
        raise ValueError("date must be YYYY, YYYY-MM or YYYY-MM-DD")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        value = date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        raise ValueError("not a calendar date") from None
    if value.year < 1800 or value.year > 2100:
        raise ValueError("year out of range 1800-2100")
    return value, "day" if d else "month" if mo else "year"


def check_lat_lon(lat: object, lon: object) -> tuple[float, float]:
    """Return (lat, lon) as floats; ValueError when missing or out of range."""
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError("coordinate is not a number") from None
    if math.isnan(la) or math.isnan(lo):
        raise ValueError("coordinate missing")
    if not -90 <= la <= 90:
        raise ValueError("latitude outside -90..90")
    if not -180 <= lo <= 180:
        raise ValueError("longitude outside -180..180")
    return la, lo


def check_country(code: str | None, known: set[str]) -> str | None:
    """Return an ISO 3166-1 alpha-2 code or None for blank; ValueError if unknown."""
    if code is None or str(code).strip() == "":
        return None
    c = str(code).strip().upper()
    if c not in known:
        raise ValueError("not a known ISO 3166-1 alpha-2 country code")
    return c


def check_unlocode(code: str | None) -> str | None:
    """Return a syntactically valid UN/LOCODE (``CCLLL``) or None for blank."""
    if code is None or str(code).strip() == "":
        return None
    c = str(code).strip().upper().replace(" ", "")
    if not _UNLOCODE_RE.match(c):
        raise ValueError("UN/LOCODE must be 2 letters and 3 letters/digits 2-9")
    return c
