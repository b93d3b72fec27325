"""The packed engine: each run of a pack ends as it would alone, and per-run semantics survive.

Tolerance: a run alone and the same run in a pack compute the same float32 operations except that
the batched matmuls may reorder sums; final metrics agree to rtol 1e-4 (atol 1e-6), the MMD to atol
1e-5: it is a difference of kernel means of size ~0.5 that cancel to ~1e-2, so its float32 reordering
error is absolute (with 2 intra-op threads a pack of 16 moved it by 1.9e-6 after 100 steps).
"""

import math

import numpy as np
import pytest
import torch

from infgrad.models.config import TrainConfig
from infgrad.models.data import load_dataset
from infgrad.models.engine import train_pack
from infgrad.models.stacked import FlatAdam
from infgrad.models.run import lr_multiplier
from infgrad.models.trainer import train

from torch_adam_reference import torch_adam_run

SMALL = dict(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
             mmd_samples=50, eval_samples=200)
RTOL, ATOL = 1e-4, 1e-6
ATOL_KEY = {"mmd": 1e-5}
FINAL_KEYS = ("loss", "recon_error", "gamma", "kl", "mmd", "active_var", "active_units")


def _same_run(a, b):
    for key in FINAL_KEYS:
        assert math.isclose(a.final[key], b.final[key], rel_tol=RTOL, abs_tol=ATOL_KEY.get(key, ATOL)), \
            (key, a.final[key], b.final[key])
    assert a.history["step"] == b.history["step"]
    np.testing.assert_allclose(a.history["gamma"], b.history["gamma"], rtol=RTOL, atol=ATOL)
    assert [(e["step"], e["kind"], e["lr"]) for e in a.events] == [(e["step"], e["kind"], e["lr"]) for e in b.events]


def test_a_run_gives_the_same_final_metrics_alone_and_in_a_pack_of_16():
    cfgs = [TrainConfig(steps=100, seed=s, beta=(0.5, 1.0, 2.0)[s % 3], lr=(1e-3, 2e-3)[s % 2],
                        gamma=0.3 if s % 4 == 3 else None, rprop_damping=s % 5 == 0, lr_tail_fraction=0.3 * (s % 2),
                        **SMALL) for s in range(16)]
    packed = train_pack(cfgs)
    assert [r.config for r in packed] == cfgs
    for j in (0, 3, 5, 10, 15):                         # learned and fixed gamma, damped, tail or not
        _same_run(packed[j], train(cfgs[j], progress=False))
    assert packed[3].final["gamma"] == pytest.approx(0.3, rel=1e-6)     # fixed gamma stays fixed in a pack
    assert packed[0].final["gamma"] < 1.0
    assert len({round(r.final["loss"], 6) for r in packed}) == 16       # the runs really differ


def test_runs_of_different_shapes_go_in_separate_packs_and_come_back_in_input_order():
    cfgs = [TrainConfig(steps=50, seed=1, **SMALL), TrainConfig(steps=25, seed=2, **{**SMALL, "kappa": 2}),
            TrainConfig(steps=50, seed=3, **SMALL)]
    packed = train_pack(cfgs)
    assert [r.config for r in packed] == cfgs
    assert packed[1].history["step"] == [25] and packed[1].final["kl_per_dim"].__len__() == 2
    _same_run(packed[2], train(cfgs[2], progress=False))


def test_runs_of_a_pack_train_on_their_own_data():
    cfg = TrainConfig(steps=50, **SMALL)
    a = load_dataset("subspace", d=6, r=2, n=200, seed=11)
    b = load_dataset("manifold", d=6, r=2, n=200, seed=12)
    pa, pb = train_pack([cfg, cfg], [a, b.X])
    _same_run(pa, train(cfg, a, progress=False))
    _same_run(pb, train(cfg, b.X, progress=False))
    assert pa.final["loss"] != pb.final["loss"]


def test_a_pack_with_one_run_forced_non_finite_rolls_back_that_run_only():
    base = dict(SMALL, arch="linear", steps=100)
    cfgs = [TrainConfig(seed=s, lr=1e4 if s == 2 else 1e-3, **base) for s in range(4)]   # run 2 diverges
    packed = train_pack(cfgs)
    rollbacks = [e for e in packed[2].events if e["kind"] == "non-finite"]
    assert rollbacks and [e["lr"] for e in rollbacks] == [1e4 * 0.5 ** (i + 1) for i in range(len(rollbacks))]
    assert all(not r.events for j, r in enumerate(packed) if j != 2)
    assert all(math.isfinite(r.final["loss"]) for r in packed)
    for j in (1, 2):                                    # a bystander and the diverging run end as alone
        _same_run(packed[j], train(cfgs[j], progress=False))


