"""The report model (``report/model.py``) and the MathML guard of the HTML page, without running checks."""

from __future__ import annotations

import html as htmllib
import json
import re
import xml.etree.ElementTree as ET

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.claims.model import ClaimResult, KeyNumber
from infgrad.proofs_check.report.html_page import math_html, safe_mathml
from infgrad.proofs_check.report.model import FigureEntry, build, from_json, resolve_numbers, resolve_rule

a, b, gamma = sp.symbols("a b gamma", positive=True)
j, d = sp.symbols("j d", integer=True, positive=True)
x = sp.IndexedBase("x")
ATOMS = [a, b, gamma, x[j], sp.Integer(2), sp.Rational(1, 3), sp.pi, sp.oo]


@st.composite
def expressions(draw, depth: int = 3) -> sp.Expr:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    op = draw(st.sampled_from(["add", "mul", "div", "pow", "log", "exp", "sqrt", "sum", "abs"]))
    u = draw(expressions(depth - 1))
    if op in ("log", "exp", "sqrt", "abs"):
        return {"log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "abs": sp.Abs}[op](u)
    if op == "sum":
        return sp.Sum(u * x[j], (j, 1, d))
    v = draw(expressions(depth - 1))
    return {"add": u + v, "mul": u * v, "div": u / (v + 1), "pow": u ** 2}[op] if op != "pow" else u ** v


@given(expressions())
def test_whatever_sympys_presentation_printer_writes_passes_the_guard_and_is_well_formed_xml(expr):
    markup = sp.mathml(expr, printer="presentation")
    assert safe_mathml(markup)
    html = math_html(sp.sstr(expr), markup)
    assert html.startswith("<math ")
    # an independent reading: every named entity is one HTML5 knows, and the fragment parses as XML
    # once they are written as numbers
    def numeric(m: re.Match) -> str:
        text = htmllib.unescape(m.group(0))
        assert text != m.group(0), f"{m.group(0)} is not an HTML5 entity"
        return "".join(f"&#{ord(c)};" for c in text)

    ET.fromstring(re.sub(r"&[A-Za-z][A-Za-z0-9]*;", numeric, html))


@pytest.mark.parametrize("markup", [
    "<mi>x</mi><script>alert(1)</script>",
    '<mi onclick="alert(1)">x</mi>',
    '<mi href="javascript:alert(1)">x</mi>',
    "<img src=x onerror=alert(1)>",
    "<mi>x</mi><a href='http://example.org'>y</a>",
    "<mi>x &amp y</mi>",
    "<mi>x</mi>>",
    "<mi style=\"background:url(http://example.org)\">x</mi>",
])
def test_markup_other_than_mathml_is_refused_and_shown_as_its_plain_form(markup):
    assert not safe_mathml(markup)
    assert math_html("x < y", markup) == "<code>x &lt; y</code>"


def r(claim="T1", status="pass", evidence=None, **kw) -> ClaimResult:
    return ClaimResult(claim, "t", "ref", "symbolic", status, evidence or {}, **kw)


def test_the_rule_comes_from_the_check_then_the_evidence_then_agreeing_flags_else_none():
    assert resolve_rule(r(rule="R", evidence={"rule": "E"})) == ("R", "check")
    assert resolve_rule(r(evidence={"rule": "E"})) == ("E", "evidence")
    flags = {"derivation": {"flags": {"p": True, "q": True}}}
    assert resolve_rule(r(evidence=flags)) == ("pass when every one of its 2 sub-checks holds", "flags")
    # flags that disagree with the status do not describe the rule that decided it
    assert resolve_rule(r(status="fail", evidence=flags)) == ("", "none")
    assert resolve_rule(r(status="inconclusive", evidence={"flags": {"p": False}})) == ("", "none")
    assert resolve_rule(r()) == ("", "none")


def test_the_deciding_numbers_come_from_the_check_else_from_the_flags_and_the_verdict_detail():
    k = KeyNumber("gap", 0.5, (0.1, 0.9), "nats")
    assert resolve_numbers(r(key_numbers=[k], evidence={"flags": {"p": True}})) == ((k,), "check")
    assert resolve_numbers(r(evidence={"flags": {"p": True, "q": False, "s": True}})) == (
        (KeyNumber("sub-checks holding", "2/3"),), "evidence")
    assert resolve_numbers(r(evidence={"flags": {"p": 1}})) == ((), "none")  # not booleans: no count
    detail = {"ratio": 0.88, "ok": True, "seeds": 3, "per_run": {"a": 1},
              "mmd": {"mean": 0.1, "std": 0.02, "ci95": [0.05, 0.15]}, "gap": {"mean": 2.0}, "extra": 9.0}
    got, source = resolve_numbers(r(evidence={"verdict": {"flags": {"x": True}, "detail": detail}}))
    assert source == "evidence" and got == (KeyNumber("sub-checks holding", "1/1"), KeyNumber("ratio", 0.88),
                                            KeyNumber("seeds", 3), KeyNumber("mmd (mean)", 0.1, (0.05, 0.15)))


@given(value=st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                       st.text(max_size=8)),
       interval=st.none() | st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), unit=st.text(max_size=5))
def test_a_result_with_key_numbers_reads_back_from_its_json_unchanged(value, interval, unit):
    res = r(key_numbers=[KeyNumber("n", value, interval, unit)], rule="R", statement="S")
    back = ClaimResult.from_json(json.loads(json.dumps(res.to_json())))
    assert back == res


def test_the_old_constructor_and_old_json_still_work():
    old = ClaimResult("T1", "t", "ref", "exact", "pass", {"e": 1}, 0.5, "sum")
    assert (old.rule, old.statement, old.key_numbers) == ("", "", [])
    data = {"claim": "T1", "title": "t", "paper_ref": "ref", "method": "exact", "status": "pass",
            "evidence": {}, "seconds": 1.0, "summary": "s"}  # written before these fields existed
    assert ClaimResult.from_json(data).key_numbers == []


def test_a_claim_verdict_is_its_worst_result_and_a_figure_is_embedded_in_its_first_claim_only():
    figs = [FigureEntry("f", ("T16", "T12"), "drawn", files=("figures/f.png",)),
            FigureEntry("g", ("T12",), "no data", note="missing")]
    rep = build([r("T12", "pass"), r("T12", "inconclusive"), r("T16", "fail")], command=["x"], seeds=[0],
                device="cpu", figures=figs, env={})
    sec = {s.claim: s for s in rep.sections}
    assert (sec["T12"].status, sec["T16"].status, sec["T1"].status) == ("inconclusive", "fail", "not run")
    assert [f.name for f in sec["T12"].figures_here] == ["f"] and sec["T16"].figures_here == ()
    assert [f.name for f in sec["T16"].figures_elsewhere] == ["f"]
    assert [f.name for f in sec["T12"].figures_undrawn] == ["g"]
    assert rep.counts == {"pass": 1, "fail": 1, "inconclusive": 1}
    doc = rep.to_json()
    assert "home" not in doc["figures"][0]  # derived, not part of the document
    assert from_json(doc).to_json() == doc
