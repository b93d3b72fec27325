"""Test helpers: edits of a Theorem 4 certificate that the checker must reject (moved here from
production code). ``leaves`` lists every field; ``mutate`` changes one so that it becomes false."""

from __future__ import annotations

import copy
import re
from fractions import Fraction
from typing import Any

RATIONAL = re.compile(r"-?[0-9]+(/[0-9]+)?")
OTHER = {
    "verdict": {"strict": "tie", "tie": "strict", "no-minimiser": "strict", "undecided": "strict"},
    "family": {"fixed-scale": "lipschitz", "lipschitz": "fixed-scale"},
}


def leaves(obj: Any, path: tuple = (), per_list: int = 3) -> list[tuple]:
    """Every leaf path (the first ``per_list`` items of long lists, and the last one)."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in leaves(v, path + (k,), per_list)]
    if isinstance(obj, list):
        idx = sorted(set(range(min(per_list, len(obj)))) | ({len(obj) - 1} if obj else set()))
        return [p for i in idx for p in leaves(obj[i], path + (i,), per_list)]
    return [path]


def get(obj: Any, path: tuple) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def tamper(cert: dict[str, Any], path: tuple) -> dict[str, Any]:
    """A copy of ``cert`` with the leaf at ``path`` changed so that the certificate becomes false."""
    bad = copy.deepcopy(cert)
    parent, key = get(bad, path[:-1]), path[-1]
    value = parent[key]
    name = next((k for k in reversed(path) if isinstance(k, str)), "")
    if name in OTHER:
        parent[key] = OTHER[name][value]
    elif name in ("h", "g") and path[0] == "penalties":
        parent[key] = "log(u)"  # not finite at 0: no certificate may stand on it
    elif name == "box" and value is None:
        parent[key] = "0"  # a half-line box cut at 0 leaves a gap
    elif name == "box" and isinstance(value, str):
        parent[key] = _shift(value, Fraction(1, 997) if key == 1 else Fraction(-1, 997))  # open a gap
    elif name == "sequence" or (path[0] == "sequence"):
        bad["sequence"] = {"decoder": "D_dense", "row": 10**6}
    elif isinstance(value, bool) or value is None:
        parent[key] = "1"
    elif isinstance(value, int):
        parent[key] = value + 1
    elif isinstance(value, str) and RATIONAL.fullmatch(value):
        parent[key] = _shift(value, Fraction(1, 997))
    elif isinstance(value, str):
        parent[key] = value + "!"
    return bad


def _shift(text: str, by: Fraction) -> str:
    x = Fraction(text) + by
    return f"{x.numerator}/{x.denominator}"


def forge_x(cert: dict[str, Any]) -> dict[str, Any]:
    """One rational of X changed by 1/1000."""
    return tamper(cert, ("X", "entries", 0, 2))
