"""The checker's two decoder families: what each proves about every optimal sparse
representation (a perfect reconstruction with at most r nonzero latent rows), from the file.

fixed-scale  Theta = {D_sparse, D_dense} o signed permutations. D_sparse outputs s_j z_j on axes
             j < r and ignores latent axes >= r, so a perfect reconstruction fixes r code rows
             up to sign: every optimal sparse representation has L* = g(0) + (1/d)(sum_j h(m_j)
             + (kappa - r) h(0)) exactly, m_j = mean_i (x_ij / s_j)^2.
lipschitz    Theta_Lip = every 1-Lipschitz decoder. X is the lattice {spacing * (i - (k-1)/2)}^(r+1);
             a perfect reconstruction needs ||z_i - z_j|| >= ||x_i - x_j|| >= spacing, so with at most
             r nonzero rows the codes are spacing-separated in R^r: a ball of radius R holds at most
             ((2R + s)/s)^r of them, the j-th smallest norm is >= (s/2)(j^(1/r) - 1), and
             sum_k m_k >= U = (1/n) sum_j (s/2)^2 (j^(1/r) - 1)_+^2. Some row has m >= U/r, so for h
             nondecreasing (proved) L >= g(0) + (1/d)(h(U/r) + (kappa - 1) h(0)).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy as sp
from flint import arb, fmpq, nmod_mat

from infgrad.theory.penalty_analysis import nondecreasing, monotone_window

from .check_read import CertificateError, Columns, Piece, _covers_line, _rat

PRIME = 2**61 - 1
MAX_LATTICE_N = 300_000


def _rank_mod_p(X: Columns, cols: list[int]) -> int:
    colvals = []
    for j in cols:
        nums, den = X.col(j)
        if den % PRIME == 0:
            return -1
        colvals.append((nums % PRIME) * pow(den % PRIME, -1, PRIME) % PRIME)
    flat = np.stack(colvals, axis=1).ravel().tolist()
    return nmod_mat(X.rows, len(cols), flat, PRIME).rank()


def is_identity(pieces: list[Piece], r: int) -> bool:
    """One piece, no box, no offset, A = the identity on axes 0..r."""
    return (len(pieces) == 1 and not pieces[0].box and not any(pieces[0].c.values())
            and sorted((i, j, v) for i, j, v in pieces[0].A if v) == [(j, j, Fraction(1)) for j in range(r + 1)])


def ignored_axes(pieces: list[Piece], kappa: int) -> set[int]:
    """Latent axes the decoder never reads (no nonzero A column, no box)."""
    used = {j for p in pieces for _, j, v in p.A if v} | {j for p in pieces for j, _, _ in p.box}
    return set(range(kappa)) - used


# ----------------------------------------------------------------------------- fixed-scale


def fixed_scale(cert: dict[str, Any], X: Columns, decs: dict[str, list[Piece]], dims, h, g, out) -> dict | None:
    d, kappa, r, n = dims
    if set(decs) != {"D_sparse", "D_dense"}:
        out.add("fixed-scale decoders are D_sparse and D_dense", False, str(sorted(decs)))
        return None
    sparse = decs["D_sparse"]
    scales: dict[int, Fraction] = {}
    ok = True
    for p in sparse:
        for i_out, j_in, v in p.A:
            if v and j_in >= r:
                ok = False
            if v and i_out < r and (j_in != i_out or scales.setdefault(i_out, v) != v):
                ok = False
        if any(p.c.get(i, 0) != 0 for i in range(r)):
            ok = False
    ok = ok and len(scales) == r and all(scales.values())
    out.add("D_sparse outputs s_j z_j on axes j < r and ignores latent axes >= r", ok)
    out.add("D_sparse boxes cover the real line", _covers_line(sparse))
    out.add("D_dense is the identity on axes 0..r", is_identity(decs["D_dense"], r))
    nz = X.nonzero_columns()
    out.add("data rows 0..r are nonzero, all others zero", nz == list(range(r + 1)), f"nonzero rows {nz[:8]}")
    rank = _rank_mod_p(X, list(range(r + 1)))
    out.add("rank X = r + 1 (mod 2^61-1, a lower bound on the rational rank)", rank == r + 1, f"rank {rank}")
    if not ok:
        return None
    m = [X.mean_square(j) / scales[j] ** 2 for j in range(r)]
    h0 = h(Fraction(0))
    L = g(Fraction(0)) + (sum((h(x) for x in m), arb(0)) + h0 * (kappa - r)) / d
    return {"L_low": L, "exact_rows": m, "families": {"D_sparse"}, "identity": {"D_dense"}}


# ----------------------------------------------------------------------------- lipschitz


def _norm_at_most_one(p: Piece) -> bool:
    """||A||_2 <= 1 exactly: I - A^T A is positive semidefinite on the columns A uses."""
    cols = sorted({j for _, j, v in p.A if v})
    if not cols:
        return True
    rows = sorted({i for i, _, v in p.A if v})
    A = sp.zeros(len(rows), len(cols))
    for i, j, v in p.A:
        if v:
            A[rows.index(i), cols.index(j)] = sp.Rational(v.numerator, v.denominator)
    return bool((sp.eye(len(cols)) - A.T * A).is_positive_semidefinite)


def _continuous(pieces: list[Piece]) -> bool:
    """Neighbouring slabs agree on their shared face: A_k z + c_k = A_l z + c_l where z_axis = b."""
    if len(pieces) == 1:
        return True
    axis = pieces[0].box[0][0]
    order = sorted(pieces, key=lambda p: (p.box[0][1] is not None, p.box[0][1] or 0))
    for p, q in zip(order, order[1:]):
        b = p.box[0][2]
        if b is None or q.box[0][1] != b:
            return False
        Ap = {(i, j): v for i, j, v in p.A if v}
        Aq = {(i, j): v for i, j, v in q.A if v}
        for i, j in set(Ap) | set(Aq):
            if j != axis and Ap.get((i, j), 0) != Aq.get((i, j), 0):
                return False
        for i in {i for i, _ in Ap} | {i for i, _ in Aq} | set(p.c) | set(q.c):
            lhs = Ap.get((i, axis), 0) * b + p.c.get(i, 0)
            rhs = Aq.get((i, axis), 0) * b + q.c.get(i, 0)
            if lhs != rhs:
                return False
    return True


def spread_bound(n: int, r: int, s: Fraction) -> arb:
    """U = (1/n) sum_{j=1..n} (s/2)^2 (j^(1/r) - 1)^2: a lower bound on sum_k m_k (arb enclosure)."""
    total = arb(0)
    inv = arb(1) / r
    for j in range(2, n + 1):
        total += (arb(j) ** inv - 1) ** 2
    return total * arb(fmpq(s.numerator, s.denominator)) ** 2 / (4 * n)


def lipschitz(cert: dict[str, Any], X: Columns, decs: dict[str, list[Piece]], dims, h, g, out) -> dict | None:
    d, kappa, r, n = dims
    lat = cert.get("lattice")
    if not isinstance(lat, dict) or isinstance(lat.get("k"), bool) or not isinstance(lat.get("k"), int):
        raise CertificateError("a lipschitz certificate needs lattice {k, spacing}")
    k, s = lat["k"], _rat(lat["spacing"])
    if not (2 <= k and s > 0 and k ** (r + 1) == n and n <= MAX_LATTICE_N):
        out.add("lattice: k >= 2, spacing > 0, n = k^(r+1)", False, f"k={k}, spacing={s}, n={n}")
        return None
    out.add("X is the lattice spacing * (i - (k-1)/2), i < k, on axes 0..r (min distance = spacing)",
            _is_lattice(X, k, s, r) and X.nonzero_columns() == list(range(r + 1)))
    used = {rep["decoder"] for rep in (cert["witness"], cert["competitor"], cert["sequence"]) if isinstance(rep, dict)}
    out.add("every decoder listed is used by the witness, the competitor or the sequence", set(decs) == used,
            f"listed {sorted(decs)}, used {sorted(map(str, used))}")
    for name, pieces in decs.items():
        out.add(f"{name}: boxes on one axis cover the real line", _covers_line(pieces))
        out.add(f"{name}: continuous across every box face", _continuous(pieces))
        out.add(f"{name}: every piece has operator norm <= 1 (so {name} is 1-Lipschitz)",
                all(_norm_at_most_one(p) for p in pieces))
    U = spread_bound(n, r, s)
    M = U / r
    m_lo = Fraction(int(M.lower().man_exp()[0])) * Fraction(2) ** int(M.lower().man_exp()[1])
    start, tail = monotone_window(h.expr, m_lo) if getattr(h, "expr", None) is not None else (None, None)
    if start is None:
        out.add("h nondecreasing (needs a formula)", False)
        return None
    ok, how = nondecreasing(h.expr, start, tail)
    out.values["monotone"] = how
    if ok:  # the lower bound needs it; a competitor that dominates pointwise does not
        out.add("h(m) >= h(0) for m >= 0 and h nondecreasing past U/r", ok, how)
    h0 = h(Fraction(0))
    L = g(Fraction(0)) + (h(m_lo) + h0 * (kappa - 1)) / d
    return {"L_low": L if ok else None, "exact_rows": None, "families": set(decs), "identity":
            {name for name, p in decs.items() if is_identity(p, r)}, "M": m_lo}


def _is_lattice(X: Columns, k: int, s: Fraction, r: int) -> bool:
    """The rows of X on axes 0..r are exactly the k^(r+1) points s (i - (k-1)/2): each coordinate
    times 2/s is an integer of k's parity in [-(k-1), k-1], and the codes i are all distinct."""
    code = np.zeros(X.rows, dtype=object)
    for j in range(r + 1):
        nums, den = X.col(j)
        scaled_num, scaled_den = nums * (2 * s.denominator), den * s.numerator  # x * 2 / s
        if np.any(scaled_num % scaled_den != 0):
            return False
        ints = scaled_num // scaled_den
        if np.any(ints < -(k - 1)) or np.any(ints > k - 1) or np.any((ints + k - 1) % 2 != 0):
            return False
        code = code * k + (ints + k - 1) // 2
    return len(set(code.tolist())) == X.rows == k ** (r + 1)


FAMILY_CHECKS: dict[str, Callable] = {"fixed-scale": fixed_scale, "lipschitz": lipschitz}
