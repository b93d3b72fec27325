"""Pieces shared by the experiments: seeds, mean and spread, trajectories, PCA baselines, AUROC.

Everything returns plain Python types (floats, ints, lists, dicts) so that an experiment's result
is JSON-able as it stands; non-finite floats are left as floats (the writer turns them into
strings).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Iterable, Sequence

import numpy as np

# per-step quantities kept from a training history (the figures draw these)
TRAJECTORY_KEYS = ("step", "loss", "recon_error", "gamma", "active_var", "active_units", "mmd",
                   "grad_norm_z")
# final quantities kept from ``TrainResult.final``
FINAL_KEYS = ("loss", "recon_error", "recon_error_expected", "gamma", "active_var", "active_units",
              "mmd", "mmd_kernel", "kl_per_dim", "mean_encoder_var", "active_units_cov", "steps",
              "seconds", "events")


def plain(value: Any) -> Any:
    """numpy / torch scalars and arrays to Python numbers and lists (recursively)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return plain(tolist())
    return str(value)


def resolve_size(sizes: dict[str, Any], profile: str, size: Any = None, seeds: int | None = None) -> Any:
    """The experiment's size: ``size`` if given, else ``sizes[profile]``, with ``seeds`` overriding its seed count."""
    sz = size or sizes[profile]
    return sz if seeds is None else replace(sz, seeds=seeds)


def seed_list(base: int, count: int) -> list[int]:
    """``count`` seeds derived from ``base`` (``base, base + 1, ...``)."""
    if count < 1:
        raise ValueError(f"seeds must be >= 1; got {count}")
    return [int(base) + i for i in range(count)]


def stats(values: Iterable[float]) -> dict[str, Any]:
    """Mean and spread over seeds: mean, std (ddof = 1; 0 for one value), min, max, n, the values."""
    v = np.asarray([float(x) for x in values], dtype=float)
    if v.size == 0:
        return {"mean": float("nan"), "std": float("nan"), "min": float("nan"), "max": float("nan"),
                "n": 0, "values": []}
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "min": float(v.min()),
        "max": float(v.max()),
        "n": int(v.size),
        "values": [float(x) for x in v],
    }


def fmt(s: dict[str, Any], spec: str = ".3g") -> str:
    """``mean ± std`` of a :func:`stats` dict, for summaries."""
    return f"{s['mean']:{spec}} ± {s['std']:{spec}}"


def trajectory(history: dict[str, list]) -> dict[str, list]:
    """The per-step quantities that the figures draw, as plain lists."""
    return {k: plain(list(history[k])) for k in TRAJECTORY_KEYS if k in history}


def run_record(res: Any, **extra: Any) -> dict[str, Any]:
    """One training run as a JSON-able dict: config, final metrics, trajectory, instability events."""
    final = {k: plain(res.final[k]) for k in FINAL_KEYS if k in res.final}
    out = {
        "seed": int(res.config.seed),
        "config": plain(res.config.to_dict() if hasattr(res.config, "to_dict") else vars(res.config)),
        "final": final,
        "trajectory": trajectory(res.history),
        "events": plain(list(res.events)),
        "seconds": float(res.seconds),
    }
    out.update(plain(extra))
    return out


def status_of(flags: dict[str, bool]) -> str:
    """``pass`` when every named sub-check holds, else ``fail``."""
    return "pass" if all(bool(v) for v in flags.values()) else "fail"


# ----------------------------------------------------------------------------------- torch helpers

def per_sample_error(model: Any, X: np.ndarray, batch: int = 2000) -> np.ndarray:
    """||x - mu_x(mu_z(x))||^2 for each row of X (the paper's units, Eq. (4)); shape (n,)."""
    return ((X - reconstruct(model, X, batch)) ** 2).sum(axis=1)


def reconstruct(model: Any, X: np.ndarray, batch: int = 2000) -> np.ndarray:
    """mu_x(mu_z(x)) for each row of X, computed without gradients; shape (n, d)."""
    import torch

    p = next(model.parameters())
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(X), batch):
            x = torch.as_tensor(np.asarray(X[i:i + batch]), dtype=p.dtype, device=p.device)
            mu, _ = model.encode(x)
            out.append(model.decode(mu).double().cpu().numpy())
    model.train(was_training)
    return np.concatenate(out, axis=0) if out else np.zeros((0, X.shape[1]))


# ------------------------------------------------------------------------------------ baselines

def pca_error_curve(X: np.ndarray) -> np.ndarray:
    """Mean per-sample squared reconstruction error of PCA with k = 0, 1, ..., min(n, d) components,
    fitted and evaluated on the same data: err(k) = sum_{j > k} lambda_j with lambda the eigenvalues
    of the 1/n covariance. Shape (min(n, d) + 1,)."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    lam = s ** 2 / X.shape[0]  # 1/n normalisation: the mean over samples, like the VAE's error
    tail = np.concatenate([np.cumsum(lam[::-1])[::-1], [0.0]])
    return np.maximum(tail, 0.0)


def components_needed(curve: np.ndarray, target: float) -> int:
    """The fewest PCA components whose error (``pca_error_curve``) is <= target; len(curve) - 1 if none."""
    hits = np.nonzero(np.asarray(curve) <= target)[0]
    return int(hits[0]) if hits.size else int(len(curve) - 1)


def pca_per_sample_error(X_fit: np.ndarray, X_eval: np.ndarray, k: int) -> np.ndarray:
    """Per-sample squared error of the k-component PCA subspace of X_fit applied to X_eval."""
    from sklearn.decomposition import PCA

    k = int(min(k, X_fit.shape[0], X_fit.shape[1]))
    if k == 0:
        return ((X_eval - X_fit.mean(axis=0)) ** 2).sum(axis=1)
    pca = PCA(n_components=k, svd_solver="full").fit(X_fit)
    rec = pca.inverse_transform(pca.transform(X_eval))
    return ((X_eval - rec) ** 2).sum(axis=1)


def auroc(inlier_scores: Sequence[float], outlier_scores: Sequence[float]) -> float:
    """Area under the ROC curve of a score that should be larger for outliers (sklearn roc_auc_score)."""
    from sklearn.metrics import roc_auc_score

    y = np.concatenate([np.zeros(len(inlier_scores)), np.ones(len(outlier_scores))])
    s = np.concatenate([np.asarray(inlier_scores, float), np.asarray(outlier_scores, float)])
    return float(roc_auc_score(y, s))


def finite(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))
