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

import gc
import json
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
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
        if len(np.unique(Iarr.astype(np.int64) * cols + Jarr)) != len(Iarr):
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
    colvals = []
    for j in cols:
        nums, den = X.col(j)
        if den % PRIME == 0:
            return -1
        colvals.append((nums % PRIME) * pow(den % PRIME, -1, PRIME) % PRIME)
    flat = np.stack(colvals, axis=1).ravel().tolist()  # row-major
    return nmod_mat(rows, len(cols), flat, PRIME).rank()


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while millions of small objects are built (it would
    rescan them again and again); its previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load(path: str | Path) -> dict[str, Any]:
    """Read a certificate file (CertificateError when unreadable or not JSON)."""
    try:
        with _no_gc():
            cert = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CertificateError(f"cannot read certificate {str(path)!r}: {exc}") from None
    if not isinstance(cert, dict) or cert.get("format") != "infgrad-theorem4-certificate/1":
        raise CertificateError(f"{str(path)!r} is not an infgrad Theorem 4 certificate")
    return cert


def check(cert: dict[str, Any]) -> Outcome:
    """Verify a certificate (see the module docstring); CertificateError if it is malformed."""
    try:
        with _no_gc():
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
        Z = X.first_columns(kappa) if rep["Z"] == "X" else Columns.read(rep["Z"], (n, kappa))
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
