"""The pilots' Markdown table (benchmarks.pilots.table) shows each saved number, nothing else."""

from benchmarks.pilots.spread import spread
from benchmarks.pilots.table import COLUMNS, main, markdown


def _result(**arch):
    return {"seed": 1001, "data": "mnist", "n": 1000, "kappa": 16,
            "architecture": {"arch": "conv", "hidden": None, "dec_channels": 32, "dec_extra": 0, "n_params": 671_000,
                             **arch},
            "schedule": {"steps": 6000, "lr": 1e-3, "tail_fraction": 0.3, "tail_factor": 0.01, "batch_size": 128},
            "final": {"gamma": 0.01234, "error_share": 0.0456},
            "spread": spread([3.0] * 10 + [0.1] * 6, [0.01] * 10 + [0.95] * 6),
            "wall_s": 612.4, "load_before": [3.04, 3, 3], "load_after": [5.51, 5, 5]}


def test_a_row_carries_the_saved_numbers():
    text = markdown([_result(), _result(dec_channels=64, dec_extra=1)]).splitlines()
    assert text[0] == "| " + " | ".join(COLUMNS) + " |" and len(text) == 4
    cells = [c.strip() for c in text[2].strip("|").split("|")]
    assert cells == ["1001", "mnist 1,000", "conv (experiments'), 671k params", "16",
                     "6,000 steps, lr 0.001, tail 0.3 to x0.01, batch 128", "0.0123", "4.6%", "16/10/10", "10/10/10",
                     "10", "612 s", "3.0 -> 5.5"]
    assert "conv, decoder 64 ch + 1 3x3/res" in text[3]


def test_the_command_reads_files_and_prints_help(tmp_path, capsys):
    import json

    p = tmp_path / "r.json"
    p.write_text(json.dumps(_result()))
    main([str(p)])
    assert "| 1001 | mnist 1,000 |" in capsys.readouterr().out
    main(["--help"])
    assert "one Markdown row per pilot result" in capsys.readouterr().out

