"""The report's pages (HTML from the jinja2 template, and Markdown) on the fake project: the top
says what failed and why, each claim reads statement, premise, clauses, figure, rule, raw
evidence, the maths is Unicode or MathML, and the figures are files beside the page."""

from __future__ import annotations

import html
import json
import re
import sys

from fake_project import PageParser, install_fake_project, run_report, section_html
from infgrad.proofs_check.claims.model import CLAIMS

LATEX_MARKS = ("\\frac", "\\left", "^{", "\\gamma", "\\mathrm", "\\log")
ASCII_MATH = re.compile(r"(?<![A-Za-z_])(gamma|kappa|oo)(?![A-Za-z_])|->|\|\|")


def visible_text(page: str) -> str:
    """The page's text outside tags, the style block and the folded raw evidence."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def the_report(tmp_path, monkeypatch, **kw):
    install_fake_project(tmp_path, monkeypatch, **kw)
    out = tmp_path / "r"
    assert run_report(out) == 1  # T2 fails
    return out, (out / "report.html").read_text(encoding="utf-8")


def test_the_page_links_its_figures_as_files_beside_it_and_embeds_nothing(tmp_path, monkeypatch):
    out, page = the_report(tmp_path, monkeypatch)
    parser = PageParser()
    parser.feed(page)
    assert parser.scripts == 0 and "data:image" not in page
    assert parser.images == ["figures/fake_fig.png"]  # shown once, though it bears on T1 and T2
    assert all((out / ref).is_file() for ref in parser.external)  # every link resolves beside the page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page
    assert parser.section_ids == list(CLAIMS) and parser.tables[-1] == "environment"
    t1 = section_html(page, "T1")
    assert '<a href="figures/fake_fig.png" title="open at full size"><img src="figures/fake_fig.png"' in t1
    assert '<a href="#fig-fake_fig">fake_fig</a> (shown with T2' not in t1
    assert '<a href="#fig-fake_fig">fake_fig</a> (shown with T1) also bears on this claim' in section_html(page, "T2")
    assert len(page.encode()) < 500_000


def test_the_top_gives_the_counts_and_one_sentence_per_claim_that_failed(tmp_path, monkeypatch):
    _, page = the_report(tmp_path, monkeypatch)
    top = page[:page.index('<h2 id="summary">')]
    assert '<span class="verdict pass">1 pass</span>' in top and '<span class="verdict fail">1 fail</span>' in top
    why = re.findall(r"<li>(.*?)</li>", top[top.index('id="why"'):])
    assert why == ['<a href="#T2">T2</a> (symbolic) failed: minimum does not hold.']


def test_a_claim_reads_statement_premise_clauses_figure_rule_then_raw_evidence(tmp_path, monkeypatch):
    from infgrad.proofs_check.claims.statements import STATEMENTS

    _, page = the_report(tmp_path, monkeypatch)
    t1 = section_html(page, "T1")
    marks = ['class="statement"', "Premise:", 'class="clauses"', "<figure", "Rule:", "<details>"]
    at = [t1.index(m) for m in marks]
    assert at == sorted(at), dict(zip(marks, at))
    assert html.escape(STATEMENTS["T1"]).replace("&#x27;", "&#39;") in t1 or STATEMENTS["T1"][:30] in t1
    assert "γ &gt; 0 and ‖w‖ &lt; ∞; d = 4 <span class=\"verdict pass\">met</span>" in t1
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">([^<]*)</td><td class=\"num\">([^<]*)</td>"
                      r"<td>([^<]*)</td><td class=\"mark (ok|bad)\"", t1)
    assert rows == [("residual of γ*", "0", "", "= 0", "ok"), ("MMD gap", "0.2 nats", "[0.1, 0.3]", "&gt; 0", "ok")]
    assert t1.count("Rule:") == 1
    assert t1.count("pass when the residual of γ* → 0 exactly, ×3 sure") == 1  # not again in the evidence
    assert "by a symbolic check" in t1


def test_without_clauses_the_table_is_derived_from_the_flags_and_the_failing_one_is_marked(tmp_path, monkeypatch):
    _, page = the_report(tmp_path, monkeypatch)
    t2 = section_html(page, "T2")
    assert re.search(r"<td>minimum</td><td class=\"num\">fails</td>.*?<td class=\"mark bad\"", t2)
    assert re.search(r"<td>stationary</td><td class=\"num\">holds</td>.*?<td class=\"mark ok\"", t2)
    assert "The check lists no clauses" in t2 and "the check states none" in t2
    assert "Why:</span> minimum does not hold." in t2
    assert '<span class="verdict fail">fail</span></h3>' in t2


def test_no_ascii_maths_or_latex_is_visible_and_expressions_are_mathml(tmp_path, monkeypatch):
    out, page = the_report(tmp_path, monkeypatch)
    md = (out / "report.md").read_text(encoding="utf-8")
    text = visible_text(page)
    assert not ASCII_MATH.search(text), ASCII_MATH.search(text)
    assert "a exact" not in text and "a empirical" not in text
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mfrac><mi>S</mi>' in page
    for mark in LATEX_MARKS:
        assert mark not in page and mark not in md, mark
    doc = json.loads((out / "results.json").read_text())
    assert doc["claims"][0]["evidence"]["gamma_star"]["latex"] == "\\frac{S}{d n}"  # kept in the JSON


def test_the_markdown_page_says_why_first_and_shows_each_claim_in_the_same_order(tmp_path, monkeypatch):
    out, _ = the_report(tmp_path, monkeypatch)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.index("## What failed or was inconclusive, and why") < md.index("## Summary") < md.index("## Claims")
    assert "- [T2](#t2) (symbolic) failed: minimum does not hold." in md
    assert "| [T1](#t1) | Eq. (2)-(3) | symbolic | **pass** | residual 0 \\| exact | 0.0 |" in md
    assert md.count("[![fake_fig](figures/fake_fig.png)](figures/fake_fig.png)") == 1
    assert "| MMD gap | 0.2 nats | [0.1, 0.3] | > 0 | ✓ |" in md and "| minimum | fails |  | holds | ✗ |" in md
    t1 = md[md.index("\n### T1\n"):md.index("\n### T2\n")]
    at = [t1.index(m) for m in ("> ", "*Premise:*", "| quantity |", "![fake_fig]", "**Rule:**", "<details>")]
    assert at == sorted(at)
    assert md.count("<details><summary>Raw evidence</summary>") == 2
    assert "- **gamma_star**: `S/(d*n)`" in md  # Markdown shows an expression's plain form


def test_missing_absent_and_crashing_figures_are_noted_in_the_report_and_are_not_fatal(tmp_path, monkeypatch, capsys):
    out, page = the_report(tmp_path, monkeypatch)
    err = capsys.readouterr().err
    assert "figure fake_crash: crashed: RuntimeError: bad axes" in err
    assert "figure fake_nodata: no data:" in err and "never_saved.json is missing" in err
    assert 'id="figures-not-drawn"' in page
    assert "Figure fake_crash not drawn (crashed): RuntimeError: bad axes" in page
    assert "<code>fake_absent</code> (no claims): absent: module infgrad_fake_module_that_does_not_exist" in page
    assert "*Figure `fake_nodata` not drawn (no data):" in (out / "report.md").read_text(encoding="utf-8")


def test_a_figure_says_what_it_shows_from_its_caption_or_its_claims(tmp_path, monkeypatch):
    mods = install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    out = tmp_path / "r"
    run_report(out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<figcaption><span class=\"label\">Figure fake_fig.</span> Drawn for T1: " in page
    (mods / "infgrad_fake_figure.py").write_text(
        (mods / "infgrad_fake_figure.py").read_text() + '\nCAPTION = "Energy against log gamma, digits."\n')
    monkeypatch.delitem(sys.modules, "infgrad_fake_figure")
    run_report(out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Energy against log γ, digits." in page
    doc = json.loads((out / "results.json").read_text())
    assert doc["figures"][0]["caption"] == "Energy against log gamma, digits."
