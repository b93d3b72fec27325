"""Where a sweep's cells run: ``local`` (joblib's process pool on this machine) or ``ray`` (one Ray
task per cell on a Ray cluster). Both call :func:`sweep.cell.run_cell` with one torch thread and
hand each finished cell to ``on_done`` as soon as it finishes, so the caller stores it at once.

- ``local``: on the CPU one worker per usable core (at most one per cell); on CUDA one worker (the
  GPU is the shared resource, and a pack already fills it).
- ``ray``: Ray is imported only here (the optional extra ``infgrad[ray]``). ``address`` is ``auto``
  (the cluster this machine belongs to, as ``ray start`` set it up), ``HOST:PORT``, or ``local``
  (start a runtime on this machine with its usable cores). A runtime already initialised in this
  process (``ray.init`` called by the caller, as the tests do) is used as it is. Each cell asks for
  one GPU on CUDA, else one CPU; Ray retries a task whose worker or node died (``max_retries``).

Each cell is checkpointed in ``partial/<hash>/`` (``sweep.cell.run_cell``): a killed local sweep,
or a Ray task retried on a node that sees the same folder (``--out`` on a shared file system),
continues the cell from its last checkpoint; a retry on a node that does not see it starts the cell
from its first step.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from infgrad.errors import BadInput
from infgrad.pool import usable_cores

from .cell import run_cell

__all__ = ["run_local", "run_ray", "ray_session", "BACKENDS", "RAY_RETRIES"]

BACKENDS = ("local", "ray")
RAY_RETRIES = 3
INSTALL_RAY = "the ray backend needs Ray, which is not installed: pip install 'infgrad[ray]'"


def _partial(partial: str | None, cell: dict) -> str | None:
    return None if partial is None else str(Path(partial).resolve() / cell["hash"])


def run_local(cells: Sequence[dict], on_done: Callable[[dict], None], device: str,
              partial: str | None = None) -> None:
    workers = 1 if device == "cuda" else min(usable_cores(), len(cells))
    if workers <= 1:
        for cell in cells:
            on_done(run_cell(cell, 1, _partial(partial, cell)))
        return
    from joblib import Parallel, delayed

    for result in Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")(
            delayed(run_cell)(cell, 1, _partial(partial, cell)) for cell in cells):
        on_done(result)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise BadInput(INSTALL_RAY) from None
    return ray


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse a ``HOST:PORT`` nothing listens on at once (Ray itself would retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if address in ("auto", "local") or not sep:
        return
    import socket

    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot reach a Ray cluster at --address {address}: {exc}") from None


@contextmanager
def ray_session(address: str) -> Iterator[Any]:
    """The ``ray`` module with a runtime for the block: one already initialised in this process is
    used as it is; else one is started at ``address`` (``auto``, ``HOST:PORT`` or ``local``) and shut
    down afterwards. BadInput (exit 2) when Ray is not installed or the cluster cannot be reached.
    The report's ``--backend ray`` starts its runtime here too."""
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        _reachable(address)
        kw = {"num_cpus": usable_cores()} if address == "local" else {"address": address}
        try:
            ray.init(**kw, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise BadInput(f"cannot reach a Ray cluster at --address {address}: {exc}") from None
        started = True
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def run_ray(cells: Sequence[dict], on_done: Callable[[dict], None], device: str, address: str,
            partial: str | None = None) -> None:
    with ray_session(address) as ray:
        need = {"num_gpus": 1, "num_cpus": 1} if device == "cuda" else {"num_cpus": 1}
        task = ray.remote(max_retries=RAY_RETRIES, **need)(run_cell)
        waiting = [task.remote(cell, 1, _partial(partial, cell)) for cell in cells]
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    if isinstance(exc, FloatingPointError):     # a run diverged: the caller says so
                        raise
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
                    raise BadInput(f"the Ray cluster lost a cell after {RAY_RETRIES} retries ({first}); the "
                                   f"finished cells are kept: run the same command again") from None
                on_done(result)
