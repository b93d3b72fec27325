"""The trusted kernel of Theorem 4 certificates: the only code that decides whether a certificate
is verified. Steps, a screen each: ``read`` (read and canonical form), ``values`` (its own interval
evaluation of g, h and h'), ``family`` (what the decoders are), ``bound`` (the lower bound and the
checked monotonicity cells), ``verdict`` (witness, competitor, verdict; ``check``).

It imports the standard library, the formula parser (``infgrad.theory.penalties``: ``parse_penalty``
and the symbol ``U``), sympy (the parser's expressions; the listed ``trusted`` steps) and python-flint,
and nothing of the generator or of ``infgrad.theory.penalty_analysis`` (an import-linter contract in
``setup.cfg`` checks this)."""

from .read import FORMAT, CertificateError, load
from .values import ENCLOSURE
from .verdict import Outcome, check

__all__ = ["ENCLOSURE", "FORMAT", "CertificateError", "Outcome", "check", "load"]
