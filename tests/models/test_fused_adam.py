"""The CPU's fused Adam step (``FlatAdam.fused_step``, torch's fused kernel per tensor) against the
flat Adam (``FlatAdam.step``) it replaces on the CPU: the moments and parameters within float
rounding (the kernel's vectorised body and scalar tail round differently from the flat Adam's separate
passes), per-run step sizes, and a fixed-gamma run's log gamma left alone."""

import numpy as np
import pytest
import torch

from infgrad.models.stacked import FlatAdam

SIZES = [6, 4, 9, 1]                                   # blocks in storage order; the last is log gamma


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_step_follows_the_flat_adam_within_rounding(dtype):
    M, P = 3, sum(SIZES)
    gen = torch.Generator().manual_seed(0)
    start = torch.randn((M, P), generator=gen, dtype=dtype)
    flat_a, flat_b = start.clone(), start.clone()
    a, b = FlatAdam(flat_a, None), FlatAdam(flat_b, None)
    lr = np.array([1e-3, 3e-3, 1e-3])                   # two step sizes: two fused calls per step
    learn = [True, True, False]                         # run 2: fixed gamma
    for step in range(25):
        g = torch.randn((M, P), generator=gen, dtype=dtype) * (1 + step % 4)
        blocks = list(g.split(SIZES, dim=1))
        b.fused_step(flat_b, [x.contiguous() for x in blocks], lr, learn, SIZES)
        g[2, -1] = 0.0                                  # what the engine does for a fixed gamma
        a.step(flat_a, g, torch.as_tensor(lr, dtype=dtype).unsqueeze(1))
    assert torch.equal(a.t, b.t)
    tol = 1e-6 if dtype == torch.float32 else 1e-14
    for x, y in ((b.m, a.m), (b.v, a.v), (flat_b, flat_a)):
        torch.testing.assert_close(x, y, rtol=tol, atol=tol)
    assert flat_b[2, -1] == start[2, -1] and b.m[2, -1] == 0 and b.v[2, -1] == 0
    assert not torch.equal(flat_b[0], start[0]) and not torch.equal(flat_b[1], start[1])


def test_fused_step_moves_each_run_by_its_own_step_size():
    """One step from zero moments moves every element by about its run's lr (Adam's first step
    is lr * sign(g))."""
    flat = torch.zeros((2, sum(SIZES)))
    adam = FlatAdam(flat, None)
    g = torch.ones_like(flat)
    adam.fused_step(flat, [x.contiguous() for x in g.split(SIZES, dim=1)], np.array([1e-3, 1e-2]),
                    [True, True], SIZES)
    torch.testing.assert_close(flat[0], torch.full_like(flat[0], -1e-3), rtol=1e-4, atol=0)
    torch.testing.assert_close(flat[1], torch.full_like(flat[1], -1e-2), rtol=1e-4, atol=0)


def test_fused_step_refuses_damping():
    flat = torch.zeros((1, sum(SIZES)))
    adam = FlatAdam(flat, torch.tensor([[True]]))
    with pytest.raises(ValueError, match="damping"):
        adam.fused_step(flat, list(flat.split(SIZES, dim=1)), np.array([1e-3]), [True], SIZES)


def test_a_short_run_with_the_fused_step_ends_where_the_flat_adam_ends_within_float_rounding(monkeypatch):
    """What the switch does to a run's numbers: 100 steps of the engine tests' small model with the
    CPU's fused step and with FlatAdam.step on the same draws end within rtol 1e-4 in every final
    number the experiments read (the tolerance of a run alone against a run in a pack). Over
    thousands of steps training amplifies the rounding as it amplifies any reordering (measured:
    1500 steps of the sparsity model, gamma 1.5e-4 apart, recon_error 5 % apart at 0.0045, the same
    active dimensions), so long runs agree in distribution, not to the digit."""
    from infgrad.models.config import TrainConfig
    from infgrad.models.trainer import train

    cfg = TrainConfig(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
                      mmd_samples=50, eval_samples=200, steps=100, seed=3)
    fused = train(cfg, progress=False)

    def via_step(self, flat, grads, lr, learn, sizes):
        g = torch.cat(grads, 1)
        g[:, -1] = torch.where(torch.tensor(learn), g[:, -1], 0.0)
        self.step(flat, g, torch.as_tensor(lr, dtype=flat.dtype).unsqueeze(1))

    monkeypatch.setattr(FlatAdam, "fused_step", via_step)
    flat = train(cfg, progress=False)
    for key in ("loss", "recon_error", "gamma", "kl", "grad_norm_z", "mmd_biased"):
        np.testing.assert_allclose(fused.final[key], flat.final[key], rtol=1e-4, err_msg=key)
    np.testing.assert_allclose(fused.final["mean_encoder_var"], flat.final["mean_encoder_var"], rtol=1e-4)
    np.testing.assert_allclose(fused.final["mmd"], flat.final["mmd"], atol=1e-5)
    assert fused.final["active_var"] == flat.final["active_var"]
    assert fused.final["loss"] != flat.final["loss"] or fused.final["kl"] != flat.final["kl"]  # two paths ran
