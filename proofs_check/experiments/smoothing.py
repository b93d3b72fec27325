"""T17: annealing delta in h = log(u + delta) versus a fixed small delta (Sec. 4, Lemma 2).

The experiment (design stated before any result was looked at, and written into the evidence):

* Instances: ``W`` (d x kappa, Gaussian, unit-norm columns, d < kappa: overcomplete, so dense
  exact codes exist), ``Z0`` with ``r`` nonzero rows (standard normal), ``X = W Z0``;
  ``r`` drawn uniformly from ``{ceil(d/3), ..., floor(2d/3)}``. For generic W and r < d the
  r-row code is the unique sparsest exact code: the global minimiser of Eq. (7) with g = indicator,
  h = log (Lemma 2), i.e. "the optimal sparse representation".
* Both runs start at the same point, the minimum-norm exact code ``W^+ X`` (the MM step from
  uniform weights), both end at the same ``delta* = 1e-8``, both use the same stopping rule at
  each delta and the same iteration cap. They differ only in the delta schedule:
  annealed ``1, 1e-1, ..., 1e-8`` (the analogue of learning gamma) versus ``delta*`` throughout
  (the analogue of fixing gamma = gamma*).
* Success: the rows with norm above ``1e-3`` x the largest row norm are exactly the r true rows.
* Pass rule (pre-stated): the annealed success rate exceeds the fixed one and the lower end of
  the 95% Newcombe (method 10) interval on the paired difference of success rates is above 0.
  The exact McNemar test on the discordant pairs is reported as a second opinion.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from infgrad.atomic import write_json

from ..claims.model import CheckContext, ClaimResult, KeyNumber, result

Z95 = 1.959963984540054  # the 97.5% standard normal quantile

RULE = ("pass when the annealed success rate exceeds the fixed-delta success rate AND the lower end "
        "of the 95% Newcombe (1998, method 10) interval on the paired difference (annealed - fixed) "
        "is > 0; otherwise fail. Sanity (else inconclusive): every MM step keeps W Z = X to 1e-6 "
        "and never raises the objective at its delta by more than 1e-6.")

PROFILES: dict[str, dict[str, Any]] = {
    # d < kappa: overcomplete; n = 2 columns; r in [d/3, 2d/3]
    "quick": {"d": 12, "kappa": 32, "n": 2, "instances": 150},
    "full": {"d": 12, "kappa": 32, "n": 2, "instances": 1000},
}
SCHEDULE = {"delta0": 1.0, "delta_final": 1e-8, "factor": 10.0, "iters_per_stage": 30, "tol_scale": 1e-2}
SUPPORT_TOL = 1e-3


# --- statistics ------------------------------------------------------------------------

def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe_paired_interval(both: int, first_only: int, second_only: int, neither: int,
                             z: float = Z95) -> tuple[float, float, float]:
    """Difference ``p1 - p2`` of two paired proportions and its Newcombe (1998) method-10 interval
    (the Wilson score intervals of each margin combined with the phi correlation).

    ``p1 = (both + first_only) / n``, ``p2 = (both + second_only) / n``. With A = a d - b c, method 10
    uses phi = (A - n/2) / sqrt(margins) when A > n/2, 0 when 0 <= A <= n/2, and A / sqrt(margins)
    when A < 0 (Newcombe's correction of a positive phi; as in Altman et al., *Statistics with
    Confidence*, and Fagerland, Lydersen and Laake, *Statistical Analysis of Contingency Tables*, ch. 8).
    Returns ``(difference, lower, upper)``.
    """
    a, b, c, d = both, first_only, second_only, neither
    n = a + b + c + d
    if n == 0:
        return (0.0, -1.0, 1.0)
    p1, p2 = (a + b) / n, (a + c) / n
    diff = p1 - p2
    l1, u1 = wilson_interval(a + b, n, z)
    l2, u2 = wilson_interval(a + c, n, z)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    A = a * d - b * c
    phi = 0.0 if margins <= 0 or 0 <= A <= n / 2 else (A - n / 2 if A > 0 else A) / math.sqrt(margins)
    dl1, du1, dl2, du2 = p1 - l1, u1 - p1, p2 - l2, u2 - p2
    lower = diff - math.sqrt(max(0.0, dl1 ** 2 - 2 * phi * dl1 * du2 + du2 ** 2))
    upper = diff + math.sqrt(max(0.0, du1 ** 2 - 2 * phi * du1 * dl2 + dl2 ** 2))
    return (diff, max(-1.0, lower), min(1.0, upper))


def mcnemar_exact_p(first_only: int, second_only: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs at 1/2."""
    from scipy.stats import binomtest

    m = first_only + second_only
    if m == 0:
        return 1.0
    return float(binomtest(first_only, m, 0.5).pvalue)


