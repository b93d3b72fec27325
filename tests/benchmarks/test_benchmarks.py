"""The benchmark harness's tables: every measured number reaches the Markdown, nothing is invented."""

import statistics

import pytest

from benchmarks.run import markdown, table


def test_table_has_a_header_a_rule_and_one_row_per_result():
    text = table([{"a": 1.23456, "b": None}, {"a": 123456.0, "b": "x"}], ["a", "b"])
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | – |", "| 123,456 | x |"]


def test_markdown_reports_each_benchmark_that_ran_and_only_those():
    results = {
        "meta": {"date": "2026-01-01", "machine": "x86_64, 2 cpus", "device": "cpu", "torch": "2.x", "threads": 2},
        "verify": {"command": "infgrad verify", "seconds": 8.25, "exit_code": 0},
        "certificate": {"h": "u", "rows": [{"d": 10, "kappa": 2, "r": 1, "n": 100, "generate_s": 0.1,
                                             "check_s": 0.2, "total_s": 0.3, "verified": True}],
                        "exponent_in_n_times_r": 0.9, "exponent_in_n": 0.8, "exponent_in_r": 0.7},
    }
    text = markdown(results)
    assert "| infgrad verify | 8.25 | 0 |" in text
    assert "growth exponent in n·r: 0.90 (in n: 0.80, in r: 0.70)" in text
    assert "**trainer**" not in text and "**report**" not in text


def test_the_trainer_benchmark_writes_the_limit_rows_and_infgrads_ratio_to_them(tmp_path, capsys):
    import json

    from benchmarks.run import main

    out = tmp_path / "b.json"
    md = tmp_path / "b.md"
    assert main(["--only", "trainer", "--device", "cpu", "--repeats", "1", "--pack", "2", "--scale", "0.01", "--threads", "1",
                 "--models", "small",
                 "--json", str(out), "--markdown", str(md)]) == 0
    rows = json.loads(out.read_text())["trainer"]
    by = {(r["model"], r["runner"]): r for r in rows}
    small = "small 20-128-128"
    assert {r["runner"] for r in rows if r["model"] == small} >= {
        "bare loop", "graph-captured step (limit)", "infgrad train", "bare pack (limit)", "infgrad train_pack"}
    pack, limit = by[(small, "infgrad train_pack")], by[(small, "bare pack (limit)")]
    assert pack["runs"] == limit["runs"] == 2 and limit["samples_per_s"] > 0
    assert pack["vs"] == "bare pack (limit)"
    assert abs(pack["ratio"] - pack["samples_per_s"] / limit["samples_per_s"]) < 1e-9
    for r in rows:                                      # CPU seconds of the timed part only: at one
        for wall, cpu in zip(r["seconds_each"], r["cpu_seconds_each"]):   # thread never above its wall
            assert cpu <= 1.1 * wall + 0.02, (r["runner"], wall, cpu)  # (steps only had counted its warm-up)
    cpu_med = [statistics.median(r["cpu_seconds_each"]) for r in (pack, limit)]
    assert abs(pack["cpu_ratio"] / (cpu_med[1] / cpu_med[0]) - 1) < 1e-3 and "cpu_ratio" in md.read_text()
    graph = by[(small, "graph-captured step (limit)")]
    assert graph["samples_per_s"] is None and graph["note"] == "CUDA only"       # no GPU here
    assert by[(small, "infgrad train")]["vs"] == "bare loop"
    api_row, pythae = by[(small, "infgrad.train (Python API)")], by[(small, "pythae BaseTrainer")]
    assert api_row["vs"] == "bare loop" and api_row["samples_per_s"] > 0
    if pythae["samples_per_s"] is not None:             # pythae is optional
        for runner in ("infgrad train", "infgrad.train (Python API)"):
            r = by[(small, runner)]
            assert abs(r["vs_pythae"] - r["samples_per_s"] / pythae["samples_per_s"]) < 1e-9
    text = md.read_text()
    assert "| small 20-128-128 | bare pack (limit) | 2 |" in text and "load average" in text
    err = capsys.readouterr().err                       # the progress display: every timed run counted
    assert "small 20-128-128" in err and "9/9" in err, err


@pytest.mark.slow
def test_the_api_benchmark_times_the_python_api_and_the_command_line_alone_and_beside_busy_processes(tmp_path,
                                                                                                    monkeypatch):
    """Issue 23: a row per runner and load, each time a fresh process's own, the ratio computed from
    the medians; the busy processes it starts are gone afterwards."""
    import json

    from benchmarks import api
    from benchmarks.run import main

    started = []
    real_busy = api._busy
    monkeypatch.setattr(api, "_busy", lambda count: started.extend(real_busy(count)) or started[-count:] if count else [])
    out = tmp_path / "b.json"
    assert main(["--only", "api", "--repeats", "1", "--scale", "0.01", "--json", str(out),
                 "--markdown", str(tmp_path / "b.md")]) == 0
    rows = json.loads(out.read_text())["api"]
    assert [(r["beside"], r["runner"]) for r in rows] == [(b, r) for b in api.BESIDE for r in api.RUNNERS]
    k = len(api.RUNNERS)
    for at in range(0, len(rows), k):
        cli, *others = rows[at:at + k]
        assert cli["ratio"] is None and cli["steps"] == 30 and cli["seconds"] > 0
        for py in others:
            assert py["steps"] == 30 and py["seconds"] > 0
            assert abs(py["ratio"] - py["seconds"] / cli["seconds"]) < 1e-9
    assert "| 2 busy processes | infgrad.train (Python API) | 30 |" in (tmp_path / "b.md").read_text()
    assert all(r["note"] is None for r in rows)                 # no run needed stopping
    assert len(started) == 2 and all(p.poll() is not None for p in started)


