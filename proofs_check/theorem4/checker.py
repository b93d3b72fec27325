"""The independent checker of Theorem 4 certificates (schema: ``schema.py``).

It shares nothing with the generator but the formula parser (``theory.penalties.parse_penalty``):
its own reader of rationals and sparse matrices, its own exact evaluation of the
piecewise-affine decoders, and its own interval evaluation of g and h (sympy substitutes the
exact rational, python-flint ``arb`` encloses what is left).

What it verifies, from the file alone:
1. the schema (no key outside ``schema.py``), the format, the enclosure method, the dimensions;
2. the penalties: a formula is always re-parsed and re-evaluated; a stored table (a callable
   penalty) makes the certificate "not independently verifiable" unless the user trusts it;
3. the family (``check_families``): its decoders' structure and what it proves about every
   optimal sparse representation (the exact L* for fixed-scale, a lower bound for lipschitz);
4. the witness: Xhat = D(Z) = X exactly with exactly r nonzero rows (Theorem 4 (a));
5. the competitor: Xhat = D(Z) exactly, its error, rows and L enclosed again;
6. its own verdict, which must equal the stated one: no-minimiser (sympy's limit of L along
   Z + t e_row is -oo), strict (the competitor dominates every optimal sparse representation,
   or its L is below L* with disjoint enclosures), tie (exact equality proved by sympy), else
   undecided.
"""

from __future__ import annotations

import gc
import json
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy as sp
from flint import arb, ctx

from infgrad.theory.penalties import U, FormulaError, parse_penalty
from infgrad.theory.penalty_analysis import PREC

from . import schema
from .check_families import FAMILY_CHECKS, ignored_axes, is_identity
from .check_read import CertificateError, Columns, _decode, _equal, _error, _pieces
from .check_values import Evaluator, Table

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




@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while millions of small objects are built."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


MAX_FILE_BYTES = 2 * 10**9


