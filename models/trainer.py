"""Training loop for the Gaussian VAE: Adam on the mean of Eq. (3) over mini-batches.

Design (per-step overhead kept at the level of a bare torch loop):

- the data live on the device as one tensor; a batch is ``X[torch.randint(n, (B,), generator=g)]``
  with a ``torch.Generator`` that the checkpoint stores, so a run is a function of its seed;
- no host synchronisation inside the ``log_every`` window: the batch losses are summed into a
  device tensor, metrics and the progress display run only at log points;
- non-finite values (Sec. 4-5 of the paper: large gradients near gamma -> 0) are detected at log
  points by one fused check (window loss sum and every parameter finite). A non-finite window is
  rolled back to the snapshot taken at the previous good log point (model, optimizer, generator,
  damping state), the step size is halved and the event logged; the window is then replayed.
  The alternative, a finiteness check every step, costs one host sync per step; rolling back a
  whole window wastes at most ``log_every`` steps, and only when something went wrong;
- optional Rprop-style damping with EMA-smoothed signs (:mod:`models.damping`);
- ``rollback=False`` (the T18 stress arm "none") stops a run at its first non-finite window instead;
- ``gamma_anneal_fraction`` > 0 with a fixed gamma: log gamma goes linearly from 0 to log(gamma)
  over that fraction of the steps (gamma geometric from 1), then stays (:func:`log_gamma_at`);
- gamma and the encoder variances are never clamped;
- the learning-rate tail of the protocol (:func:`lr_multiplier`): the step of update t is
  ``lr * lr_multiplier(cfg, t)``, constant, then geometric decay to ``lr * cfg.lr_tail_factor`` over
  the last ``round(cfg.lr_tail_fraction * cfg.steps)`` updates. ``lr`` itself (the base step that a
  rollback halves) is what events and ``final["lr"]`` record; ``history["lr"]`` is the step actually
  applied at the last update of each window.

Checkpoints are one dict (model, optimizer, step, generator state, lr, damping state, events,
history, full config as a plain dict), written atomically (temporary file, then ``os.replace``) at
log points that are multiples of ``checkpoint_every`` and at the end, and read with
``torch.load(..., weights_only=True)``. Because a checkpoint is taken exactly where the rollback
snapshot is, a resumed CPU run is bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_NAME, CheckpointError, load_checkpoint, save_checkpoint
from .config import TrainConfig
from .damping import SignDamping
from .data import Dataset, load_dataset
from .metrics import evaluate
from .vae import GaussianVAE

__all__ = ["TrainResult", "train", "lr_multiplier", "resolve_device", "build_model", "dataset_for", "CheckpointError",
           "load_checkpoint", "CHECKPOINT_NAME"]

FINAL_MMD_SAMPLES = 1000
MAX_ROLLBACKS = 40            # consecutive rollbacks before giving up (lr shrunk by 2^-40)
HISTORY_KEYS = ("step", "loss", "eval_loss", "recon_error", "recon_error_expected", "gamma", "kl",
                "active_var", "active_units", "mmd", "grad_norm_z", "lr", "seconds", "kl_per_dim",
                "mean_encoder_var")
# config fields that may differ between a checkpoint and the run resuming it (not the device: the
# batch generator state is device-specific)
RESUME_MAY_CHANGE = ("steps",)


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` if torch sees a GPU else ``cpu``; ``cpu``/``cuda`` unchanged."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def lr_multiplier(cfg: TrainConfig, t: int) -> float:
    """The factor on the base lr at update t (0-based) of a ``cfg.steps``-update run.

    With L = round(lr_tail_fraction * steps) and T0 = steps - L: 1 for t < T0, and
    ``lr_tail_factor ** ((t - T0 + 1) / L)`` for T0 <= t < steps (geometric decay; the last update
    uses exactly ``lr_tail_factor``). L = 0 (fraction 0, or a run too short) keeps lr constant.
    """
    tail = int(round(cfg.lr_tail_fraction * cfg.steps))
    start = cfg.steps - tail
    if tail == 0 or t < start:
        return 1.0
    return float(cfg.lr_tail_factor) ** ((t - start + 1) / tail)


def log_gamma_at(cfg: TrainConfig, t: int) -> float:
    """log gamma at update t of a run with a fixed, annealed gamma: log(cfg.gamma) (t + 1) / A for
    t < A = round(gamma_anneal_fraction * steps) (gamma geometric from 1 to cfg.gamma), then log(cfg.gamma)."""
    target = math.log(float(cfg.gamma))
    a = int(round(cfg.gamma_anneal_fraction * cfg.steps))
    return target * min(1.0, (t + 1) / a) if a > 0 else target


@dataclass
class TrainResult:
    """What :func:`train` returns; :meth:`to_json` is what ``infgrad train --json`` writes."""

    config: TrainConfig
    model: GaussianVAE
    final: dict                     # evaluate(...) at the end, plus steps, seconds, events count
    history: dict[str, list]        # one entry per log point, keys HISTORY_KEYS
    events: list[dict] = field(default_factory=list)  # {"step", "kind", "action", "lr", ...}
    seconds: float = 0.0
    data_meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"config": self.config.to_dict(), "data": self.data_meta, "final": self.final,
                "history": self.history, "events": self.events, "seconds": self.seconds}


def _dtype(name: str) -> torch.dtype:
    return torch.float64 if name == "float64" else torch.float32


def build_model(cfg: TrainConfig, d: int) -> GaussianVAE:
    """The model of ``cfg``, initialised from ``cfg.seed`` without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = GaussianVAE(d, cfg.kappa, cfg.arch, cfg.hidden, cfg.gamma)
    return model.to(device=cfg.device, dtype=_dtype(cfg.dtype))


