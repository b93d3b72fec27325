"""A fake project for the report tests: two tiny checks (T1 passes with a rule, key numbers, a
premise and maths; T2 fails with only flags) and tiny figure modules (one draws, one has no data,
one crashes, one is absent), plus a parser of the HTML page."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser
from pathlib import Path

from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.cli import main

FAKE_CHECKS = '''
import json
from pathlib import Path
import sympy as sp
from infgrad.proofs_check.claims.model import KeyNumber, result
from infgrad.theory.symtools import show

def check_pass(ctx):
    counter = Path(ctx.out_dir) / "runs.txt"
    counter.write_text(str(int(counter.read_text()) + 1 if counter.exists() else 1))
    data = ctx.data_dir()
    (data / "fake.json").write_text(json.dumps({"xs": [0, 1, 2, 3], "ys": [1, 0, 2, 1]}))
    S, d, n = sp.symbols("S d n", positive=True)
    return result("T1", "symbolic", "pass",
                  {"gamma_star": show(S / (d * n)), "expr_latex": r"\\gamma^* = \\frac{1}{d}\\,\\mathrm{mse}",
                   "note": "<script>alert(1)</script> & friends",
                   "table": [{"a": 1, "b": 0.5}, {"a": 2, "b": 1e-9}],
                   "rule": "pass when the residual of gamma* -> 0 exactly, x3 sure",
                   "premise": {"text": "gamma > 0 and ||w|| < oo", "met": True, "d": 4},
                   "clauses": [{"quantity": "residual of gamma*", "value": 0, "threshold": "= 0", "ok": True},
                               {"quantity": "MMD gap", "value": 0.2, "ci": [0.1, 0.3], "threshold": "> 0",
                                "ok": True, "unit": "nats"}]},
                  summary="residual 0 | exact", rule="pass when the residual of gamma* -> 0 exactly, x3 sure",
                  key_numbers=[KeyNumber("residual", 0), KeyNumber("worst relative error", 1.7e-16),
                               KeyNumber("MMD gap", 0.2, interval=(0.1, 0.3), unit="nats")])

def check_fail(ctx):
    return result("T2", "symbolic", "fail",
                  {"error_size": 0.25, "derivation": {"flags": {"stationary": True, "minimum": False}}},
                  summary="residual 0.25")
'''

FAKE_FIGURE = '''
import json
from pathlib import Path
CLAIMS = ("T1", "T2")

def draw(data_dir, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = Path(data_dir) / "fake.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    data = json.loads(path.read_text())
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(data["xs"], data["ys"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in ("png", "pdf"):
        written.append(out_dir / f"fake_fig.{ext}")
        fig.savefig(written[-1], dpi=80)
    plt.close(fig)
    return written
'''

NO_DATA_FIGURE = '''
from pathlib import Path
CLAIMS = ("T2",)

def draw(data_dir, out_dir):
    raise FileNotFoundError(f"{Path(data_dir) / 'never_saved.json'} is missing")
'''

CRASHING_FIGURE = '''
CLAIMS = ("T1", "T2")

def draw(data_dir, out_dir):
    raise RuntimeError("bad axes")
'''


def install_fake_project(tmp_path: Path, monkeypatch, *, with_broken_figures: bool = True) -> Path:
    """Put the fake checks and figure modules on sys.path and point the registry and the figure
    list at them. Returns the directory holding the modules."""
    mods = tmp_path / "fake_modules"
    mods.mkdir()
    (mods / "infgrad_fake_checks.py").write_text(textwrap.dedent(FAKE_CHECKS))
    (mods / "infgrad_fake_figure.py").write_text(textwrap.dedent(FAKE_FIGURE))
    (mods / "infgrad_fake_nodata.py").write_text(textwrap.dedent(NO_DATA_FIGURE))
    (mods / "infgrad_fake_crash.py").write_text(textwrap.dedent(CRASHING_FIGURE))
    monkeypatch.syspath_prepend(str(mods))
    # one process: the fake modules and the monkeypatches live in this one; the process pool the
    # report uses otherwise (every check, since the symbolic ones go there too) is tested with real
    # checks in test_parallel.py
    from infgrad import pool as parallel

    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    monkeypatch.setattr(registry, "CHECKS", (
        registry.CheckSpec("fake-pass", ("T1",), "symbolic", "infgrad_fake_checks:check_pass"),
        registry.CheckSpec("fake-fail", ("T2",), "symbolic", "infgrad_fake_checks:check_fail"),
    ))
    from infgrad import figures

    fig_list = {"fake_fig": "infgrad_fake_figure"}
    if with_broken_figures:
        fig_list.update({"fake_nodata": "infgrad_fake_nodata", "fake_crash": "infgrad_fake_crash",
                         "fake_absent": "infgrad_fake_module_that_does_not_exist"})
    monkeypatch.setattr(figures, "FIGURES", fig_list)
    return mods


class PageParser(HTMLParser):
    """Collects what the checks need: images, scripts, external references, section ids, and the
    order in which the summary table and the first claim section appear."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.scripts = 0
        self.external: list[str] = []
        self.section_ids: list[str] = []
        self.order: list[str] = []
        self.tables: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v and not (v.startswith("#") or v.startswith("data:")):
                self.external.append(v)
        if tag == "link":
            self.external.append(a.get("href", ""))
        if tag == "table":
            self.tables.append(a.get("class", ""))
            self.order.append("table:" + a.get("class", ""))
        if tag == "section":
            self.section_ids.append(a.get("id", ""))
            self.order.append("section")


def run_report(out: Path, *extra: str) -> int:
    return main(["report", "--out", str(out), "--quiet", "--device", "cpu", *extra])


def section_html(page: str, cid: str) -> str:
    start = page.index(f'<section class="claim" id="{cid}">')
    return page[start:page.index("</section>", start)]
