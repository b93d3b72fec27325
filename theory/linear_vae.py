"""The linear Gaussian VAE in closed form: energy (3), its gradient, its optimum.

Model (paper Eq. 3 with one linear layer each way)::

    encoder  q(z | x) = N(A x + c, diag(s2))        A: (kappa, d), c: (kappa,)
    decoder  p(x | z) = N(W z + b, gamma I)         W: (d, kappa), b: (d,)

The encoder variances ``s2`` are **constant** (one per latent dimension, not a
function of x). This loses nothing: for a linear decoder the sigma-part of (3)
for sample i, ``sum_j (|w_j|^2 / gamma + 1) sigma_ij^2 - log sigma_ij^2``, has
its minimiser ``gamma / (gamma + |w_j|^2)`` independent of x_i, so an
input-dependent variance cannot lower (3).

For a linear decoder the expectation over q is analytic::

    E_q |x - W z - b|^2 = |x - W mu - b|^2 + sum_j |w_j|^2 s2_j

so (3) per data set is (averages over the n samples, 1/n normalisation)::

    L = (1/gamma) [mean_i |x_i - W mu_i - b|^2 + sum_j |w_j|^2 s2_j] + d log gamma
        + sum_j (s2_j - log s2_j) + mean_i |mu_i|^2                          (3)

Parameters travel as one flat float64 vector ``theta = [W, b, A, c, log s2,
log gamma]``: gamma and s2 are never clamped, so gamma -> 0 shows as
``log gamma -> -inf``.

The global minimiser is probabilistic PCA (Tipping and Bishop 1999; Lucas et
al. 2019, "Don't blame the ELBO"): with eigenvalues lam_1 >= ... >= lam_d of the
1/n sample covariance and kappa < d,
``gamma* = mean(lam_{kappa+1..d})``, ``W = U_kappa (Lam_kappa - gamma*)^{1/2}``,
``s2_j = gamma* / lam_j``, ``A = (W^T W + gamma* I)^{-1} W^T``, and the ELBO is
tight there, so ``L* = -(2/n) sum_i log N(x_i; xbar, W W^T + gamma* I) - d log 2 pi + kappa``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LinearVAE:
    """The parameters of a linear VAE (shapes in comments)."""

    W: Array  # (d, kappa) decoder weights, column w_j per latent dim
    b: Array  # (d,) decoder bias
    A: Array  # (kappa, d) encoder mean weights
    c: Array  # (kappa,) encoder mean bias
    log_s2: Array  # (kappa,) log encoder variances (constant in x)
    log_gamma: float  # log decoder variance

    @property
    def d(self) -> int:
        return self.W.shape[0]

    @property
    def kappa(self) -> int:
        return self.W.shape[1]

    @property
    def gamma(self) -> float:
        return float(np.exp(self.log_gamma))

    @property
    def s2(self) -> Array:
        return np.exp(self.log_s2)

    def flat(self) -> Array:
        """The flat vector ``[W, b, A, c, log s2, log gamma]``."""
        return np.concatenate([self.W.ravel(), self.b, self.A.ravel(), self.c, self.log_s2, [self.log_gamma]])

    @classmethod
    def unflat(cls, theta: Array, d: int, kappa: int) -> "LinearVAE":
        """Inverse of :meth:`flat`."""
        theta = np.asarray(theta, dtype=np.float64)
        i = 0
        W = theta[i : i + d * kappa].reshape(d, kappa); i += d * kappa
        b = theta[i : i + d]; i += d
        A = theta[i : i + kappa * d].reshape(kappa, d); i += kappa * d
        c = theta[i : i + kappa]; i += kappa
        log_s2 = theta[i : i + kappa]; i += kappa
        if theta.size != i + 1:
            raise ValueError(f"theta has {theta.size} entries; d={d}, kappa={kappa} need {i + 1}")
        return cls(W, b, A, c, log_s2, float(theta[i]))


def n_params(d: int, kappa: int) -> int:
    """Length of the flat parameter vector."""
    return 2 * d * kappa + d + 2 * kappa + 1


def expected_sq_error(X: Array, W: Array, b: Array, mu: Array, s2: Array) -> Array:
    """Per-sample ``E_{z ~ N(mu_i, diag s2)} |x_i - W z - b|^2`` in closed form.

    X: (n, d), mu: (n, kappa), s2: (kappa,) or (n, kappa). Returns (n,).
    """
    resid = X - mu @ W.T - b  # (n, d)
    col_norms = np.sum(W**2, axis=0)  # (kappa,) |w_j|^2
    return np.sum(resid**2, axis=1) + np.atleast_2d(s2) @ col_norms


def energy_terms(X: Array, m: LinearVAE) -> dict[str, float]:
    """The pieces of (3) averaged over the data: ``rec`` (E_q squared error, no 1/gamma),
    ``kl_var`` (sum_j s2_j - log s2_j), ``kl_mean`` (mean |mu|^2), ``energy``."""
    mu = X @ m.A.T + m.c
    rec = float(np.mean(expected_sq_error(X, m.W, m.b, mu, m.s2)))
    kl_var = float(np.sum(m.s2 - m.log_s2))
    kl_mean = float(np.mean(np.sum(mu**2, axis=1)))
    energy = rec / m.gamma + m.d * m.log_gamma + kl_var + kl_mean
    return {"rec": rec, "kl_var": kl_var, "kl_mean": kl_mean, "energy": energy}


def energy_and_grad(theta: Array, X: Array, kappa: int) -> tuple[float, Array]:
    """Energy (3) of the linear VAE and its exact gradient in the flat parameters.

    Parameters
    ----------
    theta : (n_params,) flat ``[W, b, A, c, log s2, log gamma]``.
    X : (n, d) data.
    kappa : latent dimension.
    """
    n, d = X.shape
    m = LinearVAE.unflat(theta, d, kappa)
    gamma, s2 = m.gamma, m.s2
    mu = X @ m.A.T + m.c  # (n, kappa)
    resid = X - mu @ m.W.T - m.b  # (n, d)
    col_norms = np.sum(m.W**2, axis=0)  # (kappa,)
    rec = np.sum(resid**2) / n + col_norms @ s2  # E_q error, averaged over data
    value = rec / gamma + d * m.log_gamma + np.sum(s2 - m.log_s2) + np.sum(mu**2) / n

    g_W = (-2.0 / n * resid.T @ mu + 2.0 * m.W * s2) / gamma
    g_b = -2.0 / (n * gamma) * resid.sum(axis=0)
    g_mu = -2.0 / (n * gamma) * resid @ m.W + 2.0 / n * mu  # (n, kappa)
    g_A = g_mu.T @ X
    g_c = g_mu.sum(axis=0)
    g_logs2 = col_norms * s2 / gamma + s2 - 1.0
    g_loggamma = -rec / gamma + d
    grad = np.concatenate([g_W.ravel(), g_b, g_A.ravel(), g_c, g_logs2, [g_loggamma]])
    return float(value), grad


def optimal_s2(W: Array, gamma: float) -> Array:
    """Per-dimension minimiser of (3) over the encoder variances: gamma / (gamma + |w_j|^2)."""
    return gamma / (gamma + np.sum(W**2, axis=0))


def random_init(d: int, kappa: int, rng: np.random.Generator, scale: float = 0.5) -> Array:
    """A random starting point: small Gaussian weights, unit variances, gamma = 1."""
    m = LinearVAE(
        W=scale * rng.standard_normal((d, kappa)),
        b=np.zeros(d),
        A=scale * rng.standard_normal((kappa, d)),
        c=np.zeros(kappa),
        log_s2=np.zeros(kappa),
        log_gamma=0.0,
    )
    return m.flat()


@dataclass(frozen=True)
class PPCAOptimum:
    """The closed-form global minimiser of (3) for a linear VAE (probabilistic PCA)."""

    model: LinearVAE
    eigenvalues: Array  # (d,) of the 1/n sample covariance, descending
    energy: float


def sample_cov_eig(X: Array) -> tuple[Array, Array]:
    """Eigenvalues (descending) and eigenvectors of the 1/n sample covariance."""
    Xc = X - X.mean(axis=0)
    lam, U = np.linalg.eigh(Xc.T @ Xc / X.shape[0])
    order = np.argsort(lam)[::-1]
    return lam[order], U[:, order]


def ppca_optimum(X: Array, kappa: int) -> PPCAOptimum:
    """The pPCA solution written as linear-VAE parameters (needs kappa < d and
    lam_kappa > gamma*, which holds unless the trailing eigenvalues tie).

    gamma* = mean of the d - kappa smallest eigenvalues (1/n covariance).
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if not 0 < kappa < d:
        raise ValueError(f"kappa must satisfy 0 < kappa < d; got d={d}, kappa={kappa}")
    lam, U = sample_cov_eig(X)
    gamma = float(np.mean(lam[kappa:]))
    if gamma <= 0:
        raise ValueError("the data lie in a subspace of dimension <= kappa: gamma* = 0, (3) has no minimiser")
    keep = np.clip(lam[:kappa] - gamma, 0.0, None)
    W = U[:, :kappa] * np.sqrt(keep)  # (d, kappa)
    A = np.linalg.solve(W.T @ W + gamma * np.eye(kappa), W.T)  # (kappa, d) posterior mean map
    xbar = X.mean(axis=0)
    model = LinearVAE(W=W, b=xbar, A=A, c=-A @ xbar, log_s2=np.log(optimal_s2(W, gamma)),
                      log_gamma=float(np.log(gamma)))
    return PPCAOptimum(model, lam, energy_terms(X, model)["energy"])


