"""The checkpoint folder: held by one run at a time (fcntl lock naming the holder's pid), stale
temporary files of a killed writer removed, raw pickles refused without torch's warning."""

from __future__ import annotations

import os
import pickle

import pytest

from infgrad.models.checkpoint import CHECKPOINT_NAME, CheckpointError, hold_folder, load_checkpoint


def test_a_second_holder_is_refused_naming_the_first_ones_pid(tmp_path):
    with hold_folder(tmp_path):
        with pytest.raises(CheckpointError, match=rf"in use by another infgrad run \(pid {os.getpid()}\)"):
            with hold_folder(tmp_path):
                pass
    with hold_folder(tmp_path):  # released at the end of the block
        pass


def test_the_command_line_exits_2_in_one_line_while_another_run_holds_the_folder(tmp_path, capsys):
    from infgrad.proofs_check.cli import main

    with hold_folder(tmp_path / "ck"):
        code = main(["train", "--steps", "10", "--log-every", "10", "--checkpoint-every", "10", "--n", "50",
                     "--d", "4", "--r", "2", "--kappa", "2", "--checkpoint", str(tmp_path / "ck"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and f"pid {os.getpid()}" in err[0], err


def test_stale_temporary_checkpoints_are_removed_and_nothing_else(tmp_path):
    stale = tmp_path / ".checkpoint.pt.0123456789abcdef.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".checkpoint.pt.someone-else.tmp"
    other.write_bytes(b"keep")
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    link = tmp_path / ".checkpoint.pt.fedcba9876543210.tmp"
    link.symlink_to(victim)
    with hold_folder(tmp_path):
        pass
    assert not stale.exists() and other.exists() and link.is_symlink() and victim.read_bytes() == b"keep"


def test_a_raw_pickle_is_refused_without_torch_s_warning(tmp_path, recwarn):
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(pickle.dumps({"format": "x", "f": print}))
    with pytest.raises(CheckpointError, match="not a weights-only torch file"):
        load_checkpoint(path)
    assert [str(w.message) for w in recwarn] == []
