"""The ray backend on a local Ray runtime (``ray.init(num_cpus=2)``) gives the local backend's numbers."""

import pytest

from infgrad.proofs_check.sweep import run_sweep

from sweep_support import tiny_grid, without_time

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


def test_ray_sweep_equals_local(ray_runtime, tmp_path):
    local = run_sweep(tiny_grid(), tmp_path / "local", device="cpu")
    on_ray = run_sweep(tiny_grid(), tmp_path / "ray", device="cpu", backend="ray")
    assert len(on_ray["ran"]) == 4 and on_ray["reused"] == []
    assert without_time(on_ray["rows"]) == without_time(local["rows"])
    assert ray.is_initialized()                           # a runtime the caller started is left running
    again = run_sweep(tiny_grid(), tmp_path / "ray", device="cpu", backend="ray")
    assert again["ran"] == [] and without_time(again["rows"]) == without_time(local["rows"])