def paired_counts(annealed: np.ndarray, fixed: np.ndarray) -> dict[str, int]:
    """The 2x2 paired table of two boolean outcome vectors over the same instances."""
    a, f = np.asarray(annealed, bool), np.asarray(fixed, bool)
    return {"both": int(np.sum(a & f)), "annealed_only": int(np.sum(a & ~f)),
            "fixed_only": int(np.sum(~a & f)), "neither": int(np.sum(~a & ~f))}


def pass_rule(counts: dict[str, int]) -> tuple[bool, dict[str, float]]:
    """The pre-stated rule on the paired table: annealed rate > fixed rate and Newcombe lower > 0."""
    diff, lo, hi = newcombe_paired_interval(counts["both"], counts["annealed_only"],
                                            counts["fixed_only"], counts["neither"])
    n = sum(counts.values())
    rate_a = (counts["both"] + counts["annealed_only"]) / n if n else 0.0
    rate_f = (counts["both"] + counts["fixed_only"]) / n if n else 0.0
    ok = rate_a > rate_f and lo > 0
    return ok, {"difference": diff, "lower": lo, "upper": hi}


# --- the experiment ----------------------------------------------------------------------

def run_experiment(seed: int, d: int, kappa: int, n: int, instances: int,
                   schedule: dict[str, Any] = SCHEDULE, tol: float = SUPPORT_TOL,
                   keep_example: bool = True, workers: int | None = None) -> dict[str, Any]:
    """Run annealed and fixed-delta MM on ``instances`` random instances; raw per-instance records.

    The instances are drawn here, in order, from one generator; their solves are independent and
    run in contiguous chunks over ``workers`` processes (:func:`infgrad.pool.pmap`; default
    the usable cores), each chunk with one compiled convex step, as the plain loop would."""
    from infgrad.theory import mm_smoothing as mm

    from infgrad.pool import chunks, pmap, usable_cores

    rng = np.random.default_rng(seed)
    r_lo, r_hi = math.ceil(d / 3), math.floor(2 * d / 3)
    drawn = []
    for i in range(instances):
        r = int(rng.integers(r_lo, r_hi + 1))
        drawn.append((i, r, mm.make_instance(rng, d, kappa, n, r)))
    parts = chunks(drawn, usable_cores() if workers is None else workers)
    records = [rec for part in pmap(solve_instances, [(part, schedule, tol) for part in parts], workers)
               for rec in part]
    example: dict[str, Any] | None = None
    hit = next((k for k, rec in enumerate(records)
                if all("solver_error" not in rec[a] for a in ("annealed", "fixed"))
                and rec["annealed"]["success"] and not rec["fixed"]["success"]), None) if keep_example else None
    if hit is not None:  # the first instance where annealing wins, solved again keeping its paths
        i, r, inst = drawn[hit]
        paths = solve_instances([(i, r, inst)], schedule, tol, keep_path=True)[0]["paths"]
        example = {"instance": i, "r": r, "support": list(inst.support), **paths}
    annealed = _schedules(schedule)[0]
    return {"records": records, "example": example,
            "budget": annealed.budget, "stages": [list(s) for s in annealed.stages]}