def subspace_data(
    rng: np.random.Generator, n: int, d: int, r: int, noise: float = 0.0
) -> Array:
    """n points ``B z + noise * eps`` on a random r-dimensional subspace of R^d
    (B, z, eps standard normal), plus a random offset."""
    B = rng.standard_normal((d, r))
    Z = rng.standard_normal((n, r))
    offset = rng.standard_normal(d)
    return Z @ B.T + offset + noise * rng.standard_normal((n, d))


def sparse_solution(X: Array, r: int, kappa: int) -> LinearVAE:
    """The optimal sparse representation of rank-r data for a linear decoder (the
    gamma -> 0 limit of the pPCA optimum): r columns ``U_r Lam_r^{1/2}``, kappa - r
    zero columns, encoder mean the pseudo-inverse, s2 = 0 / 1 left at log 0 / 0."""
    lam, U = sample_cov_eig(X)
    d = X.shape[1]
    W = np.zeros((d, kappa))
    W[:, :r] = U[:, :r] * np.sqrt(lam[:r])
    A = np.zeros((kappa, d))
    A[:r] = (U[:, :r] / np.sqrt(lam[:r])).T
    xbar = X.mean(axis=0)
    return LinearVAE(W=W, b=xbar, A=A, c=-A @ xbar, log_s2=np.zeros(kappa), log_gamma=0.0)


