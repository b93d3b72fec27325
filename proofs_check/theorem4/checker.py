"""The independent checker of Theorem 4 certificates.

It shares nothing with the generator but the formula parser (``theory.penalties.parse_penalty``):
its own reader of rationals and sparse matrices, its own exact evaluation of the
piecewise-affine decoders, and its own interval evaluation of g and h (sympy substitutes the
exact rational, python-flint ``arb`` encloses what is left).

What it verifies, from the file alone:
1. dimensions d >= kappa > r > 0 and the shapes of X, Z, Xhat and the decoder pieces;
2. the family Theta: D_sparse outputs s_j z_j on axes j < r in every piece (so a perfect
   reconstruction fixes those r code rows up to sign) and ignores latent axes >= r; its boxes
   cover the real line; D_dense is the identity on axes 0..r; every data row 0..r is nonzero
   and rank X = r + 1 (mod a prime, a lower bound on the rational rank);
3. the witness: Xhat = D_sparse(Z) = X exactly, exactly r nonzero rows (an optimal sparse
   representation), and its L equals the lower bound computed from X alone;
4. the competitor: Xhat = D(Z) exactly, its error and row mean squares, its L;
5. the verdict: strict / no-minimiser need hi(L_competitor) < lo(lower bound); tie needs the
   two to overlap with a perfect competitor; no-minimiser also needs sympy's limit of g at
   infinity to be -oo (the encoder of D_dense reaches every error);
6. every interval written in the file intersects the checker's own enclosure.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy as sp
from flint import arb, fmpq, nmod_mat

from theory.penalties import U, FormulaError, parse_penalty

PRIME = 2**61 - 1


class CertificateError(ValueError):
    """The file is not a readable certificate (the CLI turns it into exit 2)."""


@dataclass
class Outcome:
    """The checker's verdict: each item (name, ok, detail)."""

    items: list[tuple[str, bool, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.items.append((name, bool(ok), detail))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return bool(self.items) and all(ok for _, ok, _ in self.items)

    def failures(self) -> list[str]:
        return [f"{n}: {d}" for n, ok, d in self.items if not ok]


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


class Columns:
    """A rational matrix as columns: j -> (integer numerators over rows, common denominator)."""

    def __init__(self, rows: int, cols: int):
        self.rows, self.cols = rows, cols
        self.data: dict[int, tuple[list[int], int]] = {}

    @classmethod
    def read(cls, obj: Any, shape: tuple[int, int]) -> "Columns":
        out = cls(*shape)
        if isinstance(obj, dict):
            if list(obj.get("shape", [])) != list(shape):
                raise CertificateError(f"matrix shape {obj.get('shape')} differs from the expected {list(shape)}")
            raw: dict[int, dict[int, Fraction]] = {}
            for e in obj.get("entries", []):
                if not isinstance(e, list) or len(e) != 3:
                    raise CertificateError("a sparse entry must be [i, j, 'p/q']")
                i, j, v = e
                if not (isinstance(i, int) and isinstance(j, int) and 0 <= i < shape[0] and 0 <= j < shape[1]):
                    raise CertificateError(f"sparse entry index ({i}, {j}) outside shape {list(shape)}")
                raw.setdefault(j, {})[i] = _rat(v)
        elif isinstance(obj, list):
            if len(obj) != shape[0] or any(not isinstance(row, list) or len(row) != shape[1] for row in obj):
                raise CertificateError(f"dense matrix is not of shape {list(shape)}")
            raw = {}
            for i, row in enumerate(obj):
                for j, v in enumerate(row):
                    x = _rat(v)
                    if x:
                        raw.setdefault(j, {})[i] = x
        else:
            raise CertificateError("a matrix must be a list of rows or {shape, entries}")
        for j, col in raw.items():
            den = math.lcm(*[x.denominator for x in col.values()]) if col else 1
            nums = [0] * shape[0]
            for i, x in col.items():
                nums[i] = x.numerator * (den // x.denominator)
            out.data[j] = (nums, den)
        return out

    def col(self, j: int) -> tuple[list[int], int]:
        return self.data.get(j, ([0] * self.rows, 1))

    def value(self, i: int, j: int) -> Fraction:
        nums, den = self.col(j)
        return Fraction(nums[i], den)

    def nonzero_columns(self) -> list[int]:
        return sorted(j for j, (nums, _) in self.data.items() if any(nums))

    def mean_square(self, j: int) -> Fraction:
        nums, den = self.col(j)
        return Fraction(sum(p * p for p in nums), den * den * self.rows)


def _equal(a: Columns, b: Columns) -> bool:
    for j in set(a.data) | set(b.data):
        (na, da), (nb, db) = a.col(j), b.col(j)
        if any(x * db != y * da for x, y in zip(na, nb)):
            return False
    return True


def _error(a: Columns, b: Columns) -> Fraction:
    """sum_ij (a_ij - b_ij)^2 exactly."""
    total = Fraction(0)
    for j in set(a.data) | set(b.data):
        (na, da), (nb, db) = a.col(j), b.col(j)
        total += Fraction(sum((x * db - y * da) ** 2 for x, y in zip(na, nb)), (da * db) ** 2)
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
    """Xhat = D(Z) exactly; each sample uses the first piece whose closed box contains it."""
    n = Z.rows
    owner = [-1] * n
    for k, p in enumerate(pieces):
        free = [i for i in range(n) if owner[i] < 0]
        for j, lo, hi in p.box:
            nums, den = Z.col(j)
            if lo is not None:
                free = [i for i in free if nums[i] * lo.denominator >= lo.numerator * den]
            if hi is not None:
                free = [i for i in free if nums[i] * hi.denominator <= hi.numerator * den]
        for i in free:
            owner[i] = k
    if min(owner, default=0) < 0:
        return None, f"sample {owner.index(-1)} lies in no piece's box"
    out = Columns(n, d)
    acc: dict[int, list[Fraction]] = {}
    for k, p in enumerate(pieces):
        idx = [i for i in range(n) if owner[i] == k]
        if not idx:
            continue
        for i_out, j_in, v in p.A:
            nums, den = Z.col(j_in)
            col = acc.setdefault(i_out, [Fraction(0)] * n)
            if v:
                f = v / den
                for i in idx:
                    if nums[i]:
                        col[i] += f * nums[i]
        for i_out, v in p.c.items():
            col = acc.setdefault(i_out, [Fraction(0)] * n)
            for i in idx:
                col[i] += v
    for j, col in acc.items():
        den = math.lcm(*[x.denominator for x in col])
        out.data[j] = ([x.numerator * (den // x.denominator) for x in col], den)
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


# ----------------------------------------------------------------------------- penalties


def _enclose_constant(e: sp.Basic) -> arb:
    """arb enclosure of a constant sympy expression (nan when undefined or not real)."""
    if e.is_Rational:
        return arb(fmpq(int(e.p), int(e.q)))
    if e is sp.pi:
        return arb.pi()
    if e is sp.E:
        return arb(1).exp()
    if e.is_Add or e.is_Mul:
        vals = [_enclose_constant(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out + v if e.is_Add else out * v
        return out
    if e.is_Pow:
        b, x = _enclose_constant(e.args[0]), e.args[1]
        if x.is_Integer:
            return b ** int(x) if int(x) >= 0 else (arb(1) / b ** (-int(x)) if not b.contains(0) else arb.nan())
        if b.lower() > 0:
            return b ** _enclose_constant(x)
        if b.is_zero() and x.is_positive:
            return arb(0)
        return arb.nan()
    name = type(e).__name__
    if name in ("exp", "atan", "tanh", "sin", "cos"):
        return getattr(_enclose_constant(e.args[0]), name)()
    if name == "log":
        v = _enclose_constant(e.args[0])
        return v.log() if v.lower() > 0 else arb.nan()
    if name == "Abs":
        return abs(_enclose_constant(e.args[0]))
    if name in ("Min", "Max"):
        vals = [_enclose_constant(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out.min(v) if name == "Min" else out.max(v)
        return out
    if name == "Piecewise":  # a condition sympy could not decide: enclose every live branch
        out = None
        for val, cond in e.args:
            if cond is sp.false:
                continue
            v = _enclose_constant(val)
            out = v if out is None else out.union(v)
            if cond is sp.true:
                break
        return arb.nan() if out is None else out
    return arb.nan()


class Evaluator:
    """Encloses a penalty at exact rationals: sympy substitutes, arb encloses the rest."""

    def __init__(self, expr: sp.Expr):
        self.expr = expr
        self.cache: dict[Fraction, arb] = {}

    def __call__(self, x: Fraction) -> arb:
        if x not in self.cache:
            val = self.expr.subs(U, sp.Rational(x.numerator, x.denominator))
            self.cache[x] = _enclose_constant(val)
        return self.cache[x]


def _interval(pair: Any) -> arb:
    try:
        lo, hi = (Fraction(str(pair[0])), Fraction(str(pair[1])))
    except (TypeError, ValueError, IndexError):
        raise CertificateError(f"an interval must be [lo, hi] decimal strings; got {pair!r}") from None
    if lo > hi:
        raise CertificateError(f"interval [{pair[0]}, {pair[1]}] has lo > hi")
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    return arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))


def _lo(x: arb) -> Fraction:
    m, e = x.lower().man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


def _hi(x: arb) -> Fraction:
    m, e = x.upper().man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


# ----------------------------------------------------------------------------- the check


def _rank_mod_p(X: Columns, cols: list[int]) -> int:
    rows = X.rows
    M = nmod_mat(rows, len(cols), PRIME)
    for k, j in enumerate(cols):
        nums, den = X.col(j)
        inv = pow(den % PRIME, -1, PRIME) if den % PRIME else None
        if inv is None:
            return -1
        for i, p in enumerate(nums):
            if p:
                M[i, k] = (p % PRIME) * inv % PRIME
    return M.rank()


def load(path: str | Path) -> dict[str, Any]:
    """Read a certificate file (CertificateError when unreadable or not JSON)."""
    try:
        cert = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CertificateError(f"cannot read certificate {str(path)!r}: {exc}") from None
    if not isinstance(cert, dict) or cert.get("format") != "infgrad-theorem4-certificate/1":
        raise CertificateError(f"{str(path)!r} is not an infgrad Theorem 4 certificate")
    return cert


def check(cert: dict[str, Any]) -> Outcome:
    """Verify a certificate (see the module docstring); CertificateError if it is malformed."""
    try:
        return _check(cert)
    except CertificateError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise CertificateError(f"malformed certificate: {type(exc).__name__}: {exc}") from None


def _penalty(cert: dict[str, Any], name: str, grade: str):
    if grade == "exact":
        try:
            return Evaluator(parse_penalty(cert["penalties"][name]))
        except FormulaError as exc:
            raise CertificateError(f"penalty {name} refused: {exc}") from None
    table = {_rat(x): _interval([lo, hi]) for x, lo, hi in cert["evaluations"][name]}

    def lookup(x: Fraction) -> arb:
        if x not in table:
            raise CertificateError(f"numerical certificate lacks {name}({x})")
        return table[x]
    return lookup


def _check(cert: dict[str, Any]) -> Outcome:
    out = Outcome()
    dims = cert["dims"]
    d, kappa, r, n = (dims[k] for k in ("d", "kappa", "r", "n"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (d, kappa, r, n)):
        raise CertificateError("dims must be integers")
    out.add("dimensions d >= kappa > r > 0", d >= kappa > r > 0 and n >= 1, f"d={d}, kappa={kappa}, r={r}, n={n}")
    grade = cert.get("grade")
    if grade not in ("exact", "numerical"):
        raise CertificateError(f"grade must be exact or numerical; got {grade!r}")
    h, g = _penalty(cert, "h", grade), _penalty(cert, "g", grade)

    X = Columns.read(cert["X"], (n, d))
    decs = cert["theta"]["decoders"]
    sparse, dense = _pieces(decs["D_sparse"], d, kappa), _pieces(decs["D_dense"], d, kappa)

    # --- Theta: D_sparse fixes r code rows up to sign and ignores latent axes >= r
    scales: dict[int, Fraction] = {}
    structure = True
    for p in sparse:
        for i_out, j_in, v in p.A:
            if j_in >= r and v != 0:
                structure = False  # reads a latent axis it must ignore
            if i_out < r and v != 0:
                if j_in != i_out or scales.setdefault(i_out, v) != v:
                    structure = False
        if any(p.c.get(i, 0) != 0 for i in range(r)):
            structure = False
    structure = structure and len(scales) == r and all(v != 0 for v in scales.values())
    out.add("D_sparse outputs s_j z_j on axes j < r and ignores latent axes >= r", structure,
            f"scales s_j = {sorted(set(map(str, scales.values())))}")
    out.add("D_sparse boxes cover the real line", _covers_line(sparse))
    ident = (len(dense) == 1 and not dense[0].box and not dense[0].c
             and sorted((i, j, v) for i, j, v in dense[0].A if v) == [(j, j, Fraction(1)) for j in range(r + 1)])
    out.add("D_dense is the identity on axes 0..r", ident)
    nz = X.nonzero_columns()
    out.add("data rows 0..r are nonzero, all others zero", nz == list(range(r + 1)), f"nonzero data rows {nz[:8]}")
    rank = _rank_mod_p(X, list(range(r + 1)))
    out.add("rank X = r + 1 (mod 2^61-1, a lower bound on the rational rank)", rank == r + 1, f"rank {rank}")

    # --- lower bound over every optimal sparse representation in Theta, from X alone
    if not structure:
        return out
    m = [X.mean_square(j) / scales[j] ** 2 for j in range(r)]
    out.add("the r determined code rows are nonzero", all(x > 0 for x in m))
    h0 = h(Fraction(0))
    g0 = g(Fraction(0))
    out.add("h(0) and g(0) are finite", bool(h0.is_finite() and g0.is_finite()))
    L_low = g0 + (sum((h(x) for x in m), arb(0)) + h0 * (kappa - r)) / d
    out.values["L_lower_bound"] = L_low
    stated = _interval(cert["lower_bound"]["L"])
    out.add("stated lower bound encloses the same number", bool(stated.overlaps(L_low)), f"{stated} vs {L_low}")

    # --- witness and competitor
    def representation(rep: dict[str, Any], label: str) -> tuple[Fraction, list[Fraction], arb] | None:
        pieces = {"D_sparse": sparse, "D_dense": dense}.get(rep.get("decoder"))
        if pieces is None:
            out.add(f"{label}: decoder is in Theta", False, repr(rep.get("decoder")))
            return None
        Z = Columns.read(rep["Z"], (n, kappa))
        Xhat, why = _decode(pieces, Z, d)
        if Xhat is None:
            out.add(f"{label}: decoder defined at every code", False, why)
            return None
        stated_hat = X if rep["Xhat"] == "X" else Columns.read(rep["Xhat"], (n, d))
        out.add(f"{label}: Xhat = decoder(Z) exactly", _equal(Xhat, stated_hat))
        err = _error(X, Xhat) / (d * n)
        rows = [Z.mean_square(j) for j in Z.nonzero_columns()]
        L = g(err) + (sum((h(x) for x in rows), arb(0)) + h0 * (kappa - len(rows))) / d
        out.add(f"{label}: stated L encloses the same number", bool(_interval(rep["L"]).overlaps(L)))
        out.values[f"{label}_L"] = L
        out.values[f"{label}_rows"] = len(rows)
        out.values[f"{label}_error"] = err
        return err, rows, L

    w = representation(cert["witness"], "witness")
    if w is not None:
        err, rows, L = w
        out.add("witness: perfect reconstruction with exactly r nonzero rows (Theorem 4 (a))",
                err == 0 and len(rows) == r and cert["witness"]["decoder"] == "D_sparse",
                f"error {err}, {len(rows)} nonzero rows")
        out.add("witness: its L is the lower bound (rows of mean square m_j)", sorted(rows) == sorted(m))
    c = representation(cert["competitor"], "competitor")
    verdict = cert.get("verdict")
    if c is not None:
        err, rows, L = c
        strict = _hi(L) < _lo(L_low)
        if verdict in ("strict", "no-minimiser"):
            out.add("competitor: L strictly below every optimal sparse representation (Theorem 4 (b))", strict,
                    f"hi(L_competitor) = {float(_hi(L)):.12g} < lo(L*) = {float(_lo(L_low)):.12g}")
            out.add("competitor: not an optimal sparse representation", err > 0 or len(rows) > r,
                    f"error {err}, {len(rows)} nonzero rows")
        elif verdict == "tie":
            out.add("tie: perfect competitor whose L is not separated from the sparse one",
                    err == 0 and not strict and bool(L.overlaps(L_low)))
        else:
            out.add("verdict is strict, tie or no-minimiser", False, repr(verdict))
    if verdict == "no-minimiser":
        try:
            lim = sp.limit(parse_penalty(cert["penalties"]["g"]), U, sp.oo)
        except Exception:  # noqa: BLE001
            lim = None
        out.add("no-minimiser: g -> -oo at infinity (sympy limit), D_dense reaches every error", lim == -sp.oo,
                f"limit {lim}")
    for name, ev in (("h", h), ("g", g)):
        if grade == "exact":
            bad = [x for x, lo, hi in cert.get("evaluations", {}).get(name, [])
                   if not _interval([lo, hi]).overlaps(ev(_rat(x)))]
            out.add(f"stated {name} evaluations enclose the checker's", not bad, f"{len(bad)} disagree")
    return out
