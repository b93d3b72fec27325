"""The limits infgrad's trainer is measured against, written as plain bare loops (no infgrad code
but the ``GaussianVAE`` module and its energy (3)).

- ``graph_step_loop``: one run, the whole step (batch indices, noise, energy (3), backward, fused
  capturable Adam) captured in one CUDA graph and replayed: the launch-free limit of one model.
  CUDA only (None on the CPU, where the bare eager loop of ``benchmarks.trainer`` is the limit).
- ``bare_pack_loop``: M models of one shape as one computation with ``torch.func``
  (``stack_module_state`` + ``vmap`` over ``functional_call``) and one fused Adam over the stacked
  parameters (one lr for all), each model on its own batch of the same data; captured in a CUDA
  graph on CUDA, eager on the CPU.

Both return the wall and CPU seconds (:class:`Seconds`) of ``steps`` steps (the capture and
warm-up excluded).
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator, NamedTuple

import torch
from torch import nn

from infgrad.models.config import TrainConfig
from infgrad.models.vae import GaussianVAE

WARMUP = 3


def _sync(device) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _graphed(step: Callable[[], None]) -> Callable[[], None]:
    """Warm ``step`` up on a side stream, capture it, and return the graph's replay."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(WARMUP):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph.replay


class Seconds(NamedTuple):
    """A timed section's wall seconds and this process's CPU seconds (``time.process_time``)."""

    wall: float
    cpu: float


@contextlib.contextmanager
def clock(device) -> Iterator[list[Seconds]]:
    """Times the block (device synchronised at both ends); the list holds its :class:`Seconds` after."""
    out: list[Seconds] = []
    _sync(device)
    w0, c0 = time.perf_counter(), time.process_time()
    yield out
    _sync(device)
    out.append(Seconds(time.perf_counter() - w0, time.process_time() - c0))


def _timed(step: Callable[[], None], steps: int, device) -> Seconds:
    with clock(device) as t:
        for _ in range(steps):
            step()
    return t[0]


def graph_step_loop(cfg: TrainConfig, X: torch.Tensor) -> Seconds | None:
    """Seconds for ``cfg.steps`` replays of one graph-captured step; None off CUDA."""
    if X.device.type != "cuda":
        return None
    torch.manual_seed(cfg.seed)
    model = GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden).to(X.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=True, capturable=True)
    n, B = X.shape[0], cfg.batch_size

    def step() -> None:
        idx = torch.randint(n, (B,), device=X.device)
        eps = torch.randn(B, cfg.kappa, device=X.device)
        loss = model.energy(X[idx], 1.0, eps).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)

    opt.zero_grad(set_to_none=True)
    return _timed(_graphed(step), cfg.steps, X.device)


class _Energy(nn.Module):
    """``forward`` = the batch mean of Eq. (3), so ``functional_call`` can reach it."""

    def __init__(self, vae: GaussianVAE) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        return self.vae.energy(x, 1.0, eps).mean()


def bare_pack_loop(cfg: TrainConfig, X: torch.Tensor, runs: int) -> Seconds:
    """Seconds for ``cfg.steps`` steps of ``runs`` models trained as one vmapped computation."""
    from torch.func import functional_call, stack_module_state, vmap

    torch.manual_seed(cfg.seed)
    nets = [_Energy(GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden)).to(X.device) for _ in range(runs)]
    params, buffers = stack_module_state(nets)
    base = _Energy(GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden)).to("meta")
    cuda = X.device.type == "cuda"
    opt = torch.optim.Adam(list(params.values()), lr=cfg.lr, fused=True, capturable=cuda)
    losses = vmap(lambda p, b, x, e: functional_call(base, (p, b), (x, e)))
    n, B = X.shape[0], cfg.batch_size

    def step() -> None:
        idx = torch.randint(n, (runs, B), device=X.device)
        eps = torch.randn(runs, B, cfg.kappa, device=X.device)
        losses(params, buffers, X[idx], eps).sum().backward()     # run i's loss moves run i only
        opt.step()
        opt.zero_grad(set_to_none=False)

    if cuda:
        opt.zero_grad(set_to_none=True)
        return _timed(_graphed(step), cfg.steps, X.device)
    for _ in range(WARMUP):
        step()
    return _timed(step, cfg.steps, X.device)
