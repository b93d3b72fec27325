"""Deterministic autoencoders of the VAE's own architecture, T13's baselines (Sec. 2.2, Fig. 1; (7)).

- :func:`train_plain_ae`: no penalty at all, the "superfluous latent flexibility" baseline: the
  loss is the batch mean of ||x - mu_x(mu_z(x))||^2: no KL, no gamma, no weight decay, so nothing
  shuts unneeded latent dimensions off.
- :func:`train_penalised_ae`: the regularised AE of (7) with bounded-gradient g and h:
  g(u) = u on the reconstruction error per coordinate and h(u) = log(1 + u) on each code dim's
  mean square u_k = (1/n) ||z_k||^2 (:func:`code_penalty`; dh/du = 1/(1 + u) lies in (0, 1]), so
  the loss is (1/(d n)) sum_i ||x_i - mu_x(z_i)||^2 + (1/d) sum_k log(1 + u_k) over each batch.
  (7)'s constraint theta in Theta, which rules out the trivial Z -> 0 with a decoder that grows to
  compensate, is a 1-Lipschitz decoder: after every step each affine layer's weight is divided by
  its spectral norm where that exceeds 1 (ReLU is 1-Lipschitz, so the decoder is), so the codes
  must spread at least as far as the data they reconstruct. MLP decoders only (the toy).
  Theorem 4 says such an AE cannot be guaranteed to reach an optimal sparse representation, not
  that it never does: T13 reports it beside the VAE without a rule.

Both: the network is :func:`models.run.build_model` of the run's config (same arch, widths, kappa
and initialisation); only the encoder's mean path is used, z = mu_z(x); Adam with the config's
learning rate and its decaying tail, minibatches drawn with a generator seeded by the config's seed.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def code_penalty(z: Any) -> Any:
    """sum_k h(u_k), h(u) = log(1 + u), u_k = mean_i z_ik^2: (7)'s code term times d, for codes z
    (n, kappa). Its gradient is 2 z_ik / (n (1 + u_k)), at most 1 / sqrt(n) in size."""
    import torch

    return torch.log1p(z.pow(2).mean(0)).sum()


def lipschitz_project(decoder: Any) -> None:
    """Divide each affine layer's weight by its spectral norm where that exceeds 1 (in place)."""
    import torch

    with torch.no_grad():
        for layer in decoder.modules():
            if isinstance(layer, torch.nn.Linear):
                s = torch.linalg.matrix_norm(layer.weight, ord=2)
                if s > 1:
                    layer.weight.div_(s)


def _train(X: np.ndarray, cfg: Any, loss_of: Callable[[Any, Any, Any], Any],
           after_step: Callable[[Any], None] | None = None) -> Any:
    import torch

    from infgrad.models.run import build_model, lr_multipliers

    model = build_model(cfg, X.shape[1])
    p = next(model.parameters())
    data = torch.as_tensor(np.asarray(X), dtype=p.dtype, device=p.device)
    params = [q for name, q in model.named_parameters() if name != "log_gamma"]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    gen = torch.Generator(device=p.device).manual_seed(int(cfg.seed))
    mult = lr_multipliers(cfg, 0, cfg.steps)
    if after_step is not None:
        after_step(model)
    model.train()
    for t in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = cfg.lr * float(mult[t])
        x = data[torch.randint(len(data), (cfg.batch_size,), generator=gen, device=p.device)]
        mu, _ = model.encode(x)
        loss = loss_of(model, x, mu)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if after_step is not None:
            after_step(model)
    return model.eval()


def _plain_loss(model: Any, x: Any, mu: Any) -> Any:
    return (x - model.decode(mu)).pow(2).sum(1).mean()


def _penalised_loss(model: Any, x: Any, mu: Any) -> Any:
    d = x.shape[1]
    return (x - model.decode(mu)).pow(2).sum(1).mean() / d + code_penalty(mu) / d


def train_plain_ae(X: np.ndarray, cfg: Any) -> Any:
    """Train the deterministic autoencoder of ``cfg`` on X (n, d); returns the model (eval mode),
    usable with :func:`common.per_sample_error` (it reads ``encode``'s mean and ``decode``)."""
    return _train(X, cfg, _plain_loss)


def train_penalised_ae(X: np.ndarray, cfg: Any) -> Any:
    """Train the AE of (7) with g(u) = u, h(u) = log(1 + u) and a 1-Lipschitz decoder (MLP arch)."""
    if cfg.arch != "mlp":
        raise ValueError(f"the penalised AE needs an MLP decoder (its Lipschitz bound); got arch {cfg.arch!r}")
    return _train(X, cfg, _penalised_loss, lambda model: lipschitz_project(model.decoder))
