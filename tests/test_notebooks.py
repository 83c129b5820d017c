"""The analysts' notebooks (``notebooks/*.ipynb``): committed without outputs, and each runs top to bottom.

Every notebook runs in a fresh Jupyter kernel (nbclient + ipykernel, the notebook's folder as
working directory, offline) against a database built once from the shipped datasets and handed
to the kernels through ``INFRARISK_DB_PATH``, so each notebook's ``infrarisk.open_db()`` opens it
(an analyst without a built database gets the same data, built in memory).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_five_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} carries outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} carries an execution count"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} carries widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_calls_the_api_only(path):
    """Notebooks call the package; they never run a pipeline stage's modules themselves."""
    src = "\n".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                    if c["cell_type"] == "code")
    assert "infrarisk.open_db()" in src
    for stage in ("infrarisk.ownership", "infrarisk.score", "infrarisk.pipeline", "infrarisk.sources",
                  "infrarisk.integrate", "infrarisk.network", "infrarisk.graph", "duckdb.connect"):
        assert stage not in src, f"{path.name} uses {stage} directly"


@pytest.fixture(scope="session")
def notebook_db(tmp_path_factory) -> Path:
    """The shipped datasets built once into a database file (no site)."""
    from infrarisk.pipeline import build
    from infrarisk.settings import Settings

    tmp = tmp_path_factory.mktemp("notebooks")
    s = Settings.load(environ={}, datasets_dir=REPO / "datasets", db_path=tmp / "infrarisk.duckdb",
                      site_dir=tmp / "site")
    build(s, with_site=False)
    return s.db_path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path, notebook_db, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFRARISK_")}
    env.update(INFRARISK_DB_PATH=str(notebook_db), INFRARISK_DATASETS_DIR=str(REPO / "datasets"),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=env)
    seconds = time.perf_counter() - t0
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    assert not errors
    # the notebook opened the file it was given, not an in-memory build
    warnings = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.get("name") == "stderr"]
    assert not any("built one in memory" in w for w in warnings)
    print(f"{path.name}: {seconds:.1f} s")
