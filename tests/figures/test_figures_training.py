"""The training figures (Fig. 1, Fig. 4, training curves, beta sweep) drawn from small saved JSON."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.experiments import load
from infgrad.proofs_check.claims.model import CheckContext

FIGS = {  # figure module -> the experiment whose saved data it draws
    "fig1_outliers": "outliers",
    "fig4_fixed_gamma": "fixed-gamma",
    "training_curves": "sparsity",
    "beta_sweep": "beta",
}
TINY = {
    "sparsity": dict(n=150, kappas=(2, 4), hidden=(8,), steps=40, seeds=2, log_every=20),
    "fixed-gamma": dict(hidden=(8,), steps=60, seeds=2, log_every=20),
    "beta": dict(n=150, hidden=(8,), base_steps=40, steps=40, fractions=(0.5, 0.9, 1.5), sweep_fractions=(0.9,),
                 seeds=2, log_every=20),
    "outliers": dict(n_train=100, n_test=40, n_outliers=40, hidden=(8,), steps=40, seeds=2, log_every=20,
                     real=dict(kappas=(2, 4), arch="conv", steps=4, lr=1e-3, n_train=40, n_test=20, seeds=1)),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from infgrad.proofs_check.experiments import checks as training

    out = tmp_path_factory.mktemp("figdata")
    ctx = CheckContext(seed=0, profile="quick", out_dir=out, device="cpu")
    with pytest.MonkeyPatch.context() as mp:
        for name, size in TINY.items():
            mp.setitem(load(name).PROFILES, "quick", {**load(name).PROFILES["quick"], **size})
            training.CHECK_OF[name](ctx)
    return ctx.data_dir()


@pytest.mark.parametrize("fig", sorted(FIGS))
def test_each_training_figure_is_drawn_as_png_and_pdf_from_the_saved_json(fig, data_dir, tmp_path):
    import matplotlib.image as mpimg

    from infgrad.figures import load as load_figure

    module = load_figure(fig)
    paths = module.draw(data_dir, tmp_path / "figs")
    assert sorted(p.suffix for p in paths) == [".pdf", ".png"]
    for p in paths:
        assert p.is_file() and p.stat().st_size > 5_000
    png = next(p for p in paths if p.suffix == ".png")
    h, w = mpimg.imread(png).shape[:2]
    assert w >= 600 and h >= 300
    assert set(module.CLAIMS) <= set(load(FIGS[fig]).CLAIMS)


@pytest.mark.parametrize("fig", sorted(FIGS))
def test_a_figure_without_its_data_raises_file_not_found(fig, tmp_path):
    from infgrad.figures import load as load_figure

    with pytest.raises(FileNotFoundError, match="not found"):
        load_figure(fig).draw(tmp_path / "empty", tmp_path / "figs")
