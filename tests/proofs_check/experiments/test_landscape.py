"""T11 slices (proofs_check/experiments/landscape.py) and Fig. 3 (figures/fig3_slices.py)."""

from __future__ import annotations

import json

import matplotlib.image as mpimg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.figures import fig3_slices
from infgrad.proofs_check.experiments import landscape as ls
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.theory import linear_vae as lv


def _data(seed: int) -> np.ndarray:
    return ls.unit_variance_data(np.random.default_rng(seed))


@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1), st.sampled_from(ls.CONSTRUCTIONS))
def test_both_slice_endpoints_reconstruct_subspace_data_perfectly(seed, construction):
    X = _data(seed)
    theta0, theta1 = ls.endpoints(X, construction, np.random.default_rng(seed))
    for m in (theta0, theta1):
        recon = (X @ m.A.T + m.c) @ m.W.T + m.b
        assert np.max(np.abs(recon - X)) <= 1e-8 * np.max(np.abs(X))
    # the sparse end uses r decoder columns, the other end more
    active = lambda m: int(np.sum(np.sum(m.W**2, axis=0) > 1e-12))  # noqa: E731
    assert active(theta0) == ls.R
    assert active(theta1) > ls.R


@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31 - 1), st.floats(1e-4, 10.0))
def test_profiled_energy_is_energy_3_at_the_optimal_variances_and_below_any_other(d, kappa, seed, gamma):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, d))
    W, A = rng.standard_normal((d, kappa)), rng.standard_normal((kappa, d))
    b, c = rng.standard_normal(d), rng.standard_normal(kappa)
    prof = lv.profiled_energy(X, W, b, A, c, gamma)
    at_opt = lv.LinearVAE(W, b, A, c, np.log(lv.optimal_s2(W, gamma)), float(np.log(gamma)))
    assert prof == pytest.approx(lv.energy_terms(X, at_opt)["energy"], rel=1e-10, abs=1e-10)
    other = lv.LinearVAE(W, b, A, c, rng.normal(0, 1, kappa), float(np.log(gamma)))
    assert lv.energy_terms(X, other)["energy"] >= prof - 1e-9 * abs(prof)


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1), st.floats(1e-3, 1.0), st.floats(-0.5, 1.5))
def test_the_closed_form_slice_energy_equals_the_profiled_energy_at_the_same_point(seed, gamma, t):
    rng = np.random.default_rng(seed)
    X = _data(seed)
    theta0 = lv.sparse_solution(X, ls.R, ls.KAPPA)
    DW, DA = ls.random_direction(theta0, rng)
    W, A = theta0.W + t * DW, theta0.A + t * DA
    direct = lv.profiled_energy(X, W, theta0.b, A, -A @ theta0.b, gamma)
    assert ls.slice_energy_dir(X, theta0, DW, DA, gamma, np.array([t]))[0] == pytest.approx(direct, rel=1e-9)


def test_unit_variance_data_have_unit_variance_per_coordinate_and_rank_r():
    X = _data(5)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    assert np.linalg.matrix_rank(X - X.mean(0), tol=1e-8) == ls.R


def test_local_minima_are_interior_points_below_both_neighbours():
    t = np.linspace(-1, 1, 401)
    assert ls.local_minima((t**2 - 0.25) ** 2).size == 2
    assert ls.local_minima(t**2).size == 1
    assert ls.local_minima(t).size == 0  # a minimum on the boundary is not a local minimum here


def test_sparse_point_is_the_slice_minimiser_at_small_gamma():
    X = _data(3)
    t = np.linspace(-0.5, 1.5, 201)
    for name in ls.CONSTRUCTIONS:
        theta0, theta1 = ls.endpoints(X, name, np.random.default_rng(3))
        e = ls.slice_energy(X, theta0, theta1, 1e-3, t)
        assert abs(t[np.argmin(e)]) <= 0.01


def test_check_t11_saves_its_slices_and_fig3_draws_png_and_pdf_of_the_right_size(tmp_path):
    res = ls.check_t11(CheckContext(seed=0, out_dir=tmp_path))
    assert res.status in ("pass", "fail") and "rule" in res.evidence
    v = res.evidence["verdict"]
    assert res.status == ("pass" if v["R1"] and v["R2"] else "fail")
    assert res.evidence["by_kind"]["random"]["slices"] == ls.DATASETS["quick"] * ls.RANDOM_PER_DATASET
    assert res.evidence["by_kind"]["mix"]["slices"] + res.evidence["by_kind"]["split"]["slices"] == v["premise"]["slices"] == 50
    data = json.loads((tmp_path / "data" / "t11_slices.json").read_text())
    assert len(data["instances"][0]["slices"]["mix"]["per_gamma"]) == len(ls.GAMMAS)
    paths = fig3_slices.draw(tmp_path / "data", tmp_path / "fig")
    assert sorted(p.suffix for p in paths) == [".pdf", ".png"]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 0
    png = next(p for p in paths if p.suffix == ".png")
    assert mpimg.imread(png).shape[:2] == (400, 1000)  # figsize 10 x 4 inches at 100 dpi


def test_fig3_raises_file_not_found_without_saved_slices(tmp_path):
    with pytest.raises(FileNotFoundError, match="t11_slices.json"):
        fig3_slices.draw(tmp_path, tmp_path / "fig")


def test_fig3_declares_the_claim_it_illustrates():
    assert fig3_slices.CLAIMS == ("T11",)


def test_the_t11_rule_fails_without_a_rise_in_multiple_minima_and_passes_with_a_significant_one():
    from infgrad.proofs_check.experiments.rules import t11_rule

    n = 52
    flat = {g: [False] * n for g in ls.GAMMAS}
    assert t11_rule([0.0] * n, flat)["status"] == "fail"                      # R2: no rise
    rising = {1.0: [False] * n, 0.1: [True] * 10 + [False] * 42, 0.01: [True] * 20 + [False] * 32,
              0.001: [True] * 20 + [False] * 32}
    assert t11_rule([0.0] * n, rising)["status"] == "pass"                    # 20 discordant, p ~ 2e-6
    assert t11_rule([0.1] * 6 + [0.0] * 46, rising)["R1"] is False            # 6/52 > 10% off the sparse point
    falling = {**rising, 0.01: [True] * 25 + [False] * 27}
    assert t11_rule([0.0] * n, falling)["R2"] is False                        # the share decreases 0.01 -> 0.001


def test_the_t11_premise_needs_the_profile_s_number_of_designed_slices():
    from infgrad.proofs_check.experiments.rules import t11_rule

    rising = {1.0: [False] * 52, 0.1: [True] * 20 + [False] * 32, 0.01: [True] * 20 + [False] * 32,
              0.001: [True] * 20 + [False] * 32}
    v = t11_rule([0.0] * 52, rising, min_slices=200)
    assert v["status"] == "inconclusive" and v["premise"]["line"] == "premise: unmet: 52 designed slices (needs >= 200)"
    assert t11_rule([0.0] * 52, rising, min_slices=50)["premise"]["met"]