def dataset_for(cfg: TrainConfig) -> Dataset:
    """``load_dataset`` with the sizes and seed of ``cfg``."""
    return load_dataset(cfg.data, d=cfg.d, r=cfg.r, n=cfg.n, noise=cfg.noise, seed=cfg.seed,
                        outliers=cfg.outliers)


class _Run:
    """The mutable state of one training run; ``state()``/``load()`` are its checkpoint."""

    def __init__(self, cfg: TrainConfig, X: torch.Tensor, init_state: dict | None) -> None:
        self.cfg = cfg
        self.X = X
        self.model = build_model(cfg, X.shape[1])
        if init_state is not None:
            self.model.load_state_dict(init_state)
            if cfg.gamma is not None:                                # a fixed gamma is the config's
                self.model.log_gamma.fill_(math.log(cfg.gamma))
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = _adam(self.params, cfg.lr)
        self.gen = torch.Generator(device=cfg.device).manual_seed(cfg.seed)
        self.damping = SignDamping(self.params, cfg.damping_ema) if cfg.rprop_damping else None
        self.step = 0
        self.lr = cfg.lr
        self.applied_lr = cfg.lr                                     # lr * lr_multiplier at the last update
        self.events: list[dict] = []
        self.history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
        self.rollbacks_in_a_row = 0

    # ---- checkpoint / snapshot -------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "config": self.cfg.to_dict(),
            "model": {k: v.detach().clone() for k, v in self.model.state_dict().items()},
            "optimizer": copy.deepcopy(self.opt.state_dict()),
            "step": self.step,
            "generator": self.gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "lr": self.lr,
            "damping": self.damping.state() if self.damping else None,
            "events": copy.deepcopy(self.events),
            "history": copy.deepcopy(self.history),
            "rollbacks_in_a_row": self.rollbacks_in_a_row,
        }

    def load(self, st: dict[str, Any], *, keep_log: bool = False) -> None:
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(copy.deepcopy(st["optimizer"]))   # load may alias the given tensors
        self.gen.set_state(st["generator"])
        self.step = int(st["step"])
        self.lr = float(st["lr"])
        if self.damping is not None and st.get("damping") is not None:
            self.damping.load(st["damping"])
        if not keep_log:
            self.events = list(st["events"])
            self.history = {k: list(v) for k, v in st["history"].items()}
            self.rollbacks_in_a_row = int(st.get("rollbacks_in_a_row", 0))
        for group in self.opt.param_groups:
            group["lr"] = self.lr

    # ---- the loop ---------------------------------------------------------------------------
    def run_window(self, k: int) -> torch.Tensor:
        """k optimisation steps without host syncs; returns the summed batch loss (a device scalar)."""
        cfg, X, model, opt, gen = self.cfg, self.X, self.model, self.opt, self.gen
        n, B = X.shape[0], cfg.batch_size
        shape = (B, cfg.kappa)
        total = torch.zeros((), dtype=X.dtype, device=X.device)
        anneal = cfg.gamma is not None and cfg.gamma_anneal_fraction > 0
        for t in range(self.step, self.step + k):
            if anneal:
                model.log_gamma.fill_(log_gamma_at(cfg, t))
            self.applied_lr = self.lr * lr_multiplier(cfg, t)
            for group in opt.param_groups:
                group["lr"] = self.applied_lr
            idx = torch.randint(n, (B,), generator=gen, device=X.device)
            eps = torch.randn(shape, generator=gen, device=X.device, dtype=X.dtype)
            loss = model.energy(X[idx], cfg.beta, eps).mean()          # 1/B sum of Eq. (3)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if self.damping is not None:
                old = self.damping.before_step()
                opt.step()
                self.damping.after_step(old)
            else:
                opt.step()
            total += loss.detach()
        return total

    def finite(self, total: torch.Tensor) -> bool:
        """One host sync: the window's loss sum and every parameter finite."""
        flags = torch.stack([total.isfinite()] + [p.isfinite().all() for p in self.params])
        return bool(flags.all())


