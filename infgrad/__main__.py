"""``python -m infgrad``: the same command line as the ``infgrad`` script."""

from infgrad.proofs_check.cli import main

raise SystemExit(main())
