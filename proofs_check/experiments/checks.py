"""The empirical claims that train VAEs (T3 empirical, T4, T5 empirical, T12-T16, T18).

Each check runs one experiment of :mod:`proofs_check.experiments` at the context's profile, saves the
raw result (runs, trajectories, tables) as ``ctx.data_dir()/experiment_<name>.json`` for the
figures, and turns the experiment's verdicts (pass rules stated in the experiment module, copied
into the evidence) into ClaimResults. The optional ``seeds`` overrides the profile's seed count
(the ``infgrad experiment`` command passes ``--seeds``).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..claims import CheckContext, ClaimResult, jsonable, result
from ..cli.options import resolve_device
from ..report import write_json

METHOD = "empirical"
# Torch CPU threads while an experiment trains: these models are small (widths 64-256, batches of
# 100), so one thread is as fast as two on an idle 2-core machine and far faster on a busy one
# (the trainer engineer measured 10-50x slow-downs with 2 threads on a loaded box).
CPU_THREADS = 1


@contextmanager
def _cpu_threads(device: str, n: int) -> Iterator[int | None]:
    """Run the block with ``n`` torch CPU threads when training on the CPU, then restore the count."""
    if device != "cpu":
        yield None
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)


def data_file(data_dir: Path, name: str) -> Path:
    """Where the raw result of experiment ``name`` is saved (the figures read it)."""
    return Path(data_dir) / f"experiment_{name}.json"


def run_experiment(ctx: CheckContext, name: str, seeds: int | None = None) -> dict[str, Any]:
    """Run experiment ``name`` for ``ctx`` and save its raw result when ``ctx.data_dir()`` is set."""
    from . import load

    module = load(name)
    device = resolve_device(ctx.device)
    with _cpu_threads(device, CPU_THREADS) as threads:
        res = module.run(ctx.profile, seeds=seeds, seed=ctx.seed, device=device, progress=False)
    res["device"] = device
    res["torch_threads"] = threads
    res["seed"] = ctx.seed
    data_dir = ctx.data_dir()
    if data_dir is not None:
        res["data_file"] = str(write_json(data_file(data_dir, name), jsonable(res)))
    return res


def claim_results(name: str, res: dict[str, Any]) -> list[ClaimResult]:
    """One ClaimResult per claim of experiment ``name``: status from its verdict, evidence = rule,
    verdict details, the table (mean and spread over seeds), the sizes used and the wall time."""
    from . import load

    module = load(name)
    lines = module.summaries(res)
    out = []
    for claim in module.CLAIMS:
        verdict = res["verdicts"][claim]
        evidence = {
            "experiment": name,
            "rule": verdict["rule"],
            "verdict": verdict,
            "table": res.get("table"),
            "profile": res.get("profile"),
            "size": res.get("size"),
            "seed": res.get("seed"),
            "device": res.get("device"),
            "torch_threads": res.get("torch_threads"),
            "experiment_seconds": res.get("seconds"),
            "data_file": res.get("data_file"),
        }
        out.append(result(claim, METHOD, verdict["status"], evidence, summary=lines[claim]))
    return out


def _check(ctx: CheckContext, name: str, seeds: int | None) -> list[ClaimResult]:
    return claim_results(name, run_experiment(ctx, name, seeds))


def check_linear(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T3 (empirical): the trained linear VAE's gamma against the PPCA noise variance."""
    return _check(ctx, "linear", seeds)[0]


def check_sparsity(ctx: CheckContext, seeds: int | None = None) -> list[ClaimResult]:
    """T4 and T14: the kappa sweep on subspace and manifold data."""
    return _check(ctx, "sparsity", seeds)


def check_beta(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T5 (empirical): continuing a beta = 1 optimum with beta well inside each side of d/r; below, the
    run must stay at an optimal sparse representation, above, leave it (rule in proofs_check.experiments.rules)."""
    return _check(ctx, "beta", seeds)[0]


def check_fixed_gamma(ctx: CheckContext, seeds: int | None = None) -> list[ClaimResult]:
    """T12 and T16: learned gamma against gamma fixed at gamma* (and annealed to it), from scratch."""
    return _check(ctx, "fixed-gamma", seeds)


def check_outliers(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T13: outlier screening, the Fig. 1 toy against PCA(1) and a weight-decay autoencoder (and
    Fashion-MNIST vs MNIST against error-matched PCA when present)."""
    return _check(ctx, "outliers", seeds)[0]


def check_digits(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T15: PCA components versus VAE informative dimensions on digit images."""
    return _check(ctx, "digits", seeds)[0]


def check_stability(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T18: rollback and EMA-sign damping under a x3 and x10 learning rate."""
    return _check(ctx, "stability", seeds)[0]


# experiment name -> check function (the ``infgrad experiment`` command uses it)
CHECK_OF = {
    "linear": check_linear,
    "sparsity": check_sparsity,
    "beta": check_beta,
    "fixed-gamma": check_fixed_gamma,
    "outliers": check_outliers,
    "digits": check_digits,
    "stability": check_stability,
}
