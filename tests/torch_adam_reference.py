"""The independent reference of the engine's tests: ``torch.optim.Adam`` on a plain ``GaussianVAE``
fed the batch indices and noise drawn from the run's generator in the order the engine draws them
on the CPU (per step: indices, then noise)."""

import torch

from infgrad.models.config import TrainConfig
from infgrad.models.data import load_dataset
from infgrad.models.vae import GaussianVAE


def torch_adam_run(cfg: TrainConfig) -> tuple[GaussianVAE, torch.optim.Adam]:
    """``cfg.steps`` steps of constant-lr Adam on ``cfg``'s subspace data; the model and optimiser."""
    X = torch.as_tensor(load_dataset("subspace", d=cfg.d, r=cfg.r, n=cfg.n, seed=cfg.seed).X)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, foreach=False)
    gen = torch.Generator().manual_seed(cfg.seed)
    for _ in range(cfg.steps):
        idx = torch.randint(cfg.n, (cfg.batch_size,), generator=gen)
        eps = torch.randn((cfg.batch_size, cfg.kappa), generator=gen)
        loss = model.energy(X[idx], cfg.beta, eps).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt
