"""Kernel steps "witness" (Theorem 4 (a): D(Z) = X exactly, r nonzero rows), "competitor" (its L of Eq. (7),
enclosed) and "verdict" (no-minimiser, strict, tie or undecided; it must be the stated one), and ``check``."""

from __future__ import annotations

import bisect
import math
import platform
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import sympy as sp
from flint import ctx

from infgrad.theory.penalties import U

from . import bound, family
from .read import BITS, Certificate, CertificateError, Matrix, Piece, canonical, need
from .values import ENCLOSURE, PREC, Formula, Table, loss, show

BASE = (f"Python {platform.python_version()}: json (the reader), int and fractions.Fraction (every exact step)",
        f"python-flint {flint.__version__}: arb balls at {PREC} bits (every enclosure of g, h and h')",
        f"sympy {sp.__version__} and infgrad.theory.penalties.parse_penalty: the penalty formulas as expressions")


@dataclass
class Outcome:
    """Each item (name, ok, detail); ``trusted`` lists the symbolic steps the verdict rests on."""

    items: list[tuple[str, bool, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    trusted: list[str] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.items.append((name, bool(ok), detail))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return bool(self.items) and all(ok for _, ok, _ in self.items)

    def failures(self) -> list[str]:
        return [f"{n}: {d}" for n, ok, d in self.items if not ok]


def decode(pieces: list[Piece], Z: Matrix, d: int) -> Matrix | None:
    """D(Z) exactly, each sample in a piece whose closed box holds it (slabs of one axis: found by bisection; no
    boxes: the first piece); None if a sample is in none or the boxes are not slabs of one axis."""
    if (sl := family.slabs(pieces)) is None and any(p.box for p in pieces):
        return None
    pieces, owner = (pieces, [0] * Z.rows) if sl is None else (sl[1], [])
    if sl is not None:
        (nums, den), box = Z.col(sl[0]), family.spans(pieces, sl[0])
        lows = [lo if lo == -math.inf else -(-lo.numerator * den // lo.denominator) for lo, _ in box]  # ceil(lo den)
        for v in nums:  # the sample is v / den: in the last slab with lo <= v / den, i.e. ceil(lo den) <= v
            if (k := bisect.bisect_right(lows, v) - 1) < 0 or (box[k][1] != math.inf and v > box[k][1] * den):
                return None
            owner.append(k)
    out = Matrix(Z.rows, d, {})
    for i_out in sorted({i for p in pieces for i, _ in p.A} | {i for p in pieces for i in p.c}):
        per = [([(v, *Z.col(j)) for (i, j), v in p.A.items() if i == i_out], p.c.get(i_out, Fraction(0)))
               for p in pieces]
        D = math.lcm(*(c.denominator for _, c in per), *(v.denominator * den for ts, _ in per for v, _, den in ts))
        need(D.bit_length() <= 2 * BITS, f"decoding output {i_out}: a common denominator over {2 * BITS} bits")
        coef = [([(v.numerator * (D // (v.denominator * den)), nums) for v, nums, den in ts],
                 c.numerator * (D // c.denominator)) for ts, c in per]
        out.data[i_out] = ([coef[k][1] + sum(a * col[i] for a, col in coef[k][0]) for i, k in enumerate(owner)], D)
    return out


def difference(a: Matrix, b: Matrix) -> Fraction:
    """sum_ij (a_ij - b_ij)^2 exactly."""
    total = Fraction(0)
    for j in set(a.data) | set(b.data):
        (na, da), (nb, db) = a.col(j), b.col(j)
        total += Fraction(sum((p * db - q * da) ** 2 for p, q in zip(na, nb)), (da * db) ** 2)
    return total


def check(raw: dict[str, Any], trust_table: bool = False) -> Outcome:
    """Verify a certificate; CertificateError when it is malformed."""
    try:
        with ctx.workprec(PREC):
            return _check(canonical(raw), trust_table)
    except CertificateError:
        raise
    except MemoryError:
        raise CertificateError("the check needs more memory than it may use (raise --max-memory)") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, ArithmeticError) as exc:
        raise CertificateError(f"malformed certificate: {type(exc).__name__}: {str(exc)[:200]}") from None


def _check(cert: Certificate, trust: bool) -> Outcome:
    out, (d, kappa, r) = Outcome(trusted=list(BASE)), (cert.d, cert.kappa, cert.r)
    out.add("enclosure method is the kernel's", cert.enclosure == ENCLOSURE, cert.enclosure[:60])
    pen = {}
    for name, text in (("h", cert.h_text), ("g", cert.g_text)):
        pen[name] = Formula(text, name) if text is not None else Table(cert.tables[name], name)
        if text is None:
            out.values["table_used"] = True
            out.add(f"{name}: stored value table " + ("trusted by --trust-table" if trust else
                    "is not independently verifiable (pass --trust-table to trust it)"), trust)
    h, g = pen["h"], pen["g"]
    if not out.add("h(0) and g(0) are finite reals", h(Fraction(0)).is_finite() and g(Fraction(0)).is_finite()):
        return out
    rows_star = family.fixed_scale(cert, out.add) if cert.family == "fixed-scale" else None
    if cert.family == "fixed-scale":
        L_low = None if rows_star is None else loss(g, h, Fraction(0), rows_star, kappa, d)
    else:
        L_low = bound.lipschitz_bound(cert, h, g, out.add, out.trusted) if family.lipschitz(cert, out.add) else None

    def represent(rep, label):
        Xhat = decode(cert.decoders[rep.decoder], rep.Z, d)
        if not out.add(f"{label}: decoder defined at every code", Xhat is not None):
            return None
        out.add(f"{label}: Xhat = decoder(Z) exactly", difference(Xhat, rep.Xhat) == 0)
        err = difference(cert.X, Xhat) / (d * cert.X.rows)
        rows = [rep.Z.mean_square(j) for j in rep.Z.nonzero()]
        if cert.lattice:  # the implicit axes 0..r-2 (family.block): z_j = x_j, of mean square s^2 (k^2 - 1) / 12
            out.add(f"{label}: Z lists latent axes >= r-1 only", min(rep.Z.nonzero(), default=r) >= r - 1)
            rows += [cert.lattice[1] ** 2 * (cert.lattice[0] ** 2 - 1) / 12] * (r - 1)
        L = loss(g, h, err, rows, kappa, d)
        out.values[f"{label}_L"], out.values[f"{label}_rows"], out.values[f"{label}_error"] = L, len(rows), err
        return err, rows, L

    w = represent(cert.witness, "witness")
    if w is None:
        return out
    out.add("witness: perfect reconstruction with exactly r nonzero rows (Theorem 4 (a))",
            w[0] == 0 and len(w[1]) == r, f"error {show(w[0])}, {len(w[1])} nonzero rows")
    if rows_star is not None:
        out.add("witness: its rows are the determined rows m_j", sorted(w[1]) == sorted(rows_star))
    c = represent(cert.competitor, "competitor") if cert.competitor else None
    derived, why = _verdict(cert, h, g, L_low, rows_star, c, out)
    out.values["verdict"], out.values["verdict_reason"], out.values["L_lower_bound"] = derived, why, L_low
    out.add("stated verdict is the kernel's own", cert.verdict == derived, f"stated {cert.verdict!r}, derived "
            f"{derived!r}: {why}")
    return out


def _verdict(cert: Certificate, h, g, L_low, rows_star, c, out) -> tuple[str, str]:
    if cert.sequence is not None:
        limit = _limit(cert, h, g)
        if out.add("sequence: L(X + t e_row) -> -oo under the identity decoder (trusted: sympy limit)",
                   limit == -sp.oo, f"limit {limit}"):
            out.trusted.append("sympy.limit of L along Z + t e_row")
            out.add("a no-minimiser certificate carries no competitor", c is None)
            return "no-minimiser", "L -> -oo along Z + t e_row (sympy limit): no minimiser exists"
    if c is None:
        out.add("a competitor is given (only a no-minimiser certificate has none)", False)
        return "undecided", "no competitor"
    err, rows, L = c
    if err == 0 and len(rows) <= cert.r:
        return "undecided", "the competitor is itself an optimal sparse representation"
    t = _added_row(cert)
    if t is not None and h(t * t).upper() < h(Fraction(0)).lower():
        return "strict", (f"the competitor is the witness plus a constant row {show(t)} on a latent axis the decoder "
                          f"ignores, and h({show(t * t)}) < h(0): every optimal sparse representation is beaten so")
    if L_low is not None and L.upper() < L_low.lower():
        return "strict", "hi(L_competitor) < lo(L lower bound of every optimal sparse representation)"
    if rows_star is not None and err == 0 and h.expr is not None:
        val = lambda xs: sum(h.expr.subs(U, sp.Rational(x)) - h.expr.subs(U, 0) for x in xs)  # noqa: E731
        if sp.simplify(val(rows) - val(rows_star)) == 0:
            out.trusted.append("sympy.simplify(L_competitor - L*) == 0")
            return "tie", "L_competitor = L* exactly (sympy)"
    return "undecided", "the competitor is not proved strictly better, nor exactly equal"


def _added_row(cert: Certificate) -> Fraction | None:
    """t when the competitor is the witness plus one constant row t on a latent axis the decoder ignores."""
    w, c = cert.witness, cert.competitor
    if c.decoder != w.decoder:
        return None
    same = lambda j: all(p * w.Z.col(j)[1] == q * c.Z.col(j)[1] for p, q in zip(w.Z.col(j)[0], c.Z.col(j)[0]))  # noqa
    diff = [j for j in sorted(set(w.Z.data) | set(c.Z.data)) if not same(j)]  # a column listed in neither is 0 in both
    if len(diff) != 1 or diff[0] in family.read_axes(cert.decoders[w.decoder]) or diff[0] in w.Z.nonzero():
        return None
    nums, den = c.Z.col(diff[0])
    return Fraction(nums[0], den) if len(set(nums)) == 1 else None


def _limit(cert: Certificate, h, g):
    """lim_{t -> oo} L(X + t e_row) under the identity decoder (sympy), or None."""
    name, j = cert.sequence
    if not family.is_identity(cert.decoders[name], cert.r) or h.expr is None or g.expr is None:
        return None
    t, n, d = sp.Symbol("t", positive=True), cert.n, cert.d
    nums, den = cert.X.col(j)
    ms = [cert.X.mean_square(i) for i in range(cert.r + 1)]
    m_t = sp.Rational(ms[j]) + 2 * t * sp.Rational(sum(nums), den * n) + t ** 2
    hsum = h.expr.subs(U, m_t) + sum(h.expr.subs(U, sp.Rational(x)) for i, x in enumerate(ms) if i != j)
    L = g.expr.subs(U, t ** 2 / d) + (hsum + (cert.kappa - cert.r - 1) * h.expr.subs(U, 0)) / d
    try:
        return sp.limit(L, t, sp.oo)
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return None
