"""One list of interest types, read by every module that needs one."""

from infrarisk import checks, vocab
from infrarisk.sources.registry import bods


def test_interest_types_are_one_consistent_list():
    rows = vocab.interest_types()
    assert "shareholding" in rows and rows["shareholding"]["is_economic"]
    for code, r in rows.items():
        assert "{subject}" in r["phrase"], code
        assert r["bods_code"] in bods.INTEREST_TYPES, code
        assert not (r["is_operator"] and r["is_economic"]), code  # an operator holds no share


def test_the_shares_over_100_check_uses_the_same_set():
    sql = checks.check_sql("shares_over_100")
    assert vocab.sql_list(vocab.non_economic_interest_types()) in sql and "{" not in sql.split("WITH", 1)[1]


def test_the_resolver_counts_the_same_interests_as_shares():
    from infrarisk import ownership
    assert set(ownership.NON_OWNERSHIP) == set(vocab.non_economic_interest_types())
