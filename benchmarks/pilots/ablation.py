"""What each latent dimension of a trained VAE buys: the error when that dimension alone is set to
its prior mean, against what the dimension costs in the energy.

Put the optimal gamma = err / d into Eq. (3) of the paper (err the error per sample): the energy is
d log(err / d) + d + 2 KL + kappa per sample, so a dimension whose KL is c nats lowers the energy
when removing it would raise err by a relative share f with d log(1 + f) > 2 c: f > exp(2 c / d) - 1,
about 2 c / d. Here err is the
deterministic error ||x - mu_x(mu_z(x))||^2 and "cut" is measured by setting mu_z,k to 0 (the prior
mean) with the decoder unchanged: an estimate of a dimension's worth, not a retrained model. The
energy's err is the expected error with z ~ q(z|x), larger than the deterministic one; given it
(``expected_error``), the share is the increase over it, which is the smaller, stricter share.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch


@torch.no_grad()
def leave_one_out(model: Any, X: np.ndarray, kl_per_dim: Sequence[float], chunk: int = 1000,
                  expected_error: float | None = None) -> dict[str, Any]:
    """Per dimension (sorted by KL, largest first): its KL, the error increase when mu_z,k is set
    to 0 as a share of ``expected_error`` (default: of the deterministic error), and the break-even
    share exp(2 KL / d) - 1; plus ``worth_keeping``, the count of dimensions whose increase exceeds
    their break-even share."""
    x = torch.as_tensor(np.asarray(X, dtype=np.float32))
    d = x.shape[1]
    mus = torch.cat([model.encode(x[i:i + chunk])[0] for i in range(0, len(x), chunk)])

    def err(mu: torch.Tensor) -> float:
        total = sum((x[i:i + chunk] - model.decode(mu[i:i + chunk])).pow(2).sum() for i in range(0, len(x), chunk))
        return float(total) / len(x)

    base = err(mus)
    denom = base if expected_error is None else float(expected_error)
    kl = np.asarray(kl_per_dim, dtype=float)
    rows = []
    for k in np.argsort(-kl, kind="stable"):
        mu = mus.clone()
        mu[:, k] = 0.0
        rows.append({"dim": int(k), "kl": float(kl[k]), "rel_error_increase": (err(mu) - base) / denom,
                     "break_even": float(np.expm1(2.0 * kl[k] / d))})
    worth = sum(r["rel_error_increase"] > r["break_even"] for r in rows)
    return {"error": base, "denominator": denom, "dims": rows, "worth_keeping": int(worth)}
