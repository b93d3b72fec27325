"""The report as one typed model, built once from the check results; every output renders it.

``build`` turns the ClaimResults of a run (and the figure entries of ``infgrad report``) into a
:class:`Report`. ``Report.to_json`` is the JSON document of the command-line contract;
the terminal table (``terminal.py``), the Markdown page (``markdown.py``) and the HTML page
(``html_page.py``) read the same model, so no value is derived twice.

Per claim the model holds the paper's statement in one sentence, and per result the rule that
decided it and the numbers that decided it. Where a check does not name them, they fall back,
each with its source recorded so that the page can say where a line came from:

- statement: ``ClaimResult.statement``, else ``statements.STATEMENTS``, else the claim's title;
- rule: ``ClaimResult.rule``, else ``evidence["rule"]``, else, when the evidence carries a
  ``flags`` table of named sub-checks that agrees with the status, "pass when every sub-check
  holds", else none (the page says the check states no rule);
- key numbers: ``ClaimResult.key_numbers``, else the count of sub-checks holding (from
  ``flags``) followed by the numbers of the experiment's own ``evidence["verdict"]["detail"]``
  (its scalars, and the mean of each ``{"mean": ...}`` statistic, with its interval when the
  statistic has a two-number ``ci...`` entry), at most ``MAX_NUMBERS`` in all; the check's
  one-line summary is always shown beside them;
- clauses, premise and the sentence saying why a result is not a pass: ``clauses.py``.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .. import __version__
from ..claims.model import CLAIMS, ClaimResult, KeyNumber, jsonable
from ..claims.statements import STATEMENTS
from .clauses import Clause, premise, resolve_clauses, why
from .wording import fmt

NOT_RUN = "not run"
MAX_NUMBERS = 4  # deciding numbers shown when the check names none


def environment(device: str = "cpu") -> dict[str, Any]:
    """Versions and machine, for the record (imports nothing heavy that is not already loaded)."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "device": device,
    }
    for mod in ("sympy", "numpy", "scipy", "torch", "sklearn", "cvxpy", "flint", "mpmath"):
        m = sys.modules.get(mod)
        if m is not None:
            env[mod] = getattr(m, "__version__", "?")
    return env


@dataclass(frozen=True)
class Finding:
    """One result of one check on one claim, with its rule and deciding numbers resolved."""

    result: ClaimResult
    rule: str
    rule_source: str  # "check", "evidence", "flags" or "none"
    key_numbers: tuple[KeyNumber, ...]
    numbers_source: str  # "check", "evidence" or "none"
    clauses: tuple[Clause, ...] = ()
    clauses_source: str = "none"  # "evidence", "derived" or "none" (see ``clauses.py``)
    premise: str = ""
    premise_ok: bool | None = None
    why: str = ""  # one plain sentence when the status is not pass

    @property
    def status(self) -> str:
        return self.result.status


@dataclass(frozen=True)
class FigureEntry:
    """A figure of ``figures.FIGURES`` as ``infgrad report`` drew it (or failed to)."""

    name: str
    claims: tuple[str, ...]
    status: str  # "drawn", "no data", "bad data", "absent" or "crashed"
    note: str = ""
    files: tuple[str, ...] = ()  # relative to the report's folder
    module: str = ""
    home: str = ""  # the claim whose section embeds it ("" when not drawn); set by ``build``
    caption: str = ""  # what the figure shows (the module's ``CAPTION``)

    @property
    def anchor(self) -> str:
        return f"fig-{self.name}"

    @property
    def png(self) -> str | None:
        return next((f for f in self.files if f.endswith(".png")), None)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "claims": list(self.claims),
                "files": list(self.files), "status": self.status, "note": self.note,
                "caption": self.caption}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "FigureEntry":
        return cls(name=str(data["name"]), claims=tuple(str(c) for c in data.get("claims", ())),
                   status=str(data.get("status", "")), note=str(data.get("note", "")),
                   files=tuple(str(f) for f in data.get("files", ())), module=str(data.get("module", "")),
                   caption=str(data.get("caption", "")))


