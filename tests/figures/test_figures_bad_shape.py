"""``infgrad figures`` on wrongly shaped saved data: exit 0 (drawn, or listed as without data) or
exit 2 with one ``infgrad: error:`` line naming the figure; never 1, never a traceback.

The data are each figure's saved files from a real report run, trimmed (``trim_saved_data.py``):
``data/v3`` from a quick run under the v3 rules, ``data/v2`` from the full run before them (the
committed one). Before each figure checked its data against its schema, all but Fig. 2 exited 1
on such files (a KeyError, TypeError or ValueError inside the drawing: "crashed").
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.cli import main

DATA = Path(__file__).parent / "data"
COMMITTED_T17 = Path(__file__).parents[2] / "docs" / "results" / "full" / "data" / "t17_smoothing.json"
FILES = {  # figure -> the saved files it reads (the explicit cases mutate the first)
    "fig1_outliers": ("experiment_outliers.json",),
    "fig2_theorem4": ("t9_certificate.json", "t9_notes.json"),
    "fig3_slices": ("t11_slices.json",),
    "fig4_fixed_gamma": ("experiment_fixed-gamma.json",),
    "training_curves": ("experiment_sparsity.json",),
    "beta_sweep": ("experiment_beta.json",),
    "t17_smoothing": ("t17_smoothing.json",),
}
# per figure, a dict, a number it plots and a non-empty list that the figure reads
READ = {
    "fig1_outliers": (("table", "auroc"), ("toy", 0, "points", "vae_error_in", 0),
                      ("toy", 0, "points", "vae_error_in")),
    "fig2_theorem4": (("X",), ("dims", "r"), ("X", "shape")),
    "fig3_slices": (("instances", 0, "slices"), ("t", 0), ("t",)),
    "fig4_fixed_gamma": (("table", "learned"), ("pairs", 0, "learned", "final", "recon_error"),
                         ("table", "learned", "recon_error", "ci95")),
    "training_curves": (("size",), ("size", "r"), ("runs",)),
    "beta_sweep": (("table",), ("d_over_r",), ("table", "rows")),
    "t17_smoothing": (("summary",), ("summary", "by_r", 0, "annealed_rate"), ("summary", "by_r")),
}
FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]   # capsys is read out per run
DELETE = object()
REPLACEMENTS = ([], {}, "x", "$\\alpha^$", "", "z" * 5000, math.nan, math.inf, -math.inf, -1, 0, 1e308, 1e200,
                -1e308, 10 ** 400, None, True, [1, 2], {"a": 1}, [[1], [1, 2]], [math.nan])


def _load(version: str, name: str) -> dict:
    return json.loads((DATA / version / name).read_text())


def _nodes(doc) -> list[tuple]:
    """Every path in ``doc`` (the top level excluded)."""
    out, stack = [], [((), doc)]
    while stack:
        path, value = stack.pop()
        if path:
            out.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend((path + (k,), v) for k, v in items)
    return sorted(out, key=lambda p: (len(p), [str(k) for k in p]))


def _mutate(doc, path: tuple, new):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if new is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


def _run(fig: str, docs: dict[str, object], capsys) -> tuple[int, list[str]]:
    """``infgrad figures`` on a folder holding only ``docs``: its exit code and stderr lines."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for name, doc in docs.items():
            (data / name).write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
        capsys.readouterr()
        rc = main(["figures", "--out", tmp])
        out, err = capsys.readouterr()
    assert rc in (0, 2), (fig, rc, out, err)
    lines = err.strip().splitlines()
    if rc == 2:
        assert len(lines) == 1 and lines[0].startswith("infgrad: error: ") and fig in lines[0], err
    else:
        assert f"{fig}:" in out and "crashed" not in out, out
    assert "Traceback" not in err
    return rc, lines


def _docs(version: str, fig: str, mutated, which: str | None = None) -> dict[str, object]:
    """The figure's files with ``which`` (by default its first) replaced by ``mutated``."""
    which = which or FILES[fig][0]
    return {name: mutated if name == which else _load(version, name) for name in FILES[fig]}


