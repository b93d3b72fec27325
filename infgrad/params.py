"""The parameter table: every value a user can set, with its type, range, unit, help and example.

In the manner of scikit-learn's ``_parameter_constraints``: this table is the only place a range
is written. ``TrainConfig.validate``, the click option types of ``infgrad`` and the help text all
read it, and every message is generated from it ("kappa must be an integer in [1, 2147483647];
got kappa=0"). Relations between parameters (r <= d, checkpoint_every a multiple of log_every)
belong to the code that owns both parameters and are written there once.

This module imports neither torch nor ``proofs_check``: ``models`` and the command line both read it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# Sizes above 2^31 - 1 overflow the C int that BLAS, numpy's C API and torch kernels index with
# (``--d 10**29`` ended in "int too large to convert to C long"); memory bounds bite far earlier.
MAX_INT = 2**31 - 1
MAX_SEED = 2**32 - 1            # numpy's legacy seeding and torch.manual_seed both take it
MAX_STEPS = 10**9               # a step takes >= 10 us: beyond this a run would not end this year
MAX_LAYERS = 64                 # hidden widths per MLP
MAX_THEOREM4 = 10**6            # Theorem 4's d, kappa, r, n: beyond this no certificate fits in memory


class BadValue(ValueError):
    """A value outside its table range; the message names the parameter, the range and the value."""


@dataclass(frozen=True)
class Param:
    """One row of the table.

    ``kind`` is ``int``, ``float``, ``str``, ``bool``, ``ints`` (comma-separated widths, each in the
    range), ``choice`` (one of ``choices``) or ``bytes`` (a size such as 512M or 2G). A float range
    is always finite; ``lo_open``/``hi_open`` make an end exclusive. ``none`` is the text that means
    None (gamma: ``learn``). ``option`` is the flag's name where it differs from the row's (the row
    ``theorem4_d`` is ``--d`` of ``counterexample``).
    """

    name: str
    kind: str
    help: str
    example: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""
    none: str | None = None
    option: str = ""

    @property
    def flag(self) -> str:
        return "--" + (self.option or self.name).replace("_", "-")

    def range_text(self) -> str:
        """The allowed values in words, e.g. ``an integer in [1, 2147483647]``."""
        if self.kind == "choice":
            text = "one of " + ", ".join(self.choices)
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "str":
            text = "a non-empty name"
        else:
            what = {"int": "an integer", "float": "a finite number", "ints": "comma-separated integers",
                    "bytes": "a size in bytes (e.g. 512M, 2G)"}[self.kind]
            text = f"{what} {self._interval()}".rstrip()
            if self.kind == "ints":
                text += f", 1 to {MAX_LAYERS} of them"
        return f"'{self.none}' or {text}" if self.none else text

    def _interval(self) -> str:
        lo, hi = self.lo, self.hi
        num = format_bytes if self.kind == "bytes" else _num
        if lo is not None and hi is None:
            return f"{'>' if self.lo_open else '>='} {num(lo)}"
        if lo is None and hi is None:
            return ""
        return f"in {'(' if self.lo_open else '['}{num(lo)}, {num(hi)}{')' if self.hi_open else ']'}"

    def error(self, value: Any, *, cli: bool = False) -> BadValue:
        shown = f"{value!r}" if cli else f"{self.option or self.name}={value!r}"
        return BadValue(f"{self.flag if cli else self.option or self.name} must be {self.range_text()}; got {_clip(shown)}")

    def check(self, value: Any) -> Any:
        """``value`` itself when it has the right type and lies in range, else :class:`BadValue`."""
        if value is None and self.none is not None:
            return None
        ok = _typed(self.kind, value)
        if ok and self.kind in ("int", "float", "bytes"):
            ok = self._in_range(value)
        elif ok and self.kind == "ints":
            ok = 1 <= len(value) <= MAX_LAYERS and all(self._in_range(v) for v in value)
        elif ok and self.kind == "choice":
            ok = value in self.choices
        elif ok and self.kind == "str":
            ok = bool(value)
        if not ok:
            raise self.error(value)
        return float(value) if self.kind == "float" else tuple(value) if self.kind == "ints" else value

    def parse(self, text: str) -> Any:
        """The value of a command-line string, checked; :class:`BadValue` names the flag."""
        text = str(text).strip()
        if self.none is not None and text.lower() == self.none:
            return None
        try:
            value = _PARSERS[self.kind](text)
            return self.check(value)
        except (BadValue, ValueError, OverflowError, KeyError):   # KeyError: a bool neither true nor false
            raise self.error(text, cli=True) from None

    def _in_range(self, v: float) -> bool:
        if isinstance(v, float) and not math.isfinite(v):
            return False
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return self.hi is None or (v < self.hi if self.hi_open else v <= self.hi)


def _typed(kind: str, value: Any) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    if kind in ("int", "bytes"):
        return isinstance(value, int)
    if kind == "float":
        return isinstance(value, (int, float))
    if kind in ("str", "choice"):
        return isinstance(value, str)
    if kind == "ints":
        return isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool)
                                                        for v in value)
    return False


def _int(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]{1,30}", text):   # ASCII digits only, and no 10**29-digit strings
        raise ValueError(text)
    return int(text)


def _float(text: str) -> float:
    if len(text) > 40 or not text.isascii() or "_" in text:   # float() reads 1_000 as Python does; ints do not
        raise ValueError(text)
    return float(text)


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_bytes(text: str) -> int:
    """``512M`` -> 536870912; ``2G``, ``1.5G``, ``1000`` (bytes); a trailing ``B``/``iB`` is allowed."""
    m = re.fullmatch(r"([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([KMGT]?)(?:i?B)?", text.strip(), flags=re.IGNORECASE)
    if not m:
        raise ValueError(text)
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KiB' (for messages)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


_PARSERS = {
    "int": _int, "float": _float, "str": str, "choice": str, "bytes": parse_bytes,
    "bool": lambda t: {"true": True, "false": False}[t.lower()],
    "ints": lambda t: tuple(_int(w.strip()) for w in t.split(",") if w.strip()),
}


def _num(x: float | None) -> str:
    if x is None:
        return ""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _clip(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _p(name: str, kind: str, help: str, example: str, **kw: Any) -> Param:
    return Param(name, kind, help, example, **kw)


PARAMS: dict[str, Param] = {p.name: p for p in (
    # data and model sizes (training; d, kappa, r, n are also the Theorem 4 dimensions)
    _p("data", "str", "subspace | manifold | curve | digits | mnist | fashion-mnist | idx:PATH.", "subspace"),
    _p("d", "int", "Data dimension.", "20", lo=1, hi=MAX_INT),
    _p("r", "int", "Manifold dimension (r <= d).", "3", lo=1, hi=MAX_INT),
    _p("n", "int", "Samples (synthetic); the first N samples of file data, 0 = all.", "1000",
       lo=0, hi=MAX_INT),
    _p("kappa", "int", "Latent dimension.", "8", lo=1, hi=MAX_INT),
    _p("noise", "float", "Isotropic noise std added to synthetic data.", "0.05", lo=0),
    _p("outliers", "int", "Off-manifold points added to the curve toy.", "20", lo=0, hi=MAX_INT),
    _p("arch", "choice", "Encoder/decoder pair; conv is for 28x28 images, linear one affine map each side.",
       "mlp", choices=("mlp", "conv", "linear")),
    _p("hidden", "ints", "MLP widths, input side first.", "128,128", lo=1, hi=MAX_INT),
    # the energy and its optimisation
    _p("gamma", "float", "Decoder variance: learned from gamma = 1, or fixed.", "1e-3", lo=0, lo_open=True,
       none="learn"),
    _p("beta", "float", "KL weight.", "1.0", lo=0, lo_open=True),
    _p("steps", "int", "Adam steps.", "20000", lo=0, hi=MAX_STEPS),
    _p("batch_size", "int", "Samples per Adam step.", "100", lo=1, hi=MAX_INT),
    _p("lr", "float", "Adam step size (halved on each rollback).", "1e-3", lo=0, lo_open=True),
    _p("lr_tail_fraction", "float", "Last fraction of the steps over which the lr decays (0 = constant lr).",
       "0.3", lo=0, hi=1),
    _p("lr_tail_factor", "float", "The final step's lr is lr times this factor.", "0.01", lo=0, hi=1,
       lo_open=True),
    _p("log_every", "int", "Metrics, finiteness check and rollback snapshot every K steps.", "100",
       lo=1, hi=MAX_INT, unit="steps"),
    _p("checkpoint_every", "int", "Checkpoint every K steps (a multiple of --log-every) and at the end.",
       "1000", lo=1, hi=MAX_INT, unit="steps"),
    _p("eval_samples", "int", "Samples used for the metrics at each log point (recon_error: the first 256).",
       "2000", lo=2, hi=MAX_INT),
    _p("mmd_samples", "int", "MMD samples at each log point (the final MMD uses 1000).", "256",
       lo=2, hi=MAX_INT),
    _p("rprop_damping", "bool", "Damp parameters whose gradient sign oscillates.", "false"),
    _p("damping_ema", "float", "Smoothing of the gradient signs the damping compares (0 = raw Rprop signs).",
       "0.9", lo=0, hi=1, hi_open=True),
    _p("rollback", "bool", "On a non-finite window, roll back and halve the lr (false: stop that run).", "true"),
    _p("gamma_anneal_fraction", "float", "Fixed gamma only: gamma falls geometrically from 1 to its value "
       "over this first fraction of the steps (0 = fixed from the start).", "0.5", lo=0, hi=1),
    _p("dtype", "choice", "Floating-point type of the model and data.", "float32",
       choices=("float32", "float64")),
    # how and where a command runs
    _p("seed", "int", "Base random seed; every random draw derives from it.", "0", lo=0, hi=MAX_SEED),
    _p("seeds", "int", "Number of seeds (default: the profile's).", "3", lo=1, hi=1000),
    _p("device", "choice", "Where torch runs: auto picks CUDA when present.", "auto",
       choices=("auto", "cpu", "cuda")),
    _p("threads", "int", "torch CPU threads; auto uses only idle cores.", "1", lo=1, hi=4096, none="auto"),
    _p("profile", "choice", "quick: a laptop CPU in minutes; full: sized for one GPU.", "quick",
       choices=("quick", "full")),
    _p("backend", "choice", "Where a sweep's cells run: local = this machine's process pool; ray = one "
       "Ray task per cell.", "ray", choices=("local", "ray")),
    _p("max_memory", "bytes", "Refuse a request whose estimated memory exceeds this; default: half of "
       "the memory available when the command starts.", "4G", lo=2**20, hi=2**60),
    # Theorem 4
    _p("family", "choice", "Decoder family: lipschitz = every 1-Lipschitz decoder; fixed-scale = "
       "{D_sparse, D_dense} o signed permutations; auto = lipschitz where it certifies (b), else fixed-scale.",
       "auto",
       choices=("lipschitz", "fixed-scale", "auto")),
    _p("theorem4_d", "int", "Data dimension (d >= kappa).", "6", lo=1, hi=MAX_THEOREM4, option="d"),
    _p("theorem4_kappa", "int", "Latent dimension (kappa > r).", "4", lo=1, hi=MAX_THEOREM4, option="kappa"),
    _p("theorem4_r", "int", "Manifold dimension (0 < r < kappa).", "2", lo=1, hi=MAX_THEOREM4, option="r"),
    _p("theorem4_n", "int", "Samples of the fixed-scale family (r + 2 <= n; default max(2r + 4, 12)).", "12",
       lo=3, hi=MAX_THEOREM4, option="n"),
    _p("check_time_limit", "float", "Wall-clock limit of the kernel's check: it runs in a child process that is "
       "killed at the limit (exit 2).", "60", lo=0, lo_open=True, hi=86400, unit="seconds", option="time-limit"),
    _p("counterexample_time_limit", "float", "Wall-clock limit of the whole counterexample (formulas, build, "
       "kernel, files): it runs in a child process that is killed at the limit (exit 2).", "120", lo=0,
       lo_open=True, hi=86400, unit="seconds", option="time-limit"),
)}


def param(name: str) -> Param:
    return PARAMS[name]


def check(name: str, value: Any) -> Any:
    """``PARAMS[name].check(value)``: the value, or :class:`BadValue` naming parameter, range and value."""
    return PARAMS[name].check(value)


__all__ = ["PARAMS", "Param", "BadValue", "param", "check", "parse_bytes", "format_bytes", "MAX_INT"]
