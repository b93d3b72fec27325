"""Each figure says which profile, seeds and rule version it shows (figures/caption.py), and what a
pre-v3 run did not compute."""

from __future__ import annotations

from pathlib import Path

import pytest

from infgrad.figures import caption

DATA = Path(__file__).parent / "data"
FIGS = {  # figure -> (its saved data, what its v3 / pre-v3 title must name)
    "fig1_outliers": (("quick profile", "seeds 0-2", "rules v3"), ("full profile", "seeds 0-4", caption.OLD)),
    "fig4_fixed_gamma": (("quick profile", "seeds 0-2", "rules v3", "premise"),
                         ("full profile", "seeds 0-4", caption.OLD, "E and F not computed")),
    # the trimmed pre-v3 sparsity data keep the first 12 of its 40 runs: seeds 0-2
    "training_curves": (("quick profile", "seeds 0-2", "rules v3", "premise"),
                        ("full profile", "seeds 0-2", caption.OLD)),
    "beta_sweep": (("quick profile", "seeds 0-2", "rules v3", "premise"),
                   ("full profile", "seeds 0-4", caption.OLD, "G not computed")),
    "fig3_slices": (("seed 0", "rules v3", "premise"), ("seed 0", caption.OLD)),
    "t17_smoothing": (("quick profile", "seed 0", "no version"), ("full profile", "seed 0", "no version")),
    "fig2_theorem4": (("exact certificate", "certificate/3"), ("exact certificate", "certificate/2")),
}


def test_rules_version_reads_the_version_the_rule_texts_name():
    assert caption.rules_version({"T12": "T12 (Sec. 4, Fig. 4(a), v3): ...", "T16": "T16 (v3) ..."}) == "rules v3"
    assert caption.rules_version({"T4": "T4 (Remark 4, empirical, v3).", "T14": "T14: no tag"}) == "rules v3"
    assert caption.rules_version({"T12": "T12 (Sec. 4, Fig. 4): three arms"}) == caption.OLD
    assert caption.rules_version(None) == caption.OLD and not caption.is_v3("T5 (v2): an older rule")
    assert "predates v3" in caption.provenance("full", [0], {"T5": "T5 (v2)"})
    assert "predates" not in caption.provenance("quick", [0], {"T5": "T5 (v3)"})


@pytest.mark.parametrize("seeds,text", [([0, 1, 2], "seeds 0-2"), ([7], "seed 7"), ([0, 3, 7], "seeds 0, 3, 7"),
                                        ([2, 0, 1, 1], "seeds 0-2"), ([], "seeds not saved"),
                                        (["a", None, True], "seeds not saved"),
                                        ([0, 10 ** 400], f"seeds 0, {10 ** 400}")])
def test_seeds_text(seeds, text):
    assert caption.seeds_text(seeds) == text


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("fig", sorted(FIGS))
def test_each_figure_names_profile_seeds_and_rule_version(fig, version, monkeypatch, tmp_path):
    import matplotlib

    from infgrad import figures

    titles = []

    def write(f, path, dpi=120):
        from matplotlib.text import Text

        titles.append(" ".join(t.get_text() for t in f.findobj(Text)))   # the title first, then panels
        Path(path).write_bytes(b"")
        return Path(path)

    monkeypatch.setattr(figures, "write_figure", write)
    matplotlib.use("Agg")
    figures.load(fig).draw(DATA / version, tmp_path)
    want = FIGS[fig][0 if version == "v3" else 1]
    flat = " ".join(titles[0].split())
    for words in want:
        assert words in flat, (words, flat)
