"""Test helpers: edits of a Theorem 4 certificate that the checker must reject (moved here from
production code). ``leaves`` lists every field; ``mutate`` changes one so that it becomes false."""

from __future__ import annotations

import copy
import functools
import json
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


def nodes(obj: Any, path: tuple = (), per_list: int = 4) -> list[tuple]:
    """Every node's path: the root, every object, list and leaf (of a long list the first
    ``per_list`` items, the middle one and the last)."""
    if isinstance(obj, dict):
        return [path] + [p for k, v in obj.items() for p in nodes(v, path + (k,), per_list)]
    if isinstance(obj, list):
        idx = sorted({*range(min(per_list, len(obj))), len(obj) // 2, len(obj) - 1}) if obj else []
        return [path] + [p for i in idx for p in nodes(obj[i], path + (i,), per_list)]
    return [path]


# (h, g, d, kappa, r, family) of genuine certificates several tests start from
SMALL = ("u", "u", 3, 2, 1, "lipschitz")
FIXED_SCALE = ("atan(3*u)", "u", 6, 4, 2, "fixed-scale")
ADDED_ROW = ("-atan(u)", "u", 6, 4, 2, "fixed-scale")   # the competitor: the witness plus a row D_sparse ignores


@functools.lru_cache(maxsize=None)
def genuine_text(spec: tuple) -> str:
    """The JSON text of the certificate the generator builds for ``spec`` = (h, g, d, kappa, r, family)."""
    from infgrad.proofs_check.theorem4.generate.build import build

    h, g, d, kappa, r, family = spec
    return json.dumps(build(h, g, d=d, kappa=kappa, r=r, family=family)[0])


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


def lattice_forgeries(cert: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Forged copies of a Theta_Lip certificate with an implicit lattice (X = L^(r-1) x the k^2 listed points of
    axes r-1, r): each changes what the kernel must check on the factors, and each must be rejected."""
    r, k = cert["dims"]["r"], cert["lattice"]["k"]
    out: dict[str, dict[str, Any]] = {}

    def edit(name: str, change) -> None:
        bad = copy.deepcopy(cert)
        change(bad)
        out[name] = bad

    snake = lambda c: c["decoders"]["D_snake"]["pieces"]  # noqa: E731
    lat = lambda **kw: lambda c: c["lattice"].update(kw)  # noqa: E731
    dims = lambda **kw: lambda c: c["dims"].update(kw)  # noqa: E731
    edit("k + 1", lat(k=k + 1))
    edit("k + 1 with n = (k + 1)^(r+1)", lambda c: (lat(k=k + 1)(c), dims(n=(k + 1) ** (r + 1))(c)))
    edit("k - 1 with n = (k - 1)^(r+1)", lambda c: (lat(k=k - 1)(c), dims(n=(k - 1) ** (r + 1))(c)))
    s = cert["lattice"]["spacing"]
    edit("spacing doubled", lat(spacing=_shift(s, Fraction(s))))
    edit("spacing + 1/997", lat(spacing=_shift(s, Fraction(1, 997))))
    edit("r + 1 with n = k^(r+2)", dims(r=r + 1, n=k ** (r + 2)))
    edit("r - 1 with n = k^r", dims(r=r - 1, n=k ** r))
    edit("n too large for the claimed U: n = k^(r+2)", dims(n=k ** (r + 2)))
    edit("n + 1", dims(n=cert["dims"]["n"] + 1))
    if "bound" in cert:  # not in a dip certificate (its competitor dominates; no bound is needed)
        edit("M above the packing bound of n", lambda c: c["bound"].update(M=_shift(c["bound"]["M"],
                                                                                     Fraction(c["bound"]["M"]) / 100)))
    edit("a snake point off by 1/997", lambda c: _shift_entry(c["witness"]["Z"]["entries"][k + 1], Fraction(1, 997)))
    edit("two snake codes swapped", lambda c: _swap(c["witness"]["Z"]["entries"], 0, -1))
    edit("a listed point off by 1/997", lambda c: _shift_entry(c["X"]["entries"][3], Fraction(1, 997)))
    edit("a listed point twice, one missing",
         lambda c: c["X"]["entries"].__setitem__(0, [0, c["X"]["entries"][0][1], c["X"]["entries"][2][2]]))
    edit("a snake piece of norm 2", lambda c: _scale_entry(snake(c)[1]["A"]["entries"], r - 1, 2))
    if r >= 2:
        edit("an identity-block entry halved in every piece (continuous, norm <= 1, exact on the listed factor)",
             lambda c: [_scale_entry(p["A"]["entries"], 0, Fraction(1, 2)) for p in snake(c)])
        edit("an identity-block entry doubled (norm 2 understated as 1)",
             lambda c: _scale_entry(snake(c)[0]["A"]["entries"], 0, 2))
        edit("the snake reads an implicit axis", lambda c: snake(c)[1]["A"]["entries"].append([r, 0, "1/1000"]))
        edit("a box on an implicit axis", lambda c: snake(c)[0]["box"].append([0, None, "0"]))
        edit("the witness lists an implicit latent axis", lambda c: c["witness"]["Z"]["entries"].append([0, 0, "1"]))
        edit("a listed point on an implicit data axis", lambda c: c["X"]["entries"].append([0, 0, "1"]))
    return out


def _swap(entries: list, a: int, b: int) -> None:
    entries[a][2], entries[b][2] = entries[b][2], entries[a][2]


def _shift_entry(entry: list, by: Fraction) -> None:
    entry[2] = _shift(entry[2], by)


def _scale_entry(entries: list, i: int, by: Any) -> None:
    at = next(e for e in entries if e[0] == i)
    at[2] = _shift(at[2], Fraction(at[2]) * (Fraction(by) - 1))
