"""The Python API (``import infgrad``) refuses bad arguments with a clear exception at its door:
an ``InfgradError`` (``BadInput``) naming the argument, never an AttributeError or an assertion
from deep inside the registry or torch, never a file written somewhere the caller did not name."""

from __future__ import annotations

import numpy as np
import pytest

import infgrad
from infgrad.errors import BadInput
from infgrad.params import BadValue

TINY = dict(d=4, r=2, n=20, kappa=2, hidden=(4,), steps=1, batch_size=8, log_every=1, eval_samples=8,
            mmd_samples=8)


@pytest.mark.parametrize("claims", ["T2", "t2", ("T2",), ["T2"]])
def test_verify_takes_one_claim_id_as_a_string(claims):
    """"T2" was read as the ids 'T' and '2' ("unknown claim id 'T')."""
    assert [r.claim for r in infgrad.verify(claims)] == ["T2"]


@pytest.mark.parametrize("claims,shown", [([None], "None"), (5, "5"), ([2], "2"), ([b"T2"], "b'T2'")])
def test_verify_refuses_claims_that_are_not_ids(claims, shown):
    """[None] ended in "'NoneType' object has no attribute 'strip'" inside the registry, 5 in
    "'int' object is not iterable"."""
    with pytest.raises(BadInput, match=r"claims must be .*got " + repr(shown)[1:-1].replace("[", r"\[")):
        infgrad.verify(claims)


@pytest.mark.parametrize("out", [None, 3, ""])
def test_report_refuses_an_out_that_is_not_a_path(tmp_path, monkeypatch, out):
    """report(None) wrote results.json, report.md ... into a folder named 'None' in the working directory."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInput, match="out must be"):
        infgrad.report(out, claims=["T2"])
    assert list(tmp_path.iterdir()) == []


def test_report_takes_one_claim_id_as_a_string(tmp_path):
    with pytest.raises(BadInput, match="unknown claim id 'T99'"):   # not 'T'
        infgrad.report(tmp_path / "r", claims="T99")


@pytest.mark.parametrize("cfg", [None, {"kappa": 2}, "subspace"])
def test_train_refuses_a_config_that_is_not_a_trainconfig(cfg):
    """None gave "'NoneType' object has no attribute 'device'" from the API's own line."""
    with pytest.raises(BadInput, match="TrainConfig"):
        infgrad.train(cfg, progress=False)
    with pytest.raises(BadInput, match="TrainConfig"):
        infgrad.train_pack([infgrad.TrainConfig(**TINY), cfg], progress=False)


def test_train_on_cuda_without_a_gpu_is_bad_input():
    """An AssertionError from torch ("Torch not compiled with CUDA enabled") before."""
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    cfg = infgrad.TrainConfig(**TINY, device="cuda")
    with pytest.raises(BadInput, match="no CUDA device"):
        infgrad.train(cfg, progress=False)
    with pytest.raises(BadInput, match="no CUDA device"):
        infgrad.train_pack([infgrad.TrainConfig(**TINY), cfg], progress=False)


@pytest.mark.parametrize("seed", [-1, 2**32, "0", 1.5])
def test_counterexample_checks_its_seed_as_the_command_does(seed):
    """seed=-1 was accepted (the command line refuses --seed -1)."""
    with pytest.raises(BadValue, match="seed"):
        infgrad.counterexample("atan(3*u)", d=6, kappa=4, r=2, seed=seed)


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e39])   # 1e39 overflows float32 to inf
def test_train_refuses_non_finite_data_before_training(bad):
    """NaN data trained on: 40 rollbacks, then FloatingPointError ("training stayed non-finite")."""
    x = np.zeros((20, 4))
    x[3, 1] = bad
    with pytest.raises(BadInput, match="non-finite"):
        infgrad.train(infgrad.TrainConfig(**TINY), x, progress=False)
    with pytest.raises(BadInput, match="non-finite"):
        infgrad.train_pack([infgrad.TrainConfig(**TINY)] * 2, [np.zeros((20, 4)), x], progress=False)


def test_train_refuses_data_that_are_not_numbers():
    """A ValueError from numpy ("could not convert string to float") before."""
    with pytest.raises(BadInput, match="numeric"):
        infgrad.train(infgrad.TrainConfig(**TINY), [["a"] * 4] * 20, progress=False)
