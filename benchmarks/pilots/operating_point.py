"""Pilot: how far a real-image VAE gets towards the sparse operating point (T13 real, T15).

``python -m benchmarks.pilots.operating_point --out FILE.json [--n 10000] [--kappa 64] [--steps 6000] ...``

Trains one Gaussian VAE with learned gamma (Eq. (3)) on the first n MNIST (or Fashion-MNIST)
training images with the protocol's learning-rate tail, through ``infgrad.models.trainer.train``,
and saves what the premise of T13 real / T15 needs (the informative-dimension count at gamma near
0) and what explains it: the per-dimension KL and mean encoder variance at the end
(``benchmarks.pilots.spread``) and what each dimension buys (``benchmarks.pilots.ablation``),
their counts at every log point, gamma, the error as a share of the data's total variance, the
wall time and the load average before and after.

Capacity: ``--arch conv`` is the experiments' conv VAE (32 channels); ``--dec-channels C`` and
``--dec-extra K`` swap in, for this process only, a wider decoder (C channels after the 7x7 maps'
2C, and K extra 3x3 convolutions with ReLU at each of 7x7 and 14x14); the encoder stays the
experiments' one. ``--arch mlp --hidden 1024 1024`` is the MLP pair of ``models.vae``.
Pilots use seeds >= 1000 only: they size a profile and never choose a rule.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from typing import Any, Iterator
from unittest import mock

import numpy as np
from torch import Tensor, nn

from benchmarks.pilots.ablation import leave_one_out
from benchmarks.pilots.spread import line, spread
from infgrad.atomic import write_json

SEED_MIN = 1000


class WideDecoder(nn.Module):
    """(batch, kappa) -> (batch, 784): affine to 2C maps of 7x7, K 3x3 convs, transposed conv to C
    maps of 14x14, K 3x3 convs, transposed conv to 28x28 (C = 32, K = 0 is the experiments' decoder)."""

    def __init__(self, kappa: int, channels: int = 32, extra: int = 0) -> None:
        super().__init__()
        c = self.c = channels
        self.fc = nn.Sequential(nn.Linear(kappa, 2 * c * 7 * 7), nn.ReLU())
        layers: list[nn.Module] = []
        for _ in range(extra):
            layers += [nn.Conv2d(2 * c, 2 * c, 3, 1, 1), nn.ReLU()]
        layers += [nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU()]
        for _ in range(extra):
            layers += [nn.Conv2d(c, c, 3, 1, 1), nn.ReLU()]
        layers += [nn.ConvTranspose2d(c, 1, 4, 2, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(self.fc(z).view(-1, 2 * self.c, 7, 7)).flatten(1)


@contextlib.contextmanager
def decoder_swapped(channels: int, extra: int) -> Iterator[None]:
    """Within the block, ``GaussianVAE(arch="conv")`` builds a :class:`WideDecoder` (nothing when C = 32, K = 0)."""
    if channels == 32 and extra == 0:
        yield
        return
    from infgrad.models import vae
    with mock.patch.object(vae, "_ConvDecoder", lambda kappa: WideDecoder(kappa, channels, extra)):
        yield


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.pilots.operating_point",
                                description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="JSON file to write the result to")
    p.add_argument("--data", default="mnist", choices=("mnist", "fashion-mnist"))
    p.add_argument("--n", type=int, default=10000, help="first n training images")
    p.add_argument("--kappa", type=int, default=64)
    p.add_argument("--arch", default="conv", choices=("conv", "mlp"))
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 128], help="MLP widths (arch mlp)")
    p.add_argument("--dec-channels", type=int, default=32, help="conv decoder channels (32: the experiments')")
    p.add_argument("--dec-extra", type=int, default=0, help="extra 3x3 conv layers per resolution in the decoder")
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--tail-fraction", type=float, default=0.3, help="share of the steps in the lr tail (0: none)")
    p.add_argument("--tail-factor", type=float, default=0.01, help="lr factor at the last step")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--log-every", type=int, default=250)
    p.add_argument("--seed", type=int, default=SEED_MIN, help=f"pilot seed, >= {SEED_MIN}")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"), help="auto: CUDA when torch sees a GPU")
    a = p.parse_args(argv)
    if a.seed < SEED_MIN:
        p.error(f"pilots use seeds >= {SEED_MIN}; got {a.seed}")
    return a


