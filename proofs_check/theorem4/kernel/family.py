"""Kernel step "family": what the decoders are, and so what every optimal sparse representation must satisfy:
fixed-scale fixes its rows m_j = mean_i (x_ij / s_j)^2; lipschitz proves every decoder 1-Lipschitz (docs/theorem4.md)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from .read import Certificate, Piece


def slabs(pieces: list[Piece]) -> tuple[int, list[Piece]] | None:
    """(axis, the pieces by lower end) when every box constrains the one same latent axis, else None."""
    axes = {j for p in pieces for j in p.box}
    if len(axes) != 1 or any(len(p.box) != 1 for p in pieces):
        return None
    axis = axes.pop()
    return axis, sorted(pieces, key=lambda p: (p.box[axis][0] is not None, p.box[axis][0] or 0))


def spans(pieces: list[Piece], axis: int) -> list[tuple]:
    """The closed intervals of the slabs on ``axis`` in the pieces' order, an open end as -inf or inf."""
    return [(-math.inf if lo is None else lo, math.inf if hi is None else hi) for lo, hi in (p.box[axis] for p in pieces)]


def covers_line(pieces: list[Piece]) -> bool:
    """No piece has a box, or the boxes are slabs of one axis whose closed intervals cover the real line."""
    if (sl := slabs(pieces)) is None:
        return not any(p.box for p in pieces)
    box = spans(sl[1], sl[0])  # by lower end; reach[i]: the furthest end of the slabs before the i-th
    reach = list(itertools.accumulate((hi for _, hi in box), max, initial=-math.inf))
    return all(lo <= before for (lo, _), before in zip(box, reach)) and reach[-1] == math.inf


def is_identity(pieces: list[Piece], r: int) -> bool:
    """One piece, no box, no offset, A = the identity on axes 0..r."""
    return len(pieces) == 1 and not pieces[0].box and not pieces[0].c and len(pieces[0].A) == r + 1 and \
        pieces[0].A == {(j, j): Fraction(1) for j in range(r + 1)}  # sized first: r may be 10^7


def read_axes(pieces: list[Piece]) -> set[int]:
    """Latent axes the decoder reads (a nonzero A column or a box); it ignores every other."""
    return {j for p in pieces for _, j in p.A} | {j for p in pieces for j in p.box}


def fixed_scale(cert: Certificate, add) -> list[Fraction] | None:
    """The rows m_j of every optimal sparse representation, or None when the structure fails."""
    r = cert.r
    if not add("fixed-scale decoders are D_sparse and D_dense", set(cert.decoders) == {"D_sparse", "D_dense"}):
        return None
    sparse, scales = cert.decoders["D_sparse"], {}
    ok = all(j < r and (i >= r or (i == j and scales.setdefault(i, v) == v))
             for p in sparse for (i, j), v in p.A.items()) and all(i >= r for p in sparse for i in p.c)
    ok = add("D_sparse outputs s_j z_j on axes j < r in every piece and ignores latent axes >= r",
             ok and all((j, j) in p.A for p in sparse for j in range(r)))  # a piece without s_j z_j frees z_j
    add("D_sparse is one function: slabs of one axis that cover the line, abut and agree on every face",
        covers_line(sparse) and continuous(sparse))  # overlapping boxes or two pieces without one: two readings
    add("D_dense is the identity on axes 0..r", is_identity(cert.decoders["D_dense"], r))
    nz = cert.X.nonzero()
    add("data rows 0..r are nonzero, all others zero", nz == list(range(r + 1)), f"nonzero rows {nz[:8]}")
    return [cert.X.mean_square(j) / scales[j] ** 2 for j in range(r)] if ok else None


