"""The same small training on CUDA (float32 and float64); skipped without a GPU."""

import math

import pytest
import torch

from infgrad.models.config import TrainConfig
from infgrad.models.metrics import evaluate
from infgrad.models.trainer import train

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

SMALL = dict(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
             mmd_samples=50, device="cuda")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_short_cuda_run_lowers_gamma_keeps_the_model_on_the_gpu_and_matches_cpu_metrics(dtype):
    res = train(TrainConfig(steps=300, dtype=dtype, **SMALL), progress=False)
    assert res.history["gamma"][-1] < res.history["gamma"][0] < 1.0
    assert all(p.is_cuda and p.dtype == getattr(torch, dtype) for p in res.model.parameters())
    assert math.isfinite(res.final["loss"]) and res.final["events"] == 0
    # the metrics of the trained model do not depend on where they are computed
    X = torch.randn(100, 6, dtype=getattr(torch, dtype), generator=torch.Generator().manual_seed(0))
    on_gpu = evaluate(res.model, X.cuda(), seed=1, mmd_samples=100)
    on_cpu = evaluate(res.model.cpu(), X, seed=1, mmd_samples=100)
    tol = 1e-3 if dtype == "float32" else 1e-9
    for key in ("recon_error", "active_var", "active_units"):
        assert math.isclose(getattr(on_gpu, key), getattr(on_cpu, key), rel_tol=tol, abs_tol=tol)


def test_the_done_means_run_reaches_a_small_gamma_and_three_active_dimensions_on_cuda():
    res = train(TrainConfig(data="subspace", d=20, r=3, kappa=8, steps=20000, seed=0, device="cuda"),
                progress=False)
    print(f"cuda done-means run: {res.seconds:.1f} s, gamma {res.final['gamma']:.3g}, "
          f"active {res.final['active_var']}/{res.final['active_units']}")
    assert res.final["gamma"] < 1e-3
    assert res.final["active_var"] == 3 and res.final["active_units"] == 3


def test_resume_on_cuda_continues_the_run(tmp_path):
    cfg = TrainConfig(steps=100, **SMALL)
    train(cfg.replace(steps=50), checkpoint_dir=tmp_path, progress=False)
    resumed = train(cfg, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert resumed.history["step"] == [25, 50, 75, 100]


# ---- the packed engine on CUDA, with the step captured in a CUDA graph ----------------------------
# tolerance: cuBLAS may pick other kernels for a batch of 16 than for 1, so float32 sums reorder;
# after 100 steps final metrics agree to rtol 2e-3 (atol 1e-5)
GPU_RTOL, GPU_ATOL = 2e-3, 1e-5
PACK = dict(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
            mmd_samples=50, eval_samples=200, device="cuda")


def _cuda_pack(cfgs, **kw):
    from infgrad.models.engine import Pack, run_pack
    from infgrad.models.run import as_dataset

    pack = Pack(cfgs, [as_dataset(c, None) for c in cfgs], [None] * len(cfgs), **kw)
    return pack, run_pack(pack)


def _close(a, b):
    for key in ("loss", "recon_error", "gamma", "kl"):
        assert math.isclose(a.final[key], b.final[key], rel_tol=GPU_RTOL, abs_tol=GPU_ATOL), (key, a.final[key],
                                                                                             b.final[key])
    assert a.history["step"] == b.history["step"]


def test_a_run_gives_the_same_final_metrics_alone_and_in_a_graph_captured_pack_of_16_on_cuda():
    cfgs = [TrainConfig(steps=100, seed=s, beta=(0.5, 1.0)[s % 2], gamma=0.3 if s % 4 == 3 else None,
                        rprop_damping=s % 5 == 0, **PACK) for s in range(16)]
    pack, packed = _cuda_pack(cfgs)
    assert pack._graphed is not None, pack.graph_error                 # the step was captured
    for j in (0, 3, 5):
        alone_pack, (alone,) = _cuda_pack([cfgs[j]])
        assert alone_pack._graphed is not None, alone_pack.graph_error
        _close(packed[j], alone)
    assert packed[3].final["gamma"] == pytest.approx(0.3, rel=1e-6)


def test_the_graph_replays_what_the_eager_cuda_step_computes():
    cfg = TrainConfig(steps=100, seed=4, **PACK)
    _, (graphed,) = _cuda_pack([cfg])
    _, (eager,) = _cuda_pack([cfg], graph=False)
    _close(graphed, eager)


def test_a_graph_captured_pack_with_one_run_forced_non_finite_rolls_back_that_run_only_on_cuda():
    base = {**PACK, "arch": "linear", "steps": 100}
    cfgs = [TrainConfig(seed=s, lr=1e4 if s == 2 else 1e-3, **base) for s in range(4)]
    pack, packed = _cuda_pack(cfgs)
    assert pack._graphed is not None, pack.graph_error
    rollbacks = [e for e in packed[2].events if e["kind"] == "non-finite"]
    assert rollbacks and [e["lr"] for e in rollbacks] == [1e4 * 0.5 ** (i + 1) for i in range(len(rollbacks))]
    assert all(not r.events for j, r in enumerate(packed) if j != 2)
    _close(packed[1], _cuda_pack([cfgs[1]])[1][0])


def test_a_resumed_cuda_run_ends_where_the_uninterrupted_one_does(tmp_path):
    cfg = TrainConfig(steps=100, lr_tail_fraction=0.0, **SMALL)     # the tail would move with steps
    whole = train(cfg, progress=False)
    train(cfg.replace(steps=50), checkpoint_dir=tmp_path, progress=False)
    resumed = train(cfg, checkpoint_dir=tmp_path, resume=True, progress=False)
    _close(resumed, whole)
