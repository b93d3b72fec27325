"""Premise before verdict (rule v3): every empirical verdict carries a premise record, also where an
experiment could not run (image files absent); an unmet premise is inconclusive, never a fail."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.experiments import checks, digits, fixed_gamma


ABSENT = "fashion-mnist files absent: no IDX files found"


@pytest.mark.parametrize("module, result", [
    (fixed_gamma, {"experiment": "fixed-gamma", "pairs": [], "absent": ABSENT, "table": {}}),
    (digits, {"experiment": "digits", "runs": [], "absent": ABSENT, "table": {}}),
])
def test_an_experiment_without_its_data_gives_an_unmet_premise_with_the_reason_for_every_claim(module, result):
    verdicts = module.judge(result)
    assert set(verdicts) == set(module.CLAIMS)
    for claim, v in verdicts.items():
        assert v["status"] == "inconclusive"
        assert v["premise"]["met"] is False
        assert v["premise"]["line"] == f"premise: unmet: {ABSENT}"
    res = {**result, "verdicts": verdicts}
    lines = module.summaries(res)
    assert all(lines[c].startswith("premise: unmet: ") for c in module.CLAIMS)
    for r in checks.claim_results(module.NAME, res):
        assert r.status == "inconclusive" and r.evidence["premise"]["line"] == f"premise: unmet: {ABSENT}"


def test_the_t18_premise_line_gives_the_pilots_failure_shares_behind_the_multiplier():
    from infgrad.proofs_check.experiments import stability

    runs = [{"arm": arm, "finite": True, "active": 3, "active_units": 3} for arm in ("none", "rollback", "damping")]
    v = stability.judge({"runs": runs, "size": {"r": 3}, "multiplier": 10.0, "calibration": stability.CALIBRATION})
    line = v["T18"]["premise"]["line"]
    assert line.startswith("premise: met: step multiplier m = 10 stresses the unguarded arm on the pilots")
    assert "pilot seeds 1000-1003" in line and "m = 3: 0/4, m = 10: 2/4, m = 30: 4/4, m = 100: 4/4" in line
    v = stability.judge({"runs": [], "size": {"r": 3}, "multiplier": None, "calibration": None})
    assert v["T18"]["status"] == "inconclusive" and "pilot seeds" not in v["T18"]["premise"]["line"]
