"""The `profile` command end to end: output shapes, -o safety, and every bad-input case."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest
import yaml
from profile_helpers import EXAMPLES, run_cli

from lossadvisor.models import DatasetProfile
from lossadvisor.profile import load_profile


def _one_line_error(run_result: object) -> str:
    from profile_helpers import Run

    assert isinstance(run_result, Run)
    assert run_result.code == 2, (run_result.code, run_result.stderr)
    assert "Traceback" not in run_result.stderr
    lines = run_result.stderr.strip().splitlines()
    assert len(lines) == 1, run_result.stderr
    assert run_result.stdout == ""
    return lines[0]


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


# --- bad input: exit 2, one line, no traceback ------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    line = _one_line_error(run_cli("profile", str(tmp_path / "nope.csv")))
    assert "no such file" in line


def test_directory(tmp_path: Path) -> None:
    line = _one_line_error(run_cli("profile", str(tmp_path)))
    assert "directory" in line


def test_empty_file(tmp_path: Path) -> None:
    line = _one_line_error(run_cli("profile", str(_write(tmp_path / "e.csv", ""))))
    assert "empty" in line


def test_header_without_rows(tmp_path: Path) -> None:
    line = _one_line_error(run_cli("profile", str(_write(tmp_path / "h.csv", "a,b,y\n"))))
    assert "no rows" in line


def test_unknown_target_suggests_closest(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "age,claims,region\n1,0,n\n2,1,s\n3,0,n\n")
    line = _one_line_error(run_cli("profile", str(path), "--target", "claim"))
    assert "unknown column 'claim'" in line and "'claims'" in line


def test_all_values_missing(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", "x,y\n1,\n2,NA\n3,\n")
    line = _one_line_error(run_cli("profile", str(path), "--target", "y"))
    assert "missing" in line and "'y'" in line


def test_constant_target(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", "x,y\n1,5\n2,5\n3,5\n4,\n")
    line = _one_line_error(run_cli("profile", str(path), "--target", "y"))
    assert "constant" in line


def test_unusable_text_target(tmp_path: Path) -> None:
    rows = "".join(f"{i},customer number {i} said something\n" for i in range(50))
    path = _write(tmp_path / "t.csv", "id,comment\n" + rows)
    line = _one_line_error(run_cli("profile", str(path), "--target", "comment"))
    assert "neither numeric nor a usable set of classes" in line


def test_undecodable_bytes_name_the_encoding(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "l.csv", "x,city\n1,K\xf6ln\n2,Z\xfcrich\n3,K\xf6ln\n".encode("latin-1")
    )
    line = _one_line_error(run_cli("profile", str(path), "--target", "city"))
    assert "--encoding latin-1" in line
    ok = run_cli("profile", str(path), "--target", "city", "--encoding", "latin-1", "--json")
    assert ok.code == 0, ok.stderr
    counts = json.loads(ok.stdout)["targets"][0]["class_counts"]
    assert counts == {"Köln": 2, "Zürich": 1}


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", "a,b,y\n1,2,3\n4,5,6\n7,8,9,10\n1,1,1\n")
    line = _one_line_error(run_cli("profile", str(path)))
    assert "line 4" in line


def test_unsupported_format(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.xlsx", "not really excel")
    line = _one_line_error(run_cli("profile", str(path)))
    assert "unsupported format" in line and "--input-format" in line


def test_unknown_format_option(tmp_path: Path) -> None:
    line = _one_line_error(
        run_cli("profile", str(EXAMPLES / "iris.csv"), "--input-format", "xls")
    )
    assert "--input-format: unknown format 'xls'" in line


def test_format_is_a_deprecated_alias_of_input_format() -> None:
    """`profile --format` (the input format) still works, and says to use --input-format:
    elsewhere --format names the output format."""
    iris = str(EXAMPLES / "iris.csv")
    old = run_cli("profile", iris, "--format", "csv", "--json")
    new = run_cli("profile", iris, "--input-format", "csv", "--json")
    assert old.code == new.code == 0, old.stderr
    assert old.stdout == new.stdout
    assert new.stderr == ""
    assert old.stderr.strip().splitlines() == [
        "lossadvisor: warning: profile --format is deprecated; use --input-format "
        "(elsewhere --format names the output format)."
    ]
    both = run_cli("profile", iris, "--format", "csv", "--input-format", "tsv")
    assert both.code == 2 and "--input-format" in both.stderr


def test_bad_target_type_override() -> None:
    line = _one_line_error(
        run_cli("profile", str(EXAMPLES / "regression_clean.csv"), "--target-type", "count")
    )
    assert "non-negative whole numbers" in line


def test_output_exists_without_force(tmp_path: Path) -> None:
    out = _write(tmp_path / "p.yaml", "keep me\n")
    line = _one_line_error(run_cli("profile", str(EXAMPLES / "iris.csv"), "-o", str(out)))
    assert "--force" in line
    assert out.read_text() == "keep me\n"


# --- results ------------------------------------------------------------------------------------


def test_json_is_one_document_with_facts() -> None:
    run = run_cli("profile", str(EXAMPLES / "insurance_claims.csv"), "--target", "claims", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema_version"] == 1
    (target,) = doc["targets"]
    assert target["name"] == "claims" and target["target_type"] == "count"
    assert target["facts"]["zero_ratio"] > 0.5
    assert target["facts"]["dispersion_index"] > 1.5
    assert run.stderr == ""  # not a terminal: no progress bar


def test_table_output_has_readings() -> None:
    run = run_cli("profile", str(EXAMPLES / "regression_outliers.csv"))
    assert run.code == 0, run.stderr
    text = " ".join(run.stdout.split())  # rich wraps lines to the terminal width
    assert "outliers: high" in text
    assert "column named 'y'" in text


def test_output_yaml_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "profile.yaml"
    run = run_cli("profile", str(EXAMPLES / "wine.csv"), "-o", str(out), "--json")
    assert run.code == 0, run.stderr
    saved = load_profile(str(out))
    assert saved == DatasetProfile.model_validate(json.loads(run.stdout))
    assert yaml.safe_load(out.read_text())["targets"][0]["class_counts"] == {
        "1": 71,
        "0": 59,
        "2": 48,
    }
    again = run_cli("profile", str(EXAMPLES / "iris.csv"), "-o", str(out), "--force", "--quiet")
    assert again.code == 0, again.stderr
    assert load_profile(str(out)).targets[0].class_counts == {"0": 50, "1": 50, "2": 50}
    assert [p.name for p in tmp_path.iterdir()] == ["profile.yaml"]  # no temp files left


def test_target_rule_last_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "a,price\n1,2.5\n2,3.5\n3,1.25\n")
    doc = json.loads(run_cli("profile", str(path), "--json").stdout)
    assert doc["targets"][0]["name"] == "price"
    assert "last column" in doc["target_choice"]


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress])
def test_stdin_compressed(compress: object) -> None:
    raw = (EXAMPLES / "counts_poisson.csv").read_bytes()
    data = compress(raw)  # type: ignore[operator]
    run = run_cli("profile", "-", "--json", stdin=data)
    assert run.code == 0, run.stderr
    direct = json.loads(run_cli("profile", str(EXAMPLES / "counts_poisson.csv"), "--json").stdout)
    piped = json.loads(run.stdout)
    assert piped["targets"][0]["facts"] == direct["targets"][0]["facts"]
    assert piped["source"] == "-"


def test_help_has_example() -> None:
    run = run_cli("profile", "--help")
    assert run.code == 0
    assert "lossadvisor profile examples/insurance_claims.csv" in run.stdout


def test_stdin_errors_say_stdin() -> None:
    line = _one_line_error(run_cli("profile", "-", stdin=b"a,y\n1,2\n3,4,5\n"))
    assert line.endswith("stdin: line 3 has a different number of fields than the header.")


def test_yaml_to_stdout_conflicts_with_json() -> None:
    line = _one_line_error(run_cli("profile", str(EXAMPLES / "iris.csv"), "-o", "-", "--json"))
    assert "stdout" in line


def test_yaml_to_stdout(tmp_path: Path) -> None:
    run = run_cli("profile", str(EXAMPLES / "iris.csv"), "-o", "-")
    assert run.code == 0, run.stderr
    path = tmp_path / "p.yaml"
    path.write_text(run.stdout)
    assert load_profile(str(path)).targets[0].target_type == "multiclass"
