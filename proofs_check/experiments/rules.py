"""The pass rules of the empirical claims (v3, issue 21; T3 and T14 from issue 11), each fixed
before any run that uses it. The rules that compare arms or baselines (T12, T13, T15, T16) are in
:mod:`rules_compare`, moved there unchanged.

Each rule is a pure function of numbers measured by an experiment (never of a model), so that it
can be tested on hand-made inputs and must be able to fail. Each was committed on its own
("rule: Txx ...") before the first run that uses it and is not changed after seeing a result; a
rule that fails is reported failing with its numbers. The constants are the issue's.

Every rule returns a dict with ``status`` ("pass" | "fail" | "inconclusive"), ``rule`` (the
sentence below, copied into the evidence) and the numbers that decided it. The v3 rules first check
the operating point the paper assumes and record it under ``premise`` ({"met": bool, "line": str,
the numbers}); where it is unmet the verdict is ``inconclusive``, never ``fail``. Statistics are
windows given as fractions of a run, ratios between arms, or changes over a stated continuation,
never thresholds counted in raw steps.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def premise(met: bool, line: str, **numbers: Any) -> dict[str, Any]:
    """The premise record: ``met``, the line the report shows ("premise: met: ..." or "premise:
    unmet: ...") and the measured numbers."""
    return {"met": bool(met), "line": f"premise: {'met' if met else 'unmet'}: {line}", **numbers}


def gated(prem: dict[str, Any], status: str) -> str:
    """``status`` when the premise is met, else ``inconclusive``."""
    return status if prem["met"] else "inconclusive"


def combine_cells(cells: dict[str, str]) -> str:
    """Per-cell statuses to one: any ``fail`` fails; else any ``inconclusive`` (a cell on neither side
    of its rule) is inconclusive; else ``pass``; no cells: inconclusive."""
    v = set(cells.values())
    if not v:
        return "inconclusive"
    return "fail" if "fail" in v else "inconclusive" if "inconclusive" in v else "pass"


# ---------------------------------------------------------------------------------------- T3
T3_REL_TOL = 0.03            # |gamma - sigma^2_ML(kappa)| / sigma^2_ML(kappa), every seed
T3_SEPARATION_MIN = 0.10     # the data must make sigma^2_ML(kappa) and sigma^2_ML(r) differ by this
T3_RULE = (f"T3 (Remark 1, empirical): the data are chosen so that the PPCA noise variances "
           f"sigma^2_ML for kappa components and for r components differ by >= "
           f"{T3_SEPARATION_MIN:.0%} (|s2_r - s2_kappa| / s2_kappa; a seed whose data miss this makes "
           f"the verdict inconclusive). Pass: in every seed |gamma - sigma^2_ML(kappa)| / "
           f"sigma^2_ML(kappa) <= {T3_REL_TOL:g}. The distance to sigma^2_ML(r) is reported.")


def t3_rule(gammas: Sequence[float], s2_kappa: Sequence[float], s2_r: Sequence[float]) -> dict[str, Any]:
    """T3 over seeds: the learned gamma of a linear VAE against the PPCA noise variance (Remark 1).

    ``gammas[i]``, ``s2_kappa[i]``, ``s2_r[i]``: seed i's learned gamma and the maximum-likelihood
    noise variances of PPCA with kappa and with r components on its data (1/n covariance).
    """
    g, sk, sr = (np.asarray(a, float) for a in (gammas, s2_kappa, s2_r))
    sep = np.abs(sr - sk) / sk
    rel_k = np.abs(g - sk) / sk
    rel_r = np.abs(g - sr) / sr
    out = {"rule": T3_RULE, "rel_err_kappa": rel_k.tolist(), "rel_err_r": rel_r.tolist(),
           "separation": sep.tolist(), "rel_tol": T3_REL_TOL, "separation_min": T3_SEPARATION_MIN}
    met = bool(g.size) and bool(np.all(sep >= T3_SEPARATION_MIN))
    out["premise"] = premise(met, f"the data separate s2_ML(kappa) from s2_ML(r) by {float(sep.min()) if sep.size else 0:.2g} "
                                  f"at least (needs >= {T3_SEPARATION_MIN:g} in every seed)", separation_min=T3_SEPARATION_MIN)
    if not met:
        return {"status": "inconclusive", **out}
    return {"status": _status(bool(np.all(rel_k <= T3_REL_TOL))), **out}


# ---------------------------------------------------------------------------------------- T4
T4_GAMMA_MAX = 1e-3          # "gamma -> 0" at the end of a run (it starts at 1)
T4_PREMISE_SHARE = 0.5       # share of runs that must reach an optimal sparse representation
T4_PRIOR_SHARE = 0.8         # share of those whose unneeded dims all sit at the prior
T4_PRIOR_VAR_TOL = 0.1       # |mean encoder variance - 1| of every unneeded dimension
T4_RULE = (f"T4 (Remark 4, empirical, v3). Premise: in >= {T4_PREMISE_SHARE:.0%} of runs, final gamma <= "
           f"{T4_GAMMA_MAX:g} with r active dims by both statistics (mean encoder variance < 0.5, and "
           f"Cov_x(E_q[z_k]) > 0.01); unmet: inconclusive. Pass: among the runs that meet it, >= "
           f"{T4_PRIOR_SHARE:.0%} have every unneeded dimension's (all but the r of smallest mean encoder "
           f"variance) mean encoder variance within {T4_PRIOR_VAR_TOL:g} of 1. The reach rate is reported.")


def t4_reached(gamma: float, active_var: int, active_units: int, r: int) -> bool:
    """An optimal sparse representation: gamma <= T4_GAMMA_MAX and r active dims by both statistics."""
    return bool(gamma <= T4_GAMMA_MAX and int(active_var) == r and int(active_units) == r)


def t4_at_prior(mean_encoder_var: Sequence[float], r: int) -> bool:
    """Every unneeded dimension (all but the r smallest mean encoder variances) within tol of 1."""
    v = np.sort(np.asarray(mean_encoder_var, float))[r:]
    return bool(np.all(np.abs(v - 1.0) <= T4_PRIOR_VAR_TOL))


def t4_rule(runs: Sequence[dict[str, Any]], r: int) -> dict[str, Any]:
    """T4 over runs; each run a dict with gamma, active_var, active_units, mean_encoder_var."""
    reached = [x for x in runs if t4_reached(x["gamma"], x["active_var"], x["active_units"], r)]
    prior = [x for x in reached if t4_at_prior(x["mean_encoder_var"], r)]
    share1 = len(reached) / len(runs) if runs else 0.0
    share2 = len(prior) / len(reached) if reached else 0.0
    prem = premise(bool(runs) and share1 >= T4_PREMISE_SHARE,
                   f"{len(reached)}/{len(runs)} runs reach gamma <= {T4_GAMMA_MAX:g} with r = {r} active dims "
                   f"by both statistics (needs >= {T4_PREMISE_SHARE:.0%})", reached=len(reached), runs=len(runs),
                   reach_share=share1)
    return {"status": gated(prem, _status(share2 >= T4_PRIOR_SHARE)), "rule": T4_RULE, "premise": prem,
            "runs": len(runs), "reached": len(reached), "reached_share": share1, "at_prior": len(prior),
            "at_prior_share": share2, "premise_share_min": T4_PREMISE_SHARE,
            "at_prior_share_min": T4_PRIOR_SHARE, "prior_var_tol": T4_PRIOR_VAR_TOL}


# ---------------------------------------------------------------------------------------- T5
T5_BETA_FRACTIONS = (0.5, 0.75, 0.9, 1.2, 1.5, 2.0)   # beta = fraction * d/r
T5_STAY_MAX_FRACTION = 0.9       # beta <= 0.9 d/r: must stay
T5_LEAVE_MIN_FRACTION = 1.2      # beta >= 1.2 d/r: must leave
T5_CONT_LR_FACTOR = 0.1          # the continuation's constant step size, x the base lr (no tail)
T5_LAST_SHARE = 0.1              # G averages gamma over the last 10% of the continuation's steps
T5_STAY_G_MAX = math.log(2.0)
T5_LEAVE_G_MIN = math.log(4.0)
T5_MIN_SEEDS = 3
T5_SWEEP_LR_FACTORS = (1.0, 1 / 3, 1 / 10, 1 / 30)     # reported at 0.9 and 1.2 d/r, no rule
T5_RULE = (f"T5 (Sec. 2.3, empirical, v3). Base: beta = 1 with the learning-rate tail. Premise per seed: "
           f"base gamma <= {T4_GAMMA_MAX:g} with r active dims by both statistics; seeds that miss it are "
           f"excluded, and with fewer than {T5_MIN_SEEDS} left the verdict is inconclusive. Each beta in "
           f"{list(T5_BETA_FRACTIONS)} x d/r continues from the base at a constant step size of base lr x "
           f"{T5_CONT_LR_FACTOR:g}, no tail. G = ln(mean gamma over the last {T5_LAST_SHARE:.0%} of the "
           f"continuation's steps) - ln(base final gamma). Stays (beta <= {T5_STAY_MAX_FRACTION:g} d/r): "
           f"G <= ln 2 and r active dims by both statistics. Leaves (beta >= {T5_LEAVE_MIN_FRACTION:g} d/r): "
           f"G >= ln 4, or fewer than r active dims (by either statistic). A cell on the wrong side fails; a "
           f"cell on neither side is inconclusive. Pass: every included seed obeys its side at every beta. "
           f"A step-size sweep at 0.9 and 1.2 d/r (base lr x {{1, 1/3, 1/10, 1/30}}) is reported without a rule.")


def t5_growth(steps: Sequence[float], gammas: Sequence[float], base_gamma: float) -> float:
    """G = ln(mean gamma over the log points in the last T5_LAST_SHARE of the steps) - ln(base gamma):
    a window given as a share of the run, so stretching the run (and shrinking the step) leaves it."""
    s, g = np.asarray(steps, float), np.asarray(gammas, float)
    if s.size == 0 or not base_gamma > 0:
        return float("nan")
    keep = s > (1.0 - T5_LAST_SHARE) * s.max()
    m = float(np.mean(g[keep]))
    return math.log(m) - math.log(base_gamma) if m > 0 else float("nan")


def t5_cell(fraction: float, growth: float, active_var: int, active_units: int, r: int) -> str:
    """One (seed, beta) continuation: pass (its side), fail (the other side), inconclusive (neither);
    'near' fractions (between the bands) are not ruled and give 'unruled'."""
    stays = growth <= T5_STAY_G_MAX and int(active_var) == r and int(active_units) == r
    leaves = growth >= T5_LEAVE_G_MIN or min(int(active_var), int(active_units)) < r
    if fraction <= T5_STAY_MAX_FRACTION:
        return "pass" if stays else "fail" if leaves else "inconclusive"
    if fraction >= T5_LEAVE_MIN_FRACTION:
        return "pass" if leaves else "fail" if stays else "inconclusive"
    return "unruled"


def t5_rule(bases: Sequence[dict[str, Any]], conts: Sequence[dict[str, Any]], r: int) -> dict[str, Any]:
    """T5. ``bases``: per seed {seed, gamma, active_var, active_units}; ``conts``: per (seed, beta)
    {seed, fraction, growth, active_var, active_units}."""
    ok = [b["seed"] for b in bases if t4_reached(b["gamma"], b["active_var"], b["active_units"], r)]
    prem = premise(len(ok) >= T5_MIN_SEEDS,
                   f"{len(ok)}/{len(bases)} seeds' beta = 1 bases reach gamma <= {T4_GAMMA_MAX:g} with r = {r} "
                   f"active by both statistics (needs >= {T5_MIN_SEEDS})", included_seeds=ok, seeds=len(bases))
    cells = {}
    for c in conts:
        if c["seed"] in ok:
            cell = t5_cell(c["fraction"], c["growth"], c["active_var"], c["active_units"], r)
            if cell != "unruled":
                cells[f"seed={c['seed']}/beta={c['fraction']:g}d/r"] = cell
    return {"status": gated(prem, combine_cells(cells)), "rule": T5_RULE, "premise": prem, "cells": cells,
            "failed": sorted(k for k, v in cells.items() if v == "fail"),
            "neither_side": sorted(k for k, v in cells.items() if v == "inconclusive"),
            "stay_g_max": T5_STAY_G_MAX, "leave_g_min": T5_LEAVE_G_MIN}


# ---------------------------------------------------------------------------------------- T11
T11_GAMMAS = (1.0, 1e-1, 1e-2, 1e-3)
T11_ARGMIN_TOL = 0.05        # R1: |slice minimiser| at gamma = 1e-3
T11_R1_SHARE = 0.9           # R1: in at least this share of slices
T11_P_MAX = 0.05             # R2: exact McNemar test, gamma = 1e-3 against gamma = 1
T11_MIN_DESIGNED = {"quick": 50, "full": 200}   # designed slices, from distinct data draws
T11_RULE = (f"T11 (Fig. 3, v3): data at unit per-coordinate variance; 1-D slices of min over the encoder "
            f"variances of (3) through the sparse optimum theta_0 along the paper's designed directions "
            f"only (the mix and split constructions, whose far end is a non-sparse perfect reconstruction), "
            f"each data set a distinct draw. Premise: >= {T11_MIN_DESIGNED['quick']} designed slices "
            f"(quick; >= {T11_MIN_DESIGNED['full']} full). Random-direction slices are reported beside "
            f"them as a control, without a rule. On the designed slices, R1: at gamma = 1e-3 the slice "
            f"minimiser lies within {T11_ARGMIN_TOL:g} of 0 in >= {T11_R1_SHARE:.0%} of slices. R2: the "
            f"share of slices with more than one local minimum never decreases as gamma goes 1 -> 0.1 "
            f"-> 0.01 -> 0.001, and is larger at 1e-3 than at 1 with a paired exact (McNemar, "
            f"two-sided binomial on the discordant slices) p < {T11_P_MAX:g}. Pass: R1 and R2.")


def t11_rule(argmin_at_small: Sequence[float], multi: dict[float, Sequence[bool]],
             min_slices: int = T11_MIN_DESIGNED["quick"]) -> dict[str, Any]:
    """T11 over the designed slices. ``argmin_at_small[i]``: slice i's minimiser (t) at gamma = 1e-3;
    ``multi[gamma][i]``: whether slice i has more than one local minimum at that gamma; ``min_slices``:
    the profile's minimum number of designed slices (the premise)."""
    from scipy.stats import binomtest

    a = np.abs(np.asarray(argmin_at_small, float))
    r1_share = float(np.mean(a <= T11_ARGMIN_TOL)) if a.size else 0.0
    shares = [float(np.mean(np.asarray(multi[g], bool))) for g in T11_GAMMAS]
    never_decreases = all(shares[i + 1] >= shares[i] for i in range(len(shares) - 1))
    big, small = np.asarray(multi[T11_GAMMAS[0]], bool), np.asarray(multi[T11_GAMMAS[-1]], bool)
    only_small, only_big = int(np.sum(small & ~big)), int(np.sum(big & ~small))
    m = only_small + only_big
    p = float(binomtest(only_small, m, 0.5).pvalue) if m else 1.0
    r1 = r1_share >= T11_R1_SHARE
    r2 = never_decreases and shares[-1] > shares[0] and p < T11_P_MAX
    prem = premise(a.size >= min_slices, f"{a.size} designed slices (needs >= {min_slices})", slices=int(a.size),
                   min_slices=int(min_slices))
    return {"status": gated(prem, _status(r1 and r2)), "rule": T11_RULE, "premise": prem, "R1": bool(r1), "R2": bool(r2),
            "R1_share": r1_share, "multi_minima_share": dict(zip([str(g) for g in T11_GAMMAS], shares)),
            "never_decreases": bool(never_decreases), "mcnemar_p": p,
            "discordant": {"multi_only_at_1e-3": only_small, "multi_only_at_1": only_big}}


# ---------------------------------------------------------------------------------------- T14
T14_SHARE = 0.9
T14_RULE = (f"T14 (Sec. 2.2): in >= {T14_SHARE:.0%} of runs (every data set, kappa and seed), active "
            f"dims = r by both statistics (mean encoder variance < 0.5, and Cov_x(E_q[z_k]) > 0.01).")


def t14_rule(active_var: Sequence[int], active_units: Sequence[int], r: int, kappas: Sequence[int]) -> dict[str, Any]:
    """T14 over runs; ``kappas``: each run's latent size. Premise (the claim's own condition): every
    run has kappa >= r, measured from the runs (no runs: unmet)."""
    ok = [int(a) == r and int(b) == r for a, b in zip(active_var, active_units)]
    share = float(np.mean(ok)) if ok else 0.0
    k_min = min((int(k) for k in kappas), default=None)
    if k_min is None:
        prem = premise(False, "no runs", kappa_min=None)
    elif k_min < r:
        prem = premise(False, f"a run has kappa = {k_min} < r = {r} (the claim's condition is kappa >= r)",
                       kappa_min=k_min)
    else:
        prem = premise(True, f"every run has kappa >= r = {r} (smallest kappa {k_min}; the claim's condition)",
                       kappa_min=k_min)
    return {"status": gated(prem, _status(bool(ok) and share >= T14_SHARE)), "rule": T14_RULE, "premise": prem,
            "share": share, "runs": len(ok), "share_min": T14_SHARE}


# ---------------------------------------------------------------------------------------- T18
T18_CANDIDATE_MULTIPLIERS = (3.0, 10.0, 30.0, 100.0)
T18_STRESS_SHARE = 0.5       # calibration and pass: the unguarded arm fails in >= this share of runs
T18_GUARDED_MAX = 0.10       # pass: the guarded arm fails in <= this share
T18_P_MAX = 0.05             # pass: one-sided Fisher exact test, unguarded fails more often than guarded
T18_STEP_MULTIPLIER: float | None = 10.0  # calibrated on pilot seeds 1000-1003 (quick sizes): unguarded failures
#   m = 3: 0/4, m = 10: 2/4 (4 and 5 active dims), m = 30: 4/4, m = 100: 4/4 (stability.CALIBRATION)
T18_ARMS = ("none", "rollback", "damping")
T18_RULE = (f"T18 (Sec. 4, stability countermeasures, v3): noise-free subspace data, float32, learned gamma, "
            f"a constant learning rate of m x the trainer's default (no tail). Arms: none (no rollback, no "
            f"damping); rollback + step halving (the guarded arm); rollback + halving + EMA-sign damping "
            f"(reported, no rule). A run fails when it ends non-finite (or gives up after the rollback limit) "
            f"or without r active dims by both statistics. m is calibrated on pilot seeds >= 1000 as the "
            f"smallest of {list(T18_CANDIDATE_MULTIPLIERS)} at which >= {T18_STRESS_SHARE:.0%} of unguarded "
            f"runs fail, and committed before the main runs. Premise: such an m exists (else inconclusive: "
            f"countermeasures never needed at this scale). Pass: the unguarded arm fails in >= "
            f"{T18_STRESS_SHARE:.0%} of runs, the guarded arm in <= {T18_GUARDED_MAX:.0%}, and a one-sided "
            f"Fisher exact test (unguarded fails more often) gives p < {T18_P_MAX:g}.")


def t18_failed(run: dict[str, Any], r: int) -> bool:
    """A run fails: non-finite, or not r active dims by both statistics."""
    return (not run["finite"]) or int(run["active"]) != r or int(run.get("active_units", r)) != r


def t18_calibrate(fail_share: dict[float, float]) -> float | None:
    """The smallest multiplier whose unguarded runs fail in >= T18_STRESS_SHARE; None if none does."""
    hits = [m for m in sorted(fail_share) if fail_share[m] >= T18_STRESS_SHARE]
    return float(hits[0]) if hits else None


def t18_rule(runs: Sequence[dict[str, Any]], r: int, multiplier: float | None) -> dict[str, Any]:
    """T18 over runs; each a dict with arm, finite (bool), active and active_units (int)."""
    from scipy.stats import fisher_exact

    def count(arm: str) -> tuple[int, int]:
        rs = [x for x in runs if x["arm"] == arm]
        return sum(t18_failed(x, r) for x in rs), len(rs)

    (fu, nu), (fg, ng), (fd, nd) = count("none"), count("rollback"), count("damping")
    prem = premise(multiplier is not None,
                   f"step multiplier m = {multiplier:g} stresses the unguarded arm on the pilots" if multiplier
                   else "no m up to 100 stresses the unguarded arm: countermeasures never needed at this scale",
                   multiplier=multiplier)
    p = float(fisher_exact([[fu, nu - fu], [fg, ng - fg]], alternative="greater")[1]) if nu and ng else 1.0
    su, sg = (fu / nu if nu else 0.0), (fg / ng if ng else 1.0)
    flags = {"unguarded_fails": su >= T18_STRESS_SHARE, "guarded_holds": sg <= T18_GUARDED_MAX,
             "fisher": p < T18_P_MAX}
    return {"status": gated(prem, _status(all(flags.values()))), "rule": T18_RULE, "premise": prem, "flags": flags,
            "unguarded_failures": fu, "unguarded_runs": nu, "guarded_failures": fg, "guarded_runs": ng,
            "damping_failures": fd, "damping_runs": nd, "fisher_p": p}
