"""The functions of the public API (``infgrad.verify`` and friends): thin, documented entry points
over the trainer, the registry, the report runner and the Theorem 4 builder and checker, for notebooks.

Each does what its command does, thread policy included: ``train`` and ``train_pack`` take
``threads="auto"`` as ``infgrad train`` does (``infgrad.models.threads``: one torch CPU thread
unless two cores are idle and a step is large), and restore torch's thread count afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


def train(cfg: Any, data: Any = None, *, threads: str | int = "auto", progress: bool = True,
          **options: Any) -> Any:
    """Train one Gaussian VAE on energy (3) (Eq. 3 of the paper) as ``infgrad train`` does.

    Parameters
    ----------
    cfg : a ``TrainConfig`` (``help(infgrad.TrainConfig)`` documents every field).
    data : an (n, d) array or a ``Dataset``; None builds ``cfg.data``. An array's width must equal
        ``cfg.d``; file data (digits, images, the 2-D curve) set d themselves, and the result's
        ``config.d`` and ``data_meta["d_from_data"]`` say so.
    threads : torch CPU threads while training: ``"auto"`` (the command line's default: 1 unless
        two cores are idle and a step is large) or an integer; torch's count is restored afterwards.
    progress : a progress bar on stderr.
    options : passed on to ``infgrad.models.trainer.train`` (``init_state``, ``checkpoint_dir``,
        ``resume``, ``on_log``).

    Returns
    -------
    ``TrainResult``: ``final`` (typed final metrics, ``FinalMetrics``), ``history``, ``events``,
    ``model``, ``config``; ``to_json()`` is what ``infgrad train --json`` writes.
    """
    from infgrad.models.threads import torch_threads
    from infgrad.models.trainer import train as run

    _check_configs([cfg])
    with torch_threads(threads, cfg.device, _step_work([cfg], [data])):
        return run(cfg, data, progress=progress, **options)


def train_pack(configs: Sequence[Any], data: Sequence[Any] | None = None, *, threads: str | int = "auto",
               **options: Any) -> list:
    """Train many runs at once as stacked models (``infgrad.models.engine.train_pack``): one
    ``TrainResult`` per config, in input order, each what ``train`` gives for it alone.

    ``threads`` as in :func:`train`, with a step's work summed over the runs; ``options``
    (``init_states``, ``progress``, ``graph``) go to the engine.
    """
    from infgrad.models.engine import train_pack as run
    from infgrad.models.threads import torch_threads

    configs = list(configs)
    _check_configs(configs)
    device = configs[0].device if configs else "cpu"
    with torch_threads(threads, device, _step_work(configs, data or [None] * len(configs))):
        return run(configs, data, **options)


def _check_configs(configs: Sequence[Any]) -> None:
    """Each a ``TrainConfig`` whose device is here (``cuda`` without a GPU: ``BadInput``, not torch's
    AssertionError from the first tensor)."""
    from infgrad.errors import BadInput
    from infgrad.models.config import TrainConfig
    from infgrad.models.device import resolve_device

    for cfg in configs:
        if not isinstance(cfg, TrainConfig):
            raise BadInput(f"a config must be an infgrad.TrainConfig; got {type(cfg).__name__}")
        resolve_device(cfg.device)


def _claim_list(claims: Any) -> list[str] | None:
    """``claims`` as a list of ids: one id may be given as a string (``"T2"``, not ``'T'`` and ``'2'``)."""
    from infgrad.errors import BadInput

    if claims is None:
        return None
    ids = [claims] if isinstance(claims, str) else claims
    try:
        ids = list(ids)
    except TypeError:
        ids = [claims]
    for cid in ids:
        if not isinstance(cid, str):
            raise BadInput(f"claims must be claim ids such as 'T2' or a list of them; got {cid!r}")
    return ids or None


def _step_work(configs: Sequence[Any], data: Sequence[Any]) -> int:
    """Parameters x batch size summed over the runs (what ``--threads auto`` weighs)."""
    from infgrad.models.memory import parameter_count

    total = 0
    for cfg, x in zip(configs, data):
        shape = getattr(getattr(x, "X", x), "shape", None)
        d = int(shape[1]) if shape is not None and len(shape) == 2 else cfg.d
        total += parameter_count(d, cfg.kappa, cfg.arch, cfg.hidden) * cfg.batch_size
    return total


def verify(claims: Sequence[str] | None = None, *, seed: int = 0) -> list:
    """Run the symbolic, exact and property checks (what ``infgrad verify`` runs).

    Parameters
    ----------
    claims : claim ids such as ``["T2", "T9"]``; ``None`` runs every non-empirical check (a claim
        named here that has only empirical checks, T11 ... T18, gets those).
    seed : base seed of the random spot checks.

    Returns
    -------
    list of ``ClaimResult`` (claim, title, paper_ref, method, status, evidence, seconds).

    The same code path as ``infgrad verify``; it imports no torch, so no thread policy applies.
    """
    from infgrad.params import check
    from infgrad.proofs_check.claims.model import CheckContext
    from infgrad.proofs_check.claims.registry import run_checks, select

    ctx = CheckContext(seed=check("seed", seed), profile="quick")
    return run_checks(select(_claim_list(claims), empirical=False), ctx)


def report(out: str | Path, *, profile: str = "quick", seed: int = 0, device: str = "cpu",
           fresh: bool = False, claims: list[str] | None = None) -> Any:
    """Run every claim (or only ``claims``, e.g. ``["T4", "T14"]``) and write ``results.json``,
    ``report.md`` and ``report.html`` under ``out`` (what ``infgrad report`` does, by the same code
    path: the checks go to the process pool, each training with one torch CPU thread).
    ``device`` is ``auto``, ``cpu`` or ``cuda``. Returns the run: its ``report`` (the typed report
    model) and the three paths."""
    import os

    from infgrad.errors import BadInput
    from infgrad.models.device import resolve_device
    from infgrad.params import check
    from infgrad.proofs_check.report.run import run_report

    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):   # str(None) was a folder 'None'
        raise BadInput(f"out must be the path of a directory; got {out!r}")
    return run_report(profile=check("profile", profile), out=os.fspath(out), fresh=fresh, seed=check("seed", seed),
                      device=resolve_device(device), quiet=True, claims=_claim_list(claims))


COUNTEREXAMPLE_SECONDS = 120.0   # as ``infgrad counterexample --time-limit``'s default


def counterexample(h: str, g: str = "u", *, d: int, kappa: int, r: int, n: int | None = None,
                   family: str = "auto", seed: int = 0,
                   time_limit: float = COUNTEREXAMPLE_SECONDS) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build a Theorem 4 certificate for penalties ``g`` and ``h`` (formulas in ``u``, parsed without
    eval) in the given decoder family. Returns ``(certificate, notes)``; check the certificate
    with :func:`check_certificate`.

    As ``infgrad counterexample``, the build runs in a forked child process under a hard limit:
    killed past ``time_limit`` seconds (``LimitExceeded``, a ``BadInput``, naming the limit) and
    with its address space capped at half the available memory; its errors are raised here."""
    from infgrad.models.memory import default_limit
    from infgrad.params import check
    from infgrad.proofs_check.bounded import call_bounded
    from infgrad.proofs_check.theorem4.generate.build import build

    seconds = check("counterexample_time_limit", time_limit)
    check("seed", seed)
    return call_bounded(lambda: build(h, g, d=d, kappa=kappa, r=r, n=n, seed=seed, family=family), seconds=seconds,
                        memory=default_limit(), what="infgrad.counterexample",
                        hint="raise time_limit or give a simpler formula")


def check_certificate(cert: dict[str, Any] | str | Path, *, trust_table: bool = False) -> Any:
    """Re-verify a certificate (a dict, or the path of its JSON file) independently of the code that
    built it. Returns the checker's outcome: ``.ok`` and ``.items`` (one line per check). A dict is
    written out as JSON and read back by the kernel's own reader, as a file is: one reading of every
    input (a value JSON cannot hold is a ``CertificateError``)."""
    import json

    from infgrad.proofs_check.theorem4.kernel import CertificateError, check, load, loads

    if isinstance(cert, (str, Path)):
        return check(load(cert), trust_table=trust_table)
    try:
        data = json.dumps(cert, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise CertificateError(f"the certificate is not JSON: {exc}") from None
    return check(loads(data), trust_table=trust_table)
