"""The registered checks T9 and T10: their evidence carries the case table in both families, and
T9 saves the certificate and notes that Fig. 2 is drawn from."""

from infgrad.proofs_check.claims.theorem4 import CASES, check_t9, check_t10, forgeries
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import generate


def test_t9_passes_with_every_row_verified_in_both_families_and_saves_its_certificate(tmp_path):
    res = check_t9(CheckContext(seed=0, out_dir=tmp_path))
    assert res.status == "pass", res.evidence["flags"]
    table = res.evidence["case_table"]
    assert len(table) == len(CASES)
    assert {row["fixed_scale"]["verdict"] for row in table} == {"strict", "tie", "no-minimiser"}
    lip = [row["lipschitz"]["verdict"] for row in table if row["lipschitz"]]
    assert "strict" in lip and None in lip  # Theta_Lip certifies some rows and refuses others
    assert "'some minimiser' reading" in res.evidence["finding"]
    # what a strict verdict proves, and the lossy sparse code that is cheaper (before: "every global minimiser
    # is non-sparse", which the bound on lossless codes does not give)
    assert "no global minimiser is an optimal (lossless, r-sparse) representation" in res.evidence["finding"]
    assert "L = 0.007812, below the certified competitor's L = 0.02342" in res.evidence["lossy_sparse_codes"]
    saved = checker.load(tmp_path / "data" / "t9_certificate.json")
    assert saved["family"] == "lipschitz" and checker.check(saved).ok


def test_t10_passes_and_its_table_shows_the_crossover_moving_to_zero_with_delta():
    res = check_t10(CheckContext(seed=0))
    assert res.status == "pass", res.evidence["flags"]
    cross = [row["largest eps with dense preferred"] for row in res.evidence["table"]]
    assert cross[0] > cross[-1] > 0


def test_each_forgery_that_t9_uses_really_changes_the_certificate_and_is_rejected():
    cert = generate("Min(u, 1)", "u", d=4, kappa=3, r=2)
    assert checker.check(cert).ok
    for name, bad in forgeries(cert).items():
        assert bad != cert, name
        try:
            assert not checker.check(bad).ok, name
        except checker.CertificateError:
            pass
