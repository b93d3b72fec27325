"""The shared figure style: every label legible at the report's display width, maths as mathtext."""

from __future__ import annotations

from pathlib import Path

import pytest

from infgrad.figures import style

REPO = Path(__file__).resolve().parents[2]


def figure(width_in: float, label_pt: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 3))
    ax.plot([0, 1, 2], [1, 3, 2], label="learned gamma")
    ax.set_xticks(range(3))
    ax.set_xticklabels(["fixed gamma* (b)", "b", "c"], fontsize=label_pt)
    ax.set_title("||dL/dz|| -> oo", fontsize=label_pt)
    ax.legend(fontsize=label_pt)
    return fig


@pytest.mark.parametrize("width_in", [4.0, 9.5, 15.0, 20.0])
def test_finish_raises_every_label_to_9_px_at_the_displayed_width(width_in):
    fig = figure(width_in, 5)
    before = style.smallest_label_px(fig)
    style.finish(fig)
    fig.canvas.draw()
    assert style.smallest_label_px(fig) >= style.MIN_LABEL_PX - 1e-9
    if style.label_px(fig, 5) < style.MIN_LABEL_PX:
        assert before < style.MIN_LABEL_PX  # this one needed it


def test_labels_become_mathtext_and_text_already_in_mathtext_is_left_alone():
    assert style.mathtext("learned gamma") == "learned $\\gamma$"
    assert style.mathtext("fixed gamma* (b)") == "fixed $\\gamma^*$ (b)"
    assert style.mathtext("||dL/dz|| -> oo") == "$\\|dL/dz\\|$ $\\to$ $\\infty$"
    assert style.mathtext("$\\gamma$ gamma") == "$\\gamma$ gamma"
    assert style.mathtext("gammas and programs") == "gammas and programs"
    fig = figure(6, 10)
    style.finish(fig)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_xticklabels()[0].get_text() == "fixed $\\gamma^*$ (b)"  # survives the redraw
    assert ax.get_legend().get_texts()[0].get_text() == "learned $\\gamma$"


def test_a_real_figure_drawn_through_save_has_every_label_at_9_px_or_more(tmp_path, monkeypatch):
    """T17's figure from the committed run's data: save() applies the style to what the module drew."""
    from infgrad.figures import t17_smoothing

    data = REPO / "docs" / "results" / "full" / "data"
    seen: list[float] = []
    real_finish = style.finish

    def finish(fig, *a, **kw):
        real_finish(fig, *a, **kw)
        fig.canvas.draw()
        seen.append(style.smallest_label_px(fig))
        return fig

    monkeypatch.setattr(style, "finish", finish)
    written = t17_smoothing.draw(data, tmp_path)
    assert any(p.suffix == ".png" and p.stat().st_size > 0 for p in map(Path, written))
    assert seen and min(seen) >= style.MIN_LABEL_PX - 1e-9, seen


def test_drawing_the_report_figures_leaves_the_callers_matplotlib_defaults_as_they_were(tmp_path):
    """Before, draw_figures set the style's RC process-wide (savefig.bbox 'tight' among them): a
    later figure of the same process, a notebook's or another test's, came out another size."""
    import matplotlib

    from infgrad.proofs_check.report.run import draw_figures

    before = dict(matplotlib.rcParams)
    draw_figures(tmp_path)   # no data: every figure is 'no data', but the style was entered
    assert dict(matplotlib.rcParams) == before