def load(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Read a certificate file: a regular file of at most ``max_bytes``, JSON of bounded nesting
    (CertificateError otherwise, before anything large is read)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise CertificateError(f"cannot read certificate {str(path)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CertificateError(f"cannot read certificate {str(path)!r}: not a regular file")
    if st.st_size > max_bytes:
        raise CertificateError(f"certificate {str(path)!r} has {st.st_size} bytes, above the limit of {max_bytes} "
                               "(raise --max-memory)")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
        with _no_gc():
            cert = json.loads(data)
    except RecursionError:
        raise CertificateError(f"cannot read certificate {str(path)!r}: JSON nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CertificateError(f"cannot read certificate {str(path)!r}: {str(exc)[:200]}") from None
    if not isinstance(cert, dict) or cert.get("format") != schema.FORMAT:
        raise CertificateError(f"{str(path)!r} is not an infgrad Theorem 4 certificate ({schema.FORMAT})")
    return cert


def check(cert: dict[str, Any], trust_table: bool = False) -> Outcome:
    """Verify a certificate (see the module docstring); CertificateError if it is malformed."""
    try:
        with _no_gc(), ctx.workprec(PREC):
            return _check(cert, trust_table)
    except CertificateError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, FormulaError, RecursionError) as exc:
        raise CertificateError(f"malformed certificate: {type(exc).__name__}: {str(exc)[:200]}") from None


def _penalty(cert: dict[str, Any], name: str, trust: bool, out: Outcome):
    text = cert["penalties"][name]
    tables = cert.get("tables") or {}
    if text is not None:
        if name in tables:
            raise CertificateError(f"penalty {name} has a formula and a stored table; a formula needs no table")
        try:
            return Evaluator(parse_penalty(text))
        except FormulaError as exc:
            raise CertificateError(f"penalty {name} refused: {exc}") from None
    if name not in tables:
        raise CertificateError(f"penalty {name} has neither a formula nor a table")
    out.values["table_used"] = True
    out.add(f"{name}: stored value table (no formula) " + ("trusted by --trust-table" if trust
            else "is not independently verifiable (pass --trust-table to trust it)"), trust)
    return Table(tables[name], name)


def _dims(cert: dict[str, Any]) -> tuple[int, int, int, int]:
    dims = cert["dims"]
    vals = tuple(dims[k] for k in ("d", "kappa", "r", "n"))
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 10**7 for v in vals):
        raise CertificateError("dims must be positive integers up to 10^7")
    return vals


def _check(cert: dict[str, Any], trust: bool) -> Outcome:
    out = Outcome()
    bad = schema.unknown_keys(cert)
    if bad:
        raise CertificateError("malformed certificate: keys outside the schema (schema.py) or missing: "
                               + ", ".join(bad[:6]))
    out.add("format and enclosure method are the checker's", cert["format"] == schema.FORMAT
            and cert["enclosure"] == schema.ENCLOSURE, str(cert["enclosure"])[:60])
    d, kappa, r, n = dims = _dims(cert)
    out.add("dimensions d >= kappa > r > 0", d >= kappa > r > 0, f"d={d}, kappa={kappa}, r={r}, n={n}")
    h, g = _penalty(cert, "h", trust, out), _penalty(cert, "g", trust, out)
    h0, g0 = h(Fraction(0)), g(Fraction(0))
    if not out.add("h(0) and g(0) are finite reals", bool(h0.is_finite() and g0.is_finite())):
        return out
    X = Columns.read(cert["X"], (n, d))
    if not isinstance(cert["decoders"], dict):
        raise CertificateError("decoders must be an object")
    decs = {name: _pieces(dec, d, kappa) for name, dec in cert["decoders"].items()}
    family = cert["family"]
    if family not in FAMILY_CHECKS:
        raise CertificateError(f"family must be one of {schema.FAMILIES}; got {family!r}")
    fam = FAMILY_CHECKS[family](cert, X, decs, dims, h, g, out)
    if fam is None:
        return out
    out.values["L_lower_bound"] = fam["L_low"]

    def representation(rep: Any, label: str):
        if not isinstance(rep, dict) or rep.get("decoder") not in decs:
            out.add(f"{label}: decoder is one of the certificate's", False, repr(rep)[:60])
            return None
        Z = X.first_columns(kappa) if rep["Z"] == "X" else Columns.read(rep["Z"], (n, kappa))
        Xhat, why = _decode(decs[rep["decoder"]], Z, d)
        if not out.add(f"{label}: decoder defined at every code", Xhat is not None, why):
            return None
        stated = X if rep["Xhat"] == "X" else Columns.read(rep["Xhat"], (n, d))
        out.add(f"{label}: Xhat = decoder(Z) exactly", _equal(Xhat, stated))
        err = _error(X, Xhat) / (d * n)
        rows = [Z.mean_square(j) for j in Z.nonzero_columns()]
        L = g(err) + (sum((h(x) for x in rows), arb(0)) + h0 * (kappa - len(rows))) / d
        out.values[f"{label}_L"], out.values[f"{label}_rows"], out.values[f"{label}_error"] = L, len(rows), err
        return Z, err, rows, L

    w = representation(cert["witness"], "witness")
    if w is None:
        return out
    Zw, err_w, rows_w, _ = w
    out.add("witness: perfect reconstruction with exactly r nonzero rows (Theorem 4 (a))",
            err_w == 0 and len(rows_w) == r, f"error {err_w}, {len(rows_w)} nonzero rows")
    if fam["exact_rows"] is not None:
        out.add("witness: its rows are the determined rows m_j", sorted(rows_w) == sorted(fam["exact_rows"]))
    c = representation(cert["competitor"], "competitor") if cert["competitor"] is not None else None
    derived, why = _verdict(cert, X, decs, dims, h, g, fam, w, c, out)
    out.values["verdict"], out.values["verdict_reason"] = derived, why
    out.add("stated verdict is the checker's own", cert["verdict"] == derived,
            f"stated {cert['verdict']!r}, derived {derived!r}: {why}")
    return out


def _verdict(cert, X, decs, dims, h, g, fam, w, c, out) -> tuple[str, str]:
    d, kappa, r, n = dims
    if cert["sequence"] is not None:
        if out.add("sequence: L(X + t e_row) -> -oo under the identity decoder (sympy limit)",
                   _diverges(cert["sequence"], X, decs, dims, h, g)):
            out.add("a no-minimiser certificate carries no competitor", c is None and cert["competitor"] is None)
            return "no-minimiser", "L -> -oo along Z + t e_row (sympy limit): no minimiser exists"
    if c is None:
        out.add("a competitor is given (only a no-minimiser certificate has none)", False)
        return "undecided", "no competitor"
    Zc, err, rows, L = c
    if err == 0 and len(rows) <= r:
        return "undecided", "the competitor is itself an optimal sparse representation"
    t = _dominates(cert, decs, w[0], Zc, kappa)
    if t is not None:
        b = t * t
        if h(b).upper() < h(Fraction(0)).lower():
            return "strict", (f"the competitor is the witness plus a constant row {t} on a latent axis the decoder "
                              f"ignores, and h({b}) < h(0): every optimal sparse representation is beaten so")
    L_low = fam["L_low"]
    if L_low is not None and L.upper() < L_low.lower():
        return "strict", "hi(L_competitor) < lo(L lower bound of every optimal sparse representation)"
    if fam["exact_rows"] is not None and err == 0 and _exactly_equal(cert, fam["exact_rows"], rows, kappa, r, d):
        return "tie", "L_competitor = L* exactly (sympy)"
    return "undecided", "the competitor is not proved strictly better, nor exactly equal"


def _dominates(cert, decs, Zw: Columns, Zc: Columns, kappa: int) -> Fraction | None:
    """t when the competitor is the witness (same decoder) plus one constant column t on a
    latent axis that the decoder ignores and the witness leaves zero; else None."""
    if cert["competitor"]["decoder"] != cert["witness"]["decoder"]:
        return None
    free = ignored_axes(decs[cert["witness"]["decoder"]], kappa)
    diff = [j for j in range(kappa) if not _equal_col(Zw, Zc, j)]
    if len(diff) != 1 or diff[0] not in free or diff[0] in Zw.nonzero_columns():
        return None
    nums, den = Zc.col(diff[0])
    vals = set(nums.tolist())
    return Fraction(int(vals.pop()), den) if len(vals) == 1 else None


def _equal_col(a: Columns, b: Columns, j: int) -> bool:
    (na, da), (nb, db) = a.col(j), b.col(j)
    return not (na * db - nb * da).any()


def _exactly_equal(cert, m, rows, kappa, r, d) -> bool:
    """sum h(rows) + (kappa - |rows|) h(0) = sum h(m_j) + (kappa - r) h(0) exactly (sympy)."""
    if cert["penalties"]["h"] is None:
        return False
    expr = parse_penalty(cert["penalties"]["h"])
    def val(x: Fraction):
        return expr.subs(U, sp.Rational(x.numerator, x.denominator))
    diff = sum(val(x) for x in rows) + (kappa - len(rows)) * val(Fraction(0)) \
        - sum(val(x) for x in m) - (kappa - r) * val(Fraction(0))
    return sp.simplify(diff) == 0


def _diverges(seq: Any, X: Columns, decs, dims, h, g) -> bool:
    """L(X + t e_row) under the identity decoder tends to -oo as t -> oo (sympy's limit)."""
    d, kappa, r, n = dims
    if not isinstance(seq, dict) or seq.get("decoder") not in decs or not is_identity(decs[seq["decoder"]], r):
        return False
    j = seq.get("row")
    if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j <= r:
        return False
    if not (getattr(h, "expr", None) is not None and getattr(g, "expr", None) is not None):
        return False
    t = sp.Symbol("t", positive=True)
    nums, den = X.col(j)
    mean = sp.Rational(int(nums.sum()), den * n)
    ms = [X.mean_square(i) for i in range(r + 1)]
    m_t = sp.Rational(ms[j].numerator, ms[j].denominator) + 2 * t * mean + t ** 2
    hsum = h.expr.subs(U, m_t) + sum(h.expr.subs(U, sp.Rational(x.numerator, x.denominator))
                                     for i, x in enumerate(ms) if i != j)
    L = g.expr.subs(U, t ** 2 / d) + (hsum + (kappa - r - 1) * h.expr.subs(U, 0)) / d
    try:
        return sp.limit(L, t, sp.oo) == -sp.oo
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return False
