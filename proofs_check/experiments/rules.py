"""The pass rules of the empirical claims, fixed by issue 11 before any run that uses them.

Each rule is a pure function of numbers measured by an experiment (never of a model), so that it
can be tested on hand-made inputs and must be able to fail. Each was committed on its own
("rule: Txx ...") before the first run that uses it and is not changed after seeing a result; a
rule that fails is reported failing with its numbers. The constants are the issue's.

Every rule returns a dict with ``status`` ("pass" | "fail" | "inconclusive"), ``rule`` (the
sentence below, copied into the evidence) and the numbers that decided it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .common import bootstrap_ci


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


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
    if g.size == 0 or not np.all(sep >= T3_SEPARATION_MIN):
        return {"status": "inconclusive", **out}
    return {"status": _status(bool(np.all(rel_k <= T3_REL_TOL))), **out}
