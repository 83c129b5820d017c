"""How old a fact is, when it is marked, and the two settings that say so."""

from datetime import date

import pytest

from infrarisk.errors import ConfigError
from infrarisk.review import AgeRule
from infrarisk.settings import Settings


def test_age_in_words_at_the_precision_of_the_date():
    r = AgeRule(date(2026, 12, 5))
    assert r.text(date(2016, 5, 12), "day") == "evidence of 2016-05-12, 10 years old"
    assert r.text(date(2016, 5, 1), "month") == "evidence of 2016-05, 10 years old"
    assert r.text(date(2016, 1, 1), "year") == "evidence of 2016, 10 years old"
    assert r.age(date(2025, 12, 11)) == "11 months old"
    assert r.age(date(2025, 12, 5)) == "1 year old"
    assert r.age(date(2026, 11, 20)) == "less than a month old"
    assert r.age(date(2027, 1, 1)) == "dated after the build's date"
    assert r.text(None) is None and r.age(None) is None


def test_marks_follow_the_settings_and_spare_history():
    r = AgeRule(date(2026, 12, 5), max_years=3, pending_months=6)
    assert r.flag(date(2023, 12, 5), "current") == "old"          # exactly three years
    assert r.flag(date(2023, 12, 6), "unverified") is None
    assert r.flag(date(2026, 6, 5), "pending") == "pending"       # six months
    assert r.flag(date(2026, 6, 6), "awarded") is None
    assert r.flag(date(2001, 1, 1), "historical") is None and r.flag(date(2001, 1, 1), "exited") is None
    assert r.flag(None, "current") is None
    assert "3 years" in r.flag_text("old") and "6 months" in r.flag_text("pending")
    assert AgeRule(date(2026, 12, 5), max_years=10).flag(date(2020, 1, 1), "current") is None


def test_settings_and_the_rule_of_a_build(tmp_path):
    s = Settings.load(environ={"INFRARISK_FACT_MAX_AGE_YEARS": "5", "INFRARISK_PENDING_MAX_AGE_MONTHS": "3"},
                      datasets_dir=tmp_path)
    assert (s.fact_max_age_years, s.pending_max_age_months) == (5.0, 3)
    assert Settings.load(environ={}, datasets_dir=tmp_path).fact_max_age_years == 3.0
    with pytest.raises(ConfigError):
        Settings.load(environ={"INFRARISK_FACT_MAX_AGE_YEARS": "0"}, datasets_dir=tmp_path)
    with pytest.raises(ConfigError):
        Settings.load(environ={"INFRARISK_PENDING_MAX_AGE_MONTHS": "six"}, datasets_dir=tmp_path)
    # a view on a past date counts ages to that date
    past = AgeRule.from_settings(s.with_(as_of="2020-01-01"), today=date(2026, 12, 5))
    assert past.ref == date(2020, 1, 1) and past.age(date(2019, 1, 1)) == "1 year old"
    assert AgeRule.from_settings(s, today=date(2026, 12, 5)).ref == date(2026, 12, 5)
