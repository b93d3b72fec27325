"""Majorize-minimize for Eq. (7) with g = indicator and h = log(u + delta) (claim T17).

Lemma 2 reduces the VAE energy (3) with a linear decoder, as gamma -> 0, to Eq. (7) with
``g = I_inf`` (exact reconstruction, the constraint ``W Z = X``) and ``h = log``:

    L_delta(Z) = (1/d) sum_k log(||z_k||^2 / n + delta)   s.t.  W Z = X          (7)

``z_k`` is the k-th row of ``Z`` (kappa x n).  ``delta > 0`` smooths the log; ``delta -> 0``
gives Lemma 2's ``h = log``, whose global minimisers are the row-sparsest exact codes.

The majorizer (why weighted *squared* norms, not a group lasso)
---------------------------------------------------------------
``h(u) = log(u + delta)`` is concave in ``u = ||z_k||^2 / n``, so its tangent at ``u_t`` is a
global upper bound:

    log(u + delta) <= log(u_t + delta) + (u - u_t) / (u_t + delta)    for all u >= 0.

Summed over rows this majorizes L_delta by a *weighted sum of squared row norms*,
``sum_k ||z_k||^2 / (n (u_k^t + delta))`` plus a constant, tight at ``Z^t``.  A tangent in the
row *norm* ``t = ||z_k||`` (a weighted group lasso) is not valid here: ``log(t^2/n + delta)`` is
convex in ``t`` for ``t^2 < n delta`` (second derivative ``2 (n delta - t^2) / (t^2 + n delta)^2``),
so a tangent line in ``t`` lies *below* it there.  (The group lasso majorizes ``log(||z_k|| + delta)``,
a different penalty.)

Each MM step is therefore the convex program

    Z^{t+1} = argmin_Z  sum_k ||z_k||^2 / s_k^2   s.t.  W Z = X,   s_k^2 = ||z_k^t||^2 / n + delta,

solved here with cvxpy in the well-scaled variables ``Y = diag(s)^{-1} Z``:
``min ||Y||_F^2  s.t.  (W diag(s)) Y = X``  (the FOCUSS / iteratively reweighted least-squares
form; Chartrand and Yin, 2008).  Because the majorizer is tight at ``Z^t``,
``L_delta(Z^{t+1}) <= L_delta(Z^t)`` at fixed delta (up to the solver's tolerance).

Annealing delta from large to small is the linear-model analogue of learning gamma (Sec. 4);
running at the final small delta from the start is the analogue of fixing gamma = gamma*.

This module uses numpy and cvxpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import cvxpy as cp
import numpy as np

DEFAULT_SOLVER = "CLARABEL"


@dataclass(frozen=True)
class Instance:
    """A random linear instance with a row-sparse exact code.

    W       : (d, kappa) decoder, columns of unit norm, d < kappa (overcomplete).
    Z0      : (kappa, n) the sparse code: ``r`` nonzero rows (standard normal entries).
    X       : (d, n) the data, ``X = W Z0``.
    support : sorted indices of the nonzero rows of Z0.
    """

    W: np.ndarray
    Z0: np.ndarray
    X: np.ndarray
    support: tuple[int, ...]


def make_instance(rng: np.random.Generator, d: int, kappa: int, n: int, r: int) -> Instance:
    """Draw ``W`` (Gaussian, unit-norm columns) and an ``r``-row-sparse ``Z0``; ``X = W Z0``.

    For generic W and ``r < d`` the r-row code is the unique sparsest exact code, so it is
    the global minimiser of (7) with h = log (Lemma 2) as delta -> 0.
    """
    if not (0 < r < d < kappa):
        raise ValueError(f"need 0 < r < d < kappa; got d={d}, kappa={kappa}, r={r}")
    if n < 1:
        raise ValueError(f"n must be >= 1; got n={n}")
    W = rng.standard_normal((d, kappa))
    W /= np.linalg.norm(W, axis=0, keepdims=True)
    support = tuple(sorted(rng.choice(kappa, size=r, replace=False).tolist()))
    Z0 = np.zeros((kappa, n))
    Z0[list(support)] = rng.standard_normal((r, n))
    return Instance(W=W, Z0=Z0, X=W @ Z0, support=support)


def row_energies(Z: np.ndarray) -> np.ndarray:
    """``u_k = ||z_k||^2 / n`` for each row k of Z (kappa,)."""
    return np.sum(Z * Z, axis=1) / Z.shape[1]


def objective(Z: np.ndarray, delta: float, d: int) -> float:
    """Eq. (7) with h = log(u + delta), on a feasible Z (the indicator g contributes 0):
    ``(1/d) sum_k log(||z_k||^2 / n + delta)``."""
    return float(np.sum(np.log(row_energies(Z) + delta)) / d)


def surrogate(Z: np.ndarray, Z_t: np.ndarray, delta: float, d: int) -> float:
    """The tangent majorizer of ``objective`` at ``Z_t``, evaluated at ``Z``:
    ``(1/d) sum_k [log(u_k^t + delta) + (u_k - u_k^t) / (u_k^t + delta)]``.
    It is >= objective(Z) for every Z, with equality at Z = Z_t."""
    u, ut = row_energies(Z), row_energies(Z_t)
    return float(np.sum(np.log(ut + delta) + (u - ut) / (ut + delta)) / d)


class WeightedMinNorm:
    """The convex MM step as one compiled cvxpy problem, reused across iterations.

    ``min ||Y||_F^2  s.t.  A Y = X`` with parameters ``A = W diag(s)`` and ``X`` (DPP), so a
    new weight vector costs a parameter update, not a new compilation.
    """

    def __init__(self, d: int, kappa: int, n: int, solver: str = DEFAULT_SOLVER):
        self.shape = (d, kappa, n)
        self.solver = solver
        self._A = cp.Parameter((d, kappa))
        self._X = cp.Parameter((d, n))
        self._Y = cp.Variable((kappa, n))
        self._problem = cp.Problem(cp.Minimize(cp.sum_squares(self._Y)), [self._A @ self._Y == self._X])
        # cvxpy compiles at the first solve, and that solve's numbers differ from later (cached,
        # parameter-update) solves in the last bits: compile on a trivial problem here, so that every
        # real solve takes the same path, whichever instances this step solved before (T17's
        # instances are solved in chunks across processes)
        A = np.random.default_rng(0).standard_normal((d, kappa))      # dense: no structural zeros
        self._A.value, self._X.value = A, A @ np.ones((kappa, n))
        self._problem.solve(solver=self.solver)

    def solve(self, W: np.ndarray, X: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Return ``Z = diag(s) Y*``, the minimiser of ``sum_k ||z_k||^2 / s_k^2`` s.t. ``W Z = X``."""
        self._A.value = W * s[None, :]
        self._X.value = X
        self._problem.solve(solver=self.solver)
        if self._problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or self._Y.value is None:
            raise cp.error.SolverError(f"MM step: solver {self.solver} returned {self._problem.status}")
        return s[:, None] * self._Y.value


