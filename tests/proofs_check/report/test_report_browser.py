"""The HTML report in a real browser (headless Chromium): every figure loads and is shown at the
page's full width, the clause tables and the page fit the viewport, the maths renders as MathML,
no ASCII maths or LaTeX is visible, and screenshots of the top, a failed claim and a figure are
not blank.

Slow (starts a browser) and needs Debian's ``chromium`` package (``apt-get install -y chromium``);
skipped with a message when it is absent. Helpers: ``browser_support.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import browser_support as bs
from fake_project import install_fake_project
from infgrad.proofs_check.cli import main

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "docs" / "results" / "full" / "report.html"
ASCII_MATH = re.compile(r"(?<![A-Za-z_])(gamma|kappa|oo)(?![A-Za-z_])|->|\|\|")


@pytest.fixture(autouse=True)
def needs_chromium():
    if bs.chromium() is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium); "
                    "the browser checks of report.html are skipped")


@pytest.fixture
def report_dir(tmp_path, monkeypatch) -> Path:
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    assert main(["report", "--out", str(out), "--quiet", "--device", "cpu"]) == 1
    return out


def assert_fits(seen: dict) -> None:
    """Every figure loaded at full width; no clause table and no page wider than the viewport."""
    assert seen["images"] and all(i["loaded"] for i in seen["images"]), seen["images"]
    for img in seen["images"]:
        assert img["box"]["right"] <= seen["viewport"] + 0.5, img
        assert img["box"]["width"] >= 0.95 * img["content"]["width"], img  # the section's full width
    for table in seen["clause_tables"]:
        assert table["box"]["right"] <= seen["viewport"] + 0.5 and table["scroll"] <= table["client"] + 1, table
    assert seen["page_width"] <= seen["viewport"]


@pytest.mark.parametrize("width", [1280, 800])
def test_figures_fill_the_width_and_the_clause_tables_fit_the_viewport(tmp_path, report_dir, width):
    seen = bs.measure(report_dir / "report.html", tmp_path, width=width)
    assert_fits(seen)
    assert [i["src"] for i in seen["images"]] == ["figures/fake_fig.png"]
    assert seen["clause_tables"], "the fake claims have clause tables"


def test_the_committed_full_report_fits_too(tmp_path):
    seen = bs.measure(COMMITTED, tmp_path)
    assert_fits(seen)
    from infgrad.figures import style

    # shown at least as wide as the figure style assumes when it sizes the labels (>= 9 px)
    assert len(seen["images"]) >= 5 and all(i["box"]["width"] >= style.DISPLAY_WIDTH_PX for i in seen["images"])
    assert COMMITTED.stat().st_size <= 500_000
    assert not ASCII_MATH.search(seen["text"]), ASCII_MATH.search(seen["text"])


def test_the_probe_notices_an_image_that_does_not_load_and_a_table_that_overflows(tmp_path, report_dir):
    page = report_dir / "report.html"
    page.write_text(page.read_text(encoding="utf-8").replace('src="figures/fake_fig.png"', 'src="figures/gone.png"'),
                    encoding="utf-8")
    wide = "<style>table.clauses td{white-space:nowrap;min-width:900px}</style>"
    seen = bs.measure(page, tmp_path, extra_head=wide)
    assert not seen["images"][0]["loaded"]
    with pytest.raises(AssertionError):
        assert_fits(seen)


def test_the_visible_text_has_no_ascii_maths_or_latex_and_the_maths_is_mathml(tmp_path, report_dir):
    text = bs.measure(report_dir / "report.html", tmp_path)["text"]
    assert not ASCII_MATH.search(text), ASCII_MATH.search(text)
    for mark in ("\\frac", "\\left", "^{", "\\gamma", "\\mathrm", "\\log"):
        assert mark not in text, f"raw LaTeX {mark!r} is visible"
    assert "γ* → 0" in text and "[0.1, 0.3]" in text and "T2 (symbolic) failed" in text
    opened = bs.measure(report_dir / "report.html", tmp_path,
                        extra_head="<style>details>*{display:block!important}</style>")
    assert "S/(d*n)" not in opened["text"]  # the expression is MathML, not its plain form


def test_screenshots_of_the_top_a_failed_claim_and_a_figure_are_not_blank(tmp_path, report_dir):
    from matplotlib.image import imread

    css_figure = "<style>body>*:not(#T1){display:none!important}#T1>*:not(figure){display:none!important}</style>"
    shots = {"top": ("", 1200), "failed": (bs.only("#T2"), 900), "figure": (css_figure, 600)}
    for name, (css, height) in shots.items():
        pixels = imread(bs.screenshot(report_dir / "report.html", tmp_path / f"{name}.png", tmp_path, css, height))
        assert pixels.shape[:2] == (height, bs.VIEWPORT[0])
        assert pixels[..., :3].std() > 0.02, name  # text, tables or a figure, not an empty page
