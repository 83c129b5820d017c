"""The integrate stage: loaders write only their own tables; each unified table is written once."""

from __future__ import annotations

from pathlib import Path

from infrarisk import db, integrate
from infrarisk.db import connect
from infrarisk.sources import load_all
from infrarisk.problems import ProblemLog
from infrarisk.settings import Settings
from tests.layer_builders import write_layer_datasets

SRC = Path(integrate.__file__).resolve().parents[1]
UNIFIED = ("core_ownership__", "core_assets__infra", "core_assets__assets", "core_assets__terminals",
           "core_assets__lines", "core_assets__host_countries", "core_match__", "core_meta__licences",
           "core_registry__entity_map")


def test_loaders_leave_the_unified_tables_to_integrate(tmp_path, monkeypatch):
    ds = write_layer_datasets(tmp_path / "datasets")
    settings = Settings.load(environ={}, datasets_dir=ds)
    con, log = connect(None), ProblemLog()
    load_all(con, settings, log)
    made = [t for t in db.tables(con) if t.startswith(UNIFIED)]
    assert made == [], f"loaders wrote unified tables: {made}"
    written: list[str] = []
    real_run, real_write, real_columns = db.run_sql, db.write_frame, db.write_columns
    monkeypatch.setattr(db, "run_sql", lambda c, name, params=None: written.append(real_run(c, name, params)))
    monkeypatch.setattr(db, "write_frame", lambda c, t, df, order_by=None: (written.append(t),
                                                                             real_write(c, t, df, order_by)))
    monkeypatch.setattr(db, "write_columns", lambda c, t, cols, types, order_by=None: (
        written.append(t), real_columns(c, t, cols, types, order_by)))
    integrate.run(con, settings, log)
    assert sorted(written) == sorted(set(written)), "a unified table was written twice"
    assert set(integrate.TABLES) <= set(written)
    assert {"core_match__names", "core_match__mentions", "core_match__entities", "core_meta__licences",
            "core_registry__entity_map"} <= set(written)
    n_entities = con.execute("SELECT count(*) FROM core_ownership__entities").fetchone()[0]
    parts = con.execute("SELECT (SELECT count(*) FROM core_curated__entities) + (SELECT count(*) FROM "
                        "core_match__entities)").fetchone()[0]
    assert n_entities == parts  # no registry data here: curated + what matching added


def test_parameters_are_passed_not_set_as_session_variables():
    texts = [p.read_text(encoding="utf-8") for p in (SRC / "sql" / "integrate").glob("*.sql")]
    texts += [p.read_text(encoding="utf-8") for p in (SRC / "integrate").glob("*.py")]
    assert texts and not any("getvariable" in t or "SET VARIABLE" in t for t in texts)
    assert "$as_of_date" in (SRC / "sql" / "integrate" / "core_ownership__links.sql").read_text(encoding="utf-8")


def test_as_of_date_reaches_the_links_model(tmp_path):
    ds = write_layer_datasets(tmp_path / "datasets")
    counts = {}
    for as_of in (None, "2000-01-01"):
        settings = Settings.load(environ={}, datasets_dir=ds, as_of=as_of)
        con, log = connect(None), ProblemLog()
        load_all(con, settings, log)
        integrate.run(con, settings, log)
        counts[as_of] = con.execute("SELECT count(*) FILTER (WHERE is_current) FROM core_ownership__links "
                                    "WHERE source_id = 'curated'").fetchone()[0]
    assert counts[None] > 0 and counts["2000-01-01"] == 0  # the tiny stakes are dated 2024


def test_the_asset_tables_made_beside_matching_are_those_made_in_turn(tmp_path):
    from tests.conftest import REPO_DATASETS

    settings = Settings.load(environ={}, datasets_dir=REPO_DATASETS, registry_db_path=tmp_path / "none.duckdb")
    con, log = connect(tmp_path / "a.duckdb"), ProblemLog()
    load_all(con, settings, log)
    con.execute("CHECKPOINT")
    con.close()
    (tmp_path / "b.duckdb").write_bytes((tmp_path / "a.duckdb").read_bytes())

    def contents(c) -> dict:
        return {t: c.execute(f'SELECT * FROM "{t}"').fetchall() for t in db.tables(c)}
    beside = connect(tmp_path / "a.duckdb")
    from infrarisk.sources.registry.load import load as load_registry
    load_registry(beside, settings, ProblemLog())
    integrate.run(beside, settings, ProblemLog())
    in_turn = connect(tmp_path / "b.duckdb")
    load_registry(in_turn, settings, ProblemLog())
    integrate.prepare(in_turn, settings, ProblemLog())
    integrate.asset_tables(in_turn)
    for table in integrate.OWNERSHIP_TABLES:
        db.run_sql(in_turn, f"integrate/{table}", integrate.link_params(settings) if table.endswith("__links") else None)
    a, b = contents(beside), contents(in_turn)
    assert sorted(a) == sorted(b) and set(integrate.TABLES) <= set(a)
    assert [t for t in a if a[t] != b[t]] == []
    assert len(a["core_assets__assets"]) > 5000 and len(a["core_ownership__links"]) > 5000


def test_a_failure_beside_matching_is_raised_by_the_stage(tmp_path, monkeypatch):
    import pytest

    from infrarisk.integrate import census

    ds = write_layer_datasets(tmp_path / "datasets")
    settings = Settings.load(environ={}, datasets_dir=ds)
    con, log = connect(None), ProblemLog()
    load_all(con, settings, log)

    def broken(c):
        raise RuntimeError("the census map broke")
    monkeypatch.setattr(census, "terminal_map", broken)
    with pytest.raises(RuntimeError, match="census map broke"):
        integrate.run(con, settings, log)
    assert "core_ownership__links" not in db.tables(con)
