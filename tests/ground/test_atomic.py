"""The one atomic writer (``infgrad/atomic.py``): old file intact on failure, no symlink followed."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import infgrad.atomic as atomic
from infgrad.atomic import WriteError, write_bytes, write_json, write_text


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_text_and_json_read_back_exactly(tmp_path):
    write_text(tmp_path / "a" / "b.txt", "héllo\n")  # missing parents are created
    assert (tmp_path / "a" / "b.txt").read_text(encoding="utf-8") == "héllo\n"
    doc = {"x": [1, 2.5, None], "s": "t"}
    write_json(tmp_path / "d.json", doc)
    text = (tmp_path / "d.json").read_text()
    assert json.loads(text) == doc and text.endswith("\n") and "\n  " in text
    write_json(tmp_path / "c.json", doc, indent=None)
    assert (tmp_path / "c.json").read_text() == '{"x":[1,2.5,null],"s":"t"}\n'
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_mode_that_open_for_writing_gives(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    write_text(tmp_path / "m.txt", "x")
    assert (tmp_path / "m.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_json_without_a_json_form_fails_before_touching_the_old_file(tmp_path):
    target = tmp_path / "r.json"
    write_json(target, {"ok": 1})
    for bad in ({"x": float("nan")}, {"x": float("inf")}, {"x": object()}):
        with pytest.raises((ValueError, TypeError)):
            write_json(target, bad)
        assert json.loads(target.read_text()) == {"ok": 1}
    assert leftovers(tmp_path) == []


@given(old=st.binary(max_size=300), new=st.binary(min_size=1, max_size=300), data=st.data())
def test_a_full_disk_at_any_byte_leaves_the_previous_file_intact(tmp_path_factory, old, new, data):
    folder = tmp_path_factory.mktemp("enospc")
    target = folder / "f.bin"
    target.write_bytes(old)
    fail_after = data.draw(st.integers(0, len(new) - 1), label="bytes written before ENOSPC")
    written = [0]
    real_write = os.write

    def filling_write(fd, buf):
        room = fail_after - written[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real_write(fd, bytes(buf[:room]))  # a short write, as a nearly full disk gives
        written[0] += n
        return n

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(atomic.os, "write", filling_write)
        with pytest.raises(WriteError) as info:
            write_bytes(target, new)
    assert target.read_bytes() == old
    assert leftovers(folder) == []
    assert str(info.value) == (f"cannot write {target}: No space left on device; "
                               "the previous file, if any, is unchanged")
    assert info.value.exit_code == 2


def test_a_full_disk_reported_only_by_fsync_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    write_json(target, {"v": 1})

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(WriteError, match="No space left on device"):
        write_json(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 1}
    assert leftovers(tmp_path) == []


def test_a_symlink_planted_at_the_temporary_name_is_refused_naming_it_never_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "out.txt"
    planted = tmp_path / ".out.txt.planted.tmp"
    planted.symlink_to(victim)
    names = iter([planted])
    real = atomic._temp_name
    monkeypatch.setattr(atomic, "_temp_name", lambda t: next(names, None) or real(t))
    with pytest.raises(WriteError, match=r"\.out\.txt\.planted\.tmp is a symbolic link"):
        write_text(target, "new content")
    assert victim.read_text() == "keep me"
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    assert not target.exists()


def test_when_every_temporary_name_is_taken_the_write_fails_in_one_line(tmp_path, monkeypatch):
    taken = tmp_path / ".x.tmp"
    taken.write_text("someone else's")
    monkeypatch.setattr(atomic, "_temp_name", lambda t: taken)
    with pytest.raises(WriteError, match=r"^cannot write .*x\.txt: no free temporary name"):
        write_text(tmp_path / "x.txt", "data")
    assert taken.read_text() == "someone else's" and not (tmp_path / "x.txt").exists()


def test_a_symlink_at_the_target_is_refused_naming_it_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "link.txt"
    target.symlink_to(victim)
    with pytest.raises(WriteError, match=r"link\.txt is a symbolic link"):
        write_text(target, "mine")
    assert victim.read_text() == "keep me" and target.is_symlink()
    assert leftovers(tmp_path) == []


def test_unwritable_targets_give_one_line_errors(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match=r"^cannot write .*dir: Is a directory; the previous file"):
        write_text(tmp_path / "dir", "x")
    with pytest.raises(WriteError, match=r"^cannot write .*file/y\.txt: (File exists|Not a directory)$"):
        write_text(tmp_path / "file" / "y.txt", "x")
    assert leftovers(tmp_path) == [] and (tmp_path / "file").read_text() == "x"


def test_an_interrupt_mid_write_leaves_no_temporary_file_and_propagates(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    target.write_text("old")

    def interrupted(fd, buf):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text(target, "new")
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_a_real_ctrl_c_just_after_the_temporary_file_is_created_is_held_until_the_write_is_done(tmp_path, monkeypatch):
    """The window between creating the temporary file and the cleanup that guards it: a SIGINT
    sent there (by this process to itself) once left the temporary file behind."""
    import signal

    target = tmp_path / "f.txt"
    target.write_text("old")
    real_open = os.open

    def open_then_interrupted(*args, **kw):
        fd = real_open(*args, **kw)
        if str(args[0]).endswith(".tmp"):
            os.kill(os.getpid(), signal.SIGINT)
        return fd

    monkeypatch.setattr(atomic.os, "open", open_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text(target, "new")
    assert target.read_text() == "new" and leftovers(tmp_path) == []   # written whole, then interrupted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is back


def test_the_command_line_answers_an_unwritable_json_path_in_one_line(tmp_path, capsys):
    from infgrad.proofs_check.cli import main

    (tmp_path / "file").write_text("x")
    code = main(["verify", "--claim", "T6", "--json", str(tmp_path / "file" / "out.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("infgrad: error: cannot write ") and "Traceback" not in "\n".join(err)


def full_disk(fd, buf):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_saving_a_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    import torch

    from infgrad.models.checkpoint import save_checkpoint

    path = tmp_path / "checkpoint.pt"
    save_checkpoint({"format": "infgrad-vae-checkpoint/1", "step": 1, "w": torch.ones(3)}, path)
    monkeypatch.setattr(atomic.os, "write", full_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        save_checkpoint({"format": "infgrad-vae-checkpoint/1", "step": 2, "w": torch.zeros(3)}, path)
    monkeypatch.undo()
    st = torch.load(path, weights_only=True)  # the raw file: load_checkpoint also validates a whole run
    assert st["step"] == 1 and torch.equal(st["w"], torch.ones(3)) and leftovers(tmp_path) == []


def test_a_full_disk_while_saving_a_figure_keeps_the_previous_one(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from infgrad.figures import save

    png, pdf = save(plt.figure(figsize=(2, 2)), tmp_path, "f")
    assert png.read_bytes().startswith(b"\x89PNG") and pdf.read_bytes().startswith(b"%PDF")
    before = png.read_bytes()
    monkeypatch.setattr(atomic.os, "write", full_disk)
    with pytest.raises(WriteError):
        save(plt.figure(figsize=(3, 3)), tmp_path, "f")
    assert png.read_bytes() == before and leftovers(tmp_path) == []


def test_a_fifo_or_device_at_the_target_is_refused_and_left_in_place(tmp_path):
    """As root, renaming over ``--json /dev/null`` replaced the device with a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(WriteError, match=r"^cannot write .*pipe: not a regular file; refusing to replace it$"):
        write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]
