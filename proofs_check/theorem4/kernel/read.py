"""Kernel steps "read" and "canonical form": the file is read once into one canonical structure;
every sparse matrix or vector is refused on a duplicate index, an index outside its shape or a
malformed number (docs/theorem4.md)."""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, NamedTuple

FORMAT = "infgrad-theorem4-certificate/4"
RATIONAL = re.compile(r"-?[0-9]{1,4000}(/[0-9]{1,4000})?")
DECIMAL = re.compile(r"-?[0-9]{1,200}(\.[0-9]{1,200})?([eE][-+]?[0-9]{1,4})?")
BITS = 2**16  # of a common denominator: distinct 4000-digit ones made the exact steps cubic in the file's size
KEYS = {"format", "family", "enclosure", "penalties", "dims", "X", "decoders", "witness", "competitor",
        "sequence", "verdict"}
OPTIONAL = {"tables", "lattice", "bound"}
SUBKEYS = {"penalties": {"h", "g"}, "dims": {"d", "kappa", "r", "n"}, "lattice": {"k", "spacing"},
           "sequence": {"decoder", "row"}, "witness": {"decoder", "Z", "Xhat"},
           "competitor": {"decoder", "Z", "Xhat"}, "bound": {"M", "tail", "above", "affine"}}


class CertificateError(ValueError):
    """The file is not a readable certificate (the CLI turns it into exit 2)."""


def need(ok: Any, message: str | Callable[[], str]) -> None:
    if not ok:  # a callable message is formatted only on failure (the readers run once per entry)
        raise CertificateError(message() if callable(message) else message)


def load(path: Any, max_bytes: int = 2 * 10**9) -> dict[str, Any]:
    """The JSON of a regular file of at most ``max_bytes`` (CertificateError otherwise)."""
    big = (f"cannot read certificate {str(path)!r}: not a regular file, or above the limit of {max_bytes} bytes "
           "(raise --max-memory)")
    try:
        need(stat.S_ISREG((st := os.stat(path)).st_mode) and st.st_size <= max_bytes, big)
        with open(path, "rb") as fh:  # max_bytes whatever size it reports (/proc: 0)
            need(len(data := fh.read(max_bytes + 1)) <= max_bytes, big)
    except OSError as exc:
        need(False, f"cannot read certificate {str(path)!r}: {str(exc)[:200]}")
    return loads(data, repr(str(path)))


