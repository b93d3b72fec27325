"""The tiny grid the sweep tests share: 2 beta x 2 kappa cells x 2 seeds, a few seconds in all."""

from infgrad.proofs_check.sweep.grid import parse_grid

TINY = ["beta=0.5,2", "kappa=2,4", "d=5", "r=2", "n=200", "steps=40", "log_every=20", "checkpoint_every=20",
        "hidden=16x16", "eval_samples=100", "mmd_samples=50"]


def tiny_grid(seeds: str = "0-1"):
    return parse_grid(TINY, seeds)


def without_time(rows):
    """The rows with the wall time left out (the one column that differs between two runs)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
