"""Metrics of a trained Gaussian VAE: reconstruction, gamma, KL per dimension, active dimensions,
MMD between the aggregated posterior and the prior, and the gradient norm ||dL/dz|| of Fig. 4(b).

Definitions (all evaluated on the samples ``X`` given, without gradients unless stated):

- ``recon_error``: mean over samples of ||x - mu_x(mu_z(x))||^2 (sum of squares per sample, the
  paper's units; deterministic, the encoder mean decoded).
- ``recon_error_expected``: the same with z ~ q(z|x) (one sample per x), the data term of Eq. (6).
- ``loss``: mean of Eq. (3) (``GaussianVAE.energy``) with the same sample.
- ``kl_per_dim``: mean over samples of KL(q(z_k|x) || N(0, 1)) = (sigma^2 + mu^2 - 1 - log sigma^2) / 2.
- ``active_var``: number of latent dimensions whose mean encoder variance E_x[sigma_z,k^2] is below
  ``var_threshold`` (default 0.5): an unused dimension has sigma^2 -> 1, an informative one -> 0.
- ``active_units``: number of k with Cov_x(E_q[z_k]) = Var_x(mu_z,k(x)) > 0.01 (Burda et al., 2016).
- ``mmd``: unbiased MMD^2 between aggregated-posterior samples z ~ q(z|x) and N(0, I) samples with
  the multi-scale inverse multiquadratic kernel of Wasserstein auto-encoders (Tolstikhin et al.,
  2018): k(a, b) = sum_s C_s / (C_s + ||a - b||^2), C_s = 2 kappa s, s in ``MMD_SCALES``.
- ``grad_norm_z``: see :func:`grad_norm_z`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import torch
from torch import Tensor

from .vae import GaussianVAE

MMD_SCALES: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
ACTIVE_UNITS_THRESHOLD = 0.01
VAR_THRESHOLD = 0.5


def imq_kernel(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """Sum over scales of C / (C + ||a_i - b_j||^2), C = 2 kappa s; shape (len(a), len(b))."""
    kappa = a.shape[1]
    d2 = torch.cdist(a, b).pow_(2)                                    # (m, m') squared distances
    out = torch.zeros_like(d2)
    tmp = torch.empty_like(d2)
    for s in scales:
        c = 2.0 * kappa * s
        torch.add(d2, c, out=tmp).reciprocal_()                        # 1 / (C + d2), in place
        out.add_(tmp, alpha=c)
    return out


def mmd_imq(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """Unbiased estimate of MMD^2 between the samples ``a`` (m, kappa) and ``b`` (m', kappa).

    MMD^2_u = sum_{i != j} k(a_i, a_j) / (m (m - 1)) + sum_{i != j} k(b_i, b_j) / (m' (m' - 1))
    - 2 sum_{i, j} k(a_i, b_j) / (m m').  It can be slightly negative when the distributions agree.
    """
    m, mb = a.shape[0], b.shape[0]
    if m < 2 or mb < 2:
        raise ValueError(f"mmd_imq needs at least 2 samples on each side; got {m} and {mb}")
    kaa, kbb, kab = imq_kernel(a, a, scales), imq_kernel(b, b, scales), imq_kernel(a, b, scales)
    s_aa = (kaa.sum() - kaa.diagonal().sum()) / (m * (m - 1))
    s_bb = (kbb.sum() - kbb.diagonal().sum()) / (mb * (mb - 1))
    return s_aa + s_bb - 2.0 * kab.mean()


def mmd_imq_biased(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """The biased (V-statistic) estimate of MMD^2: the means of k over all pairs, diagonals included,
    mean k(a, a) + mean k(b, b) - 2 mean k(a, b). It is >= 0 for a positive definite kernel (it is
    the squared RKHS distance of the two empirical mean embeddings), so its log is defined."""
    return imq_kernel(a, a, scales).mean() + imq_kernel(b, b, scales).mean() - 2.0 * imq_kernel(a, b, scales).mean()


def active_units(mu: Tensor, threshold: float = ACTIVE_UNITS_THRESHOLD) -> tuple[int, Tensor]:
    """Active units: k with Var_x(E_q[z_k|x]) > threshold. ``mu`` (n, kappa) holds the encoder means.

    Returns the count and the per-dimension variances (unbiased, n - 1 in the denominator), (kappa,).
    """
    cov = mu.var(dim=0, unbiased=True) if mu.shape[0] > 1 else torch.zeros(mu.shape[1], dtype=mu.dtype)
    return int((cov > threshold).sum()), cov


def grad_norm_z(model: GaussianVAE, x: Tensor, beta: float = 1.0, eps: Tensor | None = None) -> float:
    """||dL/dz|| of Fig. 4(b): the mean over samples i of the Euclidean norm of dE_i/dz_i, where
    E_i is the per-sample energy Eq. (3) and z_i = mu_z(x_i) + sigma_z(x_i) eps_i the sampled code,
    held fixed (so only the decoder term ||x_i - mu_x(z_i)||^2 / gamma depends on it; beta does not
    enter). Independent of the batch size; parameters' gradients are left untouched.
    """
    with torch.no_grad():
        mu_z, logvar_z = model.encode(x)
        if eps is None:
            eps = torch.randn_like(mu_z)
        z = mu_z + (0.5 * logvar_z).exp() * eps
    return _grad_norm_at(model, x, z)


def _grad_norm_at(model: GaussianVAE, x: Tensor, z: Tensor) -> float:
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        e = (x - model.decode(z)).pow(2).sum(1) * (-model.log_gamma.detach()).exp()  # z-dependent part of (3)
        (g,) = torch.autograd.grad(e.sum(), z)                       # row i = dE_i / dz_i
    return float(g.norm(dim=1).mean())


@dataclass(frozen=True)
class Metrics:
    """The metrics of one model on one sample (module docstring), as plain Python numbers.

    Per-dimension lists have length kappa. ``grad_norm_z`` is None when not computed.
    :meth:`to_dict` is the JSON form (``TrainResult.final`` and the history hold it).
    """

    loss: float                      # mean of Eq. (3) with z ~ q(z|x)
    recon_error: float               # mean ||x - mu_x(mu_z(x))||^2
    recon_error_expected: float      # mean ||x - mu_x(z)||^2, z ~ q(z|x): the data term of Eq. (6)
    gamma: float
    log_gamma: float
    kl: float                        # sum over dims of kl_per_dim
    kl_per_dim: list[float]          # (kappa,) nats
    mean_encoder_var: list[float]    # (kappa,) E_x[sigma_z,k^2]
    var_threshold: float
    active_var: int                  # #k with mean_encoder_var < var_threshold
    active_units: int                # #k with Var_x(mu_z,k) > ACTIVE_UNITS_THRESHOLD
    active_units_cov: list[float]    # (kappa,) Var_x(mu_z,k)
    active_units_threshold: float
    mmd: float                       # unbiased MMD^2, aggregated posterior vs N(0, I)
    mmd_biased: float                # the V-statistic MMD^2 on the same samples (>= 0)
    mmd_kernel: str
    n_eval: int
    grad_norm_z: float | None = None  # ||dL/dz|| of Fig. 4(b)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; ``extra`` merged in at the top level."""
        out = asdict(self)
        out.update(out.pop("extra"))
        if out["grad_norm_z"] is None:
            del out["grad_norm_z"]
        return out


@torch.no_grad()
def evaluate(model: GaussianVAE, X: Tensor, *, beta: float = 1.0, var_threshold: float = VAR_THRESHOLD,
             mmd_samples: int = 1000, seed: int = 0, with_grad_norm: bool = True) -> Metrics:
    """All metrics of the module docstring on the samples ``X`` (n, d), as a :class:`Metrics`.

    Random draws (posterior samples, prior samples for the MMD) come from a generator seeded with
    ``seed``, so the same model and seed give the same numbers.
    """
    was_training = model.training
    model.eval()
    g = torch.Generator(device=X.device).manual_seed(int(seed))
    eps = torch.randn((X.shape[0], model.kappa), generator=g, device=X.device, dtype=X.dtype)
    t = model.terms(X, beta, eps)                                     # one encoder pass, z ~ q(z|x)
    mu, logvar, z = t["mu_z"], t["logvar_z"], t["z"]                  # (n, kappa) each
    var = logvar.exp()
    rec_det = (X - model.decode(mu)).pow(2).sum(1).mean()
    kl_dim = 0.5 * (var + mu.pow(2) - 1.0 - logvar).mean(0)           # (kappa,)
    mean_var = var.mean(0)                                            # (kappa,)
    n_units, cov = active_units(mu)
    m = min(mmd_samples, X.shape[0])
    prior = torch.randn((m, model.kappa), generator=g, device=X.device, dtype=X.dtype)
    mmd = mmd_imq(z[:m], prior) if m >= 2 else torch.tensor(float("nan"))
    mmd_b = mmd_imq_biased(z[:m], prior) if m >= 2 else torch.tensor(float("nan"))
    out = Metrics(
        loss=float(t["energy"].mean()),
        recon_error=float(rec_det),
        recon_error_expected=float(t["sq_err"].mean()),
        gamma=float(model.gamma),
        log_gamma=float(model.log_gamma),
        kl=float(kl_dim.sum()),
        kl_per_dim=kl_dim.tolist(),
        mean_encoder_var=mean_var.tolist(),
        var_threshold=var_threshold,
        active_var=int((mean_var < var_threshold).sum()),
        active_units=n_units,
        active_units_cov=cov.tolist(),
        active_units_threshold=ACTIVE_UNITS_THRESHOLD,
        mmd=float(mmd),
        mmd_biased=float(mmd_b),
        mmd_kernel=f"unbiased MMD^2, IMQ sum_s C/(C+||a-b||^2), C = 2*kappa*s, s in {list(MMD_SCALES)}, "
                   f"{m} posterior vs {m} prior samples",
        n_eval=int(X.shape[0]),
        grad_norm_z=_grad_norm_at(model, X, z) if with_grad_norm else None,
    )
    model.train(was_training)
    return out
