"""Pieces shared by the experiments: seeds, mean and spread, trajectories, PCA baselines, AUROC.

Everything returns plain Python types (floats, ints, lists, dicts) so that an experiment's result
is JSON-able as it stands; non-finite floats are left as floats (the writer turns them into
strings).
"""

from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

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


def resolve_profile(profiles: dict[str, dict[str, Any]], profile: str, size: dict[str, Any] | None = None,
                    seeds: int | None = None) -> dict[str, Any]:
    """The experiment's profile: ``profiles[profile]`` with the entries of ``size`` laid over it (a
    test's tiny sizes), and ``seeds`` overriding its seed count. A profile is a plain dict: the
    keys that name a ``TrainConfig`` field are that field's value for every run (:func:`train_config`);
    the others are the experiment's own (seeds, the kappa list, ...)."""
    out = dict(profiles[profile])
    out.update(size or {})
    if seeds is not None:
        out["seeds"] = int(seeds)
    return out


def train_config(prof: dict[str, Any], **fields: Any) -> Any:
    """A ``TrainConfig`` from the profile's TrainConfig keys, with ``fields`` laid over them;
    ``checkpoint_every`` defaults to ten log intervals."""
    from infgrad.models.config import TrainConfig

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    kw = {k: v for k, v in prof.items() if k in names}
    kw.update(fields)
    kw.setdefault("checkpoint_every", int(kw.get("log_every", 100)) * 10)
    return TrainConfig(**kw)


def seed_list(base: int, count: int) -> list[int]:
    """``count`` seeds derived from ``base`` (``base, base + 1, ...``)."""
    if count < 1:
        raise ValueError(f"seeds must be >= 1; got {count}")
    return [int(base) + i for i in range(count)]


BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_METHOD = "percentile"   # BCa needs a jackknife that is undefined for 3 equal values
CI_METHOD = (f"95% bootstrap interval of the mean over seeds: scipy.stats.bootstrap, "
             f"{BOOTSTRAP_METHOD} method, {BOOTSTRAP_RESAMPLES} resamples, random_state 0")


def bootstrap_ci(values: Sequence[float], statistic: Any = np.mean, level: float = 0.95) -> tuple[float, float]:
    """The ``level`` bootstrap interval of ``statistic`` (called as ``statistic(x, axis=-1)``) over ``values`` (scipy.stats.bootstrap,
    percentile method, fixed random_state so the same values give the same interval). A single
    value or all-equal values give the degenerate interval (v, v); non-finite values give (nan, nan)."""
    from scipy.stats import bootstrap

    v = np.asarray([float(x) for x in values], dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v)):
        return (float("nan"), float("nan"))
    if v.size == 1 or np.all(v == v[0]):
        s = float(statistic(v))
        return (s, s)
    res = bootstrap((v,), statistic, confidence_level=level, n_resamples=BOOTSTRAP_RESAMPLES,
                    method=BOOTSTRAP_METHOD, random_state=0, vectorized=True)
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def stats(values: Iterable[float]) -> dict[str, Any]:
    """A statistic over seeds: mean, sd (ddof = 1; 0 for one value), the 95% bootstrap interval of
    the mean (:func:`bootstrap_ci`), min, max, n and the values."""
    v = np.asarray([float(x) for x in values], dtype=float)
    if v.size == 0:
        return {"mean": float("nan"), "sd": float("nan"), "ci95": [float("nan"), float("nan")],
                "min": float("nan"), "max": float("nan"), "n": 0, "values": []}
    return {
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "ci95": list(bootstrap_ci(v)),
        "min": float(v.min()),
        "max": float(v.max()),
        "n": int(v.size),
        "values": [float(x) for x in v],
    }


def fmt(s: dict[str, Any], spec: str = ".3g") -> str:
    """``mean ± sd [lo, hi]`` of a :func:`stats` dict, for summaries."""
    lo, hi = s.get("ci95", [float("nan")] * 2)
    return f"{s['mean']:{spec}} ± {s['sd']:{spec}} [{lo:{spec}}, {hi:{spec}}]"


def trajectory(history: dict[str, list]) -> dict[str, list]:
    """The per-step scalar quantities of a training history (the figures draw these), as plain
    lists; the per-dimension lists (one per log point) are left out to keep results small."""
    return {k: plain(list(v)) for k, v in history.items() if not (v and isinstance(v[0], (list, tuple)))}


def run_record(res: Any, **extra: Any) -> dict[str, Any]:
    """One training run as a JSON-able dict: config, final metrics, trajectory, instability events."""
    final = plain(dict(res.final))
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
    return _tail(np.linalg.svd(X - X.mean(axis=0), compute_uv=False) ** 2 / X.shape[0])


def _tail(lam: np.ndarray) -> np.ndarray:
    """err(k) = sum_{j > k} lambda_j for k = 0 ... len(lam) (the 1/n normalisation: the mean over
    samples, like the VAE's error)."""
    return np.maximum(np.concatenate([np.cumsum(lam[::-1])[::-1], [0.0]]), 0.0)