@pytest.fixture
def render_only(monkeypatch):
    """Figures are laid out and rendered (``style.finish`` draws the canvas) but not encoded as
    PNG and PDF: the shape of the data decides the outcome, and the tests stay fast."""
    from infgrad import figures

    def write(fig, path, dpi=120):
        from infgrad.figures.style import finish

        finish(fig)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(b"rendered")
        return Path(path)

    monkeypatch.setattr(figures, "write_figure", write)


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("fig", sorted(FILES))
def test_each_figure_draws_its_unmutated_data(fig, version, capsys, render_only):
    rc, _ = _run(fig, _docs(version, fig, _load(version, FILES[fig][0])), capsys)
    assert rc == 0


@pytest.mark.parametrize("kind", ["dict->list", "dict deleted", "number->string", "number->NaN", "list->empty"])
@pytest.mark.parametrize("fig", sorted(FILES))
def test_a_wrong_shape_where_the_figure_reads_exits_2_in_one_line(fig, kind, capsys, render_only):
    at_dict, at_number, at_list = READ[fig]
    path, new = {"dict->list": (at_dict, [1, 2]), "dict deleted": (at_dict, DELETE),
                 "number->string": (at_number, "abc"), "number->NaN": (at_number, math.nan),
                 "list->empty": (at_list, [])}[kind]
    doc = _mutate(_load("v3", FILES[fig][0]), path, new)
    rc, lines = _run(fig, _docs("v3", fig, doc), capsys)
    assert rc == 2


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_plotted_number_too_large_for_the_axes_exits_2(version, capsys, render_only):
    """-1e308 as a point's coordinate: finite, but matplotlib's margins overflow (found by the
    mutation property: exit 1 before numbers were bounded)."""
    doc = _mutate(_load(version, FILES["fig1_outliers"][0]), ("toy", 0, "points", "test_in", 7, 1), -1e308)
    rc, lines = _run("fig1_outliers", _docs(version, "fig1_outliers", doc), capsys)
    assert rc == 2 and "toy[0].points.test_in[7][1]" in lines[0]


def _property(fig: str, version: str, capsys, data) -> None:
    which = data.draw(st.sampled_from(FILES[fig]), label="file")
    doc = _load(version, which)
    nodes = _nodes(doc)
    keyed = [p for p in nodes if isinstance(p[-1], str)]
    path = data.draw(st.one_of(st.sampled_from(keyed), st.sampled_from(nodes)), label="path")
    new = data.draw(st.one_of(st.just(DELETE), st.sampled_from(REPLACEMENTS)), label="new value")
    _run(fig, _docs(version, fig, _mutate(doc, path, new), which), capsys)


@settings(max_examples=max(3, settings().max_examples // 8), suppress_health_check=FIXTURES_OK)
@given(data=st.data())
@pytest.mark.parametrize("fig", sorted(FILES))
def test_mutated_data_exit_0_or_2_never_1(fig, capsys, render_only, data):
    _property(fig, "v3", capsys, data)


@pytest.mark.slow
@settings(max_examples=max(15, settings().max_examples // 2), suppress_health_check=FIXTURES_OK)
@given(data=st.data())
@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("fig", sorted(FILES))
def test_mutated_data_exit_0_or_2_never_1_thorough(fig, version, capsys, render_only, data):
    _property(fig, version, capsys, data)


@pytest.mark.slow
@settings(max_examples=max(10, settings().max_examples // 10), suppress_health_check=FIXTURES_OK)
@given(path=st.integers(min_value=0), new=st.one_of(st.just(DELETE), st.sampled_from(REPLACEMENTS)))
def test_the_committed_t17_data_mutated_exit_0_or_2(capsys, render_only, path, new):
    doc = json.loads(COMMITTED_T17.read_text())
    keyed = [p for p in _nodes(doc) if len(p) <= 4]
    _run("t17_smoothing", {"t17_smoothing.json": _mutate(doc, keyed[path % len(keyed)], new)}, capsys)
