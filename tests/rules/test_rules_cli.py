"""The commands end to end: `rules list|show|check`, `losses`, `explain`, with exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE, write

# Runs the real console entry point with the built-in rules directory pointed at the fixture
# base (the shipped YAML is written and changed by others; these tests need stable rules).
PRELUDE = """
import sys
from pathlib import Path
import lossadvisor.rules.frameworks as frameworks
import lossadvisor.rules.load as load
base = Path(sys.argv.pop(1)).resolve()
load.rules_dir = frameworks.rules_dir = lambda: base
from lossadvisor.cli import main
main()
"""


def run(*args: str, base: Path = FIXTURE_BASE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PRELUDE, str(base), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rules_check_valid_files_exit_0() -> None:
    files = sorted(str(p) for p in FIXTURE_BASE.glob("*.yaml"))
    result = run("rules", "check", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"{len(files)} file(s) valid" in result.stderr


def test_rules_check_lists_every_problem_exit_2(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        "table: data\nrules:\n"
        "  - id: data.a\n    covers: []\n    when: {outlier_rate: {gt: 0.1}}\n"
        "    score: {hubr: 1}\n    because: x\n    source: s\n"
        "  - id: data.b\n    covers: []\n    when: {}\n    score: {mse: 1}\n    because: x\n",
    )
    result = run("rules", "check", str(FIXTURE_BASE / "losses.yaml"), str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert (
        lines[0] == f"{bad}:5: data.a: unknown fact 'outlier_rate'. " + lines[0].split(". ", 1)[1]
    )
    assert lines[1].startswith(f"{bad}:6: data.a: unknown loss id 'hubr'")
    assert lines[2].startswith(f"{bad}:9: data.b: missing required key 'source'")
    assert lines[3] == "3 problem(s) in 2 file(s)."
    assert result.stdout == ""


def test_rules_list_and_table_filter() -> None:
    result = run("rules", "list", "--json")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    assert [r["id"] for r in rules][:2] == ["task.regression.default", "task.binary.bce"]
    assert len(rules) == 12
    only = json.loads(run("rules", "list", "--table", "robustness", "--json").stdout)
    assert {r["table"] for r in only} == {"robustness"} and len(only) == 2
    text = run("rules", "list", "--table", "data").stdout
    assert "data.outliers.robust" in text and "task.binary.bce" not in text
    assert "huber +3" in text


def test_rules_list_unknown_table_exit_2() -> None:
    result = run("rules", "list", "--table", "robustnes")
    assert result.returncode == 2
    assert "unknown table 'robustnes'" in result.stderr and "'robustness'" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_show_page_and_json() -> None:
    result = run("rules", "show", "data.outliers.robust")
    assert result.returncode == 0, result.stderr
    page = result.stdout
    for part in ("What it does", "When", "Effects", "Why", "Source"):
        assert part in page
    assert "outlier_ratio > 0.01" in page
    assert "huber_delta_mad" in page
    data = json.loads(run("rules", "show", "data.outliers.robust", "--json").stdout)
    assert data["score"] == {"huber": 3.0, "mse": -3.0}
    assert data["file"].endswith("data.yaml") and data["line"] == 4


def test_rules_show_unknown_id_suggests() -> None:
    result = run("rules", "show", "data.outliers.robus")
    assert result.returncode == 2
    assert "Did you mean 'data.outliers.robust'" in result.stderr


def test_rules_show_with_user_rules(tmp_path: Path) -> None:
    user = write(
        tmp_path,
        "team.yaml",
        "table: task\nrules:\n  - id: task.team.rule\n    covers: []\n"
        "    when: {task: regression}\n    score: {mae: 1}\n    because: team\n    source: wiki\n",
    )
    result = run("rules", "show", "task.team.rule", "--rules", str(user), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "wiki"
    assert run("rules", "show", "task.team.rule").returncode == 2


def test_broken_user_rules_exit_2_with_one_line(tmp_path: Path) -> None:
    user = write(tmp_path, "team.yaml", "table: task\nrules:\n  - id: x\n    when: {tsk: 1}\n")
    result = run("rules", "list", "--rules", str(user))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"run `lossadvisor rules check {user}`" in result.stderr


def test_losses_table_and_family() -> None:
    result = run("losses", "--json")
    assert result.returncode == 0, result.stderr
    ids = [loss["id"] for loss in json.loads(result.stdout)]
    assert ids == ["mse", "mae", "huber", "bce", "focal", "ce", "dice"]
    seg = json.loads(run("losses", "--family", "segmentation", "--json").stdout)
    assert [s["id"] for s in seg] == ["dice"]
    text = run("losses", "--family", "regression").stdout
    assert "huber" in text and "dice" not in text
    bad = run("losses", "--family", "segmentaion")
    assert bad.returncode == 2 and "'segmentation'" in bad.stderr


def test_explain_shows_everything() -> None:
    result = run("explain", "mse")
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert "r², r = ŷ − y" in page  # formula
    assert "2r" in page  # gradient
    assert "favoured by" in page and "task.regression.default" in page
    assert "disfavoured by" in page and "data.outliers.robust" in page
    data = json.loads(run("explain", "mse", "--json").stdout)
    assert [f["rule"] for f in data["favoured_by"]] == [
        "task.regression.default",
        "efficiency.speed",
    ]
    assert [(d["rule"], d["delta"]) for d in data["disfavoured_by"]] == [
        ("data.outliers.robust", -3.0),
        ("gradient.sigmoid_mse", -2.0),
    ]


def test_explain_excluded_and_params() -> None:
    data = json.loads(run("explain", "bce", "--json").stdout)
    assert data["disfavoured_by"][0]["excluded"].startswith("BCEWithLogits expects logits")
    page = run("explain", "huber").stdout
    assert "delta" in page and "(0, inf)" in page


def test_explain_unknown_loss_suggests() -> None:
    result = run("explain", "focall")
    assert result.returncode == 2
    assert "unknown loss 'focall'" in result.stderr and "'focal'" in result.stderr


def test_explain_reads_framework_names(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    for source in FIXTURE_BASE.glob("*.yaml"):
        (base / source.name).write_bytes(source.read_bytes())
    (base / "frameworks.yaml").write_text(
        "losses:\n  huber:\n    torch: {target: torch.nn.HuberLoss}\n"
        "    lightgbm: {objective: huber}\n    keras: {class_name: Huber}\noptimizers: {}\n",
        encoding="utf-8",
    )
    data = json.loads(run("explain", "huber", "--json", base=base).stdout)
    assert data["frameworks"] == {
        "torch": "torch.nn.HuberLoss",
        "lightgbm": "huber",
        "keras": "Huber",
    }


def test_commands_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys\nfrom lossadvisor.cli import rules_cmd\nimport lossadvisor.rules.engine\n"
        "import lossadvisor.rules.load\nimport lossadvisor.render.rules\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'sklearn', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "command",
    [["rules", "list"], ["rules", "show"], ["rules", "check"], ["losses"], ["explain"]],
)
def test_help_has_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "Example: lossadvisor" in result.stdout
