"""Kernel steps "read" and "canonical form": the file is read once, every field is parsed into one
canonical structure, and no later step looks at the JSON again.

Every rational is "p" or "p/q" (q > 0; decimals only in a stored table). Every sparse matrix
{"shape": [rows, cols], "entries": [[i, j, "p/q"], ...]} and vector {"shape": [d], "entries":
[[i, "p/q"], ...]} is checked for duplicate indices, indices outside its shape and malformed
numbers, and rejected on any of them. A matrix becomes columns j -> (integer numerators over the
rows, common denominator); a decoder piece becomes (box, A, c) with one value per index.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

FORMAT = "infgrad-theorem4-certificate/3"
RATIONAL = re.compile(r"-?[0-9]{1,4000}(/[0-9]{1,4000})?")
DECIMAL = re.compile(r"-?[0-9]{1,200}(\.[0-9]{1,200})?([eE][-+]?[0-9]{1,4})?")
KEYS = {"format", "family", "enclosure", "penalties", "dims", "X", "decoders", "witness", "competitor",
        "sequence", "verdict"}
OPTIONAL = {"tables", "lattice", "bound"}
SUBKEYS = {"penalties": {"h", "g"}, "dims": {"d", "kappa", "r", "n"}, "lattice": {"k", "spacing"},
           "sequence": {"decoder", "row"}, "witness": {"decoder", "Z", "Xhat"},
           "competitor": {"decoder", "Z", "Xhat"}, "bound": {"M", "tail", "above", "affine"}}


class CertificateError(ValueError):
    """The file is not a readable certificate (the CLI turns it into exit 2)."""


def need(ok: Any, message: str) -> None:
    if not ok:
        raise CertificateError(message)


def load(path: Any, max_bytes: int = 2 * 10**9) -> dict[str, Any]:
    """The JSON of a regular file of at most ``max_bytes`` (CertificateError otherwise)."""
    try:
        st = os.stat(path)
        need(stat.S_ISREG(st.st_mode) and st.st_size <= max_bytes, f"cannot read certificate {str(path)!r}: not "
             f"a regular file, or above the limit of {max_bytes} bytes (raise --max-memory)")
        with open(path, "rb") as fh:
            cert = json.loads(fh.read())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = "JSON nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        need(isinstance(exc, CertificateError), f"cannot read certificate {str(path)!r}: {why}")
        raise
    need(isinstance(cert, dict) and cert.get("format") == FORMAT,
         f"{str(path)!r} is not an infgrad Theorem 4 certificate ({FORMAT})")
    return cert


def rational(text: Any, decimal: bool = False) -> Fraction:
    """The one reader of numbers: "p" or "p/q" (or a decimal string where ``decimal``)."""
    ok = isinstance(text, str) and (RATIONAL.fullmatch(text) or (decimal and DECIMAL.fullmatch(text)))
    need(ok, f"expected a rational 'p/q', got {str(text)[:40]!r}")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise CertificateError(f"a zero denominator in {text[:40]!r}") from None


def index(v: Any, size: int, what: str) -> int:
    need(type(v) is int and 0 <= v < size,
         f"{what}: index {str(v)[:20]} is not an integer in [0, {size})")
    return v


def integer(v: Any, what: str, top: int = 10**7) -> int:
    need(type(v) is int and 0 < v <= top, f"{what} must be an integer in [1, {top}]; got {str(v)[:20]}")
    return v


def keys(obj: Any, allowed: set[str], what: str, optional: set[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(obj, dict) or not set(allowed) <= set(obj) <= set(allowed) | set(optional):
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise CertificateError(f"malformed certificate: {what} must have the keys {sorted(allowed)}; got {got}")
    return obj


def parse(obj: Any, shape: list[int], what: str) -> list[tuple[tuple[int, ...], int, int]]:
    """[(index, p, q)] of a sparse matrix or vector; duplicates, bad indices, bad numbers refused."""
    keys(obj, {"shape", "entries"}, what)
    need(obj["shape"] == shape and isinstance(obj["entries"], list),
         f"{what}: shape {str(obj['shape'])[:40]} differs from {shape}")
    seen, out, match = set(), [], RATIONAL.fullmatch
    for e in obj["entries"]:
        need(isinstance(e, (list, tuple)) and len(e) == len(shape) + 1,
             f"{what}: an entry must be [{', '.join('i' * len(shape))}, 'p/q']")
        at, v = tuple(e[:-1]), e[-1]
        need(all(type(i) is int and 0 <= i < size for i, size in zip(at, shape)),
             f"{what}: index {str(list(at))[:40]} is not an integer inside {shape}")
        need(at not in seen, f"{what} lists the entry {list(at)} twice")
        seen.add(at)
        need(isinstance(v, str) and match(v), f"expected a rational 'p/q', got {str(v)[:40]!r}")
        num, _, den = v.partition("/")
        need(not den or int(den) != 0, f"a zero denominator in {v[:40]!r}")
        out.append((at, int(num), int(den) if den else 1))
    return out


def entries(obj: Any, shape: list[int], what: str) -> dict[tuple[int, ...], Fraction]:
    return {at: Fraction(p, q) for at, p, q in parse(obj, shape, what)}


@dataclass
class Matrix:
    """A rational matrix as columns j -> (numerators over the rows, common denominator); zero columns absent."""

    rows: int
    cols: int
    data: dict[int, tuple[list[int], int]]

    def col(self, j: int) -> tuple[list[int], int]:
        return self.data.get(j, ([0] * self.rows, 1))

    def nonzero(self) -> list[int]:
        return sorted(j for j, (nums, _) in self.data.items() if any(nums))

    def mean_square(self, j: int) -> Fraction:
        nums, den = self.col(j)
        return Fraction(sum(p * p for p in nums), den * den * self.rows)


def matrix(obj: Any, rows: int, cols: int, what: str) -> Matrix:
    bycol: dict[int, list[tuple[int, int, int]]] = {}
    for (i, j), p, q in parse(obj, [rows, cols], what):
        bycol.setdefault(j, []).append((i, p, q))
    data = {}
    for j, vals in bycol.items():
        den = math.lcm(*{q for _, _, q in vals})
        nums = [0] * rows
        for i, p, q in vals:
            nums[i] = p * (den // q)
        data[j] = (nums, den)
    return Matrix(rows, cols, data)


@dataclass
class Piece:
    """x = A z + c for z in the closed box {lo_j <= z_j <= hi_j} (None: unbounded)."""

    box: dict[int, tuple[Fraction | None, Fraction | None]]
    A: dict[tuple[int, int], Fraction]
    c: dict[int, Fraction]


def piece(obj: Any, d: int, kappa: int, what: str) -> Piece:
    keys(obj, {"box", "A", "c"}, what)
    need(isinstance(obj["box"], list), f"{what}: box must be a list of [axis, lo, hi]")
    box: dict[int, tuple[Fraction | None, Fraction | None]] = {}
    for b in obj["box"]:
        need(isinstance(b, list) and len(b) == 3, f"{what}: box must be a list of [axis, lo, hi]")
        axis = index(b[0], kappa, what + ".box")
        need(axis not in box, f"{what}.box lists the axis {axis} twice")
        box[axis] = tuple(None if x is None else rational(x) for x in b[1:])
    A = {k: v for k, v in entries(obj["A"], [d, kappa], what + ".A").items() if v}
    c = {k[0]: v for k, v in entries(obj["c"], [d], what + ".c").items() if v}
    return Piece(box, A, c)


Representation = NamedTuple("Representation", [("decoder", str), ("Z", Matrix), ("Xhat", Matrix)])
Certificate = NamedTuple("Certificate", [  # the canonical structure every later step reads
    ("family", str), ("h_text", "str | None"), ("g_text", "str | None"), ("tables", dict), ("d", int),
    ("kappa", int), ("r", int), ("n", int), ("X", Matrix), ("decoders", dict), ("witness", Representation),
    ("competitor", "Representation | None"), ("sequence", "tuple[str, int] | None"), ("verdict", str),
    ("lattice", "tuple[int, Fraction] | None"), ("bound", "dict | None"), ("enclosure", str)])


def canonical(raw: Any) -> Certificate:
    """Parse every field once (CertificateError on anything malformed)."""
    keys(raw, KEYS, "the certificate", OPTIONAL)
    need(raw["format"] == FORMAT, f"format must be {FORMAT}")
    pen = keys(raw["penalties"], SUBKEYS["penalties"], "penalties")
    tables = raw.get("tables") or {}
    for name in ("h", "g"):
        need((pen[name] is None) != (name not in tables) and (pen[name] is None or isinstance(pen[name], str)),
             f"penalty {name} needs exactly one of a formula and a stored table")
    dm = keys(raw["dims"], SUBKEYS["dims"], "dims")
    d, kappa, r, n = (integer(dm[k], f"dims.{k}") for k in ("d", "kappa", "r", "n"))
    need(d >= kappa > r, f"dims must satisfy d >= kappa > r > 0; got d={d}, kappa={kappa}, r={r}")
    X = matrix(raw["X"], n, d, "X")
    decs = raw["decoders"]
    need(isinstance(decs, dict) and decs, "decoders must be a nonempty object")
    decoders = {}
    for name, dec in decs.items():
        pieces = keys(dec, {"pieces"}, f"decoders.{name}")["pieces"]
        need(isinstance(pieces, list) and pieces, f"decoders.{name} needs a nonempty list of pieces")
        decoders[name] = [piece(p, d, kappa, f"decoders.{name}.pieces[{i}]") for i, p in enumerate(pieces)]

    def rep(obj: Any, what: str) -> Representation:
        keys(obj, SUBKEYS["witness"], what)
        need(obj["decoder"] in decoders, f"{what}.decoder is not one of the certificate's decoders")
        Z = Matrix(n, kappa, {j: v for j, v in X.data.items() if j < kappa}) if obj["Z"] == "X" \
            else matrix(obj["Z"], n, kappa, what + ".Z")
        return Representation(obj["decoder"], Z, X if obj["Xhat"] == "X" else matrix(obj["Xhat"], n, d, what + ".Xhat"))

    seq = raw["sequence"]
    if seq is not None:
        keys(seq, SUBKEYS["sequence"], "sequence")
        need(seq["decoder"] in decoders, "sequence.decoder is not one of the certificate's decoders")
        seq = (seq["decoder"], index(seq["row"], r + 1, "sequence.row"))
    lat = raw.get("lattice")
    if lat is not None:
        keys(lat, SUBKEYS["lattice"], "lattice")
        lat = (integer(lat["k"], "lattice.k"), rational(lat["spacing"]))
    bound = raw.get("bound")
    if bound is not None:
        bound = bound_proof(bound)
    need(raw["verdict"] in ("strict", "no-minimiser", "tie", "undecided") and isinstance(raw["family"], str),
         "verdict must be strict, no-minimiser, tie or undecided")
    return Certificate(raw["family"], pen["h"], pen["g"], tables, d, kappa, r, n, X, decoders,
                       rep(raw["witness"], "witness"),
                       None if raw["competitor"] is None else rep(raw["competitor"], "competitor"),
                       seq, raw["verdict"], lat, bound, str(raw["enclosure"]))


def bound_proof(obj: Any) -> dict[str, Any]:
    """{"M", "tail", "above": [{"from", "cells"}], "affine": null | {"alpha", "beta", "cells"}}; a cell is
    [lo, hi, "value" | "slope"]."""
    keys(obj, SUBKEYS["bound"], "bound")

    def cells(c: Any) -> list[tuple[Fraction, Fraction, str]]:
        need(isinstance(c, list) and all(isinstance(x, list) and len(x) == 3 and x[2] in ("value", "slope")
                                         for x in c), "bound cells must be [lo, hi, 'value' | 'slope']")
        return [(rational(lo), rational(hi), kind) for lo, hi, kind in c]
    need(isinstance(obj["above"], list), "bound.above must be a list")
    above = [(rational(keys(a, {"from", "cells"}, "bound.above[]")["from"]), cells(a["cells"])) for a in obj["above"]]
    aff = obj["affine"]
    if aff is not None:
        keys(aff, {"alpha", "beta", "cells"}, "bound.affine")
        aff = (rational(aff["alpha"]), rational(aff["beta"]), cells(aff["cells"]))
    return {"M": rational(obj["M"]), "tail": rational(obj["tail"]), "above": above, "affine": aff}
