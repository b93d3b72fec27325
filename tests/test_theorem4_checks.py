"""The registered checks T9 and T10: their evidence carries the case table, and T9 saves the
certificate the Fig. 2 figure is drawn from."""

from proofs_check.checks.theorem4 import CASES, check_t9, check_t10, tamper
from proofs_check.claims import CheckContext
from proofs_check.theorem4 import checker
from proofs_check.theorem4.generator import generate


def test_t9_passes_with_every_case_of_the_table_verified_and_saves_its_certificate(tmp_path):
    res = check_t9(CheckContext(seed=0, out_dir=tmp_path))
    assert res.status == "pass", res.evidence["flags"]
    table = res.evidence["case_table"]
    assert len(table) == len(CASES) and {row["case"] for row in table} == {"A", "B", "C"}
    assert {row["verdict"] for row in table} == {"strict", "tie", "no-minimiser"}
    assert all(row["verified"] for row in table)
    saved = checker.load(tmp_path / "data" / "t9_certificate.json")
    assert checker.check(saved).ok


def test_t10_passes_and_its_table_shows_the_crossover_moving_to_zero_with_delta():
    res = check_t10(CheckContext(seed=0))
    assert res.status == "pass", res.evidence["flags"]
    cross = [row["largest eps with dense preferred"] for row in res.evidence["table"]]
    assert cross[0] > cross[-1] > 0


def test_the_tamper_helper_really_changes_the_certificate_and_is_caught():
    cert = generate("Min(u, 1)", "u", d=4, kappa=3, r=2)
    bad = tamper(cert)
    assert bad["X"]["entries"][0] != list(cert["X"]["entries"][0])
    assert checker.check(cert).ok and not checker.check(bad).ok
