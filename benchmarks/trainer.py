"""Samples per second of infgrad's trainer and packed engine against bare loops and the limits.

All train the same ``GaussianVAE`` architecture (MLP encoder/decoder, ReLU) with Adam at the same
learning rate and batch size, in one process, interleaved (each repeat runs every runner once, in
turn) so that drift in the machine's load hits each alike; the median over repeats is reported,
from wall seconds (``ratio``) and from this process's CPU seconds (``cpu_ratio``: on a shared
machine the time spent waiting for a core drops out of it).
Rows per model (``RUNNERS``):

- bare loop: index a batch from the in-memory tensor, energy (3), backward, Adam step (eager).
- graph-captured step (limit): ``benchmarks.limits.graph_step_loop``; CUDA only.
- infgrad train: ``models.trainer.train`` (its metrics every ``log_every`` steps, rollback snapshots,
  progress off), so what it costs over the limit is the trainer's overhead.
- infgrad.train (Python API): ``infgrad.train``, the same trainer under its thread policy (threads
  set to the harness's count).
- infgrad steps only: the engine's windows (``Pack.run_window`` and the per-window finiteness
  check) without the metrics of log points and the final evaluation, so the per-step overhead and
  the fixed per-run cost of the metrics (final ``evaluate`` on all n samples, MMD on 1000) show
  apart; in short timed runs the fixed cost weighs more than in real ones.
- bare pack (limit): ``benchmarks.limits.bare_pack_loop`` with ``pack`` models (aggregate samples/s).
- infgrad train_pack: ``models.engine.train_pack`` of ``pack`` runs (seeds 0..pack-1), aggregate;
  and its steps only, as above.
- pythae 0.1.2: ``pythae.models.VAE`` with the same encoder/decoder modules and ``BaseTrainer``
  (its own DataLoader, logging and saving); optional, skipped with a message when not installed.
  Its loss has a fixed decoder variance (0.5 * MSE), a different loss of the same cost.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
from dataclasses import replace
from typing import Any

import torch

from infgrad.models.config import TrainConfig
from infgrad.models.data import load_dataset
from infgrad.models.engine import Pack, train_pack
from infgrad.models.trainer import train
from infgrad.models.vae import GaussianVAE

from .limits import Seconds, bare_pack_loop, clock, graph_step_loop

MODELS: dict[str, dict[str, Any]] = {
    # the sparsity experiment's model: per-batch overhead dominates
    "small 20-128-128": dict(d=20, r=3, n=10000, kappa=8, hidden=(128, 128), batch_size=100,
                             steps={"cpu": 2000, "cuda": 2000}, pack_steps={"cpu": 200, "cuda": 300}),
    # an MNIST-sized MLP: arithmetic dominates
    "large 784-512-512": dict(d=784, r=10, n=10000, kappa=32, hidden=(512, 512), batch_size=256,
                              steps={"cpu": 200, "cuda": 1000}, pack_steps={"cpu": 20, "cuda": 100}),
}
RUNNERS = ("bare loop", "graph-captured step (limit)", "infgrad train", "infgrad.train (Python API)",
           "infgrad steps only", "pythae BaseTrainer", "bare pack (limit)", "infgrad train_pack",
           "infgrad pack steps only")
# the runner each row is measured against (ratio = its samples/s over the reference's; on the CPU the
# single runs' reference is the bare loop, see run); the single runs are also set against pythae
REFERENCE = {"infgrad train": "graph-captured step (limit)", "infgrad.train (Python API)": "graph-captured step (limit)",
             "infgrad train_pack": "bare pack (limit)", "infgrad steps only": "graph-captured step (limit)",
             "infgrad pack steps only": "bare pack (limit)", "pythae BaseTrainer": "bare loop",
             "bare pack (limit)": "bare loop"}
SINGLE = ("infgrad train", "infgrad.train (Python API)", "infgrad steps only")


def _config(spec: dict[str, Any], device: str, steps: int) -> TrainConfig:
    return TrainConfig(data="manifold", d=spec["d"], r=spec["r"], n=spec["n"], kappa=spec["kappa"],
                       hidden=spec["hidden"], batch_size=spec["batch_size"], steps=steps,
                       lr=1e-3, seed=0, device=device)


def bare_loop(cfg: TrainConfig, X: torch.Tensor) -> Seconds:
    """Seconds for ``cfg.steps`` steps of the plainest loop on the same model and loss."""
    torch.manual_seed(cfg.seed)
    model = GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden).to(X.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator(device=X.device).manual_seed(cfg.seed)
    n = X.shape[0]
    with clock(X.device) as t:
        for _ in range(cfg.steps):
            idx = torch.randint(n, (cfg.batch_size,), device=X.device, generator=gen)
            loss = model.energy(X[idx]).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return t[0]


def infgrad_loop(cfg: TrainConfig, data) -> Seconds:
    with clock(cfg.device) as t:
        train(cfg, data, progress=False)
    return t[0]


def api_loop(cfg: TrainConfig, data) -> Seconds:
    """Seconds of ``infgrad.train`` (the Python API: its thread policy around the same trainer),
    at the harness's thread count."""
    import infgrad

    with clock(cfg.device) as t:
        infgrad.train(cfg, data, threads=torch.get_num_threads(), progress=False)
    return t[0]


