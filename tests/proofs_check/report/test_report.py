"""``infgrad report`` and ``infgrad figures`` on a fake registry: two tiny checks (one passes,
one fails) and tiny figure modules (one draws, one has no data, one crashes, one is absent)."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import CLAIMS
from infgrad.proofs_check.cli import main

FAKE_CHECKS = '''
import json
from pathlib import Path
import sympy as sp
from infgrad.proofs_check.claims.model import KeyNumber, result
from infgrad.theory.symtools import show

def check_pass(ctx):
    counter = Path(ctx.out_dir) / "runs.txt"
    counter.write_text(str(int(counter.read_text()) + 1 if counter.exists() else 1))
    data = ctx.data_dir()
    (data / "fake.json").write_text(json.dumps({"xs": [0, 1, 2, 3], "ys": [1, 0, 2, 1]}))
    S, d, n = sp.symbols("S d n", positive=True)
    return result("T1", "symbolic", "pass",
                  {"gamma_star": show(S / (d * n)), "expr_latex": r"\\gamma^* = \\frac{1}{d}\\,\\mathrm{mse}",
                   "note": "<script>alert(1)</script> & friends",
                   "table": [{"a": 1, "b": 0.5}, {"a": 2, "b": 1e-9}],
                   "rule": "pass when the residual is 0"},
                  summary="residual 0 | exact", rule="pass when the residual reduces to 0 exactly",
                  key_numbers=[KeyNumber("residual", 0), KeyNumber("worst relative error", 1.7e-16),
                               KeyNumber("MMD gap", 0.2, interval=(0.1, 0.3), unit="nats")])

def check_fail(ctx):
    return result("T2", "symbolic", "fail",
                  {"error_size": 0.25, "derivation": {"flags": {"stationary": True, "minimum": False}}},
                  summary="residual 0.25")
'''

FAKE_FIGURE = '''
import json
from pathlib import Path
CLAIMS = ("T1", "T2")

def draw(data_dir, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = Path(data_dir) / "fake.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    data = json.loads(path.read_text())
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(data["xs"], data["ys"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in ("png", "pdf"):
        written.append(out_dir / f"fake_fig.{ext}")
        fig.savefig(written[-1], dpi=80)
    plt.close(fig)
    return written
'''

NO_DATA_FIGURE = '''
from pathlib import Path
CLAIMS = ("T2",)

def draw(data_dir, out_dir):
    raise FileNotFoundError(f"{Path(data_dir) / 'never_saved.json'} is missing")
'''

CRASHING_FIGURE = '''
CLAIMS = ("T1", "T2")

def draw(data_dir, out_dir):
    raise RuntimeError("bad axes")
'''


def install_fake_project(tmp_path: Path, monkeypatch, *, with_broken_figures: bool = True) -> Path:
    """Put the fake checks and figure modules on sys.path and point the registry and the figure
    list at them. Returns the directory holding the modules."""
    mods = tmp_path / "fake_modules"
    mods.mkdir()
    (mods / "infgrad_fake_checks.py").write_text(textwrap.dedent(FAKE_CHECKS))
    (mods / "infgrad_fake_figure.py").write_text(textwrap.dedent(FAKE_FIGURE))
    (mods / "infgrad_fake_nodata.py").write_text(textwrap.dedent(NO_DATA_FIGURE))
    (mods / "infgrad_fake_crash.py").write_text(textwrap.dedent(CRASHING_FIGURE))
    monkeypatch.syspath_prepend(str(mods))
    # one process: the fake modules and the monkeypatches live in this one; the process pool the
    # report uses otherwise (every check, since the symbolic ones go there too) is tested with real
    # checks in test_parallel.py
    from infgrad import pool as parallel

    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    monkeypatch.setattr(registry, "CHECKS", (
        registry.CheckSpec("fake-pass", ("T1",), "symbolic", "infgrad_fake_checks:check_pass"),
        registry.CheckSpec("fake-fail", ("T2",), "symbolic", "infgrad_fake_checks:check_fail"),
    ))
    from infgrad import figures

    fig_list = {"fake_fig": "infgrad_fake_figure"}
    if with_broken_figures:
        fig_list.update({"fake_nodata": "infgrad_fake_nodata", "fake_crash": "infgrad_fake_crash",
                         "fake_absent": "infgrad_fake_module_that_does_not_exist"})
    monkeypatch.setattr(figures, "FIGURES", fig_list)
    return mods


class PageParser(HTMLParser):
    """Collects what the checks need: images, scripts, external references, section ids, and the
    order in which the summary table and the first claim section appear."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.scripts = 0
        self.external: list[str] = []
        self.section_ids: list[str] = []
        self.order: list[str] = []
        self.tables: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v and not (v.startswith("#") or v.startswith("data:")):
                self.external.append(v)
        if tag == "link":
            self.external.append(a.get("href", ""))
        if tag == "table":
            self.tables.append(a.get("class", ""))
            self.order.append("table:" + a.get("class", ""))
        if tag == "section":
            self.section_ids.append(a.get("id", ""))
            self.order.append("section")


