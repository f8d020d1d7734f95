"""`lossadvisor report`: a self-contained page with the figures, ranking and derivations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = ROOT / "examples" / "insurance_claims.csv"
OUTLIERS = ROOT / "examples" / "regression_outliers.csv"
BREAST = ROOT / "examples" / "breast_cancer.csv"


def report(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossadvisor", "report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )


class _Links(HTMLParser):
    """Every URL the page would load: src/href attributes and CSS url(...)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "xlink:href") and value and not value.startswith("#"):
                self.loads.append(value)


@pytest.fixture(scope="module")
def claims_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("report")
    run = report(str(CLAIMS), "-t", "claims", "-o", "report.html", cwd=folder)
    assert run.returncode == 0, run.stderr
    return (folder / "report.html").read_text(encoding="utf-8")


def test_page_is_self_contained(claims_page: str) -> None:
    links = _Links()
    links.feed(claims_page)
    assert links.loads == []
    assert "<script" not in claims_page and "@import" not in claims_page
    assert not re.search(r"url\((?!#)", claims_page)  # only in-page references (clip paths)


def test_page_has_the_figures_ranking_and_derivations(claims_page: str) -> None:
    assert claims_page.count("<svg") == 4  # distribution, tail, Q–Q, residuals
    for section in (
        'id="fig-target"',
        'id="fig-tail"',
        'id="fig-qq"',
        'id="fig-residuals"',
        'id="ranking"',
    ):
        assert section in claims_page
    # the count target's fitted families, with λ = the sample mean computed by pandas
    mean = pd.read_csv(CLAIMS)["claims"].mean()
    assert f"Poisson λ={mean:.3g}" in claims_page
    assert "neg. binomial" in claims_page
    assert "negative_binomial" in claims_page
    assert "counts.overdispersed" in claims_page  # data.resid.* when the features are used
    assert re.search(r'class="pos">\+\d', claims_page)  # signed contributions
    assert "alpha" in claims_page and "moments" in claims_page.lower()  # NB α by moments
    assert "adamw" in claims_page.lower()


def test_labels_get_class_bars(tmp_path: Path) -> None:
    run = report(str(BREAST), "-t", "target", "-o", "r.html", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Class balance" in page and 'id="fig-qq"' not in page


def test_markdown_with_pngs_beside_it(tmp_path: Path) -> None:
    run = report(str(OUTLIERS), "-t", "y", "-o", "r.md", "--format", "md", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(images) == 4  # target, tail, Q–Q, residuals
    for image in images:
        assert (tmp_path / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 1 | huber |" in text


def test_never_replaces_a_file(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("mine")
    run = report(str(CLAIMS), "-t", "claims", "-o", "report.html", cwd=tmp_path)
    assert run.returncode == 2 and "already exists" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert (tmp_path / "report.html").read_text() == "mine"


@pytest.mark.slow
def test_validate_adds_fold_scores(tmp_path: Path) -> None:
    run = report(str(OUTLIERS), "-t", "y", "-o", "r.html", "--validate", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="fig-validation"' in page and "Evidence: cross-validation" in page


def test_residual_figure_draws_the_binned_mean_variance_the_rules_read() -> None:
    """The right panel's points are Park's bins, recomputed here with numpy from the kept fit;
    its red line has the slope of the variance_power fact."""
    import numpy as np

    import lossadvisor
    from lossadvisor.render.plots import residual_figure

    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 2))
    mean = np.exp(1.0 + 0.6 * x[:, 0])
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": rng.gamma(2.0, mean / 2.0)})
    target = lossadvisor.profile(frame, target="y").targets[0]
    observed, fitted = target.baseline_fit()
    assert len(observed) == 3000 and set(observed) <= set(frame["y"])
    fig = residual_figure(target)
    assert fig is not None and len(fig.axes) == 2
    order = np.argsort(fitted, kind="stable")
    bins = np.array_split(order, 20)
    expect_x = [np.log(fitted[b].mean()) for b in bins]
    expect_y = [np.log(np.mean((observed[b] - fitted[b]) ** 2)) for b in bins]
    points, slope_line = fig.axes[1].lines[:2]
    np.testing.assert_allclose(points.get_xdata(), expect_x)
    np.testing.assert_allclose(points.get_ydata(), expect_y)
    xs, ys = slope_line.get_xdata(), slope_line.get_ydata()
    power = target.facts["variance_power"]
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(power)
    assert 1.5 < power < 2.5  # a Gamma response: variance ∝ mean²


def test_no_residual_figure_without_features() -> None:
    import lossadvisor
    from lossadvisor.render.plots import residual_figure

    frame = pd.DataFrame({"y": [float(v) for v in range(50)]})
    assert residual_figure(lossadvisor.profile(frame, target="y").targets[0]) is None
