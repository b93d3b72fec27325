"""Theorem 4 (Sec. 3.2), the fixed-scale family: its data, decoders, witness and competitor
(``build.py`` runs the steps; ``lipschitz.py`` is the natural family Theta_Lip).

The construction (Sec. 3.3, Fig. 2, Eqs. (8)-(9), made exact):

Data. n samples whose only nonzero coordinates are the first r+1 of d. Sample i has
the sparse code z_i with z_ij = c K_ij / n for j < r (K_ij = 2 pi_j(i) - n - 1, pi_1 the
identity, pi_j seeded permutations), so every code row is a permutation of the same
n values and has the same mean square  a = c^2 (n^2 - 1) / (3 n^2).  The data are
x_ij = s z_ij (j < r) and x_ir = s tau(z_i0), tau a zigzag of m teeth: an r-dimensional
curved (folded) manifold squeezed into a box of half-width eps = s c.

Decoder family Theta (fixed scale, stated in the certificate):
    Theta = { D o P : D in {D_sparse, D_dense}, P a signed permutation of the kappa latent axes }
D_sparse(z) = (s z_0, ..., s z_{r-1}, s tau(z_0), 0, ...)   piecewise affine, ignores z_r.. ;
D_dense(z)  = (z_0, ..., z_r, 0, ...)                       the identity on r+1 axes.
Every perfect reconstruction by D_sparse o P fixes r rows of Z up to sign (x_j / s), so
every optimal sparse representation in Theta has row mean squares {a (r times), 0}:
its objective is exactly  L* = g(0) + (1/d)(r h(a) + (kappa - r) h(0)).  D_dense o P needs
all r+1 data rows (each nonzero), so it is never sparse.  Scale is fixed by the family,
which rules out the trivial rescaling Z -> 0 (Sec. 3.1).

Cases (which competitor beats L*):
    A  h(b) < h(0) for some b: the witness plus one unused row of mean square b (the
       decoder ignores it) - a non-sparse solution with L = L* - (h(0) - h(b))/d.
    B  no dip found (interval branch-and-bound on [0, 2^40]) and h(a) > h(0) proved at some a:
       the dense code (rows of mean square
       <= eps^2); with a slope bound H of h on [0, eps^2], (r+1) H eps^2 < r (h(a) - h(0))
       (inequality (9) reversed) makes it strictly better.
    C  h constant (no u in the formula): L depends on Z only through g. If g(e) < g(0) for some
       e > 0, an imperfect reconstruction of error e wins; otherwise every perfect
       reconstruction ties exactly with the sparse one (verdict "tie"). If no dip and no rise
       is proved for a non-constant h, the verdict is "undecided".
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb

from infgrad.errors import HypothesisNotMet
from . import write as cw
from .penalty import Penalty, _hi, _lo, _sqrt_q, objective, square_below

COMPACT_ENTRIES = 20_000  # above this many data entries, matrices equal to X are written as "X"


# ----------------------------------------------------------------------------- the instance


@dataclass
class Instance:
    """The exact data of one construction: codes in units, scale s, size c."""

    d: int
    kappa: int
    r: int
    n: int
    c: Fraction          # code half-range: z_ij in [-c, c]
    s: Fraction          # decoder scale of D_sparse
    teeth: int           # zigzag teeth m
    K: np.ndarray        # (n, r) int64: z_ij = c K_ij / n
    tauK: np.ndarray     # (n,) int64: tau(z_i0) = c tauK_i / n

    @property
    def a(self) -> Fraction:
        """Mean square of every sparse code row: c^2 (n^2 - 1) / (3 n^2)."""
        return self.c ** 2 * Fraction(self.n ** 2 - 1, 3 * self.n ** 2)

    @property
    def eps(self) -> Fraction:
        """Half-width of the data box: |x_ij| <= s c."""
        return self.s * self.c

    def dense_mean_squares(self) -> list[Fraction]:
        """Row mean squares of the dense code (= the data rows): s^2 a (r times), then the zigzag row."""
        zig = self.s ** 2 * self.c ** 2 * sum(t * t for t in self.tauK.tolist()) / Fraction(self.n ** 3)
        return [self.s ** 2 * self.a] * self.r + [zig]


def make_instance(d: int, kappa: int, r: int, n: int, c: Fraction, s: Fraction, seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    K = np.empty((n, r), dtype=np.int64)
    base = 2 * np.arange(1, n + 1, dtype=np.int64) - n - 1
    K[:, 0] = base
    for j in range(1, r):
        K[:, j] = base[rng.permutation(n)]
    # teeth m divides 2n so that the zigzag breakpoints -n + 2nk/m are integers in units of c/n
    teeth = next(m for m in (6, 5, 4, 3, 2) if (m <= max(2, n // 4) and (2 * n) % m == 0))
    return Instance(d, kappa, r, n, Fraction(c), Fraction(s), teeth, K, _tau_units(K[:, 0], n, teeth))


def _breaks(n: int, teeth: int) -> list[int]:
    """Zigzag breakpoints in units of c/n: -n + 2 n k / m, k = 0..m (integers: m divides 2n)."""
    return [-n + 2 * n * k // teeth for k in range(teeth + 1)]


def _tau_units(K: np.ndarray, n: int, teeth: int) -> np.ndarray:
    """tau in units of c/n: slope +1, -1, +1, ... between breakpoints, tau(-n) = 0 (exact integers)."""
    height = 2 * n // teeth
    k = np.clip((K + n) // height, 0, teeth - 1)
    offset = K - (-n + k * height)
    return np.where(k % 2 == 0, offset, height - offset).astype(np.int64)


# ----------------------------------------------------------------------------- decoders


def sparse_decoder(inst: Instance) -> dict[str, Any]:
    """D_sparse as pieces {box, A, c}: box on latent axis 0 between zigzag breakpoints."""
    d, kappa, r, n, s, c = inst.d, inst.kappa, inst.r, inst.n, inst.s, inst.c
    br = [c * b / n for b in _breaks(n, inst.teeth)]
    pieces = []
    for k in range(inst.teeth):
        sign = 1 if k % 2 == 0 else -1
        tau_at = Fraction(0) if k % 2 == 0 else br[1] - br[0]  # tau at the piece's left breakpoint
        lo = None if k == 0 else cw.q(br[k])
        hi = None if k == inst.teeth - 1 else cw.q(br[k + 1])
        entries = [[j, j, cw.q(s)] for j in range(r)] + [[r, 0, cw.q(s * sign)]]
        offset = s * (tau_at - sign * br[k])
        pieces.append({
            "box": [[0, lo, hi]],
            "A": {"shape": [d, kappa], "entries": entries},
            "c": {"shape": [d], "entries": [[r, cw.q(offset)]] if offset else []},
        })
    return {"name": "D_sparse", "pieces": pieces,
            "words": f"x_j = {s} z_j (j < r), x_r = {s} * tau(z_0) with tau a {inst.teeth}-tooth zigzag, "
                     "other outputs 0; ignores latent axes r .. kappa-1"}


def dense_decoder(inst: Instance) -> dict[str, Any]:
    d, kappa, r = inst.d, inst.kappa, inst.r
    return {"name": "D_dense", "pieces": [{
        "box": [], "A": {"shape": [d, kappa], "entries": [[j, j, "1"] for j in range(r + 1)]},
        "c": {"shape": [d], "entries": []}}],
        "words": "x_j = z_j for j <= r (the identity on r+1 axes), other outputs 0"}


# ----------------------------------------------------------------------------- matrices


def _code_columns(inst: Instance) -> dict[int, tuple[np.ndarray, int]]:
    """Witness Z: column j < r is c K_ij / n (numerators, common denominator)."""
    return {j: (inst.K[:, j].astype(object) * inst.c.numerator, inst.c.denominator * inst.n) for j in range(inst.r)}


def _data_columns(inst: Instance) -> dict[int, tuple[np.ndarray, int]]:
    """X: column j < r is s c K_ij / n; column r is s c tau_i / n."""
    sc = inst.s * inst.c
    den = sc.denominator * inst.n
    cols = {j: (inst.K[:, j].astype(object) * sc.numerator, den) for j in range(inst.r)}
    cols[inst.r] = (inst.tauK.astype(object) * sc.numerator, den)
    return cols


# ----------------------------------------------------------------------------- fixed-scale steps


def choose_scale(h: "Penalty", g: "Penalty", dims: tuple[int, int, int, int], rise: Fraction | None,
                 H: Fraction | None, seed: int) -> tuple[Instance, dict[str, Any]]:
    """Step "data": the code size c and decoder scale s. Case B: mean square a = rise, and s halved
    until the dense code in the eps-box beats the sparse one (Eq. (9) reversed); else s = 1/16."""
    d, kappa, r, n = dims
    mu = Fraction(n * n - 1, 3 * n * n)
    if rise is None:
        return make_instance(d, kappa, r, n, _sqrt_q(Fraction(1) / mu), Fraction(1, 16), seed), {}
    gap = Fraction(0)
    for target, den in [(rise, 64), (rise, 10**12)] + [(Fraction(2) ** k, 64) for k in range(-20, 21)]:
        c = _sqrt_q(target / mu, den)  # a rise too small for a rational gap (exp(-1/u) near 0): try 2^k
        a = c * c * mu
        gap = _lo(h.at(a)) - _hi(h.at(Fraction(0)))
        if gap > 0:
            break
    if gap <= 0:
        raise HypothesisNotMet("could not certify h(a) > h(0) at a rational a; try another penalty")
    eps2 = min(Fraction(1), r * gap / (2 * (r + 1) * H)) if H else Fraction(1)
    k = 0
    while (c / 2 ** k) ** 2 > eps2:
        k += 1
    s = Fraction(1, 2 ** k)
    for _ in range(400):
        inst = make_instance(d, kappa, r, n, c, s, seed)
        dense = objective(g, h, d, kappa, Fraction(0), inst.dense_mean_squares())
        if _hi(dense) < _lo(objective(g, h, d, kappa, Fraction(0), [a] * r)):
            break
        s /= 2
    eq9 = {"a": float(a), "gap_lower": float(gap), "H": None if H is None else float(H), "eps": float(inst.eps),
           "lhs_(r+1)H_eps2": None if H is None else float((r + 1) * H * inst.eps ** 2), "rhs_r_gap": float(r * gap)}
    return inst, eq9


def fixed_scale_competitor(h: "Penalty", g: "Penalty", inst: Instance, dip: Fraction | None,
                           g_t: Fraction | None) -> tuple[dict[str, Any], str, list[Fraction], Fraction]:
    """Step "competitor": (representation, kind, nonzero row mean squares, error)."""
    n, r, kappa, d = inst.n, inst.r, inst.kappa, inst.d
    compact = n * (r + 1) > COMPACT_ENTRIES
    Xcols = _data_columns(inst)
    X_ref: Any = "X" if compact else cw.sparse_matrix((n, d), Xcols)
    if dip is not None:
        t = square_below(h, dip)
        cols = dict(_code_columns(inst))
        cols[r] = (np.full(n, t.numerator, dtype=object), t.denominator)
        return ({"decoder": "D_sparse", "Z": cw.sparse_matrix((n, kappa), cols), "Xhat": X_ref},
                f"the witness plus the constant row {t} on an ignored latent axis (h({t * t}) < h(0))",
                [inst.a] * r + [t * t], Fraction(0))
    if g_t is not None:  # every sample's code moved by g_t on axis 0: error g_t^2 / d with g(g_t^2 / d) < g(0)
        t = g_t
        ccols = dict(Xcols)
        nums, den = ccols[0]
        ccols[0] = (nums * t.denominator + t.numerator * den, den * t.denominator)
        rows = _mean_squares(ccols, n)
        return ({"decoder": "D_dense", "Z": cw.sparse_matrix((n, kappa), ccols), "Xhat": cw.sparse_matrix((n, d), ccols)},
                f"imperfect dense reconstruction (error {t * t / d}, g below g(0))", [m for m in rows if m], t * t / d)
    return ({"decoder": "D_dense", "Z": "X" if compact else cw.sparse_matrix((n, kappa), Xcols), "Xhat": X_ref},
            "the dense code (identity decoder, r+1 rows in the eps-box)", inst.dense_mean_squares(), Fraction(0))


def fixed_scale_decoders(inst: Instance) -> dict[str, Any]:
    return {"D_sparse": {"pieces": sparse_decoder(inst)["pieces"]}, "D_dense": {"pieces": dense_decoder(inst)["pieces"]}}


def fixed_scale_witness(inst: Instance) -> dict[str, Any]:
    n, r, d, kappa = inst.n, inst.r, inst.d, inst.kappa
    X_ref = "X" if n * (r + 1) > COMPACT_ENTRIES else cw.sparse_matrix((n, d), _data_columns(inst))
    return {"decoder": "D_sparse", "Z": cw.sparse_matrix((n, kappa), _code_columns(inst)), "Xhat": X_ref}


def log_contrast(inst: Instance, exponents: tuple[int, ...] = (1, 2, 4, 6, 8, 12)) -> dict[str, Any]:
    """T10 on this instance: h = log(u + delta), d (L_dense - L_sparse) = sum_{j<=r} h(m'_j) - r h(a) - h(0)
    (Eq. (9) with the dense rows m'_j and the sparse rows a; the other zero rows cancel), for delta = 10^-k."""
    rows = []
    for k in exponents:
        h = Penalty.make(f"log(u + 1/{10 ** k})")
        diff = arb(0)
        for m in inst.dense_mean_squares():
            diff = diff + h.at(m)
        diff = diff - h.at(inst.a) * inst.r - h.at(Fraction(0))
        pref = "dense" if _hi(diff) < 0 else ("sparse" if _lo(diff) > 0 else "undecided")
        rows.append({"delta": cw.q(Fraction(1, 10 ** k)), "slope_bound_H": 10 ** k,
                     "dense_minus_sparse_times_d": cw.interval_strings(diff), "preferred": pref})
    return {"eps": cw.q(inst.eps), "a": cw.q(inst.a), "rows": rows}


def _mean_squares(cols: dict[int, tuple[Any, int]], n: int) -> list[Fraction]:
    return [Fraction(int((nums * nums).sum()), den * den * n) for _, (nums, den) in sorted(cols.items())]
