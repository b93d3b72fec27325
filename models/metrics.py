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
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

from .vae import GaussianVAE, eq3_terms

MMD_SCALES: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
ACTIVE_UNITS_THRESHOLD = 0.01
VAR_THRESHOLD = 0.5


def imq_kernel(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """Sum over scales of C / (C + ||a_i - b_j||^2), C = 2 kappa s; shape (..., len(a), len(b))
    (``a`` (..., m, kappa) and ``b`` (..., m', kappa), leading dimensions batched)."""
    kappa = a.shape[-1]
    d2 = torch.cdist(a, b).pow_(2)                                    # (..., m, m') squared distances
    out = torch.zeros_like(d2)
    tmp = torch.empty_like(d2)
    for s in scales:
        c = 2.0 * kappa * s
        torch.add(d2, c, out=tmp).reciprocal_()                        # 1 / (C + d2), in place
        out.add_(tmp, alpha=c)
    return out


def mmd_imq_both(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> tuple[Tensor, Tensor]:
    """(unbiased, biased) MMD^2 estimates (:func:`mmd_imq`, :func:`mmd_imq_biased`) from one
    computation of the three kernel matrices; ``a`` (..., m, kappa), ``b`` (..., m', kappa) -> (...,) each."""
    m, mb = a.shape[-2], b.shape[-2]
    if m < 2 or mb < 2:
        raise ValueError(f"mmd_imq needs at least 2 samples on each side; got {m} and {mb}")
    kaa, kbb, kab = imq_kernel(a, a, scales), imq_kernel(b, b, scales), imq_kernel(a, b, scales)
    saa, sbb, sab = kaa.sum((-2, -1)), kbb.sum((-2, -1)), kab.mean((-2, -1))
    daa, dbb = kaa.diagonal(dim1=-2, dim2=-1).sum(-1), kbb.diagonal(dim1=-2, dim2=-1).sum(-1)
    unbiased = (saa - daa) / (m * (m - 1)) + (sbb - dbb) / (mb * (mb - 1)) - 2.0 * sab
    biased = saa / (m * m) + sbb / (mb * mb) - 2.0 * sab
    return unbiased, biased


def mmd_imq(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """Unbiased estimate of MMD^2 between the samples ``a`` (m, kappa) and ``b`` (m', kappa).

    MMD^2_u = sum_{i != j} k(a_i, a_j) / (m (m - 1)) + sum_{i != j} k(b_i, b_j) / (m' (m' - 1))
    - 2 sum_{i, j} k(a_i, b_j) / (m m').  It can be slightly negative when the distributions agree.
    """
    return mmd_imq_both(a, b, scales)[0]


def mmd_imq_biased(a: Tensor, b: Tensor, scales: Sequence[float] = MMD_SCALES) -> Tensor:
    """The biased (V-statistic) estimate of MMD^2: the means of k over all pairs, diagonals included,
    mean k(a, a) + mean k(b, b) - 2 mean k(a, b). It is >= 0 for a positive definite kernel (it is
    the squared RKHS distance of the two empirical mean embeddings), so its log is defined."""
    return mmd_imq_both(a, b, scales)[1]


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


def draws(seed: int, n: int, m: int, kappa: int, device: torch.device, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """The random draws of one evaluation: eps (n, kappa) for z ~ q(z|x), then the prior sample
    (m, kappa) of the MMD, from one generator seeded with ``seed``."""
    g = torch.Generator(device=device).manual_seed(int(seed))
    eps = torch.randn((n, kappa), generator=g, device=device, dtype=dtype)
    return eps, torch.randn((m, kappa), generator=g, device=device, dtype=dtype)


@torch.no_grad()
def evaluate(model: GaussianVAE, X: Tensor, *, beta: float = 1.0, var_threshold: float = VAR_THRESHOLD,
             mmd_samples: int = 1000, seed: int = 0, with_grad_norm: bool = True) -> Metrics:
    """All metrics of the module docstring on the samples ``X`` (n, d), as a :class:`Metrics`.

    Random draws (posterior samples, prior samples for the MMD) come from a generator seeded with
    ``seed`` (:func:`draws`), so the same model and seed give the same numbers. A stack of M models
    of one shape is evaluated at once by :func:`evaluate_stacked` (the packed engine's metrics).
    """
    was_training = model.training
    model.eval()
    m = min(mmd_samples, X.shape[0])
    eps, prior = draws(seed, X.shape[0], m, model.kappa, X.device, X.dtype)
    (out,) = evaluate_stacked(lambda x: tuple(t.unsqueeze(0) for t in model.encode(x[0])),
                              lambda z: model.decode(z[0]).unsqueeze(0), model.log_gamma.detach().reshape(1),
                              X.unsqueeze(0), eps.unsqueeze(0), prior.unsqueeze(0), [beta],
                              var_threshold=var_threshold, with_grad_norm=with_grad_norm)
    model.train(was_training)
    return out


@torch.no_grad()
def evaluate_stacked(encode: Callable[[Tensor], tuple[Tensor, Tensor]], decode: Callable[[Tensor], Tensor],
                     log_gamma: Tensor, X: Tensor, eps: Tensor, prior: Tensor, beta: Sequence[float], *,
                     var_threshold: float = VAR_THRESHOLD, with_grad_norm: bool = True,
                     rows: int | None = None, recon_rows: int | None = None) -> list[Metrics]:
    """The metrics of M models of one shape at once, one :class:`Metrics` per model, each what
    :func:`evaluate` gives for that model with the same draws.

    ``encode`` maps (M, n, d) to (mu_z, logvar_z), each (M, n, kappa); ``decode`` (M, n, kappa) to
    (M, n, d); ``log_gamma`` (M,); ``X`` (M, n, d); ``eps`` (M, n, kappa) and ``prior`` (M, m, kappa)
    the draws of each model (:func:`draws`); ``beta`` one per model. The decoder runs twice per
    sample: once at z ~ q(z|x), whose output gives Eq. (3), the expected error and (backward to z
    only) ||dL/dz||, and once at mu_z for the deterministic reconstruction error.

    ``rows``: samples per pass (default all n). The per-sample values (Eq. (3), the errors, the
    codes, the gradient norms) are computed ``rows`` samples at a time and every mean is taken over
    all n afterwards, so the numbers do not depend on ``rows`` beyond the matmuls' float order;
    small passes keep the (rows, d) activations in cache (the large model's final metrics on the
    2-core CPU: 10 000 samples at once spent a third of their time in elementwise passes over
    31 MB tensors and their page faults).

    ``recon_rows``: ``recon_error`` (the decoder at mu_z, a quarter of the work) on the first
    ``recon_rows`` samples only (default all n); every other number still uses all n. The packed
    engine's log points use it: no check reads the history's ``recon_error``.
    """
    M, n, d = X.shape
    lg = log_gamma.reshape(M, 1)
    b = torch.as_tensor(list(beta), dtype=X.dtype, device=X.device).reshape(M, 1)
    # d(sq_err / gamma) / d mu_x = -2 (x - mu_x) / gamma: the decoder's output gradient of ||dL/dz||,
    # the same floats as autograd's through the square and the difference (scaling by 2 is exact)
    coef = (-2.0 * (-lg).exp()).unsqueeze(-1)                              # (M, 1, 1)
    kappa, m = eps.shape[-1], prior.shape[-2]
    mu, logvar = X.new_empty((M, n, kappa)), X.new_empty((M, n, kappa))
    energy, sq, gnorm = (X.new_empty((M, n)) for _ in range(3))
    n_rec = n if recon_rows is None else max(1, min(n, int(recon_rows)))
    rec_det = X.new_empty((M, n_rec))
    z_m = X.new_empty((M, min(m, n), kappa))
    step = n if rows is None else max(1, int(rows))
    for a in range(0, n, step):
        s = slice(a, min(n, a + step))
        x = X[:, s]
        mu_c, logvar_c = encode(x)
        with torch.enable_grad():
            # dE/dz through mu: z = mu + sigma * eps, so the gradient at mu is the one at z, bit for bit
            mu_leaf = mu_c.detach().requires_grad_(with_grad_norm)
            t = eq3_terms(x, mu_leaf, logvar_c, eps[:, s], decode, lg, b)          # (M, rows) each; z ~ q(z|x)
            if with_grad_norm:
                (g,) = torch.autograd.grad(t["mu_x"], mu_leaf, (x - t["mu_x"].detach()).mul_(coef))
                gnorm[:, s] = g.norm(dim=-1)                                     # row i: ||dE_i / dz_i||
        mu[:, s], logvar[:, s] = mu_c, logvar_c
        energy[:, s], sq[:, s] = t["energy"].detach(), t["sq_err"].detach()
        if a < m:
            z_m[:, a:min(m, s.stop)] = t["z"].detach()[:, : m - a]
        if a < n_rec:                                                            # ||x - mu_x(mu_z(x))||^2
            r = min(n_rec, s.stop) - a
            rec_det[:, a:a + r] = (x[:, :r] - decode(mu_c[:, :r])).pow(2).sum(-1)
    gnorm_l = gnorm.mean(-1).tolist() if with_grad_norm else None
    rec_det = rec_det.mean(-1)                                                   # (M,)
    var = logvar.exp()
    kl_dim = 0.5 * (var + mu.pow(2) - 1.0 - logvar).mean(-2)              # (M, kappa)
    mean_var = var.mean(-2)                                               # (M, kappa)
    cov = mu.var(dim=-2, unbiased=True) if n > 1 else torch.zeros_like(mean_var)
    if m >= 2:
        mmd, mmd_b = (v.tolist() for v in mmd_imq_both(z_m, prior))
    else:
        mmd = mmd_b = [float("nan")] * M
    cols = {"loss": energy.mean(-1), "recon_error": rec_det, "recon_error_expected": sq.mean(-1),
            "log_gamma": lg[:, 0], "gamma": lg[:, 0].exp(), "kl": kl_dim.sum(-1)}
    cols = {k: v.tolist() for k, v in cols.items()}
    kl_l, var_l, cov_l = kl_dim.tolist(), mean_var.tolist(), cov.tolist()
    active_v = (mean_var < var_threshold).sum(-1).tolist()
    units = (cov > ACTIVE_UNITS_THRESHOLD).sum(-1).tolist()
    kernel = (f"unbiased MMD^2, IMQ sum_s C/(C+||a-b||^2), C = 2*kappa*s, s in {list(MMD_SCALES)}, "
              f"{m} posterior vs {m} prior samples")
    return [Metrics(loss=cols["loss"][i], recon_error=cols["recon_error"][i],
                    recon_error_expected=cols["recon_error_expected"][i], gamma=cols["gamma"][i],
                    log_gamma=cols["log_gamma"][i], kl=cols["kl"][i], kl_per_dim=kl_l[i], mean_encoder_var=var_l[i],
                    var_threshold=var_threshold, active_var=int(active_v[i]), active_units=int(units[i]),
                    active_units_cov=cov_l[i], active_units_threshold=ACTIVE_UNITS_THRESHOLD, mmd=mmd[i],
                    mmd_biased=mmd_b[i], mmd_kernel=kernel, n_eval=int(n),
                    grad_norm_z=None if gnorm_l is None else gnorm_l[i])
            for i in range(M)]
