"""``infgrad.check_certificate(dict)`` reads the dict the way the kernel reads a file: written out
as JSON and read back by ``kernel.loads`` (it was checked as the object in memory)."""

from __future__ import annotations

import math

import pytest

import infgrad
from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.generate.build import build


@pytest.fixture(scope="module")
def cert():
    return build("atan(3*u)", "u", d=3, kappa=2, r=1, family="fixed-scale")[0]


def test_a_dict_goes_through_the_kernels_reader(cert, monkeypatch):
    seen = []
    real = kernel.loads
    monkeypatch.setattr(kernel, "loads", lambda data, *a: seen.append(data) or real(data, *a))
    assert infgrad.check_certificate(cert).ok
    assert len(seen) == 1 and seen[0].startswith(b"{")


def test_a_dict_holding_what_json_cannot_is_a_certificate_error(cert):
    with pytest.raises(kernel.CertificateError, match="not JSON"):
        infgrad.check_certificate({**cert, "verdict": math.nan})
    with pytest.raises(kernel.CertificateError, match="not JSON"):
        infgrad.check_certificate({**cert, "dims": {**cert["dims"], "d": {1, 2}}})
