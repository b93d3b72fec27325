"""Shared by the tests that compare two runs of one check (split against whole, Ray against local,
resumed against uninterrupted): what legitimately differs between the runs is removed, and T13
has one tiny profile that both the parts and the Ray tests run."""

from __future__ import annotations

from typing import Any, Collection

VOLATILE = frozenset({"seconds", "experiment_seconds", "data_file"})   # wall times and this run's paths

TINY_OUTLIERS = dict(n_train=100, n_test=50, n_outliers=50, hidden=(16,), steps=40, seeds=2, log_every=20,
                     real=dict(kappas=(2, 4), arch="conv", steps=4, lr=1e-3, n_train=40, n_test=20, seeds=2))


def stable(doc: Any, volatile: Collection[str] = VOLATILE) -> Any:
    """``doc`` (a JSON document) without the keys in ``volatile``, at any depth."""
    if isinstance(doc, dict):
        return {k: stable(v, volatile) for k, v in doc.items() if k not in volatile}
    if isinstance(doc, list):
        return [stable(v, volatile) for v in doc]
    return doc
