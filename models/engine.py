"""Train many Gaussian VAEs at once: ``train_pack`` and the pack that ``models.trainer.train`` runs.

``train_pack(configs, data)`` returns, in input order, for each run exactly what
:func:`models.trainer.train` returns for it (config, model, final, history, events); ``train`` is a
pack of one. Runs whose shapes differ (:func:`pack_key`: data size, d, kappa, arch, widths, steps,
batch, log points, dtype, device) go in separate packs.

Per-run semantics (the same as a run alone, see ``models.trainer``):

- each run has its own ``torch.Generator`` seeded with its seed; on the CPU every step draws the
  batch indices, then the noise, from it (the stream of the single-run trainer), on CUDA each log
  window draws its indices and noise per run as two blocks before the window; so a run's draws do
  not depend on the other runs of its pack, and a run gives the same final metrics alone or in a
  pack up to float32 reordering in the batched matmuls (tests: rtol 1e-4 after 100 steps);
- per-run beta, lr (with its tail), learned or fixed gamma, seed, data and Rprop damping;
- a non-finite window rolls back only the runs that went non-finite (to their state at the previous
  log point, step halved, event logged) and replays the window for them; the others keep the state
  they had reached (they step along during the replay and are put back afterwards);
- metrics, the finiteness check (one host sync per window) and checkpoints run at log points; the
  metrics of all runs are one stacked computation per chunk of runs (:meth:`Pack.metrics`), each
  run's numbers those of :func:`models.metrics.evaluate` on its own model and draws: at a log point
  on its first ``eval_samples`` samples (seed ``cfg.seed + step``, ``mmd_samples``; the history's
  ``recon_error``, which no check reads, on the first ``LOG_RECON_SAMPLES`` of them), at the end
  (``final``) on all n samples (``final["n_eval"]`` = n; seed ``cfg.seed + FINAL_MMD_SEED``, MMD
  on ``FINAL_MMD_SAMPLES`` = 1000 posterior and prior samples).

On CUDA one optimisation step (batch gather, energy (3), backward, Adam) is captured in a CUDA graph
(:mod:`models.graph`) and replayed between log points.
"""

from __future__ import annotations

import contextvars
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .checkpoint import pack_state, save_checkpoint
from .config import TrainConfig
from .data import Dataset
from .graph import graphed_window
from .metrics import draws, evaluate_stacked
from .stacked import FlatAdam, Layout, StackedVAE, bind
from .run import (FINAL_MMD_SAMPLES, HISTORY_KEYS, MAX_ROLLBACKS, TrainResult, build_model, datasets_for,
                  log_gamma_at, lr_multipliers, progress_bar, stack_data)

__all__ = ["train_pack", "Pack", "pack_key"]

FINAL_MMD_SEED = 1_000_003           # the final metrics' draws: generator seed cfg.seed + this
# metrics of a pack: runs per chunk and samples per pass so that one activation or MMD kernel tensor
# holds about this many numbers. 2-core CPU: stacking runs made them slower (64 small runs, log points
# 0.51 s one run at a time, 0.71 s at 2^22, 1.16 s at 2^24); the large model's final metrics took 0.80 s
# in one pass, 0.67 s in passes of 2^19 numbers (same numbers bit for bit). CUDA stacks (not yet timed).
EVAL_CHUNK_ELEMENTS = {"cpu": 1 << 19, "cuda": 1 << 24}
# a log point's recon_error (the decoder at mu_z, a quarter of its work) on this many samples: no check
# reads the history's recon_error (its step, gamma, ||dL/dz|| and active dimensions are read)
LOG_RECON_SAMPLES = 256


def pack_key(cfg: TrainConfig, n: int, d: int) -> tuple:
    """Runs with equal keys can share a pack (the fields that set tensor shapes and the loop)."""
    return (n, d, cfg.kappa, cfg.arch, cfg.hidden if cfg.arch == "mlp" else (), cfg.steps, cfg.batch_size,
            cfg.log_every, cfg.checkpoint_every, cfg.dtype, cfg.device)


