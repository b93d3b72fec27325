"""An experiment split into independent parts that a process pool (or a Ray cluster) can run side
by side, and a combine step that turns their outputs into the experiment's result.

A :class:`Part` names a module-level function by ``"module:function"`` and the keyword arguments it
is called with, so it pickles as plain data and runs the same in any process. Every part seeds its
own draws from its arguments (each training run from its config's seed, :func:`models.run.build_model`
and the engine's per-run generators), so its output does not depend on where, when or beside what it
runs: ``combine(outputs)`` equals the sequential run (``run_here``) number for number (the tests
compare them bit for bit on a tiny profile).

``cost`` is a rough relative size (training steps x runs x a per-architecture factor) used only to
hand the longest parts out first; it never changes a number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from infgrad.lazy import resolve

__all__ = ["Part", "run_here"]


@dataclass(frozen=True)
class Part:
    key: str                 # unique within its experiment; the combine step reads outputs by it
    cost: float              # relative size, for ordering only
    target: str              # "package.module:function"
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> Any:
        """The part's output: ``target(**kwargs)``, with its wall time added as ``"seconds"``
        when the output is a dict without one."""
        start = time.perf_counter()
        out = resolve(self.target)(**self.kwargs)
        if isinstance(out, dict):
            out.setdefault("seconds", time.perf_counter() - start)
        return out


def run_here(parts: Sequence[Part]) -> dict[str, Any]:
    """Every part in this process, in order: ``{key: output}``."""
    return {p.key: p() for p in parts}
