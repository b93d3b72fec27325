"""Lemma 2 (claim T7) and Lemma 3 (claim T8): the VAE energy (3) reduced to the generic
AE objective (7),

    L_{g,h} = g( (1/(d n)) sum_i ||x_i - mu_x(z_i)||^2 ) + (1/d) sum_k h( (1/n) ||z_k||^2 ),   (7)

z_k the k-th row of Z = [mu_z(x_1), ..., mu_z(x_n)].  Notation: R = (1/n) sum_i ||x_i - mu_x(mu_z(x_i))||^2
(so R/d is g's argument), u_k = (1/n)||z_k||^2 (h's argument), omega_k = ||w_k||^2.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar

from .energy import gaussian_moments
from .symtools import stationary_points, identity, reduce_to_zero, show

d, kappa = sp.symbols("d kappa", positive=True, integer=True)
j, k, l = sp.symbols("j k l", positive=True, integer=True)
gamma = sp.Symbol("gamma", positive=True)
tau = sp.Symbol("tau", positive=True)       # a variance s_k^2, or a squared rescaling c_k^2
omega = sp.Symbol("omega", positive=True)   # ||w_k||^2
u = sp.Symbol("u", positive=True)           # (1/n)||z_k||^2
R = sp.Symbol("R", positive=True)           # mean squared reconstruction error, R > 0
sigma2 = sp.Symbol("sigma2", positive=True)  # common encoder variance sigma^2 (-> 0 in Lemma 3)


def _expected_linear_error() -> dict[str, Any]:
    """E_eps ||r - W diag(s) eps||^2 = ||r||^2 + sum_k ||w_k||^2 s_k^2 for eps ~ N(0, I), one output
    coordinate j, symbolic kappa: expand the square, then E eps_k = 0 and E eps_k eps_l = delta_kl
    (moments of N(0, 1) by integration; independent coordinates)."""
    W = sp.IndexedBase("W", real=True)
    s = sp.IndexedBase("s", positive=True)
    rj = sp.Symbol("r_j", real=True)
    mom = gaussian_moments(sp.Integer(0), sp.Integer(1))
    # (r_j - sum_k W_jk s_k eps_k)^2 = r_j^2 - 2 r_j sum_k W_jk s_k eps_k + sum_k sum_l W_jk W_jl s_k s_l eps_k eps_l
    cross = -2 * rj * sp.Sum(W[j, k] * s[k] * mom[1], (k, 1, kappa))
    quad = sp.Sum(sp.Sum(W[j, k] * W[j, l] * s[k] * s[l] * sp.KroneckerDelta(k, l) * mom[2], (l, 1, kappa)),
                  (k, 1, kappa)).doit()
    # doit leaves Piecewise((..., k <= kappa), (0, True)) inside the k-sum; k <= kappa holds on the range
    def _branch(p: sp.Piecewise) -> sp.Expr:
        expr, cond = p.args[0]
        if cond != sp.Le(k, kappa):
            raise ValueError(f"unexpected Piecewise condition {cond}")
        return expr
    quad = quad.replace(lambda a: isinstance(a, sp.Piecewise), _branch)
    lhs = rj**2 + cross.doit() + quad
    rhs = rj**2 + sp.Sum(W[j, k] ** 2 * s[k] ** 2, (k, 1, kappa))
    out = identity(lhs, rhs, sums=True)
    e_k, e_l = sp.IndexedBase("epsilon")[k], sp.IndexedBase("epsilon")[l]
    out["square_before_expectation"] = show(
        rj**2 - 2 * rj * sp.Sum(W[j, k] * s[k] * e_k, (k, 1, kappa))
        + sp.Sum(sp.Sum(W[j, k] * W[j, l] * s[k] * s[l] * e_k * e_l, (l, 1, kappa)), (k, 1, kappa)))
    out["moments_used"] = {"E eps": str(mom[1]), "E eps^2": str(mom[2])}
    return out


def derive_t7(claimed_variance: sp.Expr | None = None) -> dict[str, Any]:
    """Lemma 2: linear decoder mu_x = W z + b, constant encoder variances s (same for all x).

    Steps
    -----
    1. E_q||x_i - W z - b||^2 = ||x_i - W mu_i - b||^2 + sum_k omega_k s_k^2 (derived per coordinate).
    2. (3) = R/gamma + d log gamma + sum_k [omega_k s_k^2/gamma + s_k^2 - log s_k^2 + u_k];
       per k the s_k-part is convex in s_k^2 with unique minimiser s_k^2 = gamma/(gamma + omega_k)
       (``claimed_variance``, default this), value 1 + log(gamma + omega_k) - log gamma.
    3. min_s (3) = [(d - kappa) log gamma + kappa] + Ltilde,
       Ltilde = R/gamma + sum_k [log(gamma + omega_k) + u_k]; the bracket is free of theta, phi.
    4. gamma -> 0: R/gamma -> +oo for R > 0 and = 0 for R = 0 (g = indicator I_oo);
       log(gamma + omega_k) -> log omega_k for omega_k > 0, -> -oo for an unused column (omega_k = 0).
    5. Column rescaling w_k -> c w_k, z_k -> z_k/c keeps W Z: min over c^2 = tau of
       log(tau omega) + u/tau is at tau = u, value log(omega u) + 1.  With unit columns (theta in Theta
       fixing ||w_k|| = 1) this is h(u) = log u + 1; in general h acts on omega_k u_k = (1/n)||w_k z_k||^2.
       Also at gamma > 0: min_tau [log(gamma + tau omega) + u/tau] -> log(omega u) + 1 as gamma -> 0.
    6. Ltilde/d -> I_oo(R/d) + (1/d) sum_k log u_k + kappa/d: (7) with g = I_oo, h = log, constant kappa/d.
    """
    claim = gamma / (gamma + omega) if claimed_variance is None else sp.sympify(claimed_variance)
    om = sp.IndexedBase("omega", positive=True)
    uu = sp.IndexedBase("u", positive=True)

    exp_err = _expected_linear_error()
    f = omega * tau / gamma + tau - sp.log(tau)
    sols = stationary_points(f, tau)
    unique = len(sols) == 1
    s2 = sols[0]
    s2_ok = reduce_to_zero(s2 - claim)[0]
    convex = reduce_to_zero(sp.diff(f, tau, 2) - 1 / tau**2)[0]
    f_star = sp.expand_log(f.subs(tau, s2), force=True)
    f_star_id = identity(f_star, 1 + sp.log(gamma + omega) - sp.log(gamma))

    f_k = (1 + sp.log(gamma + om[k]) - sp.log(gamma)) + uu[k]
    min_s = R / gamma + d * sp.log(gamma) + sp.Sum(f_k, (k, 1, kappa))
    Ltilde = R / gamma + sp.Sum(sp.log(gamma + om[k]) + uu[k], (k, 1, kappa))
    split = identity(min_s, (d - kappa) * sp.log(gamma) + kappa + Ltilde, sums=True)

    lim_R = sp.limit(R / gamma, gamma, 0, "+")
    lim_used = sp.limit(sp.log(gamma + omega) + u, gamma, 0, "+")
    lim_unused = sp.limit(sp.log(gamma + 0), gamma, 0, "+")

    resc = sp.log(tau * omega) + u / tau
    t_sols = stationary_points(resc, tau)
    resc_unique = len(t_sols) == 1 and reduce_to_zero(t_sols[0] - u)[0]
    resc_min = reduce_to_zero(sp.diff(resc, tau, 2).subs(tau, u) - 1 / u**2)[0]  # 1/u^2 > 0
    resc_val = sp.expand_log(resc.subs(tau, t_sols[0]), force=True)
    resc_id = identity(resc_val, sp.log(omega) + sp.log(u) + 1)
    # the same rescaling before the limit, at gamma > 0
    resc_g = sp.log(gamma + tau * omega) + u / tau
    roots = stationary_points(resc_g, tau)  # roots of omega tau^2 - u omega tau - u gamma
    # Vieta: the product of the two roots is -u gamma/omega < 0, so exactly one root is positive;
    # it is picked by its sign at one point (the sign of each root does not change with the symbols)
    vieta = len(roots) == 2 and reduce_to_zero(roots[0] * roots[1] + u * gamma / omega)[0]
    tg = [s_ for s_ in roots if s_.subs({gamma: 1, omega: 1, u: 1}).is_positive] if vieta else []
    resc_g_lim = sp.limit(resc_g.subs(tau, tg[0]), gamma, 0, "+") if len(tg) == 1 else sp.nan
    resc_g_ok = len(tg) == 1 and reduce_to_zero(sp.expand_log(resc_g_lim - (sp.log(omega * u) + 1), force=True))[0]

    # final form against (7): (1/d) [sum_k (log u_k + 1)] with unit columns, g = I_oo absorbs any scale
    h_terms = sp.Sum(sp.log(uu[k]) + 1, (k, 1, kappa)) / d
    seven = identity(h_terms, sp.Sum(sp.log(uu[k]), (k, 1, kappa)) / d + kappa / d, sums=True)

    flags = {
        "expected_linear_error": exp_err["holds"],
        "unique_optimal_variance": unique,
        "optimal_variance_equals_claim": s2_ok,
        "convex_in_variance": convex,
        "substituted_per_dim_energy": f_star_id["holds"],
        "split_into_constant_plus_Ltilde": split["holds"],
        "g_indicator_R_over_gamma_to_infinity": lim_R == sp.oo,
        "used_column_term_finite": reduce_to_zero(lim_used - (sp.log(omega) + u))[0],
        "unused_column_term_minus_infinity": lim_unused == -sp.oo,
        "rescaling_unique_minimiser_tau_eq_u": resc_unique and resc_min,
        "rescaled_term_is_log_omega_u_plus_1": resc_id["holds"],
        "rescaling_at_gamma_gt_0_has_same_limit": bool(resc_g_ok),
        "matches_7_with_h_log": seven["holds"],
    }
    return {
        "proof": "symbolic",
        "holds": all(flags.values()),
        "flags": flags,
        "expected_linear_error": exp_err,
        "per_dim_energy": show(f),
        "optimal_variance": show(s2),
        "substituted_per_dim_energy": f_star_id,
        "min_over_s_energy": show(min_s),
        "Ltilde": show(Ltilde),
        "split": split,
        "limits_gamma_to_0": {"R/gamma (R>0)": str(lim_R), "log(gamma+omega)+u": str(lim_used),
                              "log(gamma+0)": str(lim_unused)},
        "rescaling_term": show(resc),
        "rescaling_minimiser": show(t_sols[0]),
        "rescaled_value": resc_id,
        "rescaling_at_gamma_limit": show(resc_g_lim),
        "reduced_objective": "Ltilde/d -> I_oo(R/d) + (1/d) sum_k log u_k + kappa/d (unit columns); "
                             "generally (1/d) sum_k log(omega_k u_k) + kappa/d",
        "theta_phi_free_terms_dropped": show((d - kappa) * sp.log(gamma) + kappa),
        "loose_in_paper": (
            "h = log holds up to +1 per latent dim and only once column norms are fixed (theta in Theta), "
            "otherwise h acts on ||w_k||^2 u_k; the dropped term (d - kappa) log gamma -> -oo is free of "
            "theta, phi but not a finite constant; unused columns contribute log gamma -> -oo, i.e. h(0) = "
            "log 0 = -oo, at finite gamma h behaves as log(u + gamma)-like."
        ),
    }


def derive_t8(claimed_h_weight: sp.Expr | None = None) -> dict[str, Any]:
    """Lemma 3: any decoder, sigma_z -> 0, gamma optimised, log transform of u_k.

    ``claimed_h_weight`` is the weight of sum_k h(u_k) in (7) once g's weight is 1; the paper's is 1/d.

    Steps
    -----
    1. Second-order expansion, one coordinate, smooth f = mu_x: E_eps (x - f(m + sigma eps))^2 =
       (x - f(m))^2 + sigma^2 (f'(m)^2 - (x - f(m)) f''(m)) + O(sigma^4)  -> (x - f(m))^2 as sigma -> 0
       (moments of N(0, 1) by integration).
    2. With a common encoder variance sigma^2 and gamma at its optimum (6) (T2): energy =
       d log(R_sigma/d) + d + kappa sigma^2 - kappa log sigma^2 + sum_k u_k, R_sigma -> R.
    3. Dropping theta, phi-free terms (d, kappa sigma^2, the divergent -kappa log sigma^2):
       Lhat = d log(R/d) + sum_k u_k.
    4. The paper's log transformation u_k -> log u_k: Lhat/d = log(R/d) + (1/d) sum_k log u_k, i.e. (7)
       with g = h = log and exactly the weights of (7).
    5. Our justification of step 4 (not in the paper): if z_k can be rescaled with the decoder
       compensating (first layer linear), mu_k and sigma_k scale by 1/c and the reconstruction term is
       unchanged; the KL part of dim k, (sigma^2 + u)/tau + log tau - log sigma^2, is minimised at
       tau = sigma^2 + u with value 1 + log(u + sigma^2) - log sigma^2: h_sigma(u) = log(u + sigma^2) -> log u.
    """
    x, m, sg, ep = sp.symbols("x m sigma epsilon", real=True)
    f = sp.Function("f")
    mom = gaussian_moments(sp.Integer(0), sp.Integer(1), orders=(0, 1, 2, 3, 4))
    ser = sp.expand(sp.series((x - f(m + sg * ep)) ** 2, sg, 0, 4).removeO().doit())
    poly = sp.Poly(ser, ep)
    expected = sp.expand(sum(c * mom[e_[0]] for e_, c in poly.terms()))
    fm, f1, f2 = f(m), sp.Derivative(f(m), m), sp.Derivative(f(m), (m, 2))
    taylor = identity(expected, (x - fm) ** 2 + sg**2 * (f1**2 - (x - fm) * f2))
    taylor_lim = sp.limit(expected, sg, 0)
    taylor_lim_ok = reduce_to_zero(taylor_lim - (x - fm) ** 2)[0]

    uu = sp.IndexedBase("u", positive=True)
    Rs = sp.Symbol("R_sigma", positive=True)
    energy = Rs / gamma + d * sp.log(gamma) + sp.Sum(sigma2 - sp.log(sigma2) + uu[k], (k, 1, kappa))
    gs = stationary_points(energy, gamma)
    gs_ok = len(gs) == 1 and reduce_to_zero(gs[0] - Rs / d)[0]
    e_star = energy.subs(gamma, gs[0])
    e_star_form = d * sp.log(Rs / d) + d + kappa * sigma2 - kappa * sp.log(sigma2) + sp.Sum(uu[k], (k, 1, kappa))
    e_star_id = identity(e_star, e_star_form, sums=True)
    Lhat = d * sp.log(R / d) + sp.Sum(uu[k], (k, 1, kappa))
    dropped = sp.limit(e_star_form.subs(Rs, R) - Lhat + kappa * sp.log(sigma2), sigma2, 0, "+")
    dropped_ok = reduce_to_zero(dropped - d)[0]
    Lhat_log = d * sp.log(R / d) + sp.Sum(sp.log(uu[k]), (k, 1, kappa))
    h_weight = 1 / d if claimed_h_weight is None else sp.sympify(claimed_h_weight)
    seven = identity(Lhat_log / d, sp.log(R / d) + h_weight * sp.Sum(sp.log(uu[k]), (k, 1, kappa)), sums=True)

    kl = (sigma2 + u) / tau + sp.log(tau) - sp.log(sigma2)
    ts = stationary_points(kl, tau)
    ts_ok = len(ts) == 1 and reduce_to_zero(ts[0] - (sigma2 + u))[0]
    kl_val = identity(sp.expand_log(kl.subs(tau, ts[0]), force=True),
                      1 + sp.log(u + sigma2) - sp.log(sigma2))
    h_lim = sp.limit(sp.log(u + sigma2), sigma2, 0, "+")

    flags = {
        "taylor_expected_error": taylor["holds"],
        "error_limit_sigma_to_0": taylor_lim_ok,
        "gamma_star_is_R_over_d": bool(gs_ok),
        "energy_at_gamma_star": e_star_id["holds"],
        "dropped_terms_free_of_theta_phi": dropped_ok,
        "matches_7_with_g_h_log": seven["holds"],
        "rescaling_minimiser": bool(ts_ok),
        "rescaled_kl_value": kl_val["holds"],
        "h_sigma_to_log": reduce_to_zero(h_lim - sp.log(u))[0],
    }
    return {
        "proof": "symbolic",
        "holds": all(flags.values()),
        "flags": flags,
        "taylor_expected_error": taylor,
        "energy_common_sigma": show(energy),
        "gamma_star": show(gs[0]),
        "energy_at_gamma_star": e_star_id,
        "Lhat_before_log_transform": show(Lhat),
        "Lhat_after_log_transform_over_d": seven,
        "rescaled_kl_part": show(kl),
        "rescaling_optimum": show(ts[0] if ts else sp.nan),
        "rescaled_kl_value": kl_val,
        "loose_in_paper": (
            "g = log needs gamma minimised (Eq. 6), which the statement of Lemma 3 does not say; "
            "-kappa log sigma^2 -> +oo is dropped as theta,phi-free only if sigma is common to all dims and "
            "samples; the 'log transformation' of u_k is an ad hoc substitution unless justified, e.g. by "
            "the rescaling argument (step 5), which gives h = log(u + sigma^2) + 1 - log sigma^2; with these "
            "the weights 1 and 1/d of (7) come out exactly after dividing by d."
        ),
    }


# ----------------------------------------------------------------------------- numerics
def lemma2_closed_form(R_: float, omegas: np.ndarray, us: np.ndarray, d_: int, log_gamma: float) -> float:
    """min over s of (3) for the linear decoder: R/gamma + d log gamma + sum_k [1 + log(1 + omega_k/gamma) + u_k]."""
    g = np.exp(log_gamma)
    return float(R_ / g + d_ * log_gamma + np.sum(1.0 + np.log1p(omegas / g) + us))


def rescaled_min_numeric(fun: Callable[[float], float], lo: float = -40.0, hi: float = 40.0) -> float:
    """Numeric min over log tau of a 1-D function of log tau (bounded Brent)."""
    res = minimize_scalar(fun, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12, "maxiter": 1000})
    return float(res.fun)
