"""``python -m benchmarks.speed_table RESULT.json``: docs/speed.md's CPU table
from one ``benchmarks.run --only trainer`` result.

One Markdown row per timed runner: samples/s, then the ratios that run computed (wall seconds, CPU
seconds) against the row's reference (the bare loop, or the bare pack for the pack rows) and, for
the single runs, against pythae's BaseTrainer; then the load the run recorded before and after.
The numbers are copied from the JSON, none is computed here, so the table says what the run said.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .run import _fmt

SHORT = {"bare loop": "bare loop", "infgrad train": "infgrad train", "pythae BaseTrainer": "pythae 0.1.2 BaseTrainer",
         "infgrad.train (Python API)": "infgrad.train (Python API)", "infgrad steps only": "infgrad steps only",
         "graph-captured step (limit)": "graph-captured step (the limit)", "bare pack (limit)": "bare pack (the limit)",
         "infgrad train_pack": "infgrad train_pack (end to end)", "infgrad pack steps only": "infgrad pack steps only"}


def _pair(a: Any, b: Any) -> str:
    """A ratio from wall seconds and one from CPU seconds, to three decimals."""
    return "–" if a is None else f"{a:.3f}, {b:.3f}"


def render(result: dict[str, Any]) -> str:
    """The table of one harness result (``benchmarks.run``'s JSON)."""
    meta, rows = result["meta"], result["trainer"]
    lines = ["| model | runner | runs x steps | samples/s | / reference (wall, CPU) | reference "
             "| / pythae (wall, CPU) |", "|---|---|---|---|---|---|---|"]
    last = None
    for r in rows:
        if r["samples_per_s"] is None:
            continue
        model = r["model"] if r["model"] != last else ""
        last = r["model"]
        lines.append(f"| {model} | {SHORT.get(r['runner'], r['runner'])} | {r['runs']} x {r['steps']} "
                     f"| {_fmt(r['samples_per_s'])} | {_pair(r['ratio'], r['cpu_ratio'])} | {r['vs'] or '–'} "
                     f"| {_pair(r['vs_pythae'], r['cpu_vs_pythae'])} |")
    load = result.get("load", {}).get("trainer", {})
    lines += ["", f"{meta['date']}, {meta['machine']}, {meta['device']}, torch {meta['torch']}, "
                  f"{meta['threads']} thread(s); load (1, 5, 15 min) {load.get('before')} -> {load.get('after')}; "
                  f"medians of {len(rows[0]['seconds_each'])} interleaved repeats."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.speed_table", description=__doc__.splitlines()[0])
    p.add_argument("result", type=Path, help="the JSON that benchmarks.run --only trainer --json wrote")
    args = p.parse_args(argv)
    print(render(json.loads(args.result.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
