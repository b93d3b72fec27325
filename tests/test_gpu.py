"""The same small training on CUDA (float32 and float64); skipped without a GPU."""

import math

import pytest
import torch

from models.config import TrainConfig
from models.metrics import evaluate
from models.trainer import train

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