def test_the_conv_arch_packs_run_by_run_on_the_cpu_and_matches_a_run_alone_exactly():
    X = np.random.default_rng(0).random((40, 784), dtype=np.float32)
    cfgs = [TrainConfig(data="array", d=784, n=40, kappa=2, arch="conv", steps=4, batch_size=4, log_every=2,
                        checkpoint_every=2, eval_samples=20, mmd_samples=10, seed=s) for s in (0, 1)]
    packed = train_pack(cfgs, [X, X])
    alone = train(cfgs[1], X, progress=False)
    _same_run(packed[1], alone)
    # on the CPU each run's convolutions are its own (not vmap's grouped ones): bit-identical
    assert all(packed[1].final[k] == alone.final[k] for k in FINAL_KEYS)
    assert packed[1].history["loss"] == alone.history["loss"]


def test_the_grouped_conv_of_cuda_packs_computes_the_run_by_run_loss_and_gradients():
    """The vmap path that CUDA takes, checked here on the CPU against the loop over runs."""
    from infgrad.models.stacked import Layout, StackedVAE
    from infgrad.models.vae import GaussianVAE

    torch.manual_seed(0)
    models = [GaussianVAE(784, 3, "conv", ()) for _ in range(3)]
    layout = Layout.of(models[0])
    flat = torch.stack([layout.row(m) for m in models])
    x, eps, beta = torch.rand(3, 5, 784), torch.randn(3, 5, 3), torch.ones(3, 1)
    out = {}
    for grouped in (True, False):
        leaves = [v.detach().requires_grad_(True) for v in layout.views(flat)]
        loss = StackedVAE(models[0], layout, leaves, grouped=grouped).loss(x, eps, beta)
        out[grouped] = (loss, torch.autograd.grad(loss.sum(), leaves))
    torch.testing.assert_close(out[True][0], out[False][0], rtol=1e-4, atol=1e-4)
    for a, b in zip(out[True][1], out[False][1]):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_a_pack_of_one_follows_torch_adam_on_the_same_draws():
    """Independent cross-check of the flat Adam and the stacked forward: torch.optim.Adam on a
    GaussianVAE fed the batch indices and noise drawn from the run's generator in the same order."""
    cfg = TrainConfig(steps=60, lr_tail_fraction=0.0, beta=0.7, **SMALL)
    res = train(cfg, progress=False)
    model, _ = torch_adam_run(cfg)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(res.model.state_dict()[k], v, rtol=1e-4, atol=1e-5)


def test_rprop_damping_halves_the_step_of_an_element_whose_gradient_sign_flips_and_not_of_the_others():
    flat = torch.zeros(1, 2)
    adam = FlatAdam(flat, torch.tensor([[True]]))
    lr = torch.tensor([[0.1]])
    ref_m, ref_v, ref_p, eta = torch.zeros(2), torch.zeros(2), torch.zeros(2), torch.ones(2)
    prev = torch.zeros(2)
    for t, grad in enumerate(([1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]), start=1):   # element 0 oscillates
        g = torch.tensor(grad)
        adam.step(flat, g.unsqueeze(0), lr)
        flip = g * prev < 0                                          # the reference, written out
        eta = torch.where(flip, eta * 0.5, torch.clamp(eta * 1.2, max=1.0))
        prev = g
        ref_m = 0.9 * ref_m + 0.1 * g
        ref_v = 0.999 * ref_v + 0.001 * g * g
        upd = 0.1 / (1 - 0.9 ** t) * ref_m / ((ref_v / (1 - 0.999 ** t)).sqrt() + 1e-8)
        ref_p = ref_p - eta * upd
    torch.testing.assert_close(adam.eta[0], torch.tensor([0.25, 1.0]))
    assert int(adam.flips[0]) == 2
    torch.testing.assert_close(flat[0], ref_p)


def test_the_lr_tail_decays_geometrically_to_the_factor_over_the_last_fraction_of_steps():
    cfg = TrainConfig(steps=10, lr_tail_fraction=0.4, lr_tail_factor=0.01)
    m = [lr_multiplier(cfg, t) for t in range(10)]
    assert m[:6] == [1.0] * 6
    np.testing.assert_allclose(m[6:], [0.01 ** (j / 4) for j in (1, 2, 3, 4)])
    assert lr_multiplier(cfg.replace(lr_tail_fraction=0.0), 9) == 1.0
    res = train(TrainConfig(steps=100, lr=1e-3, lr_tail_fraction=0.5, lr_tail_factor=0.1, **SMALL), progress=False)
    np.testing.assert_allclose(res.history["lr"], [1e-3, 1e-3, 1e-3 * 0.1 ** 0.5, 1e-4])


