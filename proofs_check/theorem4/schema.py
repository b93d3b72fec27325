"""The Theorem 4 certificate schema: the one place that says what a certificate holds.

A certificate carries only what the independent checker verifies; every explanation (the
case, slope bounds, Eq. (9) numbers, the T10 contrast, values of h for plots) is in the
generator's separate ``notes``. The checker rejects a certificate with a key not listed here.

Top-level keys (plain identifiers):

format       "infgrad-theorem4-certificate/2"                     must equal FORMAT
family       "fixed-scale" or "lipschitz"                          selects the family checks
enclosure    the enclosure method (``ENCLOSURE``)                   must equal the checker's method
penalties    {"h": formula or null, "g": formula or null}          a formula is always re-parsed and
                                                                   re-evaluated; null means "a stored table"
tables       {"h"/"g": [[x, lo, hi], ...]} for null formulas only  used only with --trust-table
dims         {"d", "kappa", "r", "n"} integers                       d >= kappa > r > 0
lattice      {"k", "spacing"} (lipschitz only)                      X must be this lattice exactly
X            the data, a matrix (n x d)                             rank / lattice / nonzero rows checked
decoders     {name: {"pieces": [{"box", "A", "c"}, ...]}}           family structure checked piece by piece
witness      {"decoder", "Z", "Xhat"}                                Xhat = D(Z) = X, exactly r nonzero rows
competitor   {"decoder", "Z", "Xhat"} or null                        re-evaluated; its L re-enclosed
sequence     {"decoder", "row"} or null                              no-minimiser proof: L(Z + t e_row) -> -oo
verdict      "strict" | "no-minimiser" | "tie" | "undecided"        must equal the checker's own verdict

A matrix is {"shape": [rows, cols], "entries": [[i, j, "p/q"], ...]} (zero elsewhere) or a
list of rows; the string "X" stands for the data (as Xhat: X itself; as Z: X's first kappa
columns). A decoder piece is {"box": [[axis, lo or null, hi or null]], "A": sparse d x kappa,
"c": {"shape": [d], "entries": [[i, "p/q"]]}}: x = A z + c for z in the closed box.
"""

from __future__ import annotations

from typing import Any

from infgrad.theory.penalty_analysis import ENCLOSURE

FORMAT = "infgrad-theorem4-certificate/2"
FAMILIES = ("fixed-scale", "lipschitz")
VERDICTS = ("strict", "no-minimiser", "tie", "undecided")

REQUIRED = ("format", "family", "enclosure", "penalties", "dims", "X", "decoders", "witness",
            "competitor", "sequence", "verdict")
OPTIONAL = ("tables", "lattice")
REPRESENTATION_KEYS = ("decoder", "Z", "Xhat")

__all__ = ["ENCLOSURE", "FAMILIES", "FORMAT", "VERDICTS", "unknown_keys"]


def unknown_keys(cert: dict[str, Any]) -> list[str]:
    """Keys outside the schema, and required keys that are missing (as '-key')."""
    allowed = set(REQUIRED) | set(OPTIONAL)
    bad = [k for k in cert if k not in allowed]
    bad += ["-" + k for k in REQUIRED if k not in cert]
    for part in ("witness", "competitor"):
        rep = cert.get(part)
        if isinstance(rep, dict):
            bad += [f"{part}.{k}" for k in rep if k not in REPRESENTATION_KEYS]
            bad += [f"-{part}.{k}" for k in REPRESENTATION_KEYS if k not in rep]
    for part, keys in (("penalties", ("h", "g")), ("dims", ("d", "kappa", "r", "n")),
                       ("lattice", ("k", "spacing")), ("sequence", ("decoder", "row"))):
        sub = cert.get(part)
        if isinstance(sub, dict):
            bad += [f"{part}.{k}" for k in sub if k not in keys] + [f"-{part}.{k}" for k in keys if k not in sub]
    decs = cert.get("decoders")
    if isinstance(decs, dict):
        for name, dec in decs.items():
            if isinstance(dec, dict):
                bad += [f"decoders.{name}.{k}" for k in dec if k != "pieces"]
                for i, p in enumerate(dec.get("pieces") or []):
                    if isinstance(p, dict):
                        bad += [f"decoders.{name}.pieces[{i}].{k}" for k in p if k not in ("box", "A", "c")]
    return bad
