"""Penalty functions g and h of the generic objective (7), parsed without eval.

Eq. (7):  L_{g,h} = g( (1/dn) sum_i ||x_i - mu_x(z_i)||^2 ) + (1/d) sum_k h( ||z_k||^2 / n ).

This module does three jobs for the Theorem 4 generator:

* ``parse_penalty`` turns a user formula in ``u`` into a sympy expression by walking Python's AST
  under a strict whitelist and *constructing* sympy objects itself (never ``sympify`` or ``eval``;
  literals read exactly from their text); anything outside the whitelist or the bounds (nodes,
  depth, bits) raises ``FormulaError`` before anything is evaluated.
* ``ball`` evaluates such an expression rigorously on a python-flint ``arb`` ball (a
  point or an interval of u), so that h(0), h(a) and sums of them come as enclosures.
* ``upper``/``lower`` turn an enclosure into rational bounds (``penalty_analysis`` builds the
  slope bound, continuity and searches on top of these).
"""

from __future__ import annotations

import ast
from fractions import Fraction
from typing import Callable

import sympy as sp
from flint import arb, fmpq

from infgrad.errors import BadInput

U = sp.Symbol("u", nonnegative=True)
"""The argument of every penalty: a mean square, so u >= 0."""

MAX_LENGTH = 500          # characters in a formula
MAX_DEPTH = 40            # nesting of the AST
MAX_NODES = 400           # syntax nodes of a formula (a bound on the symbolic work with the depth)
MAX_CONSTANT = 10**12     # magnitude of a literal number
MAX_EXPONENT = 64         # magnitude of a numeric exponent (2**10**10 would hang sympy)
MAX_MAGNITUDE = 10**50    # magnitude of any numeric sub-expression ((10**12)**64 overflows floats)
MAX_BITS = 400            # bits of the numerator and denominator of any rational sub-expression
MAX_EXP_ARG = 120         # |x| in exp(x), tanh(x) etc. for a numeric x (exp(exp(25)) took 2.4 GB)

_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "atan": sp.atan, "tanh": sp.tanh,
    "sin": sp.sin, "cos": sp.cos, "Abs": sp.Abs, "abs": sp.Abs, "Min": sp.Min, "Max": sp.Max,
}
_ARITY = {"Min": (2, 8), "Max": (2, 8)}
_NAMES = {"u": U, "pi": sp.pi, "E": sp.E}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: _power(a, b)}
_COMPARE = {ast.Lt: sp.StrictLessThan, ast.LtE: sp.LessThan, ast.Gt: sp.StrictGreaterThan,
            ast.GtE: sp.GreaterThan}
ALLOWED = ("numbers, u, pi, E, + - * / **, " + ", ".join(sorted(_FUNCTIONS)) +
           ", Piecewise((expr, u < c), ..., (expr, True))")


