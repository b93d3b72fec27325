"""A pack's data tensor (``models.run.stack_data``): one copy per distinct array, and none for a
single float32 array on the CPU (a view of its memory: the large harness model's 31 MB were copied
at every run's start)."""

import numpy as np
import torch

from infgrad.models.data import Dataset
from infgrad.models.run import stack_data


def test_one_float32_array_on_the_cpu_is_used_in_place_and_distinct_arrays_are_stacked():
    a = np.random.default_rng(0).random((5, 3), dtype=np.float32)
    Xs, idx = stack_data([Dataset(a, "x", {}), Dataset(a, "x", {})], torch.float32, "cpu")
    assert Xs.shape == (1, 5, 3) and idx.tolist() == [[0], [0]]
    assert Xs.data_ptr() == a.__array_interface__["data"][0]              # no copy
    b = a[::-1].copy()
    Xs, idx = stack_data([Dataset(a, "x", {}), Dataset(b, "x", {}), Dataset(a, "x", {})], torch.float64, "cpu")
    assert Xs.shape == (2, 5, 3) and Xs.dtype == torch.float64 and idx.tolist() == [[0], [1], [0]]
    assert torch.equal(Xs[1], torch.as_tensor(b, dtype=torch.float64))
