"""The pilots' leave-one-out worth of each latent dimension (benchmarks.pilots.ablation)."""

import pytest


def test_leave_one_out_finds_the_dimension_the_decoder_ignores():
    import numpy as np
    import torch

    from benchmarks.pilots.ablation import leave_one_out
    from infgrad.models.vae import GaussianVAE

    torch.manual_seed(1000)
    m = GaussianVAE(6, 3, "linear")
    with torch.no_grad():
        m.decoder.weight[:, 2] = 0.0                   # dim 2 never reaches the output
    X = np.random.default_rng(1000).normal(size=(50, 6)).astype(np.float32)
    out = leave_one_out(m, X, [0.5, 1.0, 2.0], chunk=16)
    by_dim = {r["dim"]: r for r in out["dims"]}
    assert [r["dim"] for r in out["dims"]] == [2, 1, 0]          # largest KL first
    assert by_dim[2]["rel_error_increase"] == 0.0
    assert by_dim[2]["break_even"] == pytest.approx(np.exp(2 * 2.0 / 6) - 1)
    assert out["worth_keeping"] == sum(by_dim[k]["rel_error_increase"] > by_dim[k]["break_even"] for k in (0, 1))
    with torch.no_grad():
        whole = float((torch.as_tensor(X) - m.decode(m.encode(torch.as_tensor(X))[0])).pow(2).sum(1).mean())
    assert out["error"] == pytest.approx(whole, rel=1e-6) and out["denominator"] == out["error"]
    stricter = leave_one_out(m, X, [0.5, 1.0, 2.0], expected_error=4 * out["error"])
    for a, b in zip(out["dims"], stricter["dims"]):
        assert b["rel_error_increase"] == pytest.approx(a["rel_error_increase"] / 4, rel=1e-4)