def pythae_loop(cfg: TrainConfig, X: torch.Tensor) -> Seconds | None:
    """Seconds for pythae's BaseTrainer over whole epochs of ``cfg.steps`` batches; None when absent."""
    try:
        from pythae.models import VAE, VAEConfig
        from pythae.models.base.base_utils import ModelOutput
        from pythae.models.nn import BaseDecoder, BaseEncoder
        from pythae.data.datasets import BaseDataset
        from pythae.trainers import BaseTrainer, BaseTrainerConfig
    except ImportError:
        return None

    ref = GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden)

    class Enc(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.net, self.k = ref.encoder, cfg.kappa

        def forward(self, x):
            h = self.net(x)
            return ModelOutput(embedding=h[:, : self.k], log_covariance=h[:, self.k:])

    class Dec(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.net = ref.decoder

        def forward(self, z):
            return ModelOutput(reconstruction=self.net(z))

    import logging

    logging.getLogger("pythae").setLevel(logging.WARNING)  # its per-epoch banners would flood the tables
    model = VAE(VAEConfig(input_dim=(cfg.d,), latent_dim=cfg.kappa), encoder=Enc(), decoder=Dec())
    n = cfg.steps * cfg.batch_size  # one epoch of exactly cfg.steps batches
    data = X[:n].cpu() if X.shape[0] >= n else X.repeat(n // X.shape[0] + 1, 1)[:n].cpu()
    with tempfile.TemporaryDirectory() as out:
        tcfg = BaseTrainerConfig(output_dir=out, num_epochs=1, learning_rate=cfg.lr,
                                 per_device_train_batch_size=cfg.batch_size,
                                 no_cuda=cfg.device != "cuda")
        dataset = BaseDataset(data, torch.zeros(len(data)))  # pythae's own dataset type, as its docs use
        with _quiet():                                 # its banners and tqdm bar, off the tables
            trainer = BaseTrainer(model=model, train_dataset=dataset, training_config=tcfg)
            with clock(cfg.device) as t:
                trainer.train()
            return t[0]


@contextlib.contextmanager
def _quiet():
    """stdout and stderr into a discarded buffer, and logging off (a logger's handler holds the real
    stderr)."""
    import io
    import logging

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def _sync(device) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def run(device: str = "cpu", repeats: int = 3, *, pack: int = 64, scale: float = 1.0,
        models: tuple[str, ...] | None = None, pack_models: tuple[str, ...] | None = None,
        progress: bool = False) -> list[dict[str, Any]]:
    """One row per (model, runner): median samples/s (aggregate for packs) and the ratio to the
    row's reference (``REFERENCE``; on the CPU the graph limit is not measured and infgrad train is
    compared with the bare loop). ``scale`` multiplies every step count (tiny runs for tests);
    ``pack_models`` limits the pack rows (default: the small model on the CPU, both on CUDA;
    ``pack=0``: none). ``progress``: a bar per model on stderr, counting timed runs; it is redrawn
    between runs only (no refresh thread competing with the timed code for the cores)."""
    models = tuple(MODELS) if models is None else models
    bar = _bar(progress)
    if pack_models is None:
        pack_models = tuple(MODELS) if device == "cuda" else ("small 20-128-128",)
    rows: list[dict[str, Any]] = []
    for name in models:
        spec = MODELS[name]
        single = max(2, int(spec["steps"][device] * scale))
        packed = max(2, int(spec["pack_steps"][device] * scale))
        cfg = _config(spec, device, single)
        pcfg = replace(cfg, steps=packed, log_every=min(cfg.log_every, packed), checkpoint_every=min(cfg.log_every, packed))
        data = load_dataset("manifold", d=spec["d"], r=spec["r"], n=spec["n"], seed=0)
        X = torch.as_tensor(data.X, device=device)
        configs = [pcfg.replace(seed=s) for s in range(pack)]
        jobs = {
            "bare loop": (single, 1, lambda: bare_loop(cfg, X)),
            "graph-captured step (limit)": (single, 1, lambda: graph_step_loop(cfg, X)),
            "infgrad train": (single, 1, lambda: infgrad_loop(cfg, data)),
            "infgrad.train (Python API)": (single, 1, lambda: api_loop(cfg, data)),
            "infgrad steps only": (single, 1, lambda: engine_steps([cfg], data)),
            "pythae BaseTrainer": (single, 1, lambda: pythae_loop(cfg, X)),
        }
        if pack >= 1 and name in pack_models:
            jobs["bare pack (limit)"] = (packed, pack, lambda: bare_pack_loop(pcfg, X, pack))
            jobs["infgrad train_pack"] = (packed, pack, lambda: _pack_seconds(configs, data))
            jobs["infgrad pack steps only"] = (packed, pack, lambda: engine_steps(configs, data))
        bare_loop(replace(cfg, steps=20), X)           # warm-up: allocator, kernels, threads
        infgrad_loop(replace(cfg, steps=min(cfg.log_every, single)), data)
        times: dict[str, list[float]] = {k: [] for k in jobs}
        cpu: dict[str, list[float]] = {k: [] for k in jobs}        # this process's CPU seconds per run
        task = bar.add_task(name, total=repeats * len(jobs))
        names = list(jobs)
        for r in range(repeats):
            # each repeat starts one runner later, so that a load drifting within a repeat does
            # not always favour the same runners (pythae, always last, had looked faster than the
            # bare loop in wall time and slower in CPU time)
            for runner in names[r % len(names):] + names[: r % len(names)]:
                job = jobs[runner][2]
                bar.update(task, description=f"{name}: {runner}, repeat {r + 1}/{repeats}")
                bar.refresh()
                t = job()
                if t is not None:
                    times[runner].append(t.wall)
                    cpu[runner].append(t.cpu)
                bar.advance(task)
        bar.update(task, description=name)
        bar.refresh()
        rate = {k: jobs[k][0] * cfg.batch_size * jobs[k][1] / statistics.median(v) for k, v in times.items() if v}
        cpu_rate = {k: jobs[k][0] * cfg.batch_size * jobs[k][1] / statistics.median(v) for k, v in cpu.items() if v}
        for runner in jobs:
            ref = REFERENCE.get(runner)
            if ref not in rate and runner in SINGLE:
                ref = "bare loop"
            rows.append({
                "model": name, "runner": runner, "device": device, "runs": jobs[runner][1], "steps": jobs[runner][0],
                "batch": cfg.batch_size, "samples_per_s": rate.get(runner),
                "vs": ref if ref in rate and runner in rate else None,
                "ratio": rate[runner] / rate[ref] if ref in rate and runner in rate else None,
                "cpu_ratio": cpu_rate[runner] / cpu_rate[ref] if ref in rate and runner in rate else None,
                "vs_pythae": (rate[runner] / rate["pythae BaseTrainer"]
                              if runner in SINGLE and runner in rate and "pythae BaseTrainer" in rate else None),
                "cpu_vs_pythae": (cpu_rate[runner] / cpu_rate["pythae BaseTrainer"]
                                  if runner in SINGLE and runner in rate and "pythae BaseTrainer" in rate else None),
                "note": None if runner in rate else ("CUDA only" if "graph" in runner
                                                     else "not installed (pip install pythae==0.1.2)"),
                "threads": torch.get_num_threads(), "seconds_each": [round(t, 3) for t in times[runner]],
                "cpu_seconds_each": [round(t, 6) for t in cpu[runner]],
            })
    bar.stop()
    return rows


def _bar(enabled: bool):
    """A started rich progress display on stderr, redrawn only by explicit ``refresh`` calls (every
    call a no-op when not ``enabled``)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), auto_refresh=False, disable=not enabled)
    bar.start()
    return bar


def engine_steps(configs: list[TrainConfig], data) -> Seconds:
    """Seconds for the engine's steps of ``configs`` (one pack), windows and finiteness checks only
    (after one untimed window that captures the CUDA graph, as the limits time after their capture)."""
    pack = Pack(configs, [data] * len(configs), [None] * len(configs))
    c0 = configs[0]
    pack.run_window(min(c0.log_every, c0.steps))   # untimed: the CUDA graph's capture, as the limits' warm-up
    pack.step = 0
    with clock(c0.device) as t:
        while pack.step < c0.steps:
            k = min(c0.log_every, c0.steps - pack.step)
            pack.finite_rows(pack.run_window(k))
            pack.step += k
    return t[0]


def _pack_seconds(configs: list[TrainConfig], data) -> Seconds:
    with clock(configs[0].device) as t:
        train_pack(configs, [data] * len(configs))
    return t[0]
