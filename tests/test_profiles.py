"""Risk profiles: high-risk countries and high-risk vendors only with a dated, cited source."""

from __future__ import annotations

import pytest

from infrarisk.errors import ConfigError
from infrarisk.profiles import HighRiskVendor, Profile, RiskGroup, Source, load_profile

EC = Source("Communication from the Commission: Implementation of the 5G cybersecurity Toolbox",
            "European Commission", "2023-06-15", "https://digital-strategy.ec.europa.eu/nl/news-redirect/791526")


def _group():
    return RiskGroup.build("china", "China", ["CN"], sources=[EC])


def test_default_profile_names_vendors_with_dated_sources():
    p = load_profile("default")
    ids = {v.id: v for v in p.high_risk_vendors}
    assert {"huawei", "zte", "nuctech"} <= set(ids)
    assert [s.date for s in ids["huawei"].sources] == ["2023-06-15", "2023-06-01"]
    assert all(s.url.startswith("https://") and s.quote for v in p.high_risk_vendors for s in v.sources)
    assert p.high_risk_vendor("zte").label == "ZTE" and p.high_risk_vendor("zpmc") is None
    assert p.without_special_regions().high_risk_vendors == p.high_risk_vendors


def test_a_vendor_without_a_dated_source_is_refused():
    with pytest.raises(ConfigError, match="high-risk vendor 'acme' has no dated source"):
        Profile("p", "p", (_group(),), high_risk_vendors=(HighRiskVendor("acme", "Acme", ("acme",)),))
    with pytest.raises(ConfigError, match="date must be YYYY-MM-DD"):
        Source("x", "y", "June 2023", "https://x.example")


def test_a_profile_file_without_the_section_has_no_high_risk_vendors(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('name = "p"\n[[high_risk]]\nid = "china"\nlabel = "China"\ncountries = ["CN"]\n'
                 '[[high_risk.sources]]\ntitle = "t"\npublisher = "EC"\ndate = "2023-06-15"\nurl = "https://x.example"\n')
    assert load_profile(p).high_risk_vendors == ()
    p.write_text(p.read_text() + '[[high_risk_vendors]]\nid = "zte"\nlabel = "ZTE"\nvendor_ids = ["zte"]\n')
    with pytest.raises(ConfigError, match="no dated source"):
        load_profile(p)
