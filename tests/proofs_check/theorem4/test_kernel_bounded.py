"""The kernel's work is bounded by the file's size: a few-kB certificate naming huge dimensions (n, kappa, r up to
10^7) is refused or checked in small memory, and running out of memory is one line (exit 2), not a traceback."""

from __future__ import annotations

import json
import random
import tracemalloc
from fractions import Fraction

import pytest

from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.kernel import values, verdict
from infgrad.proofs_check.theorem4.kernel.read import Matrix, Piece
from test_kernel_forgeries import two_boxless_pieces
from theorem4_tamper import ADDED_ROW, FIXED_SCALE, genuine_text


def peak_mb(work) -> tuple[object, float]:
    tracemalloc.start()
    try:
        return work(), tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def widen(obj, old: int, new: int, dims: tuple[int, ...]) -> None:
    """Every shape axis ``dims`` of size ``old`` becomes ``new`` (entries kept)."""
    if isinstance(obj, dict):
        if set(obj) == {"shape", "entries"}:
            obj["shape"] = [new if k in dims and v == old else v for k, v in enumerate(obj["shape"])]
        for v in obj.values():
            widen(v, old, new, dims)
    elif isinstance(obj, list):
        for v in obj:
            widen(v, old, new, dims)


def test_a_kb_file_naming_a_million_samples_is_refused_at_once():
    # before: read and decoded as 10^6 samples (about 4 s here, minutes at n = 10^7, a MemoryError traceback under
    # --max-memory), from a file of 1 kB
    cert = two_boxless_pieces()
    cert["dims"]["n"] = cert["X"]["shape"][0] = cert["witness"]["Z"]["shape"][0] = 10**6
    with pytest.raises(kernel.CertificateError, match="every sample but at most one"):
        kernel.check(cert)


def test_a_latent_dimension_of_200_000_costs_no_memory_for_its_empty_axes():
    # before: the added-row step materialised every latent column, about 150 MB here and 7 GB at kappa = 10^7
    cert = json.loads(genuine_text(ADDED_ROW))
    cert["dims"]["d"] = cert["dims"]["kappa"] = 200_000
    widen(cert, 4, 200_000, (0, 1))
    widen(cert, 6, 200_000, (0, 1))
    out, mb = peak_mb(lambda: kernel.check(cert))
    assert out.ok and out.values["verdict"] == "strict", out.failures()
    assert mb < 40, mb


def test_an_identity_decoder_is_not_built_for_a_huge_r_before_its_size_is_compared():
    # before: is_identity built the identity {(j, j): 1} for j <= r, 10^6 Fractions here, before comparing
    cert = json.loads(genuine_text(ADDED_ROW))
    cert["dims"].update(d=10**6 + 2, kappa=10**6 + 1, r=10**6)
    widen(cert, 4, 10**6 + 1, (0, 1))
    widen(cert, 6, 10**6 + 2, (0, 1))
    out, mb = peak_mb(lambda: kernel.check(cert))
    assert not out.ok and mb < 40, mb


def test_running_out_of_memory_is_one_line_naming_max_memory(monkeypatch):
    # before: MemoryError went up as a traceback, and the command exited 1 as if the certificate were rejected
    def exhausted(*args):
        raise MemoryError

    monkeypatch.setattr(verdict, "decode", exhausted)
    with pytest.raises(kernel.CertificateError, match="--max-memory"):
        kernel.check(json.loads(genuine_text(ADDED_ROW)))


def odd_denominators(count: int, digits: int = 4000) -> list[int]:
    rng = random.Random(0)
    return [rng.randrange(10 ** (digits - 1), 10**digits) | 1 for _ in range(count)]


def test_a_column_of_distinct_4000_digit_denominators_is_refused_not_multiplied_out():
    # before: the column's common denominator grew with every entry (300 entries, a 1.2 MB file: 1.2 million
    # digits, 37 s for X alone, and each numerator as long), here 12 entries and 48 000 digits
    cert = json.loads(genuine_text(FIXED_SCALE))
    cert["witness"]["Z"]["entries"] = [[i, 0, f"1/{q}"] for i, q in enumerate(odd_denominators(12))]
    with pytest.raises(kernel.CertificateError, match="common denominator"):
        kernel.check(cert)


def test_a_decoder_output_over_pieces_of_distinct_denominators_is_refused():
    # before: decode multiplied every code by the common denominator of all pieces' offsets (12 x 4000 digits)
    pieces = [Piece({}, {}, {0: Fraction(1, q)}) for q in odd_denominators(12)]
    with pytest.raises(kernel.CertificateError, match="common denominator"):
        verdict.decode(pieces, Matrix(3, 2, {}), 2)


def test_an_enclosure_reads_each_sub_expression_once_per_ball(monkeypatch):
    # before: the cut at 0 (_nonnegative) enclosed the children again at every level, 2^depth calls: tanh nested
    # 20 deep on [0, 1/3] took 11.8 s, and the parser allows deeper; 16 deep here
    calls = []
    inner = values._enclose
    monkeypatch.setattr(values, "_enclose", lambda *args: calls.append(1) or inner(*args))
    h = values.Formula("tanh(" * 16 + "(u - 1/3)" + ")" * 16, "h")
    assert h.on(Fraction(0), Fraction(1, 3)).is_finite()
    assert len(calls) <= 10 * 20, len(calls)
