"""The Python API against the command line: one training run, the README's "From Python" example,
as ``infgrad.train(cfg)`` in a fresh Python process and as ``infgrad train ...``, alone and with
two busy processes beside it; a third runner calls the trainer underneath (``models.trainer.train``)
with torch's default thread count, which is what ``infgrad.train`` did before it took the command
line's thread policy.

Each measurement is a fresh process of this interpreter (``sys.executable``), so each starts with
torch's default thread count, as a notebook does; the time is the run's own (``TrainResult.seconds``,
which both print), so the interpreter's start and the imports, alike for both, stay out. The two
runners alternate, in turn first and second from repeat to repeat (so a drift in the machine's
load hits both alike); the median over repeats is reported, with the ratio of the
Python API's time to the command line's under the same load. The busy processes are
``while True: pass`` loops started here and ended (by their own ids) after the measurement.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# the README's "From Python" example (a test runs it as written there)
EXAMPLE = dict(data="subspace", d=20, r=3, kappa=8, steps=3000, lr=3e-3)
RUNNERS = ("infgrad train (command line)", "infgrad.train (Python API)",
           "trainer with torch's default threads (the API before)")
BESIDE = {"alone": 0, "2 busy processes": 2}
LIMIT_FACTOR = 10


def _cli_args(cfg: dict[str, Any], json_path: Path) -> list[str]:
    args = [sys.executable, "-m", "infgrad", "train", "--quiet", "--json", str(json_path), "--device", "cpu"]
    for key, value in cfg.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def _api_code(cfg: dict[str, Any], train: str) -> str:
    return (f"import json, infgrad; from {train} import train; "
            f"r = train(infgrad.TrainConfig(device='cpu', **{cfg!r}), progress=False); "
            "print(json.dumps({'seconds': r.seconds, 'threads': __import__('torch').get_num_threads()}))")


def run_once(runner: str, cfg: dict[str, Any], limit: float = 3600.0) -> float | None:
    """The training seconds of one fresh process of ``runner``; None when it was stopped at
    ``limit`` seconds of wall time."""
    try:
        return _run_once(runner, cfg, limit)
    except subprocess.TimeoutExpired:                   # subprocess.run has killed the child
        return None


def _run_once(runner: str, cfg: dict[str, Any], limit: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        if runner == RUNNERS[0]:
            proc = subprocess.run(_cli_args(cfg, out), capture_output=True, text=True, timeout=limit)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            return float(json.loads(out.read_text())["seconds"])
        module = "infgrad" if runner == RUNNERS[1] else "infgrad.models.trainer"
        proc = subprocess.run([sys.executable, "-c", _api_code(cfg, module)], capture_output=True, text=True,
                              timeout=limit)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def _busy(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run(repeats: int = 3, *, scale: float = 1.0, beside: tuple[str, ...] = tuple(BESIDE)) -> list[dict[str, Any]]:
    """One row per (load beside, runner): median training seconds over ``repeats`` alternating
    runs, and for the other runners the ratio to the command line's median under the same load.
    ``scale`` multiplies the example's steps (tiny runs for tests). A run is stopped after
    ``LIMIT_FACTOR`` times the command line's slowest run under the same load plus a minute (beside
    busy processes the old thread default took over 14 minutes where the command line took 45 s);
    a stopped run counts as that limit, so its row's seconds are a lower bound, and its note says so."""
    cfg = dict(EXAMPLE, steps=max(2, int(EXAMPLE["steps"] * scale)))
    cfg.update(log_every=min(100, cfg["steps"]), checkpoint_every=min(100, cfg["steps"]))
    rows: list[dict[str, Any]] = []
    for label in beside:
        busy = _busy(BESIDE[label])
        try:
            times: dict[str, list[float]] = {r: [] for r in RUNNERS}
            stopped = {r: 0 for r in RUNNERS}
            for rep in range(repeats):
                for runner in RUNNERS if rep % 2 == 0 else RUNNERS[::-1]:
                    limit = LIMIT_FACTOR * max(times[RUNNERS[0]]) + 60 if times[RUNNERS[0]] else 3600.0
                    t = run_once(runner, cfg, limit)
                    stopped[runner] += t is None
                    times[runner].append(limit if t is None else t)
        finally:
            for p in busy:
                p.kill()
                p.wait()
        median = {r: statistics.median(v) for r, v in times.items()}
        for runner in RUNNERS:
            rows.append({"beside": label, "runner": runner, "steps": cfg["steps"], "seconds": median[runner],
                         "ratio": median[runner] / median[RUNNERS[0]] if runner != RUNNERS[0] else None,
                         "seconds_each": [round(t, 3) for t in times[runner]],
                         "note": f"{stopped[runner]} of {repeats} runs stopped at the limit: seconds >= this"
                                 if stopped[runner] else None})
    return rows
