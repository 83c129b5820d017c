"""The country summary: foreign means foreign, domestic control apart."""

from infrarisk import ownership, score, summary
from infrarisk.profiles import load_profile
from tests.builders import entity, load_tiny, stake

PORTS = [("wpi:1", "Portville", "FR", "FRPVL", 49.5, 0.1), ("wpi:2", "Harbourton", "BE", "BEHBT", 51.3, 4.3),
         ("wpi:3", "Ustport", "RU", "RUUST", 59.7, 28.4)]


def test_an_asset_controlled_from_its_own_host_is_domestic_not_foreign(tmp_path):
    ents = [entity("Rosport", "RU", etype="company (state-owned)"), entity("Gallic Ports", "FR")]
    stakes = [stake("Ust Terminal", "Rosport", 100, unlocode="RUUST", country="RU"),
              stake("Gallic Terminal", "Rosport", 100),
              stake("Clean Terminal", "Gallic Ports", 100)]
    con, log, s = load_tiny(tmp_path, ports=PORTS, entities=ents, stakes=stakes)
    score.score(con, ownership.resolve(con, s), load_profile("default"), s)
    # the stub geography has no polygons and no Russia in Europe; the real one has both
    con.execute("UPDATE core_geo__countries SET is_europe = true WHERE country_code = 'RU'")
    con.execute("ALTER TABLE core_geo__countries ADD COLUMN has_polygon BOOLEAN DEFAULT true")
    con.execute("ALTER TABLE core_geo__countries ADD COLUMN polygon_country_code VARCHAR")
    summary.run(con)
    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT asset_id, country_code, band, is_controlled_high_risk, controlled_from, is_controlled_domestic,
               domestic_band, domestic_group_label
        FROM out_exposure__country_assets ORDER BY asset_id""").fetchall()}
    assert rows["terminal:ust-terminal"] == ("RU", "none", False, None, True, "high", "Russia")
    assert rows["terminal:gallic-terminal"] == ("FR", "high", True, "Russia", False, None, None)
    assert rows["terminal:clean-terminal"] == ("FR", "none", False, None, False, None, None)
    counts = {r[0]: r[1:] for r in con.execute("""
        SELECT country_code, n_assets, n_controlled_high_risk, n_controlled_domestic, n_high, n_none
        FROM out_exposure__countries WHERE country_code IN ('FR', 'RU')""").fetchall()}
    assert counts == {"FR": (2, 1, 0, 1, 1), "RU": (1, 0, 1, 0, 1)}
