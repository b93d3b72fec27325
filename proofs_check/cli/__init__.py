"""``infgrad``: the command line, the top floor (docs/design.md, "The command-line contract").

Nothing else imports this package (an import-linter contract). ``app`` holds the group and the error handling, ``options`` the options and click types shared by
every subcommand (read from ``infgrad.params``), and one module per subcommand. Heavy imports
(torch, sympy) happen inside each command, so ``infgrad verify`` does not pay for torch.
"""

from __future__ import annotations

from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point (``infgrad``): see :func:`proofs_check.cli.app.run`."""
    from .app import run

    return run(argv)


__all__ = ["main"]
