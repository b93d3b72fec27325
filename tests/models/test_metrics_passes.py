"""The pack's metrics computed in passes over the samples (``EVAL_CHUNK_ELEMENTS`` numbers per
activation) give the numbers of one pass over all samples and of the long way, and no pass holds
more rows than the budget allows."""

import numpy as np
import pytest
import torch

from infgrad.models import engine
from infgrad.models.config import TrainConfig
from infgrad.models.data import load_dataset
from infgrad.models.metrics import evaluate
from infgrad.models.run import build_model
from infgrad.models.stacked import StackedVAE, bind

N, D = 150, 6


def _pack(dtype: str) -> engine.Pack:
    base = TrainConfig(d=D, r=2, n=N, kappa=3, hidden=(16, 16), batch_size=32, log_every=20, checkpoint_every=20,
                       steps=20, dtype=dtype)
    cfgs = [base.replace(seed=s, beta=(0.5, 1.0, 2.0)[s], gamma=0.3 if s == 2 else None) for s in range(3)]
    pack = engine.Pack(cfgs, [load_dataset("subspace", d=D, r=2, n=N, seed=s % 2) for s in range(3)], [None] * 3)
    pack.run_window(20)
    pack.step = 20
    return pack


def _metrics(pack: engine.Pack, budget: int, monkeypatch) -> list[dict]:
    monkeypatch.setitem(engine.EVAL_CHUNK_ELEMENTS, "cpu", budget)
    return pack.metrics([N, 100, N], [11, 12, 13], [60, 40, 120])


@pytest.mark.parametrize("dtype,rtol,atol", [("float32", 1e-5, 1e-6), ("float64", 1e-12, 1e-14)])
def test_metrics_in_passes_of_a_few_samples_equal_one_pass_over_all(dtype, rtol, atol, monkeypatch):
    """rtol 1e-5 in float32; atol 1e-6 of the quantity's scale for the MMD, a difference of sums."""
    pack = _pack(dtype)
    whole = _metrics(pack, 1 << 30, monkeypatch)        # every run and sample in one pass
    parts = _metrics(pack, 7 * 16, monkeypatch)         # one run at a time, 7 samples per pass
    for i, (a, b) in enumerate(zip(whole, parts)):
        assert a.keys() == b.keys()
        for k, v in a.items():
            if isinstance(v, str):
                assert v == b[k], k
            else:
                np.testing.assert_allclose(b[k], v, rtol=rtol, atol=atol * max(1.0, float(np.max(np.abs(v)))),
                                           err_msg=f"run {i} {k}")
    assert len({round(m["loss"], 6) for m in parts}) == 3                    # the runs really differ


def test_metrics_in_passes_equal_evaluate_of_each_model_in_float64(monkeypatch):
    pack = _pack("float64")
    parts = _metrics(pack, 5 * 16, monkeypatch)
    for i, (ns, seed, m) in enumerate(zip([N, 100, N], [11, 12, 13], [60, 40, 120])):
        model = bind(build_model(pack.cfgs[i], D), pack.layout, pack.flat[i].detach().clone(), trainable=True)
        X = torch.as_tensor(pack.datasets[i].X, dtype=torch.float64)[:ns]
        want = evaluate(model, X, beta=pack.cfgs[i].beta, seed=seed, mmd_samples=m).to_dict()
        for k, v in want.items():
            if not isinstance(v, str):
                np.testing.assert_allclose(parts[i][k], v, rtol=1e-10, atol=1e-12, err_msg=f"run {i} {k}")


def test_no_pass_of_the_final_metrics_decodes_more_rows_than_the_budget(monkeypatch):
    """Before the passes, the final metrics decoded all n samples of a run at once (n = 150 rows
    here against a budget of 40)."""
    pack = _pack("float32")
    seen: list[int] = []
    decode = StackedVAE.decode

    def spy(self, z):
        seen.append(z.shape[-2])
        return decode(self, z)

    monkeypatch.setattr(StackedVAE, "decode", spy)
    monkeypatch.setitem(engine.EVAL_CHUNK_ELEMENTS, "cpu", 40 * 16)       # 16: the widest layer
    pack.metrics([N] * 3, [1, 2, 3], [2] * 3)
    assert seen and max(seen) <= 40
    assert sum(seen) == 3 * 2 * N                       # each sample decoded twice (at z and at mu_z), per run
