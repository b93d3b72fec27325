"""Bounds before work: every request that used to allocate, hang or crash answers exit 2 and one line.

Each case listed in issue 12 ("Why") that belongs to ``train``, and the memory limit itself. The
in-process tests check the message; one subprocess runs them all and checks time and peak memory
(``wait4``'s ``ru_maxrss``), which an in-process test cannot see.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from infgrad.models.memory import parameter_count, training_estimate
from infgrad.params import PARAMS, BadValue, parse_bytes
from infgrad.proofs_check.cli import main

SMALL = ["--steps", "1", "--quiet", "--device", "cpu"]

# (arguments to ``infgrad train``, a piece of the one-line message); each failed before issue 12
# with a traceback after allocating (numpy _ArrayMemoryError, torch allocator RuntimeError,
# MemoryError at 13 GB for /dev/zero, "int too large to convert to C long").
KNOWN = [
    (["--d", "1000000000000"], "--d must be an integer in [1, 2147483647]; got '1000000000000'"),
    (["--n", "1000000000000"], "--n must be an integer in [0, 2147483647]; got '1000000000000'"),
    (["--kappa", "1000000000000"], "--kappa must be an integer in [1, 2147483647]; got '1000000000000'"),
    (["--batch-size", "1000000000000"], "--batch-size must be an integer in [1, 2147483647]"),
    (["--d", "1e12"], "--d must be an integer in [1, 2147483647]; got '1e12'"),
    (["--d", str(10**29)], "--d must be an integer in [1, 2147483647]; got '1000000000"),
    (["--hidden", "100000000,100000000"], "the request needs about"),
    (["--data", "idx:/dev/zero"], "IDX file /dev/zero is not a regular file"),
    (["--n", "2000000000", "--d", "2000"], "the request needs about"),
    (["--batch-size", "2000000000"], "the request needs about"),
    (["--kappa", "2000000000"], "the request needs about"),
    (["--n", "1000000", "--mmd-samples", "1000000"], "the request needs about"),   # an MMD of 10^12 entries
]


@pytest.mark.parametrize("args,message", KNOWN, ids=[" ".join(a)[:40] for a, _ in KNOWN])
def test_a_request_beyond_the_bounds_exits_2_with_one_line_before_any_work(capsys, args, message):
    assert main(["train", *SMALL, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and err.count("\n") == 1 and message in err, err


def test_a_request_above_the_memory_limit_names_the_need_and_the_limit(capsys):
    assert main(["train", *SMALL, "--n", "100000", "--d", "1000", "--max-memory", "64M"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: the request needs about ") and "of memory (data " in err
    assert "but the limit is 64.0 MiB (--max-memory)" in err and err.count("\n") == 1


def test_the_same_request_runs_under_a_higher_limit(capsys):
    args = ["--n", "200", "--d", "6", "--r", "2", "--kappa", "2", "--hidden", "4", "--batch-size", "10",
            "--log-every", "1", "--checkpoint-every", "1"]
    assert main(["train", *SMALL, *args, "--max-memory", "1K"]) == 2   # below the table's 1 MiB floor
    assert "--max-memory must be a size in bytes" in capsys.readouterr().err
    assert main(["train", *SMALL, *args, "--max-memory", "1G"]) == 0


def test_an_idx_header_claiming_more_data_than_the_file_holds_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + (10**9).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
    assert main(["train", *SMALL, "--data", f"idx:{path}"]) == 2
    err = capsys.readouterr().err
    assert "IDX header says shape (1000000000, 28, 28)" in err and "file holds 0" in err


def test_the_parameter_count_matches_the_model_for_every_architecture():
    from infgrad.models.vae import GaussianVAE, count_parameters

    for d, kappa, arch, hidden in [(5, 3, "mlp", (7, 4)), (9, 2, "linear", (8,)), (784, 4, "conv", (8,)),
                                   (784, 11, "conv", (8,)), (3, 2, "mlp", (8,))]:
        model = GaussianVAE(d, kappa, arch, hidden)
        assert parameter_count(d, kappa, arch, hidden) == count_parameters(model)


def test_the_estimate_grows_with_every_size():
    base = dict(n=10**5, d=10, kappa=2, arch="mlp", hidden=(8,), batch_size=10, eval_samples=50, steps=100,
                log_every=10, dtype_bytes=4)
    total = training_estimate(**base).total
    for key, bigger in (("n", 10**8), ("d", 10**4), ("kappa", 10**4), ("hidden", (10**4,)), ("steps", 10**8),
                        ("batch_size", 10**7), ("mmd_samples", 10**5)):
        assert training_estimate(**{**base, key: bigger}).total > 10 * total, key


@pytest.mark.parametrize("text,value", [("1000", 1000), ("512M", 512 * 2**20), ("2G", 2 * 2**30),
                                        ("1.5GiB", int(1.5 * 2**30)), ("3k", 3072)])
def test_sizes_are_read_with_binary_units(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "G", "-1G", "1e9", "nan", "12X", "1" * 40])
def test_a_malformed_size_is_refused(text):
    with pytest.raises(BadValue, match="--max-memory must be a size in bytes"):
        PARAMS["max_memory"].parse(text)


def test_every_known_failure_stays_within_30_seconds_and_2_gb_in_a_fresh_process(tmp_path):
    """Peak memory of a process that runs every case: ``ru_maxrss`` from ``wait4`` (kB on Linux)."""
    script = ("import sys\nfrom proofs_check.cli import main\n"
              f"cases = {[a for a, _ in KNOWN]!r}\n"
              f"codes = [main(['train', *{SMALL!r}, *a]) for a in cases]\n"
              "sys.exit(0 if codes == [2] * len(cases) else 1)\n")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()[-2000:]
    assert seconds < 30 * len(KNOWN)
    assert usage.ru_maxrss < 2 * 2**20, f"peak {usage.ru_maxrss} kB"


def test_a_dimension_too_large_for_the_arithmetic_exits_2_in_every_command(capsys):
    """``counterexample --d 10**29`` ended in OverflowError ("int too large to convert to C long")."""
    assert main(["counterexample", "--h", "atan(3*u)", "--d", str(10**29), "--kappa", "4", "--r", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and err.count("\n") == 1 and "Traceback" not in err


def _small_file_limit():
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)        # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))


def test_a_write_that_runs_out_of_room_gives_one_line_and_keeps_the_previous_file(tmp_path):
    """A real failing write (RLIMIT_FSIZE: the kernel refuses bytes past 300, as a full disk refuses
    them), not a simulated one: the JSON document of ``verify`` is larger than that."""
    out = tmp_path / "out.json"
    out.write_text('{"previous": true}\n')
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "infgrad", "verify", "--claim", "T6", "--json", str(out)],
                          env=env, capture_output=True, text=True, timeout=120, preexec_fn=_small_file_limit)
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("running ")]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith(f"infgrad: error: cannot write {out}: File too large")
    assert out.read_text() == '{"previous": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_an_experiment_whose_seeds_leave_the_table_says_why_in_one_line(tmp_path, capsys):
    """Seeds seed, seed + 1, ... of an experiment started at the largest seed leave the range."""
    assert main(["experiment", "linear", "--seed", "4294967295", "--seeds", "2", "--out", str(tmp_path),
                 "--device", "cpu", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == ("infgrad: error: experiment linear: seed must be an integer in [0, 4294967295]; "
                   "got seed=4294967296\n")


def test_a_cuda_run_is_also_held_to_the_gpus_free_memory():
    from infgrad.models.memory import MemoryLimitExceeded

    est = training_estimate(n=10**6, d=10**4, kappa=8, arch="mlp", hidden=(128,), batch_size=100,
                            eval_samples=2000, steps=10**8, log_every=1, dtype_bytes=4)
    assert est.on_device().total == est.total - est.parts["history"]
    with pytest.raises(MemoryLimitExceeded, match=r"but the limit is 1.0 GiB \(the GPU's free memory\)"):
        est.on_device().check(2**30, how="the GPU's free memory")


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_request_above_the_gpus_free_memory_exits_2_before_building_data(capsys):
    # 2e6 x 20000 float32 is 160 GB on the GPU alone; the host limit is lifted to 1 PiB
    assert main(["train", "--device", "cuda", "--n", "2000000", "--d", "20000", "--steps", "1", "--quiet",
                 "--max-memory", "1024T"]) == 2
    err = capsys.readouterr().err
    assert "(the GPU's free memory)" in err and err.count("\n") == 1
