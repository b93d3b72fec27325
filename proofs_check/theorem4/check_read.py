"""Reading a Theorem 4 certificate for the independent checker: rationals, exact rational
matrices stored by columns, and piecewise-affine decoders evaluated exactly. Shares no code
with the generator."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np


class CertificateError(ValueError):
    """The file is not a readable certificate (the CLI turns it into exit 2)."""


# ----------------------------------------------------------------------------- reading


def _rat(text: Any) -> Fraction:
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise CertificateError(f"expected a rational 'p/q', got {text!r}")
    try:
        if isinstance(text, int):
            return Fraction(text)
        num, _, den = text.partition("/")
        return Fraction(int(num), int(den)) if den else Fraction(int(num))
    except (ValueError, ZeroDivisionError):
        raise CertificateError(f"expected a rational 'p/q', got {text!r}") from None


def _pq(text: Any) -> tuple[int, int]:
    """'p/q' -> (p, q) with q > 0, without building a Fraction (fast path for big matrices)."""
    if isinstance(text, str):
        num, _, den = text.partition("/")
        try:
            p, q = int(num), int(den) if den else 1
        except ValueError:
            raise CertificateError(f"expected a rational 'p/q', got {text!r}") from None
        if q <= 0:
            raise CertificateError(f"denominator must be positive in {text!r}")
        return p, q
    x = _rat(text)
    return x.numerator, x.denominator


class Columns:
    """A rational matrix as columns: j -> (integer numerators over rows as a numpy object
    array of Python ints, common denominator). Exact; numpy only loops over the ints."""

    def __init__(self, rows: int, cols: int):
        self.rows, self.cols = rows, cols
        self.data: dict[int, tuple[np.ndarray, int]] = {}

    @classmethod
    def read(cls, obj: Any, shape: tuple[int, int]) -> "Columns":
        out = cls(*shape)
        rows, cols = shape
        if isinstance(obj, dict):
            if set(obj) != {"shape", "entries"}:
                raise CertificateError(f"a sparse matrix has exactly the keys shape and entries; got {sorted(obj)}")
            if list(obj.get("shape", [])) != list(shape):
                raise CertificateError(f"matrix shape {obj.get('shape')} differs from the expected {list(shape)}")
            entries = obj.get("entries", [])
            try:
                ok = isinstance(entries, list) and set(map(type, entries)) <= {list, tuple} and set(map(len, entries)) <= {3}
            except TypeError:
                ok = False
            if not ok:
                raise CertificateError("sparse entries must be a list of [i, j, 'p/q']")
            I, J, V = (list(t) for t in zip(*entries)) if entries else ([], [], [])
        elif isinstance(obj, list):
            if len(obj) != rows or any(not isinstance(row, list) or len(row) != cols for row in obj):
                raise CertificateError(f"dense matrix is not of shape {list(shape)}")
            I = [i for i in range(rows) for _ in range(cols)]
            J = list(range(cols)) * rows
            V = [v for row in obj for v in row]
        else:
            raise CertificateError("a matrix must be a list of rows or {shape, entries}")
        if not V:
            return out
        Iarr, Jarr = np.asarray(I), np.asarray(J)
        if Iarr.dtype.kind != "i" or Jarr.dtype.kind != "i" or Iarr.min() < 0 or Iarr.max() >= rows \
                or Jarr.min() < 0 or Jarr.max() >= cols:
            raise CertificateError(f"a matrix index is not an integer inside shape {list(shape)}")
        if not set(map(type, V)) <= {str}:
            V = [v if type(v) is str else str(_rat(v)) for v in V]
        try:
            parts = [v.partition("/") for v in V]
            P = np.array([int(x) for x, _, _ in parts] + [None], dtype=object)[:-1]
            Q = np.array([int(x) if x else 1 for _, _, x in parts] + [None], dtype=object)[:-1]
        except ValueError:
            raise CertificateError("a matrix entry is not a rational 'p/q'") from None
        if min(Q) <= 0:
            raise CertificateError("a matrix entry has a denominator <= 0")
        keys = np.sort(Iarr.astype(np.int64) * cols + Jarr)  # a sort, not np.unique's hash table (25x faster here)
        if len(keys) > 1 and not np.all(np.diff(keys)):
            raise CertificateError("a matrix lists the same entry twice")
        order = np.argsort(Jarr, kind="stable")
        bounds = np.flatnonzero(np.diff(Jarr[order])) + 1
        for group in np.split(order, bounds):
            j = int(Jarr[group[0]])
            idx = Iarr[group]
            qs = Q[group]
            dens = set(qs.tolist())
            den = math.lcm(*dens)
            ps = P[group] if len(dens) == 1 else P[group] * (den // qs)
            nums = np.zeros(rows, dtype=object)
            nums[idx] = ps
            out.data[j] = (nums, den)
        return out

    def first_columns(self, k: int) -> "Columns":
        """The first k columns (the certificate's 'X' as a code matrix)."""
        out = Columns(self.rows, k)
        out.data = {j: v for j, v in self.data.items() if j < k}
        return out

    def col(self, j: int) -> tuple[np.ndarray, int]:
        return self.data.get(j, (np.zeros(self.rows, dtype=object), 1))

    def nonzero_columns(self) -> list[int]:
        return sorted(j for j, (nums, _) in self.data.items() if np.count_nonzero(nums))

    def mean_square(self, j: int) -> Fraction:
        nums, den = self.col(j)
        return Fraction(int((nums * nums).sum()), den * den * self.rows)


def _equal(a: Columns, b: Columns) -> bool:
    for j in set(a.data) | set(b.data):
        (na, da), (nb, db) = a.col(j), b.col(j)
        if np.count_nonzero(na * db - nb * da):
            return False
    return True


def _error(a: Columns, b: Columns) -> Fraction:
    """sum_ij (a_ij - b_ij)^2 exactly."""
    total = Fraction(0)
    for j in set(a.data) | set(b.data):
        (na, da), (nb, db) = a.col(j), b.col(j)
        diff = na * db - nb * da
        total += Fraction(int((diff * diff).sum()), (da * db) ** 2)
    return total


# ----------------------------------------------------------------------------- decoders


@dataclass
class Piece:
    box: list[tuple[int, Fraction | None, Fraction | None]]
    A: list[tuple[int, int, Fraction]]
    c: dict[int, Fraction]


def _pieces(dec: Any, d: int, kappa: int) -> list[Piece]:
    if not isinstance(dec, dict) or not isinstance(dec.get("pieces"), list) or not dec["pieces"]:
        raise CertificateError("a decoder must have a nonempty list of pieces")
    out = []
    for p in dec["pieces"]:
        if not isinstance(p, dict) or set(p) != {"box", "A", "c"} or not isinstance(p["A"], dict) \
                or set(p["A"]) != {"shape", "entries"} or not isinstance(p["c"], dict) or set(p["c"]) != {"shape", "entries"}:
            raise CertificateError("a decoder piece is {box, A: {shape, entries}, c: {shape, entries}}")
        try:
            box = [(int(j), None if lo is None else _rat(lo), None if hi is None else _rat(hi)) for j, lo, hi in p["box"]]
            if list(p["A"]["shape"]) != [d, kappa] or list(p["c"]["shape"]) != [d]:
                raise CertificateError("decoder piece shapes differ from [d, kappa] and [d]")
            A = [(int(i), int(j), _rat(v)) for i, j, v in p["A"]["entries"]]
            c = {int(i): _rat(v) for i, v in p["c"]["entries"]}
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CertificateError):
                raise
            raise CertificateError(f"malformed decoder piece: {exc}") from None
        if any(not (0 <= i < d and 0 <= j < kappa) for i, j, _ in A) or any(not 0 <= i < d for i in c) \
                or any(not 0 <= j < kappa for j, _, _ in box):
            raise CertificateError("decoder piece index outside [d, kappa]")
        out.append(Piece(box, A, c))
    return out


