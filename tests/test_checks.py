"""The data checks (sql/checks/): offending rows counted, a text sample of the first of them."""

from infrarisk import checks, ownership
from tests.builders import entity, load_tiny, stake


def test_checks_count_and_sample_offending_rows(tmp_path):
    con, log, s = load_tiny(tmp_path, entities=[entity("Gallic Telecom", "FR")],
                            stakes=[stake("Cable One", "Gallic Telecom", "40")])
    ownership.resolve(con, s)
    clean = {r.name: r for r in checks.run_checks(con, params={"share_sum_tolerance": s.share_sum_tolerance})}
    assert clean["duplicate_ids"].offending == 0 and clean["duplicate_ids"].sample == []
    # the same entity twice: one offending row, sampled as text
    con.execute("INSERT INTO core_ownership__entities SELECT * FROM core_ownership__entities LIMIT 1")
    got = {r.name: r for r in checks.run_checks(con, ["duplicate_ids"])}
    r = got["duplicate_ids"]
    assert r.offending == 1 and len(r.sample) == 1 and r.failed
    assert all(isinstance(v, str) for v in r.sample[0].values())
