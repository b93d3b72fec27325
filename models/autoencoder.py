"""A plain (deterministic) autoencoder with weight decay: the bounded-gradient baseline of T13.

Encoder and decoder are the MLPs of :class:`models.vae.GaussianVAE` (``hidden`` widths, ReLU; the
encoder outputs kappa numbers, not 2 kappa). Loss: mean over the batch of ||x - dec(enc(x))||^2
plus ``weight_decay`` x the squared norm of every weight (Adam's coupled L2 penalty): a penalty
whose gradient is bounded near 0, unlike the log penalty that a learned gamma induces (Sec. 3).
Training: Adam with the same decaying learning-rate tail as the VAE trainer
(:func:`models.trainer.lr_multiplier`), minibatches drawn with a generator seeded by ``seed``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .config import TrainConfig
from .run import lr_multiplier
from .vae import _mlp

WEIGHT_DECAY = 1e-4


class Autoencoder(nn.Module):
    def __init__(self, d: int, kappa: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        self.encoder = _mlp([d, *hidden, kappa])
        self.decoder = _mlp([kappa, *reversed(tuple(hidden)), d])

    def forward(self, x: torch.Tensor) -> torch.Tensor:               # (n, d) -> (n, d)
        return self.decoder(self.encoder(x))


def train_autoencoder(X: np.ndarray, cfg: TrainConfig, weight_decay: float = WEIGHT_DECAY) -> Autoencoder:
    """Train an :class:`Autoencoder` on X (n, d) with the sizes, steps, lr (and tail), batch size,
    seed and device of ``cfg`` (its VAE-only fields are ignored)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = Autoencoder(X.shape[1], cfg.kappa, cfg.hidden)
    model = model.to(cfg.device)
    data = torch.as_tensor(np.asarray(X, np.float32), device=cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=weight_decay)
    gen = torch.Generator(device=cfg.device).manual_seed(cfg.seed)
    for t in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = cfg.lr * lr_multiplier(cfg, t)
        x = data[torch.randint(len(data), (cfg.batch_size,), generator=gen, device=cfg.device)]
        loss = (x - model(x)).pow(2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def per_sample_error(model: Autoencoder, X: np.ndarray) -> np.ndarray:
    """||x - dec(enc(x))||^2 for each row of X; shape (n,)."""
    p = next(model.parameters())
    x = torch.as_tensor(np.asarray(X), dtype=p.dtype, device=p.device)
    return (x - model(x)).pow(2).sum(1).double().cpu().numpy()


__all__ = ["Autoencoder", "train_autoencoder", "per_sample_error", "WEIGHT_DECAY"]
