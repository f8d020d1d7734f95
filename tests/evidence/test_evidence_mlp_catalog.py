"""The MLP's loss knowledge is data: each loss's `evidence:` record in rules/losses.yaml says the
head it trains with (`mlp_head`) or what a table of one target lacks for it (`needs`), and
`rules check` refuses a bad record at its file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from lossadvisor.evidence.neural import head_form, mlp_losses, not_on_a_table, split_for_mlp
from lossadvisor.rules.load import load_rulebase

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_loss_has_one_record_and_it_matches_what_the_mlp_trains() -> None:
    losses = load_rulebase().losses
    trained = set(mlp_losses())
    for loss, spec in losses.items():
        assert spec.evidence is not None, f"{loss}: no evidence record"
        assert (spec.evidence.mlp_head is not None) == (loss in trained), loss
        if loss not in trained:
            assert not_on_a_table(loss) == f"{loss} needs {spec.evidence.needs}"
        else:
            assert not_on_a_table(loss) is None and head_form(loss) == spec.evidence.mlp_head


def test_the_records_read_as_written_in_the_yaml() -> None:
    """The loader's values are the file's (read here with plain PyYAML)."""
    raw = yaml.safe_load((ROOT / "rules" / "losses.yaml").read_text(encoding="utf-8"))
    written = {e["id"]: e["evidence"] for e in raw["losses"]}
    for loss, record in written.items():
        if "mlp_head" in record:
            assert head_form(loss) == record["mlp_head"], loss
        else:
            assert head_form(loss) is None
            assert not_on_a_table(loss) == f"{loss} needs {record['needs']}"
    kept, skipped = split_for_mlp(["huber", "dice", "gaussian_nll", "cox"])
    assert kept == ["huber", "gaussian_nll"]
    assert skipped["dice"] == f"dice needs {written['dice']['needs']}"
    assert "durations" in skipped["cox"]


def _one_entry(tmp_path: Path, evidence: str) -> Path:
    text = (ROOT / "rules" / "losses.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: huber\n")
    entry = text[start : text.index("  - id: ", start + 5)]
    assert "    evidence: {mlp_head: real}\n" in entry
    path = tmp_path / "losses.yaml"
    path.write_text("losses:\n" + entry.replace("{mlp_head: real}", evidence), encoding="utf-8")
    return path


def _check(path: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "rules", "check", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr, (run.returncode, run.stderr)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith(str(path))]


def test_rules_check_refuses_a_bad_record_at_its_line(tmp_path: Path) -> None:
    path = _one_entry(tmp_path, "{mlp_head: cubic}")
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "evidence:" in t)
    (problem,) = _check(path)
    assert problem.startswith(f"{path}:{line}: huber:"), problem
    assert "evidence.mlp_head" in problem and "'cubic'" in problem and "'softmax'" in problem
    both = _one_entry(tmp_path, '{mlp_head: real, needs: "rows"}')
    (problem,) = _check(both)
    assert f"{both}:{line}:" in problem and "exactly one of 'mlp_head' and 'needs'" in problem