def run_report(out: Path, *extra: str) -> int:
    return main(["report", "--out", str(out), "--quiet", "--device", "cpu", *extra])


def section_html(page: str, cid: str) -> str:
    start = page.index(f'<section class="claim" id="{cid}">')
    return page[start:page.index("</section>", start)]


LATEX_MARKS = ("\\frac", "\\left", "^{", "\\gamma", "\\mathrm", "\\log")


def test_the_report_writes_a_self_contained_html_page_whose_images_all_decode(tmp_path, monkeypatch):
    from matplotlib.image import imread

    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    assert run_report(out) == 1  # one claim fails
    page = (out / "report.html").read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(page)
    assert parser.scripts == 0 and parser.external == []
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page
    assert len(parser.images) == 1, "the one drawn figure is embedded once, though it shows two claims"
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        raw = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = imread(io.BytesIO(raw))
        assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50 and pixels.std() > 0
    # every claim has a section, in the CLAIMS order; the summary table comes before all of them
    assert parser.section_ids == list(CLAIMS)
    assert parser.order[0] == "table:summary"
    assert parser.order.index("section") > parser.order.index("table:summary")
    assert parser.tables[-1] == "environment"
    # the figure sits in T1's section; T2's links to it
    assert '<figure id="fig-fake_fig"><img' in section_html(page, "T1")
    assert '<a href="#fig-fake_fig">fake_fig</a> (shown with T1)' in section_html(page, "T2")
    assert page.count(">not run<") == 3 * (len(CLAIMS) - 2)  # summary row, section heading, section text


def test_each_claim_section_states_the_claim_the_rule_the_verdict_and_the_deciding_numbers(tmp_path, monkeypatch):
    from infgrad.proofs_check.claims.statements import STATEMENTS

    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    run_report(out)
    page = (out / "report.html").read_text(encoding="utf-8")
    t1, t2 = section_html(page, "T1"), section_html(page, "T2")
    assert html.escape(STATEMENTS["T1"]) in t1 and html.escape(STATEMENTS["T2"]) in t2
    assert "Rule:</span> pass when the residual reduces to 0 exactly" in t1  # the check's rule wins
    numbers = re.findall(r"<tr><td>([^<]*)</td><td><span class=\"num\">([^<]*)</span></td><td>([^<]*)</td>"
                         r"<td>([^<]*)</td></tr>", t1)
    assert numbers == [("residual", "0", "", ""), ("worst relative error", "1.700e-16", "", ""),
                       ("MMD gap", "0.2", "[0.1, 0.3]", "nats")]
    # T2 names no rule or numbers: its status agrees with its flags, so the flags stand in, said so
    assert "Rule:</span> pass when every one of its 2 sub-checks holds (the check states no rule" in t2
    assert '<td>sub-checks holding</td><td><span class="num">1/2</span>' in t2
    assert "the check names no deciding numbers" in t2
    for cid in CLAIMS:
        assert section_html(page, cid).count("<details>") >= 1
    assert '<span class="verdict fail">fail</span></h3>' in t2


