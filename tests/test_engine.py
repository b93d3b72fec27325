"""The packed engine: each run of a pack ends as it would alone, and per-run semantics survive."""

import math

import numpy as np
import pytest
import torch

from models.config import TrainConfig
from models.engine import train_pack
from models.trainer import lr_multiplier, train

SMALL = dict(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
             mmd_samples=50, eval_samples=200)


def test_train_pack_returns_one_result_per_run_in_input_order_matching_train():
    cfgs = [TrainConfig(steps=50, seed=s, beta=b, **SMALL) for s, b in ((3, 1.0), (1, 0.5))]
    cfgs.append(TrainConfig(steps=25, seed=2, **{**SMALL, "kappa": 2}))     # another shape, another pack
    packed = train_pack(cfgs)
    assert [r.config for r in packed] == cfgs
    for cfg, res in zip(cfgs, packed):
        alone = train(cfg, progress=False)
        assert res.history["step"] == alone.history["step"]
        assert math.isclose(res.final["loss"], alone.final["loss"], rel_tol=1e-4)


def test_the_lr_tail_decays_geometrically_to_the_factor_over_the_last_fraction_of_steps():
    cfg = TrainConfig(steps=10, lr_tail_fraction=0.4, lr_tail_factor=0.01)
    m = [lr_multiplier(cfg, t) for t in range(10)]
    assert m[:6] == [1.0] * 6
    np.testing.assert_allclose(m[6:], [0.01 ** (j / 4) for j in (1, 2, 3, 4)])
    assert lr_multiplier(cfg.replace(lr_tail_fraction=0.0), 9) == 1.0
    res = train(TrainConfig(steps=100, lr=1e-3, lr_tail_fraction=0.5, lr_tail_factor=0.1, **SMALL), progress=False)
    np.testing.assert_allclose(res.history["lr"], [1e-3, 1e-3, 1e-3 * 0.1 ** 0.5, 1e-4])
