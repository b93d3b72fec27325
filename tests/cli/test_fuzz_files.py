"""Fuzz the files the commands read: IDX images (``train --data idx:``), checkpoints (``train
--resume``), the report's cached results and the figures' saved data. Each starts from a valid
file and is truncated, emptied, replaced by binary noise, nested 10^5 deep, given a huge claimed
shape, a flipped byte or values of the wrong type.

Every answer keeps the contract of ``fuzz_support.run_and_check``; a file that cannot be valid
(truncated, empty, a shape its size does not hold, a checkpoint of the wrong types) must be
refused with exit 2, and a damaged cache must be recomputed (exit 0). Certificate files are
fuzzed by the Theorem 4 tests.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.models.idx import write_idx
from infgrad.models.checkpoint import CHECKPOINT_NAME
from infgrad.models.checkpoint_schema import KEYS
from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import result
from fuzz_support import run_and_check, write_summary

SHARED_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TINY = ["--d", "4", "--r", "2", "--n", "30", "--kappa", "2", "--hidden", "4", "--steps", "2", "--batch-size",
        "8", "--log-every", "1", "--checkpoint-every", "1", "--quiet", "--device", "cpu"]
IMAGE_SHAPE = (20, 3, 3)
# the checkpoint schema (models/checkpoint_schema.py) types every key: a value of another type is refused
REQUIRED = tuple(sorted(KEYS))
json_junk = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                     max_size=3), max_leaves=10)


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzzfiles")
    rng = np.random.default_rng(0)
    write_idx(tmp / "images.idx", rng.integers(0, 256, IMAGE_SHAPE, dtype=np.uint8))
    from infgrad.proofs_check.cli import main

    assert main(["train", *TINY, "--checkpoint", str(tmp / "good")]) == 0
    yield tmp
    write_summary()


@st.composite
def corrupted(draw, good: bytes, *, deep: bytes = b"") -> tuple[str, bytes]:
    """(how, bytes): a corruption of ``good``."""
    how = draw(st.sampled_from(["truncated", "empty", "binary", "flipped", "deep"] if deep else
                               ["truncated", "empty", "binary", "flipped"]))
    if how == "truncated":
        return how, good[: draw(st.integers(0, len(good) - 1))]
    if how == "empty":
        return how, b""
    if how == "binary":
        return how, draw(st.binary(max_size=200))
    if how == "deep":
        return how, deep
    at = draw(st.integers(0, len(good) - 1))
    return how, good[:at] + bytes([draw(st.integers(0, 255))]) + good[at + 1:]


@st.composite
def idx_files(draw, good: bytes) -> tuple[str, bytes, bool]:
    """(how, bytes, must_fail) for an IDX image file, raw or gzip."""
    if draw(st.booleans()):
        dims = draw(st.lists(st.integers(0, 2**32 - 1), min_size=3, max_size=3), label="claimed shape")
        data = good[:4] + b"".join(d.to_bytes(4, "big") for d in dims) + good[16:]
        how, bad = "claimed shape", math.prod(dims) != math.prod(IMAGE_SHAPE)
    else:
        how, data = draw(corrupted(good))
        bad = how in ("truncated", "empty")
    if draw(st.booleans(), label="gzip"):
        data = gzip.compress(data)
    return how, data, bad


@SHARED_FIXTURES
@given(data=st.data())
def test_a_corrupt_idx_file_is_refused_in_one_line(data, place, capsys):
    how, payload, bad = data.draw(idx_files((place / "images.idx").read_bytes()), label="corruption")
    path = place / "out" / "images.idx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(payload)
    run_and_check(["train", *TINY, "--data", f"idx:{path}", "--max-memory", "1G"], capsys, place, place / "out",
                  must_fail=bad, label=f"idx {how}")


@st.composite
def checkpoints(draw, good: bytes) -> tuple[str, bytes]:
    if draw(st.booleans()):
        return draw(corrupted(good))
    state = torch.load(io_bytes(good), weights_only=True)
    key = draw(st.sampled_from(sorted(state)), label="key")
    value = draw(json_junk, label="value")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (value, state[key]))
    how = f"wrong type of {key}" if type(value) is not type(state[key]) and not numbers else f"another value of {key}"
    state[key] = value
    buf = _buffer()
    torch.save(state, buf)
    return how, buf.getvalue()


def _buffer():
    import io

    return io.BytesIO()


def io_bytes(data: bytes):
    buf = _buffer()
    buf.write(data)
    buf.seek(0)
    return buf


@SHARED_FIXTURES
@given(data=st.data())
def test_a_corrupt_checkpoint_is_refused_in_one_line_and_left_in_place(data, place, capsys):
    how, payload = data.draw(checkpoints((place / "good" / CHECKPOINT_NAME).read_bytes()), label="corruption")
    ck = place / "out" / "ck"
    shutil.rmtree(ck, ignore_errors=True)
    ck.mkdir(parents=True)
    (ck / CHECKPOINT_NAME).write_bytes(payload)
    code = run_and_check(["train", *TINY, "--checkpoint", str(ck), "--resume"], capsys, place, place / "out",
                         must_fail=how in ("truncated", "empty", "binary")
                         or (how.startswith("wrong type") and how.endswith(REQUIRED)), label=f"checkpoint {how}")
    if code == 2:
        assert (ck / CHECKPOINT_NAME).read_bytes() == payload


def stub_check(ctx):
    return result("T1", "symbolic", "pass", {"x": 1}, summary="stub")


@SHARED_FIXTURES
@given(data=st.data())
def test_a_damaged_report_cache_is_recomputed(data, place, capsys, monkeypatch):
    from infgrad.proofs_check.report import run as report_run

    spec = registry.CheckSpec("T1", ("T1",), "symbolic", "x:y")
    monkeypatch.setattr(registry, "select", lambda ids, empirical: [spec])
    monkeypatch.setattr(registry.CheckSpec, "load", lambda self: stub_check)
    monkeypatch.setattr(report_run, "draw_figures", lambda out_dir: [])
    good = json.dumps({"version": "0", "seed": 0, "profile": "quick", "results": [stub_check(None).to_json()]})
    if data.draw(st.booleans(), label="wrong types"):
        how, payload = "wrong types", json.dumps({"version": data.draw(json_junk), "seed": 0, "profile": "quick",
                                                  "results": data.draw(json_junk)}).encode()
    else:
        how, payload = data.draw(corrupted(good.encode(), deep=b"[" * 10**5 + b"]" * 10**5))
    out = place / "out" / "report"
    (out / "claims").mkdir(parents=True, exist_ok=True)
    (out / "claims" / "T1.json").write_bytes(payload)
    assert run_and_check(["report", "--out", str(out), "--quiet", "--device", "cpu"], capsys, place, place / "out",
                         must_fail=False, label=f"report cache {how}") == 0
    assert json.loads((out / "claims" / "T1.json").read_text())["results"][0]["status"] == "pass"


@settings(SHARED_FIXTURES, max_examples=max(3, settings.default.max_examples // 5))
@given(data=st.data())
def test_damaged_figure_data_are_noted_never_a_traceback(data, place, capsys):
    out = place / "out" / "figs"
    (out / "data").mkdir(parents=True, exist_ok=True)
    hows = []
    for name in ("t11_slices.json", "t17_smoothing.json", "experiment_beta.json"):
        how, payload = data.draw(corrupted(b'{"runs": [], "claim": "T5"}', deep=b"[" * 10**5 + b"]" * 10**5))
        (out / "data" / name).write_bytes(payload)
        hows.append(how)
    # a truncated, empty or too deep file is never JSON the figures can read: exit 2
    run_and_check(["figures", "--out", str(out)], capsys, place, place / "out",
                  must_fail=bool({"truncated", "empty", "deep"} & set(hows)), label="figure data")