def _pack(cfgs, **kw):
    from infgrad.models.engine import Pack, run_pack
    from infgrad.models.run import as_dataset

    pack = Pack(cfgs, [as_dataset(c, None) for c in cfgs], [None] * len(cfgs), **kw)
    return pack, run_pack(pack)


def test_the_graph_step_body_run_eagerly_on_the_cpu_keeps_runs_independent_and_rolls_back_one_run():
    """The CUDA path's step (window draws, device step counter, per-step lr from a buffer) without
    the graph: a run alone and in a pack agree, and a diverging run rolls back alone."""
    base = dict(SMALL, arch="linear", steps=100, lr_tail_fraction=0.3)
    cfgs = [TrainConfig(seed=s, lr=1e4 if s == 2 else 1e-3, **base) for s in range(4)]
    _, packed = _pack(cfgs, draws="window")
    assert [e["kind"] for e in packed[2].events if e["kind"] == "non-finite"]
    assert all(not r.events for j, r in enumerate(packed) if j != 2)
    for j in (0, 2):
        _, (alone,) = _pack([cfgs[j]], draws="window")
        _same_run(packed[j], alone)
    np.testing.assert_allclose(packed[0].history["lr"][-1], 1e-3 * 0.01)
    # window draws are another stream than per-step draws: the same run ends elsewhere
    assert packed[0].final["loss"] != train(cfgs[0], progress=False).final["loss"]


def test_the_capture_warm_up_steps_leave_no_trace_in_the_run(monkeypatch):
    """What ``models.graph.capture`` does around its warm-up steps, done on the CPU: the steps run
    inside ``state_kept``, so every tensor a step changes is put back (Adam's step counter too,
    which shares the name ``t`` with the pack's window counter and was not put back before: each
    capture aged Adam by 3 steps, so on one H200 a graph-captured run ended 0.7% away in KL from
    the same run eager, and a resumed run, captured twice, 0.6% from the uninterrupted one)."""
    from infgrad.models import graph
    from infgrad.models.engine import Pack, run_pack
    from infgrad.models.run import as_dataset

    cfg = TrainConfig(seed=4, steps=100, **dict(SMALL, lr_tail_fraction=0.3, rprop_damping=True))
    pack = Pack([cfg], [as_dataset(cfg, None)], [None], draws="window")
    pack.run_window(10)                                   # Adam state, damping state, loss sum: non-zero
    pack._draw_window(10, np.full((1, 10), 1e-3))
    before = {k: v.clone() for k, v in {**pack.tensors(), "total": pack.total}.items()} | {"pack.t": pack.t.clone()}
    with graph.state_kept(pack):
        for _ in range(graph.WARMUP_STEPS):
            pack._indexed_step()
    after = {k: v.clone() for k, v in {**pack.tensors(), "total": pack.total}.items()} | {"pack.t": pack.t.clone()}
    assert before.keys() == after.keys() and "t" in before                       # Adam's counter is in there
    for k in before:
        assert torch.equal(before[k], after[k]), k

    def warmed_window(p, k):                              # graph.graphed_window with eager steps for replays
        if p._graphed is None:
            with graph.state_kept(p):
                for _ in range(graph.WARMUP_STEPS + 1):   # the warm-up and the captured step
                    p._indexed_step()
            p._graphed = True
        for _ in range(k):
            p._indexed_step()

    (plain,) = run_pack(Pack([cfg], [as_dataset(cfg, None)], [None], draws="window"))
    warmed = Pack([cfg], [as_dataset(cfg, None)], [None], draws="window")
    warmed.graph = True                                   # run_window then calls graphed_window
    monkeypatch.setattr(graph, "graphed_window", warmed_window)
    (captured,) = run_pack(warmed)
    _same_run(captured, plain)


def test_runs_that_build_the_same_file_data_share_one_copy_and_synthetic_data_follow_the_seed():
    from infgrad.models.engine import Pack
    from infgrad.models.run import datasets_for

    digits = [TrainConfig(data="digits", d=64, n=100, kappa=2, hidden=(8,), steps=0, seed=s, log_every=1,
                          checkpoint_every=1, eval_samples=50, mmd_samples=10) for s in range(3)]
    ds = datasets_for(digits, [None] * 3)
    assert ds[0] is ds[1] is ds[2]
    assert Pack(digits, ds, [None] * 3).Xs.shape[0] == 1            # one copy, gathered by index
    synth = [TrainConfig(steps=0, seed=s, **SMALL) for s in (0, 0, 1)]
    a, b, c = datasets_for(synth, [None] * 3)
    assert a is b and c is not a and not np.array_equal(a.X, c.X)
