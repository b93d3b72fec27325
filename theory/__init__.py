"""The symbolic mathematics of the paper (sympy, mpmath, numpy, scipy): the VAE energy (Eqs. 2-3),
gamma* (Eq. 6), the (d - beta r) log gamma scaling (Sec. 2.3), the Lemma 2 and 3 reductions, the
linear VAE (Remarks 1 and 4), the penalties g and h of Theorem 4 with their parser, and the
majorise-minimise smoothing of Sec. 4.

May import only the ground floor (``infgrad.params``, ``infgrad.errors`` ...); never torch, never
``models``, ``figures`` or ``proofs_check`` (import-linter contracts in setup.cfg).
"""
