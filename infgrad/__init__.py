"""infgrad: claim-by-claim checks of "On the Value of Infinite Gradients in Variational
Autoencoder Models" (Dai, Wenliang & Wipf, NeurIPS 2021).

The toolkit installs under this one name. Its folders are subpackages:
``infgrad.theory`` (symbolic mathematics), ``infgrad.models`` (the torch VAE, trainer and packed
engine), ``infgrad.proofs_check`` (claims registry, checks, Theorem 4 certificates, report, CLI)
and ``infgrad.figures`` (the paper's figures).

The small public API below is what a notebook needs; every name is imported on first use, so
``import infgrad`` stays cheap (``verify`` never imports torch).

Examples
--------
>>> import infgrad
>>> results = infgrad.verify(["T2"])                      # doctest: +SKIP
>>> results[0].status                                     # doctest: +SKIP
'pass'
>>> cert, notes = infgrad.counterexample("atan(3*u)", d=6, kappa=4, r=2)   # doctest: +SKIP
>>> infgrad.check_certificate(cert).ok                    # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import Any

from .lazy import resolve as _resolve

# public name -> "module:attribute", resolved lazily by __getattr__
_API = {
    "__version__": "infgrad.proofs_check:__version__",
    "verify": "infgrad._api:verify",
    "report": "infgrad._api:report",
    "counterexample": "infgrad._api:counterexample",
    "check_certificate": "infgrad._api:check_certificate",
    "ClaimResult": "infgrad.proofs_check.claims.model:ClaimResult",
    "CLAIMS": "infgrad.proofs_check.claims.model:CLAIMS",
    "GaussianVAE": "infgrad.models.vae:GaussianVAE",
    "TrainConfig": "infgrad.models.config:TrainConfig",
    "TrainResult": "infgrad.models.run:TrainResult",
    "train": "infgrad._api:train",
    "train_pack": "infgrad._api:train_pack",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'infgrad' has no attribute {name!r}")
    value = _resolve(_API[name])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
