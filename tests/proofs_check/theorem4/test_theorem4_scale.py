"""Scale: d = 1000, kappa = 100, r = 50, n = 10000 generated, written, read back and checked."""

import time

import pytest

from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate import write as certificate
from infgrad.proofs_check.theorem4.generate.build import generate


@pytest.mark.slow
def test_a_d1000_kappa100_r50_n10000_certificate_is_generated_and_verified_from_its_file(tmp_path):
    start = time.perf_counter()
    cert = generate("atan(3*u)", "u", d=1000, kappa=100, r=50, n=10000, family="fixed-scale")
    path = certificate.write(tmp_path / "big.json", cert)
    outcome = checker.check(checker.load(path))
    seconds = time.perf_counter() - start
    print(f"scale d=1000 kappa=100 r=50 n=10000: {seconds:.1f} s, {path.stat().st_size / 1e6:.1f} MB")
    assert outcome.ok, outcome.failures()
    assert cert["verdict"] == "strict"
    # sparse storage: only the r + 1 data coordinates are nonzero
    assert {j for _, j, _ in checker.load(path)["X"]["entries"]} == set(range(51))
