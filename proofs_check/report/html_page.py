"""The report as one HTML page, rendered by jinja2 (autoescape) from the report model.

The page (``templates/report.html.j2``, styled by ``templates/report.css``) has no JavaScript; the
figures are PNG files beside it (``figures/*.png``), each shown at the page's full width and linked
to itself at full size. At the top: the counts and one sentence per claim that failed or is
inconclusive, saying why. Per claim, in order: the paper's statement; per result the premise
line and the table of clauses (quantity, value, 95% interval, threshold, ✓/✗); the figure; the
rule, once; the raw evidence, folded. Visible text goes through ``wording.pretty`` (γ, ‖·‖, ∞, ×).

Maths from the evidence is presentation MathML, which browsers render natively; a MathML string
is used only when it holds nothing but MathML elements (else its plain form is shown as code), so
a tampered ``results.json`` cannot inject markup; every other string is escaped by jinja2.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from .markdown import Block, environment_rows, evidence_blocks, intro, seconds, shown_evidence
from .model import ClaimSection, FigureEntry, Finding, Report, from_json
from .wording import article, fmt, pretty

TEMPLATES = Path(__file__).parent / "templates"

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MATHML_TAGS = frozenset(
    "math mi mn mo ms mtext mspace mrow mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd".split())
MATHML_ATTRS = frozenset(
    "mathvariant stretchy fence separator separators open close linethickness lspace rspace form accent "
    "accentunder notation columnalign displaystyle scriptlevel width largeop movablelimits".split())
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z-]+=\"[^\"<>&]*\")*)\s*(/?)>")
_ATTR = re.compile(r"([A-Za-z-]+)=\"")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def safe_mathml(markup: str) -> bool:
    """True when ``markup`` holds only MathML presentation elements, allowed attributes, text and
    character references (what sympy's presentation printer writes); anything else is refused."""
    for m in _TAG.finditer(markup):
        if m.group(2) not in MATHML_TAGS or any(a not in MATHML_ATTRS for a in _ATTR.findall(m.group(3))):
            return False
    rest = _ENTITY.sub("", _TAG.sub("", markup))
    return "<" not in rest and ">" not in rest and "&" not in rest


def math_html(plain: str, mathml: str) -> Markup:
    """An expression as inline MathML, or as code of its plain form when no safe MathML is known."""
    if mathml and safe_mathml(mathml):
        return Markup(f'<math xmlns="{MATHML_NS}" display="inline">{mathml}</math>')
    return Markup("<code>{}</code>").format(pretty(plain))




@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template("report.html.j2")


def _view_blocks(blocks: list[Block]) -> list[dict[str, Any]]:
    out = []
    for b in blocks:
        out.append({"key": pretty(b.key), "kind": b.kind, "text": pretty(b.text), "note": b.note,
                    "html": math_html(b.text, b.mathml) if b.kind == "math" else "",
                    "headers": [pretty(h) for h in b.headers], "rows": [[pretty(c) for c in r] for r in b.rows],
                    "children": _view_blocks(b.children)})
    return out


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f"[{fmt(ci[0])}, {fmt(ci[1])}]"


CLAUSE_NOTES = {"derived": "The check lists no clauses: these rows are its deciding numbers and its named "
                           "sub-checks; a number without a mark is judged by the rule below.",
                "evidence": "", "none": ""}


def _finding(f: Finding) -> dict[str, Any]:
    r = f.result
    return {"status": r.status, "method": r.method, "article": article(r.method), "seconds": seconds(r.seconds),
            "device": r.device, "premise": pretty(f.premise), "premise_ok": f.premise_ok,
            "clauses": [{"quantity": pretty(c.quantity), "value": pretty(" ".join(filter(None, (fmt(c.value), c.unit)))), "ci": _ci(c.ci),
                         "threshold": pretty(c.threshold), "ok": c.ok} for c in f.clauses],
            "clauses_note": CLAUSE_NOTES[f.clauses_source], "why": pretty(f.why.split(": ", 1)[-1]),
            "summary": pretty(r.summary or "(none)"),
            "evidence": _view_blocks(evidence_blocks(shown_evidence(f)))}


def caption(fig: FigureEntry, report: Report) -> str:
    """What the figure shows: its own caption, else the titles of the claims it illustrates."""
    if fig.caption:
        return pretty(fig.caption)
    titles = {s.claim: s.title for s in report.sections}
    return "Drawn for " + "; ".join(f"{c}: {pretty(titles.get(c, ''))}".rstrip(": ") for c in fig.claims) + "."


def _section(sec: ClaimSection, report: Report, base_dir: Path) -> dict[str, Any]:
    rules: dict[str, list[str]] = {}
    for f in sec.findings:
        rules.setdefault(f.rule or "the check states no rule", []).append(f.result.method)
    figs = [{"name": g.name, "anchor": g.anchor, "src": g.png, "caption": caption(g, report),
             "alt": f"figure {g.name}: " + caption(g, report),
             "others": [p for p in g.files if p != g.png]} for g in sec.figures_here]
    return {"claim": sec.claim, "title": pretty(sec.title), "paper_ref": sec.paper_ref, "status": sec.status,
            "statement": pretty(sec.statement), "findings": [_finding(f) for f in sec.findings],
            "figures": [g for g in figs if (base_dir / g["src"]).is_file()],
            "figures_missing": [g for g in figs if not (base_dir / g["src"]).is_file()],
            "figures_elsewhere": sec.figures_elsewhere, "figures_undrawn": sec.figures_undrawn,
            "rules": [(pretty(rule), ", ".join(methods)) for rule, methods in rules.items()]}


def html_page(report: Report | Mapping[str, Any], base_dir: str | Path) -> str:
    """The report as one HTML page; its figures are the PNG files under ``base_dir`` it links to."""
    if not isinstance(report, Report):
        report = from_json(report)
    base_dir = Path(base_dir)
    first, _ = intro(report)
    why = [(f.result.claim, pretty(f.why.removeprefix(f.result.claim).lstrip()))
           for s in report.sections for f in s.findings if f.why]
    return _template().render(
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        intro=pretty(first), counts=list(report.counts.items()), why=why,
        sections=[_section(s, report, base_dir) for s in report.sections],
        undrawn=[{"name": g.name, "claims": ", ".join(g.claims) or "no claims", "status": g.status,
                  "note": g.note} for g in report.undrawn],
        environment=environment_rows(report))
