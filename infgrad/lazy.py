"""The one lazy name table: a name maps to ``"package.module"`` or ``"package.module:attribute"``,
imported on first use, so that listing what exists never imports torch or sympy.

Used by the public API (``infgrad.__getattr__``), the claims registry, the experiments and the
figures."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def resolve(target: str) -> Any:
    """The module ``"a.b"`` or the attribute ``"a.b:name"``, imported now."""
    module, _, attr = target.partition(":")
    loaded = import_module(module)
    return getattr(loaded, attr) if attr else loaded
