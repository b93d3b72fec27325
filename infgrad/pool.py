"""Independent CPU-bound tasks of one check, spread over the machine's cores.

:func:`pmap` runs ``fn(*args)`` for each argument tuple in joblib's process pool (loky, which ships
with scikit-learn) and returns the results in order. Every task must be a pure function of its
arguments (its random draws made before, or seeded from its arguments), so the results equal those
of the plain loop whatever the number of workers; the tests compare the two. Workers: the cores
this process may use (``os.sched_getaffinity``), at most one per task; with one, no pool is started.
joblib caps the BLAS threads of each worker so that workers x threads stays within the cores.

Used by the checks whose time is CPU-bound on any machine: T17's 1000 MM instances and the L-BFGS
starts of T3/T4 (on the GPU machine's 16 cores they would otherwise dominate the full profile).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def pmap(fn: Callable[..., T], args: Iterable[Sequence[Any]], workers: int | None = None) -> list[T]:
    """``[fn(*a) for a in args]``, computed by up to ``workers`` processes (default: the usable
    cores). ``fn`` must be importable by name (a module-level function)."""
    tasks = [tuple(a) for a in args]
    n = min(usable_cores() if workers is None else workers, len(tasks))
    if n <= 1:
        return [fn(*a) for a in tasks]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n, backend="loky")(delayed(fn)(*a) for a in tasks))


def chunks(items: Sequence[T], parts: int) -> list[list[T]]:
    """``items`` in ``parts`` contiguous runs of near-equal length (none empty), in order."""
    if not items:
        return []
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for k in range(parts):
        stop = start + size + (k < extra)
        out.append(list(items[start:stop]))
        start = stop
    return out
