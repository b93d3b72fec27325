"""The raw evidence as blocks, and the report as Markdown; both read the report model.

Layout of the pages (Markdown here, HTML in ``html_page.py``): the counts and one sentence per
claim that failed or is inconclusive, saying why; a summary table; then one section per claim (the
paper's statement; per result the verdict, the premise line and the clauses; the figure; the
rule, once; the raw evidence folded in a ``<details>`` block); the figures that could not be
drawn; the environment. Visible text goes through ``wording.pretty`` (γ, ‖·‖, ∞, ×).

Expressions in the evidence arrive as ``{"str", "latex", "mathml"}`` (``theory.symtools.show``):
pages show the MathML (HTML) or the plain ``str`` form (Markdown), never the LaTeX string, which
stays in ``results.json``. Other strings under a key ending in ``latex`` are left out likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .model import ClaimSection, Finding, Report, from_json
from .wording import article, fmt, pretty

MAX_ROWS = 40  # rows of a list-of-records table shown before truncating
MAX_INLINE = 16  # scalars of a list shown inline before truncating
MAX_DEPTH = 6
EXPRESSION_KEYS = {"str", "latex", "mathml"}


# --- evidence as blocks ------------------------------------------------------------------------

@dataclass
class Block:
    """One piece of evidence: ``kind`` is ``text``, ``math``, ``pre``, ``table`` or ``group``.

    A ``math`` block carries the plain form in ``text`` and the presentation MathML (possibly
    empty) in ``mathml``."""

    key: str
    kind: str
    text: str = ""
    mathml: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)
    note: str = ""


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def is_expression(value: Any) -> bool:
    """``{"str": ..., "latex": ..., "mathml": ...}`` (the last two optional) from ``symtools.show``."""
    return (isinstance(value, Mapping) and "str" in value and set(value) <= EXPRESSION_KEYS
            and len(value) >= 2 and all(isinstance(v, str) for v in value.values()))


def is_latex_key(key: str) -> bool:
    return key.lower().endswith("latex")


def evidence_blocks(evidence: Any, key: str = "", depth: int = 0) -> list[Block]:
    """Turn a JSON evidence value into blocks (recursively, with truncation of long lists)."""
    if depth > MAX_DEPTH:
        return [Block(key, "text", "(nested too deep to show)")]
    if is_expression(evidence):
        return [Block(key, "math", evidence["str"], mathml=evidence.get("mathml", ""))]
    if isinstance(evidence, Mapping):
        children: list[Block] = []
        for k, v in evidence.items():
            if isinstance(v, str) and is_latex_key(str(k)):
                continue  # a LaTeX string: kept in results.json, never shown raw
            children.extend(evidence_blocks(v, str(k), depth + 1))
        return children if depth == 0 and not key else [Block(key, "group", children=children)]
    if isinstance(evidence, str):
        return [Block(key, "pre" if "\n" in evidence else "text", evidence)]
    if _is_scalar(evidence):
        return [Block(key, "text", fmt(evidence))]
    if isinstance(evidence, list):
        return [_list_block(key, evidence, depth)]
    return [Block(key, "text", str(evidence))]


def _list_block(key: str, items: list[Any], depth: int) -> Block:
    if not items:
        return Block(key, "text", "[]")
    if all(_is_scalar(v) for v in items):
        shown = ", ".join(fmt(v) for v in items[:MAX_INLINE])
        more = f", ... ({len(items)} items)" if len(items) > MAX_INLINE else ""
        return Block(key, "text", f"[{shown}{more}]")
    if all(isinstance(v, Mapping) and not is_expression(v) for v in items):
        headers: list[str] = []
        for row in items:
            headers += [str(k) for k in row if str(k) not in headers and not is_latex_key(str(k))]
        rows = [[_cell(row.get(h)) for h in headers] for row in items[:MAX_ROWS]]
        note = f"first {MAX_ROWS} of {len(items)} rows" if len(items) > MAX_ROWS else ""
        return Block(key, "table", headers=headers, rows=rows, note=note)
    if all(isinstance(v, list) and all(_is_scalar(x) for x in v) for v in items):
        width = max(len(v) for v in items)
        if width <= 20:
            rows = [[fmt(x) for x in v] for v in items[:MAX_ROWS]]
            note = f"first {MAX_ROWS} of {len(items)} rows" if len(items) > MAX_ROWS else ""
            return Block(key, "table", headers=[], rows=rows, note=note)
        return Block(key, "text", f"(array of {len(items)} x {width} numbers, not shown)")
    children = []
    for i, v in enumerate(items[:MAX_ROWS]):
        children.extend(evidence_blocks(v, f"{key}[{i}]", depth + 1))
    note = f"first {MAX_ROWS} of {len(items)} items" if len(items) > MAX_ROWS else ""
    return Block(key, "group", children=children, note=note)


def _cell(v: Any) -> str:
    if is_expression(v):
        return v["str"]
    if _is_scalar(v):
        return fmt(v)
    if isinstance(v, list) and all(_is_scalar(x) for x in v) and len(v) <= MAX_INLINE:
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    text = str(v)
    return text if len(text) <= 120 else text[:119] + "…"


# --- shared wording ------------------------------------------------------------------------------

def seconds(v: Any) -> str:
    return "" if v is None else f"{float(v):.1f}"


def environment_rows(report: Report) -> list[tuple[str, str]]:
    x = report.extra
    rows = [("command", " ".join(report.command)),
            ("infgrad", report.infgrad_version),
            ("profile", str(x.get("profile", ""))),
            ("seeds", ", ".join(str(s) for s in report.seeds)),
            ("device", report.device),
            ("wall time (s)", seconds(x.get("wall_seconds")))]
    elsewhere = [f"{r.claim} ({r.device})" for r in report.results if r.device and r.device != report.device]
    if elsewhere:
        rows.append(("reused from another device", ", ".join(elsewhere)))
    rows += [(k, fmt(v)) for k, v in report.environment.items() if k != "device"]
    return rows


def intro(report: Report) -> tuple[str, str]:
    """The opening sentence and the verdict line (plain text)."""
    c = report.counts
    x = report.extra
    first = (f"Claim-by-claim checks of \u201cOn the Value of Infinite Gradients in Variational Autoencoder "
             f"Models\u201d (Dai, Wenliang, Wipf, NeurIPS 2021). Profile {x.get('profile', '?')}, "
             f"infgrad {report.infgrad_version}, wall time {seconds(x.get('wall_seconds'))} s.")
    return first, f"Verdicts: {c['pass']} pass, {c['fail']} fail, {c['inconclusive']} inconclusive."


# --- Markdown --------------------------------------------------------------------------------

def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(headers: list[str], rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    if not headers:
        headers = [""] * (max(len(r) for r in rows) if rows else 1)
    out = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return out


def _md_blocks(blocks: list[Block], indent: int = 0) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    for b in blocks:
        label = f"**{b.key}**: " if b.key else ""
        if b.kind == "text":
            out.append(f"{pad}- {label}{b.text}")
        elif b.kind == "math":
            out.append(f"{pad}- {label}`{b.text}`")
        elif b.kind == "pre":
            out += [f"{pad}- {label}", "", f"{pad}  ```text"]
            out += [f"{pad}  {line}" for line in b.text.splitlines()] + [f"{pad}  ```", ""]
        elif b.kind == "table":
            out += [f"{pad}- {label}" + (f"({b.note})" if b.note else ""), ""]
            out += [f"{pad}  {line}" for line in md_table(b.headers, b.rows)] + [""]
        elif b.kind == "group":
            out.append(f"{pad}- {label}" + (f"({b.note})" if b.note else ""))
            out += _md_blocks(b.children, indent + 1)
    return out


def _md_finding(f: Finding) -> list[str]:
    r = f.result
    lines = [f"**{r.status}** by {article(r.method)} {r.method} check in {seconds(r.seconds)} s.", ""]
    mark = {True: " (met)", False: " (not met)", None: ""}[f.premise_ok]
    lines += [f"*Premise:* {pretty(f.premise)}{mark}" if f.premise else "*Premise:* the check states none", ""]
    if f.clauses:
        lines += md_table(["quantity", "value", "95% interval", "threshold", "holds"],
                          ([pretty(c.quantity), " ".join(filter(None, (fmt(c.value), c.unit))), _ci(c.ci),
                            pretty(c.threshold), {True: "✓", False: "✗", None: "–"}[c.ok]] for c in f.clauses))
        lines.append("")
    if f.why:
        lines += [f"*Why:* {pretty(f.why)}", ""]
    lines += [f"*In one line:* {pretty(r.summary or '(none)')}", ""]
    return lines


def shown_evidence(f: Finding) -> Any:
    """The evidence without the rule where it repeats the one the section shows."""
    ev = f.result.evidence
    if not isinstance(ev, Mapping):
        return ev
    ev = {k: v for k, v in ev.items() if not (k == "rule" and v == f.rule)}
    verdict = ev.get("verdict")
    if isinstance(verdict, Mapping) and verdict.get("rule") == f.rule:
        ev["verdict"] = {k: v for k, v in verdict.items() if k != "rule"}
    return ev


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def _md_section(sec: ClaimSection) -> list[str]:
    lines = [f"### {sec.claim}", "", f"{pretty(sec.title)} ({sec.paper_ref}). Verdict: **{sec.status}**.", "",
             f"> {pretty(sec.statement)}", ""]
    if not sec.findings:
        lines += ["*Not run: no check produced a result for this claim.*", ""]
    for f in sec.findings:
        lines += _md_finding(f)
    for fig in sec.figures_here:
        caption = pretty(fig.caption) or f"drawn for {', '.join(fig.claims)}"
        lines += [f"[![{fig.name}]({fig.png})]({fig.png})", "", f"*Figure {fig.name}:* {caption}", ""]
    for fig in sec.figures_elsewhere:
        lines += [f"Figure `{fig.name}`: shown with [{fig.home}](#{fig.home.lower()}).", ""]
    for fig in sec.figures_undrawn:
        lines += [f"*Figure `{fig.name}` not drawn ({fig.status}): {fig.note}*", ""]
    for rule in dict.fromkeys(f.rule or "the check states no rule" for f in sec.findings):
        lines += [f"**Rule:** {pretty(rule)}", ""]
    for f in sec.findings:
        lines += ["<details><summary>Raw evidence</summary>", ""]
        lines += _md_blocks(evidence_blocks(shown_evidence(f))) + ["", "</details>", ""]
    return lines


def markdown_page(report: Report | Mapping[str, Any]) -> str:
    """The report as Markdown; figures are linked by their relative paths, each shown once."""
    if not isinstance(report, Report):
        report = from_json(report)
    first, verdicts = intro(report)
    lines = ["# infgrad report", "", pretty(first), "", verdicts, "",
             "## What failed or was inconclusive, and why", ""]
    why = [f"- [{f.result.claim}](#{f.result.claim.lower()}){pretty(f.why.removeprefix(f.result.claim))}"
           for s in report.sections for f in s.findings if f.why]
    lines += (why or ["Nothing: every check passed."]) + ["", "## Summary", ""]
    lines += md_table(["claim", "paper", "method", "verdict", "evidence", "s"], summary_rows_md(report))
    lines += ["", "## Claims", ""]
    for sec in report.sections:
        lines += _md_section(sec)
    if report.undrawn:
        lines += ["## Figures not drawn", ""]
        lines += [f"- `{f.name}` ({', '.join(f.claims) or 'no claims'}): {f.status}: {f.note}" for f in report.undrawn]
        lines.append("")
    lines += ["## Environment", ""] + md_table(["item", "value"], ([k, v] for k, v in environment_rows(report)))
    return "\n".join(lines + [""])


def summary_rows_md(report: Report) -> Iterable[list[str]]:
    for sec in report.sections:
        link = f"[{sec.claim}](#{sec.claim.lower()})"
        if not sec.findings:
            yield [link, sec.paper_ref, "", "**not run**", "no check produced a result for this claim", ""]
        for f in sec.findings:
            r = f.result
            yield [link, r.paper_ref, r.method, f"**{r.status}**", pretty(r.summary), seconds(r.seconds)]
