"""The Python API: the same facts from a file and from every in-memory table of it."""

from __future__ import annotations

import inspect
import json
import os
import pydoc
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.csv as pacsv
import pytest

import lossadvisor

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = ROOT / "examples" / "insurance_claims.csv"
IRIS = ROOT / "examples" / "iris.csv"


def _facts(profile: Any) -> dict[str, Any]:
    target = profile.targets[0]
    return {"type": target.target_type, "facts": target.facts, "classes": target.class_counts}


@pytest.fixture(scope="module")
def from_file() -> dict[str, Any]:
    return _facts(lossadvisor.profile(str(CLAIMS), target="claims"))


@pytest.fixture(scope="module")
def from_file_marginal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The claims column alone, as a CSV file (the same data as the one-column objects)."""
    path = tmp_path_factory.mktemp("one") / "claims.csv"
    pd.read_csv(CLAIMS)[["claims"]].to_csv(path, index=False)
    return _facts(lossadvisor.profile(str(path), target="claims"))


@pytest.mark.parametrize(
    "make",
    [lambda: pd.read_csv(CLAIMS), lambda: pl.read_csv(CLAIMS), lambda: pacsv.read_csv(CLAIMS)],
    ids=["pandas", "polars", "pyarrow"],
)
def test_same_facts_as_the_file(make, from_file: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Whole tables: the marginal and the conditional (feature) facts match the CSV's."""
    assert _facts(lossadvisor.profile(make(), target="claims")) == from_file


@pytest.mark.parametrize(
    "make",
    [
        lambda: pd.read_csv(CLAIMS)["claims"],
        lambda: pl.read_csv(CLAIMS)["claims"],
        lambda: pd.read_csv(CLAIMS)["claims"].to_numpy(),
        lambda: {"claims": pd.read_csv(CLAIMS)["claims"].tolist()},
    ],
    ids=["pandas-series", "polars-series", "numpy", "mapping"],
)
def test_one_column_gives_the_files_marginal_facts(  # type: ignore[no-untyped-def]
    make, from_file_marginal: dict[str, Any]
) -> None:
    """A lone column matches a file holding that column alone."""
    assert _facts(lossadvisor.profile(make(), target="claims")) == from_file_marginal


def test_labels_from_a_dataframe_match_the_file() -> None:
    frame = pd.read_csv(IRIS)
    target = frame.columns[-1]
    a = lossadvisor.profile(str(IRIS), target=target)
    b = lossadvisor.profile(frame, target=target)
    assert _facts(a) == _facts(b)
    # independent count: pandas' own value counts
    counts = frame[target].value_counts()
    assert b.targets[0].class_counts == {str(k): int(v) for k, v in counts.items()}


def test_2d_numpy_columns_are_named_by_index() -> None:
    rng = np.random.default_rng(1)
    data = np.column_stack([rng.normal(size=500), rng.poisson(3, size=500)])
    profile = lossadvisor.profile(data, target=1)
    assert profile.targets[0].name == "1"
    assert profile.targets[0].target_type == "count"
    assert profile.targets[0].facts["mean"] == pytest.approx(float(data[:, 1].mean()))


def test_recommend_matches_the_cli_json() -> None:
    rec = lossadvisor.recommend(pd.read_csv(CLAIMS), target="claims")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "recommend", str(CLAIMS), "-t", "claims", "--json"],
        capture_output=True, text=True, env=env, check=True,
    )
    assert rec.to_dict() == json.loads(cli.stdout)
    assert rec.to_json() == cli.stdout


def test_recommend_without_data_and_export() -> None:
    rec = lossadvisor.recommend(task="segmentation")
    assert rec.ranking[0].verdict == "recommended"
    config = lossadvisor.export(rec, "hydra")
    assert config["loss"]["_target_"]
    text = lossadvisor.export(rec, "hydra", as_text=True)
    assert text.startswith("lossadvisor:") and "_target_" in text


def test_recommend_takes_the_words_and_architecture_the_cli_takes() -> None:
    """task synonyms and --architecture resolve through rules/tasks.yaml, as on the CLI."""
    rec = lossadvisor.recommend(task="object_detection", architecture="yolov8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = subprocess.run(
        [sys.executable, "-m", "lossadvisor", "recommend", "--task", "object_detection",
         "--architecture", "yolov8", "--json"],
        capture_output=True, text=True, env=env, check=True,
    )
    assert rec.to_dict() == json.loads(cli.stdout)
    assert rec.context["architecture"] == "anchor_free"  # YOLOv8's head is anchor-free
    with pytest.raises(lossadvisor.InputError, match="--architecture"):
        lossadvisor.recommend(task="detection", architecture="no_such_architecture")


