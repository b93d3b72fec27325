"""The process-parallel map of CPU-bound check work: same results as the plain loop, in order,
whatever the number of workers (T17's instances, the L-BFGS starts of T3/T4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.experiments import smoothing as t17
from infgrad.pool import chunks, pmap
from infgrad.theory import linear_vae as lv


@given(st.lists(st.integers(), max_size=40), st.integers(1, 12))
def test_chunks_are_contiguous_nonempty_near_equal_and_rebuild_the_sequence(items, parts):
    out = chunks(items, parts)
    assert [x for part in out for x in part] == items
    assert all(out) and len(out) == min(parts, len(items))
    if out:
        assert max(map(len, out)) - min(map(len, out)) <= 1


def test_pmap_in_two_processes_returns_the_loop_results_in_order():
    # the generators travel pickled, so each worker draws what the loop would
    data = [np.random.default_rng(100 + s).standard_normal((6, 3)) for s in range(5)]
    loop = [_fit50(X, 2, np.random.default_rng(s)) for s, X in enumerate(data)]
    par = pmap(_fit50, [(X, 2, np.random.default_rng(s)) for s, X in enumerate(data)], workers=2)
    assert [f.energy for f in par] == [f.energy for f in loop]
    assert len({f.energy for f in par}) == 5           # five different fits, not one repeated
    assert all(np.array_equal(p.model.W, q.model.W) for p, q in zip(par, loop))


def _fit50(X, kappa, rng):
    return lv.fit(X, kappa, rng, maxiter=50)


def test_t17_records_and_example_do_not_depend_on_how_the_instances_are_split_across_workers():
    runs = [t17.run_experiment(0, 12, 32, 2, 10, workers=w) for w in (1, 2, 3)]
    for raw in runs:
        for rec in raw["records"]:
            for arm in ("annealed", "fixed"):
                rec[arm].pop("seconds", None)
    assert runs[0]["records"] == runs[1]["records"] == runs[2]["records"]
    assert [r["instance"] for r in runs[0]["records"]] == list(range(10))
    ex = [raw["example"] for raw in runs]
    assert ex[0] is not None and all(e["instance"] == ex[0]["instance"] and e["deltas"] == ex[0]["deltas"]
                                and e["row_norms"] == ex[0]["row_norms"] for e in ex)


def test_checks_run_side_by_side_give_what_they_give_one_after_another(tmp_path):
    """Two real empirical checks (T11's slices, the trained linear VAE of T3) in two processes:
    the same results, in registry order, as run here one after the other; each wrote its cache."""
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import CheckContext

    specs = [s for s in registry.CHECKS if s.name in ("T11", "linear-trained")]
    order = []
    seq = registry.run_checks(specs, CheckContext(seed=0, out_dir=tmp_path / "a", device="cpu"), workers=1)
    par = registry.run_checks(specs, CheckContext(seed=0, out_dir=tmp_path / "b", device="cpu"), workers=2,
                              on_done=lambda spec, got: order.append(spec.name))
    assert sorted(order) == ["T11", "linear-trained"]
    assert [r.claim for r in par] == [r.claim for r in seq] == ["T11", "T3"]
    for a, b in zip(seq, par):
        assert (a.status, a.summary, a.device) == (b.status, b.summary, b.device) == (a.status, a.summary, "cpu")
        assert _stable(a.to_json()["evidence"]) == _stable(b.to_json()["evidence"])
    assert sorted(p.name for p in (tmp_path / "b" / "claims").iterdir()) == ["T11.json", "linear-trained.json"]


def test_the_symbolic_and_exact_checks_go_to_the_pool_too_after_the_empirical_ones(tmp_path, monkeypatch):
    """With workers > 1 nothing runs in this process (before: the symbolic and exact checks ran
    here, one after another, before any empirical check started); the empirical one is handed
    out first; the results are those of the plain loop, in registry order."""
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import CheckContext

    specs = [s for s in registry.CHECKS if s.name in ("T2", "T6", "T11")]
    seq = registry.run_checks(specs, CheckContext(seed=0, out_dir=tmp_path / "a", device="cpu"), workers=1)
    here, started = [], []
    real = registry.run_check
    monkeypatch.setattr(registry, "run_check", lambda spec, ctx, **kw: here.append(spec.name) or real(spec, ctx, **kw))
    par = registry.run_checks(specs, CheckContext(seed=0, out_dir=tmp_path / "b", device="cpu"), workers=2,
                              on_start=lambda spec: started.append(spec.name))
    assert here == []                              # the workers import the registry afresh
    assert started[0] == "T11" and sorted(started) == ["T11", "T2", "T6"]
    assert [(r.claim, r.status, r.summary) for r in par] == [(r.claim, r.status, r.summary) for r in seq]
    assert sorted(p.name for p in (tmp_path / "b" / "claims").iterdir()) == ["T11.json", "T2.json", "T6.json"]


def _stable(evidence):
    """The evidence as JSON without what differs between two runs of one check: timings and the
    path of its output folder."""
    import json

    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if "seconds" not in k and k != "data_file"}
        return [strip(x) for x in v] if isinstance(v, list) else v
    return json.dumps(strip(evidence), sort_keys=True)


SLOW_SCRIPT = '''
import sys, time
from infgrad.pool import pmap
import slowtask
try:
    pmap(slowtask.nap, [(i,) for i in range(4)], workers=2)
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
'''


def test_ctrl_c_stops_the_pool_at_once_and_leaves_no_worker(tmp_path):
    """A SIGINT to the whole process group (what Ctrl-C sends) during pmap: the parent raises
    KeyboardInterrupt long before the 300 s tasks would end, and no worker survives. The tasks say
    they have started by writing a file each; the test polls for them (no sleeping on a guess)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "slowtask.py").write_text(
        "import os, time\n\ndef nap(i):\n"
        f"    open(os.path.join({str(tmp_path)!r}, f'started-{{i}}'), 'w').close()\n"
        "    time.sleep(300)\n    return i\n")
    (tmp_path / "main.py").write_text(SLOW_SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    proc = subprocess.Popen([sys.executable, str(tmp_path / "main.py")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120                               # a hang guard, not a timing
    while len(list(tmp_path.glob("started-*"))) < 2:                # both workers are in their task
        assert time.monotonic() < deadline and proc.poll() is None, "the pool's tasks never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)                        # far below the tasks' 300 s
    assert out.decode().strip() == "interrupted", err.decode()[-2000:]
    assert "Traceback" not in err.decode()                          # no worker printed one
    deadline = time.time() + 20                                     # killed workers are reaped by init
    while time.time() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break                                                   # the group is gone: no worker left
        time.sleep(0.2)
    else:
        pytest.fail("a worker of the interrupted pool is still there after 20 s")


def test_the_report_runs_its_empirical_checks_side_by_side_on_cuda_too(monkeypatch):
    """The report asks the registry for one process per usable core whatever the device (before:
    one on CUDA); the CUDA run itself needs a GPU, so the registry is stood in for here."""
    from infgrad import pool as parallel
    from infgrad.proofs_check.report import run as report_run
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import CheckContext

    seen = []
    monkeypatch.setattr(parallel, "usable_cores", lambda: 4)
    monkeypatch.setattr(registry, "run_checks", lambda specs, ctx, **kw: seen.append((ctx.device, kw["workers"])) or [])
    for device in ("cpu", "cuda"):
        report_run._run_checks([], CheckContext(seed=0, device=device), reuse=False, quiet=True)
    assert seen == [("cpu", 4), ("cuda", 4)]
