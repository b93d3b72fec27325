"""Theorem 4 (Sec. 3.2-3.3): the counterexample generator, its certificates and the
independent checker. ``generator`` builds, ``certificate`` writes, ``checker`` verifies
(sharing only the formula parser), ``report`` explains, ``commands`` is the CLI."""
