"""The claims T1-T18 and the checks that are not training runs.

``model`` holds the claim table and the result record every check returns; ``registry`` maps each
claim to its checks and runs them (caching their results); ``statements`` gives the paper's wording;
``symbolic``, ``linear`` and ``theorem4`` are the symbolic, exact and certificate checks. The
empirical checks live in ``proofs_check.experiments``. May import ``proofs_check.experiments``,
``proofs_check.theorem4`` and every lower layer; never the report or the command line.
"""
