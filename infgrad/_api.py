"""The functions of the public API (``infgrad.verify`` and friends): thin, documented entry points
over the registry, the report runner and the Theorem 4 builder and checker, for notebooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


def verify(claims: Sequence[str] | None = None, *, seed: int = 0) -> list:
    """Run the symbolic, exact and property checks (what ``infgrad verify`` runs).

    Parameters
    ----------
    claims : claim ids such as ``["T2", "T9"]``; ``None`` runs every non-empirical check (a claim
        named here that has only empirical checks, T11 ... T18, gets those).
    seed : base seed of the random spot checks.

    Returns
    -------
    list of ``ClaimResult`` (claim, title, paper_ref, method, status, evidence, seconds).
    """
    from infgrad.params import check
    from infgrad.proofs_check.claims.model import CheckContext
    from infgrad.proofs_check.claims.registry import run_checks, select

    ctx = CheckContext(seed=check("seed", seed), profile="quick")
    return run_checks(select(list(claims) if claims else None, empirical=False), ctx)


def report(out: str | Path, *, profile: str = "quick", seed: int = 0, device: str = "cpu",
           fresh: bool = False, claims: list[str] | None = None) -> Any:
    """Run every claim (or only ``claims``, e.g. ``["T4", "T14"]``) and write ``results.json``,
    ``report.md`` and ``report.html`` under ``out`` (what ``infgrad report`` does). ``device`` is
    ``cpu`` or ``cuda``. Returns the run: its ``report`` (the typed report model) and the three paths."""
    from infgrad.params import check
    from infgrad.proofs_check.report.run import run_report

    return run_report(profile=check("profile", profile), out=str(out), fresh=fresh, seed=check("seed", seed),
                      device=device, quiet=True, claims=list(claims) if claims else None)


def counterexample(h: str, g: str = "u", *, d: int, kappa: int, r: int, n: int | None = None,
                   family: str = "auto", seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build a Theorem 4 certificate for penalties ``g`` and ``h`` (formulas in ``u``, parsed without
    eval) in the given decoder family. Returns ``(certificate, notes)``; check the certificate
    with :func:`check_certificate`."""
    from infgrad.proofs_check.theorem4.build import build

    return build(h, g, d=d, kappa=kappa, r=r, n=n, seed=seed, family=family)


def check_certificate(cert: dict[str, Any] | str | Path, *, trust_table: bool = False) -> Any:
    """Re-verify a certificate (a dict, or the path of its JSON file) independently of the code that
    built it. Returns the checker's outcome: ``.ok`` and ``.items`` (one line per check)."""
    from infgrad.proofs_check.theorem4.checker import check, load

    return check(load(cert) if isinstance(cert, (str, Path)) else cert, trust_table=trust_table)
