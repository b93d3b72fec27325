"""The EMA-sign damping (models.stacked.FlatAdam) and the T18 / T12 switches of the engine:
rollback off, gamma annealing."""

from __future__ import annotations

import math

import numpy as np
import torch

from infgrad.models.config import TrainConfig
from infgrad.models.engine import train_pack
from infgrad.models.stacked import ETA_MIN, FlatAdam
from infgrad.models.run import log_gamma_at
from infgrad.models.trainer import train

SMALL = dict(data="subspace", d=6, r=2, n=200, kappa=3, hidden=(8,), batch_size=50, log_every=10,
             checkpoint_every=10)


def test_noise_signs_freeze_raw_rprop_but_not_the_ema_sign_damping_while_a_true_oscillation_is_damped_by_both():
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(400, 1, generator=gen).sign()                 # minibatch noise: random signs
    alternating = torch.tensor([[(-1.0) ** t] for t in range(400)])   # a period-2 oscillation
    for grads, ema_frozen in ((noise, False), (alternating, True)):
        flat = torch.zeros(2, 1)                                      # run 0: raw signs, run 1: ema 0.9
        adam = FlatAdam(flat, torch.tensor([[True], [True]]), torch.tensor([[0.0], [0.9]]))
        for g in grads:
            adam.step(flat, torch.stack([g, g]), torch.tensor([[1e-3], [1e-3]]))
        assert float(adam.eta[0, 0]) < 0.01                          # raw Rprop freezes on both
        assert (float(adam.eta[1, 0]) <= ETA_MIN * 1.2 ** 2) is ema_frozen


def test_the_gamma_anneal_goes_geometrically_from_one_to_the_fixed_gamma_over_its_fraction():
    cfg = TrainConfig(gamma=1e-2, gamma_anneal_fraction=0.5, steps=100, **SMALL)
    got = [math.exp(log_gamma_at(cfg, t)) for t in range(100)]
    assert math.isclose(got[0], 1e-2 ** (1 / 50)) and math.isclose(got[49], 1e-2) and got[99] == got[49]
    ratios = [got[t + 1] / got[t] for t in range(48)]
    assert max(ratios) - min(ratios) < 1e-12                           # geometric
    res = train(cfg.replace(steps=40, gamma_anneal_fraction=1.0), progress=False)
    assert math.isclose(res.history["gamma"][-1], 1e-2, rel_tol=1e-5)  # reached at the last step
    assert math.isclose(res.history["gamma"][0], 1e-2 ** (10 / 40), rel_tol=1e-5)


def test_with_rollback_off_a_run_stops_at_its_first_non_finite_window_says_so_and_leaves_its_pack_alone():
    cfgs = [TrainConfig(steps=60, lr=1e6, rollback=False, **SMALL), TrainConfig(steps=60, lr=1e6, **SMALL),
            TrainConfig(steps=60, **SMALL)]
    stopped, guarded, calm = train_pack(cfgs)
    assert [e["action"] for e in stopped.events] == ["stopped (rollback off)"]
    assert not math.isfinite(stopped.final["loss"])
    assert any("rolled back" in e["action"] for e in guarded.events) and math.isfinite(guarded.final["loss"])
    alone = train(cfgs[2], progress=False)
    assert math.isclose(calm.final["recon_error"], alone.final["recon_error"], rel_tol=1e-4)
    assert not calm.events


def test_the_window_draws_path_anneals_gamma_as_the_per_step_path_does():
    from infgrad.models.engine import Pack, run_pack
    from infgrad.models.run import dataset_for

    cfg = TrainConfig(gamma=1e-2, gamma_anneal_fraction=0.5, steps=40, **SMALL)
    ds = dataset_for(cfg)
    step = run_pack(Pack([cfg], [ds], [None], graph=False, draws="step"))[0]
    window = run_pack(Pack([cfg], [ds], [None], graph=False, draws="window"))[0]
    np.testing.assert_allclose(window.history["gamma"], step.history["gamma"], rtol=1e-6)
