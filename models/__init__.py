"""Pure torch: the Gaussian VAE (Eq. 3) with learned log gamma, one training run (``run``,
``trainer``), the packed engine that trains many runs as one computation (``engine``, graph-captured
on CUDA), checkpoints (``checkpoint``, the format's one home), metrics (active dimensions, MMD,
gradient norms), data sets (synthetic manifolds, IDX image files), the thread and device policy.

May import ``infgrad.theory`` and the ground floor; never ``figures`` or ``proofs_check``.
"""
