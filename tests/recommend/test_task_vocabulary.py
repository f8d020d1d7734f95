"""The words users type for tasks (rules/tasks.yaml): synonyms, "Did you mean", `tasks` command.

The table of phrasings below was written from how the task families are named in papers,
library docs and issue trackers, not from lossadvisor's output: each row is what a user would
type and the family a practitioner means by it (or, for a word with no family, the families
worth suggesting and the ones that would be semantically wrong).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lossadvisor.context import make_context
from lossadvisor.errors import InputError
from lossadvisor.recommend import recommend
from lossadvisor.rules.schema import RuleBase
from lossadvisor.vocabulary import normalise

ROOT = Path(__file__).resolve().parents[2]

# (what the user types, the family it names)
RESOLVES = [
    ("object_detection", "detection"),
    ("Object Detection", "detection"),
    ("object-detection", "detection"),
    ("semantic_segmentation", "semantic_segmentation"),
    ("instance_segmentation", "instance_segmentation"),
    ("language_modeling", "causal_lm"),
    ("token_classification", "token_classification"),
    ("question_answering", "question_answering"),
    ("ranking", "ranking"),
    ("contrastive", "contrastive"),
    ("metric_learning", "metric_learning"),
    ("face_recognition", "face_recognition"),
    ("pose_estimation", "keypoints"),
    ("depth_estimation", "depth_estimation"),
    ("super_resolution", "super_resolution"),
    ("speech_recognition", "speech_recognition"),
    ("forecasting", "quantile_forecasting"),
    ("diffusion", "diffusion"),
    ("vae", "vae"),
    ("gan", "gan"),
    ("GANs", "gan"),
    ("span_extraction", "question_answering"),
    ("next_token_prediction", "causal_lm"),
    ("NER", "token_classification"),
    ("learning to rank", "ranking"),
    ("time-to-event", "survival"),
    ("click-through rate prediction", "ctr_prediction"),
    ("machine translation", "seq2seq"),
    ("ASR", "speech_recognition"),
    ("knowledge distillation", "distillation"),
    ("self-supervised", "contrastive"),
    ("CLIP", "image_text_contrastive"),
    ("person re-identification", "metric_learning"),
    ("face alignment", "facial_landmarks"),
    ("image restoration", "super_resolution"),
    ("multi-label image classification", "multilabel_image_classification"),
    ("counts", "count_regression"),
    ("sentiment analysis", "text_classification"),
    ("summarization", "seq2seq"),
    ("BraTS", "multilabel_segmentation"),
    ("mlm", "masked_lm"),
    ("survival analysis", "survival"),
    ("segmentation", "segmentation"),
    ("regression", "regression"),
]

# (unknown word, families that must be suggested (first one first), families that must not)
SUGGESTS = [
    ("objct_detection", ["detection"], ["regression", "segmentation"]),
    ("span_extractor", ["question_answering"], ["segmentation", "semantic_segmentation"]),
    ("segmentaton", ["segmentation"], ["regression"]),
    ("monocular_depth_prediction", ["depth_estimation"], ["regression"]),
    ("speech_to_text_model", ["speech_recognition"], ["diffusion", "text_classification"]),
    ("next_token_predictor", ["causal_lm"], ["regression", "ctr_prediction"]),
    ("bounding_box_regression", ["detection"], ["regression", "count_regression"]),
    ("image_segmentaion", ["segmentation"], ["regression"]),
    ("text_summarisation", ["seq2seq"], ["segmentation"]),
    ("triplet_loss", ["metric_learning"], ["regression"]),
    ("anomaly_detection", ["vae", "binary"], ["detection"]),
    ("recommender_system", ["ranking", "ctr_prediction"], ["regression"]),
]

# words with no family and nothing related: rejected without a misleading suggestion
REJECTED = [
    ("reinforcement_learning", ["regression", "segmentation", "detection"]),
    ("emotion_recognition", ["speech_recognition", "face_recognition"]),
    ("xyzzy", ["regression", "segmentation"]),
]


def test_the_table_has_at_least_forty_phrasings() -> None:
    assert len(RESOLVES) + len(SUGGESTS) + len(REJECTED) >= 40


@pytest.mark.parametrize(("word", "family"), RESOLVES)
def test_phrasings_resolve_to_their_family(base: RuleBase, word: str, family: str) -> None:
    assert base.vocabulary.resolve_task(word).id == family


@pytest.mark.parametrize(("word", "wanted", "unwanted"), SUGGESTS)
def test_unknown_words_get_related_suggestions(
    base: RuleBase, word: str, wanted: list[str], unwanted: list[str]
) -> None:
    with pytest.raises(InputError) as err:
        base.vocabulary.resolve_task(word)
    suggestions = base.vocabulary.suggest_tasks(word)
    assert suggestions[: len(wanted)] == wanted or set(wanted) <= set(suggestions), suggestions
    assert suggestions[0] == wanted[0]
    assert not set(unwanted) & set(suggestions), suggestions
    message = str(err.value)
    assert f"'{wanted[0]}'" in message and "lossadvisor tasks" in message


@pytest.mark.parametrize(("word", "unwanted"), REJECTED)
def test_unrelated_words_are_rejected_without_a_wrong_suggestion(
    base: RuleBase, word: str, unwanted: list[str]
) -> None:
    with pytest.raises(InputError) as err:
        base.vocabulary.resolve_task(word)
    assert not set(unwanted) & set(base.vocabulary.suggest_tasks(word))
    assert "lossadvisor tasks" in str(err.value)


def test_anomaly_detection_says_why_it_has_no_family(base: RuleBase) -> None:
    with pytest.raises(InputError, match="reconstruction"):
        base.vocabulary.resolve_task("anomaly detection")


def test_every_family_and_synonym_gets_a_recommendation(base: RuleBase) -> None:
    """recommend --task WORD answers for every word of the vocabulary (API level, no data)."""
    for family in base.vocabulary.families:
        for word in (family.id, *family.synonyms):
            context = make_context(task=word, vocabulary=base.vocabulary)
            assert context.task_family == family.id, word
            assert context.task == family.task, word
            rec = recommend(base, context)
            top = rec.ranking[0]
            assert top.verdict == "recommended", (word, top)
            assert family.task in base.losses[top.loss].tasks, (word, top.loss)


def test_words_are_unique_across_families(base: RuleBase) -> None:
    seen: dict[str, str] = {}
    for family in base.vocabulary.families:
        for word in (family.id, *family.synonyms):
            key = normalise(word)
            assert seen.setdefault(key, family.id) == family.id, (word, seen[key], family.id)


def test_the_issue_families_are_all_present(base: RuleBase) -> None:
    """Every family the issue lists has an entry (ids written from the issue's list)."""
    wanted = {
        "regression", "count_regression", "proportion_regression", "positive_regression",
        "quantile_forecasting", "survival", "ordinal", "ranking", "ctr_prediction",
        "image_classification", "multilabel_image_classification", "semantic_segmentation",
        "binary_segmentation", "multilabel_segmentation", "instance_segmentation",
        "detection", "keypoints", "facial_landmarks", "depth_estimation", "super_resolution",
        "text_classification", "token_classification", "question_answering", "causal_lm",
        "masked_lm", "seq2seq", "speech_recognition", "contrastive", "image_text_contrastive",
        "metric_learning", "face_recognition", "distillation", "diffusion", "vae", "gan",
    }  # fmt: skip
    assert wanted <= set(base.vocabulary.family_ids())
    detection = base.vocabulary.family("detection")
    assert detection is not None
    assert set(detection.architectures) == {
        "anchor_based", "anchor_free", "two_stage", "set_prediction"
    }  # fmt: skip


def test_metric_and_output_synonyms_resolve(base: RuleBase) -> None:
    context = make_context(
        task="detection", metric="mAP@50", model_output="bboxes", vocabulary=base.vocabulary
    )
    assert (context.metric, context.model_output) == ("map", "boxes")
    pairs = [
        ("NDCG@10", "ndcg"),
        ("WER", "wer"),
        ("PSNR", "psnr"),
        ("mIoU", "miou"),
        ("AbsRel", "abs_rel"),
        ("OKS-AP", "oks_ap"),
        ("top-5", "top5_accuracy"),
        ("c-index", "concordance_index"),
        ("quantile:0.9", "quantile"),
    ]
    for word, metric in pairs:
        assert make_context(metric=word, vocabulary=base.vocabulary).metric == metric, word
    with pytest.raises(InputError, match="--metric"):
        make_context(metric="happiness", vocabulary=base.vocabulary)


def test_every_metric_of_the_fact_vocabulary_has_an_entry(base: RuleBase) -> None:
    from lossadvisor.facts import METRICS, MODEL_OUTPUTS

    assert {t.id for t in base.vocabulary.metrics} == set(METRICS)
    assert {t.id for t in base.vocabulary.model_outputs} == set(MODEL_OUTPUTS)


def test_head_tasks_resolve_and_train_as_their_task(base: RuleBase) -> None:
    context = make_context(
        heads=[
            "b:box regression",
            "o:objectness",
            "c:cls:0.5",
            "m:mask",
            "e:embedding",
            "k:heatmap",
        ],
        vocabulary=base.vocabulary,
    )
    got = [(h.head_task, h.task) for h in context.heads]
    assert got == [
        ("box", "detection"),
        ("objectness", "binary"),
        ("class", "multiclass"),
        ("mask", "segmentation"),
        ("embedding", "representation"),
        ("keypoint_heatmap", "keypoints"),
    ]
    rec = recommend(base, context)
    losses = {h.name: h.loss for h in rec.heads}
    # box: an IoU loss; objectness: BCE; mask: per-pixel BCE (Mask R-CNN); heatmap: MSE
    assert losses["b"] in ("giou", "ciou", "diou", "smooth_l1")
    assert losses["o"] == "bce"
    assert losses["c"] == "ce"
    assert losses["m"] == "bce"
    assert losses["k"] == "heatmap_mse"
    assert losses["e"] in ("triplet", "arcface", "contrastive_pair")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_rejects_an_unknown_task_with_a_relevant_suggestion() -> None:
    proc = run("recommend", "--task", "span_extractor")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "question_answering" in lines[0] and "segmentation" not in lines[0]


def test_cli_tasks_lists_families_with_synonyms() -> None:
    proc = run("tasks", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    by_id = {r["id"]: r for r in rows}
    assert len(rows) >= 40
    assert "object_detection" in by_id["detection"]["synonyms"]
    one = run("tasks", "NER", "--json")
    assert [r["id"] for r in json.loads(one.stdout)] == ["token_classification"]
    table = run("tasks")
    assert table.returncode == 0 and "face_recognition" in table.stdout
    heads = run("tasks", "--list", "heads", "--json")
    assert "box" in {r["id"] for r in json.loads(heads.stdout)}


STARTUP_PROBE = """
import sys
sys.argv = ["lossadvisor", "recommend", "--task", "object-detection", "--architecture", "detr"]
from lossadvisor.cli import main
code = 0
try:
    main()
except SystemExit as exit_:
    code = exit_.code or 0
heavy = sorted(m for m in ("numpy", "pandas", "pyarrow", "sklearn", "scipy", "torch", "yaml")
               if m in sys.modules)
sys.stderr.write(f"PROBE exit={code} heavy={','.join(heavy)}\\n")
"""


def test_a_synonym_start_up_imports_nothing_heavy_and_reads_the_cache(tmp_path: Path) -> None:
    """Second run: the vocabulary comes from the rule cache (no YAML parser imported)."""
    env = {**os.environ, "LOSSADVISOR_CACHE_DIR": str(tmp_path)}
    for attempt in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", STARTUP_PROBE],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            env=env,
        )
        probe = [line for line in proc.stderr.splitlines() if line.startswith("PROBE")]
        assert probe, proc.stderr
        if attempt == 1:
            assert probe[0] == "PROBE exit=0 heavy=", probe[0]
    assert "Ranking" in proc.stdout and "DETR" in proc.stdout


# (what a user types, the metric) as scikit-learn's metric functions and the task papers name
# them; validate and tune (the evidence parser) must read them exactly as recommend does
METRIC_WORDS = [
    ("mean_absolute_error", "mae"),
    ("root_mean_squared_error", "rmse"),
    ("pinball:0.9", "quantile:0.9"),
    ("Quantile_Loss:0.25", "quantile:0.25"),
    ("macro_f1", "f1"),
    ("f1_score", "f1"),
    ("average_precision", "pr_auc"),
    ("auc", "roc_auc"),
    ("logloss", "log_loss"),
    ("cross_entropy", "log_loss"),
    ("brier_score", "brier"),
    ("r_squared", "r2"),
    ("mean_poisson_deviance", "poisson_deviance"),
    ("median_ae", "median_absolute_error"),
]

REGRESSION_METRICS = {"mae", "rmse", "quantile", "r2", "poisson_deviance", "median_absolute_error"}


@pytest.mark.parametrize(("word", "metric"), METRIC_WORDS)
def test_validate_and_recommend_read_one_metric_vocabulary(
    base: RuleBase, word: str, metric: str
) -> None:
    """rules/tasks.yaml is the only metric vocabulary: the evidence parser (no rule base in
    hand) and recommend's context (the loaded base) give the same name for every word."""
    from lossadvisor.evidence.metrics import parse_metric as parse_for_validate

    task = "regression" if metric.partition(":")[0] in REGRESSION_METRICS else "binary"
    assert parse_for_validate(word, task) == metric
    context = make_context(metric=word, vocabulary=base.vocabulary)
    tau = context.metric_quantile
    assert (context.metric if tau is None else f"{context.metric}:{tau:g}") == metric



def test_every_word_of_the_metric_vocabulary_parses_without_a_rule_base(base: RuleBase) -> None:
    from lossadvisor.context import parse_metric

    for term in base.vocabulary.metrics:
        for word in (term.id, *term.synonyms):
            text = f"{word}:0.5" if term.id == "quantile" else word
            assert parse_metric(text)[0] == term.id, word


def test_rules_check_flags_a_metric_without_an_entry_and_a_word_naming_two(
    tmp_path: Path,
) -> None:
    from lossadvisor.resources import rules_dir
    from lossadvisor.rules.load import check_files

    text = (rules_dir() / "tasks.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("  - {id: ndcg,")]
    edited = "\n".join(lines).replace(
        "synonyms: [word_error_rate]", "synonyms: [word_error_rate, c_index]"
    )
    assert edited != text
    (tmp_path / "tasks.yaml").write_text(edited, encoding="utf-8")
    problems = check_files([tmp_path / "tasks.yaml"])
    assert any("ndcg" in p and "facts.py" in p for p in problems), problems
    assert any("'c_index' already names 'wer'" in p for p in problems), problems
    assert len(problems) == 2, problems
