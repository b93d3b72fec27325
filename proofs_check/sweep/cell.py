"""One cell of a sweep: a pack of its seeds trained by the engine, and its config hash.

A cell is a plain dict (so that a process pool or a Ray task can carry it): ``values`` (the swept
fields' values), ``fixed``, ``seeds`` and ``device``. Its :func:`config_hash` covers the whole
:class:`~infgrad.models.config.TrainConfig` of its runs except the seed, plus the list of seeds and
the device: two cells with the same hash train the same pack, so a finished cell found by its hash
can be reused (the runs of a pack are bit-identical on the CPU when repeated with the same thread
count; one thread is used here).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from typing import Any

from infgrad.models.config import TrainConfig

__all__ = ["make_cell", "config_hash", "configs", "run_cell", "ROW_METRICS"]

# the final metrics a row holds (TrainResult.final keys), beside hash, the swept values, seed, seconds
ROW_METRICS = ("gamma", "active_var", "active_units", "recon_error", "mmd", "grad_norm_z", "loss", "kl",
               "rollbacks")


def make_cell(values: dict[str, Any], fixed: dict[str, Any], seeds: tuple[int, ...], device: str) -> dict:
    cell = {"values": dict(values), "fixed": dict(fixed), "seeds": list(seeds), "device": device}
    cell["hash"] = config_hash(cell)
    return cell


def configs(cell: dict) -> list[TrainConfig]:
    """The configs of the cell's runs, one per seed, in seed order."""
    return [TrainConfig(**cell["fixed"], **cell["values"], seed=s, device=cell["device"]) for s in cell["seeds"]]


def config_hash(cell: dict) -> str:
    """16 hex digits of the SHA-256 of the runs' full config (seed excluded), the seeds and the device."""
    doc = configs({**cell, "seeds": [0]})[0].to_dict()
    del doc["seed"]
    text = json.dumps({"config": doc, "seeds": list(cell["seeds"])}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _number(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def run_cell(cell: dict, threads: int = 1, checkpoint_dir: str | None = None) -> dict:
    """Train the cell's pack with ``threads`` torch threads and return ``{"hash", "cell", "rows",
    "seconds"}``: one row per seed with the final metrics (non-finite numbers as None).

    With ``checkpoint_dir`` the pack is checkpointed there every ``checkpoint_every`` steps and
    resumed from it when present (:func:`infgrad.models.trainer.train_packed`; the folder is removed
    once the cell is trained), so a cell killed midway continues from its last checkpoint; without,
    :func:`infgrad.models.engine.train_pack`. ``seconds`` is the wall time of this call."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        t0 = time.perf_counter()
        if checkpoint_dir is None:
            from infgrad.models.engine import train_pack

            results = train_pack(configs(cell))
        else:
            from infgrad.models.trainer import train_packed

            results = train_packed(configs(cell), checkpoint_dir=checkpoint_dir, resume=True, progress=False)
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
        seconds = time.perf_counter() - t0
    finally:
        torch.set_num_threads(before)
    rows = []
    for seed, res in zip(cell["seeds"], results):
        row = {"hash": cell["hash"], **cell["values"], "seed": seed}
        row.update({k: _number(res.final.get(k)) for k in ROW_METRICS})
        row["seconds"] = seconds
        rows.append(row)
    return {"hash": cell["hash"], "cell": cell, "rows": rows, "seconds": seconds}