def test_export_writes_only_when_asked_and_never_replaces(tmp_path: Path) -> None:
    rec = lossadvisor.recommend(task="binary")
    out = tmp_path / "rec.yaml"
    out.write_text("mine\n")
    with pytest.raises(lossadvisor.InputError):
        lossadvisor.export(rec, path=out)
    assert out.read_text() == "mine\n"


def test_errors_are_input_errors_naming_the_object() -> None:
    with pytest.raises(lossadvisor.InputError, match=r"pandas\.DataFrame: unknown column 'nope'"):
        lossadvisor.profile(pd.read_csv(CLAIMS), target="nope")
    with pytest.raises(lossadvisor.InputError, match="expected a file path"):
        lossadvisor.profile(object())
    with pytest.raises(lossadvisor.InputError, match="no such file"):
        lossadvisor.profile("missing.csv")


def test_load_rules_with_a_user_file() -> None:
    base = lossadvisor.load_rules(ROOT / "examples" / "my_rules.yaml")
    assert base.rule("team.counts.near_poisson") is not None


class _Checker(HTMLParser):
    """Well-formedness: every opened tag closes in order (void tags aside)."""

    VOID: ClassVar[set[str]] = {"br", "hr", "img", "meta", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, (tag, self.stack)


def _valid_html(text: str) -> list[str]:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.stack, checker.stack
    assert "<script" not in text
    return checker.tags


def test_notebook_cards_are_valid_html() -> None:
    frame = pd.read_csv(CLAIMS)
    rec = lossadvisor.recommend(frame, target="claims")
    html = rec._repr_html_()
    assert "table" in _valid_html(html)
    assert rec.ranking[0].loss in html
    profile = lossadvisor.profile(frame, target="claims")
    assert "zero_ratio" in profile._repr_html_()
    _valid_html(profile._repr_html_())


def test_plot_target_returns_a_figure_with_the_data() -> None:
    from matplotlib.figure import Figure

    frame = pd.read_csv(CLAIMS)
    rec = lossadvisor.recommend(frame, target="claims")
    fig = rec.plot_target()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # bars: the observed share of each count, computed independently by pandas
    shares = frame["claims"].value_counts(normalize=True).sort_index()
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(shares.to_list())
    assert any("Poisson" in t.get_text() for t in ax.get_legend().get_texts())
    with pytest.raises(lossadvisor.InputError, match="made from data"):
        lossadvisor.recommend(task="binary").plot_target()


def test_import_is_lazy() -> None:
    code = (
        "import sys, lossadvisor; print(sorted(m for m in sys.modules"
        " if m.startswith(('lossadvisor', 'numpy', 'pandas', 'pydantic'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
    )
    assert out.stdout.strip() == "['lossadvisor']"


def test_subpackages_do_not_shadow_the_functions() -> None:
    import lossadvisor.export.hydra
    import lossadvisor.profile.stats
    import lossadvisor.recommend as module_or_function

    assert callable(lossadvisor.profile) and callable(lossadvisor.export)
    assert callable(module_or_function)
    # ... and the names still answer for the modules: `import a.b.c as x` looks b up on a.
    import lossadvisor.profile.store as store
    from lossadvisor import api
    from lossadvisor import recommend as recommend_module

    assert store is sys.modules["lossadvisor.profile.store"]
    assert module_or_function.dump_json is sys.modules["lossadvisor.recommend"].dump_json
    assert lossadvisor.export.hydra is sys.modules["lossadvisor.export.hydra"]
    assert inspect.signature(recommend_module) == inspect.signature(api.recommend)
    assert lossadvisor.recommend.__doc__ == api.recommend.__doc__
    assert "recommend(data: " in pydoc.render_doc(lossadvisor.recommend, renderer=pydoc.plaintext)
    assert module_or_function(task="binary").ranking[0].loss == api.recommend(
        task="binary"
    ).ranking[0].loss
    assert re.match(r"\d+\.\d+", lossadvisor.__version__)
