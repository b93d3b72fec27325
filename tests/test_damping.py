"""The EMA-sign damping (models.damping) and the trainer's T18 / T12 switches: rollback off, gamma annealing."""

from __future__ import annotations

import math

import torch

from models.config import TrainConfig
from models.damping import ETA_MIN, SignDamping
from models.trainer import log_gamma_at, train

SMALL = dict(data="subspace", d=6, r=2, n=200, kappa=3, hidden=(8,), batch_size=50, log_every=10,
             checkpoint_every=10)


def _drive(damp: SignDamping, p: torch.nn.Parameter, grads: torch.Tensor) -> None:
    for g in grads:
        p.grad = g.clone()
        old = damp.before_step()
        with torch.no_grad():
            p -= 1e-3 * p.grad
        damp.after_step(old)


def test_noise_signs_freeze_raw_rprop_but_not_the_ema_sign_damping_while_a_true_oscillation_is_damped_by_both():
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(400, 1, generator=gen).sign()                 # minibatch noise: random signs
    alternating = torch.tensor([[(-1.0) ** t] for t in range(400)])   # a period-2 oscillation
    for grads, raw_frozen, ema_frozen in ((noise, True, False), (alternating, True, True)):
        raw, ema = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
        d_raw, d_ema = SignDamping([raw], ema=0.0), SignDamping([ema], ema=0.9)
        _drive(d_raw, raw, grads)
        _drive(d_ema, ema, grads)
        assert (float(d_raw.eta[0]) < 0.01) is raw_frozen
        assert (float(d_ema.eta[0]) <= ETA_MIN * 1.2 ** 2) is ema_frozen


def test_the_gamma_anneal_goes_geometrically_from_one_to_the_fixed_gamma_over_its_fraction():
    cfg = TrainConfig(gamma=1e-2, gamma_anneal_fraction=0.5, steps=100, **SMALL)
    got = [math.exp(log_gamma_at(cfg, t)) for t in range(100)]
    assert math.isclose(got[0], 1e-2 ** (1 / 50)) and math.isclose(got[49], 1e-2) and got[99] == got[49]
    ratios = [got[t + 1] / got[t] for t in range(48)]
    assert max(ratios) - min(ratios) < 1e-12                           # geometric
    res = train(cfg.replace(steps=40, gamma_anneal_fraction=1.0), progress=False)
    assert math.isclose(res.history["gamma"][-1], 1e-2, rel_tol=1e-5)  # reached at the last step
    assert math.isclose(res.history["gamma"][0], 1e-2 ** (10 / 40), rel_tol=1e-5)


def test_with_rollback_off_a_run_stops_at_its_first_non_finite_window_and_says_so():
    res = train(TrainConfig(steps=60, lr=1e6, rollback=False, **SMALL), progress=False)
    kinds = [e["action"] for e in res.events]
    assert kinds == ["stopped (rollback off)"] and res.final["steps"] < 60
    guarded = train(TrainConfig(steps=60, lr=1e6, **SMALL), progress=False)
    assert any("rolled back" in e["action"] for e in guarded.events)
