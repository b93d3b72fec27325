"""The torch CPU thread policy of every entry point (``--threads auto`` and its Python equivalent)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

# torch CPU threads. On the shared 2-core CPU (issue 10) 2 intra-op threads on busy cores made the
# same benchmark run take 3 s to 78 s from repeat to repeat (threads spin-waiting for a busy core);
# 1 thread cannot be hit that way, and a pack spends its arithmetic in large batched matmuls that one
# thread runs near peak. So: 1 thread unless at least 2 cores are idle and a step carries enough
# arithmetic to share (parameters x batch >= LARGE_STEP_WORK: the large benchmark model, 784-512-512
# batch 256, has ~3e8; the small one, 20-128-128 batch 100, ~4e6). benchmarks/results/cpu.md has the
# 1-thread against 2-thread numbers of this machine.
LARGE_STEP_WORK = 50_000_000


def resolve_threads(requested: str | int, device: str, step_work: int = 0, *, cpus: int | None = None,
                    load: float | None = None) -> int:
    """The torch CPU thread count for ``--threads`` (``"auto"`` or an integer >= 1).

    ``auto``: 1 on CUDA (the CPU only launches kernels) and on a busy CPU; on the CPU with at least
    two idle cores (cores minus the 1-minute load average) and ``step_work`` (parameters x batch
    size x runs in a pack) >= ``LARGE_STEP_WORK``, the idle cores. ``cpus`` and ``load`` default to
    ``os.cpu_count()`` and ``os.getloadavg()[0]``. Raises ``ValueError`` on anything else.
    """
    if requested != "auto":
        try:
            n = int(requested)
        except (TypeError, ValueError):
            n = 0
        if isinstance(requested, bool) or n < 1 or str(n) != str(requested).strip():
            raise ValueError(f"threads must be 'auto' or an integer >= 1; got {requested!r}")
        return n
    if device == "cuda":
        return 1
    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    load = os.getloadavg()[0] if load is None else load
    idle = int(cpus - load)
    return min(idle, cpus) if idle >= 2 and step_work >= LARGE_STEP_WORK else 1


@contextmanager
def torch_threads(requested: str | int, device: str, step_work: int = 0) -> Iterator[int]:
    """Run the block with :func:`resolve_threads` torch CPU threads, then restore the previous count.

    What ``infgrad train --threads`` does for the command, for the Python entry points
    (``infgrad.train``, ``infgrad.train_pack``): without it a notebook trains with torch's default,
    one thread per core, which on a loaded machine oversubscribes the cores.
    """
    import torch

    n = resolve_threads(requested, device, step_work)
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)
