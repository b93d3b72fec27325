"""Memory a training request needs, estimated from its sizes before anything is allocated.

An estimate, deliberately generous (factors noted inline), compared with a limit: by default half
of the memory available when the command starts (``MemAvailable`` in ``/proc/meminfo``), or the
user's ``--max-memory``. A request above the limit is refused with the need and the limit, so
``--hidden 100000000,100000000`` or ``--n 10**12`` never reach the allocator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from infgrad.params import format_bytes

DEFAULT_FRACTION = 0.5          # of the memory available at start: leaves room for the OS and others
HISTORY_BYTES_PER_LOG = 15 * 40  # 15 history keys, a Python float in a list ~ 32-40 bytes
CONV_PARAMS = 544 + 32832 + 3136 + 32800 + 513   # the conv pair's layers without the kappa-sized terms
CONV_ACTIVATIONS = 3 * (32 * 14 * 14 + 64 * 7 * 7)                      # per sample, both sides


class MemoryLimitExceeded(ValueError):
    """The estimate is above the limit (the CLI: exit 2, one line with the need and the limit)."""


def proc_bytes(path: str, key: str) -> int | None:
    """The ``key:`` line of a ``/proc`` file given in kB (``MemAvailable`` of ``/proc/meminfo``,
    ``VmSize`` of ``/proc/self/status``), in bytes; None where the file or the line is absent."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_bytes() -> int:
    """``MemAvailable`` from ``/proc/meminfo``; elsewhere the physical memory from ``sysconf``."""
    found = proc_bytes("/proc/meminfo", "MemAvailable")
    return found if found is not None else os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_limit() -> int:
    return int(DEFAULT_FRACTION * available_bytes())


def limit_text(limit: int | None) -> tuple[int, str]:
    """The limit in bytes and how it was set, for messages."""
    if limit is None:
        return default_limit(), f"half of the {format_bytes(available_bytes())} available; raise it with --max-memory"
    return limit, "--max-memory"


@dataclass(frozen=True)
class Estimate:
    """Bytes by component; ``total`` is what is compared with the limit."""

    parts: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.parts.values())

    def on_device(self) -> "Estimate":
        """The parts a CUDA run keeps on the GPU (everything but the history, which stays on the host)."""
        return Estimate({k: v for k, v in self.parts.items() if k != "history"})

    def check(self, limit: int | None, *, how: str | None = None, what: str = "the request") -> None:
        """:class:`MemoryLimitExceeded` when ``total`` exceeds ``limit`` (None: the default limit);
        ``how`` says where a given limit came from (default: --max-memory), ``what`` names the need."""
        cap, said = limit_text(limit)
        how = how or said
        if self.total > cap:
            biggest = ", ".join(f"{k} {format_bytes(v)}" for k, v in
                                sorted(self.parts.items(), key=lambda kv: -kv[1])[:3])
            raise MemoryLimitExceeded(f"{what} needs about {format_bytes(self.total)} of memory ({biggest}) "
                                      f"but the limit is {format_bytes(cap)} ({how})")


def pack_estimate(runs: list[Estimate]) -> Estimate:
    """Memory of runs trained as ONE pack (``models.engine.Pack``): every part summed over the runs,
    since the pack holds every run's data, parameters, Adam moments, history and stacked step
    activations at once (generous for the metrics, which it computes a chunk of runs at a time)."""
    return Estimate({k: sum(r.parts[k] for r in runs) for k in runs[0].parts})


def parameter_count(d: int, kappa: int, arch: str, hidden: tuple[int, ...]) -> int:
    """Weights and biases of ``GaussianVAE(d, kappa, arch, hidden)`` (models.vae) plus log gamma,
    exactly (a test compares it with ``count_parameters`` for every architecture)."""
    if arch == "linear":
        return (d + 1) * 2 * kappa + (kappa + 1) * d + 1
    if arch == "conv":
        return CONV_PARAMS + (3 * 64 * 49 + 2) * kappa + 1
    enc = [d, *hidden, 2 * kappa]
    dec = [kappa, *reversed(hidden), d]
    return sum((a + 1) * b for sizes in (enc, dec) for a, b in zip(sizes, sizes[1:])) + 1  # + log gamma


def training_estimate(*, n: int, d: int, kappa: int, arch: str, hidden: tuple[int, ...], batch_size: int,
                      eval_samples: int, steps: int, log_every: int, dtype_bytes: int,
                      synthetic_width: int = 0, mmd_samples: int = 256) -> Estimate:
    """Memory of ``models.trainer.train`` for n samples of dimension d.

    data: the float32 array plus the torch copy (``dtype_bytes`` each), plus ``synthetic_width``
    float64 columns per sample while synthetic data are drawn (x3: draws, product, noise).
    parameters: weights, gradients, two Adam moments, the rollback snapshot and a checkpoint copy (x6).
    activations: every layer's output for the largest pass (the batch, the log-point metrics, or
    the final metrics on all n samples), x3 for the backward pass of the gradient-norm metric.
    mmd: the m x m distance and kernel matrices of the MMD at log points (m = mmd_samples, at most
    n) and at the end (m = 1000, models.trainer.FINAL_MMD_SAMPLES), x3 (distances, kernel, a copy).
    history: one record per log point.
    """
    p = parameter_count(d, kappa, arch, hidden)
    per_sample = (CONV_ACTIVATIONS + 2 * d + 4 * kappa if arch == "conv" else
                  2 * sum(hidden if arch == "mlp" else ()) + 2 * d + 4 * kappa)
    rows = max(batch_size, min(n, eval_samples), n)
    return Estimate({
        "data": float(n) * d * (4 + dtype_bytes) + 3.0 * n * synthetic_width * 8,
        "parameters": 6.0 * p * dtype_bytes,
        "activations": 3.0 * rows * per_sample * dtype_bytes,
        "history": float(steps // max(log_every, 1) + 1) * HISTORY_BYTES_PER_LOG,
        "mmd": 3.0 * max(min(mmd_samples, n), min(1000, n)) ** 2 * dtype_bytes,
    })


__all__ = ["Estimate", "MemoryLimitExceeded", "training_estimate", "pack_estimate", "parameter_count", "available_bytes",
           "default_limit", "DEFAULT_FRACTION"]
