"""T8's rule version 2 (per-decade shrink ruled from sigma = 1e-2 down), written after version 1
(from sigma = 0.1) failed at seed 38; version 1's statistic stays visible, not ruled on."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.claims import symbolic
from infgrad.proofs_check.claims.lemma3 import T8_MIN_SHRINK
from infgrad.proofs_check.claims.model import CheckContext

V1 = "decade_ratios_from_sigma_0.1 (rule v1, reported, not ruled)"


def test_t8_passes_at_seed_38_and_still_shows_rule_v1s_failing_ratio():
    res = symbolic.check_t8(CheckContext(seed=38))
    spot = res.evidence["spot_checks"]
    assert res.status == "pass", res.summary
    assert spot["rule_version"] == 2
    assert min(spot[V1]) < T8_MIN_SHRINK and spot["rule_v1_would_pass"] is False   # 27x: v1 would fail
    assert all(95 <= r <= 105 for r in spot["decade_ratios_of_diff"])            # sigma^2: 100x per decade
    assert f"rule v1, not ruled: {spot[V1][0]:.0f}" in res.summary and "version 1" in res.rule


@pytest.mark.parametrize("floor", [1e-7, 1e-6])
def test_t8s_decade_rule_fails_where_the_difference_does_not_vanish(monkeypatch, floor):
    """The rule can fail: a minimum moved by a floor that does not vanish as sigma -> 0 (so no limit
    to the reduced form) shrinks less than 50x over one of the ruled decades."""
    from infgrad.proofs_check.claims import lemma3

    real = lemma3.minimize_scalar

    def shifted(fun, **kw):
        res = real(fun, **kw)
        res.fun = res.fun + floor
        return res

    monkeypatch.setattr(lemma3, "minimize_scalar", shifted)
    spot = lemma3.t8_spot(symbolic._rng(CheckContext(seed=0), 8))
    assert not spot["ok"] and min(spot["decade_ratios_of_diff"]) < T8_MIN_SHRINK
