"""``infgrad verify`` passes at 50 seeds (T6 failed at seed 2: its minimisers agreed to a relative
1.14e-6 against a fixed 1e-6; its tolerance now comes from the minimisers' resolution)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from infgrad.proofs_check.claims.model import CheckContext
from infgrad.proofs_check.claims.resolution import argmin_resolution
from infgrad.proofs_check.claims.symbolic import _rng, t6_spot
from infgrad.proofs_check.cli import main


def test_t6_passes_at_seed_2_with_its_tolerance_from_the_minimisers_resolution():
    rows = t6_spot(_rng(CheckContext(seed=2), 6))
    assert all(r["ok"] for r in rows)
    assert max(r["rel_diff_argmin_vs_L1_at_beta_gamma"] for r in rows) > 1e-6   # the old fixed tolerance
    assert all(r["rel_diff_argmin_vs_L1_at_beta_gamma"] <= r["tolerance_from_resolution"] < 1e-4 for r in rows)


def test_the_resolution_of_a_parabola_minimum_follows_the_noise_and_the_curvature():
    noise = 1e-10
    rng = np.random.default_rng(0)
    f = lambda x: float(np.sum(50.0 * x**2) + noise * rng.uniform(-1, 1))   # noqa: E731
    delta = argmin_resolution(f, np.zeros(3))
    assert np.sqrt(2 * noise * 0.5 / 100.0) / 3 < delta < np.sqrt(2 * 2 * noise / 100.0) * 3
    assert argmin_resolution(lambda x: float(-np.sum(x**2)), np.zeros(2)) == float("inf")


@pytest.mark.parametrize("seed", [0, 38])
def test_t8_differences_are_resolved_by_the_optimiser(seed):
    """T8's rule v1 failed at seed 38 (27x over sigma = 0.1 -> 1e-2 against a rule of >= 50x): the
    optimiser's minimum over gamma equals the closed form to far below each difference, so the
    shortfall is not an optimiser-resolution artefact (it is the sigma^4 term at sigma = 0.1)."""
    from infgrad.proofs_check.claims.symbolic import t8_spot

    rows = t8_spot(_rng(CheckContext(seed=seed), 8))["sigma_rows"]
    assert all(r["optimiser_error"] <= 1e-6 * abs(r["diff"]) for r in rows), rows


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(50))
def test_verify_passes_at_each_of_50_seeds(tmp_path, seed):
    out = tmp_path / "v.json"
    code = main(["verify", "--seed", str(seed), "--json", str(out)])
    doc = json.loads(out.read_text())
    assert [(c["claim"], c["summary"]) for c in doc["claims"] if c["status"] != "pass"] == []
    assert code == 0


def test_t6s_rule_names_its_safety_factor():
    """The rule text printed the placeholder '{T6_SAFETY:g}' instead of the factor (an f missing)."""
    from infgrad.proofs_check.claims.symbolic import T6_SAFETY, check_t6

    rule = check_t6(CheckContext(seed=0)).rule
    assert "{" not in rule and f"within {T6_SAFETY:g} x the sum" in rule
