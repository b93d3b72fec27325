"""Theorem 4 (Sec. 3.2-3.3): ``generate`` builds certificates, ``kernel`` (the trusted kernel) alone
decides whether one is verified, ``report`` explains. The CLI commands are in ``cli/theorem4.py``."""
