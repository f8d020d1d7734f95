"""One regression test per defect of issue 13 (the issue's list is the checklist).

Every case runs the real entry point in-process (`fuzz_helpers.run_cli`) or, for signals and
pipes, as a subprocess; inputs are built here with known structure.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
import zstandard
from fuzz_helpers import Outcome, run_cli

from lossadvisor.rules.load import load_rulebase
from lossadvisor.rules.yaml_lines import MAX_ALIAS_NODES, MAX_DEPTH

CSV = "y,x\n" + "".join(f"{i % 7 * 1.5},{i}\n" for i in range(400))


def bomb(levels: int = 7) -> str:
    """A 'billion laughs' value: 9**levels strings from a few hundred bytes of YAML."""
    lines = ['    a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"    a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines)


def rule(body: str, *, rule_id: str = "user.hostile") -> str:
    return (
        "table: robustness\nrules:\n"
        f"  - id: {rule_id}\n    covers: [table5.row1]\n    when: {{task: regression}}\n"
        '    because: "hostile"\n    source: "issue 13"\n' + body
    )


def expect_error(outcome: Outcome, *words: str) -> None:
    outcome.check_contract()
    assert outcome.code == 2, outcome.stderr
    for word in words:
        assert word in outcome.stderr, outcome.stderr


# --- High 1: alias bombs, deep nesting, recursive aliases ---------------------------------------


@pytest.mark.parametrize("field", ["params", "optimizer", "covers", "when", "exclude", "caution"])
def test_alias_bombs_are_refused_fast_wherever_they_sit(field: str, tmp_path: Path) -> None:
    text = (
        "anchors:\n" + bomb() + "\n" + rule(f"    score: {{huber: 1}}\n    {field}: *a6\n")
    ).replace("anchors:", "x-anchors:")
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    started = time.monotonic()
    for args in (
        ["rules", "check", str(path)],
        ["recommend", "--task", "regression", "--rules", str(path)],
    ):
        expect_error(run_cli(args, limit=10), "aliases expand to more than", f"{MAX_ALIAS_NODES:,}")
    assert time.monotonic() - started < 10


def test_deep_nesting_and_recursive_aliases_are_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    nots = "{not: " * 600 + "{task: regression}" + "}" * 600
    deep.write_text(rule("    score: {huber: 1}\n").replace("{task: regression}", nots))
    expect_error(run_cli(["rules", "check", str(deep)]), f"deeper than {MAX_DEPTH}")
    expect_error(run_cli(["recommend", "--task", "regression", "--rules", str(deep)]), "deeper")
    loop = tmp_path / "loop.yaml"
    loop.write_text(rule("    score: {huber: 1}\n").replace("{task: regression}", "&w {all: [*w]}"))
    expect_error(run_cli(["rules", "check", str(loop)]), "recursive alias")


def test_binary_and_set_tags_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_text(rule("    score: {huber: 1}\n    caution: !!binary aGVsbG8=\n"))
    expect_error(run_cli(["rules", "check", str(path)]), "binary.yaml:9:", "not allowed")


def test_alias_bomb_in_a_native_export_is_refused(tmp_path: Path) -> None:
    native = tmp_path / "rec.yaml"
    assert run_cli(["recommend", "--task", "regression", "--export", str(native)]).code == 0
    text = native.read_text().replace("recommendation:", "x-bomb:\n" + bomb() + "\nrecommendation:")
    native.write_text(text)
    expect_error(run_cli(["export", str(native), "--format", "hydra"], limit=10), "aliases expand")


# --- High 2: _target_ injection, proven harmless with Hydra ---------------------------------------


def _instantiate_everything(config_text: str) -> None:
    """What a user's training script does: instantiate the whole config, recursively."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    cfg = OmegaConf.create(yaml.safe_load(config_text))
    # The schedule reads the step count the training script sets (the export leaves it ???).
    OmegaConf.update(cfg, "trainer.max_steps", 1000, force_add=True)
    instantiate(cfg)


def test_target_in_rule_params_never_reaches_a_config(tmp_path: Path) -> None:
    victim = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    target = f"{{_target_: pathlib.Path.touch, self: {victim}}}"
    evil.write_text(rule(f"    params:\n      huber: {{delta: [{target}]}}\n"))
    expect_error(run_cli(["rules", "check", str(evil)]), "evil.yaml:9:", "huber.delta", "must be")
    out = tmp_path / "conf.yaml"
    outcome = run_cli(
        [
            "recommend",
            "--task",
            "regression",
            "--rules",
            str(evil),
            "--export",
            str(out),
            "--format",
            "hydra",
        ]
    )
    expect_error(outcome, "huber.delta")
    assert not out.exists() and not victim.exists()