def _decode(pieces: list[Piece], Z: Columns, d: int) -> tuple[Columns | None, str]:
    """Xhat = D(Z) exactly; each sample uses the first piece whose closed box contains it.

    Integer arithmetic throughout: output i of piece k over its samples is
    (sum_j a_ij (D / (q_ij den_j)) num_j + c_i D) / D with D a common denominator.
    """
    n = Z.rows
    owner = np.full(n, -1)
    for k, p in enumerate(pieces):
        mask = owner < 0
        for j, lo, hi in p.box:
            nums, den = Z.col(j)
            if lo is not None:
                mask &= (nums * lo.denominator >= lo.numerator * den).astype(bool)
            if hi is not None:
                mask &= (nums * hi.denominator <= hi.numerator * den).astype(bool)
        owner[mask] = k
    if (owner < 0).any():
        return None, f"sample {int(np.flatnonzero(owner < 0)[0])} lies in no piece's box"
    parts: dict[int, list[tuple[np.ndarray, np.ndarray, int]]] = {}
    for k, p in enumerate(pieces):
        idx = np.flatnonzero(owner == k)
        if not len(idx):
            continue
        terms: dict[int, list[tuple[Fraction, np.ndarray, int]]] = {}
        for i_out, j_in, v in p.A:
            if v:
                terms.setdefault(i_out, []).append((v, *Z.col(j_in)))
        for i_out in set(terms) | set(p.c):
            ts = terms.get(i_out, [])
            off = p.c.get(i_out, Fraction(0))
            D = math.lcm(off.denominator, *[v.denominator * den for v, _, den in ts])
            acc = np.full(len(idx), off.numerator * (D // off.denominator), dtype=object)
            for v, nums, den in ts:
                acc = acc + nums[idx] * (v.numerator * (D // (v.denominator * den)))
            parts.setdefault(i_out, []).append((idx, acc, D))
    out = Columns(n, d)
    for i_out, plist in parts.items():
        D = math.lcm(*[Dk for _, _, Dk in plist])
        nums = np.zeros(n, dtype=object)
        for idx, acc, Dk in plist:
            nums[idx] = acc * (D // Dk)
        out.data[i_out] = (nums, D)
    return out, ""


def _covers_line(pieces: list[Piece]) -> bool:
    """The boxes constrain at most one latent axis and their intervals cover the real line."""
    axes = {j for p in pieces for j, _, _ in p.box}
    if not axes:
        return True
    if len(axes) > 1 or any(len(p.box) != 1 for p in pieces):
        return False
    spans = sorted(((p.box[0][1], p.box[0][2]) for p in pieces),
                   key=lambda t: (t[0] is not None, t[0] if t[0] is not None else 0))
    if spans[0][0] is not None:
        return False
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        if reach is None:
            return True
        if lo is not None and lo > reach:
            return False
        reach = None if hi is None else max(reach, hi)
    return reach is None


