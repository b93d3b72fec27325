"""The one result type of every check, and the context a check runs in.

A check is a function ``check(ctx: CheckContext) -> ClaimResult``; it lives in
``proofs_check/claims/`` (or ``proofs_check/experiments/``) and is named in the registry (``registry.py``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Status = Literal["pass", "fail", "inconclusive"]
Method = Literal["symbolic", "exact", "property", "empirical"]
Profile = Literal["quick", "full"]

STATUSES: tuple[str, ...] = ("pass", "fail", "inconclusive")
METHODS: tuple[str, ...] = ("symbolic", "exact", "property", "empirical")


@dataclass(frozen=True)
class CheckContext:
    """What every check may read.

    seed     : base random seed; a check derives all its randomness from it.
    profile  : ``quick`` (a laptop CPU, minutes) or ``full`` (one GPU, ~30 min in all).
    out_dir  : where a check may save raw results (``out_dir/data/``) for the figures;
               None means "save nothing".
    device   : ``auto``, ``cpu`` or ``cuda`` for checks that train.
    """

    seed: int = 0
    profile: Profile = "quick"
    out_dir: Path | None = None
    device: str = "auto"

    def data_dir(self) -> Path | None:
        """``out_dir/data`` (created), or None when nothing is to be saved."""
        if self.out_dir is None:
            return None
        path = Path(self.out_dir) / "data"
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class KeyNumber:
    """One number that decided a verdict, as the report shows it beside the rule.

    value    : the number (or a short exact form such as ``"9/9"`` or ``"1/1000000"``).
    interval : (low, high) where the claim has one (a 95% interval over seeds, say); else None.
    unit     : what the number counts or measures (``"nats"``, ``"dims"``, ``""`` when plain).
    """

    name: str
    value: float | int | str
    interval: tuple[float, float] | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if self.interval is not None:
            lo, hi = self.interval  # a list read back from JSON becomes a tuple
            object.__setattr__(self, "interval", (lo, hi))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "KeyNumber":
        interval = data.get("interval")
        return cls(name=str(data["name"]), value=data["value"],
                   interval=None if interval is None else (interval[0], interval[1]), unit=str(data.get("unit", "")))


@dataclass
class ClaimResult:
    """The verdict on one claim by one method, with the evidence behind it.

    evidence must be JSON-able: derived expressions as strings (and LaTeX),
    numeric errors, parameters, tables. ``seconds`` is filled by the runner.

    For the report, optionally: ``statement`` (the paper's claim in one sentence, when the check
    states it more precisely than ``STATEMENTS``), ``rule`` (the pass rule that decided the status;
    the report falls back to ``evidence["rule"]``) and ``key_numbers`` (the 2-4 numbers that
    decided it, with intervals where the claim has them). ``device`` is where the check ran
    (``cpu``/``cuda``; filled by the runner, kept when a report reuses a saved result, so a report
    whose checks ran on several machines says which ran where).
    """

    claim: str
    title: str
    paper_ref: str
    method: Method
    status: Status
    evidence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    summary: str = ""  # one line of evidence for the report's table
    statement: str = ""
    rule: str = ""
    key_numbers: list[KeyNumber] = field(default_factory=list)
    device: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}; got {self.status!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; got {self.method!r}")

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["evidence"] = jsonable(self.evidence)
        out["key_numbers"] = jsonable(out["key_numbers"])
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ClaimResult":
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["key_numbers"] = [KeyNumber.from_json(k) for k in kwargs.get("key_numbers") or []]
        return cls(**kwargs)


def jsonable(value: Any) -> Any:
    """Turn evidence into plain JSON: numpy scalars/arrays, sympy objects, Paths, non-finite floats."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)  # "inf", "nan": JSON has none
    if isinstance(value, Path):
        return str(value)
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars, torch tensors
    if callable(tolist):
        return jsonable(tolist())
    return str(value)  # sympy expressions and anything else: their string form


@dataclass(frozen=True)
class Claim:
    """One of the paper's claims (docs/claims.md): a stable id, a title, where the paper says it."""

    id: str
    title: str
    paper_ref: str


CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in (
        Claim("T1", "Energy (3) = 2 x negative bound (2) - d log 2pi + kappa, per sample", "Eq. (2)-(3)"),
        Claim("T2", "gamma* = mean squared error / d; substituted energy d log gamma* + const is unbounded below", "Eq. (6)"),
        Claim("T3", "Linear decoder on subspace data: learned gamma = probabilistic-PCA noise variance; informative dims = rank", "Remark 1"),
        Claim("T4", "At the optimum informative dims have sigma_z^2 ~ gamma/||w_j||^2 -> 0, unneeded dims q = N(0,1)", "Remark 4"),
        Claim("T5", "Near optimal sparse representations the loss scales as (d - beta r) log gamma", "Sec. 2.3"),
        Claim("T6", "With gamma fixed, beta is absorbed into gamma", "Sec. 2.3"),
        Claim("T7", "Lemma 2: linear decoder, gamma -> 0 reduces (3) to (7) with g = indicator, h = log", "Lemma 2"),
        Claim("T8", "Lemma 3: sigma_z -> 0 and a log transform collapse (3) to (7) with g = h = log", "Lemma 3"),
        Claim("T9", "Theorem 4: bounded-gradient g, h admit data where no global minimiser of (7) is optimally sparse", "Theorem 4"),
        Claim("T10", "The bounded slope is what fails: log prefers the sparse code; small epsilon reverses (9)", "Sec. 3.3, Eq. (8)-(9)"),
        Claim("T11", "1-D slices of (3): the minimiser moves to the sparse point as gamma falls; local minima only at small gamma", "Fig. 3"),
        Claim("T12", "Learned gamma vs gamma fixed at gamma*: similar error, lower MMD with learned gamma", "Sec. 4, Fig. 4"),
        Claim("T13", "Optimal sparse representations screen outliers better than a PCA subspace", "Sec. 2.2, Fig. 1"),
        Claim("T14", "As kappa grows beyond r the VAE keeps about r active dimensions", "Sec. 2.2"),
        Claim("T15", "On digit images PCA needs many more components than the VAE has active dimensions", "Sec. 3.3"),
        Claim("T16", "Learned gamma: ||dL/dz|| grows slowly; small fixed gamma: large from the start", "Sec. 4, Fig. 4(b)"),
        Claim("T17", "Annealing delta in h = log(u + delta) reaches the optimal sparse code more often than a fixed small delta", "Sec. 4, Lemma 2"),
        Claim("T18", "The stability countermeasures (rollback with step halving, sign-oscillation damping) keep training finite and sparse as gamma -> 0", "Sec. 4"),
    )
}


def result(
    claim: str,
    method: Method,
    status: Status,
    evidence: dict[str, Any],
    summary: str = "",
    *,
    rule: str = "",
    key_numbers: list[KeyNumber] | None = None,
) -> ClaimResult:
    """Build a ClaimResult for a registered claim id (title and reference come from CLAIMS)."""
    spec = CLAIMS[claim]
    return ClaimResult(
        claim=claim,
        title=spec.title,
        paper_ref=spec.paper_ref,
        method=method,
        status=status,
        evidence=evidence,
        summary=summary,
        rule=rule,
        key_numbers=list(key_numbers or []),
    )


def all_pass(flags: dict[str, bool]) -> Status:
    """``pass`` when every named sub-check holds, else ``fail``."""
    return "pass" if all(bool(v) for v in flags.values()) else "fail"
