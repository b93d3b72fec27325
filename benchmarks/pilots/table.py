"""``python -m benchmarks.pilots.table FILE.json ...``: one Markdown row per pilot result.

Columns: seed, data and size, architecture (parameters), kappa, steps and lr schedule, final gamma,
error as a share of the data's total variance, informative dims at KL > 0.05 / 0.5 / 2 nats, dims
active by mean encoder variance < 0.9 / 0.5 / 0.1, the fewest dims holding 90% of the KL, wall
time and the 1-minute load average before -> after.
"""

from __future__ import annotations

import json
import sys
from typing import Any

COLUMNS = ("seed", "data", "architecture", "kappa", "schedule", "gamma", "error / variance",
           "informative (KL > 0.05/0.5/2)", "active by var (< 0.9/0.5/0.1)", "dims for 90% of KL", "wall", "load")


def arch_text(a: dict[str, Any]) -> str:
    if a["arch"] == "mlp":
        body = f"MLP {'-'.join(map(str, a['hidden']))}"
    elif a["dec_channels"] == 32 and not a["dec_extra"]:
        body = "conv (experiments')"
    else:
        body = f"conv, decoder {a['dec_channels']} ch" + (f" + {a['dec_extra']} 3x3/res" if a["dec_extra"] else "")
    return f"{body}, {a['n_params'] / 1e3:.0f}k params"


def row(r: dict[str, Any]) -> list[str]:
    s, f, sch = r["spread"], r["final"], r["schedule"]
    tail = f"tail {sch['tail_fraction']:g} to x{sch['tail_factor']:g}" if sch["tail_fraction"] else "no tail"
    return [str(r["seed"]), f"{r['data']} {r['n']:,}", arch_text(r["architecture"]), str(r["kappa"]),
            f"{sch['steps']:,} steps, lr {sch['lr']:g}, {tail}, batch {sch['batch_size']}",
            f"{f['gamma']:.3g}", f"{f['error_share']:.1%}",
            "/".join(str(v) for v in s["informative"].values()),
            "/".join(str(v) for v in s["active_by_var"].values()),
            str(s["dims_for_kl_share"]["0.9"]), f"{r['wall_s']:.0f} s",
            f"{r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}"]


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(r)) + " |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    paths = sys.argv[1:] if argv is None else argv
    if not paths or paths[0] in ("-h", "--help"):
        print(__doc__)
        return
    results = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            results.append(json.load(fh))
    print(markdown(results))


if __name__ == "__main__":
    main()
