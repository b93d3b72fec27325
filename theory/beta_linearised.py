"""The beta-weighted energy near an optimal sparse representation, linearised (T5, Sec. 2.3).

With r informative decoder columns ``||w_k||^2 = omega_k`` and a deterministic reconstruction
error ``e`` that training has not yet removed, the encoder variances minimise the energy at
``s_k^2 = beta gamma / (beta gamma + omega_k)`` and

    L_beta(gamma) ~ e / gamma + (d - beta r) log gamma + const,
    dL_beta / d log gamma ~ (d - beta r) - e / gamma.

For beta < d/r there is one stationary point, a minimum, at gamma* ~ e / (d - beta r) (finite,
rising with beta, falling with e); for beta > d/r there is none and gamma is pushed up until the
linearisation breaks. numpy only (no torch): the symbolic limit itself is in
:mod:`theory.beta_scaling`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def linearised_energy(log_gamma: float, err: float, omegas: Sequence[float], d: int, beta: float) -> float:
    """L_beta near a sparse solution, minimised over the encoder variances in closed form (Sec. 2.3).

    e / gamma + sum_k omega_k s_k^2 / gamma + d log gamma + beta sum_k (s_k^2 - log s_k^2) with
    s_k^2 = beta gamma / (beta gamma + omega_k) (the T5 set-up, with a deterministic error ``err``
    left over); the encoder means' beta ||mu||^2 and the unneeded dims are constants, dropped.
    """
    g = math.exp(log_gamma)
    om = np.asarray(omegas, dtype=float)
    s2 = beta * g / (beta * g + om)
    return float((err + np.sum(om * s2)) / g + d * log_gamma + beta * np.sum(s2 - np.log(s2)))


def gamma_fixed_point(err: float, r: int, d: int, beta: float) -> float:
    """gamma* ~ err / (d - beta r) for beta < d/r (beta gamma << omega_k); inf when beta r >= d."""
    return err / (d - beta * r) if beta * r < d else float("inf")


__all__ = ["linearised_energy", "gamma_fixed_point"]
