"""The trusted kernel of Theorem 4 certificates: the only code that decides whether a certificate
is verified. It may import the standard library, the formula parser and python-flint/mpmath, and
nothing of the generator or of ``infgrad.theory.penalty_analysis`` (an import-linter contract in
``setup.cfg`` checks this)."""
