"""``python -m benchmarks.run [--only NAME ...] [--json PATH] [--device auto|cpu|cuda] [--pack M] [--scale S]``

Prints one Markdown table per benchmark (trainer, api, verify, certificate, report) and writes
everything as JSON. The trainer table has the limits as rows (a graph-captured step on CUDA, a bare
pack of M models) and infgrad's ratio to them, all measured side by side in one run; the api table
has the Python API's time against the command line's, alone and beside two busy processes
(``benchmarks.api``); the machine's
load average (``os.getloadavg``, what ``uptime`` prints) is recorded before and after each
benchmark. Nothing here asserts a speed: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from infgrad.atomic import write_text

NAMES = ("trainer", "api", "verify", "certificate", "report")


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    out = [f"Benchmarks of {meta['date']} on {meta['machine']}, device {meta['device']}, "
           f"torch {meta['torch']} ({meta['threads']} threads)."]
    if "trainer" in results:
        out += ["", "**trainer** (samples/s, median of interleaved repeats; packs: aggregate over the runs; "
                    "ratio = samples/s over those of the row named in vs; cpu_ratio: the same from this "
                    "process's CPU seconds, which a shared machine's load moves less)", "",
                table(results["trainer"], ["model", "runner", "runs", "steps", "samples_per_s", "ratio", "vs",
                                           "cpu_ratio", "vs_pythae", "cpu_vs_pythae", "note"])]
    if "api" in results:
        out += ["", "**api** (training seconds of the README's Python example, each a fresh process, median of "
                    "alternating repeats; ratio = the Python API's seconds over the command line's beside the same load)",
                "", table(results["api"], ["beside", "runner", "steps", "seconds", "ratio", "note"])]
    for name in ("verify", "report"):
        if name in results:
            out += ["", f"**{name}**", "", table([results[name]], ["command", "seconds", "exit_code"])]
    if "load" in results:
        out += ["", "load average (1, 5, 15 min) before/after each benchmark: " + "; ".join(
            f"{k}: {v['before']} / {v['after']}" for k, v in results["load"].items())]
    if "certificate" in results:
        c = results["certificate"]
        out += ["", f"**certificate** (h = {c['h']}, generate + independent check, seconds)", "",
                table(c["rows"], ["d", "kappa", "r", "n", "generate_s", "check_s", "total_s", "verified"]),
                "", f"growth exponent in n·r: {c['exponent_in_n_times_r']:.2f} "
                    f"(in n: {c['exponent_in_n']:.2f}, in r: {c['exponent_in_r']:.2f})"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=NAMES, help="run only these benchmarks")
    p.add_argument("--json", type=Path, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, help="write the Markdown tables here")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--repeats", type=int, default=3, help="trainer, api: timed repeats per runner (median)")
    p.add_argument("--pack", type=int, default=64, help="trainer: runs in the pack rows")
    p.add_argument("--models", nargs="+", help="trainer: only these models (names as in the table, e.g. small)")
    p.add_argument("--scale", type=float, default=1.0, help="trainer, api: multiply every step count (tiny checks)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: models.trainer.resolve_threads('auto'))")
    p.add_argument("--profile", default="quick", choices=["quick", "full"], help="report: the profile timed")
    args = p.parse_args(argv)

    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    from infgrad.models.threads import resolve_threads

    torch.set_num_threads(args.threads if args.threads else resolve_threads("auto", device))
    names = args.only or NAMES
    results: dict[str, Any] = {"meta": {
        "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "torch": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version()}}
    results["load"] = {}
    for name in names:
        print(f"benchmark {name} ...", file=sys.stderr, flush=True)
        before = [round(x, 2) for x in os.getloadavg()]
        if name == "trainer":
            from . import trainer
            models = None if not args.models else tuple(m for m in trainer.MODELS
                                                         if any(m.startswith(w) for w in args.models))
            results["trainer"] = trainer.run(device, repeats=args.repeats, pack=args.pack, scale=args.scale,
                                             models=models, progress=True)
        elif name == "api":
            from . import api
            results["api"] = api.run(args.repeats, scale=args.scale)
        elif name == "report":
            from . import commands
            results["report"] = commands.report(args.profile, device)
        elif name == "certificate":
            from . import certificate
            results["certificate"] = certificate.run()
        else:
            from . import commands
            results[name] = getattr(commands, name)()
        results["load"][name] = {"before": before, "after": [round(x, 2) for x in os.getloadavg()]}
    text = markdown(results)
    print(text)
    if args.json:
        write_text(args.json, json.dumps(results, indent=1, default=str) + "\n")
    if args.markdown:
        write_text(args.markdown, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
