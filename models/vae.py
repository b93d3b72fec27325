"""The Gaussian VAE of the paper, Sec. 1: encoder N(mu_z, diag sigma_z^2), decoder N(mu_x, gamma I),
prior N(0, I), and its energy, Eq. (3).

Nothing here clamps gamma or the encoder variances: ``log_gamma`` and ``logvar_z`` are free real
numbers, so gamma -> 0 and sigma_z -> 0 show up as large negative logs (and large gradients), which
is the behaviour the paper studies.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

IMAGE_SIDE = 28  # the conv pair is for 28x28 single-channel images (d = 784)


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Affine layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _ConvEncoder(nn.Module):
    """(batch, 784) -> (batch, 2 kappa): two stride-2 convolutions, 28 -> 14 -> 7, then affine."""

    def __init__(self, kappa: int, channels: int = 32) -> None:
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * c * 7 * 7, 2 * kappa),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.view(-1, 1, IMAGE_SIDE, IMAGE_SIDE))


class _ConvDecoder(nn.Module):
    """(batch, kappa) -> (batch, 784): affine to 7x7 maps, two stride-2 transposed convolutions."""

    def __init__(self, kappa: int, channels: int = 32) -> None:
        super().__init__()
        c = channels
        self.c = c
        self.fc = nn.Sequential(nn.Linear(kappa, 2 * c * 7 * 7), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, 2, 1),
        )

    def forward(self, z: Tensor) -> Tensor:
        h = self.fc(z).view(-1, 2 * self.c, 7, 7)
        return self.net(h).flatten(1)


class GaussianVAE(nn.Module):
    """Gaussian encoder/decoder pair with a learned (or fixed) scalar decoder variance gamma.

    Parameters
    ----------
    d : data dimension.
    kappa : latent dimension.
    arch : ``"mlp"`` (``hidden`` widths, ReLU), ``"conv"`` (28x28 images, d = 784) or ``"linear"``
        (one affine map each side: mu_z, log sigma_z^2 = A x + a, mu_x = W z + b; the model of
        Lemma 2 / T3 up to the encoder variance depending on x).
    hidden : encoder widths, input side first; the decoder mirrors them.
    gamma : ``None``: learned, ``log_gamma`` an ``nn.Parameter`` initialised at 0 (gamma = 1);
        a float > 0: fixed, ``log_gamma`` a buffer.
    """

    def __init__(self, d: int, kappa: int, arch: str = "mlp", hidden: Sequence[int] = (128, 128),
                 gamma: float | None = None) -> None:
        super().__init__()
        self.d, self.kappa, self.arch = int(d), int(kappa), arch
        if arch == "mlp":
            self.encoder: nn.Module = _mlp([d, *hidden, 2 * kappa])
            self.decoder: nn.Module = _mlp([kappa, *reversed(tuple(hidden)), d])
        elif arch == "linear":
            self.encoder = nn.Linear(d, 2 * kappa)
            self.decoder = nn.Linear(kappa, d)
        elif arch == "conv":
            if d != IMAGE_SIDE * IMAGE_SIDE:
                raise ValueError(f"arch 'conv' needs 28x28 images, d = 784; got d={d}")
            self.encoder = _ConvEncoder(kappa)
            self.decoder = _ConvDecoder(kappa)
        else:
            raise ValueError(f"arch must be one of mlp, conv, linear; got {arch!r}")
        if gamma is None:
            self.log_gamma = nn.Parameter(torch.zeros(()))          # gamma = 1 at the start
        else:
            self.register_buffer("log_gamma", torch.tensor(math.log(float(gamma))))
        self.learn_gamma = gamma is None

    @property
    def gamma(self) -> Tensor:
        """gamma = exp(log_gamma), a 0-d tensor (never clamped)."""
        return self.log_gamma.exp()

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(mu_z, logvar_z), each (batch, kappa); logvar_z = log sigma_z^2."""
        h = self.encoder(x)
        return h[:, : self.kappa], h[:, self.kappa:]

    def decode(self, z: Tensor) -> Tensor:
        """mu_x(z), (batch, d)."""
        return self.decoder(z)

    def terms(self, x: Tensor, beta: float = 1.0, eps: Tensor | None = None) -> dict[str, Tensor]:
        """The pieces of Eq. (3) per sample (each (batch,)) plus z, mu_z, logvar_z and mu_x.

        ``z = mu_z + exp(logvar_z / 2) * eps`` with ``eps ~ N(0, I)`` unless given.
        """
        mu_z, logvar_z = self.encode(x)                                  # (batch, kappa) each
        if eps is None:
            eps = torch.randn_like(mu_z)
        return eq3_terms(x, mu_z, logvar_z, eps, self.decode, self.log_gamma, beta)

    def energy(self, x: Tensor, beta: float = 1.0, eps: Tensor | None = None) -> Tensor:
        """Per-sample energy, Eq. (3), with one reparameterised sample; shape (batch,).

        E(x) = ||x - mu_x(z)||^2 / gamma + d log gamma + beta (||sigma_z||^2 - log|diag sigma_z^2|
        + ||mu_z||^2),  z = mu_z + sigma_z * eps.

        Relation to the bound (2) (claim T1): for beta = 1, in expectation over eps,
        E = 2 (-ELBO) - d log(2 pi) + kappa, where -ELBO = -E_q[log N(x | mu_x, gamma I)]
        + KL(N(mu_z, diag sigma_z^2) || N(0, I)). For general beta, E = 2 (-ELBO_beta) - d log(2 pi)
        + beta kappa with the KL term weighted by beta. The training loss is the mean of E over the
        batch (the 1/n sum of Eq. (3)). ``tests/test_models_vae.py`` checks the constant against
        ``torch.distributions``.
        """
        return self.terms(x, beta, eps)["energy"]


def eq3_terms(x: Tensor, mu_z: Tensor, logvar_z: Tensor, eps: Tensor, decode: Callable[[Tensor], Tensor],
              log_gamma: Tensor, beta: float | Tensor = 1.0) -> dict[str, Tensor]:
    """The pieces of Eq. (3) per sample, for one model or a stack of them (the packed engine).

    ``x`` (..., batch, d); ``mu_z``, ``logvar_z``, ``eps`` (..., batch, kappa); ``decode`` maps z to
    mu_x (..., batch, d); ``log_gamma`` and ``beta`` broadcast against (..., batch) (a scalar for one
    model, (runs, 1) for a stack). Returns energy, sq_err, kl2 (each (..., batch)) and z, mu_z,
    logvar_z, mu_x.
    """
    z = mu_z + (0.5 * logvar_z).exp() * eps                           # reparameterised sample
    mu_x = decode(z)                                                  # (..., batch, d)
    sq = (x - mu_x).pow(2).sum(-1)                                    # ||x - mu_x(z)||^2
    # Eq. (3): ||x - mu_x||^2 / gamma + d log gamma + ||sigma_z||^2 - log|diag sigma_z|^2 + ||mu_z||^2
    recon = sq * (-log_gamma).exp() + x.shape[-1] * log_gamma
    kl2 = (logvar_z.exp() - logvar_z + mu_z.pow(2)).sum(-1)           # = 2 KL(q || p) + kappa
    return {"energy": recon + beta * kl2, "sq_err": sq, "kl2": kl2, "z": z,
            "mu_z": mu_z, "logvar_z": logvar_z, "mu_x": mu_x}


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