class Pack:
    """The state of M runs of one :func:`pack_key` and the loop that advances them together."""

    def __init__(self, cfgs: list[TrainConfig], datasets: list[Dataset], init_states: list[dict | None],
                 graph: bool | None = None, draws: str | None = None) -> None:
        """``graph``: capture the step in a CUDA graph (default: on CUDA). ``draws``: "step" (each
        step draws from each run's generator; the CPU default) or "window" (two blocks per run per
        window, indexed by a device step counter; the CUDA default, needed by the graph, and
        selectable on the CPU so that tests run the graph's step body eagerly)."""
        self.cfgs, self.datasets = cfgs, datasets
        c0 = cfgs[0]
        self.M, self.device = len(cfgs), torch.device(c0.device)
        self.dtype = torch.float64 if c0.dtype == "float64" else torch.float32
        self.Xs, self.didx = stack_data(datasets, self.dtype, self.device)      # (U, n, d), (M, 1)
        self.n, self.d = int(self.Xs.shape[1]), int(self.Xs.shape[2])
        # models initialised exactly as the single-run trainer does, then one flat (M, P) buffer
        self.models = [build_model(c, self.d, st) for c, st in zip(cfgs, init_states)]
        self.layout = Layout.of(self.models[0])
        self.flat = torch.stack([self.layout.row(m) for m in self.models]).contiguous()  # (M, P)
        for i, model in enumerate(self.models):
            bind(model, self.layout, self.flat[i])
        self.leaves = [v.detach().requires_grad_(True) for v in self.layout.views(self.flat)]
        self.net = StackedVAE(self.models[0], self.layout, self.leaves)
        opt = dict(device=self.device, dtype=self.dtype)
        self.beta = torch.tensor([[c.beta] for c in cfgs], **opt)                                # (M, 1)
        self.cfg_learn = [c.gamma is None for c in cfgs]
        self.learn = torch.tensor(self.cfg_learn, device=self.device).unsqueeze(1)                # (M, 1)
        damp = [c.rprop_damping for c in cfgs]
        self.adam = FlatAdam(self.flat, torch.tensor(damp, device=self.device).unsqueeze(1) if any(damp) else None,
                             torch.tensor([[c.damping_ema] for c in cfgs], **opt))
        # T18's "none" arm: runs that stop at their first non-finite window instead of rolling back
        self.no_rollback = np.array([not c.rollback for c in cfgs])
        self.stopped = np.zeros(self.M, dtype=bool)
        # T12's arm c: fixed gamma annealed from 1 (models.trainer.log_gamma_at), set before each step
        self.anneal = torch.tensor([[c.gamma is not None and c.gamma_anneal_fraction > 0] for c in cfgs],
                                   device=self.device)
        self.any_anneal = bool(self.anneal.any())
        self.gens = [torch.Generator(device=self.device).manual_seed(c.seed) for c in cfgs]
        self.lr = np.array([c.lr for c in cfgs], dtype=np.float64)                                # base steps
        self.applied_lr = self.lr.copy()
        self.step = 0
        self.events: list[list[dict]] = [[] for _ in cfgs]
        self.history: list[dict[str, list]] = [{k: [] for k in HISTORY_KEYS} for _ in cfgs]
        self.rollbacks_in_a_row = [0] * self.M
        cuda = self.device.type == "cuda"
        self.graph = cuda if graph is None else graph
        self.draws = ("window" if cuda else "step") if draws is None else draws
        if self.graph and (not cuda or self.draws != "window"):
            raise ValueError("a CUDA graph needs device cuda and window draws")
        self._graphed = None
        self.graph_error: str | None = None
        K, B, kappa = c0.log_every, c0.batch_size, c0.kappa
        self.B, self.kappa = B, kappa
        if self.draws == "window":                     # window blocks of draws (see the module docstring)
            self.idx_w = torch.zeros((self.M, K, B), dtype=torch.int64, device=self.device)
            self.eps_w = torch.zeros((self.M, K, B, kappa), **opt)
            self.lr_w = torch.zeros((self.M, K), **opt)
            self.lg_w = torch.zeros((self.M, K), **opt)                  # annealed log gamma per step
            self.t = torch.zeros(1, dtype=torch.int64, device=self.device)
        else:
            self.idx_s = torch.zeros((self.M, B), dtype=torch.int64)
            self.eps_s = torch.zeros((self.M, B, kappa), dtype=self.dtype)
        self.total = torch.zeros(self.M, **opt)
        self.grad = torch.empty_like(self.flat)                          # the step's gradient, (M, P)

    # ---- one step ----------------------------------------------------------------------------
    def step_once(self, idx: torch.Tensor, eps: torch.Tensor, lr: torch.Tensor | np.ndarray,
                  log_gamma: torch.Tensor | None = None) -> None:
        """One Adam step of every run on its batch; adds each run's batch loss to ``total``. ``lr``:
        (M, 1) on the device (:meth:`FlatAdam.step`) or (M,) host numbers (:meth:`FlatAdam.fused_step`).
        ``log_gamma`` (M, 1): the annealed runs' log gamma for this step (others unchanged)."""
        if log_gamma is not None:
            with torch.no_grad():
                self.flat[:, -1:] = torch.where(self.anneal, log_gamma, self.flat[:, -1:])
        x = self.Xs[0][idx] if self.Xs.shape[0] == 1 else self.Xs[self.didx, idx]   # (M, B, d)
        loss = self.net.loss(x, eps, self.beta)                          # (M,): 1/B sum of Eq. (3)
        grads = self.layout.flatten(list(torch.autograd.grad(loss.sum(), self.leaves)))  # run i's moves run i only
        if isinstance(lr, np.ndarray):      # host step sizes (M,): the CPU's fused Adam, no (M, P) copy
            self.adam.fused_step(self.flat, grads, lr, self.cfg_learn, self.layout.sizes)
        else:
            g = torch.cat(grads, 1, out=self.grad)                       # (M, P), plain copies
            g[:, -1:] = torch.where(self.learn, g[:, -1:], 0.0)         # fixed gamma: no step on log_gamma
            self.adam.step(self.flat, g, lr)
        self.total.add_(loss.detach())

    def run_window(self, k: int) -> torch.Tensor:
        """k steps of every run, no host syncs; returns the per-run summed batch losses (M,)."""
        mult = np.stack([lr_multipliers(c, self.step, k) for c in self.cfgs])  # (M, k)
        lrs = self.lr[:, None] * mult                                    # (M, k) applied steps
        self.applied_lr = lrs[:, -1].copy()
        lgs = None
        if self.any_anneal:                                              # (M, k) annealed log gamma
            lgs = np.array([[log_gamma_at(c, t) if c.gamma is not None else 0.0
                             for t in range(self.step, self.step + k)] for c in self.cfgs])
        self.total.zero_()
        if self.draws == "window":
            if lgs is not None:
                self.lg_w[:, :k] = torch.as_tensor(lgs, dtype=self.dtype).to(self.device)
            self._draw_window(k, lrs)
            if self.graph:
                graphed_window(self, k)
            else:
                for _ in range(k):
                    self._indexed_step()
        else:
            fused = self.device.type == "cpu" and self.adam.damp is None   # host step sizes, (k, M)
            lr_t = lrs.T.copy() if fused else torch.as_tensor(lrs.T.copy(), dtype=self.dtype).unsqueeze(2)
            lg_t = None if lgs is None else torch.as_tensor(lgs.T.copy(), dtype=self.dtype).unsqueeze(2).to(self.device)
            for j in range(k):
                for i, gen in enumerate(self.gens):
                    torch.randint(self.n, (self.B,), generator=gen, out=self.idx_s[i])
                    torch.randn((self.B, self.kappa), generator=gen, dtype=self.dtype, out=self.eps_s[i])
                self.step_once(self.idx_s, self.eps_s, lr_t[j], None if lg_t is None else lg_t[j])
        return self.total.clone()

    def _draw_window(self, k: int, lrs: np.ndarray) -> None:
        for i, gen in enumerate(self.gens):
            self.idx_w[i, :k] = torch.randint(self.n, (k, self.B), generator=gen, device=self.device)
            self.eps_w[i, :k] = torch.randn((k, self.B, self.kappa), generator=gen, device=self.device,
                                            dtype=self.dtype)
        self.lr_w[:, :k] = torch.as_tensor(lrs, dtype=self.dtype).to(self.device)
        self.t.zero_()

    def _indexed_step(self) -> None:
        """The CUDA step: this window's draws at position ``t``, then ``t += 1`` (graph-capturable)."""
        idx = self.idx_w.index_select(1, self.t).squeeze(1)
        eps = self.eps_w.index_select(1, self.t).squeeze(1)
        lr = self.lr_w.index_select(1, self.t)
        self.step_once(idx, eps, lr, self.lg_w.index_select(1, self.t) if self.any_anneal else None)
        self.t.add_(1)

    def finite_rows(self, total: torch.Tensor) -> np.ndarray:
        """One host sync: per run, the window's loss sum and every parameter finite."""
        ok = total.isfinite() & self.flat.isfinite().all(1)
        return ok.cpu().numpy()

    # ---- snapshots, rollback -------------------------------------------------------------------
    def tensors(self) -> dict[str, torch.Tensor]:
        return {"flat": self.flat, **{k: getattr(self.adam, k) for k in self.adam.state_names()}}

    def snapshot(self) -> dict[str, Any]:
        return {"tensors": {k: v.clone() for k, v in self.tensors().items()},
                "gens": [g.get_state() for g in self.gens], "lr": self.lr.copy(), "step": self.step}

    def restore_rows(self, snap: dict[str, Any], rows: np.ndarray) -> None:
        """Put the runs of ``rows`` (bool mask) back to ``snap``; the step counter too."""
        idx = torch.as_tensor(np.flatnonzero(rows), device=self.device)
        with torch.no_grad():
            for k, v in self.tensors().items():
                v.index_copy_(0, idx, snap["tensors"][k].index_select(0, idx))
        for i in np.flatnonzero(rows):
            self.gens[i].set_state(snap["gens"][i])
            self.lr[i] = snap["lr"][i]
        self.step = snap["step"]

    def rollback(self, snap: dict[str, Any], bad: np.ndarray, k: int) -> torch.Tensor:
        """Roll back the runs of ``bad`` to ``snap`` with halved steps and replay their window;
        the other runs end where they were. Returns the replayed window's totals."""
        after = self.snapshot()
        failed_at, halved = self.step, self.lr * 0.5
        self.restore_rows(snap, bad)
        for i in np.flatnonzero(bad):
            self.lr[i] = halved[i]
            self.rollbacks_in_a_row[i] += 1
            self.events[i].append({"step": failed_at, "kind": "non-finite",
                                   "action": f"rolled back to step {self.step}, lr halved", "lr": float(self.lr[i])})
            if self.rollbacks_in_a_row[i] > MAX_ROLLBACKS:
                raise FloatingPointError(
                    f"training stayed non-finite after {MAX_ROLLBACKS} rollbacks at step {self.step} "
                    f"(lr {self.lr[i]:.3g}){f' in run {i} of the pack' if self.M > 1 else ''}; see events")
        applied = self.applied_lr.copy()
        total = self.run_window(k)
        self.step += k
        self.applied_lr = np.where(bad, self.applied_lr, applied)
        self.restore_rows(after, ~bad)
        return total

    # ---- log points ----------------------------------------------------------------------------
    def metrics(self, n_samples: Sequence[int], seeds: Sequence[int], mmd_samples: Sequence[int],
                recon_samples: int | None = None) -> list[dict]:
        """:func:`models.metrics.evaluate` of every run i on its first ``min(n, n_samples[i])`` samples
        with seed ``seeds[i]`` and ``mmd_samples[i]`` (``recon_error`` on the first ``recon_samples``
        of them; default all), as dicts, in run order; computed by
        :func:`models.metrics.evaluate_stacked` over chunks of runs with equal sample counts, each
        chunk in passes over its samples (a chunk's activations of one pass, or its MMD kernel
        matrices, hold about ``EVAL_CHUNK_ELEMENTS`` numbers per tensor)."""
        width = max([self.d, 2 * self.kappa] + [int(s[0]) for s in self.layout.shapes if len(s) == 2])
        if self.cfgs[0].arch == "conv":
            width = 8 * self.d                         # its widest activation: 32 x 14 x 14 = 8 x 784 per sample
        budget = EVAL_CHUNK_ELEMENTS[self.device.type]
        groups: dict[tuple[int, int], list[int]] = {}
        for i in range(self.M):
            ns = min(self.n, int(n_samples[i]))
            groups.setdefault((ns, min(int(mmd_samples[i]), ns)), []).append(i)
        out: dict[int, dict] = {}
        for (ns, m), rows in groups.items():
            step = max(1, budget // max(ns * width, m * m))
            for chunk in (rows[a:a + step] for a in range(0, len(rows), step)):
                out.update(zip(chunk, self._metrics_of(chunk, ns, seeds, m, budget, width, recon_samples)))
        return [out[i] for i in range(self.M)]

    def _metrics_of(self, rows: list[int], ns: int, seeds: Sequence[int], m: int, budget: int,
                    width: int, recon_samples: int | None) -> list[dict]:
        idx = torch.as_tensor(rows, device=self.device)
        flat = self.flat.detach().index_select(0, idx)
        net = StackedVAE(self.models[0], self.layout, self.layout.views(flat))
        X = (self.Xs[0, :ns].expand(len(rows), ns, self.d) if self.Xs.shape[0] == 1
             else self.Xs[self.didx[idx, 0], :ns])
        eps, prior = zip(*(draws(seeds[i], ns, m, self.kappa, self.device, self.dtype) for i in rows))
        k = self.kappa
        res = evaluate_stacked(lambda x: (lambda h: (h[..., :k], h[..., k:]))(net.encode(x)), net.decode,
                               flat[:, -1], X, torch.stack(eps), torch.stack(prior),
                               [self.cfgs[i].beta for i in rows], rows=max(1, budget // (len(rows) * width)),
                               recon_rows=recon_samples)
        return [r.to_dict() for r in res]

    def log_point(self, i: int, m: dict, total_i: float, k: int, t0: float) -> dict:
        """Run i's history record at this log point from its metrics ``m`` (:meth:`metrics`)."""
        record = {"step": self.step, "loss": total_i / k, "eval_loss": m["loss"], "recon_error": m["recon_error"],
                  "recon_error_expected": m["recon_error_expected"], "gamma": m["gamma"], "kl": m["kl"],
                  "active_var": m["active_var"], "active_units": m["active_units"], "mmd": m["mmd"],
                  "grad_norm_z": m["grad_norm_z"], "lr": float(self.applied_lr[i]),
                  "seconds": time.perf_counter() - t0, "kl_per_dim": m["kl_per_dim"],
                  "mean_encoder_var": m["mean_encoder_var"]}
        for key in HISTORY_KEYS:
            self.history[i][key].append(record[key])
        if self.cfgs[i].rprop_damping:
            flips = int(self.adam.flips[i])
            self.adam.flips[i] = 0
            if flips:
                self.events[i].append({"step": self.step, "kind": "sign-oscillation",
                                       "action": f"Rprop damping: {flips} gradient sign flips in the last {k} steps",
                                       "lr": float(self.lr[i])})
        return record

    def result(self, i: int, final: dict, seconds: float) -> TrainResult:
        """Run i's :class:`TrainResult`; ``final``: its metrics on all n samples (:meth:`metrics`)."""
        cfg, ds = self.cfgs[i], self.datasets[i]
        model = bind(self.models[i], self.layout, self.flat[i].detach(), trainable=True)  # its own copy
        final = dict(final)
        final.update(steps=self.step, seconds=seconds, events=len(self.events[i]),
                     rollbacks=sum(e["kind"] == "non-finite" for e in self.events[i]), lr=float(self.lr[i]),
                     n_params=sum(p.numel() for p in model.parameters() if p.requires_grad), n=self.n, d=self.d,
                     device=cfg.device, dtype=cfg.dtype)
        model.eval()
        return TrainResult(cfg, model, final, self.history[i], self.events[i], seconds, dict(ds.meta, name=ds.name))


def run_pack(pack: Pack, *, checkpoint: Path | None = None, on_log: Callable[[int, dict], None] | None = None,
             bar=None, t0: float | None = None) -> list[TrainResult]:
    """Advance every run of ``pack`` to its last step (the loop of ``models.trainer``, per run)."""
    t0 = time.perf_counter() if t0 is None else t0
    c0 = pack.cfgs[0]
    snap = pack.snapshot()
    while pack.step < c0.steps:
        k = min(c0.log_every - pack.step % c0.log_every, c0.steps - pack.step)
        total = pack.run_window(k)
        pack.step += k
        bad = ~pack.finite_rows(total)
        newly = bad & pack.no_rollback & ~pack.stopped                  # rollback off: stop, say so once
        for i in np.flatnonzero(newly):
            pack.events[i].append({"step": pack.step, "kind": "non-finite", "action": "stopped (rollback off)",
                                   "lr": float(pack.lr[i])})
        pack.stopped |= newly
        bad &= ~pack.no_rollback
        while bad.any():
            replay = pack.rollback(snap, bad, k)
            total = torch.where(torch.as_tensor(bad, device=total.device), replay, total)
            bad = bad & ~pack.finite_rows(replay)
        total = torch.where(torch.as_tensor(pack.stopped, device=total.device), float("nan"), total)
        totals = total.tolist()
        ms = pack.metrics([c.eval_samples for c in pack.cfgs], [c.seed + pack.step for c in pack.cfgs],
                          [c.mmd_samples for c in pack.cfgs], LOG_RECON_SAMPLES)
        records = [pack.log_point(i, ms[i], totals[i], k, t0) for i in range(pack.M)]
        pack.rollbacks_in_a_row = [0] * pack.M
        snap = pack.snapshot()
        if checkpoint is not None and (pack.step % c0.checkpoint_every == 0 or pack.step == c0.steps):
            save_checkpoint(pack_state(pack), checkpoint)
        if bar is not None:
            r, of = records[0], f"  (run 1 of {pack.M})" if pack.M > 1 else ""
            bar.update(0, completed=pack.step, description=f"loss {r['loss']:.4g}  gamma {r['gamma']:.3g}  "
                                                           f"active {r['active_var']}/{r['active_units']}{of}")
        if on_log is not None:
            on_log(pack.step, records[0])
    if checkpoint is not None and c0.steps == 0:
        save_checkpoint(pack_state(pack), checkpoint)
    finals = pack.metrics([pack.n] * pack.M, [c.seed + FINAL_MMD_SEED for c in pack.cfgs], [FINAL_MMD_SAMPLES] * pack.M)
    seconds = time.perf_counter() - t0
    return [pack.result(i, finals[i], seconds) for i in range(pack.M)]


PACK_RUNNER: contextvars.ContextVar[Callable[..., list[TrainResult]] | None] = contextvars.ContextVar(
    "infgrad_pack_runner", default=None)
"""How :func:`train_pack` runs each pack: ``run_pack`` unless set (``models.checkpoint_packs`` sets a
runner that saves and resumes each pack in its own checkpoint folder); called as ``(pack, bar=, t0=)``."""


def train_pack(configs: Sequence[TrainConfig], data: Sequence[Dataset | np.ndarray | None] | None = None, *,
               init_states: Sequence[dict | None] | None = None, progress: bool = False,
               graph: bool | None = None) -> list[TrainResult]:
    """Train every run of ``configs`` (each on ``data[i]``; None, or no list, builds ``cfg.data``)
    and return one :class:`TrainResult` per run, in input order. ``init_states[i]``, when given,
    is a model ``state_dict`` run i starts from (as ``train``'s ``init_state``). ``graph``: capture
    the step in a CUDA graph (default: on CUDA). Each result's ``seconds`` (and ``final["seconds"]``,
    ``history["seconds"]``) is the wall time of its pack. A run that stays non-finite after
    ``MAX_ROLLBACKS`` rollbacks raises ``FloatingPointError`` for the whole call, as ``train`` does.
    """
    configs = list(configs)
    data = [None] * len(configs) if data is None else list(data)
    init_states = [None] * len(configs) if init_states is None else list(init_states)
    if len(data) != len(configs) or len(init_states) != len(configs):
        raise ValueError(f"train_pack: {len(configs)} configs but {len(data)} data and "
                         f"{len(init_states)} init states")
    datasets = datasets_for(configs, data)
    groups: dict[tuple, list[int]] = {}
    for i, (c, ds) in enumerate(zip(configs, datasets)):
        groups.setdefault(pack_key(c, *ds.X.shape), []).append(i)
    out: list[TrainResult | None] = [None] * len(configs)
    for members in groups.values():
        t0 = time.perf_counter()
        pack = Pack([configs[i] for i in members], [datasets[i] for i in members],
                    [init_states[i] for i in members], graph=graph)
        bar = progress_bar(progress, configs[members[0]].steps)
        try:
            results = (PACK_RUNNER.get() or run_pack)(pack, bar=bar, t0=t0)
        finally:
            if bar is not None:
                bar.stop()
        for i, res in zip(members, results):
            out[i] = res
    return out  # type: ignore[return-value]
