"""Exceptions that the command line turns into one line on stderr and an exit code.

Exit codes (docs/design.md): 0 success, 1 a check failed, 2 bad usage or bad input,
3 the request contradicts the theorem's hypotheses.
"""

from __future__ import annotations


class InfgradError(Exception):
    """Base class: ``exit_code`` is what ``infgrad`` exits with."""

    exit_code = 2


class BadInput(InfgradError):
    """Bad usage or bad input (a file, a formula, a dimension): exit 2."""

    exit_code = 2


class HypothesisNotMet(InfgradError):
    """The request contradicts the theorem's hypotheses (e.g. an unbounded slope): exit 3."""

    exit_code = 3
