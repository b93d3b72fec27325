"""Files from outside are refused in one sentence when not regular, too large or too deep;
checkpoint values are checked against the parameter table."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from infgrad.models.checkpoint import CHECKPOINT_FORMAT, CheckpointError, load_checkpoint
from infgrad.models.config import TrainConfig
from infgrad.files import FileRefused, depth, read_json
from infgrad.proofs_check.cli import main

json_values = st.recursive(st.none() | st.integers() | st.text(max_size=3),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                                       max_size=3),
                           max_leaves=20)


def nesting(value) -> int:
    """Independent recursive count: a container is one more than its deepest child."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


@given(json_values)
def test_the_nesting_depth_is_the_recursive_depth_of_any_json_value(value):
    assert depth(value, 1000) == nesting(value)


def test_json_nested_ten_to_the_five_deep_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 10**5 + "]" * 10**5)
    with pytest.raises(FileRefused, match="nested deeper than 64 levels"):
        read_json(path)
    path.write_text("[" * 70 + "]" * 70)     # parses, but deeper than the cap
    with pytest.raises(FileRefused, match="nested deeper than 64 levels"):
        read_json(path)


@pytest.mark.parametrize("payload,match", [(b"", "not valid JSON"), (b"\xff\xfe\x00", "not valid JSON"),
                                           (b'{"a": ', "not valid JSON")])
def test_empty_binary_or_truncated_json_is_refused(tmp_path, payload, match):
    path = tmp_path / "x.json"
    path.write_bytes(payload)
    with pytest.raises(FileRefused, match=match):
        read_json(path)


def test_devices_and_oversized_json_are_refused_before_reading(tmp_path):
    with pytest.raises(FileRefused, match="/dev/zero is not a regular file"):
        read_json("/dev/zero")
    path = tmp_path / "big.json"
    path.write_text(json.dumps(list(range(1000))))
    with pytest.raises(FileRefused, match="above the 1.0 KiB limit"):
        read_json(path, max_bytes=1024)


def _state(**changes):
    st_ = {"format": CHECKPOINT_FORMAT, "config": TrainConfig().to_dict(), "step": 0, "lr": 1e-3, "model": {},
           "adam": {"exp_avg": torch.zeros(2), "exp_avg_sq": torch.zeros(2), "step": 0.0}, "generator": torch.zeros(3, dtype=torch.uint8), "events": [], "history": {},
           "applied_lr": 1e-3, "damping": None, "rollbacks_in_a_row": 0}
    st_.update(changes)
    return st_


@pytest.mark.parametrize("changes,match", [
    ({"config": {**TrainConfig().to_dict(), "kappa": 0}}, r"kappa must be an integer in \[1, 2147483647\]"),
    ({"config": {**TrainConfig().to_dict(), "seed": 10**30}}, r"seed must be an integer in \[0, 4294967295\]"),
    ({"config": [1, 2]}, "a config must be a dict"),
    ({"step": -1}, r"step must be in \[0, 20000\]; got -1"),
    ({"lr": float("nan")}, r"lr must be finite and in \(0.0, 1e\+300\]; got nan"),
    ({"history": [1]}, "history must be a dict; got list"),
])
def test_a_checkpoint_value_outside_the_table_is_refused(tmp_path, changes, match):
    path = tmp_path / "checkpoint.pt"
    torch.save(_state(**changes), path)
    with pytest.raises(CheckpointError, match=match):
        load_checkpoint(path)


def test_a_checkpoint_missing_a_key_or_not_a_regular_file_is_refused(tmp_path):
    path = tmp_path / "checkpoint.pt"
    state = _state()
    del state["adam"]
    torch.save(state, path)
    with pytest.raises(CheckpointError, match="lacks adam"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="checkpoint /dev/zero is not a regular file"):
        load_checkpoint("/dev/zero")


def test_a_checkpoint_symlinked_to_a_device_exits_2_in_one_line(tmp_path, capsys):
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "checkpoint.pt").symlink_to("/dev/zero")
    args = ["train", "--d", "4", "--r", "2", "--n", "20", "--kappa", "2", "--hidden", "4", "--steps", "2",
            "--log-every", "1", "--checkpoint-every", "1", "--quiet", "--device", "cpu",
            "--checkpoint", str(tmp_path / "ck"), "--resume"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a regular file" in err


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '[{"x": {"k": true, "k": false}}]'])
def test_read_json_refuses_a_duplicate_key(tmp_path, text):
    """json.loads keeps the last of two equal keys, silently; a reader that keeps the first sees
    another document. The Theorem 4 kernel refused duplicates, read_json took the last."""
    path = tmp_path / "d.json"
    path.write_text(text)
    with pytest.raises(FileRefused, match="repeats the key"):
        read_json(path)


def test_figures_refuse_saved_data_with_a_duplicate_key(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "t17_smoothing.json").write_text('{"profile": "quick", "profile": "full"}')
    assert main(["figures", "--out", str(tmp_path)]) == 2
    assert "repeats the key 'profile'" in capsys.readouterr().err
