"""One style for every figure: legible at the size the report shows it, with mathtext labels.

The report shows each figure at the page's full width, ``DISPLAY_WIDTH_PX`` CSS pixels (and
links it at full size). A label of ``s`` points in a figure ``w`` inches wide is then
``s / 72 * DISPLAY_WIDTH_PX / w`` pixels tall on screen, whatever the dpi of the PNG. ``finish``
(called by ``figures.save`` on every figure) raises every text below ``MIN_LABEL_PX`` to that
size and writes Greek names, ``||.||``, ``->`` and ``oo`` in labels as mathtext (γ, ‖·‖, →, ∞),
so no figure module has to remember; ``RC`` sets the defaults the modules start from (the
report draws inside ``matplotlib.rc_context(RC)``, so the caller's settings come back).
"""

from __future__ import annotations

import re
from typing import Any

DISPLAY_WIDTH_PX = 1060  # a little under the page's 1100 px content width (the browser test checks it)
MIN_LABEL_PX = 9.0

RC: dict[str, Any] = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 12,
    "mathtext.fontset": "dejavusans",
    "axes.formatter.use_mathtext": True,
    "savefig.bbox": "tight",
}

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "kappa", "lambda", "mu", "sigma", "theta", "phi", "omega")
_MATH = [
    (re.compile(r"(?<![A-Za-z\\])(" + "|".join(GREEK) + r")(\*?)(?![A-Za-z])"),
     lambda m: f"$\\{m.group(1)}{'^*' if m.group(2) else ''}$"),
    (re.compile(r"\|\|([^|$]{1,20})\|\|"), lambda m: f"$\\|{m.group(1)}\\|$"),
    (re.compile(r"\s?->\s?"), lambda m: " $\\to$ "),
    (re.compile(r"(?<![A-Za-z0-9])-oo(?![A-Za-z0-9])"), lambda m: "$-\\infty$"),
    (re.compile(r"(?<![A-Za-z0-9])oo(?![A-Za-z0-9])"), lambda m: "$\\infty$"),
]


def mathtext(text: str) -> str:
    """``text`` with ASCII maths as mathtext (``gamma*`` -> ``$\\gamma^*$``); text that already holds
    mathtext (a ``$``) is left as it is."""
    if "$" in text:
        return text
    for pattern, repl in _MATH:
        text = pattern.sub(repl, text)
    return text


def _texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def label_px(fig: Any, size_pt: float, display_width_px: float = DISPLAY_WIDTH_PX) -> float:
    """How tall a ``size_pt`` label of ``fig`` is on screen when the figure is shown that wide."""
    return size_pt / 72.0 * display_width_px / fig.get_figwidth()


def smallest_label_px(fig: Any, display_width_px: float = DISPLAY_WIDTH_PX) -> float:
    """The on-screen size of the figure's smallest visible text (inf when it has none)."""
    sizes = [t.get_fontsize() for t in _texts(fig)]
    return label_px(fig, min(sizes), display_width_px) if sizes else float("inf")


def _math_formatter_class():
    from matplotlib.ticker import Formatter

    class MathFormatter(Formatter):
        """Another formatter's tick labels, as mathtext."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def set_axis(self, axis: Any) -> None:
            super().set_axis(axis)
            self.inner.set_axis(axis)

        def set_locs(self, locs: Any) -> None:
            self.locs = locs
            self.inner.set_locs(locs)

        def format_ticks(self, values: Any) -> list[str]:
            return [mathtext(str(s)) for s in self.inner.format_ticks(values)]

        def __call__(self, x: Any, pos: Any = None) -> str:
            return mathtext(str(self.inner(x, pos)))

        def get_offset(self) -> str:
            return self.inner.get_offset()

    return MathFormatter


def _MathFormatter(inner: Any) -> Any:
    return _math_formatter_class()(inner)


def finish(fig: Any, display_width_px: float = DISPLAY_WIDTH_PX) -> Any:
    """Make every text of ``fig`` legible at the displayed size and its maths mathtext; returns ``fig``."""
    import warnings

    from matplotlib.ticker import LogFormatter, ScalarFormatter

    floor_pt = MIN_LABEL_PX * 72.0 * fig.get_figwidth() / display_width_px
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            formatter = axis.get_major_formatter()
            if not isinstance(formatter, (ScalarFormatter, LogFormatter)):  # text labels, redrawn from it
                axis.set_major_formatter(_MathFormatter(formatter))
            for which in ("major", "minor"):
                ticks = axis.get_major_ticks() if which == "major" else axis.get_minor_ticks()
                size = min((tk.label1.get_fontsize() for tk in ticks), default=floor_pt)
                if size < floor_pt:
                    ax.tick_params(axis=name, which=which, labelsize=floor_pt)
    fig.canvas.draw()  # tick labels exist only once drawn
    for t in _texts(fig):
        if t.get_fontsize() < floor_pt:
            t.set_fontsize(floor_pt)
        pretty = mathtext(t.get_text())
        if pretty != t.get_text():
            t.set_text(pretty)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a layout that cannot fit everything keeps what it has
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
        else:
            fig.tight_layout()
    return fig
