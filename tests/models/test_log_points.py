"""A log point computes its recon_error (the decoder at mu_z), which no check reads, on the first
``LOG_RECON_SAMPLES`` samples, and every other number of the history the long way's
(:func:`models.metrics.evaluate` on the first ``eval_samples`` samples); the final metrics stay on
all n samples. An experiment that reads the history gives the same result either way."""

import numpy as np
import pytest
import torch

from infgrad.models import engine, stacked
from infgrad.models.config import TrainConfig
from infgrad.models.data import load_dataset
from infgrad.models.metrics import evaluate
from infgrad.models.run import build_model
from infgrad.models.stacked import bind
from run_compare import stable

N, D, EVAL = 400, 6, 300
# the history's numbers that the checks and figures read (T16's ||dL/dz||, the training curves)
READ = ("gamma", "grad_norm_z", "active_var", "active_units")


def _pack() -> engine.Pack:
    cfg = TrainConfig(d=D, r=2, n=N, kappa=3, hidden=(16, 16), batch_size=32, log_every=10, checkpoint_every=10,
                      steps=20, eval_samples=EVAL, mmd_samples=50)
    cfgs = [cfg.replace(seed=s, beta=(1.0, 2.0)[s]) for s in range(2)]
    return engine.Pack(cfgs, [load_dataset("subspace", d=D, r=2, n=N, seed=s) for s in range(2)], [None] * 2)


def test_a_log_point_has_its_recon_error_on_the_first_samples_and_the_rest_on_all_eval_samples():
    """Fails before: the history's recon_error was on all 300 evaluation samples."""
    pack = _pack()
    states = []
    engine.run_pack(pack, on_log=lambda step, rec: states.append((step, pack.flat.detach().clone())))
    assert [s for s, _ in states] == [10, 20]
    for j, (step, flat) in enumerate(states):
        for i, cfg in enumerate(pack.cfgs):
            model = bind(build_model(cfg, D), pack.layout, flat[i].clone(), trainable=True)
            X = torch.as_tensor(pack.datasets[i].X, dtype=torch.float32)
            want = evaluate(model, X[:EVAL], beta=cfg.beta, seed=cfg.seed + step, mmd_samples=50).to_dict()
            for key in READ + ("eval_loss", "recon_error_expected", "kl", "mmd"):
                ref = want["loss" if key == "eval_loss" else key]
                atol = 1e-5 if key == "mmd" else 1e-7         # the MMD: a difference of sums of order 1
                np.testing.assert_allclose(pack.history[i][key][j], ref, rtol=1e-5, atol=atol, err_msg=key)
            head = evaluate(model, X[:engine.LOG_RECON_SAMPLES], mmd_samples=2).recon_error
            np.testing.assert_allclose(pack.history[i]["recon_error"][j], head, rtol=1e-5)
            assert abs(pack.history[i]["recon_error"][j] - want["recon_error"]) > 1e-6 * want["recon_error"]


def test_the_decoder_at_mu_runs_on_log_recon_samples_rows_at_a_log_point_and_all_at_the_end(monkeypatch):
    """Rows through the decoder in the metrics: at a log point eval_samples (at z) + LOG_RECON_SAMPLES
    (at mu_z) per run, at the end n + n. Fails before: 300 + 300 at each log point."""
    calls: list[list[int]] = []
    inside = [False]
    decode, metrics = stacked.StackedVAE.decode, engine.Pack.metrics

    def counted(self, z):
        if inside[0]:
            calls[-1].append(int(z.shape[0]) * int(z.shape[-2]))
        return decode(self, z)

    def in_metrics(self, *a, **k):
        calls.append([])
        inside[0] = True
        try:
            return metrics(self, *a, **k)
        finally:
            inside[0] = False

    pack = _pack()
    monkeypatch.setattr(stacked.StackedVAE, "decode", counted)
    monkeypatch.setattr(engine.Pack, "metrics", in_metrics)
    engine.run_pack(pack)
    assert [sum(c) for c in calls] == [2 * (EVAL + engine.LOG_RECON_SAMPLES)] * 2 + [2 * (N + N)]


def test_an_experiment_reading_the_history_gives_the_same_result_as_with_recon_error_on_all_samples(monkeypatch):
    """The fixed-gamma experiment (T12, T16: the history's ||dL/dz||, the final metrics) at a tiny
    size, with log points as before (recon_error on all evaluation samples) and as now: every
    number equal but the trajectories' recon_error, which nobody reads."""
    from infgrad.proofs_check.experiments import fixed_gamma

    size = dict(data="subspace", d=8, r=2, n=400, kappa=3, hidden=(16, 16), steps=40, log_every=10,
                batch_size=32, eval_samples=300, seeds=2)
    monkeypatch.setattr(fixed_gamma, "T12_PERMUTATIONS", 19)
    monkeypatch.setattr(engine, "LOG_RECON_SAMPLES", 10 ** 9)
    before = fixed_gamma.run("quick", size=size)
    monkeypatch.setattr(engine, "LOG_RECON_SAMPLES", 256)
    after = fixed_gamma.run("quick", size=size)
    rec = [(p[arm]["trajectory"].pop("recon_error"), q[arm]["trajectory"].pop("recon_error"))
           for p, q in zip(before["pairs"], after["pairs"]) for arm in fixed_gamma.ARMS]
    assert any(a != b for a, b in rec)                 # the change is real: 300 against 256 samples
    _same(stable(before), stable(after), "result")
    assert before["verdicts"]["T16"]["status"] == after["verdicts"]["T16"]["status"]


def _same(a, b, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-12, err_msg=where)
    else:
        assert a == b, where


@pytest.mark.parametrize("recon_rows", [1, 7, 90, 150, 10 ** 6])
def test_recon_rows_in_passes_equal_evaluate_on_the_first_rows(recon_rows, monkeypatch):
    pack = _pack()
    pack.run_window(10)
    monkeypatch.setitem(engine.EVAL_CHUNK_ELEMENTS, "cpu", 16 * 16)     # 16 samples per pass
    got = pack.metrics([150, 150], [5, 6], [40, 40], recon_rows)
    whole = pack.metrics([150, 150], [5, 6], [40, 40])
    for i, cfg in enumerate(pack.cfgs):
        model = bind(build_model(cfg, D), pack.layout, pack.flat[i].detach().clone(), trainable=True)
        X = torch.as_tensor(pack.datasets[i].X, dtype=torch.float32)[:min(150, recon_rows)]
        np.testing.assert_allclose(got[i]["recon_error"], evaluate(model, X).recon_error, rtol=1e-5)
        assert {k: v for k, v in got[i].items() if k != "recon_error"} == \
               {k: v for k, v in whole[i].items() if k != "recon_error"}
