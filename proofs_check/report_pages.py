"""The report as Markdown and as one self-contained HTML page, both from the JSON document.

Input is the document of ``report.document`` (what ``results.json`` holds), with the keys that
``infgrad report`` adds: ``profile``, ``wall_seconds`` and ``figures``, a list of
``{"name", "claims", "status", "files", "note"}`` (``status`` one of ``drawn``, ``no data``,
``absent``, ``crashed``; ``files`` relative to the report's directory).

Layout of both pages: the summary table first (claim, paper reference, method, verdict, one-line
evidence, seconds), then one section per claim with its evidence and figures, then the figures
that could not be drawn, then the environment. The HTML embeds every PNG as a base64 data URI,
has inline CSS and no JavaScript, so it reads offline as a single file. LaTeX is shown as code
(no MathJax: that would need JavaScript and the network).
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .claims import CLAIMS

MAX_ROWS = 40  # rows of a list-of-records table shown before truncating
MAX_INLINE = 16  # scalars of a list shown inline before truncating
MAX_DEPTH = 6


# --- the rows and sections, shared by both pages -----------------------------------------

def summary_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per result, in the order of the CLAIMS table; a claim with no result gets a
    ``not run`` row so that nothing goes missing silently."""
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for r in doc.get("claims", []):
        by_claim.setdefault(r["claim"], []).append(r)
    rows = []
    order = list(CLAIMS) + [c for c in by_claim if c not in CLAIMS]
    for cid in order:
        spec = CLAIMS.get(cid)
        got = by_claim.get(cid, [])
        if not got:
            rows.append({"claim": cid, "paper_ref": spec.paper_ref if spec else "", "method": "",
                         "status": "not run", "summary": "no check produced a result for this claim",
                         "seconds": None})
        for r in got:
            rows.append({"claim": cid, "paper_ref": r.get("paper_ref", ""), "method": r.get("method", ""),
                         "status": r.get("status", ""), "summary": r.get("summary", ""),
                         "seconds": r.get("seconds")})
    return rows