def run(a: argparse.Namespace) -> dict[str, Any]:
    import torch

    from infgrad.models.config import TrainConfig
    from infgrad.models.data import load_dataset
    from infgrad.models.trainer import train

    torch.set_num_threads(a.threads)
    X = load_dataset(a.data, n=a.n, seed=a.seed).X.astype(np.float32)
    total_var = float(np.var(X.astype(float), axis=0).sum())
    cfg = TrainConfig(data=a.data, d=X.shape[1], n=len(X), arch=a.arch, hidden=tuple(a.hidden), kappa=a.kappa,
                      steps=a.steps, lr=a.lr, lr_tail_fraction=a.tail_fraction, lr_tail_factor=a.tail_factor,
                      batch_size=a.batch_size, log_every=a.log_every, checkpoint_every=a.log_every, seed=a.seed,
                      device=a.device)
    trace: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def on_log(step: int, rec: dict) -> None:
        s = spread(rec["kl_per_dim"], rec["mean_encoder_var"])
        trace.append({"step": step, "seconds": time.perf_counter() - t0, "gamma": rec["gamma"],
                      "recon_error": rec["recon_error"], "error_share": rec["recon_error"] / total_var,
                      "lr": rec["lr"], "informative": s["informative"], "active_by_var": s["active_by_var"],
                      "dims_for_kl_share": s["dims_for_kl_share"], "kl_total": s["kl_total"]})
        print(f"step {step} {trace[-1]['seconds']:.0f}s gamma {rec['gamma']:.4g} error {trace[-1]['error_share']:.2%}; "
              f"{line(s)}", flush=True)

    load_before = os.getloadavg()
    with decoder_swapped(a.dec_channels, a.dec_extra):
        res = train(cfg, X, progress=False, on_log=on_log)
    wall = time.perf_counter() - t0
    f = res.final
    s = spread(f["kl_per_dim"], f["mean_encoder_var"])
    worth = leave_one_out(res.model.cpu().float(), X, f["kl_per_dim"], expected_error=f["recon_error_expected"])
    print(f"leave-one-out: {worth['worth_keeping']} of {a.kappa} dims cut the error by more than they cost", flush=True)
    print(f"FINAL gamma {f['gamma']:.4g} error {f['recon_error'] / total_var:.2%} {line(s)} wall {wall:.0f}s",
          flush=True)
    return {"pilot": "operating_point", "seed": a.seed, "data": a.data, "n": len(X), "kappa": a.kappa,
            "architecture": {"arch": a.arch, "hidden": a.hidden if a.arch == "mlp" else None,
                             "dec_channels": a.dec_channels if a.arch == "conv" else None,
                             "dec_extra": a.dec_extra if a.arch == "conv" else None, "n_params": int(f["n_params"])},
            "schedule": {"steps": a.steps, "lr": a.lr, "tail_fraction": a.tail_fraction, "tail_factor": a.tail_factor,
                         "batch_size": a.batch_size},
            "final": {"gamma": f["gamma"], "recon_error": f["recon_error"], "total_variance": total_var,
                      "error_share": f["recon_error"] / total_var, "active_var_0.5": f["active_var"],
                      "active_units": f["active_units"], "loss": f["loss"], "rollbacks": f["rollbacks"]},
            "spread": s, "leave_one_out": worth, "trace": trace, "wall_s": wall, "threads": a.threads,
            "load_before": list(load_before), "load_after": list(os.getloadavg()),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "torch": torch.__version__,
            "device": cfg.device}


def main(argv: list[str] | None = None) -> None:
    a = parse(argv)
    write_json(a.out, run(a))


if __name__ == "__main__":
    main()