def _schedules(schedule: dict[str, Any]) -> tuple[Any, Any]:
    """The annealed schedule and the fixed-delta one with the same iteration budget."""
    from infgrad.theory import mm_smoothing as mm

    annealed = mm.annealed_schedule(schedule["delta0"], schedule["delta_final"], schedule["factor"],
                                    schedule["iters_per_stage"], schedule["tol_scale"])
    return annealed, mm.fixed_schedule(schedule["delta_final"], annealed.budget, schedule["tol_scale"])


def solve_instances(drawn: list[tuple[int, int, Any]], schedule: dict[str, Any], tol: float,
                    keep_path: bool = False) -> list[dict[str, Any]]:
    """Both schedules on each ``(index, r, instance)`` from the same start, with one compiled MM
    step; one record per instance (with ``paths`` of delta and row norms when ``keep_path``)."""
    from infgrad.theory import mm_smoothing as mm

    annealed, fixed = _schedules(schedule)
    dstar = schedule["delta_final"]
    records: list[dict[str, Any]] = []
    step = None
    for i, r, inst in drawn:
        step = step or mm.WeightedMinNorm(inst.W.shape[0], inst.W.shape[1], inst.X.shape[1])
        start = mm.min_norm_start(inst.W, inst.X)
        rec: dict[str, Any] = {"instance": i, "r": r}
        runs = {}
        for name, sched in (("annealed", annealed), ("fixed", fixed)):
            t0 = time.perf_counter()
            try:
                run = mm.run_mm(inst.W, inst.X, start, sched, step, keep_path=keep_path)
            except Exception as exc:  # noqa: BLE001 - a failed solve is recorded, counted, reported
                rec[name] = {"solver_error": f"{type(exc).__name__}: {exc}", "success": False}
                continue
            runs[name] = run
            rises = [after - before for _, before, after in run.objectives]
            rec[name] = {
                "success": mm.support_recovered(run.Z, inst.support, tol),
                "support_size": len(mm.support_of(run.Z, tol)),
                "iterations": run.iterations,
                "seconds": time.perf_counter() - t0,
                "residual": float(np.max(np.abs(inst.W @ run.Z - inst.X))),
                "max_rise": float(max(rises)) if rises else 0.0,
                "objective": mm.objective(run.Z, dstar, inst.W.shape[0]),
                "relative_error": float(np.linalg.norm(run.Z - inst.Z0) / np.linalg.norm(inst.Z0)),
            }
        rec["objective_true"] = mm.objective(inst.Z0, dstar, inst.W.shape[0])
        if keep_path:
            rec["paths"] = {"deltas": {k: [o[0] for o in runs[k].objectives] for k in runs},
                            "row_norms": {k: np.array(runs[k].row_norms).tolist() for k in runs}}
        records.append(rec)
    return records


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Rates with Wilson intervals overall and per r, the paired table, Newcombe and McNemar."""
    ann = np.array([rec["annealed"]["success"] for rec in records], bool)
    fix = np.array([rec["fixed"]["success"] for rec in records], bool)
    counts = paired_counts(ann, fix)
    ok, interval = pass_rule(counts)
    total = len(records)
    by_r = []
    for r in sorted({rec["r"] for rec in records}):
        idx = np.array([rec["r"] == r for rec in records])
        m = int(idx.sum())
        ka, kf = int(ann[idx].sum()), int(fix[idx].sum())
        by_r.append({"r": r, "instances": m,
                     "annealed": ka, "annealed_rate": ka / m, "annealed_ci": wilson_interval(ka, m),
                     "fixed": kf, "fixed_rate": kf / m, "fixed_ci": wilson_interval(kf, m)})
    return {
        "instances": total,
        "annealed_successes": int(ann.sum()), "fixed_successes": int(fix.sum()),
        "annealed_rate": float(ann.mean()) if total else 0.0,
        "fixed_rate": float(fix.mean()) if total else 0.0,
        "annealed_ci95_wilson": wilson_interval(int(ann.sum()), total),
        "fixed_ci95_wilson": wilson_interval(int(fix.sum()), total),
        "paired": counts,
        "difference": interval["difference"],
        "difference_ci95_newcombe": (interval["lower"], interval["upper"]),
        "mcnemar_exact_p": mcnemar_exact_p(counts["annealed_only"], counts["fixed_only"]),
        "rule_holds": ok,
        "by_r": by_r,
    }


def check_t17(ctx: CheckContext) -> ClaimResult:
    """T17 (Sec. 4, Lemma 2): annealed delta versus fixed small delta, majorize-minimize with cvxpy."""
    import cvxpy as cp

    from infgrad.theory import mm_smoothing as mm

    cfg = PROFILES[ctx.profile]
    t0 = time.perf_counter()
    raw = run_experiment(ctx.seed, cfg["d"], cfg["kappa"], cfg["n"], cfg["instances"])
    seconds = time.perf_counter() - t0
    records = raw["records"]
    solver_errors = sum(("solver_error" in rec[k]) for rec in records for k in ("annealed", "fixed"))
    good = [rec for rec in records if "solver_error" not in rec["annealed"] and "solver_error" not in rec["fixed"]]
    stats = summarise(records)
    max_residual = max((rec[k]["residual"] for rec in good for k in ("annealed", "fixed")), default=float("nan"))
    max_rise = max((rec[k]["max_rise"] for rec in good for k in ("annealed", "fixed")), default=float("nan"))
    # at delta*, is a failed run's end point worse than the sparse code (a local minimum, not a
    # better optimum)? The claim presumes the sparse code is the global optimum.
    failed = [rec[k] for rec in good for k in ("annealed", "fixed") if not rec[k]["success"]]
    failures_worse = sum(f["objective"] > rec_true for f, rec_true in
                         ((rec[k], rec["objective_true"]) for rec in good for k in ("annealed", "fixed")
                          if not rec[k]["success"]))
    # a convex solve that raised is a step not shown to keep W Z = X: the sanity is unmet (counting it as a
    # failure of its schedule would hand the other schedule a win)
    sane = bool(good) and solver_errors == 0 and max_residual <= 1e-6 and max_rise <= 1e-6
    if not sane:
        status = "inconclusive"
    else:
        status = "pass" if stats["rule_holds"] else "fail"
    lo, hi = stats["difference_ci95_newcombe"]
    summary = (f"premise: {'met' if sane else 'unmet'}; annealed {stats['annealed_successes']}/{stats['instances']} "
               f"({stats['annealed_rate']:.2f}) vs fixed {stats['fixed_successes']}/{stats['instances']} "
               f"({stats['fixed_rate']:.2f}); paired diff {stats['difference']:+.3f} "
               f"[{lo:+.3f}, {hi:+.3f}], McNemar p={stats['mcnemar_exact_p']:.2g}")
    evidence: dict[str, Any] = {
        "objective": "L_delta(Z) = (1/d) sum_k log(||z_k||^2/n + delta)  s.t.  W Z = X   (Eq. 7, g = indicator)",
        "objective_latex": r"\min_{Z:\,WZ=X}\ \frac{1}{d}\sum_{k=1}^{\kappa}\log\!\Big(\tfrac{1}{n}\|z_k\|_2^2+\delta\Big)",
        "majorizer": ("log(u + delta) <= log(u_t + delta) + (u - u_t)/(u_t + delta) (concavity in u = ||z_k||^2/n): "
                      "each MM step minimises sum_k ||z_k||^2 / (u_k^t + delta) s.t. W Z = X, a weighted "
                      "*squared* row norm (not a group lasso: log(t^2/n + delta) is convex in t = ||z_k|| "
                      "for t^2 < n delta, so a tangent in t is not an upper bound)"),
        "majorizer_latex": r"\log(u+\delta)\le\log(u_t+\delta)+\frac{u-u_t}{u_t+\delta},\quad u=\tfrac{1}{n}\|z_k\|_2^2",
        "convex_step": f"cvxpy {cp.__version__}, solver {mm.DEFAULT_SOLVER}: min ||Y||_F^2 s.t. (W diag(s)) Y = X, Z = diag(s) Y, s_k^2 = u_k^t + delta",
        "design": {
            "instances": cfg["instances"], "d": cfg["d"], "kappa": cfg["kappa"], "n": cfg["n"],
            "r": f"uniform on {{{math.ceil(cfg['d'] / 3)}, ..., {math.floor(2 * cfg['d'] / 3)}}}",
            "W": "Gaussian, unit-norm columns (overcomplete, d < kappa)",
            "Z0": "r random rows, standard normal entries; X = W Z0",
            "start": "both runs: the minimum-norm exact code W^+ X",
            "annealed": f"delta = {SCHEDULE['delta0']:g}, /{SCHEDULE['factor']:g} per stage, down to {SCHEDULE['delta_final']:g}",
            "fixed": f"delta = {SCHEDULE['delta_final']:g} throughout, same iteration cap ({raw['budget']})",
            "stopping": (f"a stage ends when ||Z'-Z||_F/||Z||_F < {SCHEDULE['tol_scale']:g} sqrt(delta) "
                         f"(Chartrand and Yin 2008) or after {SCHEDULE['iters_per_stage']} steps; the fixed run "
                         f"uses the same rule at delta*, cap {raw['budget']}"),
            "success": f"rows with norm > {SUPPORT_TOL:g} x max row norm are exactly the r true rows",
            "seed": ctx.seed,
            "pilot": ("before this design was fixed, one 60-instance pilot (seed 1, same sizes) used a cap of "
                      "5 steps per delta with a fixed relative-change stop of 1e-7: annealed 39/60 vs fixed "
                      "32/60; the cap was raised to 30 with the Chartrand-Yin stage rule (41/60 vs 32/60) "
                      "so that each annealing stage can converge. The pass rule was not changed."),
        },
        "rule": RULE,
        "results": stats,
        "sanity": {"max_residual_WZ_minus_X": max_residual, "max_objective_rise_per_step": max_rise,
                   "solver_errors": solver_errors,
                   "failed_runs": len(failed),
                   "failed_runs_with_objective_above_sparse_code": failures_worse},
        "mean_iterations": {k: float(np.mean([rec[k]["iterations"] for rec in good])) if good else 0.0
                            for k in ("annealed", "fixed")},
        "experiment_seconds": seconds,
        # the rule's sanity condition, shown as the premise (the rule itself is unchanged)
        "premise": {"met": sane, "line": (f"premise: {'met' if sane else 'unmet'}: every MM step keeps WZ = X to "
                                          f"{max_residual:.2g} and never raises the objective (largest rise "
                                          f"{max_rise:.2g}; both need <= 1e-6); {len(good)} instances solved"
                                          + (f"; {solver_errors} convex solves failed" if solver_errors else ""))},
    }
    data_dir = ctx.data_dir()
    if data_dir is not None:
        payload = {"claim": "T17", "seed": ctx.seed, "profile": ctx.profile,
                   "design": evidence["design"], "summary": stats, "example": raw["example"],
                   "records": records}
        from ..claims.model import jsonable

        write_json(data_dir / "t17_smoothing.json", jsonable(payload), indent=None)
    keys = [KeyNumber("annealed-delta success rate", stats["annealed_rate"], unit=f"of {stats['instances']} instances"),
            KeyNumber("fixed-delta success rate", stats["fixed_rate"], unit=f"of {stats['instances']} instances"),
            KeyNumber("paired difference (annealed - fixed), 95% Newcombe interval", stats["difference"],
                      interval=(lo, hi))]
    return result("T17", "empirical", status, evidence, summary, rule=RULE, key_numbers=keys)
