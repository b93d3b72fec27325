"""The one registry: which check function covers which claims, and the runner.

Checks are named as ``"module:function"`` and imported only when run, so that
``infgrad verify`` never pays for torch and ``infgrad --help`` stays fast.
A check returns one ClaimResult or a list of them (one experiment can bear on
several claims, e.g. the sparsity sweep on T4 and T14).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from infgrad.atomic import write_json
from infgrad.errors import BadInput
from infgrad.files import read_json
from infgrad.lazy import resolve

from .. import __version__
from .model import CLAIMS, CheckContext, ClaimResult, Method, result


@dataclass(frozen=True)
class CheckSpec:
    name: str  # stable key, also the cache file name under out_dir/claims/
    claims: tuple[str, ...]
    method: Method
    target: str  # "package.module:function"
    # a check that splits into independent parts (T13): "module:function"s of ctx -> [(key, cost, job)]
    # and of (ctx, {key: output}) -> results; the pool runs the parts as jobs of their own
    parts: str | None = None
    combine: str | None = None

    def load(self) -> Callable[[CheckContext], ClaimResult | list[ClaimResult]]:
        return resolve(self.target)


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("T1", ("T1",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t1"),
    CheckSpec("T2", ("T2",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t2"),
    CheckSpec("T3", ("T3",), "exact", "infgrad.proofs_check.claims.linear:check_t3"),
    CheckSpec("T4", ("T4",), "exact", "infgrad.proofs_check.claims.linear:check_t4"),
    CheckSpec("T5", ("T5",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t5"),
    CheckSpec("T6", ("T6",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t6"),
    CheckSpec("T7", ("T7",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t7"),
    CheckSpec("T8", ("T8",), "symbolic", "infgrad.proofs_check.claims.symbolic:check_t8"),
    CheckSpec("T9", ("T9",), "exact", "infgrad.proofs_check.claims.theorem4:check_t9"),
    CheckSpec("T10", ("T10",), "exact", "infgrad.proofs_check.claims.theorem4:check_t10"),
    CheckSpec("T11", ("T11",), "empirical", "infgrad.proofs_check.experiments.landscape:check_t11"),
    CheckSpec("linear-trained", ("T3",), "empirical", "infgrad.proofs_check.experiments.checks:check_linear"),
    CheckSpec("sparsity", ("T4", "T14"), "empirical", "infgrad.proofs_check.experiments.checks:check_sparsity"),
    CheckSpec("beta", ("T5",), "empirical", "infgrad.proofs_check.experiments.checks:check_beta"),
    CheckSpec("fixed-gamma", ("T12", "T16"), "empirical", "infgrad.proofs_check.experiments.checks:check_fixed_gamma"),
    CheckSpec("outliers", ("T13",), "empirical", "infgrad.proofs_check.experiments.checks:check_outliers",
              parts="infgrad.proofs_check.experiments.checks:outliers_parts",
              combine="infgrad.proofs_check.experiments.checks:outliers_combine"),
    CheckSpec("digits", ("T15",), "empirical", "infgrad.proofs_check.experiments.checks:check_digits"),
    CheckSpec("T17", ("T17",), "empirical", "infgrad.proofs_check.experiments.smoothing:check_t17"),
    CheckSpec("stability", ("T18",), "empirical", "infgrad.proofs_check.experiments.checks:check_stability"),
)


def select(claim_ids: Sequence[str] | None, *, empirical: bool) -> list[CheckSpec]:
    """The checks to run, in registry order.

    With ``empirical=True`` (the report): every check covering ``claim_ids``, or every check.
    With ``empirical=False`` (``verify``): the symbolic, exact and property checks covering
    ``claim_ids``; a named claim that has only empirical checks (T11 ... T18) gets those, since
    the user asked for it by name.
    """
    def keep(spec: CheckSpec, wanted: set[str]) -> bool:
        if not set(spec.claims) & wanted:
            return False
        if empirical or spec.method != "empirical":
            return True
        only_empirical = {cid for cid in set(spec.claims) & wanted
                          if all(c.method == "empirical" for c in CHECKS if cid in c.claims)}
        return bool(only_empirical)

    if not claim_ids:
        return [c for c in CHECKS if empirical or c.method != "empirical"]
    wanted = set()
    for cid in claim_ids:
        key = cid.strip().upper()
        if key not in CLAIMS:
            raise BadInput(f"unknown claim id {cid!r}; known ids are T1 ... T{len(CLAIMS)}")
        wanted.add(key)
    return [c for c in CHECKS if keep(c, wanted)]


def _cache_path(ctx: CheckContext, spec: CheckSpec) -> Path | None:
    if ctx.out_dir is None:
        return None
    return Path(ctx.out_dir) / "claims" / f"{spec.name}.json"


def _load_cached(path: Path | None, ctx: CheckContext) -> list[ClaimResult] | None:
    if path is None or not path.is_file():
        return None
    try:
        data = read_json(path, "cached result")
        if (data.get("version"), data.get("seed"), data.get("profile")) != (__version__, ctx.seed, ctx.profile):
            return None
        return [ClaimResult.from_json(r) for r in data["results"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged cache is recomputed, never trusted


def run_check(spec: CheckSpec, ctx: CheckContext, *, reuse: bool = False,
              compute: Callable[[], ClaimResult | list[ClaimResult]] | None = None,
              seconds_before: float = 0.0) -> list[ClaimResult]:
    """Run one check (or reuse its saved results), timing it; a crash becomes an
    ``inconclusive`` result carrying the error, so one broken check loses no other work.
    ``compute`` replaces the check's own function (the combine step of a split check, whose parts
    took ``seconds_before`` elsewhere)."""
    cache = _cache_path(ctx, spec)
    if reuse:
        cached = _load_cached(cache, ctx)
        if cached is not None:
            return cached
    start = time.perf_counter()
    crashed = False
    try:
        out = compute() if compute is not None else spec.load()(ctx)
        results = list(out) if isinstance(out, (list, tuple)) else [out]
    except Exception as exc:  # noqa: BLE001 - reported, not swallowed
        crashed = True
        tb = traceback.format_exc(limit=-3)
        results = [
            result(cid, spec.method, "inconclusive",
                   {"error": f"{type(exc).__name__}: {exc}", "traceback": tb},
                   summary=f"check crashed: {type(exc).__name__}: {exc}"[:160])
            for cid in spec.claims
        ]
    seconds = seconds_before + time.perf_counter() - start
    for r in results:
        r.seconds = r.seconds or seconds / len(results)
        if spec.method == "empirical":  # where it trained; kept when a later report reuses it
            r.device = r.device or ctx.device
    if cache is not None and not crashed:  # a crash is recomputed next time, never reused
        payload = {"version": __version__, "seed": ctx.seed, "profile": ctx.profile, "results": [r.to_json() for r in results]}
        write_json(cache, payload, indent=1)
    return results


class PartFailed(RuntimeError):
    """A part of a split check raised in its worker (its error, by type and message)."""


def run_checks(
    specs: Iterable[CheckSpec],
    ctx: CheckContext,
    *,
    reuse: bool = False,
    on_start: Callable[[CheckSpec], None] | None = None,
    on_done: Callable[[CheckSpec, list[ClaimResult]], None] | None = None,
    workers: int = 1,
    backend: str = "local",
    address: str = "auto",
) -> list[ClaimResult]:
    """Run (or reuse) every check; the results in registry order, whatever order they finish in.

    With ``workers`` > 1 (or ``backend="ray"``) every check that must be computed is a job of a
    process pool (joblib's loky, ``workers`` processes) or of a Ray cluster (``address``, see
    :mod:`.executors`), each check whole in one process, as it would run here: each seeds all its
    draws, sets its own torch threads and writes only its own files (cache and data), so its
    results do not depend on what runs beside it. A check with ``parts`` (T13) is split: each part
    is a job, and its ``combine`` runs here once all of them are back (the numbers of the whole
    check run in one process: each part seeds its own runs). Jobs are handed out longest first:
    the parts by their cost, then the other empirical checks, then the symbolic and exact ones.
    ``on_start`` is called when a check is handed out (it may wait for a free process)."""
    specs = list(specs)
    got: list[list[ClaimResult] | None] = [_load_cached(_cache_path(ctx, s), ctx) if reuse else None for s in specs]
    todo = [i for i, s in enumerate(specs) if got[i] is None]
    split = any(specs[i].parts for i in todo)
    pooled = todo if (backend == "ray" and todo) or (workers > 1 and (len(todo) >= 2 or split)) else []
    for i, spec in enumerate(specs):
        if i in pooled:
            continue
        if on_start:
            on_start(spec)
        if got[i] is None:
            got[i] = run_check(spec, ctx)
        if on_done:
            on_done(spec, got[i])
    if pooled:
        _run_pooled(specs, pooled, got, ctx, on_start, on_done, workers, backend, address)
    return [r for res in got for r in res or []]


def _run_pooled(specs, pooled, got, ctx, on_start, on_done, workers, backend, address) -> None:
    from .executors import run_unordered

    jobs: list[tuple[int, str | None, float, Any]] = []   # (check, part key or None, cost, job)
    waiting: dict[int, dict[str, Any]] = {}
    for i in pooled:
        parts = _parts_of(specs[i], ctx)
        if not parts:                                   # not split (or nothing to split): whole
            jobs.append((i, None, 0.0, None))
        elif isinstance(parts, Exception):
            if on_start:
                on_start(specs[i])
            got[i] = run_check(specs[i], ctx, compute=_raiser(parts))
            if on_done:
                on_done(specs[i], got[i])
        else:
            waiting[i] = {}
            jobs += [(i, key, float(cost), job) for key, cost, job in parts]
    jobs.sort(key=lambda j: (j[1] is None, specs[j[0]].method != "empirical", -j[2]))
    if on_start:
        for i in dict.fromkeys(j[0] for j in jobs):    # each check once, in the order it is handed out
            on_start(specs[i])
    need = {i: sum(1 for j in jobs if j[0] == i) for i in waiting}
    for i, key, out in run_unordered(_job, [(i, key, specs[i], ctx, job) for i, key, _, job in jobs],
                                     workers=workers, backend=backend, address=address, device=ctx.device):
        if key is None:
            got[i] = out
        else:
            waiting[i][key] = out
            if len(waiting[i]) < need[i]:
                continue
            got[i] = _combine(specs[i], ctx, waiting.pop(i))
        if on_done:
            on_done(specs[i], got[i])


def _parts_of(spec: CheckSpec, ctx: CheckContext) -> list | Exception | None:
    if spec.parts is None or spec.combine is None:
        return None
    try:
        return list(resolve(spec.parts)(ctx))
    except Exception as exc:  # noqa: BLE001 - the check is reported as crashed, with this error
        return exc


def _raiser(exc: Exception) -> Callable[[], list[ClaimResult]]:
    def compute() -> list[ClaimResult]:
        raise exc
    return compute


def _combine(spec: CheckSpec, ctx: CheckContext, outputs: dict[str, tuple[Any, float, str | None]]) -> list[ClaimResult]:
    """The combine step of a split check, once every part is back; a part that raised makes the
    check crash (inconclusive, with that part's error)."""
    seconds = sum(s for _, s, _ in outputs.values())
    failed = [f"part {key}: {err}" for key, (_, _, err) in sorted(outputs.items()) if err]
    if failed:
        return run_check(spec, ctx, compute=_raiser(PartFailed("; ".join(failed))), seconds_before=seconds)
    values = {key: out for key, (out, _, _) in outputs.items()}
    return run_check(spec, ctx, compute=lambda: resolve(spec.combine)(ctx, values), seconds_before=seconds)


def _job(i: int, key: str | None, spec: CheckSpec, ctx: CheckContext, job: Any) -> tuple[int, str | None, Any]:
    """One job in a worker: a whole check (``job`` None) -> its results; a part -> (its output,
    its seconds, its error as text or None). Never raises for the job's own errors."""
    if job is None:
        return i, None, run_check(spec, ctx)
    start = time.perf_counter()
    try:
        return i, key, (job(), time.perf_counter() - start, None)
    except Exception as exc:  # noqa: BLE001 - handed to the combine step, which reports it
        return i, key, (None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