class FormulaError(ValueError, BadInput):
    """A formula outside the whitelist or what the interval arithmetic evaluates: wherever it is
    found (parsing, or a derivative in the analysis), the CLI answers exit 2 in one line."""


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if not exponent.free_symbols:
        e = ball(exponent, point(0))
        if not e.is_finite() or abs(e).upper() > MAX_EXPONENT:
            raise FormulaError(f"numeric exponents must lie in [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
        if not base.free_symbols and base != 0:
            # |log2 |base|| * |exponent| bounds the bits of the result: refuse before sympy builds it
            b = abs(ball(base, point(0)))
            if not b.is_finite() or b.lower() <= 0:
                raise FormulaError(f"cannot bound the power ({base})**({exponent})")
            bits = abs(b.log() / arb(2).log()).upper() * abs(e).upper()
            if bits > MAX_BITS:
                raise FormulaError(f"a numeric power too large (more than {MAX_BITS} bits)")
    return sp.Pow(base, exponent)


def _number(value: object, text: str | None = None) -> sp.Expr:
    """A literal as the exact rational its ``text`` names (1e-400 is 10^-400, never the float's 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormulaError(f"only numbers are allowed as constants, not {type(value).__name__}")
    try:   # an int literal in another base (0x10) is exact as its value
        q = Fraction(text.replace("_", "")) if text and isinstance(value, float) else Fraction(value)
    except (ValueError, OverflowError):
        raise FormulaError(f"constants must be finite decimal numbers; got {text or value!r}") from None
    if abs(q) > MAX_CONSTANT:
        raise FormulaError(f"constants must not exceed {MAX_CONSTANT:g} in magnitude; got {text or value}")
    if max(abs(q.numerator).bit_length(), q.denominator.bit_length()) > MAX_BITS:
        raise FormulaError(f"the constant {text or value} needs more than {MAX_BITS} bits exactly (literals are "
                          f"read exactly, never rounded)")
    return sp.Rational(q.numerator, q.denominator)


def _guard(expr: sp.Expr) -> sp.Expr:
    """Refuse a numeric sub-expression that is not real or too large, before anything uses it."""
    if not isinstance(expr, sp.Expr) or expr.free_symbols:
        return expr
    if expr.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo) or expr.is_real is False:
        raise FormulaError(f"the formula has a non-real or infinite value ({expr})")
    if expr.is_Rational:
        if max(abs(int(expr.p)).bit_length(), int(expr.q).bit_length()) > MAX_BITS:
            raise FormulaError(f"a number needs more than {MAX_BITS} bits")
        if abs(expr) > MAX_MAGNITUDE:
            raise FormulaError(f"a number exceeds {MAX_MAGNITUDE:.0e} in magnitude")
        return expr
    try:
        enc = ball(expr, point(0))
    except FormulaError:
        raise
    except (ArithmeticError, ValueError, TypeError):
        raise FormulaError(f"cannot evaluate the constant {expr}") from None
    if not enc.is_finite():
        raise FormulaError(f"the constant {expr} is not a finite real number")
    if abs(enc).upper() > MAX_MAGNITUDE:
        raise FormulaError(f"a number exceeds {MAX_MAGNITUDE:.0e} in magnitude")
    return expr


def _call(name: str, args: list[sp.Expr]) -> sp.Expr:
    """Build a whitelisted function; a numeric argument of exp/tanh/sin/cos/atan is bounded first."""
    for a in args:
        if not a.free_symbols and name in ("exp", "tanh", "sin", "cos", "atan"):
            enc = ball(a, point(0))
            if not enc.is_finite() or abs(enc).upper() > MAX_EXP_ARG:
                raise FormulaError(f"the numeric argument of {name} must lie in [-{MAX_EXP_ARG}, {MAX_EXP_ARG}]")
    try:
        return _FUNCTIONS[name](*args)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise FormulaError(f"cannot build {name}: {exc}") from None


def _walk(node: ast.AST, depth: int) -> sp.Expr:
    return _guard(_walk_node(node, depth))


def _walk_node(node: ast.AST, depth: int) -> sp.Expr:
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula nested deeper than {MAX_DEPTH}")
    if isinstance(node, ast.Expression):
        return _walk(node.body, depth + 1)
    if isinstance(node, ast.Constant):
        return _number(node.value, getattr(node, "exact_text", None))
    if isinstance(node, ast.Name):
        if node.id not in _NAMES:
            raise FormulaError(f"unknown name {node.id!r}; the variable is u")
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _walk(node.operand, depth + 1)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _walk(node.left, depth + 1), _walk(node.right, depth + 1)
        try:
            return _BINOPS[type(node.op)](left, right)
        except (TypeError, ValueError, ArithmeticError) as exc:
            if isinstance(exc, FormulaError):
                raise
            raise FormulaError(f"cannot combine {left} and {right}: {type(exc).__name__}") from None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise FormulaError("only calls of whitelisted functions by name are allowed")
        if node.keywords:
            raise FormulaError("keyword arguments are not allowed")
        name = node.func.id
        if name == "Piecewise":
            return _piecewise(node.args, depth)
        if name not in _FUNCTIONS:
            raise FormulaError(f"function {name!r} is not allowed; allowed: {ALLOWED}")
        lo, hi = _ARITY.get(name, (1, 1))
        if not lo <= len(node.args) <= hi:
            raise FormulaError(f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} argument(s)")
        return _call(name, [_walk(a, depth + 1) for a in node.args])
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula; allowed: {ALLOWED}")


def _condition(node: ast.AST, depth: int) -> sp.Basic:
    if isinstance(node, ast.Constant) and node.value is True:
        return sp.true
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _walk(node.left, depth + 1), _walk(node.comparators[0], depth + 1)
        if (left is U and not right.free_symbols) or (right is U and not left.free_symbols):
            try:
                return _COMPARE[type(node.ops[0])](left, right)
            except (TypeError, ValueError) as exc:
                raise FormulaError(f"cannot compare {left} and {right}: {exc}") from None
    raise FormulaError("a Piecewise condition must compare u with a number (u < c, u <= c, c < u, ...) or be True")


def _piecewise(args: list[ast.AST], depth: int) -> sp.Expr:
    if not 1 <= len(args) <= 8:
        raise FormulaError("Piecewise takes 1 to 8 (expr, condition) pairs")
    pairs = []
    for arg in args:
        if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
            raise FormulaError("each Piecewise argument must be a pair (expr, condition)")
        pairs.append((_walk(arg.elts[0], depth + 2), _condition(arg.elts[1], depth + 2)))
    if pairs[-1][1] is not sp.true:
        raise FormulaError("the last Piecewise pair must have the condition True")
    return sp.Piecewise(*pairs)


def parse_penalty(text: str) -> sp.Expr:
    """Parse a penalty formula in ``u`` (e.g. ``"atan(3*u)"``, ``"log(u + 1/100)"``, ``"Min(u, 1)"``,
    ``"Piecewise((u**2/2, u < 1), (u - 1/2, True))"``) under the whitelist (no eval, no sympify)
    into a sympy expression in ``U`` (u >= 0); :class:`FormulaError` for anything outside the
    whitelist or the bounds, before anything is evaluated.

    >>> parse_penalty("atan(3*u)")
    atan(3*u)
    """
    if not isinstance(text, str):
        raise FormulaError("a formula must be a string")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot parse formula {text!r}: {exc.msg}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"formula has {len(nodes)} syntax nodes, above the limit of {MAX_NODES}")
    for node in nodes:   # each float literal's own text, so that it is read exactly (_number)
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            node.exact_text = ast.get_source_segment(text.strip(), node)  # type: ignore[attr-defined]
    expr = _walk(tree, 0)
    if not isinstance(expr, sp.Expr) or expr.free_symbols - {U}:
        raise FormulaError("a formula must be an expression in u")
    return expr


# ----------------------------------------------------------------------------- interval evaluation


def point(q: Fraction | int) -> arb:
    """The exact ball {q} for a rational q."""
    q = Fraction(q)
    return arb(fmpq(q.numerator, q.denominator))


def interval(lo: Fraction, hi: Fraction) -> arb:
    """A ball enclosing [lo, hi] (lo >= 0 is kept nonnegative)."""
    lo, hi = Fraction(lo), Fraction(hi)
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    ball = arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))
    return ball.nonnegative_part() if lo >= 0 else ball


def _truth(cond: sp.Basic, env: arb) -> bool | None:
    """Three-valued truth of a relational on a ball: True, False or None (undecided)."""
    if cond is sp.true:
        return True
    if cond is sp.false:
        return False
    if isinstance(cond, sp.And):
        vals = [_truth(c, env) for c in cond.args]
        return False if False in vals else (True if all(v is True for v in vals) else None)
    if isinstance(cond, sp.Or):
        vals = [_truth(c, env) for c in cond.args]
        return True if True in vals else (False if all(v is False for v in vals) else None)
    if isinstance(cond, sp.Not):
        v = _truth(cond.args[0], env)
        return None if v is None else not v
    if isinstance(cond, sp.core.relational.Relational):
        diff = ball(cond.lhs - cond.rhs, env)  # sign of lhs - rhs decides
        lo, hi = diff.lower(), diff.upper()
        if not diff.is_finite():
            return None
        if isinstance(cond, sp.StrictLessThan):
            return True if hi < 0 else (False if lo >= 0 else None)
        if isinstance(cond, sp.LessThan):
            return True if hi <= 0 else (False if lo > 0 else None)
        if isinstance(cond, sp.StrictGreaterThan):
            return True if lo > 0 else (False if hi <= 0 else None)
        if isinstance(cond, sp.GreaterThan):
            return True if lo >= 0 else (False if hi < 0 else None)
        if isinstance(cond, sp.Eq):
            return True if diff.is_zero() else (False if not diff.contains(0) else None)
    raise FormulaError(f"cannot evaluate the condition {cond}")


def _step(x: arb, at_zero: arb) -> arb:
    """Heaviside-like step of x: 1 above 0, 0 below, [0, 1] where x may be 0 (at_zero lies in it)."""
    lo, hi = x.lower(), x.upper()
    if lo > 0:
        return arb(1)
    if hi < 0:
        return arb(0)
    return arb(0.5, 0.5)  # exactly [0, 1], which holds both sides and the value at 0 (1/2 or 0)


def ball(expr: sp.Basic, u: arb) -> arb:
    """Enclosure of ``expr`` for every u in the ball ``u`` (nan when undefined there).

    Handles the whitelist plus what sympy's ``diff`` produces from it (Heaviside, sign).
    """
    if expr is U or expr == U:
        return u
    if expr.is_Rational:
        return point(Fraction(int(expr.p), int(expr.q)))
    if expr is sp.pi:
        return arb.pi()
    if expr is sp.E:
        return arb(1).exp()
    if isinstance(expr, (sp.core.numbers.Infinity, sp.core.numbers.NegativeInfinity,
                         sp.core.numbers.ComplexInfinity, sp.core.numbers.NaN)):
        return arb.nan()
    if isinstance(expr, sp.Add):
        out = arb(0)
        for a in expr.args:
            out = out + ball(a, u)
        return out
    if isinstance(expr, sp.Mul):
        out = arb(1)
        for a in expr.args:
            out = out * ball(a, u)
        return out
    if isinstance(expr, sp.Pow):
        base, ex = expr.args
        b = ball(base, u)
        if ex.is_Integer:
            k = int(ex)
            if k >= 0:
                return b ** k
            return arb(1) / (b ** (-k)) if not b.contains(0) else arb.nan()
        if ex == sp.Rational(1, 2):
            return b.sqrt() if b.lower() >= 0 else arb.nan()
        if ex == sp.Rational(-1, 2):
            return b.rsqrt() if b.lower() > 0 else arb.nan()
        if b.lower() > 0 or (b.lower() >= 0 and ex.is_positive):
            return b ** ball(ex, u) if b.lower() > 0 else (b.nonnegative_part() ** ball(ex, u))
        return arb.nan()
    if isinstance(expr, sp.Piecewise):
        acc = None
        for val, cond in expr.args:
            t = _truth(cond, u)
            if t is False:
                continue
            v = ball(val, u)
            acc = v if acc is None else acc.union(v)
            if t is True:
                return acc
        return arb.nan() if acc is None else acc
    if isinstance(expr, (sp.Min, sp.Max)):
        vals = [ball(a, u) for a in expr.args]
        out = vals[0]
        for v in vals[1:]:
            out = out.min(v) if isinstance(expr, sp.Min) else out.max(v)
        return out
    if isinstance(expr, sp.Heaviside):
        return _step(ball(expr.args[0], u), arb(1) / 2)
    if isinstance(expr, sp.sign):
        x = ball(expr.args[0], u)
        return _step(x, arb(0)) * 2 - 1
    unary = {sp.exp: "exp", sp.atan: "atan", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos"}
    if expr.func in unary:
        return getattr(ball(expr.args[0], u), unary[expr.func])()
    if expr.func is sp.log:
        x = ball(expr.args[0], u)
        return x.log() if x.lower() > 0 else arb.nan()
    if expr.func is sp.Abs:
        return abs(ball(expr.args[0], u))
    raise FormulaError(f"cannot evaluate {expr.func.__name__} in interval arithmetic")


def finite(x: arb) -> bool:
    """True when the ball is a finite real enclosure."""
    return bool(x.is_finite())


def at_zero(expr: sp.Expr) -> arb:
    """Enclosure of h(0) (nan when h(0) is not a finite real, e.g. log(u))."""
    return ball(expr, point(0))


MAX_ENDPOINT_BITS = 4096
"""Endpoints beyond 2^4096 in magnitude are refused (a Fraction of 2^(10^12) would never finish);
endpoints below 2^-1024 are rounded outward (to 0 or +-2^-1024)."""


def _endpoint(p: arb, direction: int) -> Fraction:
    m, e = p.man_exp()
    m, e = int(m), int(e)
    if m == 0:
        return Fraction(0)
    top = e + abs(m).bit_length()
    if top > MAX_ENDPOINT_BITS:
        raise FormulaError(f"a value beyond 2^{MAX_ENDPOINT_BITS} in magnitude")
    if top < -1024:  # round outward: up for an upper end, down for a lower end
        if (m > 0) == (direction > 0):
            return Fraction(direction, 2**1024)
        return Fraction(0)
    return Fraction(m) * (Fraction(2) ** e)


def upper(x: arb) -> Fraction:
    """A rational upper bound of a finite ball (its upper endpoint, or just above a tiny one)."""
    return _endpoint(x.upper(), +1)


def lower(x: arb) -> Fraction:
    """A rational lower bound of a finite ball (its lower endpoint, or just below a tiny one)."""
    return _endpoint(x.lower(), -1)
