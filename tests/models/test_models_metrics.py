"""Metrics against hand-computed small cases and independent numpy / torch.distributions routes."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

from infgrad.models.metrics import MMD_SCALES, active_units, evaluate, grad_norm_z, imq_kernel, mmd_imq
from infgrad.models.vae import GaussianVAE


def _imq(delta2: float, kappa: int) -> float:
    return sum(2 * kappa * s / (2 * kappa * s + delta2) for s in MMD_SCALES)


def test_mmd_of_two_identical_two_point_samples_is_k_minus_the_number_of_scales():
    # unbiased MMD^2 of a sample with itself, m = 2 points at squared distance D:
    # 2 [k(D) / 1] / 2 ... = k_off + k_off - 2 (2 k(0) + 2 k(D)) / 4 = k(D) - k(0) = k(D) - len(scales)
    a = torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]], dtype=torch.float64)   # D = 9, kappa = 3
    expected = _imq(9.0, 3) - len(MMD_SCALES)
    assert math.isclose(float(mmd_imq(a, a)), expected, rel_tol=1e-12)


@settings(deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 4), st.integers(0, 10_000))
def test_mmd_matches_a_loop_over_all_pairs_for_any_small_samples(m, mb, kappa, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, kappa)), rng.standard_normal((mb, kappa)) + 0.5
    k = lambda u, v: _imq(float(((u - v) ** 2).sum()), kappa)  # noqa: E731
    s_aa = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    s_bb = sum(k(b[i], b[j]) for i in range(mb) for j in range(mb) if i != j) / (mb * (mb - 1))
    s_ab = sum(k(a[i], b[j]) for i in range(m) for j in range(mb)) / (m * mb)
    got = float(mmd_imq(torch.from_numpy(a), torch.from_numpy(b)))
    assert math.isclose(got, s_aa + s_bb - 2 * s_ab, rel_tol=1e-9, abs_tol=1e-12)
    assert imq_kernel(torch.from_numpy(a), torch.from_numpy(b)).shape == (m, mb)


def test_mmd_is_near_zero_for_two_standard_normal_samples_and_large_for_a_shifted_one():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(800, 4, generator=g), torch.randn(800, 4, generator=g)
    shifted = torch.randn(800, 4, generator=g) + 1.0
    same, far = float(mmd_imq(a, b)), float(mmd_imq(a, shifted))
    assert abs(same) < 0.01
    assert far > 0.2 and far > 50 * abs(same)


def test_active_units_count_the_dimensions_whose_code_variance_exceeds_one_hundredth():
    base = torch.tensor([1.0, -1.0, 2.0, -2.0, 0.0], dtype=torch.float64)
    base = (base - base.mean()) / base.std()                       # sample variance exactly 1
    variances = torch.tensor([2.0, 0.02, 0.0099, 0.0], dtype=torch.float64)
    mu = base[:, None] * variances.sqrt()[None, :]                  # (5, 4) with known covariance
    count, cov = active_units(mu)
    assert count == 2
    torch.testing.assert_close(cov, variances)


def test_grad_norm_z_of_a_linear_decoder_is_the_closed_form_two_over_gamma_w_transpose_residual():
    torch.manual_seed(3)
    model = GaussianVAE(5, 2, "linear").double()
    with torch.no_grad():
        model.log_gamma.fill_(math.log(0.3))
    x = torch.randn(7, 5, dtype=torch.float64)
    eps = torch.randn(7, 2, dtype=torch.float64)
    mu, logvar = model.encode(x)
    z = mu + (0.5 * logvar).exp() * eps
    W, b = model.decoder.weight, model.decoder.bias
    grad = -2.0 / 0.3 * (x - z @ W.T - b) @ W                        # dE_i/dz_i, (7, 2)
    expected = float(grad.detach().norm(dim=1).mean())
    assert math.isclose(grad_norm_z(model, x, eps=eps), expected, rel_tol=1e-10)


def test_evaluate_reports_kl_per_dimension_as_torch_distributions_does_and_counts_unused_dims():
    torch.manual_seed(4)
    model = GaussianVAE(6, 3, "linear").double()
    with torch.no_grad():                                           # dimension 2: posterior = prior
        model.encoder.weight[2].zero_(); model.encoder.bias[2].zero_()
        model.encoder.weight[5].zero_(); model.encoder.bias[5].zero_()
        model.encoder.weight[3:5].zero_(); model.encoder.bias[3:5].fill_(-6.0)  # sigma^2 = e^-6
    x = torch.randn(40, 6, dtype=torch.float64)
    out = evaluate(model, x, mmd_samples=40)
    mu, logvar = model.encode(x)
    kl = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).mean(0)
    np.testing.assert_allclose(out.kl_per_dim, kl.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert out.kl_per_dim[2] == 0.0
    assert out.active_var == 2 and out.active_units == 2
    assert out.mean_encoder_var[2] == 1.0
    rec = float((x - model.decode(mu)).pow(2).sum(1).mean().detach())
    assert math.isclose(out.recon_error, rec, rel_tol=1e-12)
    assert "C = 2*kappa*s" in out.mmd_kernel


def test_evaluate_gives_the_same_numbers_for_the_same_seed():
    torch.manual_seed(5)
    model = GaussianVAE(4, 2)
    x = torch.randn(30, 4)
    assert evaluate(model, x, seed=7) == evaluate(model, x, seed=7)


def test_evaluate_returns_typed_metrics_whose_dict_form_is_plain_json():
    import json

    from infgrad.models.metrics import Metrics

    torch.manual_seed(6)
    model = GaussianVAE(5, 3)
    x = torch.randn(20, 5)
    m = evaluate(model, x, seed=1, mmd_samples=20)
    assert isinstance(m, Metrics)
    d = m.to_dict()
    assert json.loads(json.dumps(d)) == d                      # plain JSON types only
    assert d["gamma"] == m.gamma and len(d["kl_per_dim"]) == 3
    assert "grad_norm_z" not in evaluate(model, x, seed=1, mmd_samples=20, with_grad_norm=False).to_dict()


def test_the_biased_mmd_is_the_unbiased_one_plus_the_diagonal_terms_and_never_negative():
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn(30, 2, generator=g, dtype=torch.float64), torch.randn(25, 2, generator=g, dtype=torch.float64)
    from infgrad.models.metrics import mmd_imq_biased

    m, mb = 30, 25
    kaa, kbb = imq_kernel(a, a), imq_kernel(b, b)
    # V = U-statistic terms rescaled plus the diagonals (an independent rearrangement)
    v_aa = (kaa.sum() - kaa.diagonal().sum()) / (m * (m - 1)) * (m - 1) / m + kaa.diagonal().sum() / m ** 2
    v_bb = (kbb.sum() - kbb.diagonal().sum()) / (mb * (mb - 1)) * (mb - 1) / mb + kbb.diagonal().sum() / mb ** 2
    expected = v_aa + v_bb - 2 * imq_kernel(a, b).mean()
    assert math.isclose(float(mmd_imq_biased(a, b)), float(expected), rel_tol=1e-12)
    assert float(mmd_imq_biased(a, a[torch.randperm(30, generator=g)])) >= -1e-12   # same sample: ~0, never < 0
    assert float(mmd_imq(a, a[:29])) < float(mmd_imq_biased(a, a[:29]))


def _reference_metrics(model, X, beta, seed, mmd_samples):
    """evaluate's definitions computed the long way (one model call per quantity), as before the
    stacked evaluation: the independent side of the two tests below."""
    from infgrad.models.metrics import mmd_imq_biased

    g = torch.Generator().manual_seed(seed)
    eps = torch.randn((X.shape[0], model.kappa), generator=g, dtype=X.dtype)
    m = min(mmd_samples, X.shape[0])
    prior = torch.randn((m, model.kappa), generator=g, dtype=X.dtype)
    with torch.no_grad():
        t = model.terms(X, beta, eps)
        mu, logvar, z = t["mu_z"], t["logvar_z"], t["z"]
        var = logvar.exp()
        kl = 0.5 * (var + mu.pow(2) - 1.0 - logvar).mean(0)
        return {"loss": float(t["energy"].mean()), "recon_error": float((X - model.decode(mu)).pow(2).sum(1).mean()),
                "recon_error_expected": float(t["sq_err"].mean()), "gamma": float(model.gamma),
                "kl": float(kl.sum()), "kl_per_dim": kl.tolist(), "mean_encoder_var": var.mean(0).tolist(),
                "active_units_cov": active_units(mu)[1].tolist(), "active_units": active_units(mu)[0],
                "mmd": float(mmd_imq(z[:m], prior)), "mmd_biased": float(mmd_imq_biased(z[:m], prior)),
                "grad_norm_z": grad_norm_z(model, X, eps=eps), "n_eval": X.shape[0]}


def _assert_close(got: dict, want: dict, rtol: float, atol: float):
    for k, v in want.items():
        np.testing.assert_allclose(got[k], v, rtol=rtol, atol=atol, err_msg=k)


@pytest.mark.parametrize("arch", ["mlp", "linear"])
def test_evaluate_equals_the_long_way_in_float64(arch):
    torch.manual_seed(3)
    model = GaussianVAE(7, 3, arch, (16, 16), None).double()
    X = torch.randn(120, 7, dtype=torch.float64) * 2
    got = evaluate(model, X, beta=0.7, seed=5, mmd_samples=50).to_dict()
    _assert_close(got, _reference_metrics(model, X, 0.7, 5, 50), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-9), ("float32", 1e-4)])
def test_the_packs_stacked_metrics_equal_per_run_evaluate_on_the_same_samples(dtype, rtol, monkeypatch):
    """Pack.metrics (stacked over runs, in chunks) against evaluate of each run's own model, and
    against the long way: the same numbers up to float reordering in the batched matmuls
    (rtol 1e-9 in float64, 1e-4 in float32; atol 1e-6 relative to the quantity's scale)."""
    from infgrad.models import engine
    from infgrad.models.config import TrainConfig
    from infgrad.models.data import load_dataset
    from infgrad.models.stacked import bind
    from infgrad.models.run import build_model

    monkeypatch.setitem(engine.EVAL_CHUNK_ELEMENTS, "cpu", 6000)           # chunks of two or three runs
    base = TrainConfig(d=6, r=2, n=150, kappa=3, hidden=(16, 16), batch_size=32, log_every=20, checkpoint_every=20,
                       steps=20, dtype=dtype)
    cfgs = [base.replace(seed=s, beta=(0.5, 1.0, 2.0)[s % 3], gamma=0.3 if s == 2 else None,
                         eval_samples=(100, 150, 40)[s % 3], mmd_samples=(30, 60, 40)[s % 3]) for s in range(5)]
    data = [load_dataset("subspace", d=6, r=2, n=150, seed=s % 2) for s in range(5)]   # two distinct arrays
    pack = engine.Pack(cfgs, data, [None] * 5)
    pack.run_window(20)
    pack.step = 20
    seeds = [7 * s + 1 for s in range(5)]
    stacked = pack.metrics([c.eval_samples for c in cfgs], seeds, [c.mmd_samples for c in cfgs])
    for i, c in enumerate(cfgs):
        model = bind(build_model(c, 6), pack.layout, pack.flat[i].detach().clone(), trainable=True)
        X = torch.as_tensor(data[i].X, dtype=pack.dtype)[: c.eval_samples]
        alone = evaluate(model, X, beta=c.beta, seed=seeds[i], mmd_samples=c.mmd_samples).to_dict()
        want = _reference_metrics(model, X, c.beta, seeds[i], c.mmd_samples)
        scale = {k: max(1.0, float(np.max(np.abs(v)))) for k, v in want.items()}
        for k, v in want.items():
            np.testing.assert_allclose(stacked[i][k], v, rtol=rtol, atol=1e-6 * scale[k], err_msg=f"run {i} {k}")
            np.testing.assert_allclose(alone[k], v, rtol=rtol, atol=1e-6 * scale[k], err_msg=f"alone {i} {k}")
        assert stacked[i]["n_eval"] == min(150, c.eval_samples)
        assert stacked[i]["active_var"] == alone["active_var"]
    assert len({round(m["loss"], 6) for m in stacked}) == 5                # the runs really differ


def test_the_conv_packs_stacked_metrics_equal_per_run_evaluate():
    """The conv arch in the stack (run by run on the CPU); same check as above, float32, rtol 1e-4."""
    from infgrad.models import engine
    from infgrad.models.config import TrainConfig
    from infgrad.models.stacked import bind
    from infgrad.models.run import as_dataset, build_model

    X = np.random.default_rng(0).random((30, 784), dtype=np.float32)
    cfgs = [TrainConfig(data="array", d=784, n=30, kappa=2, arch="conv", steps=2, batch_size=4, log_every=2,
                        checkpoint_every=2, seed=s, beta=1.0 + s) for s in (0, 1)]
    ds = as_dataset(cfgs[0], X)
    pack = engine.Pack(cfgs, [ds, ds], [None, None])
    pack.run_window(2)
    stacked = pack.metrics([30, 30], [3, 4], [20, 20])
    for i, c in enumerate(cfgs):
        model = bind(build_model(c, 784), pack.layout, pack.flat[i].detach().clone(), trainable=True)
        want = _reference_metrics(model, torch.as_tensor(X), c.beta, 3 + i, 20)
        for k, v in want.items():
            np.testing.assert_allclose(stacked[i][k], v, rtol=1e-4, atol=1e-6 * max(1.0, float(np.max(np.abs(v)))),
                                       err_msg=f"run {i} {k}")
