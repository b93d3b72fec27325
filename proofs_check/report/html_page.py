"""The report as one self-contained HTML page, rendered from the report model.

One file, readable offline: inline CSS, no JavaScript, every PNG figure embedded once as a base64
data URI (in the section of the first claim it shows; other claims link to it). Maths is
presentation MathML, which browsers render natively; a MathML string from the evidence is used
only when it holds nothing but MathML elements (else its plain form is shown as code), so a
tampered ``results.json`` cannot inject markup.

Per claim, a reader sees the paper's statement, then per result the verdict, the rule, the
numbers that decided it (with intervals), the check's summary, and the raw evidence folded in a
``<details>`` block; the figure sits beside the text.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from .model import ClaimSection, FigureEntry, Finding, Report, from_json
from .markdown import (Block, environment_rows, evidence_blocks, fmt, interval_text, intro, numbers_note,
                           rule_text, seconds)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
table.numbers td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.verdict{font-weight:bold;padding:0 .4em;border-radius:3px}
.pass{color:#14632d;background:#dff3e4}.fail{color:#8a1111;background:#fadcdc}
.inconclusive{color:#7a5a00;background:#fff2c6}.not-run{color:#555;background:#eee}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f6f6f6}
pre{padding:.5em;overflow-x:auto;white-space:pre-wrap}
section.claim{border-top:2px solid #ddd;margin-top:1.8em;padding-top:.4em}
.claim-body{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.2em;align-items:start}
.claim-body.no-figure{grid-template-columns:minmax(0,1fr)}
@media (max-width:900px){.claim-body{grid-template-columns:minmax(0,1fr)}}
blockquote.statement{margin:.4em 0;padding:.3em .8em;border-left:4px solid #7aa7d6;background:#f4f8fc}
.finding{margin:.6em 0 1em 0}
.rule{margin:.3em 0}
.label{font-weight:600}
.source{color:#666;font-size:.9em}
figure{margin:0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
details{margin:.4em 0;border:1px solid #e3e3e3;border-radius:4px;padding:.2em .6em;background:#fcfcfc}
summary{cursor:pointer;color:#335}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15em .8em;margin:.2em 0 .2em .6em}
dt{font-weight:600}dd{margin:0;min-width:0;overflow-x:auto}
div.wide{overflow-x:auto;max-width:100%}
math{math-style:normal;font-size:1.15em}
.note{color:#7a5a00}
"""

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


def math_html(plain: str, mathml: str) -> str:
    """An expression as inline MathML, or as code of its plain form when no safe MathML is known."""
    if mathml and safe_mathml(mathml):
        return f'<math xmlns="{MATHML_NS}" display="inline">{mathml}</math>'
    return f"<code>{_e(plain)}</code>"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table(headers: list[str], rows: Iterable[list[str]], cls: str = "", escape: bool = True) -> str:
    cell = _e if escape else str
    out = [f'<table class="{cls}">' if cls else "<table>"]
    if headers:
        out.append("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>" for r in rows]
    out.append("</tbody></table>")
    return "".join(out)


def _blocks(blocks: list[Block]) -> str:
    out = ["<dl>"]
    for b in blocks:
        out.append(f"<dt>{_e(b.key)}</dt>")
        note = f'<div class="note">{_e(b.note)}</div>' if b.note else ""
        if b.kind == "text":
            out.append(f"<dd>{_e(b.text)}</dd>")
        elif b.kind == "math":
            out.append(f"<dd>{math_html(b.text, b.mathml)}</dd>")
        elif b.kind == "pre":
            out.append(f"<dd><pre>{_e(b.text)}</pre></dd>")
        elif b.kind == "table":
            out.append(f'<dd><div class="wide">{_table(b.headers, b.rows)}</div>{note}</dd>')
        elif b.kind == "group":
            out.append(f"<dd>{_blocks(b.children)}{note}</dd>")
    out.append("</dl>")
    return "".join(out)


def verdict(status: str) -> str:
    return f'<span class="verdict {_e(status.replace(" ", "-"))}">{_e(status)}</span>'