@dataclass(frozen=True)
class PcaFit:
    """The principal axes of a data set, from one SVD of the centred data (what sklearn's
    ``PCA(svd_solver="full")`` computes), so that every number of components is served by one fit:
    the T13 baseline fitted a 50 000 x 784 PCA twice per seed, 5-7 s each on one CPU thread."""
    mean: np.ndarray
    axes: np.ndarray       # (min(n, d), d): the right singular vectors, largest variance first
    variances: np.ndarray  # the 1/n covariance's eigenvalues, largest first

    def error_curve(self) -> np.ndarray:
        """:func:`pca_error_curve` of the fitted data."""
        return _tail(self.variances)

    def per_sample_error(self, X_eval: np.ndarray, k: int) -> np.ndarray:
        """Squared distance of each row of X_eval to the k-component PCA subspace (through the mean)."""
        Z = np.asarray(X_eval, dtype=float) - self.mean
        V = self.axes[:max(0, int(k))]
        return ((Z - (Z @ V.T) @ V) ** 2).sum(axis=1)


def pca_fit(X: np.ndarray) -> PcaFit:
    """Fit :class:`PcaFit` to X (n, d)."""
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - mean, full_matrices=False)
    return PcaFit(mean, vt, s ** 2 / X.shape[0])


def components_needed(curve: np.ndarray, target: float) -> int:
    """The fewest PCA components whose error (``pca_error_curve``) is <= target; len(curve) - 1 if none."""
    hits = np.nonzero(np.asarray(curve) <= target)[0]
    return int(hits[0]) if hits.size else int(len(curve) - 1)


def pca_per_sample_error(X_fit: np.ndarray, X_eval: np.ndarray, k: int) -> np.ndarray:
    """Per-sample squared error of the k-component PCA subspace of X_fit applied to X_eval."""
    return pca_fit(X_fit).per_sample_error(X_eval, k)


def auroc(inlier_scores: Sequence[float], outlier_scores: Sequence[float]) -> float:
    """Area under the ROC curve of a score that should be larger for outliers (sklearn roc_auc_score)."""
    from sklearn.metrics import roc_auc_score

    y = np.concatenate([np.zeros(len(inlier_scores)), np.ones(len(outlier_scores))])
    s = np.concatenate([np.asarray(inlier_scores, float), np.asarray(outlier_scores, float)])
    return float(roc_auc_score(y, s))


def finite(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))


# ------------------------------------------------------------------------------ MMD (T12, rule v3)

def posterior_and_prior(model: Any, X: np.ndarray, m: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """m aggregated-posterior samples z = mu_z(x) + sigma_z(x) eps of the first m rows of X, and m
    prior samples N(0, I), from a generator seeded with ``seed``; float64 arrays (m, kappa)."""
    import torch

    p = next(model.parameters())
    x = torch.as_tensor(np.asarray(X[:m]), dtype=p.dtype, device=p.device)
    with torch.no_grad():
        mu, logvar = model.encode(x)
    g = np.random.default_rng([int(seed), 12])
    mu, sd = mu.double().cpu().numpy(), np.exp(0.5 * logvar.double().cpu().numpy())
    return mu + sd * g.standard_normal(mu.shape), g.standard_normal((len(mu), mu.shape[1]))


def mmd_permutation(a: np.ndarray, b: np.ndarray, permutations: int = 999, seed: int = 0) -> tuple[float, float]:
    """(MMD^2_u, p): the unbiased U-statistic MMD^2 with the IMQ kernel of ``models.metrics`` between the
    samples a (m, kappa) and b (m', kappa), and its permutation p-value against MMD = 0: (1 + #{relabelled
    pooled samples with MMD^2_u >= the observed}) / (1 + permutations); NaN when the observed MMD^2_u is
    not finite (a non-finite sample: no relabelling is compared with it, which gave the smallest p)."""
    import torch

    from infgrad.models.metrics import imq_kernel

    z = torch.as_tensor(np.concatenate([a, b]), dtype=torch.float64)
    K = imq_kernel(z, z).numpy()
    n, m = len(z), len(a)
    mb = n - m
    rng = np.random.default_rng([int(seed), 13])
    S = np.zeros((permutations + 1, n))
    S[0, :m] = 1.0
    for i in range(1, permutations + 1):
        S[i, rng.permutation(n)[:m]] = 1.0
    KS = S @ K                                                   # (P + 1, n)
    diag, total = float(np.trace(K)) / n, float(K.sum())
    aa = (KS * S).sum(1)
    ab = (KS * (1.0 - S)).sum(1)
    bb = total - aa - 2.0 * ab
    u = (aa - m * diag) / (m * (m - 1)) + (bb - mb * diag) / (mb * (mb - 1)) - 2.0 * ab / (m * mb)
    if not np.isfinite(u[0]):
        return float(u[0]), float("nan")
    return float(u[0]), float((1 + np.sum(u[1:] >= u[0])) / (1 + permutations))
