"""README stays true: its two commands are the ones CI and users run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    build, test = _commands()
    assert "infrarisk build" in build and "pip install ." in build
    assert "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text()
    assert test in ci.splitlines()


def test_cli_verbs_in_readme_exist():
    from click.testing import CliRunner

    from infrarisk.cli import main
    text = (ROOT / "README.md").read_text()
    for verb in re.findall(r"^infrarisk ((?:datasets )?[a-z][a-z-]*)", text, re.M):
        res = CliRunner().invoke(main, [*verb.split(), "--help"])
        assert res.exit_code == 0, verb
        assert "Example" in res.output, verb
