import datetime

import pytest

from infrarisk.validate import (check_country, check_lat_lon, check_unlocode, lei_checksum_ok, parse_lei,
                                parse_partial_date, parse_share_pct)


@pytest.mark.parametrize("lei", ["549300D2K6PKKKXVNN73", "213800TB53ELEUKM7Q61", "5299008QX6KA3JHWK507"])
def test_real_leis_pass_check_digits(lei):
    assert lei_checksum_ok(lei)


@pytest.mark.parametrize("lei", ["549300D2K6PKKKXVNN74", "549300D2K6PKKKXVNN7", "549300d2k6pkkkxvnn73x", "", None])
def test_bad_leis_fail(lei):
    assert not lei_checksum_ok(lei)


def test_parse_lei_says_why():
    with pytest.raises(ValueError, match="check digits"):
        parse_lei("549300D2K6PKKKXVNN74")
    with pytest.raises(ValueError, match="20 characters"):
        parse_lei("ABC")
    assert parse_lei(" 549300d2k6pkkkxvnn73 ") == "549300D2K6PKKKXVNN73"
    assert parse_lei("") is None


def test_share_pct():
    assert parse_share_pct("24.99") == pytest.approx(0.2499)
    assert parse_share_pct("100") == 1.0
    assert parse_share_pct("0") == 0.0
    assert parse_share_pct("") is None
    for bad in ("101", "-1", "unknown %", "nan", "inf"):
        with pytest.raises(ValueError):
            parse_share_pct(bad)


def test_partial_dates():
    assert parse_partial_date("2017") == (datetime.date(2017, 1, 1), "year")
    assert parse_partial_date("2017-11") == (datetime.date(2017, 11, 1), "month")
    assert parse_partial_date("2023-06-19") == (datetime.date(2023, 6, 19), "day")
    assert parse_partial_date("") == (None, None)
    for bad in ("2023-13", "2023-02-30", "19/06/2023", "1700"):
        with pytest.raises(ValueError):
            parse_partial_date(bad)


def test_coordinates_and_codes():
    assert check_lat_lon("51.5", "-0.1") == (51.5, -0.1)
    for lat, lon in [("91", "0"), ("0", "181"), ("x", "0"), (float("nan"), 0)]:
        with pytest.raises(ValueError):
            check_lat_lon(lat, lon)
    assert check_country("fr", {"FR"}) == "FR"
    assert check_country("", {"FR"}) is None
    with pytest.raises(ValueError):
        check_country("XX", {"FR"})
    assert check_unlocode("gb fxt") == "GBFXT"
    with pytest.raises(ValueError):
        check_unlocode("GB1XT")
