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
