"""The trainer: a short run learns, resume is bit-identical, non-finite windows roll back."""

import math

import numpy as np
import pytest
import torch

from infgrad.models.config import BadConfig, TrainConfig
from infgrad.models.checkpoint import CHECKPOINT_NAME, CheckpointError, load_checkpoint
from infgrad.models.trainer import train

SMALL = dict(d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32, log_every=25, checkpoint_every=50,
             mmd_samples=50, eval_samples=200)


class Interrupt(Exception):
    pass


def _params(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_a_short_run_lowers_gamma_and_the_loss_and_records_history_at_every_log_point():
    cfg = TrainConfig(steps=300, **SMALL)
    res = train(cfg, progress=False)
    h = res.history
    assert h["step"] == list(range(25, 301, 25))
    assert h["gamma"][-1] < h["gamma"][0] < 1.0
    assert h["loss"][-1] < h["loss"][0]
    assert res.final["steps"] == 300 and res.final["events"] == 0
    assert len(res.final["kl_per_dim"]) == 3
    assert len(h["kl_per_dim"]) == len(h["step"]) and len(h["mean_encoder_var"][-1]) == 3
    doc = res.to_json()
    assert doc["config"]["hidden"] == [16, 16] and doc["data"]["r"] == 2


def test_an_interrupted_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one(tmp_path):
    cfg = TrainConfig(steps=200, rprop_damping=True, **SMALL)
    whole = train(cfg, checkpoint_dir=tmp_path / "a", progress=False)

    def stop_at_125(step, record):
        if step == 125:                                        # after the step-100 checkpoint
            raise Interrupt

    with pytest.raises(Interrupt):
        train(cfg, checkpoint_dir=tmp_path / "b", progress=False, on_log=stop_at_125)
    assert load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)["step"] == 100
    resumed = train(cfg, checkpoint_dir=tmp_path / "b", resume=True, progress=False)
    a, b = _params(whole.model), _params(resumed.model)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert whole.history["gamma"] == resumed.history["gamma"]
    assert whole.history["step"] == resumed.history["step"]
    assert whole.events == resumed.events


def test_a_finished_run_can_be_extended_by_resuming_with_more_steps(tmp_path):
    # with a constant lr: the lr tail depends on steps, so a tailed run extended later has had its
    # tail in the middle and is not the longer run
    cfg = TrainConfig(steps=100, lr_tail_fraction=0.0, **SMALL)
    train(cfg, checkpoint_dir=tmp_path, progress=False)
    longer = train(cfg.replace(steps=150), checkpoint_dir=tmp_path, resume=True, progress=False)
    whole = train(cfg.replace(steps=150), progress=False)
    assert all(torch.equal(x, y) for x, y in zip(longer.model.state_dict().values(),
                                                 whole.model.state_dict().values()))