def loads(data: bytes, name: str = "the certificate") -> dict[str, Any]:
    """The JSON of ``data``, read one way: UTF-8, every key once, no NaN (CertificateError otherwise)."""
    try:
        cert = json.loads(data.decode("utf-8"), object_pairs_hook=unique, parse_int=whole,
                          parse_constant=lambda c: need(False, f"{c} is not JSON (a number must be finite)"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = "JSON nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        need(isinstance(exc, CertificateError), f"cannot read certificate {name}: {why}")
        raise
    need(isinstance(cert, dict) and cert.get("format") == FORMAT, f"{name} is not an infgrad Theorem 4 certificate")
    return cert


def whole(text: str) -> int:
    """A JSON integer of at most 100 digits (n <= 10^60), whatever the interpreter's int-string limit."""
    need(len(text.lstrip("-")) <= 100, lambda: f"an integer of {len(text)} digits (at most 100)")
    return int(text)


def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    twice = lambda ks: next(a for a, b in zip(ks, ks[1:]) if a == b)  # noqa: E731
    need(len(obj := dict(pairs)) == len(pairs), lambda: f"the key {twice(sorted(k for k, _ in pairs))[:40]!r} is listed "
         "twice in one object")
    return obj


def ratio(text: Any) -> tuple[int, int]:
    """The one reader of numbers: "p" or "p/q" with q > 0, as (p, q)."""
    need(isinstance(text, str) and RATIONAL.fullmatch(text), lambda: f"expected a rational 'p/q', got {str(text)[:40]!r}")
    num, _, den = text.partition("/")
    need(den == "" or int(den) != 0, lambda: f"a zero denominator in {text[:40]!r}")
    return int(num), int(den or 1)


def rational(text: Any, decimal: bool = False) -> Fraction:
    """A rational, or a decimal string where ``decimal`` (a stored table)."""
    return Fraction(text) if decimal and isinstance(text, str) and DECIMAL.fullmatch(text) else Fraction(*ratio(text))


def integer(v: Any, what: str, low: int = 1, high: int = 10**7) -> int:
    """The one reader of integers and indices: an int in [low, high]."""
    need(type(v) is int and low <= v <= high, lambda: f"{what} must be an integer in [{low}, {high}]; got {str(v)[:20]}")
    return v


def keys(obj: Any, allowed: set[str], what: str, optional: set[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(obj, dict) or not set(allowed) <= set(obj) <= set(allowed) | set(optional):
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise CertificateError(f"malformed certificate: {what} must have the keys {sorted(allowed)}; got {got}")
    return obj


def parse(obj: Any, shape: list[int], what: str) -> list[tuple[tuple[int, ...], int, int]]:
    """[(index, p, q)] of a sparse matrix or vector; duplicates, bad indices, bad numbers refused."""
    keys(obj, {"shape", "entries"}, what)
    need(json.dumps(obj["shape"]) == json.dumps(shape) and isinstance(obj["entries"], list),  # [4.0, 3] is not [4, 3]
         f"{what}: shape {str(obj['shape'])[:40]} differs from {shape}")
    seen, out, index = set(), [], f"{what}: an index"
    for e in obj["entries"]:
        need(isinstance(e, (list, tuple)) and len(e) == len(shape) + 1,
             lambda: f"{what}: an entry must be [{', '.join('i' * len(shape))}, 'p/q']")
        at = tuple(integer(i, index, 0, size - 1) for i, size in zip(e, shape))
        need(at not in seen, lambda: f"{what} lists the entry {list(at)} twice")
        seen.add(at)
        out.append((at, *ratio(e[-1])))
    return out


@dataclass
class Matrix:
    """A rational matrix as columns j -> (numerators over the rows, common denominator); a column absent is zero."""

    rows: int
    cols: int
    data: dict[int, tuple[list[int], int]]

    def col(self, j: int) -> tuple[list[int], int]:
        return self.data[j] if j in self.data else self.data.setdefault(j, ([0] * self.rows, 1))  # made once

    def nonzero(self) -> list[int]:
        return sorted(j for j, (nums, _) in self.data.items() if any(nums))

    def mean_square(self, j: int) -> Fraction:
        nums, den = self.col(j)
        return Fraction(sum(p * p for p in nums), den * den * self.rows)


def matrix(obj: Any, rows: int, cols: int, what: str) -> Matrix:
    dens: dict[int, int] = {}
    for (_, j), _, q in (entries := parse(obj, [rows, cols], what)):
        dens[j] = math.lcm(dens.get(j, 1), q)
        need(dens[j].bit_length() <= BITS, lambda: f"{what}: column {j}'s common denominator is over {BITS} bits")
    data = {j: ([0] * rows, den) for j, den in dens.items()}
    for (i, j), p, q in entries:
        data[j][0][i] = p * (dens[j] // q)
    return Matrix(rows, cols, data)


@dataclass
class Piece:
    """x = A z + c for z in the closed box {lo_j <= z_j <= hi_j} (None: unbounded)."""

    box: dict[int, tuple[Fraction | None, Fraction | None]]
    A: dict[tuple[int, int], Fraction]
    c: dict[int, Fraction]


def piece(obj: Any, d: int, kappa: int, what: str) -> Piece:
    keys(obj, {"box", "A", "c"}, what)
    need(isinstance(obj["box"], list) and all(isinstance(b, list) and len(b) == 3 for b in obj["box"]),
         f"{what}: box must be a list of [axis, lo, hi]")
    box: dict[int, tuple[Fraction | None, Fraction | None]] = {}
    for b in obj["box"]:
        axis = integer(b[0], what + ".box axis", 0, kappa - 1)
        need(axis not in box, f"{what}.box lists the axis {axis} twice")
        box[axis] = lo, hi = tuple(None if x is None else rational(x) for x in b[1:])
        need(lo is None or hi is None or lo <= hi, f"{what}.box on axis {axis} is empty (lo > hi)")
    A = {at: Fraction(p, q) for at, p, q in parse(obj["A"], [d, kappa], what + ".A") if p}
    return Piece(box, A, {i: Fraction(p, q) for (i,), p, q in parse(obj["c"], [d], what + ".c") if p})


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
    tables = {} if raw.get("tables") is None else raw["tables"]
    need(isinstance(tables, dict) and set(tables) <= {"h", "g"}, "tables must be an object of the tables of h and g")
    for name in ("h", "g"):
        need((pen[name] is None) != (name not in tables) and (pen[name] is None or isinstance(pen[name], str)),
             f"penalty {name} needs exactly one of a formula and a stored table")
    dm = keys(raw["dims"], SUBKEYS["dims"], "dims")
    if (lat := raw.get("lattice")) is not None:  # X, Z list only the k^2 points on data axes r-1, r (family.py)
        lat = (integer(keys(lat, SUBKEYS["lattice"], "lattice")["k"], "lattice.k", 2, 3000), rational(lat["spacing"]))
    d, kappa, r = (integer(dm[k], f"dims.{k}") for k in ("d", "kappa", "r"))
    n = integer(dm["n"], "dims.n", 1, 10**7 if lat is None else 10**60)
    rows = n if lat is None else lat[0] ** 2
    need(d >= kappa > r, f"dims must satisfy d >= kappa > r > 0; got d={d}, kappa={kappa}, r={r}")
    need(len(keys(raw["X"], {"shape", "entries"}, "X")["entries"]) >= rows - 1, "X must list every sample but at most "
         "one (the origin): the work is then bounded by the file's size")  # a 1 kB file naming n = 10^7 took minutes
    X = matrix(raw["X"], rows, d, "X")
    decs = raw["decoders"]
    need(isinstance(decs, dict) and decs, "decoders must be a nonempty object")
    decoders = {}
    for name, dec in decs.items():
        pieces = keys(dec, {"pieces"}, f"decoders.{name}")["pieces"]
        need(isinstance(pieces, list) and pieces, f"decoders.{name} needs a nonempty list of pieces")
        decoders[name] = [piece(p, d, kappa, f"decoders.{name}.pieces[{i}]") for i, p in enumerate(pieces)]

    def decoder(obj: Any, what: str) -> str:
        need(obj["decoder"] in decoders, f"{what}.decoder is not one of the certificate's decoders")
        return obj["decoder"]

    def rep(obj: Any, what: str) -> Representation:
        keys(obj, SUBKEYS[what], what)
        Z = Matrix(rows, kappa, {j: v for j, v in X.data.items() if j < kappa}) if obj["Z"] == "X" \
            else matrix(obj["Z"], rows, kappa, what + ".Z")
        Xhat = X if obj["Xhat"] == "X" else matrix(obj["Xhat"], rows, d, what + ".Xhat")
        return Representation(decoder(obj, what), Z, Xhat)

    if (seq := raw["sequence"]) is not None:
        keys(seq, SUBKEYS["sequence"], "sequence")
        seq = (decoder(seq, "sequence"), integer(seq["row"], "sequence.row", 0, r))
        need(lat is None, "a certificate with a lattice has no sequence")
    bound = None if raw.get("bound") is None else bound_proof(raw["bound"])
    need(raw["family"] == "lipschitz" or (lat is None and bound is None), "only a lipschitz certificate has a lattice "
         "or a bound (a fixed-scale one ignored them, and dims.n with them)")
    need(raw["verdict"] in ("strict", "no-minimiser", "tie", "undecided") and raw["family"] in ("fixed-scale", "lipschitz")
         and isinstance(raw["enclosure"], str), "verdict must be strict, no-minimiser, tie or undecided, family "
         "fixed-scale or lipschitz, and enclosure a string")
    comp = None if raw["competitor"] is None else rep(raw["competitor"], "competitor")
    return Certificate(raw["family"], pen["h"], pen["g"], tables, d, kappa, r, n, X, decoders,
                       rep(raw["witness"], "witness"), comp, seq, raw["verdict"], lat, bound, raw["enclosure"])


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
    if (aff := obj["affine"]) is not None:
        keys(aff, {"alpha", "beta", "cells"}, "bound.affine")
        aff = (rational(aff["alpha"]), rational(aff["beta"]), cells(aff["cells"]))
    return {"M": rational(obj["M"]), "tail": rational(obj["tail"]), "above": above, "affine": aff}
