"""Issue 23: the Python API a notebook user reads -- documented config fields, a short result with
typed final metrics, device="auto", data of the wrong width refused, and the command line's
thread policy for ``infgrad.train`` and ``infgrad.train_pack``."""

from __future__ import annotations

import dataclasses
import json
import pydoc

import numpy as np
import pytest
import torch

import infgrad
from infgrad import params
from infgrad.models.config import BadConfig, TrainConfig
from infgrad.models.run import FinalMetrics

TINY = dict(d=6, r=2, n=120, kappa=3, hidden=(16,), steps=40, log_every=20, checkpoint_every=20)


def test_help_documents_every_config_field_from_the_parameter_table():
    text = pydoc.render_doc(TrainConfig, renderer=pydoc.plaintext)
    for f in dataclasses.fields(TrainConfig):
        row = params.param(f.name)
        assert f"{f.name} : {row.range_text()}" in text, f.name
        assert row.help in " ".join(text.split()), f.name


@pytest.mark.parametrize("gpu, expected", [(False, "cpu"), (True, "cuda")])
def test_device_auto_is_accepted_and_resolved_when_the_config_is_made(monkeypatch, gpu, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    cfg = TrainConfig(device="auto")
    assert cfg.device == expected
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_the_result_is_short_and_its_final_metrics_are_typed_and_read_as_the_dict_they_were():
    res = infgrad.train(TrainConfig(**TINY), progress=False)
    assert len(repr(res)) < 300 and "active dims" in repr(res)
    f = res.final
    assert isinstance(f, FinalMetrics) and len(repr(f)) < 300
    assert f.gamma == f["gamma"] and f.steps == 40 and f.d == 6 and len(f.kl_per_dim) == 3
    assert dict(f) == f.to_dict() and f.get("no such key") is None
    json.dumps(res.to_json())
    f["threads"] = 1                                       # what the command line adds
    assert res.to_json()["final"]["threads"] == 1 and f.extra == {"threads": 1}
    documented = FinalMetrics.__doc__ or ""
    assert "Eq. (3)" in documented


def test_data_wider_or_narrower_than_d_are_an_error_naming_both_widths():
    with pytest.raises(BadConfig, match=r"10 wide but d=20.*TrainConfig\(d=10\)"):
        infgrad.train(TrainConfig(steps=2), np.zeros((50, 10), np.float32), progress=False)
    with pytest.raises(BadConfig, match="10 wide"):
        infgrad.train_pack([TrainConfig(steps=2)], [np.zeros((50, 10), np.float32)])


def test_data_with_a_width_of_their_own_set_d_and_the_result_says_so():
    res = infgrad.train(TrainConfig(data="curve", r=1, n=60, kappa=2, hidden=(8,), steps=20, log_every=10,
                                    checkpoint_every=10), progress=False)
    assert res.config.d == 2 == res.final.d and res.data_meta["d_from_data"] is True
    same = infgrad.train(TrainConfig(**TINY), progress=False)
    assert same.config == TrainConfig(**TINY) and "d_from_data" not in same.data_meta


@pytest.mark.parametrize("entry", ["train", "train_pack"])
def test_the_python_entry_points_train_with_the_command_lines_thread_count_and_restore_torchs(entry, monkeypatch):
    """Before: infgrad.train ran with torch's default (one thread per core), 3x slower than the
    command line beside two busy processes (issue 23)."""
    from infgrad.models.memory import parameter_count
    from infgrad.models.threads import resolve_threads

    import infgrad.models.engine as engine

    seen = []
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        cfg = TrainConfig(**TINY)
        if entry == "train":
            infgrad.train(cfg, progress=False, on_log=lambda step, rec: seen.append(torch.get_num_threads()))
        else:
            real = engine.run_pack
            monkeypatch.setattr(engine, "run_pack", lambda *a, **k: (seen.append(torch.get_num_threads()),
                                                                     real(*a, **k))[1])
            infgrad.train_pack([cfg, cfg.replace(seed=1)])
        work = parameter_count(6, 3, "mlp", (16,)) * cfg.batch_size
        assert seen and set(seen) == {resolve_threads("auto", "cpu", work)} == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_an_explicit_thread_count_is_used_and_a_bad_one_refused():
    seen = []
    before = torch.get_num_threads()
    infgrad.train(TrainConfig(**TINY), threads=2, progress=False,
                  on_log=lambda step, rec: seen.append(torch.get_num_threads()))
    assert set(seen) == {2} and torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads must be"):
        infgrad.train(TrainConfig(**TINY), threads=0, progress=False)
