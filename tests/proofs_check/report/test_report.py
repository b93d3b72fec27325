"""``infgrad report`` and ``infgrad figures`` on a fake registry (``fake_project.py``): what runs,
what is reused, what is written, and the exit codes. The pages' content is in test_report_page.py."""

from __future__ import annotations

import json

from fake_project import install_fake_project, run_report
from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import CLAIMS
from infgrad.proofs_check.cli import main


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
    assert verdicts in (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert all(f'<span class="verdict {s}">{n} {s}</span>' in page for s, n in (("pass", 1), ("fail", 1)))


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
