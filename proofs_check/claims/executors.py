"""Where the report's jobs run: ``local`` (joblib's loky process pool on this machine) or ``ray``
(one Ray task per job on a Ray cluster, as ``infgrad sweep --backend ray`` runs its cells).

:func:`run_unordered` yields each job's result as soon as it is back, in the order they finish.
The jobs are handed out in the order given (the registry puts the longest first). Ray's start-up
and refusal (``--address auto | HOST:PORT | local``; without Ray installed, exit 2 naming
``pip install 'infgrad[ray]'``) are the sweep's (:func:`proofs_check.sweep.backends.ray_session`).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, Callable, ContextManager, Iterator, Sequence

BACKENDS = ("local", "ray")


def session(backend: str, address: str = "auto") -> ContextManager[Any]:
    """Hold a Ray runtime for a whole report (``ray``): each batch of checks uses it instead of
    starting its own. BadInput (exit 2) before any work when Ray is missing or unreachable."""
    if backend != "ray":
        return nullcontext()
    from ..sweep.backends import ray_session

    return ray_session(address)


def run_unordered(fn: Callable[..., Any], args: Sequence[Sequence[Any]], *, workers: int, backend: str = "local",
                  address: str = "auto", device: str = "cpu") -> Iterator[Any]:
    """``fn(*a)`` for each ``a`` in ``args``, yielded as each finishes (``fn`` importable by name)."""
    args = [tuple(a) for a in args]
    if not args:
        return
    if backend == "ray":
        yield from _ray(fn, args, address, device)
        return
    if backend != "local":
        raise ValueError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    from joblib import Parallel, delayed

    yield from Parallel(n_jobs=max(1, min(workers, len(args))), backend="loky", return_as="generator_unordered")(
        delayed(fn)(*a) for a in args)


def _ray(fn: Callable[..., Any], args: list[tuple], address: str, device: str) -> Iterator[Any]:
    from infgrad.errors import BadInput

    from ..sweep.backends import RAY_RETRIES, ray_session

    with ray_session(address) as ray:
        need = {"num_gpus": 1, "num_cpus": 1} if device == "cuda" else {"num_cpus": 1}
        task = ray.remote(max_retries=RAY_RETRIES, **need)(fn)
        waiting = [task.remote(*a) for a in args]
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                try:
                    out = ray.get(ref)
                except ray.exceptions.RayError as exc:   # a worker or node lost after the retries
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
                    raise BadInput(f"the Ray cluster lost a job after {RAY_RETRIES} retries ({first}); the "
                                   f"finished checks are saved in --out: run the same command again "
                                   f"without --fresh") from None
                yield out
