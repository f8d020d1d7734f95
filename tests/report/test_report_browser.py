"""The report opened in a real headless Chromium, with networking off: it renders.

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run); the page is driven
with Playwright's Python package pointed at that browser. Skipped where neither is installed,
except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser


def _browser_or_skip() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run)")
        pytest.skip("no chromium installed")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


def open_report(page_file: Path, shot: Path) -> dict[str, object]:
    """Open the file offline, screenshot it, and measure what rendered."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=_browser_or_skip(), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: requests.append(req.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        sizes = page.eval_on_selector_all(
            "figure.plot svg",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.width, r.height]; })",
        )
        rows = page.eval_on_selector_all("#ranking table tbody tr", "rows => rows.length")
        first = page.inner_text("#ranking table tbody tr:first-child td:nth-child(2)")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return {"errors": errors, "requests": requests, "sizes": sizes, "rows": rows, "first": first}


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    _browser_or_skip()
    run = subprocess.run(
        [
            sys.executable, "-m", "lossadvisor", "report",
            str(ROOT / "examples" / "insurance_claims.csv"), "-t", "claims", "-o", "report.html",
        ],
        cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    shot = Path(os.environ.get("LOSSADVISOR_SCREENSHOT", tmp_path / "report.png"))
    seen = open_report(tmp_path / "report.html", shot)
    assert seen["errors"] == []
    assert [url for url in seen["requests"] if not str(url).startswith("file:")] == []
    sizes = seen["sizes"]
    assert isinstance(sizes, list) and len(sizes) == 4  # target, tail, Q–Q, residuals
    assert all(w > 100 and h > 100 for w, h in sizes), sizes
    assert isinstance(seen["rows"], int) and seen["rows"] >= 3
    assert str(seen["first"]).startswith("negative_binomial")
    assert shot.stat().st_size > 10_000
