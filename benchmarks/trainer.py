"""Samples per second of infgrad's trainer against a bare torch loop and pythae's BaseTrainer.

All three train the same ``GaussianVAE`` architecture (MLP encoder/decoder, ReLU) with Adam at the
same learning rate and batch size, in one process, interleaved and repeated so that drift in the
machine's load hits each alike; the median over repeats is reported.

- bare: the practical limit: index a batch from the in-memory tensor, energy (3), backward, step.
- infgrad: ``models.trainer.train`` (with its metrics every ``log_every`` steps, rollback snapshots
  and progress turned off), so what it costs over ``bare`` is the trainer's overhead.
- pythae 0.1.2: ``pythae.models.VAE`` with the same encoder/decoder modules and ``BaseTrainer``
  (its own DataLoader, logging and saving); optional, skipped with a message when not installed.
  Its loss has a fixed decoder variance (0.5 * MSE), a different loss of the same cost.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from typing import Any

import torch

from models.config import TrainConfig
from models.data import load_dataset
from models.trainer import train
from models.vae import GaussianVAE

MODELS: dict[str, dict[str, Any]] = {
    # the sparsity experiment's model: per-batch overhead dominates
    "small 20-128-128": dict(d=20, r=3, n=10000, kappa=8, hidden=(128, 128), batch_size=100, steps=2000),
    # an MNIST-sized MLP: arithmetic dominates
    "large 784-512-512": dict(d=784, r=10, n=10000, kappa=32, hidden=(512, 512), batch_size=256, steps=200),
}


def _config(spec: dict[str, Any], device: str, steps: int) -> TrainConfig:
    return TrainConfig(data="manifold", d=spec["d"], r=spec["r"], n=spec["n"], kappa=spec["kappa"],
                       hidden=spec["hidden"], batch_size=spec["batch_size"], steps=steps,
                       lr=1e-3, seed=0, device=device)


def bare_loop(cfg: TrainConfig, X: torch.Tensor) -> float:
    """Seconds for ``cfg.steps`` steps of the plainest loop on the same model and loss."""
    torch.manual_seed(cfg.seed)
    model = GaussianVAE(cfg.d, cfg.kappa, "mlp", cfg.hidden).to(X.device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator(device=X.device).manual_seed(cfg.seed)
    n = X.shape[0]
    _sync(X.device)
    t0 = time.perf_counter()
    for _ in range(cfg.steps):
        idx = torch.randint(n, (cfg.batch_size,), device=X.device, generator=gen)
        loss = model.energy(X[idx]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    _sync(X.device)
    return time.perf_counter() - t0


def infgrad_loop(cfg: TrainConfig, data) -> float:
    _sync(cfg.device)
    t0 = time.perf_counter()
    train(cfg, data, progress=False)
    _sync(cfg.device)
    return time.perf_counter() - t0


def pythae_loop(cfg: TrainConfig, X: torch.Tensor) -> float | None:
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
        trainer = BaseTrainer(model=model, train_dataset=dataset, training_config=tcfg)
        _sync(cfg.device)
        t0 = time.perf_counter()
        trainer.train()
        _sync(cfg.device)
        return time.perf_counter() - t0


def _sync(device) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def run(device: str = "cpu", repeats: int = 3) -> list[dict[str, Any]]:
    """One row per model: median samples/s of each trainer and the ratios the targets name."""
    rows = []
    for name, spec in MODELS.items():
        steps = spec["steps"] * (3 if device == "cuda" else 1)  # a GPU step is cheaper: time a longer run
        cfg = _config(spec, device, steps)
        data = load_dataset("manifold", d=spec["d"], r=spec["r"], n=spec["n"], seed=0)
        X = torch.as_tensor(data.X, device=device)
        bare_loop(replace(cfg, steps=20), X)           # warm-up: allocator, kernels, threads
        infgrad_loop(replace(cfg, steps=cfg.log_every), data)
        times: dict[str, list[float]] = {"bare": [], "infgrad": [], "pythae": []}
        for _ in range(repeats):
            times["bare"].append(bare_loop(cfg, X))
            times["infgrad"].append(infgrad_loop(cfg, data))
            t = pythae_loop(cfg, X)
            if t is not None:
                times["pythae"].append(t)
        samples = cfg.steps * cfg.batch_size
        rate = {k: samples / statistics.median(v) for k, v in times.items() if v}
        rows.append({
            "model": name, "device": device, "steps": cfg.steps, "batch": cfg.batch_size,
            "bare_samples_per_s": rate["bare"], "infgrad_samples_per_s": rate["infgrad"],
            "pythae_samples_per_s": rate.get("pythae"),
            "infgrad_vs_bare": rate["infgrad"] / rate["bare"],
            "infgrad_vs_pythae": rate["infgrad"] / rate["pythae"] if "pythae" in rate else None,
            "pythae": "measured" if "pythae" in rate else "not installed (pip install pythae==0.1.2)",
            "threads": torch.get_num_threads(), "torch": torch.__version__,
            "seconds_each": {k: [round(t, 3) for t in v] for k, v in times.items()},
        })
    return rows


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "cpu"), indent=1))