def test_an_api_run_past_its_limit_is_stopped_and_reported_as_a_lower_bound(monkeypatch):
    import subprocess

    from benchmarks import api

    def fake(runner, cfg, limit):
        if runner == api.RUNNERS[2]:
            raise subprocess.TimeoutExpired("python3", limit)
        return 1.0

    monkeypatch.setattr(api, "_run_once", fake)
    rows = api.run(2, beside=("alone",))
    slow = rows[2]
    assert slow["seconds"] == 10 * 1.0 + 60 and slow["ratio"] == 70.0
    assert slow["note"] == "2 of 2 runs stopped at the limit: seconds >= this" and rows[0]["note"] is None


def _session(tmp_path, stages, *, timeout=120, data=False, budget=None):
    """Run `benchmarks/gpu_session.sh cpu tiny` with ``STAGES=stages`` in a folder laid out like the
    checkout (its package folders linked; ``data``: with a carried `.data/` of tiny IDX files, and
    the two image variables unset); returns (that folder, its $OUT)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import numpy as np

    from infgrad.models.idx import write_idx

    repo = Path(__file__).resolve().parents[2]
    work = tmp_path / "checkout"
    work.mkdir()
    for entry in ("infgrad", "theory", "models", "proofs_check", "figures", "benchmarks"):
        (work / entry).symlink_to(repo / entry)
    for name in ("fashion-mnist", "mnist") if data else ():
        folder = work / ".data" / name
        folder.mkdir(parents=True)
        write_idx(folder / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not (data and k in ("INFGRAD_MNIST", "INFGRAD_FASHION_MNIST"))}
    # the script calls `python3`: make that this interpreter (a venv that is not activated included)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shim / "python3").chmod(0o755)
    env["PATH"] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
    env.update(STAGES=stages, OUT=str(out), **({"BUDGET": str(budget)} if budget is not None else {}))
    proc = subprocess.run(["bash", "benchmarks/gpu_session.sh", "cpu", "tiny"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return work, out


def test_the_gpu_session_script_points_the_data_variables_at_the_carried_images(tmp_path):
    """`benchmarks/gpu_session.sh` run with no stage in a copy of the checkout that holds a carried
    `.data/` (what `benchmarks/stage_data.sh` makes): its machine.txt names the carried files, which
    is where the experiments will look on a GPU machine that has no image files of its own."""
    work, out = _session(tmp_path, "", data=True)
    machine = (out / "machine.txt").read_text()
    for name in ("fashion-mnist", "mnist"):
        assert f"{name} {work / '.data' / name / 'train-images-idx3-ubyte'}" in machine, machine
    assert not (out / "report").exists()                           # STAGES="" runs no stage


def test_the_gpu_session_script_runs_stages_joined_by_plus_side_by_side_and_each_gets_its_line(tmp_path):
    """`STAGES="a+b c"`: a and b start together (each its own line in report.txt, its output in
    stage_<name>.out, packed into session.tgz), c after both; unknown stage names give exit 2 in
    their line, so the mechanism is seen without running a stage."""
    import tarfile

    _, out = _session(tmp_path, "nope1+nope2 nope3")
    lines = (out / "report.txt").read_text().splitlines()
    assert sorted(line.split(":")[0] for line in lines[:2]) == ["stage nope1", "stage nope2"], lines
    assert lines[2].startswith("stage nope3: exit 2"), lines
    assert all(": exit 2," in line for line in lines) and len(lines) == 3
    with tarfile.open(out / "session.tgz") as tar:               # the rest is packed (see below)
        assert "unknown stage nope1" in tar.extractfile("stage_nope1.out").read().decode()


def test_the_gpu_session_script_packs_its_results_into_one_archive_beside_machine_and_report(tmp_path):
    """The device tool returns at most 8 files from $OUT: after its stages the script leaves
    machine.txt, report.txt and session.tgz, which holds the rest (here the done stage's files)."""
    import tarfile

    _, out = _session(tmp_path, "done", timeout=300)
    assert sorted(p.name for p in out.iterdir()) == ["machine.txt", "report.txt", "session.tgz"]
    with tarfile.open(out / "session.tgz") as tar:
        assert sorted(tar.getnames()) == ["done_means.json", "done_means.txt"]
    assert (out / "report.txt").read_text().startswith("stage done: exit 0")


def test_the_gpu_session_script_skips_the_stages_its_budget_has_no_time_left_for(tmp_path):
    """BUDGET=25: after the packing's 20 s reserve under 10 s are left, so `done` (which would
    train for seconds) is skipped with its line, and the script still packs and exits 0 at once,
    before the device tool's own limit could kill it and lose the files."""
    _, out = _session(tmp_path, "done nope", budget=25)
    lines = (out / "report.txt").read_text().splitlines()
    assert lines == ["stage done: skipped, under 10 s left of BUDGET=25 s",
                     "stage nope: skipped, under 10 s left of BUDGET=25 s"], lines


def test_the_gpu_session_scripts_tests_stage_names_every_test_file_with_a_gpu_mark():
    """Its pytest line named tests/test_gpu.py, a path gone since the tests moved into folders (the
    stage would have run no test); now the files are listed once, and each one exists."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (root / "benchmarks" / "gpu_session.sh").read_text()
    listed = set(re.search(r'^GPU_TESTS="([^"]+)"', script, re.M).group(1).split())
    marked = {str(p.relative_to(root)) for p in (root / "tests").rglob("test_*.py")
              if re.search(r"^\s*(@pytest\.mark\.gpu|pytestmark\b.*\bgpu\b)", p.read_text(), re.M)}
    assert listed == marked and all((root / p).is_file() for p in listed)
    assert "$GPU_TESTS" in script