def _adam(params: list[torch.Tensor], lr: float) -> torch.optim.Adam:
    """Adam with the fused kernel (one kernel for all parameters; measured faster per step on this
    CPU than the default for-loop and the foreach variants), the default where fused is unsupported."""
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, ValueError, TypeError):
        return torch.optim.Adam(params, lr=lr)


def _check_resumable(cfg: TrainConfig, st: dict, path: Path) -> None:
    saved = dict(st["config"])
    now = cfg.to_dict()
    diff = [k for k in now if k not in RESUME_MAY_CHANGE and saved.get(k) != now[k]]
    if diff:
        k = diff[0]
        raise CheckpointError(f"checkpoint {path} was written by a different run: {k}={saved.get(k)!r} "
                              f"there, {k}={now[k]!r} now")
    if int(st["step"]) > cfg.steps:
        raise CheckpointError(f"checkpoint {path} is at step {st['step']}, beyond steps={cfg.steps}")


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                    TimeElapsedColumn(), transient=False)
    prog.start()
    prog.add_task("", total=total)
    return prog


def train(cfg: TrainConfig, data: Dataset | np.ndarray | None = None, *, init_state: dict | None = None,
          checkpoint_dir: str | Path | None = None, resume: bool = False, progress: bool = True,
          on_log: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Train the Gaussian VAE of ``cfg`` on ``data`` (default: ``dataset_for(cfg)``).

    Parameters
    ----------
    cfg : the run; ``cfg.device`` must already be resolved (see :func:`resolve_device`).
    data : a :class:`Dataset`, an (n, d) array, or None to build ``cfg.data``.
    init_state : a model ``state_dict`` to start from (e.g. continue an optimum with a new beta);
        with a fixed ``cfg.gamma`` the fixed value wins over the state's ``log_gamma``.
    checkpoint_dir : where ``checkpoint.pt`` is written every ``checkpoint_every`` steps and at the end.
    resume : continue from ``checkpoint_dir/checkpoint.pt`` when it exists (its config must match
        ``cfg`` except ``steps``).
    progress : a rich progress bar on stderr, updated at log points.
    on_log : called as ``on_log(step, record)`` after each log point (and its checkpoint); an
        exception raised there aborts the run (tests use it to interrupt a run).

    Returns
    -------
    TrainResult, with ``final`` = :func:`models.metrics.evaluate` on all samples plus ``steps``,
    ``seconds``, ``events``, ``rollbacks``, ``n_params``.
    """
    t0 = time.perf_counter()
    if isinstance(data, Dataset):
        ds = data
    elif data is None:
        ds = dataset_for(cfg)
    else:
        arr = np.asarray(data, dtype=np.float32)
        ds = Dataset(arr, "array", {"d": arr.shape[1], "n": arr.shape[0]})
    if ds.X.ndim != 2 or ds.X.shape[0] < 1:
        raise ValueError(f"data must be an (n, d) array with n >= 1; got shape {ds.X.shape}")
    X = torch.as_tensor(ds.X, dtype=_dtype(cfg.dtype), device=cfg.device).contiguous()
    X_eval = X[: min(X.shape[0], cfg.eval_samples)]
    run = _Run(cfg, X, init_state)

    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if ckpt_path is not None:
        ckpt_path.parent.mkdir(parents=True, exist_ok=True)
        if resume and ckpt_path.exists():
            st = load_checkpoint(ckpt_path)
            _check_resumable(cfg, st, ckpt_path)
            run.load(st)
    snapshot = run.state()

    bar = _progress(progress, cfg.steps)
    if bar is not None:
        bar.update(0, completed=run.step)
    try:
        while run.step < cfg.steps:
            k = min(cfg.log_every - run.step % cfg.log_every, cfg.steps - run.step)
            total = run.run_window(k)
            run.step += k
            if not run.finite(total):
                if not cfg.rollback:
                    run.events.append({"step": run.step, "kind": "non-finite",
                                       "action": "stopped (rollback off)", "lr": run.lr})
                    break
                _rollback(run, snapshot)
                continue
            run.rollbacks_in_a_row = 0
            record = _log_point(run, X_eval, total, k, t0)
            snapshot = run.state()
            if ckpt_path is not None and (run.step % cfg.checkpoint_every == 0 or run.step == cfg.steps):
                save_checkpoint(snapshot, ckpt_path)
            if bar is not None:
                bar.update(0, completed=run.step,
                           description=f"loss {record['loss']:.4g}  gamma {record['gamma']:.3g}  "
                                       f"active {record['active_var']}/{record['active_units']}")
            if on_log is not None:
                on_log(run.step, record)
    finally:
        if bar is not None:
            bar.stop()

    if ckpt_path is not None and cfg.steps == 0:
        save_checkpoint(run.state(), ckpt_path)
    seconds = time.perf_counter() - t0
    final = evaluate(run.model, X, beta=cfg.beta, seed=cfg.seed + 1_000_003, mmd_samples=FINAL_MMD_SAMPLES).to_dict()
    final.update(steps=run.step, seconds=seconds, events=len(run.events),
                 rollbacks=sum(e["kind"] == "non-finite" for e in run.events),
                 lr=run.lr, n_params=sum(p.numel() for p in run.params), n=int(X.shape[0]), d=int(X.shape[1]),
                 device=cfg.device, dtype=cfg.dtype)
    run.model.eval()
    return TrainResult(cfg, run.model, final, run.history, run.events, seconds, dict(ds.meta, name=ds.name))


def _rollback(run: _Run, snapshot: dict) -> None:
    """Non-finite window: restore the last good snapshot, halve the step size, log the event."""
    failed_at, lr = run.step, run.lr * 0.5
    run.load(snapshot, keep_log=True)                                # also restores the snapshot's lr
    run.lr = lr
    for group in run.opt.param_groups:
        group["lr"] = run.lr
    run.rollbacks_in_a_row += 1
    run.events.append({"step": failed_at, "kind": "non-finite",
                       "action": f"rolled back to step {run.step}, lr halved", "lr": run.lr})
    if run.rollbacks_in_a_row > MAX_ROLLBACKS:
        raise FloatingPointError(f"training stayed non-finite after {MAX_ROLLBACKS} rollbacks at step "
                                 f"{run.step} (lr {run.lr:.3g}); see events")


def _log_point(run: _Run, X_eval: torch.Tensor, total: torch.Tensor, k: int, t0: float) -> dict:
    cfg = run.cfg
    m = evaluate(run.model, X_eval, beta=cfg.beta, seed=cfg.seed + run.step, mmd_samples=cfg.mmd_samples)
    record = {"step": run.step, "loss": float(total) / k, "eval_loss": m.loss, "recon_error": m.recon_error,
              "recon_error_expected": m.recon_error_expected, "gamma": m.gamma, "kl": m.kl,
              "active_var": m.active_var, "active_units": m.active_units, "mmd": m.mmd,
              "grad_norm_z": m.grad_norm_z, "lr": run.applied_lr, "seconds": time.perf_counter() - t0,
              "kl_per_dim": m.kl_per_dim, "mean_encoder_var": m.mean_encoder_var}
    for key in HISTORY_KEYS:
        run.history[key].append(record[key])
    if run.damping is not None:
        flips = int(run.damping.flips)
        run.damping.flips.zero_()
        if flips:
            run.events.append({"step": run.step, "kind": "sign-oscillation",
                               "action": f"Rprop damping: {flips} gradient sign flips in the last {k} steps",
                               "lr": run.lr})
    return record
