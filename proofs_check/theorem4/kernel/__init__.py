"""The trusted kernel of Theorem 4 certificates, the only code that decides whether one is verified: steps
``read``, ``values``, ``family``, ``bound``, ``verdict``. It imports nothing of the generator or of
``infgrad.theory.penalty_analysis`` (import-linter contract ``kernel`` in setup.cfg; docs/theorem4.md)."""

from .read import FORMAT, CertificateError, load, loads
from .values import ENCLOSURE
from .verdict import Outcome, check

__all__ = ["ENCLOSURE", "FORMAT", "CertificateError", "Outcome", "check", "load", "loads"]
