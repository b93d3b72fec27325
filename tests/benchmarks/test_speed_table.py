"""docs/speed.md's CPU table is rendered from a harness result without computing anything."""

import json
from pathlib import Path

from benchmarks.run import _fmt
from benchmarks.speed_table import main, render

RESULT = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "cpu_e2e" / "trainer_run3.json"


def test_the_table_has_one_row_per_timed_runner_with_the_runs_own_ratios_and_load(capsys):
    result = json.loads(RESULT.read_text())
    text = render(result)
    timed = [r for r in result["trainer"] if r["samples_per_s"] is not None]
    body = [line for line in text.splitlines() if line.startswith("| ")][1:]
    assert len(body) == len(timed) and "graph-captured" not in text          # CUDA only: not timed here
    train = next(r for r in timed if r["model"].startswith("large") and r["runner"] == "infgrad train")
    row = next(line for line in body if "| infgrad train |" in line and _fmt(train["samples_per_s"]) in line)
    assert f"| {train['ratio']:.3f}, {train['cpu_ratio']:.3f} | bare loop |" in row
    assert f"| {train['vs_pythae']:.3f}, {train['cpu_vs_pythae']:.3f} |" in row
    assert str(result["load"]["trainer"]["before"]) in text and "medians of 3 interleaved repeats" in text
    assert main([str(RESULT)]) == 0 and capsys.readouterr().out.strip() == text
