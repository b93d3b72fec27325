"""The empirical claims that train VAEs (T3 empirical, T4, T5 empirical, T12-T16, T18).

Each check runs one experiment of :mod:`proofs_check.experiments` at the context's profile, saves the
raw result (runs, trajectories, tables) as ``ctx.data_dir()/experiment_<name>.json`` for the
figures, and turns the experiment's verdicts (pass rules stated in the experiment module, copied
into the evidence) into ClaimResults. The optional ``seeds`` overrides the profile's seed count
(the ``infgrad experiment`` command passes ``--seeds``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infgrad.atomic import write_json
from infgrad.models.device import resolve_device
from infgrad.models.threads import resolve_threads, torch_threads

from ..claims.model import CheckContext, ClaimResult, KeyNumber, jsonable, result


METHOD = "empirical"
# Torch CPU threads while an experiment trains: these models are small (widths 64-256, batches of
# 100), so one thread is as fast as two on an idle 2-core machine and far faster on a busy one
# (the trainer engineer measured 10-50x slow-downs with 2 threads on a loaded box).
CPU_THREADS = 1


def data_file(data_dir: Path, name: str) -> Path:
    """Where the raw result of experiment ``name`` is saved (the figures read it)."""
    return Path(data_dir) / f"experiment_{name}.json"


def run_experiment(ctx: CheckContext, name: str, seeds: int | None = None) -> dict[str, Any]:
    """Run experiment ``name`` for ``ctx`` and save its raw result when ``ctx.data_dir()`` is set."""
    from . import load

    module = load(name)
    device = resolve_device(ctx.device)
    with torch_threads(CPU_THREADS, device) as threads:
        res = module.run(ctx.profile, seeds=seeds, seed=ctx.seed, device=device, progress=False)
    return _finish(ctx, name, res, device, threads)


def _finish(ctx: CheckContext, name: str, res: dict[str, Any], device: str, threads: int) -> dict[str, Any]:
    """Stamp the result with where it ran and save it for the figures (``data_file``)."""
    res["device"] = device
    res["torch_threads"] = threads
    res["seed"] = ctx.seed
    data_dir = ctx.data_dir()
    if data_dir is not None:
        res["data_file"] = str(write_json(data_file(data_dir, name), jsonable(res)))
    return res


def run_part(part: Any, device: str) -> Any:
    """One part of a split experiment (:mod:`parts`), with the torch threads of a whole one."""
    with torch_threads(CPU_THREADS, device):
        return part()


def experiment_parts(ctx: CheckContext, name: str) -> list[tuple[str, float, Any]]:
    """The parts of experiment ``name`` as ``(key, cost, job)``: ``job()`` runs the part in any
    process (it pickles); the registry hands them to its pool, longest first."""
    from functools import partial

    from . import load

    device = resolve_device(ctx.device)
    return [(p.key, p.cost, partial(run_part, p, device))
            for p in load(name).parts(ctx.profile, seed=ctx.seed, device=device)]


def combine_parts(ctx: CheckContext, name: str, outputs: dict[str, Any]) -> list[ClaimResult]:
    """The claim results of experiment ``name`` from its parts' outputs (as :func:`_check` gives
    from the sequential run: the same numbers)."""
    from . import load

    device = resolve_device(ctx.device)
    res = load(name).combine(outputs, ctx.profile, seed=ctx.seed)
    return claim_results(name, _finish(ctx, name, res, device, resolve_threads(CPU_THREADS, device)))


def _mean_ci(name: str, values: Any) -> list[KeyNumber]:
    """The seed mean of ``values`` with its 95% bootstrap interval (none when there are no values)."""
    import numpy as np

    from .common import bootstrap_ci

    v = [float(x) for x in values or []]
    if not v:
        return []
    return [KeyNumber(name, float(np.mean(v)), interval=bootstrap_ci(v))]


def _num(name: str, verdict: dict[str, Any], key: str, unit: str = "") -> list[KeyNumber]:
    """``verdict[key]`` as a key number, when the verdict has it (an inconclusive verdict may not)."""
    return [KeyNumber(name, verdict[key], unit=unit)] if verdict.get(key) is not None else []


def key_numbers(claim: str, verdict: dict[str, Any]) -> list[KeyNumber]:
    """The 2-4 numbers of ``verdict`` that decided ``claim`` (read from the verdict, never from the
    rule's constants); seed means carry their 95% bootstrap interval (common.bootstrap_ci)."""
    v = verdict
    if claim == "T3":
        if not v.get("rel_err_kappa"):
            return []
        return (_mean_ci("seed mean |gamma - s2_ML(kappa)| / s2_ML(kappa)", v["rel_err_kappa"])
                + [KeyNumber("worst seed |gamma - s2_ML(kappa)| / s2_ML(kappa)", max(v["rel_err_kappa"])),
                   KeyNumber("smallest separation |s2_r - s2_kappa| / s2_kappa", min(v["separation"]))])
    if claim == "T4":
        return (_num("share of runs reaching an optimal sparse representation (premise >= 0.5)", v, "reached_share")
                + _num("share of those with unneeded dims at the prior", v, "at_prior_share") + _num("runs", v, "runs"))
    if claim == "T5":
        cells = v.get("cells") or {}
        return [KeyNumber("(seed, beta) cells on their side", sum(x == "pass" for x in cells.values()), unit=f"of {len(cells)}"),
                KeyNumber("cells on the wrong side", len(v.get("failed") or [])),
                KeyNumber("cells on neither side", len(v.get("neither_side") or []))] if cells else []
    if claim == "T12":
        return (_num("median over seeds |rec_b - rec_a| / rec_a", v, "median_rel_rec_diff")
                + _num("share of seeds with MMD^2_b > MMD^2_a", v, "share_mmd_b_gt_a")
                + ([KeyNumber("seed mean MMD^2_b - MMD^2_a", _mean(v["mmd_diff"]), interval=tuple(v["mmd_diff_ci95"]))]
                   if v.get("mmd_diff") else []))
    if claim == "T13":
        toy = v.get("toy") or {}
        out = [KeyNumber(f"toy: seed mean AUROC(VAE) - AUROC({name})", toy[key]["mean"], interval=tuple(toy[key]["ci95"]))
               for key, name in (("vae_minus_pca2", "PCA(2)"), ("vae_minus_plain_ae", "plain AE")) if toy.get(key)]
        real = v.get("real") or {}
        if real.get("vae_kmax_minus_kmin"):
            out.append(KeyNumber("real: AUROC(VAE, k_max) - AUROC(VAE, k_min)", real["vae_kmax_minus_kmin"]["mean"],
                                 interval=tuple(real["vae_kmax_minus_kmin"]["ci95"])))
        return out
    if claim == "T14":
        return _num("share of runs with r active dims", v, "share") + _num("runs", v, "runs")
    if claim == "T15":
        return (_num("PCA components to match the VAE error (seed mean)", v, "pca_components_mean")
                + _num("VAE informative dims (seed mean)", v, "informative_mean")
                + _num("VAE error / total variance", v, "error_share"))
    if claim == "T16":
        sh = v.get("shares") or {}
        return [KeyNumber(f"share of seeds: {k.replace('_', ' ')}", x) for k, x in sh.items()]
    if claim == "T18":
        return (_num("unguarded runs failing", v, "unguarded_failures", unit=f"of {v.get('unguarded_runs')}")
                + _num("guarded runs failing", v, "guarded_failures", unit=f"of {v.get('guarded_runs')}")
                + _num("one-sided Fisher exact p", v, "fisher_p"))
    return []


def _mean(values: Any) -> float:
    return float(sum(float(x) for x in values) / len(values))


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
        for key in ("premise", "paper_vs_infgrad"):   # read by the report: the premise line, the paper table
            if key in verdict:
                evidence[key] = verdict[key]
        out.append(result(claim, METHOD, verdict["status"], evidence, summary=lines[claim], rule=verdict["rule"],
                          key_numbers=key_numbers(claim, verdict)))
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
    """T13: outlier screening, the Fig. 1 toy against PCA(2) and a plain autoencoder (and Fashion-MNIST vs
    MNIST across kappa against a plain conv autoencoder when present)."""
    return _check(ctx, "outliers", seeds)[0]


def outliers_parts(ctx: CheckContext) -> list[tuple[str, float, Any]]:
    """T13's parts: the toy, one conv VAE pack per kappa, one plain conv AE per (kappa, seed)."""
    return experiment_parts(ctx, "outliers")


def outliers_combine(ctx: CheckContext, outputs: dict[str, Any]) -> list[ClaimResult]:
    """T13 from its parts (the numbers of :func:`check_outliers`)."""
    return combine_parts(ctx, "outliers", outputs)


def check_digits(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T15: PCA components versus VAE informative dimensions on digit images."""
    return _check(ctx, "digits", seeds)[0]


def check_stability(ctx: CheckContext, seeds: int | None = None) -> ClaimResult:
    """T18: rollback (and EMA-sign damping) under a calibrated step multiplier, no lr tail."""
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