def is_lattice(cert: Certificate, k: int, s: Fraction) -> bool:
    """X lists the k^2 points s (i - (k-1)/2), i < k, on data axes r-1, r, each once, and nothing else: the last
    factor of the lattice L^(r+1) = L^(r-1) x L^2; axes 0..r-2 are implicit (``block``)."""
    codes = [0] * cert.X.rows
    for j in (cert.r - 1, cert.r):
        nums, den = cert.X.col(j)
        top, bot = 2 * s.denominator, den * s.numerator
        for i, p in enumerate(nums):
            q, rem = divmod(p * top, bot)
            if rem or not -(k - 1) <= q <= k - 1 or (q + k - 1) % 2:
                return False
            codes[i] = codes[i] * k + (q + k - 1) // 2
    return len(set(codes)) == cert.X.rows == k * k and cert.X.nonzero() == [cert.r - 1, cert.r]


def block(p: Piece, b: int) -> bool:
    """x_j = z_j for j < b and nothing else reads or writes those axes (no box, no offset, no other entry): on
    the implicit axes 0..b-1 every decoder is the identity, exact there by construction, of norm 1."""
    return all(j >= b for j in p.box) and all(i >= b for i in p.c) and \
        {(i, j): v for (i, j), v in p.A.items() if min(i, j) < b} == {(j, j): 1 for j in range(b)}


def continuous(pieces: list[Piece]) -> bool:
    """Neighbouring slabs on one axis abut and agree on their shared face z_axis = b."""
    if len(pieces) == 1 or (sl := slabs(pieces)) is None:
        return len(pieces) == 1
    axis, order = sl
    at = lambda p, i, b: p.A.get((i, axis), 0) * b + p.c.get(i, 0)  # noqa: E731
    rest = lambda p: {k: v for k, v in p.A.items() if k[1] != axis}  # noqa: E731
    return all((b := p.box[axis][1]) is not None and q.box[axis][0] == b and rest(p) == rest(q) and
               all(at(p, i, b) == at(q, i, b) for i in {i for i, _ in p.A} | {i for i, _ in q.A} | set(p.c) | set(q.c))
               for p, q in zip(order, order[1:]))


def norm_at_most_one(p: Piece) -> bool:
    """A signed scaled partial permutation with entries in [-1, 1]: ||A||_2 = max |a_ij| <= 1."""
    rows, cols = [i for i, _ in p.A], [j for _, j in p.A]
    return len(set(rows)) == len(rows) and len(set(cols)) == len(cols) and all(abs(v) <= 1 for v in p.A.values())


def lipschitz(cert: Certificate, add) -> bool:
    """True when X is the stated lattice and every decoder is proved 1-Lipschitz."""
    if cert.lattice is None:
        return add("a lipschitz certificate states its lattice {k, spacing}", False)
    k, s = cert.lattice
    if not add("lattice: spacing > 0, n = k^(r+1)", s > 0 and (cert.r + 1) * (k.bit_length() - 1) <= 200
               and k ** (cert.r + 1) == cert.n, f"k = {k}, n = {cert.n}"):
        return False
    ok = add("X is the lattice spacing * (i - (k-1)/2), i < k, on axes 0..r (min distance = spacing): axes 0..r-2 "
             "implicit, the k^2 points of axes r-1, r listed", is_lattice(cert, k, s))
    used = {cert.witness.decoder} | ({cert.competitor.decoder} if cert.competitor else set())
    ok &= add("every decoder listed is used", set(cert.decoders) == used, f"listed {sorted(cert.decoders)}")
    for name, pieces in cert.decoders.items():
        ok &= add(f"{name}: boxes on one axis cover the real line", covers_line(pieces))
        ok &= add(f"{name}: continuous across every box face", continuous(pieces))
        ok &= add(f"{name}: every piece is a signed partial permutation with entries in [-1, 1] (norm <= 1)",
                  all(norm_at_most_one(p) for p in pieces))
        ok &= add(f"{name}: the identity on the implicit axes 0..r-2, read and written by nothing else",
                  all(block(p, cert.r - 1) for p in pieces))
    return ok
