"""Plain text made readable on a page: ASCII maths to Unicode, and articles that agree.

The checks write their rules and summaries in ASCII (``gamma*``, ``||w_j||^2 -> 0``, ``-oo``,
``x3.7``); the pages show them as γ*, ‖w_j‖² → 0, −∞ and ×3.7. Only whole tokens change: a
Greek name inside a longer word (``gammas``, ``kappaX``) or an ``x`` inside a word stays.
"""

from __future__ import annotations

import math
import re
from typing import Any

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ",
         "lambda": "λ", "mu": "μ", "sigma": "σ", "theta": "θ", "phi": "φ", "omega": "ω", "Sigma": "Σ", "pi": "π"}
SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\|\|"), "‖"),
    (re.compile(r"<->"), "↔"),
    (re.compile(r"->"), "→"),
    (re.compile(r"<="), "≤"),
    (re.compile(r">="), "≥"),
    (re.compile(r"!="), "≠"),
    (re.compile(r"\+/-"), "±"),
    (re.compile(r"(?<![A-Za-z0-9])-oo(?![A-Za-z0-9])"), "−∞"),
    (re.compile(r"(?<![A-Za-z0-9])\+?oo(?![A-Za-z0-9])"), "∞"),
    (re.compile(r"(?<![A-Za-z0-9])x(?=\d)"), "×"),  # /x3.7, x0.93: a factor
    (re.compile(r"(?<=[\d)\]*]) x (?=[\w(\[])"), " × "),  # 2 x the base's, [..] x d/r
    (re.compile(r"(?<![A-Za-z])(" + "|".join(GREEK) + r")(?![A-Za-z])"), ""),  # replaced below
]
_POWER = re.compile(r"\^(-?\d+)(?![\d.])|\^\{(-?\d+)\}")


def pretty(text: str) -> str:
    """``text`` with its ASCII maths in Unicode (γ, κ, ‖·‖, ∞, ×, →, ≤, ², ...)."""
    out = str(text)
    for pattern, repl in _RULES[:-1]:
        out = pattern.sub(repl, out)
    out = _RULES[-1][0].sub(lambda m: GREEK[m.group(1)], out)
    return _POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(SUPERSCRIPT), out)


def article(word: str) -> str:
    """``a`` or ``an`` before ``word`` (by its first letter: an exact, an empirical, a symbolic)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def humanise(key: str) -> str:
    """A snake_case evidence key as words: ``fixed_mmd_larger_in_most_seeds`` -> ``fixed mmd larger
    in most seeds`` (a key that is not snake_case stays as it is)."""
    return key.replace("_", " ") if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", key) else key


def fmt(value: Any) -> str:
    """A scalar as short text: floats to 4 significant digits, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value == 0 or 1e-3 <= abs(value) < 1e5:
            return f"{value:.4g}"
        return f"{value:.3e}"
    return str(value)
