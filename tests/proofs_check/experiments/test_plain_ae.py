"""T13's autoencoder baselines: the penalised AE's code penalty h(u) = log(1 + u) of (7) has a
bounded gradient (autograd against the closed form and against finite differences), its decoder
stays 1-Lipschitz through training, and the plain AE is unchanged by the shared loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.experiments.common import train_config
from infgrad.proofs_check.experiments.plain_ae import (code_penalty, lipschitz_project, train_penalised_ae,
                                                       train_plain_ae)


def _grad(z: np.ndarray) -> np.ndarray:
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    code_penalty(t).backward()
    return t.grad.numpy()


@given(st.integers(1, 8), st.integers(1, 4), st.floats(-6, 6), st.integers(0, 10_000))
def test_the_penalty_is_sum_log1p_of_mean_squares_with_the_closed_form_gradient(n, kappa, log_scale, seed):
    z = np.random.default_rng(seed).normal(size=(n, kappa)) * 10.0 ** log_scale
    u = (z ** 2).mean(0)
    value = float(code_penalty(torch.tensor(z, dtype=torch.float64)))
    assert value == pytest.approx(float(np.sum([math.log1p(x) for x in u])), rel=1e-12, abs=1e-300)
    closed = 2.0 * z / (n * (1.0 + u))                  # d/dz_ik sum_k log(1 + u_k)
    assert np.allclose(_grad(z), closed, rtol=1e-10, atol=1e-300)
    assert np.all(np.abs(closed) <= 1.0 / math.sqrt(n) + 1e-12)   # bounded, however large z is


@given(st.floats(0.0, 1e6))
def test_h_has_a_bounded_derivative_by_finite_differences(u):
    """h(u) = log(1 + u) through the penalty of one code value: central differences in u agree with
    1 / (1 + u), which lies in (0, 1] for every u >= 0 (Theorem 4's bounded-gradient class)."""
    h = lambda v: float(code_penalty(torch.tensor([[math.sqrt(v)]], dtype=torch.float64)))  # noqa: E731
    step = 1e-6 * max(1.0, u)
    lo = max(u - step, 0.0)
    fd = (h(u + step) - h(lo)) / (u + step - lo)
    assert fd == pytest.approx(1.0 / (1.0 + u), rel=1e-5)
    assert 0.0 < fd <= 1.0 + 1e-9


def test_projection_makes_each_layer_1_lipschitz_and_leaves_small_ones_alone():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    with torch.no_grad():
        net[0].weight.mul_(10.0)
        net[2].weight.copy_(net[2].weight / (2 * torch.linalg.matrix_norm(net[2].weight, ord=2)))
    small = net[2].weight.clone()
    lipschitz_project(net)
    assert float(torch.linalg.matrix_norm(net[0].weight.detach(), ord=2)) == pytest.approx(1.0, rel=1e-6)
    assert torch.equal(net[2].weight, small)


def _toy_cfg(**kw):
    return train_config(dict(data="curve", r=1, kappa=2, hidden=(16, 16), steps=60, lr=2e-3, log_every=20),
                        d=2, n=200, seed=3, device="cpu", **kw)


def test_the_trained_penalised_ae_has_a_1_lipschitz_decoder_and_finite_codes():
    from infgrad.models.data import load_dataset

    X = load_dataset("curve", n=200, seed=3).X
    ae = train_penalised_ae(X, _toy_cfg())
    z = torch.randn(200, 2, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    w = torch.randn(200, 2, dtype=torch.float32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ratio = (ae.decode(z) - ae.decode(w)).norm(dim=1) / (z - w).norm(dim=1)
        mu, _ = ae.encode(torch.as_tensor(X))
    assert float(ratio.max()) <= 1.0 + 1e-5
    assert torch.isfinite(mu).all()


def test_the_penalised_ae_refuses_a_decoder_it_cannot_bound():
    with pytest.raises(ValueError, match="MLP"):
        train_penalised_ae(np.zeros((10, 784), np.float32), _toy_cfg(arch="conv", kappa=4))


def test_the_plain_ae_is_deterministic_in_its_seed():
    from infgrad.models.data import load_dataset

    X = load_dataset("curve", n=200, seed=3).X
    a, b = train_plain_ae(X, _toy_cfg()), train_plain_ae(X, _toy_cfg())
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def _toy_result() -> dict:
    from infgrad.proofs_check.experiments import outliers

    toy = []
    for i, (vae, pen) in enumerate(((0.98, 0.75), (0.97, 0.74), (0.975, 0.70))):
        rec = {"seed": i, "auroc": vae, "pca2_auroc": 0.5, "pca1_auroc": 0.8, "plain_ae_auroc": 0.99,
               "inlier_error_mean": 0.002, "outlier_error_mean": 0.4, "total_variance": 0.5,
               "final": {"gamma": 0.01, "active_var": 1, "active_units": 1},
               "penalised_ae_auroc": pen, "penalised_ae_inlier_error_mean": 0.15}
        toy.append(rec)
    res = {"toy": toy, "size": {"kappa": 2, "r": 1}, "real": {"status": "inconclusive", "reason": "files absent"}}
    res["table"] = outliers.table(toy)
    res["verdicts"] = outliers.judge(res)
    return res


def test_the_penalised_ae_is_reported_beside_the_vae_without_a_rule():
    from infgrad.proofs_check.experiments import outliers

    res = _toy_result()
    v = res["verdicts"]["T13"]
    pen = v["penalised_autoencoder"]
    assert pen["rule"] is None and pen["auroc"] == [0.75, 0.74, 0.70]
    assert pen["vae_minus_penalised_ae"]["diff"] == pytest.approx([0.23, 0.23, 0.275])
    assert pen["vae_minus_penalised_ae"]["ci95"][0] <= 0.245 <= pen["vae_minus_penalised_ae"]["ci95"][1]
    assert pen["inlier_error_share"] == pytest.approx([0.3] * 3)
    line = outliers.summaries(res)["T13"]
    assert "Penalised AE of (7)" in line and "0.730" in line and "30.0% of the variance" in line
    assert v["status"] == outliers.judge({**res, "toy": [{k: x for k, x in t.items() if not k.startswith("penalised")}
                                                          for t in res["toy"]]})["T13"]["status"]   # no say in the verdict
