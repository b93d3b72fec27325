"""No file outside the output folder: the one writer refuses a link anywhere under a confined
folder (``infgrad.atomic.confine``), and ``publish_files`` writes a set all new or all old."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infgrad.atomic as atomic
from infgrad.atomic import WriteError, confine, publish_files, recover_published, write_text


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_a_linked_subfolder_anywhere_under_the_root_is_refused_naming_it(tmp_path, depth):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    above = out.joinpath(*["a"] * depth)
    above.mkdir(parents=True)
    (above / "claims").symlink_to(outside)
    with confine(out):
        with pytest.raises(WriteError, match=r"claims is a symbolic link .*refusing to follow"):
            write_text(above / "claims" / "deeper" / "T2.json", "{}")
    assert list(outside.iterdir()) == []


def test_without_a_confined_root_a_linked_parent_named_by_the_caller_is_followed(tmp_path):
    """The user's own path (e.g. --json link/x.json) is theirs to choose."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    write_text(tmp_path / "link" / "x.txt", "ok")
    assert (real / "x.txt").read_text() == "ok"


def test_a_root_that_is_itself_a_link_is_used(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out").symlink_to(real)
    with confine(tmp_path / "out"):
        write_text(tmp_path / "out" / "sub" / "f.txt", "ok")
    assert (real / "sub" / "f.txt").read_text() == "ok"


def test_the_command_line_refuses_a_planted_claims_link_in_one_line(tmp_path, capsys):
    from infgrad.proofs_check.cli import main

    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "data").symlink_to(outside)
    code = main(["experiment", "linear", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert err[-1].startswith("infgrad: error: ") and "symbolic link" in err[-1] and "data" in err[-1]
    assert list(outside.iterdir()) == []


def test_publish_writes_every_file_and_leaves_no_stage(tmp_path):
    publish_files(tmp_path, {"report.md": "# r\n", "results.json": b"{}\n", "figures/f.svg": "<svg/>"})
    assert tree(tmp_path) == {"report.md": b"# r\n", "results.json": b"{}\n", "figures/f.svg": b"<svg/>"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@settings(max_examples=30, deadline=None)
@given(fail_at=st.integers(0, 40))
def test_a_full_disk_anywhere_while_publishing_leaves_every_old_file(tmp_path_factory, fail_at):
    folder = tmp_path_factory.mktemp("pub")
    publish_files(folder, {"report.md": "old md", "report.html": "old html", "results.json": "old"})
    before = tree(folder)
    calls = [0]
    real_write = os.write

    def filling(fd, buf):
        calls[0] += 1
        if calls[0] > fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(buf[:3]))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(atomic.os, "write", filling)
        try:
            publish_files(folder, {"report.md": "new md!!", "report.html": "new html!!", "results.json": "new!!"})
        except WriteError as exc:
            assert "No space left on device" in str(exc)
            assert tree(folder) == before
        else:
            assert tree(folder) == {"report.md": b"new md!!", "report.html": b"new html!!", "results.json": b"new!!"}
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_a_kill_among_the_renames_is_rolled_forward_by_the_next_publish(tmp_path, monkeypatch):
    publish_files(tmp_path, {"a.txt": "old a", "b.txt": "old b"})
    real = os.replace
    done = [0]

    def dies_after_one(*args, **kw):
        if not str(args[0]).isdigit():  # the staging writes' own renames
            return real(*args, **kw)
        if done[0] == 1:
            raise SystemExit("killed")  # stands for a SIGKILL between two renames
        done[0] += 1
        return real(*args, **kw)

    monkeypatch.setattr(atomic.os, "replace", dies_after_one)
    with pytest.raises(SystemExit):
        publish_files(tmp_path, {"a.txt": "new a", "b.txt": "new b"})
    monkeypatch.undo()
    assert sum(p.name.startswith(".publish-") for p in tmp_path.iterdir()) == 1  # the manifest's stage
    recover_published(tmp_path)
    assert tree(tmp_path) == {"a.txt": b"new a", "b.txt": b"new b"}


def test_an_unfinished_stage_without_manifest_is_removed(tmp_path):
    stage = tmp_path / ".publish-0123456789abcdef"
    stage.mkdir()
    (stage / "00000").write_text("half")
    publish_files(tmp_path, {"x.txt": "x"})
    assert tree(tmp_path) == {"x.txt": b"x"}


def test_publish_refuses_links_and_bad_names_before_any_rename(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    publish_files(out, {"a.txt": "old"})
    (out / "figures").symlink_to(outside)
    with pytest.raises(WriteError, match="figures is a symbolic link"):
        publish_files(out, {"a.txt": "new", "figures/f.png": b"x"})
    assert (out / "a.txt").read_text() == "old" and list(outside.iterdir()) == []
    for bad in ("../x", "/etc/x", ""):
        with pytest.raises(WriteError, match="not a plain relative path"):
            publish_files(out, {bad: "x"})


def test_a_worker_process_started_inside_the_block_is_confined_too(tmp_path):
    """The report's checks write claims/ and data/ from a process pool, where the block's context
    variable does not reach: the roots travel in the environment."""
    import subprocess
    import sys

    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "claims").symlink_to(outside)
    code = "from infgrad.atomic import write_text; import sys; write_text(sys.argv[1], 'x')"
    with confine(out):
        proc = subprocess.run([sys.executable, "-c", code, str(out / "claims" / "T2.json")], capture_output=True,
                              text=True)
    assert proc.returncode != 0 and "claims is a symbolic link" in proc.stderr
    assert list(outside.iterdir()) == [] and atomic.ROOTS_ENV not in os.environ
