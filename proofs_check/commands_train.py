"""``infgrad train``: train one Gaussian VAE (models.trainer) with a progress bar; JSON and checkpoints."""

from __future__ import annotations

import math
import sys

import click

from .cli_options import device_option, json_option, quiet_option, resolve_device, seed_option
from .errors import BadInput, InfgradError


class TrainingDiverged(InfgradError):
    """Training stayed non-finite after every rollback (exit 1: the run failed, the input was fine)."""

    exit_code = 1


def parse_gamma(text: str) -> float | None:
    """``learn`` -> None (learned gamma); a finite number > 0 -> that fixed gamma; else BadInput."""
    if text.strip().lower() == "learn":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise BadInput(f"--gamma must be 'learn' or a finite number > 0; got {text!r}")
    return value


def parse_hidden(text: str) -> tuple[int, ...]:
    """``128,128`` -> (128, 128); every width an integer >= 1."""
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise BadInput(f"--hidden must be comma-separated widths >= 1, e.g. 128,128; got {text!r}")
    return widths


def choose_threads(text: str, device: str) -> int:
    """``--threads``: an integer >= 1, or ``auto``: on CPU only the idle cores (cores minus the
    1-minute load average, at least 1, at most torch's default). Measured here (2 cores shared with
    other jobs, load ~3): 2 intra-op threads made a step of the small model 10-50x slower than 1
    thread (threads spin-waiting for a busy core), so on a loaded machine ``auto`` means 1."""
    import os

    import torch

    if text != "auto":
        try:
            n = int(text)
        except ValueError:
            n = 0
        if n < 1:
            raise BadInput(f"--threads must be 'auto' or an integer >= 1; got {text!r}")
        return n
    if device != "cpu":
        return torch.get_num_threads()
    try:
        idle = (os.cpu_count() or 1) - math.ceil(os.getloadavg()[0])
    except OSError:  # no load average on this platform
        idle = torch.get_num_threads()
    return max(1, min(torch.get_num_threads(), idle))


@click.command()
@click.option("--data", default="subspace", show_default=True, metavar="NAME",
              help="subspace | manifold | curve | digits | mnist | fashion-mnist | idx:PATH.")
@click.option("--d", "d", type=int, default=20, show_default=True, help="Data dimension (synthetic data).")
@click.option("--r", "r", type=int, default=3, show_default=True, help="Manifold dimension (synthetic data).")
@click.option("--n", "n", type=int, default=1000, show_default=True,
              help="Samples (synthetic); the first N samples of file data, 0 = all.")
@click.option("--noise", type=float, default=0.0, show_default=True, help="Isotropic noise std (synthetic).")
@click.option("--outliers", type=int, default=0, show_default=True, help="Off-manifold points (curve).")
@click.option("--kappa", type=int, default=8, show_default=True, help="Latent dimension.")
@click.option("--arch", type=click.Choice(["mlp", "conv", "linear"]), default="mlp", show_default=True,
              help="Encoder/decoder pair; conv is for 28x28 images.")
@click.option("--hidden", default="128,128", show_default=True, help="MLP widths, input side first.")
@click.option("--gamma", "gamma_text", default="learn", show_default=True, metavar="learn|FLOAT",
              help="Learn the decoder variance (from gamma = 1) or fix it.")
@click.option("--beta", type=float, default=1.0, show_default=True, help="KL weight.")
@click.option("--steps", type=int, default=20000, show_default=True, help="Adam steps.")
@click.option("--batch-size", type=int, default=100, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Adam step size (halved on each rollback).")
@seed_option
@device_option
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True)
@click.option("--log-every", type=int, default=100, show_default=True,
              help="Metrics, finiteness check and rollback snapshot every K steps.")
@click.option("--checkpoint-every", type=int, default=1000, show_default=True,
              help="Checkpoint every K steps (a multiple of --log-every) and at the end.")
@click.option("--threads", "threads_text", default="auto", show_default=True, metavar="auto|N",
              help="torch CPU threads; auto uses only idle cores.")
@click.option("--rprop-damping", is_flag=True, help="Damp parameters whose gradient sign oscillates.")
@json_option
@click.option("--checkpoint", "checkpoint_dir", type=click.Path(file_okay=False), default=None,
              metavar="DIR", help="Write DIR/checkpoint.pt atomically.")
@click.option("--resume", is_flag=True, help="Continue from DIR/checkpoint.pt when present.")
@quiet_option
def train(data: str, d: int, r: int, n: int, noise: float, outliers: int, kappa: int, arch: str, hidden: str,
          gamma_text: str, beta: float, steps: int, batch_size: int, lr: float, seed: int, device: str,
          dtype: str, log_every: int, checkpoint_every: int, threads_text: str, rprop_damping: bool,
          json_path: str | None, checkpoint_dir: str | None, resume: bool, quiet: bool) -> int:
    """Train one Gaussian VAE on energy (3) (learned or fixed gamma); write metrics and checkpoints.

    \b
    Examples:
      infgrad train --data subspace --d 20 --r 3 --kappa 8 --steps 20000 --json run.json
      infgrad train --data manifold --gamma 1e-3 --checkpoint ckpt/ --resume
    """
    from models.config import BadConfig, TrainConfig
    from models.data import DataError
    from models.trainer import CheckpointError, train as run_training

    if resume and checkpoint_dir is None:
        raise BadInput("--resume needs --checkpoint DIR")
    gamma = parse_gamma(gamma_text)
    widths = parse_hidden(hidden)
    resolved = resolve_device(device)
    threads = choose_threads(threads_text, resolved)
    import torch

    torch.set_num_threads(threads)
    try:
        cfg = TrainConfig(data=data, d=d, r=r, n=n, noise=noise, outliers=outliers, kappa=kappa, arch=arch,
                          hidden=widths, gamma=gamma, beta=beta, steps=steps, batch_size=batch_size, lr=lr,
                          seed=seed, device=resolved, dtype=dtype, log_every=log_every,
                          checkpoint_every=checkpoint_every, rprop_damping=rprop_damping)
        result = run_training(cfg, checkpoint_dir=checkpoint_dir, resume=resume, progress=not quiet)
    except (BadConfig, DataError, CheckpointError) as exc:
        raise BadInput(str(exc)) from None
    except FloatingPointError as exc:
        raise TrainingDiverged(str(exc)) from None
    except ValueError as exc:  # e.g. the conv pair given non-image data
        raise BadInput(str(exc)) from None

    f = result.final
    f["threads"] = threads
    click.echo(f"steps {f['steps']}  {result.seconds:.1f} s  loss {f['loss']:.4g}  gamma {f['gamma']:.3g}  "
               f"recon_error {f['recon_error']:.3g}  active dims {f['active_var']} (var < {f['var_threshold']}) "
               f"/ {f['active_units']} (AU > {f['active_units_threshold']})  mmd {f['mmd']:.3g}  "
               f"events {f['events']}  ({cfg.device}, {threads} thread{'s' if threads > 1 else ''})")
    if json_path:
        from .report import environment, write_json
        from . import __version__

        doc = {"infgrad_version": __version__, "command": ["infgrad", *sys.argv[1:]], "seeds": [seed],
               "device": cfg.device, "environment": environment(cfg.device), **result.to_json()}
        write_json(json_path, doc)
    return 0
