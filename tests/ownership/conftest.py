"""The Chinese chains (Terminal Link, COSCO) loaded and resolved once per test."""

import pytest

from infrarisk import ownership
from tests.builders import chinese_chains, load_tiny


@pytest.fixture
def chains(tmp_path):
    t = chinese_chains()
    con, log, settings = load_tiny(tmp_path, entities=t["entities"], stakes=t["stakes"], links=t["links"],
                                   locations=t["locations"])
    assert not log.errors, [str(p) for p in log.errors]
    g = ownership.resolve(con, settings)
    return con, g, settings
