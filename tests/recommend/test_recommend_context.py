"""Context parsing: metrics, heads, choices, and the --task / target-type contradiction check."""

from __future__ import annotations

import pytest

from lossadvisor.context import (
    Context,
    HeadSpec,
    check_task,
    infer_task,
    make_context,
    parse_head,
    parse_metric,
    retype_for_task,
)
from lossadvisor.errors import InputError
from lossadvisor.facts import FACTS, METRICS, TARGET_TYPES


def test_parse_metric_quantile_and_plain() -> None:
    assert parse_metric("quantile:0.9") == ("quantile", 0.9)
    assert parse_metric(" MAE ") == ("mae", None)
    for name in METRICS:
        if name != "quantile":
            assert parse_metric(name) == (name, None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("quantile", "needs its level"),
        ("quantile:1", "strictly between 0 and 1"),
        ("quantile:0", "strictly between 0 and 1"),
        ("quantile:abc", "strictly between 0 and 1"),
        ("mae:0.5", "only 'quantile' takes a level"),
        ("rmsee", "Did you mean 'rmse'"),
    ],
)
def test_parse_metric_errors_are_one_line(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_metric(text)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
    assert "--metric" in str(err.value)


def test_parse_head() -> None:
    assert parse_head("boxes:detection") == HeadSpec(name="boxes", task="detection", weight=None)
    assert parse_head("cls:multiclass:0.5") == HeadSpec(name="cls", task="multiclass", weight=0.5)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("boxes", "NAME:TASK"),
        ("boxes:detection:1:2", "NAME:TASK"),
        (":detection", "NAME:TASK"),
        ("boxes:detectoin", "Did you mean 'detection'"),
        ("boxes:detection:-1", "positive number"),
        ("boxes:detection:nan", "positive number"),
        ("boxes:detection:x", "positive number"),
    ],
)
def test_parse_head_errors(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_head(text)
    assert fragment in str(err.value)


def test_context_facts_only_the_given_ones() -> None:
    ctx = make_context(task="regression", metric="quantile:0.9", priority="robustness")
    assert ctx.facts() == {
        "task": "regression",
        "metric": "quantile",
        "metric_quantile": 0.9,
        "priority": "robustness",
    }
    assert Context().facts() == {}
    multi = make_context(heads=["a:binary", "b:regression:2"])
    assert multi.facts() == {"n_heads": 2}
    for name in ctx.facts():
        assert FACTS[name].origin == "context"


def test_make_context_rejects_bad_choices_with_suggestions() -> None:
    cases = {
        "task": ("segmentaton", "segmentation"),
        "model_output": ("logit", "logits"),
        "priority": ("sped", "speed"),
        "optimizer": ("adamw2", "adamw"),
        "multitask_kind": ("multimodel", "multimodal"),
    }
    for option, (bad, good) in cases.items():
        with pytest.raises(InputError) as err:
            make_context(**{option: bad})
        assert f"'{good}'" in str(err.value), option
    with pytest.raises(InputError, match="batch size"):
        make_context(batch_size=0)
    with pytest.raises(InputError, match="foreground ratio"):
        make_context(foreground_ratio=1.5)
    with pytest.raises(InputError, match="twice"):
        make_context(heads=["a:binary", "a:regression"])


def test_every_target_type_infers_a_task_it_accepts() -> None:
    for target_type in TARGET_TYPES:
        task = infer_task(target_type)
        check_task(task, target_type, "y", numeric=True)  # must not raise


@pytest.mark.parametrize(
    ("task", "target_type", "numeric"),
    [
        ("binary", "continuous", True),
        ("regression", "multiclass", False),
        ("multiclass", "continuous", True),
        ("binary", "multiclass", False),
        ("multilabel", "binary", True),
        ("regression", "binary", True),
    ],
)
def test_contradictions_name_both(task: str, target_type: str, numeric: bool) -> None:
    with pytest.raises(InputError) as err:
        check_task(task, target_type, "price", numeric)
    message = str(err.value)
    assert f"--task {task}" in message and target_type in message and "'price'" in message
    assert "\n" not in message


def test_compatible_overrides_and_retyping() -> None:
    check_task("regression", "multiclass", "quality", numeric=True)  # numeric classes regress
    check_task("multiclass", "count", "digit", numeric=True)  # integer codes as classes
    check_task("segmentation", "continuous", "y", numeric=True)  # not a tabular task: no check
    assert retype_for_task("multiclass", "count") == "multiclass"
    assert retype_for_task("regression", "multiclass") == "continuous"
    assert retype_for_task("regression", "continuous") is None


def test_micro_f1_is_read_as_the_accuracy_it_equals_not_as_macro_f1() -> None:
    """For one class per row, micro-averaged F1 pools every decision and equals accuracy
    (Sokolova & Lapalme 2009, Inf. Process. Manag. 45:427), so on an imbalanced binary table it
    must rank as accuracy does; macro F1 weighs the rare class like the common one, which is
    what the imbalance rules act on. `micro_f1` was a synonym of (macro) `f1`."""
    from pathlib import Path

    import lossadvisor

    data = Path(__file__).parents[2] / "examples" / "binary_imbalanced.csv"

    def ranking(metric: str) -> list[str]:
        rec = lossadvisor.recommend(str(data), target="y", metric=metric)
        return [r.loss for r in rec.ranking]

    assert ranking("micro_f1") == ranking("accuracy")
    assert ranking("macro_f1") != ranking("micro_f1")
    assert ranking("macro_f1")[0] == "weighted_bce"  # data.imbalance.binary.threshold