@dataclass(frozen=True)
class ClaimSection:
    """Everything the report says about one claim."""

    claim: str
    title: str
    paper_ref: str
    statement: str
    findings: tuple[Finding, ...]
    figures_here: tuple[FigureEntry, ...]  # embedded in this section (their first claim)
    figures_elsewhere: tuple[FigureEntry, ...]  # drawn for this claim too, embedded in another section
    figures_undrawn: tuple[FigureEntry, ...]  # meant for this claim, not drawn (status and note say why)

    @property
    def status(self) -> str:
        """The claim's overall verdict: fail beats inconclusive beats pass; no result is ``not run``."""
        got = {f.status for f in self.findings}
        for s in ("fail", "inconclusive", "pass"):
            if s in got:
                return s
        return NOT_RUN


@dataclass(frozen=True)
class Report:
    """One run's report: what was run where, the sections in claim order, and the figures."""

    infgrad_version: str
    command: tuple[str, ...]
    seeds: tuple[int, ...]
    device: str
    environment: dict[str, Any]
    results: tuple[ClaimResult, ...]
    sections: tuple[ClaimSection, ...]
    figures: tuple[FigureEntry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # profile, wall_seconds, reused, ...

    @property
    def counts(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "inconclusive": 0}
        for r in self.results:
            counts[r.status] += 1
        return counts

    @property
    def undrawn(self) -> tuple[FigureEntry, ...]:
        return tuple(f for f in self.figures if f.status != "drawn")

    def to_json(self) -> dict[str, Any]:
        """The JSON document of the command-line contract: version, command, seeds, device, environment, and per
        claim ``{claim, title, paper_ref, method, status, evidence, seconds, ...}``; then the extras."""
        doc: dict[str, Any] = {
            "infgrad_version": self.infgrad_version,
            "command": list(self.command),
            "seeds": list(self.seeds),
            "device": self.device,
            "environment": jsonable(self.environment),
            "claims": [r.to_json() for r in self.results],
        }
        doc.update(jsonable(self.extra))
        if self.figures:
            doc["figures"] = [f.to_json() for f in self.figures]
        return doc


# --- the fallbacks ---------------------------------------------------------------------------

def _flags(evidence: Mapping[str, Any]) -> dict[str, bool] | None:
    """The ``flags`` table of named sub-checks, at the top of the evidence or one level down."""
    for holder in [evidence, *[v for v in evidence.values() if isinstance(v, Mapping)]]:
        flags = holder.get("flags")
        if isinstance(flags, Mapping) and flags and all(isinstance(v, bool) for v in flags.values()):
            return dict(flags)
    return None


def resolve_rule(r: ClaimResult) -> tuple[str, str]:
    """(rule, source) for a result; see the module docstring for the order."""
    if r.rule:
        return r.rule, "check"
    rule = r.evidence.get("rule") if isinstance(r.evidence, Mapping) else None
    if isinstance(rule, str) and rule:
        return rule, "evidence"
    flags = _flags(r.evidence) if isinstance(r.evidence, Mapping) else None
    if flags and r.status == ("pass" if all(flags.values()) else "fail"):
        return f"pass when every one of its {len(flags)} sub-checks holds", "flags"
    return "", "none"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _interval(stat: Mapping[str, Any]) -> tuple[float, float] | None:
    for k, v in stat.items():
        if k.startswith("ci") and isinstance(v, (list, tuple)) and len(v) == 2 and all(map(_is_number, v)):
            return (v[0], v[1])
    return None


def _detail_numbers(evidence: Mapping[str, Any]) -> list[KeyNumber]:
    """The numbers an experiment's verdict was computed from (``evidence["verdict"]["detail"]``)."""
    verdict = evidence.get("verdict")
    detail = verdict.get("detail") if isinstance(verdict, Mapping) else None
    if not isinstance(detail, Mapping):
        return []
    out = []
    for k, v in detail.items():
        if _is_number(v):
            out.append(KeyNumber(str(k), v))
        elif isinstance(v, Mapping) and _is_number(v.get("mean")):
            out.append(KeyNumber(f"{k} (mean)", v["mean"], _interval(v)))
    return out


def resolve_numbers(r: ClaimResult) -> tuple[tuple[KeyNumber, ...], str]:
    """(key numbers, source) for a result; see the module docstring for the order."""
    if r.key_numbers:
        return tuple(r.key_numbers), "check"
    if not isinstance(r.evidence, Mapping):
        return (), "none"
    flags = _flags(r.evidence)
    numbers = [KeyNumber("sub-checks holding", f"{sum(flags.values())}/{len(flags)}")] if flags else []
    numbers += _detail_numbers(r.evidence)
    return tuple(numbers[:MAX_NUMBERS]), ("evidence" if numbers else "none")


def finding(r: ClaimResult) -> Finding:
    rule, rule_source = resolve_rule(r)
    numbers, numbers_source = resolve_numbers(r)
    clauses, clauses_source = resolve_clauses(r, numbers)
    line, ok = premise(r.evidence)
    return Finding(r, rule, rule_source, numbers, numbers_source, clauses, clauses_source, line, ok,
                   why(r, clauses, fmt))


# --- building ---------------------------------------------------------------------------------

def _claim_ids(results: Sequence[ClaimResult]) -> list[str]:
    return list(CLAIMS) + sorted({r.claim for r in results} - set(CLAIMS), key=_claim_order)


def _with_homes(figures: Sequence[FigureEntry], ids: Sequence[str]) -> tuple[FigureEntry, ...]:
    """A drawn figure is embedded once, in the section of the first claim (in report order) it shows."""
    out = []
    for f in figures:
        mine = [c for c in ids if c in f.claims]
        home = mine[0] if f.status == "drawn" and f.png and mine else ""
        out.append(dataclasses.replace(f, home=home))
    return tuple(out)


def _sections(results: Sequence[ClaimResult], figures: Sequence[FigureEntry]) -> tuple[ClaimSection, ...]:
    ids = _claim_ids(results)
    sections = []
    for cid in ids:
        spec = CLAIMS.get(cid)
        mine = [r for r in results if r.claim == cid]
        statement = next((r.statement for r in mine if r.statement), "") or STATEMENTS.get(cid, "")
        title = spec.title if spec else (mine[0].title if mine else "")
        sections.append(ClaimSection(
            claim=cid,
            title=title,
            paper_ref=spec.paper_ref if spec else (mine[0].paper_ref if mine else ""),
            statement=statement or title,
            findings=tuple(finding(r) for r in mine),
            figures_here=tuple(f for f in figures if f.home == cid),
            figures_elsewhere=tuple(f for f in figures if f.home and f.home != cid and cid in f.claims),
            figures_undrawn=tuple(f for f in figures if not f.home and cid in f.claims),
        ))
    return tuple(sections)


def _claim_order(cid: str) -> tuple[int, str]:
    digits = cid[1:]
    return (int(digits), cid) if cid[:1] == "T" and digits.isdigit() else (10**9, cid)


def build(
    results: Sequence[ClaimResult],
    *,
    command: Sequence[str],
    seeds: Sequence[int],
    device: str,
    figures: Sequence[FigureEntry | Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
    env: Mapping[str, Any] | None = None,
) -> Report:
    """The report of one run: built once, rendered by every output."""
    results = tuple(results)
    figs = _with_homes([f if isinstance(f, FigureEntry) else FigureEntry.from_json(f) for f in figures],
                       _claim_ids(results))
    return Report(
        infgrad_version=__version__,
        command=tuple(command),
        seeds=tuple(int(s) for s in seeds),
        device=device,
        environment=dict(env) if env is not None else environment(device),
        results=results,
        sections=_sections(results, figs),
        figures=figs,
        extra=dict(extra or {}),
    )


CONTRACT_KEYS = ("infgrad_version", "command", "seeds", "device", "environment", "claims", "figures")


def from_json(doc: Mapping[str, Any]) -> Report:
    """A report rebuilt from its JSON document (``results.json``), e.g. to re-render the pages."""
    report = build([ClaimResult.from_json(c) for c in doc.get("claims", [])],
                   command=doc.get("command", []), seeds=doc.get("seeds", []),
                   device=str(doc.get("device", "")), figures=doc.get("figures", []),
                   extra={k: v for k, v in doc.items() if k not in CONTRACT_KEYS},
                   env=doc.get("environment", {}))
    version = doc.get("infgrad_version")
    if version is not None and version != report.infgrad_version:
        report = dataclasses.replace(report, infgrad_version=str(version))
    return report