def test_maths_is_mathml_and_no_latex_string_reaches_either_page(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    run_report(out)
    page = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    t1 = section_html(page, "T1")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mfrac><mi>S</mi>' in t1
    for mark in LATEX_MARKS:
        assert mark not in page and mark not in md, mark
    assert "- **gamma_star**: `S/(d*n)`" in md  # Markdown shows the plain form
    doc = json.loads((out / "results.json").read_text())
    assert doc["claims"][0]["evidence"]["gamma_star"]["latex"] == "\\frac{S}{d n}"  # kept in the JSON


def test_the_markdown_report_puts_the_summary_table_first_and_links_the_figure_once(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    run_report(out)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.index("## Summary") < md.index("| claim | paper | method | verdict | evidence | s |") < md.index("## Claims")
    assert "| [T1](#t1) | Eq. (2)-(3) | symbolic | **pass** | residual 0 \\| exact | 0.0 |" in md
    assert "| [T2](#t2) | Eq. (6) | symbolic | **fail** | residual 0.25 | 0.0 |" in md
    for cid in CLAIMS:
        assert f"\n### {cid}\n" in md
    assert md.count("![fake_fig](figures/fake_fig.png)") == 1
    assert "Figure `fake_fig`: shown with [T1](#t1)." in md
    assert "| MMD gap | 0.2 | [0.1, 0.3] | nats |" in md
    assert md.count("<details><summary>Raw evidence</summary>") == 2
    assert md.index("## Claims") < md.index("## Environment")
    assert (out / "figures" / "fake_fig.png").is_file() and (out / "figures" / "fake_fig.pdf").is_file()


def test_results_json_carries_the_design_layout_and_the_figure_notes(tmp_path, monkeypatch):
    from infgrad.proofs_check.report.model import from_json

    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    run_report(out, "--seed", "5")
    doc = json.loads((out / "results.json").read_text())
    assert {"infgrad_version", "command", "seeds", "device", "environment", "claims"} <= set(doc)
    assert doc["seeds"] == [5] and doc["device"] == "cpu" and doc["profile"] == "quick"
    assert [(c["claim"], c["status"]) for c in doc["claims"]] == [("T1", "pass"), ("T2", "fail")]
    for c in doc["claims"]:
        assert {"claim", "title", "paper_ref", "method", "status", "evidence", "seconds"} <= set(c)
    assert doc["claims"][0]["key_numbers"][2] == {"name": "MMD gap", "value": 0.2, "interval": [0.1, 0.3],
                                                  "unit": "nats"}
    statuses = {f["name"]: f["status"] for f in doc["figures"]}
    assert statuses == {"fake_fig": "drawn", "fake_nodata": "no data", "fake_crash": "crashed",
                        "fake_absent": "absent"}
    assert from_json(doc).to_json() == doc  # the model reads back exactly what it wrote


def test_missing_absent_and_crashing_figures_are_noted_in_the_report_and_are_not_fatal(tmp_path, monkeypatch, capsys):
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    assert run_report(out) == 1  # the failing claim, not the figures, sets the exit code
    err = capsys.readouterr().err
    assert "figure fake_crash: crashed: RuntimeError: bad axes" in err
    assert "figure fake_nodata: no data:" in err and "never_saved.json is missing" in err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="figures-not-drawn"' in page
    assert "<code>fake_crash</code> not drawn (crashed): RuntimeError: bad axes" in page
    assert "<code>fake_absent</code> (no claims): absent: module infgrad_fake_module_that_does_not_exist" in page
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "*Figure `fake_nodata` not drawn (no data):" in md


def test_the_report_reuses_saved_results_unless_fresh_is_given(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    runs = out / "runs.txt"
    run_report(out)
    assert runs.read_text() == "1"
    run_report(out)
    assert runs.read_text() == "1"  # reused from out/claims/
    run_report(out, "--fresh")
    assert runs.read_text() == "2"
    run_report(out, "--seed", "3")
    assert runs.read_text() == "3"  # another seed is another experiment: recomputed


def test_a_crashing_check_becomes_an_inconclusive_row_and_the_report_still_completes(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    monkeypatch.setattr(registry, "CHECKS", registry.CHECKS + (
        registry.CheckSpec("fake-crash", ("T3",), "exact", "infgrad_fake_checks:no_such_function"),))
    out = tmp_path / "r"
    assert run_report(out) == 1
    doc = json.loads((out / "results.json").read_text())
    t3 = [c for c in doc["claims"] if c["claim"] == "T3"]
    assert t3 and t3[0]["status"] == "inconclusive" and "AttributeError" in t3[0]["summary"]
    assert "AttributeError" in (out / "report.html").read_text(encoding="utf-8")


def test_the_report_exits_0_when_nothing_fails(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    monkeypatch.setattr(registry, "CHECKS", registry.CHECKS[:1])
    assert run_report(tmp_path / "r") == 0


def test_figures_without_saved_data_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "empty"
    assert main(["figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"infgrad: error: no saved data in {out / 'data'}; run `infgrad report --out {out}` first\n"


def test_figures_redraws_from_saved_data_without_running_any_check(tmp_path, monkeypatch, capsys):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    out = tmp_path / "r"
    run_report(out)
    png = out / "figures" / "fake_fig.png"
    png.unlink()
    capsys.readouterr()
    assert main(["figures", "--out", str(out)]) == 0
    assert png.is_file() and png.stat().st_size > 0
    assert (out / "runs.txt").read_text() == "1"  # no check ran again
    assert capsys.readouterr().out.startswith(f"fake_fig: {png}")


def test_figures_exits_1_when_a_figure_module_crashes(tmp_path, monkeypatch):
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    run_report(out)
    assert main(["figures", "--out", str(out)]) == 1


def test_report_refuses_an_out_path_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "a_file"
    target.write_text("x")
    assert main(["report", "--out", str(target), "--quiet", "--device", "cpu"]) == 2
    assert capsys.readouterr().err.startswith("infgrad: error: ")


def test_the_evidence_renderer_truncates_long_lists_and_renders_nested_tables():
    from infgrad.proofs_check.report.markdown import evidence_blocks, markdown_page

    blocks = evidence_blocks({"xs": list(range(100)), "rows": [{"i": i} for i in range(100)],
                              "nested": {"deep": {"x": 1.23456789}}, "e_latex": "\\frac{1}{2}",
                              "e": {"str": "1/2", "latex": "\\frac{1}{2}", "mathml": "<mn>1</mn>"}})
    kinds = {b.key: b for b in blocks}
    assert kinds["xs"].kind == "text" and kinds["xs"].text.endswith("... (100 items)]")
    assert kinds["rows"].kind == "table" and len(kinds["rows"].rows) == 40 and "of 100" in kinds["rows"].note
    assert kinds["nested"].children[0].children[0].text == "1.235"
    assert "e_latex" not in kinds and (kinds["e"].kind, kinds["e"].text, kinds["e"].mathml) == ("math", "1/2", "<mn>1</mn>")
    md = markdown_page({"claims": [], "figures": []})
    assert md.count("| not run |") == 0 and md.count("**not run**") == 2 * len(CLAIMS)  # summary row and section


def test_a_check_that_crashed_last_time_is_rerun_rather_than_reused(tmp_path, monkeypatch):
    mods = install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    crash = registry.CheckSpec("fake-late", ("T3",), "exact", "infgrad_fake_late:check")
    monkeypatch.setattr(registry, "CHECKS", registry.CHECKS + (crash,))
    out = tmp_path / "r"
    run_report(out)
    doc = json.loads((out / "results.json").read_text())
    assert [c["status"] for c in doc["claims"] if c["claim"] == "T3"] == ["inconclusive"]
    (mods / "infgrad_fake_late.py").write_text(
        "from infgrad.proofs_check.claims.model import result\n"
        "def check(ctx):\n    return result('T3', 'exact', 'pass', {'rule': 'r'}, summary='now here')\n")
    run_report(out)  # no --fresh: the crash is not reused, the passing check is
    doc = json.loads((out / "results.json").read_text())
    assert [c["status"] for c in doc["claims"] if c["claim"] == "T3"] == ["pass"]
    assert (out / "runs.txt").read_text() == "1"


def test_the_progress_display_names_each_check_as_it_finishes(tmp_path, monkeypatch, capsys):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    assert main(["report", "--out", str(tmp_path / "r"), "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "fake-pass: T1 pass" in err and "fake-fail: T2 fail" in err


def test_the_report_model_is_built_once_and_every_output_agrees_with_it(tmp_path, monkeypatch):
    import infgrad.proofs_check.report.run as report_run

    install_fake_project(tmp_path, monkeypatch)
    built = []
    real_build = report_run.build
    monkeypatch.setattr(report_run, "build", lambda *a, **k: built.append(1) or real_build(*a, **k))
    out = tmp_path / "r"
    run_report(out)
    assert len(built) == 1
    doc = json.loads((out / "results.json").read_text())
    verdicts = "Verdicts: 1 pass, 1 fail, 0 inconclusive."
    assert [c["status"] for c in doc["claims"]] == ["pass", "fail"]
    assert verdicts in (out / "report.md").read_text() and verdicts in (out / "report.html").read_text()


def test_report_claim_runs_only_the_checks_of_the_named_claims_and_a_later_report_reuses_them(tmp_path, monkeypatch):
    """A profile split across machines: --claim on one device, then the whole report on another
    into the same --out reuses the saved check and names the device it ran on."""
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    monkeypatch.setattr(registry, "CHECKS", (
        registry.CheckSpec("fake-pass", ("T1",), "empirical", "infgrad_fake_checks:check_pass"),
        registry.CheckSpec("fake-fail", ("T2",), "symbolic", "infgrad_fake_checks:check_fail"),
    ))
    out = tmp_path / "r"
    assert run_report(out, "--claim", "T1", "--device", "cpu") == 0       # only T1 ran, and it passes
    doc = json.loads((out / "results.json").read_text())
    assert [c["claim"] for c in doc["claims"]] == ["T1"] and doc["claims"][0]["device"] == "cpu"
    assert doc["command"][-2:] == ["--claim", "T1"]
    assert not (out / "claims" / "fake-fail.json").exists()
    monkeypatch.setattr("infgrad.proofs_check.cli.report.resolve_device", lambda d: "cuda")  # the GPU machine
    assert run_report(out, "--device", "cuda") == 1                       # T2 runs now and fails
    assert (out / "runs.txt").read_text() == "1"                          # T1 was reused, not rerun
    doc = json.loads((out / "results.json").read_text())
    assert {c["claim"]: c["device"] for c in doc["claims"]} == {"T1": "cpu", "T2": ""}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "reused from another device" in md and "T1 (cpu)" in md


def test_report_claim_refuses_an_unknown_claim_before_any_work(tmp_path, capsys):
    out = tmp_path / "r"
    assert run_report(out, "--claim", "T99") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown claim id 'T99'" in err[0]
    assert not out.exists()


def test_the_python_report_takes_the_same_claim_selection(tmp_path, monkeypatch):
    import infgrad

    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    run = infgrad.report(tmp_path / "r", claims=["T2"])
    assert [r.claim for r in run.report.results] == ["T2"] and run.report.counts["fail"] == 1