def profiled_energy(X: Array, W: Array, b: Array, A: Array, c: Array, gamma: float) -> float:
    """(3) at fixed gamma with the encoder variances at their exact minimiser
    s2_j = gamma / (gamma + |w_j|^2), i.e. ``min_{s2} L``:

        L = mean|x - W mu - b|^2 / gamma + d log gamma + sum_j [1 + log(1 + |w_j|^2 / gamma)] + mean|mu|^2
    """
    mu = X @ A.T + c
    resid = X - mu @ W.T - b
    col = np.sum(W**2, axis=0)
    return float(np.sum(resid**2) / X.shape[0] / gamma + X.shape[1] * np.log(gamma)
                 + np.sum(1.0 + np.log1p(col / gamma)) + np.sum(mu**2) / X.shape[0])


def encoder_optimum(W: Array, b: Array, log_gamma: float) -> LinearVAE:
    """The exact minimiser of (3) over the encoder (A, c, s2) for a fixed decoder (W, b, gamma).

    Per sample, (3) is a ridge problem in mu_i with solution
    ``mu_i = (W^T W + gamma I)^{-1} W^T (x_i - b)`` (affine in x, so a linear encoder
    attains it exactly), and ``s2_j = gamma / (gamma + |w_j|^2)``.
    """
    gamma = float(np.exp(log_gamma))
    kappa = W.shape[1]
    A = np.linalg.solve(W.T @ W + gamma * np.eye(kappa), W.T)
    return LinearVAE(W=W, b=b, A=A, c=-A @ b, log_s2=np.log(optimal_s2(W, gamma)), log_gamma=float(log_gamma))


def _decoder_slices(d: int, kappa: int) -> Array:
    """Indices of (W, b, log gamma) inside the flat vector."""
    full = np.arange(n_params(d, kappa))
    return np.concatenate([full[: d * kappa + d], full[-1:]])


