"""A plain autoencoder of the VAE's own architecture, with no penalty: T13's "superfluous latent
flexibility" baseline (Sec. 2.2; Fig. 1).

The network is :func:`models.run.build_model` of the run's config (same arch, widths, kappa and
initialisation); only the encoder's mean path is used, z = mu_z(x), and the loss is the batch mean of
||x - mu_x(mu_z(x))||^2: no KL, no gamma, no weight decay, so nothing shuts unneeded latent
dimensions off. Adam with the config's learning rate and its decaying tail, minibatches drawn with a
generator seeded by the config's seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def train_plain_ae(X: np.ndarray, cfg: Any) -> Any:
    """Train the deterministic autoencoder of ``cfg`` on X (n, d); returns the model (eval mode),
    usable with :func:`common.per_sample_error` (it reads ``encode``'s mean and ``decode``)."""
    import torch

    from infgrad.models.run import build_model, lr_multipliers

    model = build_model(cfg, X.shape[1])
    p = next(model.parameters())
    data = torch.as_tensor(np.asarray(X), dtype=p.dtype, device=p.device)
    params = [q for name, q in model.named_parameters() if name != "log_gamma"]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    gen = torch.Generator(device=p.device).manual_seed(int(cfg.seed))
    mult = lr_multipliers(cfg, 0, cfg.steps)
    model.train()
    for t in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = cfg.lr * float(mult[t])
        x = data[torch.randint(len(data), (cfg.batch_size,), generator=gen, device=p.device)]
        mu, _ = model.encode(x)
        loss = (x - model.decode(mu)).pow(2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()
