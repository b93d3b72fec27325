"""A check split into parts (T13's toy, conv VAE packs and plain AEs as separate jobs of the
report's pool): the same numbers, bit for bit, as the whole check run in one process; a part that
raises makes the check inconclusive with its error; the parts are handed out longest first."""

from __future__ import annotations

import json
import operator
from functools import partial

import pytest

from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.proofs_check.experiments import checks, load, outliers
from run_compare import TINY_OUTLIERS, stable


def _tiny_images(tmp_path, monkeypatch):
    """Tiny IDX image files for both data sets (what the parent sees, the workers are told)."""
    import gzip

    import numpy as np

    from infgrad.models import data

    for name, seed in (("fashion-mnist", 1), ("mnist", 2)):
        folder = tmp_path / name
        folder.mkdir()
        pix = np.random.default_rng(seed).integers(0, 256, (80, 28, 28), dtype=np.uint8)
        header = bytes([0, 0, 8, 3]) + b"".join(int(v).to_bytes(4, "big") for v in pix.shape)
        (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + pix.tobytes()))
        monkeypatch.setenv(data.ENV_VARS[name], str(folder))


@pytest.mark.parametrize("images", [True, False], ids=["images", "no-images"])
def test_t13_in_parts_across_two_processes_equals_the_whole_check_in_one(tmp_path, monkeypatch, images):
    if images:
        _tiny_images(tmp_path, monkeypatch)
    monkeypatch.setitem(outliers.PROFILES, "quick", {**outliers.PROFILES["quick"], **TINY_OUTLIERS})
    spec = [s for s in registry.CHECKS if s.name == "outliers"]
    assert spec[0].parts and spec[0].combine
    whole = registry.run_checks(spec, CheckContext(seed=5, out_dir=tmp_path / "a", device="cpu"), workers=1)
    jobs = []
    split = registry.run_checks(spec, CheckContext(seed=5, out_dir=tmp_path / "b", device="cpu"), workers=2,
                                on_done=lambda s, got: jobs.append(s.name))
    assert jobs == ["outliers"]
    a, b = whole[0], split[0]
    assert (a.claim, a.status, a.summary) == (b.claim, b.status, b.summary)
    assert [(k.name, k.value, k.interval) for k in a.key_numbers] == [(k.name, k.value, k.interval) for k in b.key_numbers]
    assert stable(a.to_json()["evidence"]) == stable(b.to_json()["evidence"])
    raw = [json.loads((tmp_path / x / "data" / "experiment_outliers.json").read_text()) for x in "ab"]
    assert stable(raw[0]) == stable(raw[1])
    real = raw[1]["real"]
    if images:   # the image part ran in the workers, on the files the parent was pointed at
        assert len(real["runs"]) == 4 and all(r["ae_auroc"] is not None for r in real["runs"])
        assert {(r["kappa"], r["seed"]) for r in real["runs"]} == {(2, 5), (2, 6), (4, 5), (4, 6)}
    else:
        assert "runs" not in real and real["reason"].startswith("image files absent")


def test_the_parts_are_the_toy_one_vae_pack_per_kappa_and_one_plain_ae_per_run():
    ps = outliers.parts("quick", seed=0, size=TINY_OUTLIERS)
    assert [p.key for p in ps] == ["toy", "real-vae-k2", "real-vae-k4", "real-ae-k2-s0", "real-ae-k2-s1",
                                   "real-ae-k4-s0", "real-ae-k4-s1"]
    assert max(ps, key=lambda p: p.cost).key.startswith("real-vae")


def fake_parts(ctx):
    """Three jobs: one raises, two return; the costs put them out of their listed order."""
    return [("ok-small", 1.0, partial(operator.add, 1, 2)), ("broken", 5.0, partial(operator.truediv, 1, 0)),
            ("ok-big", 9.0, partial(operator.mul, 3, 4))]


def fake_combine(ctx, outputs):
    raise AssertionError("never called when a part raised")


def test_a_part_that_raises_makes_its_check_inconclusive_naming_the_part(tmp_path):
    spec = registry.CheckSpec("fake", ("T13",), "empirical", "unused:unused",
                              parts=f"{__name__}:fake_parts", combine=f"{__name__}:fake_combine")
    got = registry.run_checks([spec], CheckContext(seed=0, out_dir=tmp_path, device="cpu"), workers=2)
    assert [r.status for r in got] == ["inconclusive"]
    assert "part broken: ZeroDivisionError" in got[0].evidence["error"]
    assert not (tmp_path / "claims" / "fake.json").exists()      # a crash is recomputed, never cached


def test_parts_go_out_longest_first_before_the_whole_checks(tmp_path, monkeypatch):
    from infgrad.proofs_check.claims import executors

    seen = []

    def in_order(fn, args, **kw):
        seen.extend((a[0], a[1]) for a in args)
        for a in args:
            yield fn(*a)

    monkeypatch.setattr(executors, "run_unordered", in_order)
    spec = registry.CheckSpec("fake", ("T13",), "empirical", "unused:unused",
                              parts=f"{__name__}:fake_parts", combine=f"{__name__}:fake_combine")
    whole = [s for s in registry.CHECKS if s.name == "T6"]
    got = registry.run_checks(whole + [spec], CheckContext(seed=0, out_dir=tmp_path, device="cpu"), workers=2)
    assert seen == [(1, "ok-big"), (1, "broken"), (1, "ok-small"), (0, None)]
    assert [(r.claim, r.status) for r in got] == [("T6", "pass"), ("T13", "inconclusive")]


def no_parts(ctx):
    return []


def test_a_check_with_nothing_to_split_runs_whole(tmp_path):
    """parts() -> [] means 'run me whole', never a lost result (before: no result at all)."""
    t6 = next(s for s in registry.CHECKS if s.name == "T6")
    spec = registry.CheckSpec("T6", ("T6",), t6.method, t6.target, parts=f"{__name__}:no_parts",
                              combine=f"{__name__}:fake_combine")
    got = registry.run_checks([spec], CheckContext(seed=0, out_dir=tmp_path, device="cpu"), workers=2)
    assert [(r.claim, r.status) for r in got] == [("T6", "pass")]