def test_resume_refuses_a_checkpoint_of_a_different_run_and_a_corrupt_one(tmp_path):
    cfg = TrainConfig(steps=50, **SMALL)
    train(cfg, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match="kappa=3 there, kappa=4 now"):
        train(cfg.replace(kappa=4), checkpoint_dir=tmp_path, resume=True, progress=False)
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        train(cfg, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert path.read_bytes() == b"not a checkpoint"


def test_a_half_written_temporary_file_never_replaces_the_good_checkpoint(tmp_path):
    cfg = TrainConfig(steps=50, **SMALL)
    train(cfg, checkpoint_dir=tmp_path, progress=False)
    (tmp_path / (CHECKPOINT_NAME + ".tmp")).write_bytes(b"\x80\x02 truncated")   # a crash mid-write
    st = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert st["step"] == 50 and st["config"]["kappa"] == 3
    assert isinstance(st["generator"], torch.Tensor)


def test_a_non_finite_window_is_rolled_back_with_the_step_halved_and_logged():
    # a fixed gamma of 3e-39 in float32 (1/gamma = 3.3e38, just finite: the config accepts it) makes
    # ||x - mu_x||^2 / gamma overflow to inf at once for any error above 1.03: every window is
    # non-finite, so the trainer halves lr, logs each rollback and finally gives up
    cfg = TrainConfig(steps=50, gamma=3e-39, **SMALL)
    with pytest.raises(FloatingPointError, match="non-finite after 40 rollbacks"):
        train(cfg, progress=False)


def test_a_step_size_that_diverges_is_halved_until_training_is_finite_again():
    cfg = TrainConfig(steps=200, lr=1e4, arch="linear", **{k: v for k, v in SMALL.items() if k != "hidden"})
    res = train(cfg, progress=False)
    rollbacks = [e for e in res.events if e["kind"] == "non-finite"]
    assert rollbacks, "lr = 1e4 was expected to produce a non-finite window"
    assert [e["lr"] for e in rollbacks] == [1e4 * 0.5 ** (i + 1) for i in range(len(rollbacks))]
    assert math.isfinite(res.final["loss"]) and res.final["lr"] == rollbacks[-1]["lr"]
    assert all(np.isfinite(v) for v in res.history["loss"])


def test_init_state_continues_from_a_model_and_a_fixed_gamma_overrides_its_log_gamma():
    cfg = TrainConfig(steps=50, **SMALL)
    first = train(cfg, progress=False)
    again = train(cfg.replace(steps=0), init_state=first.model.state_dict(), progress=False)
    assert torch.equal(again.model.log_gamma, first.model.log_gamma)
    fixed = train(cfg.replace(steps=0, gamma=0.25), init_state=first.model.state_dict(), progress=False)
    assert math.isclose(fixed.final["gamma"], 0.25, rel_tol=1e-6)


def test_float64_is_a_flag_away():
    res = train(TrainConfig(steps=25, dtype="float64", **SMALL), progress=False)
    assert all(p.dtype == torch.float64 for p in res.model.parameters())


def test_the_config_round_trips_through_a_plain_dict_and_rejects_unknown_or_mistyped_keys():
    cfg = TrainConfig(gamma=0.5, hidden=(4, 5))
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(BadConfig, match="unknown config keys: colour"):
        TrainConfig.from_dict({**cfg.to_dict(), "colour": "red"})
    with pytest.raises(BadConfig, match=r"steps must be an integer in \[0, 1000000000\]; got steps='10'"):
        TrainConfig.from_dict({**cfg.to_dict(), "steps": "10"})
    with pytest.raises(BadConfig, match="checkpoint_every must be a positive multiple of log_every=100"):
        TrainConfig(checkpoint_every=150)
    with pytest.raises(BadConfig, match="r must satisfy 1 <= r <= d; got d=2, r=3"):
        TrainConfig(d=2, r=3)


@pytest.mark.parametrize("dtype, small, fine", [("float32", 1e-39, 3e-39), ("float64", 1e-320, 6e-309)])
def test_a_fixed_gamma_whose_inverse_overflows_the_dtype_is_refused_at_once(dtype, small, fine):
    # 1/gamma scales the error in Eq. (3): past the dtype's largest number every step is inf (the run
    # trained to 40 rollbacks and exited 1, "diverged", on an input no run could compute)
    with pytest.raises(BadConfig, match=f"gamma = {small!r} is too small for {dtype}: 1/gamma overflows"):
        TrainConfig(gamma=small, dtype=dtype)
    assert TrainConfig(gamma=fine, dtype=dtype).gamma == fine


def test_threads_auto_is_one_on_a_busy_machine_or_a_small_model_and_the_idle_cores_for_a_large_one():
    from infgrad.models.threads import LARGE_STEP_WORK, resolve_threads

    big = LARGE_STEP_WORK
    assert resolve_threads("auto", "cpu", big, cpus=2, load=3.1) == 1          # busy
    assert resolve_threads("auto", "cpu", big, cpus=2, load=0.2) == 1          # only one core really idle
    assert resolve_threads("auto", "cpu", big // 10, cpus=16, load=0.0) == 1   # small model: 1
    assert resolve_threads("auto", "cpu", big, cpus=16, load=4.5) == 11        # large model, idle cores
    assert resolve_threads("auto", "cuda", big, cpus=16, load=0.0) == 1
    assert resolve_threads("3", "cpu") == 3 and resolve_threads(2, "cpu") == 2
    for bad in ("0", "-1", "two", "1.5", True):
        with pytest.raises(ValueError, match="threads must be 'auto' or an integer >= 1"):
            resolve_threads(bad, "cpu")


def test_resume_refuses_a_checkpoint_of_the_single_run_trainer_format_with_a_clear_message(tmp_path):
    from infgrad.models.checkpoint import save_checkpoint

    cfg = TrainConfig(steps=50, **SMALL)
    save_checkpoint({"format": "infgrad-vae-checkpoint/1", "config": cfg.to_dict(), "step": 25},
                    tmp_path / CHECKPOINT_NAME)
    with pytest.raises(CheckpointError, match=r"older infgrad \(infgrad-vae-checkpoint/1.*train again"):
        train(cfg, checkpoint_dir=tmp_path, resume=True, progress=False)


@pytest.mark.parametrize("bad", [5, "x", torch.zeros(3), torch.zeros(2, 2)])
def test_resume_refuses_damping_state_of_the_wrong_kind_or_size_in_one_error(tmp_path, bad):
    """A checkpoint whose optimiser state does not fit the run is a CheckpointError (the CLI: one
    line, exit 2), never another exception."""
    import io

    cfg = TrainConfig(steps=50, rprop_damping=True, **SMALL)
    train(cfg, checkpoint_dir=tmp_path, progress=False)
    path = tmp_path / CHECKPOINT_NAME
    st = torch.load(path, weights_only=True)
    st["damping"]["prev"] = bad
    buf = io.BytesIO()
    torch.save(st, buf)
    path.write_bytes(buf.getvalue())
    with pytest.raises(CheckpointError, match="does not fit this run|damping"):
        train(cfg.replace(steps=100), checkpoint_dir=tmp_path, resume=True, progress=False)