def _native(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "rec.yaml"
    outcome = run_cli(
        ["recommend", "--task", "regression", "--priority", "robustness", "--export", str(path)]
    )
    assert outcome.code == 0, outcome.stderr
    return path, yaml.safe_load(path.read_text())


def _places(data: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in the document that holds a value (not a container)."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _places(v, (*loc, k))] or [loc]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _places(v, (*loc, i))] or [loc]
    return [loc]


def _set(data: Any, loc: tuple[Any, ...], value: Any) -> None:
    for step in loc[:-1]:
        data = data[step]
    data[loc[-1]] = value


def test_target_anywhere_in_a_native_file_is_refused_or_inert(tmp_path: Path) -> None:
    """Put a file-truncating `_target_` node (and a `${...}` string) in every value slot of a
    real native export: each tampered file is refused, or its Hydra export, instantiated whole,
    touches nothing."""
    _path, clean = _native(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    every = [p for p in _places(clean["recommendation"]) if p]
    assert len(every) > 30
    places = every[:: max(1, len(every) // 24)]  # a spread of slots: the fuzz suite does all
    refused = exported = 0
    for i, loc in enumerate(places):
        for payload in (
            [{"_target_": "builtins.open", "_args_": [str(victim), "w"]}],
            "${oc.env:HOME}",
        ):
            data = json.loads(json.dumps(clean))
            _set(data["recommendation"], loc, payload)
            tampered = tmp_path / f"t{i}.yaml"
            tampered.write_text(yaml.safe_dump(data, sort_keys=False))
            out = tmp_path / f"t{i}.hydra.yaml"
            outcome = run_cli(
                ["export", str(tampered), "--format", "hydra", "-o", str(out), "--force"]
            )
            outcome.check_contract()
            if outcome.code == 2:
                refused += 1
                assert not out.exists()
                continue
            exported += 1
            text = out.read_text()
            assert "builtins.open" not in text and "${oc.env" not in text
            _instantiate_everything(text)
            assert victim.read_text() == "precious"
    assert refused > 0 and exported > 0


@pytest.mark.parametrize(
    ("loc", "value", "words"),
    [
        (("ranking", 0, "params", "delta", "value"), -1.0, ["delta", "(0, inf)"]),
        (("ranking", 0, "params", "delta", "value"), 0, ["delta"]),
        (("ranking", 0, "params", "delta", "value"), ".nan", ["delta"]),
        (("ranking", 0, "params", "delta", "value"), ".inf", ["delta"]),
        (("ranking", 0, "params", "delta", "value"), "'1.0'", ["delta"]),
        (("ranking", 0, "params", "delta", "value"), "[1, 2]", ["delta"]),
        (("optimizer", "settings", "lr"), -1, ["lr", "[0, inf)"]),
        (("optimizer", "settings", "betas"), "[2, 3, 4]", ["betas", "2 numbers"]),
        (("optimizer", "name"), "adagrad", ["unknown optimizer"]),
        (("ranking", 0, "loss"), "no_such_loss", ["unknown loss id"]),
        (("facts", "missing_ratio"), 2, ["missing_ratio"]),
        (("facts", "bogus_fact"), 1, ["unknown fact 'bogus_fact'"]),
        (("ranking", 0, "extra_key"), 1, ["Extra inputs are not permitted"]),
    ],
)
def test_tampered_native_values_are_refused_with_a_line(
    loc: tuple[Any, ...], value: Any, words: list[str], tmp_path: Path
) -> None:
    path, data = _native(tmp_path)
    if loc[0] == "ranking" and loc[-1] == "value":
        loss = data["recommendation"]["ranking"][0]["loss"]
        assert loss == "huber", loss
    _set(data["recommendation"], loc, "__PLACEHOLDER__")
    path.write_text(yaml.safe_dump(data, sort_keys=False).replace("__PLACEHOLDER__", str(value)))
    outcome = run_cli(["export", str(path), "--format", "hydra"])
    expect_error(outcome, f"{path}:", *words)


def test_digest_mismatch_needs_force_and_warns(tmp_path: Path) -> None:
    path, data = _native(tmp_path)
    data["lossadvisor"]["rules_digest"] = "0" * 64
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    expect_error(
        run_cli(["export", str(path), "--format", "hydra"]), "another rule base", "--force"
    )
    forced = run_cli(["export", str(path), "--format", "hydra", "--force"])
    assert forced.code == 0 and "lossadvisor: warning:" in forced.stderr
    assert data["lossadvisor"]["rules_digest"] != load_rulebase().digest


# --- High 3: corrupt and truncated compression ----------------------------------------------------


@pytest.mark.parametrize("codec", ["gz", "bz2", "zst"])
@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
@pytest.mark.parametrize("command", ["profile", "recommend", "validate"])
def test_damaged_compressed_input_is_one_line(
    codec: str, damage: str, command: str, tmp_path: Path
) -> None:
    raw = CSV.encode() * 20
    packed = {"gz": gzip.compress, "bz2": bz2.compress, "zst": zstandard.compress}[codec](raw)
    if damage == "truncated":
        packed = packed[: len(packed) // 2]
    else:
        mutable = bytearray(packed)
        for i in range(16, len(mutable), 41):
            mutable[i] ^= 0x5A
        packed = bytes(mutable)
    path = tmp_path / f"data.csv.{codec}"
    path.write_bytes(packed)
    for source, stdin in ((str(path), b""), ("-", packed)):
        outcome = run_cli([command, source, "--target", "y"], stdin=stdin)
        expect_error(outcome, "truncated" if damage == "truncated" else "")
        assert (
            damage in outcome.stderr or "corrupt" in outcome.stderr or "truncated" in outcome.stderr
        )


# --- Medium ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("struct.jsonl", '{"y": {"a": 1}, "x": 1}\n{"y": {"a": 2}, "x": 2}\n'),
        ("list.jsonl", '{"y": [1, 2], "x": 1}\n{"y": [3], "x": 2}\n'),
    ],
)
def test_nested_columns_are_named(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    expect_error(run_cli(["profile", str(path), "--target", "y"]), "column 'y' holds nested")
    expect_error(run_cli(["validate", str(path), "--target", "x"]), "holds nested")


def test_nested_parquet_columns_are_named(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nested.parquet"
    mapping = pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64()))
    pq.write_table(pa.table({"s": [{"a": 1}, {"a": 2}], "m": mapping, "y": [1.0, 2.0]}), path)
    for column in ("s", "m"):
        expect_error(
            run_cli(["profile", str(path), "--target", column]), f"'{column}' holds nested"
        )


def _cli(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args], capture_output=True, timeout=120, **kw
    )


@contextmanager
def _as_nobody() -> Iterator[None]:
    """Drop the effective ids to nobody (CI runs as root, for whom permission bits are moot)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_unreadable_files_and_untraversable_directories() -> None:
    root = Path(tempfile.mkdtemp(prefix="lossadvisor-perm-"))  # pytest's tmp is root-only
    root.chmod(0o755)
    unreadable = root / "secret.csv"
    unreadable.write_text(CSV)
    unreadable.chmod(0o000)
    locked = root / "locked"
    locked.mkdir()
    (locked / "data.csv").write_text(CSV)
    locked.chmod(0o000)
    try:
        for path, words in (
            (unreadable, "cannot be read"),
            (locked / "data.csv", "cannot be entered"),
        ):
            with _as_nobody():
                outcome = run_cli(["profile", str(path), "--target", "y"])
            expect_error(outcome, "permission denied", words)
    finally:
        locked.chmod(0o755)
        shutil.rmtree(root)


def test_recursion_and_overflow_in_rules_are_load_errors(tmp_path: Path) -> None:
    path = tmp_path / "fmt.yaml"
    path.write_text(
        rule("    score: {huber: 1}\n").replace('"hostile"', '"{zero_ratio:999999999}"')
    )
    expect_error(run_cli(["rules", "check", str(path)]), "widths and precisions above 100")
    path.write_text(rule("    score: {huber: .nan}\n"))
    expect_error(run_cli(["rules", "check", str(path)]), "finite number")


def test_utf16_utf32_and_parquet_in_a_csv_get_the_right_hint(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-32"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(CSV.encode(encoding))
        expect_error(run_cli(["profile", str(path), "--target", "y"]), f"--encoding {encoding}")
        assert run_cli(["profile", str(path), "--target", "y", "--encoding", encoding]).code == 0
    import pyarrow as pa
    import pyarrow.parquet as pq

    fake = tmp_path / "really.csv"
    pq.write_table(pa.table({"y": [1.0, 2.0, 3.0]}), fake)
    expect_error(
        run_cli(["profile", str(fake), "--target", "y"]), "Parquet", "--input-format parquet"
    )
    text = tmp_path / "text.csv"
    text.write_text(CSV)
    outcome = run_cli(["profile", str(text), "--target", "y", "--encoding", "rot13"])
    expect_error(outcome, "not a text encoding")


def test_fifos_are_streamed(tmp_path: Path) -> None:
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat > '{fifo}'"], stdin=subprocess.PIPE)
    assert writer.stdin is not None
    writer.stdin.write(CSV.encode())
    writer.stdin.close()
    outcome = run_cli(["profile", str(fifo), "--target", "y", "--json"])
    writer.wait(timeout=30)
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["n_rows"] == 400


def test_output_errors_are_one_line(tmp_path: Path) -> None:
    long_name = tmp_path / ("x" * 300 + ".yaml")
    expect_error(
        run_cli(["recommend", "--task", "regression", "--export", str(long_name)]), "too long"
    )
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "lossadvisor", "recommend", "--task", "regression"],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 2 and done.stderr.decode().count("\n") == 1, done.stderr
    assert b"No space left" in done.stderr


def test_broken_pipe_exits_quietly_with_sigpipe_status() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lossadvisor", "rules", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) in (0, 128 + signal.SIGPIPE)
    assert err == b"", err


def test_force_writes_through_a_symlink_and_a_fifo_stays(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    expect_error(
        run_cli(["recommend", "--task", "regression", "--export", str(link)]), "already exists"
    )
    assert (
        run_cli(["recommend", "--task", "regression", "--export", str(link), "--force"]).code == 0
    )
    assert link.is_symlink() and "lossadvisor:" in real.read_text()
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert run_cli(["recommend", "--task", "regression", "--export", str(fifo)]).code == 0
    out, _ = reader.communicate(timeout=30)
    assert b"recommendation:" in out and fifo.exists() and not fifo.is_file()


@pytest.mark.parametrize("command", ["profile", "recommend"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signals_leave_no_spooled_stdin(signum: int, command: str, tmp_path: Path) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "TMPDIR": str(spool)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lossadvisor",
            command,
            "-",
            "--target",
            "y",
            *(["--export", str(out / "rec.yaml")] if command == "recommend" else []),
        ],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(CSV.encode())  # stdin stays open: the spool copy waits for more
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while not list(spool.glob("lossadvisor-stdin-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(spool.glob("lossadvisor-stdin-*")), "the spool file never appeared"
    proc.send_signal(signum)
    proc.wait(timeout=60)
    assert proc.returncode == 128 + signum
    assert list(spool.iterdir()) == [] and list(out.iterdir()) == []


def test_profile_with_a_bogus_target_type_and_facts(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text(CSV)
    saved = tmp_path / "profile.yaml"
    assert run_cli(["profile", str(data), "--target", "y", "-o", str(saved)]).code == 0
    clean = yaml.safe_load(saved.read_text())
    cases = [
        (("target_type",), "bogus", "unknown target type 'bogus'"),
        (("facts", "missing_ratio"), 2, "missing_ratio"),
        (("facts", "not_a_fact"), 1, "unknown fact 'not_a_fact'"),
        (("facts", "missing_ratio"), {"_target_": "builtins.open"}, "missing_ratio"),
    ]
    for loc, value, words in cases:
        data_ = json.loads(json.dumps(clean))
        _set(data_["targets"][0], loc, value)
        saved.write_text(yaml.safe_dump(data_))
        expect_error(run_cli(["recommend", "--profile", str(saved)]), f"{saved}:", words)


# --- Low ---------------------------------------------------------------------------------------


def test_usage_errors_are_one_line_with_a_hint() -> None:
    outcome = run_cli(["profile", "--frobnicate"])
    expect_error(outcome, "no such option: --frobnicate", "--help")
    expect_error(run_cli(["no-such-command"]), "no such command")


def test_control_characters_in_names_are_escaped(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text(CSV)
    outcome = run_cli(["profile", str(data), "--target", "bad\nname\x1b[31m"])
    expect_error(outcome, "bad\\nname\\x1b[31m")


def test_recommend_json_is_strict_json(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text(CSV)
    outcome = run_cli(["recommend", str(data), "--target", "y", "--json"])
    assert outcome.code == 0, outcome.stderr
    json.loads(outcome.stdout, parse_constant=lambda name: pytest.fail(f"bare {name} in JSON"))