def png_data_uri(path: Path) -> str:
    """A PNG file as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _figure(f: FigureEntry, base_dir: Path) -> str:
    path = base_dir / (f.png or "")
    if not path.is_file():
        return f'<p class="note">Figure file {_e(f.png)} is missing.</p>'
    others = ", ".join(Path(p).name for p in f.files if p != f.png)
    return (f'<figure id="{_e(f.anchor)}"><img src="{png_data_uri(path)}" alt="figure {_e(f.name)}">'
            f'<figcaption>Figure {_e(f.name)}, for {_e(", ".join(f.claims))} ({_e(f.png)}'
            f'{"; also " + _e(others) if others else ""})</figcaption></figure>')


def _numbers(f: Finding) -> str:
    if not f.key_numbers:
        return ""
    rows = [[_e(k.name), f'<span class="num">{_e(fmt(k.value))}</span>', _e(interval_text(k)), _e(k.unit)]
            for k in f.key_numbers]
    return _table(["deciding number", "value", "95% interval", "unit"], rows, cls="numbers", escape=False)


def _finding(f: Finding) -> str:
    r = f.result
    note = numbers_note(f)
    n_blocks = len(evidence_blocks(r.evidence))
    return "".join([
        '<div class="finding">',
        f"<p>{verdict(r.status)} by a {_e(r.method)} check in {_e(seconds(r.seconds))} s</p>",
        f'<p class="rule"><span class="label">Rule:</span> {_e(rule_text(f))}</p>',
        _numbers(f),
        f'<p><span class="label">Summary:</span> {_e(r.summary or "(none)")}'
        + (f' <span class="source">({_e(note)})</span>' if note else "") + "</p>",
        f"<details><summary>Raw evidence ({n_blocks} entries)</summary>",
        _blocks(evidence_blocks(r.evidence)), "</details>",
        "</div>",
    ])


def _section(sec: ClaimSection, base_dir: Path) -> str:
    text = [f'<blockquote class="statement"><span class="label">The paper ({_e(sec.paper_ref)}):</span> '
            f"{_e(sec.statement)}</blockquote>"]
    if not sec.findings:
        text.append(f"<p>{verdict('not run')} no check produced a result for this claim.</p>"
                    "<details><summary>Raw evidence (none)</summary><p>No check ran for this claim.</p></details>")
    text += [_finding(f) for f in sec.findings]
    side = [_figure(f, base_dir) for f in sec.figures_here]
    side += [f'<p>Figure <a href="#{_e(f.anchor)}">{_e(f.name)}</a> (shown with {_e(f.home)}) also bears on '
             f"this claim.</p>" for f in sec.figures_elsewhere]
    side += [f'<p class="note">Figure <code>{_e(f.name)}</code> not drawn ({_e(f.status)}): {_e(f.note)}</p>'
             for f in sec.figures_undrawn]
    cls = "claim-body" if side else "claim-body no-figure"
    return (f'<section class="claim" id="{_e(sec.claim)}"><h3>{_e(sec.claim)}: {_e(sec.title)} '
            f"{verdict(sec.status)}</h3>"
            f'<div class="{cls}"><div class="claim-text">{"".join(text)}</div>'
            + (f'<div class="claim-figure">{"".join(side)}</div>' if side else "") + "</div></section>")


def html_page(report: Report | Mapping[str, Any], base_dir: str | Path) -> str:
    """The report as one self-contained HTML page (PNG figures under ``base_dir`` embedded once)."""
    if not isinstance(report, Report):
        report = from_json(report)
    base_dir = Path(base_dir)
    first, verdicts = intro(report)
    body = ["<h1>infgrad report</h1>", f"<p>{_e(first)}</p>", f"<p>{_e(verdicts)}</p>",
            "<p>Derived expressions are shown as MathML; results.json keeps their plain and LaTeX forms.</p>",
            '<h2 id="summary">Summary</h2>']
    rows = []
    for sec in report.sections:
        link = f'<a href="#{_e(sec.claim)}">{_e(sec.claim)}</a>'
        if not sec.findings:
            rows.append([link, _e(sec.paper_ref), "", verdict("not run"),
                         "no check produced a result for this claim", ""])
        for f in sec.findings:
            r = f.result
            rows.append([link, _e(r.paper_ref), _e(r.method), verdict(r.status), _e(r.summary),
                         _e(seconds(r.seconds))])
    body.append('<div class="wide">' + _table(["claim", "paper", "method", "verdict", "evidence", "s"], rows,
                                              cls="summary", escape=False) + "</div>")
    body.append("<h2>Claims</h2>")
    body += [_section(sec, base_dir) for sec in report.sections]
    if report.undrawn:
        body.append('<h2 id="figures-not-drawn">Figures not drawn</h2><ul>')
        body += [f"<li><code>{_e(f.name)}</code> ({_e(', '.join(f.claims) or 'no claims')}): "
                 f"{_e(f.status)}: {_e(f.note)}</li>" for f in report.undrawn]
        body.append("</ul>")
    body.append('<h2 id="environment">Environment</h2>')
    body.append(_table(["item", "value"], ([k, v] for k, v in environment_rows(report)), cls="environment"))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>infgrad report</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
