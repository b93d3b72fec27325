"""One optimisation step of a pack captured in a CUDA graph and replayed between log points.

What the graph holds (``Pack._indexed_step``): the step counter ``t`` selects this step's batch
indices, noise and per-run learning rates from the window's buffers (filled before the window from
each run's generator, outside the graph), then the batch gather, energy (3), backward, the flat Adam
(with damping) and the loss sum, then ``t += 1``. Every tensor it touches is allocated once by the
pack and only ever updated in place (rollback, resume and snapshots copy into them), so the captured
addresses stay valid for the pack's life. Metrics, the finiteness check and checkpoints run outside
the graph, once per window.

Capture follows the recipe of the torch documentation (CUDA Graphs, whole-network capture): a few
warm-up steps on a side stream, then capture; the warm-up steps change the state, so it is saved
before and put back after.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional, Protocol

import torch

WARMUP_STEPS = 3


class Pack(Protocol):
    """What capture needs of a pack (``models.engine.Pack`` has it): the graph module names it
    this way instead of importing the engine, which imports this module."""

    device: torch.device
    total: torch.Tensor
    t: torch.Tensor
    graph: bool
    graph_error: Optional[str]
    _graphed: Optional[torch.cuda.CUDAGraph]

    def tensors(self) -> dict[str, torch.Tensor]: ...

    def _indexed_step(self) -> None: ...


@contextmanager
def state_kept(pack: Pack) -> Iterator[None]:
    """Put back, when the block ends, every tensor that a step of ``pack`` changes: its parameters
    and optimiser state (``pack.tensors()``), its loss sum and its window step counter."""
    state = [*pack.tensors().values(), pack.total, pack.t]   # a list: the pack's t and Adam's t share a name
    saved = [v.clone() for v in state]
    try:
        yield
    finally:
        if pack.device.type == "cuda":
            torch.cuda.synchronize()
        with torch.no_grad():
            for v, s in zip(state, saved):
                v.copy_(s)


def capture(pack: Pack) -> torch.cuda.CUDAGraph:
    """Capture ``pack._indexed_step`` (the window buffers must already hold valid draws)."""
    with state_kept(pack):
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARMUP_STEPS):
                pack.t.zero_()
                pack._indexed_step()
        torch.cuda.current_stream().wait_stream(side)
        pack.t.zero_()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            pack._indexed_step()
    return graph


def graphed_window(pack: Pack, k: int) -> None:
    """k steps of every run of ``pack`` by replaying its captured step (captured on first use).

    Should the capture fail (an operation that a future torch refuses to capture), the pack goes
    on eagerly with the same step and the same draws, with a warning and the reason kept in
    ``pack.graph_error``; the gpu tests assert that the capture happened.
    """
    if pack._graphed is None:
        try:
            pack._graphed = capture(pack)
        except RuntimeError as exc:
            pack.graph, pack.graph_error = False, f"{type(exc).__name__}: {exc}"
            warnings.warn(f"CUDA graph capture failed, training eagerly: {pack.graph_error}", RuntimeWarning)
            for _ in range(k):
                pack._indexed_step()
            return
    for _ in range(k):
        pack._graphed.replay()
