"""Sign-oscillation damping of Adam's updates (Sec. 4 of the paper: a countermeasure when gamma -> 0).

Rprop-style (Riedmiller and Braun, 1993): each parameter element keeps a factor eta in
[ETA_MIN, 1] that scales its Adam update; eta halves when the element's gradient sign flips and
grows by ETA_UP (up to 1) otherwise.

Redesign (issue 11, T18): the raw per-step sign flips with minibatch noise. At a noise-dominated
element the sign flips with probability ~1/2 per step, so eta is multiplied by about
ETA_DOWN * ETA_UP = 0.6 every two steps and collapses to ETA_MIN: weights freeze long before an
optimum (measured before this redesign: 8/8 active dims instead of 3/3). Here the signs are
smoothed by an exponential moving average, m_t = rho m_{t-1} + (1 - rho) sign(g_t), and a flip is
a change of sign of m. A zero-mean noise sign gives an AR(1) m whose sign changes about
arccos(rho) / pi of the steps (0.14 at rho = 0.9, one change in ~7 steps), and eta * 0.5 * 1.2^6 > 1
per such cycle keeps eta at 1; a true period-2 oscillation (g alternating in sign) still flips m
every step (m alternates around +-(1 - rho)/(1 + rho)) and is damped. ``ema = 0`` is the raw
Rprop sign test.
"""

from __future__ import annotations

import torch

ETA_MIN, ETA_UP, ETA_DOWN = 1e-3, 1.2, 0.5


class SignDamping:
    """Per-element damping factors for ``params``; call :meth:`before_step` after backward and
    before the optimiser step, :meth:`after_step` after it. ``flips`` counts sign changes (a device
    tensor, read at log points)."""

    def __init__(self, params: list[torch.Tensor], ema: float = 0.0) -> None:
        if not 0.0 <= ema < 1.0:
            raise ValueError(f"ema must satisfy 0 <= ema < 1; got {ema}")
        self.params = params
        self.ema = float(ema)
        self.prev = [torch.zeros_like(p) for p in params]          # smoothed sign m_{t-1}
        self.eta = [torch.ones_like(p) for p in params]
        self.flips = torch.zeros((), dtype=torch.int64, device=params[0].device)

    def before_step(self) -> list[torch.Tensor]:
        for p, prev, eta in zip(self.params, self.prev, self.eta):
            if p.grad is None:
                continue
            m = p.grad.sign() if self.ema == 0.0 else self.ema * prev + (1.0 - self.ema) * p.grad.sign()
            flip = (m * prev) < 0
            self.flips += flip.sum()
            eta.copy_(torch.where(flip, (eta * ETA_DOWN).clamp_min(ETA_MIN), (eta * ETA_UP).clamp_max(1.0)))
            prev.copy_(m)
        return [p.detach().clone() for p in self.params]

    def after_step(self, old: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for p, o, eta in zip(self.params, old, self.eta):
                p.copy_(o + eta * (p - o))                           # scale the update by eta

    def state(self) -> dict:
        return {"prev": [t.clone() for t in self.prev], "eta": [t.clone() for t in self.eta]}

    def load(self, st: dict) -> None:
        for dst, src in zip(self.prev + self.eta, list(st["prev"]) + list(st["eta"])):
            dst.copy_(src)


__all__ = ["SignDamping", "ETA_MIN", "ETA_UP", "ETA_DOWN"]
