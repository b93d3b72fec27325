"""The clauses of a verdict (quantity, value, 95% interval, threshold, holds?), the premise line,
and the one plain sentence that says why a claim failed or is inconclusive.

Read generically from a result, in this order:

- clauses: ``evidence["clauses"]`` (or ``evidence["verdict"]["clauses"]``), a list of
  ``{"quantity", "value", "ci", "threshold", "ok"}`` (``ci`` and ``threshold`` optional); else the
  result's key numbers (no threshold, no mark) followed by its ``flags`` sub-checks (each a row
  with its mark; more than ``MAX_FLAGS`` are summed up in one row, the failing ones named);
- premise: ``evidence["premise"]`` (or under ``verdict``): a string, or a dict whose ``text``
  (or ``statement``/``line``/``description``) is the line and whose ``met``/``holds``/``ok`` says
  whether it held; other scalar entries are shown as ``key = value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..claims.model import STATUSES, ClaimResult, KeyNumber
from .wording import humanise

MAX_FLAGS = 8
PREMISE_TEXT = ("text", "statement", "line", "description")
PREMISE_OK = ("met", "holds", "ok")


@dataclass(frozen=True)
class Clause:
    """One condition of a rule with the number it was decided on; ``ok`` is None when the check
    does not say whether this number alone passed."""

    quantity: str
    value: Any = None
    ci: tuple[float, float] | None = None
    threshold: str = ""
    ok: bool | None = None
    unit: str = ""


def _holders(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    verdict = evidence.get("verdict")
    return [evidence] + ([verdict] if isinstance(verdict, Mapping) else [])


def _ci(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return (value[0], value[1])
    return None


def _given(evidence: Mapping[str, Any]) -> tuple[Clause, ...] | None:
    for holder in _holders(evidence):
        rows = holder.get("clauses")
        if isinstance(rows, list) and rows and all(isinstance(c, Mapping) and "quantity" in c for c in rows):
            return tuple(Clause(quantity=str(c["quantity"]), value=c.get("value"), ci=_ci(c.get("ci")),
                                threshold=str(c.get("threshold") or ""),
                                ok=c["ok"] if isinstance(c.get("ok"), bool) else None,
                                unit=str(c.get("unit") or "")) for c in rows)
    return None


def _flags(evidence: Mapping[str, Any]) -> dict[str, bool]:
    for holder in [*_holders(evidence), *[v for v in evidence.values() if isinstance(v, Mapping)]]:
        flags = holder.get("flags")
        if isinstance(flags, Mapping) and flags and all(isinstance(v, bool) for v in flags.values()):
            return dict(flags)
    return {}


def _parts(evidence: Mapping[str, Any]) -> list[Clause]:
    """A verdict made of parts (``verdict[part] = {"status": ...}``): one row per part."""
    verdict = evidence.get("verdict")
    if not isinstance(verdict, Mapping):
        return []
    return [Clause(f"{humanise(str(k))} part", v["status"], None, "pass",
                   {"pass": True, "fail": False}.get(v["status"]))
            for k, v in verdict.items() if isinstance(v, Mapping) and v.get("status") in STATUSES]


def resolve_clauses(r: ClaimResult, numbers: Sequence[KeyNumber]) -> tuple[tuple[Clause, ...], str]:
    """(clauses, source): ``evidence`` when the check lists them, ``derived`` when read from its
    key numbers and flags, ``none`` when it gives neither."""
    evidence = r.evidence if isinstance(r.evidence, Mapping) else {}
    given = _given(evidence)
    if given:
        return given, "evidence"
    rows = [Clause(k.name, k.value, k.interval, unit=k.unit) for k in numbers
            if not (isinstance(k.value, str) and "/" in k.value and k.name == "sub-checks holding")]
    rows += _parts(evidence)
    flags = _flags(evidence)
    if len(flags) <= MAX_FLAGS:
        rows += [Clause(humanise(name), "holds" if ok else "fails", None, "holds", ok) for name, ok in flags.items()]
    else:
        failing = [name for name, ok in flags.items() if not ok]
        rows.append(Clause("sub-checks holding", f"{len(flags) - len(failing)}/{len(flags)}", None,
                           f"all {len(flags)}", not failing))
        rows += [Clause(humanise(name), "fails", None, "holds", False) for name in failing[:MAX_FLAGS]]
        if len(failing) > MAX_FLAGS:
            rows.append(Clause(f"... and {len(failing) - MAX_FLAGS} more failing sub-checks", None, None, "", False))
    return tuple(rows), ("derived" if rows else "none")


def premise(evidence: Any) -> tuple[str, bool | None]:
    """(the premise line, whether it held or None when not said); ("", None) when none is given."""
    if not isinstance(evidence, Mapping):
        return "", None
    for holder in _holders(evidence):
        p = holder.get("premise")
        if isinstance(p, str) and p:
            return p, None
        if isinstance(p, Mapping) and p:
            text = next((str(p[k]) for k in PREMISE_TEXT if isinstance(p.get(k), str) and p[k]), "")
            ok = next((p[k] for k in PREMISE_OK if isinstance(p.get(k), bool)), None)
            rest = [f"{k} = {v}" for k, v in p.items() if k not in PREMISE_TEXT + PREMISE_OK
                    and (v is None or isinstance(v, (str, int, float, bool)))]
            if ok is not None:  # the page marks met / not met itself
                text = re.sub(r"^(premise:\s*)?((not )?met:\s*)?", "", text, flags=re.I)
            return "; ".join(([text] if text else []) + rest), ok
    return "", None


WORDS = (None, "fails", "fail", "inconclusive")


def _failed(c: Clause, fmt) -> str:
    """A failing clause in words: ``minimum does not hold``, ``toy part fails``, ``x = 0.5, needs < 0.1``."""
    if c.value == "fails":
        return f"{c.quantity} does not hold"
    if c.value in ("fail", "inconclusive"):
        return f"{c.quantity} {'fails' if c.value == 'fail' else 'is inconclusive'}"
    value = "" if c.value is None else f" = {fmt(c.value)}" + (f" {c.unit}" if c.unit else "")
    return f"{c.quantity}{value}" + (f", needs {c.threshold}" if c.threshold else "" if value else " does not hold")


def why(r: ClaimResult, clauses: Sequence[Clause], fmt) -> str:
    """One plain sentence saying why a result is not a pass ("" for a pass)."""
    if r.status == "pass":
        return ""
    failing = [c for c in clauses if c.ok is False]
    evidence = r.evidence if isinstance(r.evidence, Mapping) else {}
    reason = next((evidence[k] for k in ("reason", "why", "skipped") if isinstance(evidence.get(k), str)), "")
    if failing:
        parts = [_failed(c, fmt) for c in failing[:3]]
        more = f" (and {len(failing) - 3} more)" if len(failing) > 3 else ""
        because = "; ".join(parts) + more
        numbers = [c for c in clauses if c.ok is None and c.value is not None][:2]
        if numbers and not any(c.value not in WORDS for c in failing):  # say what the numbers were
            because += " (" + "; ".join(f"{c.quantity} = {fmt(c.value)}" + (f" {c.unit}" if c.unit else "")
                                        + (f" [{fmt(c.ci[0])}, {fmt(c.ci[1])}]" if c.ci else "")
                                        for c in numbers) + ")"
    else:
        because = reason or (r.summary or "the check gives no reason").split("; ")[0]
    head = f"{r.claim} ({r.method}) {'failed' if r.status == 'fail' else 'is inconclusive'}"
    return f"{head}: {because}."
