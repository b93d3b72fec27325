"""Small sympy helpers shared by the symbolic derivations (no torch, no models).

The habit of this code base: an identity ``lhs == rhs`` is shown by reducing ``lhs - rhs``
to zero with the cheapest exact tool that works (``cancel``, then ``expand``,
then ``simplify``); ``.equals()`` is only a fallback and must return ``True``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

SYMBOLIC_SECONDS = 120.0
"""Hard wall-clock limit of a command's work on user formulas (``infgrad counterexample``): the work
runs in a child process that is killed at the limit (``proofs_check.cli.bounded``), because
sympy and python-flint can run inside compiled code that no in-process timer interrupts. The
child's address space may grow by the default memory limit (half of the memory available)."""

def reduce_to_zero(expr: sp.Expr) -> tuple[bool, str, str]:
    """Try to reduce ``expr`` to 0 exactly.

    Returns
    -------
    (is_zero, tool, residual) : whether it reduced to 0, the tool that did it
    (``cancel``, ``expand``, ``expand_log``, ``simplify``, ``equals``, or ``none``)
    and the residual's string form (``"0"`` on success).
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return True, "trivial", "0"
    steps = (
        ("cancel", lambda e: sp.cancel(e)),
        ("expand", lambda e: sp.expand(e)),
        ("expand_log", lambda e: sp.expand(sp.expand_log(e, force=True))),
        ("simplify", lambda e: sp.simplify(e)),
    )
    last = expr
    for name, step in steps:
        last = step(expr)
        if last == 0:
            return True, name, "0"
    if expr.equals(0) is True:  # an undecided None never passes
        return True, "equals", "0"
    return False, "none", str(last)


def combine_sums(expr: sp.Expr) -> sp.Expr:
    """Collect every ``c * Sum(f, (i, a, b))`` of an expanded sum into one
    ``Sum`` per index range, expand each summand, and evaluate a summand that no
    longer depends on its index as ``(b - a + 1) * summand``.

    This is linearity of finite sums over a *symbolic* range, nothing more; it lets
    an identity between sums over ``j = 1..d`` be proven for symbolic ``d``.
    """
    expr = sp.expand(expr, force=True)
    summands: dict[tuple, sp.Expr] = {}
    rest = sp.Integer(0)
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            rest += term
            continue
        s = sums[0]
        coeff = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not s])
        if len(s.limits) != 1:
            rest += term
            continue
        (idx, lo, hi) = s.limits[0]
        if coeff.has(idx):
            rest += term
            continue
        key = (idx, lo, hi)
        summands[key] = summands.get(key, sp.Integer(0)) + coeff * s.function
    out = rest
    for (idx, lo, hi), f in summands.items():
        f = sp.expand(sp.expand_log(f, force=True), force=True)
        if f == 0:
            continue
        if not f.has(idx):
            out += (hi - lo + 1) * f
        else:
            out += sp.Sum(f, (idx, lo, hi))
    return sp.expand(out, force=True)


def stationary_points(f: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """Solutions of df/dvar = 0, found as the zeros of the numerator of the derivative brought
    over a common denominator (the denominators here are products of positive symbols, so no
    zero is gained or lost); roots known to violate ``var``'s assumptions are dropped by ``solve``."""
    return sp.solve(sp.numer(sp.together(sp.diff(f, var))), var)


def show(expr: Any) -> dict[str, str]:
    """An expression as ``{"str": ..., "latex": ..., "mathml": ...}`` for the evidence; the
    report shows the presentation MathML (browsers render it without JavaScript)."""
    expr = sp.sympify(expr)
    return {"str": sp.sstr(expr), "latex": sp.latex(expr), "mathml": sp.mathml(expr, printer="presentation")}


def identity(lhs: sp.Expr, rhs: sp.Expr, *, sums: bool = False) -> dict[str, Any]:
    """Evidence that ``lhs == rhs``: both sides, the tool that reduced the difference
    to zero, and ``holds`` (True only when an exact tool reduced it to 0)."""
    diff = lhs - rhs
    if sums:
        diff = combine_sums(diff)
    ok, tool, residual = reduce_to_zero(diff)
    return {
        "lhs": show(lhs),
        "rhs": show(rhs),
        "lhs_minus_rhs_reduces_to_zero": ok,
        "tool": ("linearity of finite sums + " if sums else "") + tool,
        "residual": residual,
        "holds": ok,
    }
