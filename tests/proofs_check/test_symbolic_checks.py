"""The six symbolic checks as the registry runs them: verdicts, evidence layout, and that they can fail."""

import json

import pytest

import infgrad.theory.beta_scaling
from infgrad import theory
import infgrad.theory.gamma_star
from infgrad import theory
from infgrad.proofs_check.claims import symbolic
from infgrad.proofs_check.claims.model import CheckContext

CHECKS = ["check_t1", "check_t2", "check_t5", "check_t6", "check_t7", "check_t8"]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("symbolic")


@pytest.fixture(scope="module")
def results(out_dir):
    ctx = CheckContext(seed=0, out_dir=out_dir)
    return {name: getattr(symbolic, name)(ctx) for name in CHECKS}


@pytest.mark.parametrize("name", CHECKS)
def test_each_symbolic_check_passes_with_a_readable_derivation(results, name):
    r = results[name]
    assert (r.status, r.method) == ("pass", "symbolic")
    ev = r.to_json()["evidence"]
    json.dumps(ev)  # JSON-able
    assert ev["proof"] == "symbolic" and ev["derivation"]["holds"] is True
    assert "spot_checks" in ev and ev["rule"].startswith("pass iff")
    assert "latex" in json.dumps(ev["derivation"])
    assert r.summary


def test_t5_saves_the_energies_behind_its_fitted_slopes(results, out_dir):
    saved = json.loads((out_dir / "data" / "t5_beta_slopes.json").read_text())
    assert [r["beta"] for r in saved["rows"]] == [r["beta"] for r in results["check_t5"].evidence["spot_checks"]["rows"]]
    assert len(saved["rows"][0]["energy_at_gammas"]) == len(saved["log10_gammas"])


def test_the_gamma_star_check_fails_when_the_claim_is_wrong(monkeypatch):
    real = theory.gamma_star.derive_t2
    monkeypatch.setattr(theory.gamma_star, "derive_t2", lambda: real(claimed_gamma_star=theory.gamma_star.S))
    r = symbolic.check_t2(CheckContext(seed=0))
    assert r.status == "fail"
    assert r.evidence["derivation"]["flags"]["stationary_point_equals_claim"] is False


def test_the_beta_absorption_check_fails_when_the_claim_is_wrong(monkeypatch):
    real = theory.beta_scaling.derive_t6
    monkeypatch.setattr(theory.beta_scaling, "derive_t6",
                        lambda: real(claimed_gamma_map=theory.beta_scaling.gamma / theory.beta_scaling.beta))
    assert symbolic.check_t6(CheckContext(seed=0)).status == "fail"