def claim_sections(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Per claim (CLAIMS order): id, title, paper reference, its results and its figure entries."""
    figures = doc.get("figures", [])
    sections = []
    results = doc.get("claims", [])
    ids = list(CLAIMS) + sorted({r["claim"] for r in results} - set(CLAIMS))
    for cid in ids:
        spec = CLAIMS.get(cid)
        mine = [r for r in results if r["claim"] == cid]
        sections.append({
            "claim": cid,
            "title": spec.title if spec else (mine[0].get("title", "") if mine else ""),
            "paper_ref": spec.paper_ref if spec else (mine[0].get("paper_ref", "") if mine else ""),
            "results": mine,
            "figures": [f for f in figures if cid in f.get("claims", [])],
        })
    return sections


def verdict_counts(doc: dict[str, Any]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "inconclusive": 0}
    for r in doc.get("claims", []):
        counts[r.get("status", "inconclusive")] = counts.get(r.get("status", "inconclusive"), 0) + 1
    return counts


# --- evidence as blocks --------------------------------------------------------------------

@dataclass
class Block:
    """One piece of evidence: ``kind`` is ``text``, ``code``, ``math``, ``pre``, ``table`` or ``group``."""

    key: str
    kind: str
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)
    note: str = ""


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


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _string_kind(key: str, value: str) -> str:
    k = key.lower()
    if k.endswith("latex"):
        return "math"
    if "\n" in value or k in ("traceback",):
        return "pre"
    if any(w in k for w in ("expr", "formula", "derivation", "identity", "objective", "majorizer")):
        return "code"
    return "text"


def evidence_blocks(evidence: Any, key: str = "", depth: int = 0) -> list[Block]:
    """Turn a JSON evidence value into blocks (recursively, with truncation of long lists)."""
    if depth > MAX_DEPTH:
        return [Block(key, "text", "(nested too deep to show)")]
    if isinstance(evidence, dict):
        if depth == 0 and not key:
            out: list[Block] = []
            for k, v in evidence.items():
                out.extend(evidence_blocks(v, str(k), depth + 1))
            return out
        children: list[Block] = []
        for k, v in evidence.items():
            children.extend(evidence_blocks(v, str(k), depth + 1))
        return [Block(key, "group", children=children)]
    if isinstance(evidence, str):
        return [Block(key, _string_kind(key, evidence), evidence)]
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
    if all(isinstance(v, dict) for v in items):
        headers: list[str] = []
        for row in items:
            for k in row:
                if k not in headers:
                    headers.append(str(k))
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
    if _is_scalar(v):
        return fmt(v)
    if isinstance(v, list) and all(_is_scalar(x) for x in v) and len(v) <= MAX_INLINE:
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    text = str(v)
    return text if len(text) <= 120 else text[:119] + "…"


def _seconds(v: Any) -> str:
    return "" if v is None else f"{float(v):.1f}"


# --- Markdown -----------------------------------------------------------------------------

def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: Iterable[list[str]]) -> list[str]:
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
        label = f"**{b.key}**" if b.key else ""
        if b.kind == "text":
            out.append(f"{pad}- {label}: {b.text}" if label else f"{pad}- {b.text}")
        elif b.kind == "code":
            out.append(f"{pad}- {label}: `{b.text}`")
        elif b.kind in ("math", "pre"):
            fence = "math" if b.kind == "math" else "text"
            out.append(f"{pad}- {label}:")
            out.append("")
            out += [f"{pad}  ```{fence}"] + [f"{pad}  {line}" for line in b.text.splitlines()] + [f"{pad}  ```"]
            out.append("")
        elif b.kind == "table":
            out.append(f"{pad}- {label}" + (f" ({b.note})" if b.note else ""))
            out.append("")
            out += [f"{pad}  {line}" for line in _md_table(b.headers, b.rows)]
            out.append("")
        elif b.kind == "group":
            out.append(f"{pad}- {label}" + (f" ({b.note})" if b.note else ""))
            out += _md_blocks(b.children, indent + 1)
    return out


def markdown_page(doc: dict[str, Any]) -> str:
    """The report as Markdown; figures are linked by their relative paths."""
    counts = verdict_counts(doc)
    lines = [
        "# infgrad report",
        "",
        f"Claim-by-claim checks of \"On the Value of Infinite Gradients in Variational Autoencoder "
        f"Models\" (Dai, Wenliang, Wipf, NeurIPS 2021). Profile `{doc.get('profile', '?')}`, "
        f"infgrad {doc.get('infgrad_version', '?')}, wall time {_seconds(doc.get('wall_seconds'))} s.",
        "",
        f"Verdicts: {counts['pass']} pass, {counts['fail']} fail, {counts['inconclusive']} inconclusive.",
        "",
        "## Summary",
        "",
    ]
    lines += _md_table(["claim", "paper", "method", "verdict", "evidence", "s"],
                       ([f"[{r['claim']}](#{r['claim'].lower()})", r["paper_ref"], r["method"],
                         f"**{r['status']}**", r["summary"], _seconds(r["seconds"])]
                        for r in summary_rows(doc)))
    lines += ["", "## Claims", ""]
    for sec in claim_sections(doc):
        lines += [f"### {sec['claim']}", "", f"{sec['title']} ({sec['paper_ref']})", ""]
        if not sec["results"]:
            lines += ["*Not run: no check produced a result for this claim.*", ""]
        for r in sec["results"]:
            lines += [f"**{r.get('status')}** ({r.get('method')}, {_seconds(r.get('seconds'))} s): "
                      f"{r.get('summary', '')}", ""]
            lines += _md_blocks(evidence_blocks(r.get("evidence", {})))
            lines.append("")
        for f in sec["figures"]:
            if f.get("status") == "drawn":
                for path in f.get("files", []):
                    if path.endswith(".png"):
                        lines += [f"![{f['name']}]({path})", ""]
            else:
                lines += [f"*Figure `{f['name']}` not drawn ({f.get('status')}): {f.get('note', '')}*", ""]
    undrawn = [f for f in doc.get("figures", []) if f.get("status") != "drawn"]
    if undrawn:
        lines += ["## Figures not drawn", ""]
        lines += [f"- `{f['name']}` ({', '.join(f.get('claims', [])) or 'no claims'}): "
                  f"{f.get('status')}: {f.get('note', '')}" for f in undrawn]
        lines.append("")
    lines += ["## Environment", ""]
    lines += _md_table(["item", "value"], ([k, v] for k, v in environment_rows(doc)))
    lines.append("")
    return "\n".join(lines)


def environment_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("command", " ".join(doc.get("command", []))),
            ("infgrad", str(doc.get("infgrad_version", ""))),
            ("profile", str(doc.get("profile", ""))),
            ("seeds", ", ".join(str(s) for s in doc.get("seeds", []))),
            ("device", str(doc.get("device", ""))),
            ("wall time (s)", _seconds(doc.get("wall_seconds")))]
    for k, v in doc.get("environment", {}).items():
        if k != "device":
            rows.append((k, fmt(v)))
    return rows


# --- HTML ---------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
dd table td{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:bold;padding:0 .4em;border-radius:3px}
.pass{color:#14632d;background:#dff3e4}.fail{color:#8a1111;background:#fadcdc}
.inconclusive{color:#7a5a00;background:#fff2c6}.not-run{color:#555;background:#eee}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f6f6f6}
pre{padding:.5em;overflow-x:auto;white-space:pre-wrap}
section.claim{border-top:1px solid #ddd;margin-top:1.5em}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15em .8em;margin:.2em 0 .2em .6em}
dt{font-weight:600}dd{margin:0;min-width:0}
div.wide{overflow-x:auto;max-width:100%}
.note{color:#7a5a00}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_table(headers: list[str], rows: Iterable[list[str]], cls: str = "", escape: bool = True) -> str:
    cell = _e if escape else str
    out = [f'<table class="{cls}">' if cls else "<table>"]
    if headers:
        out.append("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _html_blocks(blocks: list[Block]) -> str:
    out = ["<dl>"]
    for b in blocks:
        out.append(f"<dt>{_e(b.key)}</dt>" if b.key else "<dt></dt>")
        if b.kind == "text":
            out.append(f"<dd>{_e(b.text)}</dd>")
        elif b.kind in ("code", "math"):
            out.append(f"<dd><code>{_e(b.text)}</code></dd>")
        elif b.kind == "pre":
            out.append(f"<dd><pre>{_e(b.text)}</pre></dd>")
        elif b.kind == "table":
            note = f'<div class="note">{_e(b.note)}</div>' if b.note else ""
            out.append(f'<dd><div class="wide">{_html_table(b.headers, b.rows)}</div>{note}</dd>')
        elif b.kind == "group":
            note = f'<div class="note">{_e(b.note)}</div>' if b.note else ""
            out.append(f"<dd>{_html_blocks(b.children)}{note}</dd>")
    out.append("</dl>")
    return "".join(out)


def _verdict(status: str) -> str:
    cls = status.replace(" ", "-")
    return f'<span class="verdict {_e(cls)}">{_e(status)}</span>'


def png_data_uri(path: Path) -> str:
    """A PNG file as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _html_figure(entry: dict[str, Any], base_dir: Path) -> str:
    if entry.get("status") != "drawn":
        return (f'<p class="note">Figure <code>{_e(entry["name"])}</code> not drawn '
                f'({_e(entry.get("status"))}): {_e(entry.get("note", ""))}</p>')
    parts = []
    for rel in entry.get("files", []):
        if not rel.endswith(".png"):
            continue
        path = base_dir / rel
        if not path.is_file():
            parts.append(f'<p class="note">Figure file {_e(rel)} is missing.</p>')
            continue
        others = ", ".join(Path(f).name for f in entry.get("files", []) if f != rel)
        parts.append(f'<figure><img src="{png_data_uri(path)}" alt="{_e(entry["name"])}">'
                     f'<figcaption>{_e(entry["name"])} ({_e(rel)}{"; also " + _e(others) if others else ""})'
                     f'</figcaption></figure>')
    return "".join(parts)


def html_page(doc: dict[str, Any], base_dir: str | Path) -> str:
    """The report as one self-contained HTML page (PNG figures under ``base_dir`` embedded)."""
    base_dir = Path(base_dir)
    counts = verdict_counts(doc)
    body = [
        "<h1>infgrad report</h1>",
        f"<p>Claim-by-claim checks of &ldquo;On the Value of Infinite Gradients in Variational "
        f"Autoencoder Models&rdquo; (Dai, Wenliang, Wipf, NeurIPS 2021). Profile "
        f"<code>{_e(doc.get('profile', '?'))}</code>, infgrad {_e(doc.get('infgrad_version', '?'))}, "
        f"wall time {_e(_seconds(doc.get('wall_seconds')))} s.</p>",
        f"<p>Verdicts: {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['inconclusive']} inconclusive.</p>",
        '<h2 id="summary">Summary</h2>',
    ]
    rows = []
    for r in summary_rows(doc):
        rows.append([f'<a href="#{_e(r["claim"])}">{_e(r["claim"])}</a>', _e(r["paper_ref"]), _e(r["method"]),
                     _verdict(r["status"]), _e(r["summary"]), _e(_seconds(r["seconds"]))])
    body.append('<div class="wide">' + _html_table(["claim", "paper", "method", "verdict", "evidence", "s"],
                                                   rows, cls="summary", escape=False) + "</div>")
    body.append("<h2>Claims</h2>")
    for sec in claim_sections(doc):
        body.append(f'<section class="claim" id="{_e(sec["claim"])}">')
        body.append(f"<h3>{_e(sec['claim'])}: {_e(sec['title'])}</h3>")
        body.append(f"<p>Paper: {_e(sec['paper_ref'])}</p>")
        if not sec["results"]:
            body.append(f"<p>{_verdict('not run')} no check produced a result for this claim.</p>")
        for r in sec["results"]:
            body.append(f"<p>{_verdict(r.get('status', ''))} {_e(r.get('method', ''))}, "
                        f"{_e(_seconds(r.get('seconds')))} s: {_e(r.get('summary', ''))}</p>")
            body.append(_html_blocks(evidence_blocks(r.get("evidence", {}))))
        for f in sec["figures"]:
            body.append(_html_figure(f, base_dir))
        body.append("</section>")
    undrawn = [f for f in doc.get("figures", []) if f.get("status") != "drawn"]
    if undrawn:
        body.append('<h2 id="figures-not-drawn">Figures not drawn</h2><ul>')
        body += [f"<li><code>{_e(f['name'])}</code> ({_e(', '.join(f.get('claims', [])) or 'no claims')}): "
                 f"{_e(f.get('status'))}: {_e(f.get('note', ''))}</li>" for f in undrawn]
        body.append("</ul>")
    body.append('<h2 id="environment">Environment</h2>')
    body.append(_html_table(["item", "value"], ([k, v] for k, v in environment_rows(doc)), cls="environment"))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>infgrad report</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
