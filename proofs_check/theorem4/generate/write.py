"""Writing a Theorem 4 certificate: exact rationals as "p/q" strings, sparse matrices,
rigorous intervals as decimal strings rounded outward.

A matrix is written either densely (a list of rows of "p/q") or sparsely as
``{"shape": [rows, cols], "entries": [[i, j, "p/q"], ...]}`` (zero elsewhere);
the generator always writes the sparse form, the checker reads both.
"""

from __future__ import annotations

import itertools
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from flint import arb

from infgrad.atomic import write_json

FORMAT = "infgrad-theorem4-certificate/1"


def q(x: Fraction | int) -> str:
    """A rational as "p/q" (or "p" for an integer)."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def column_strings(nums: Sequence[int], den: int) -> list[str]:
    """Each nums[i]/den as "p/q", reduced by the gcd of the whole column (so one column shares
    one denominator: readable, and fast to read back)."""
    g = math.gcd(den, *nums)
    den //= g
    if den == 1:
        return [str(p // g) for p in nums]
    return [f"{p // g}/{den}" for p in nums]


def sparse_matrix(shape: tuple[int, int], columns: dict[int, tuple[Any, int]]) -> dict[str, Any]:
    """``{"shape", "entries"}`` from columns ``j -> (numerators over rows, common denominator)``;
    entries are listed column by column."""
    entries: list[list[Any]] = []
    for j in sorted(columns):
        nums, den = columns[j]
        nums = [int(p) for p in nums]
        idx = [i for i, p in enumerate(nums) if p]
        strs = column_strings([nums[i] for i in idx], den)
        entries.extend(zip(idx, itertools.repeat(j), strs))  # tuples: JSON writes them as [i, j, "p/q"]
    return {"shape": list(shape), "entries": entries}


def _decimal(x: Fraction, rounding: str, digits: int = 25) -> str:
    ctx = Context(prec=digits, rounding=rounding)
    return str(ctx.divide(Decimal(x.numerator), Decimal(x.denominator)))


def _endpoint(x: arb) -> Fraction:
    m, e = x.man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


def interval_strings(x: arb) -> list[str]:
    """[lo, hi] of a finite ball as decimal strings rounded outward (lo down, hi up)."""
    if not x.is_finite():
        raise ValueError("cannot write a non-finite interval")
    return [_decimal(_endpoint(x.lower()), ROUND_FLOOR), _decimal(_endpoint(x.upper()), ROUND_CEILING)]


def write(path: str | Path, cert: dict[str, Any]) -> Path:
    """Write the certificate through the one atomic writer (compact JSON)."""
    return write_json(path, cert, indent=None)