def profiled_energy_and_grad(phi: Array, X: Array, kappa: int) -> tuple[float, Array]:
    """``min_{A, c, s2}`` of (3) as a function of ``phi = [W, b, log gamma]``, and its gradient.

    The encoder is set to its exact minimiser (:func:`encoder_optimum`), so by the
    envelope theorem the gradient is the partial gradient of (3) in (W, b, log gamma).
    """
    d = X.shape[1]
    W = phi[: d * kappa].reshape(d, kappa)
    b = phi[d * kappa : d * kappa + d]
    m = encoder_optimum(W, b, float(phi[-1]))
    value, grad = energy_and_grad(m.flat(), X, kappa)
    return value, grad[_decoder_slices(d, kappa)]


@dataclass
class FitResult:
    """One L-BFGS run: the final model, its energy, and the trajectory of log gamma."""

    model: LinearVAE
    energy: float
    n_iter: int
    message: str
    log_gamma_path: list[float] = field(default_factory=list)  # after each iteration
    energy_path: list[float] = field(default_factory=list)  # after each iteration
    legs: list[tuple[int, str]] = field(default_factory=list)  # (iterations, L-BFGS's message) per leg


def fit(
    X: Array,
    kappa: int,
    rng: np.random.Generator,
    *,
    log_gamma: float | None = None,
    maxiter: int = 5000,
    scale: float = 0.5,
    refresh: int | None = None,
) -> FitResult:
    """Minimise (3) over all parameters of a linear VAE from a random start.

    The encoder (A, c, s2) is minimised exactly (:func:`encoder_optimum`); the decoder
    (W, b) and log gamma by scipy L-BFGS-B with the analytic gradient, no bounds and no
    clamping. ``log_gamma`` given: gamma is held fixed there instead of learned.
    The start is W ~ scale * N(0, 1), b = 0, log gamma = 0 (when learned).

    ``refresh`` given: the run is cut into legs of at most ``refresh`` iterations, each a fresh
    L-BFGS from where the last one ended (its curvature memory dropped), until ``maxiter``
    iterations in all are spent or a leg takes no step. A leg that reports a stop before its own
    budget is followed by a fresh one too. On an energy with no minimum (exact data, learned
    gamma: log gamma -> -inf) a memory built far back can stall the descent; this keeps measuring.
    """
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    learn = log_gamma is None
    phi0 = np.concatenate([scale * rng.standard_normal(d * kappa), np.zeros(d), [0.0]])
    if not learn:
        phi0 = phi0[:-1]

    last: dict[str, object] = {}  # the latest evaluation, so the callback need not recompute

    def fun(phi: Array) -> tuple[float, Array]:
        full = phi if learn else np.append(phi, log_gamma)
        if np.exp(full[-1]) == 0.0:   # gamma underflows float64 (log gamma < -745, a line search's trial
            return np.inf, np.zeros_like(phi)   # step): (1/gamma) x error overflows, so (3) is +inf there
        value, grad = profiled_energy_and_grad(full, X, kappa)
        last["x"], last["f"] = phi.copy(), value
        return value, (grad if learn else grad[:-1])

    lg: list[float] = []
    en: list[float] = []

    def record(xk: Array) -> None:
        lg.append(float(xk[-1]) if learn else float(log_gamma))
        same = "x" in last and np.array_equal(last["x"], xk)
        en.append(float(last["f"]) if same else fun(xk)[0])  # type: ignore[arg-type]

    legs: list[tuple[int, str]] = []
    phi, left = phi0, maxiter
    while left > 0:
        budget = left if refresh is None else min(refresh, left)
        res = minimize(fun, phi, jac=True, method="L-BFGS-B", callback=record,
                       options={"maxiter": budget, "gtol": 1e-12, "ftol": 1e-16, "maxcor": 20,
                                "maxfun": 4 * budget})
        legs.append((int(res.nit), str(res.message)))
        phi, left = res.x, left - int(res.nit)
        if refresh is None or res.nit == 0:
            break
    full = phi if learn else np.append(phi, log_gamma)
    W = full[: d * kappa].reshape(d, kappa)
    model = encoder_optimum(W, full[d * kappa : d * kappa + d], float(full[-1]))
    return FitResult(model, float(res.fun), maxiter - left, str(res.message), lg, en, legs)