def mm_step(W: np.ndarray, X: np.ndarray, Z: np.ndarray, delta: float,
            step: WeightedMinNorm | None = None) -> np.ndarray:
    """One majorize-minimize step for (7) at smoothing ``delta`` (weights from the current Z)."""
    d, kappa = W.shape
    step = step or WeightedMinNorm(d, kappa, X.shape[1])
    s = np.sqrt(row_energies(Z) + delta)
    return step.solve(W, X, s)


def min_norm_start(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``W^+ X``: the minimum-Frobenius-norm exact code, the MM step from uniform weights
    (what any delta gives from Z = 0). Both schedules start here."""
    return np.linalg.pinv(W) @ X


@dataclass(frozen=True)
class Schedule:
    """Smoothing stages: ``(delta, max_iterations)`` pairs, run in order.

    Within a stage MM iterates until the relative change ``||Z' - Z||_F / ||Z||_F`` falls
    below ``tol_scale * sqrt(delta)`` or the stage's budget is spent (the stage rule of
    Chartrand and Yin, 2008, who anneal epsilon in reweighted least squares: move on when the
    change is below sqrt(epsilon)/100).
    """

    stages: tuple[tuple[float, int], ...]
    tol_scale: float = 1e-2

    def stage_tol(self, delta: float) -> float:
        return self.tol_scale * float(np.sqrt(delta))

    @property
    def budget(self) -> int:
        return sum(k for _, k in self.stages)

    @property
    def final_delta(self) -> float:
        return self.stages[-1][0]


def annealed_schedule(delta0: float, delta_final: float, factor: float, iters_per_stage: int,
                      tol_scale: float = 1e-2) -> Schedule:
    """delta = delta0, delta0/factor, ..., down to delta_final, ``iters_per_stage`` each."""
    if not (delta0 >= delta_final > 0 and factor > 1 and iters_per_stage >= 1):
        raise ValueError("need delta0 >= delta_final > 0, factor > 1, iters_per_stage >= 1")
    deltas = []
    delta = delta0
    while delta > delta_final * (1 + 1e-9):
        deltas.append(delta)
        delta /= factor
    deltas.append(delta_final)
    return Schedule(tuple((float(x), iters_per_stage) for x in deltas), tol_scale)


def fixed_schedule(delta_final: float, budget: int, tol_scale: float = 1e-2) -> Schedule:
    """One stage at the final delta with the same total iteration budget (and the same
    stopping rule at that delta as the annealed schedule's last stage)."""
    return Schedule(((float(delta_final), int(budget)),), tol_scale)


@dataclass
class MMRun:
    """The result of ``run_mm``.

    Z          : (kappa, n) the final code.
    objectives : per iteration, ``(delta, L_delta(Z) before the step, L_delta(Z) after)``.
    iterations : MM steps taken.
    row_norms  : (iterations + 1, kappa) the row norms ``||z_k||`` of every iterate, from the
                 start; filled only with ``keep_path=True``.
    """

    Z: np.ndarray
    objectives: list[tuple[float, float, float]] = field(default_factory=list)
    iterations: int = 0
    row_norms: list[np.ndarray] = field(default_factory=list)


def run_mm(W: np.ndarray, X: np.ndarray, Z_start: np.ndarray, schedule: Schedule,
           step: WeightedMinNorm | None = None, keep_path: bool = False) -> MMRun:
    """Majorize-minimize (7) along ``schedule`` from ``Z_start`` (which must satisfy W Z = X)."""
    d, kappa = W.shape
    step = step or WeightedMinNorm(d, kappa, X.shape[1])
    Z = np.array(Z_start, dtype=float)
    run = MMRun(Z=Z)
    if keep_path:
        run.row_norms.append(np.linalg.norm(Z, axis=1))
    for delta, budget in schedule.stages:
        for _ in range(budget):
            before = objective(Z, delta, d)
            Z_new = mm_step(W, X, Z, delta, step)
            run.objectives.append((delta, before, objective(Z_new, delta, d)))
            run.iterations += 1
            if keep_path:
                run.row_norms.append(np.linalg.norm(Z_new, axis=1))
            change = np.linalg.norm(Z_new - Z) / max(np.linalg.norm(Z), 1e-300)
            Z = Z_new
            if change < schedule.stage_tol(delta):
                break
    run.Z = Z
    return run


def support_of(Z: np.ndarray, tol: float) -> tuple[int, ...]:
    """Rows whose norm exceeds ``tol`` times the largest row norm."""
    norms = np.linalg.norm(Z, axis=1)
    top = norms.max()
    if top == 0:
        return ()
    return tuple(int(k) for k in np.flatnonzero(norms > tol * top))


def support_recovered(Z: np.ndarray, support: Sequence[int], tol: float) -> bool:
    """True when the rows above ``tol * max row norm`` are exactly ``support``
    (the r true rows present, every other row ~0 relative to the largest)."""
    return support_of(Z, tol) == tuple(sorted(int(k) for k in support))
