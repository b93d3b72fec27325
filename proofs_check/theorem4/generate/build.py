"""``build``: the Theorem 4 generator's top level. Reads the penalties (step "penalties"),
chooses the family, runs its steps (data, family, witness, competitor, bound) and states a
verdict of its own (step "verdict") that the independent checker must re-derive.

Returns the certificate (what the kernel reads: ``kernel/read.py``) and the notes (the case,
the hypothesis labels, Eq. (9) numbers, the T10 contrast, h on a grid for Fig. 2).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, ctx

from infgrad.theory import penalties as pen
from infgrad.theory import penalty_analysis as pa

from infgrad.errors import BadInput, HypothesisNotMet
from ..kernel import ENCLOSURE, FORMAT
from . import fixed_scale as fs
from . import write as cw
from .lipschitz import build_lipschitz
from .penalty import Penalty, objective, validate_dims

SEARCH_MAX = Fraction(2) ** 40
"""Case A is searched for on [0, 2^40] by interval branch-and-bound (stated in the notes)."""
BYTES_PER_ENTRY = 400
"""Bytes per matrix entry, four matrices of n (r + 1) entries: 1600 B per data entry. Measured peak for
d = 1000, kappa = 100, r = 50, n = 10^4 (build + check in memory): 445 MB, 870 B per data entry; the
estimate keeps a margin of about 1.8."""


def available_memory() -> int:
    """MemAvailable from /proc/meminfo in bytes (4 GiB when unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def default_max_memory() -> int:
    """Half of the memory available now: the default of --max-memory."""
    return available_memory() // 2


def estimate_bytes(d: int, kappa: int, r: int, n: int) -> int:
    """Peak memory of building and checking a fixed-scale certificate: about four matrices of
    n (r + 1) entries (X, the witness, the competitor, the decoded copy)."""
    return BYTES_PER_ENTRY * 4 * n * (r + 1) + 10**7


def analyse(h: Penalty) -> dict[str, Any]:
    """Step "penalties": continuity, slope bound on [0, 1], a dip below h(0), a rise above it."""
    if h.expr is None:
        return {"continuity": "unknown (a callable)", "H": h.slope(Fraction(1)), "dip": None,
                "dip_search": "not searched (a callable has no enclosure)", "rise": None, "constant": False}
    status, where = pa.continuity(h.expr, Fraction(1))
    dip, proved_none = pa.find_below(h.expr, SEARCH_MAX)
    out = {"continuity": status + (f": {where}" if where else ""), "H": pa.slope_bound(h.expr, Fraction(1)),
           "dip": dip, "constant": not h.expr.free_symbols,
           "dip_search": (f"h({dip}) < h(0) found" if dip is not None else
                          "h >= h(0) proved on [0, 2^40]" if proved_none else
                          "no dip found on [0, 2^40] within the budget (not a proof)")}
    out["rise"] = None if dip is not None or out["constant"] else pa.find_above(h.expr, SEARCH_MAX)
    return out


def hypothesis_label(info: dict[str, Any]) -> str:
    cont, H = info["continuity"], info["H"]
    if cont.startswith("jump"):
        return f"the hypothesis of Theorem 4 fails: h is not continuous ({cont[6:]})"
    if cont.startswith("undecided"):
        return "continuity of h could not be established: the hypothesis is not established"
    if H is None:
        return "the hypothesis of Theorem 4 fails: no slope bound of h near 0 (unbounded gradient)"
    return f"the hypothesis of Theorem 4 holds on [0, 1]: |h'| <= {float(H):.6g} (h continuous)"


def diverges(g: Penalty, h: Penalty, X_mean_squares: list[Fraction], mean0: Fraction, d: int, kappa: int, r: int) -> bool:
    """The generator's own test for a no-minimiser proof: L(X + t e_0) -> -oo (sympy limit)."""
    if g.expr is None or h.expr is None:
        return False
    t = sp.Symbol("t", positive=True)
    m_t = sp.Rational(X_mean_squares[0].numerator, X_mean_squares[0].denominator) + 2 * t * \
        sp.Rational(mean0.numerator, mean0.denominator) + t ** 2
    rest = sum(h.expr.subs(pen.U, sp.Rational(m.numerator, m.denominator)) for m in X_mean_squares[1:])
    L = g.expr.subs(pen.U, t ** 2 / d) + (h.expr.subs(pen.U, m_t) + rest + (kappa - r - 1) * h.expr.subs(pen.U, 0)) / d
    try:
        return sp.limit(L, t, sp.oo) == -sp.oo
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return False


def own_verdict(L_comp: arb, L_low: arb | None, dominated: bool, exact_tie: bool, no_min: bool) -> str:
    if no_min:
        return "no-minimiser"
    if dominated or (L_low is not None and L_comp.upper() < L_low.lower()):
        return "strict"
    return "tie" if exact_tie else "undecided"


def build(h: Any, g: Any = "u", *, d: int, kappa: int, r: int, n: int | None = None, seed: int = 0,
          family: str = "fixed-scale", h_slope: float | None = None, g_slope: float | None = None,
          max_memory: int | None = None, lipschitz_max_points: int = 100_000) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build a Theorem 4 certificate and its notes.

    Parameters
    ----------
    h, g : formula (whitelist), sympy expression in u, or callable (then pass the declared
        ``h_slope``/``g_slope``; such a certificate rests on a stored table).
    d, kappa, r, n : d >= kappa > r > 0; n the fixed-scale sample count (r + 2 <= n <= 10^6).
    family : "fixed-scale", "lipschitz" (Theta_Lip, HypothesisNotMet when it cannot certify) or
        "auto" (Theta_Lip where it certifies, else fixed-scale).
    max_memory : bytes; a request estimated above it is refused (BadInput) before any work.

    Raises
    ------
    BadInput (exit 2), HypothesisNotMet (exit 3: h(0) or g(0) not finite).
    """
    if family not in ("fixed-scale", "lipschitz", "auto"):
        raise BadInput(f"family must be lipschitz, fixed-scale or auto; got {family!r}")
    d, kappa, r, n = validate_dims(d, kappa, r, n)
    limit = default_max_memory() if max_memory is None else max_memory
    need = estimate_bytes(d, kappa, r, n)
    if family != "lipschitz" and need > limit:
        raise BadInput(f"this certificate needs about {need / 1e9:.3g} GB, above the limit of {limit / 1e9:.3g} GB "
                       f"(--max-memory); lower n, r or d")
    h, g = Penalty.make(h, h_slope), Penalty.make(g, g_slope)
    with ctx.workprec(pa.PREC):
        h, removable = _removable(h)
        for name, p in (("h", h), ("g", g)):
            if not p.at(Fraction(0)).is_finite():
                extra = (" log counts zero rows like an l0 norm: h(0) = -infinity, so every zero row is worth "
                         "infinitely much and the sparse solution is the one preferred (see T10)."
                         if name == "h" and p.expr is not None and p.expr.has(sp.log) else "")
                raise HypothesisNotMet(f"{name}(0) = {name}({p.text} at u=0) is not a finite real number; "
                                       f"Theorem 4 assumes {name}: R+ -> R with bounded gradient.{extra}")
        info = analyse(h)
        info["removable"] = removable
        if family == "lipschitz" and info["dip"] is None and info["rise"] is None:
            raise HypothesisNotMet(f"Theta_Lip cannot certify (b) for h = {h.text}: no point where h differs from "
                                   "h(0) was proved; try --family fixed-scale")
        if family in ("lipschitz", "auto") and (info["dip"] is not None or info["rise"] is not None):
            lip_limit = min(lipschitz_max_points, limit // (BYTES_PER_ENTRY * 4 * 3))  # k^2 listed points, <= 3 axes
            got = build_lipschitz(h, g, (d, kappa, r, n), info["dip"], lip_limit)
            if not isinstance(got, str):
                return _finish_lipschitz(h, g, (d, kappa, r), info, *got)
            if family == "lipschitz":
                raise HypothesisNotMet(f"Theta_Lip cannot certify (b) for h = {h.text}: {got}; "
                                       "try --family fixed-scale")
            info["fallback"] = f"Theta_Lip did not certify (b): {got}"
        elif family == "auto":
            info["fallback"] = "Theta_Lip did not certify (b): no point where h differs from h(0) was proved"
        return _fixed_scale(h, g, (d, kappa, r, n), seed, info)


def _removable(h: Penalty) -> tuple[Penalty, str | None]:
    """h unchanged, or, where h(0) is not finite but sympy proves the right limit L at 0 finite, the formula
    Piecewise((L, u <= 0), (h, True)): h with its removable value at 0 filled in (said in the notes)."""
    if h.expr is None or h.at(Fraction(0)).is_finite():
        return h, None
    try:
        lim = sp.limit(h.expr, pen.U, 0, "+")
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return h, None
    if not (lim.is_real and lim.is_finite):
        return h, None
    try:
        filled = Penalty.make(f"Piecewise(({lim}, u <= 0), ({h.text}, True))")
    except BadInput:
        return h, None
    return filled, f"h(0) taken as the right limit {lim} of {h.text} at 0 (sympy.limit); the certified h is {filled.text}"


def _common(h: Penalty, g: Penalty, family: str) -> dict[str, Any]:
    cert = {"format": FORMAT, "family": family, "enclosure": ENCLOSURE,
            "penalties": {"h": h.text if h.exact else None, "g": g.text if g.exact else None}}
    tables = {name: [[cw.q(x), *cw.interval_strings(v)] for x, v in sorted(p.cache.items()) if v.is_finite()]
              for name, p in (("h", h), ("g", g)) if not p.exact}
    if tables:
        cert["tables"] = tables
    return cert


def _curve(h: Penalty, lo: float, hi: float) -> list[list[float]]:
    """h on a log grid for Fig. 2 (floats; display only)."""
    out = []
    for k in range(121):
        u = Fraction(lo * (hi / lo) ** (k / 120)).limit_denominator(10**15)
        v = h.at(u) if h.expr is not None or h.func is not None else arb.nan()
        out.append([float(u), float(v.mid()) if v.is_finite() else float("nan")])
    return out


def _fixed_scale(h, g, dims, seed, info) -> tuple[dict[str, Any], dict[str, Any]]:
    d, kappa, r, n = dims
    dip, rise = info["dip"], info["rise"]
    if h.expr is None:  # a callable: the old grid search (claims nothing about other points)
        h0 = h.at(Fraction(0))
        grid = [m * Fraction(2) ** k for k in range(-12, 7) for m in (Fraction(1), Fraction(3, 2))]
        dip = next((x for x in grid if h.at(x).is_finite() and h.at(x).upper() < h0.lower()), None)
        rise = None if dip else next((x for x in grid if h.at(x).is_finite() and h.at(x).lower() > h0.upper()), None)
    if dip is not None and h.expr is not None and fs.square_below(h, dip) is None:  # a dip too narrow to exhibit
        info["dip_search"] += f" (but no rational t with h(t^2) < h(0) was proved near {float(dip):.6g})"
        dip, rise = None, pa.find_above(h.expr, SEARCH_MAX)
    inst, eq9 = fs.choose_scale(h, g, dims, None if dip is not None else rise, info["H"], seed)
    g_t = None  # case C: a rational t with g(t^2 / d) < g(0) proved (the imperfect competitor's offset)
    if dip is None and rise is None and g.expr is not None:
        e, _ = pa.find_below(g.expr, SEARCH_MAX)
        g_t = None if e is None else fs.square_below(Penalty(text="g(u/d)", expr=g.expr.subs(pen.U, pen.U / d)), e * d)
    comp, kind, rows_c, err_c = fs.fixed_scale_competitor(h, g, inst, dip, g_t)
    a = inst.a
    L_sparse = objective(g, h, d, kappa, Fraction(0), [a] * r)
    L_comp = objective(g, h, d, kappa, err_c, rows_c)
    X_ms = inst.dense_mean_squares()
    no_min = diverges(g, h, X_ms, Fraction(0), d, kappa, r)
    tie = info["constant"] and err_c == 0
    verdict = own_verdict(L_comp, L_sparse, dip is not None, tie, no_min)
    cert = _common(h, g, "fixed-scale")
    cert.update({"dims": {"d": d, "kappa": kappa, "r": r, "n": n}, "X": cw.sparse_matrix((n, d), fs._data_columns(inst)),
                 "decoders": fs.fixed_scale_decoders(inst), "witness": fs.fixed_scale_witness(inst),
                 "competitor": None if no_min else comp, "sequence": {"decoder": "D_dense", "row": 0} if no_min else None,
                 "verdict": verdict})
    case = "A" if dip is not None else "B" if rise is not None else "C"
    notes = {"family": "fixed-scale", "fallback": info.get("fallback"), "removable": info.get("removable"), "case": case, "competitor_kind": kind, "hypothesis": hypothesis_label(info),
             "continuity": info["continuity"], "H": None if info["H"] is None else float(info["H"]),
             "dip_search": info["dip_search"], "eq9": eq9,
             "family_words": "Theta = {D_sparse, D_dense} o signed permutations of the latent axes (fixed scale)",
             "parameters": {"s": float(inst.s), "c": float(inst.c), "eps": float(inst.eps), "teeth": inst.teeth},
             "L_sparse": cw.interval_strings(L_sparse), "L_competitor": cw.interval_strings(L_comp),
             "a": float(a), "t10_contrast": fs.log_contrast(inst),
             "h_curve": _curve(h, min(float(a), float(inst.eps) ** 2) / 100, max(2 * float(a), 4 * float(inst.eps) ** 2))}
    return cert, notes


def _finish_lipschitz(h, g, dims3, info, body, lnotes) -> tuple[dict[str, Any], dict[str, Any]]:
    d, kappa, r = dims3
    cert = _common(h, g, "lipschitz")
    n = lnotes["parameters"]["n"]
    rows_c = [Fraction(x) for x in lnotes["competitor_rows"]]
    cert.update({"dims": {"d": d, "kappa": kappa, "r": r, "n": n}, **body, "sequence": None,
                 "verdict": "strict"})
    eps = lnotes["parameters"]["eps"]
    notes = {"family": "lipschitz", "removable": info.get("removable"), "case": "A" if info["dip"] is not None else "B",
             "hypothesis": hypothesis_label(info), "continuity": info["continuity"],
             "H": None if info["H"] is None else float(info["H"]), "dip_search": info["dip_search"], **lnotes,
             "h_curve": _curve(h, eps ** 2 / 1000, max(4 * eps ** 2, 2 * lnotes.get("U_over_r", eps ** 2)))}
    del rows_c
    return cert, notes


def generate(h: Any, g: Any = "u", **kwargs: Any) -> dict[str, Any]:
    """The certificate alone (``build``'s arguments)."""
    return build(h, g, **kwargs)[0]
