"""The paper's empirical comparisons: one home for every check that trains or samples.

Each experiment module is a function of a profile returning a JSON-able dict; ``checks`` turns
them into ClaimResults; ``landscape`` (T11) and ``smoothing`` (T17) are checks of their own;
``rules`` holds every pass rule (issue 11), each committed before the runs that use it.

Each module exposes ``NAME``, ``CLAIMS``, ``PROFILES`` (one table: ``quick``: a laptop CPU, minutes;
``full``: one GPU; each a dict of TrainConfig overrides plus the experiment's own fields such as the
seed count, read by ``common.resolve_profile`` and ``common.train_config``), ``RULES`` (the pass rules, stated before any run and copied into the output),
``run(profile, *, seeds, seed, device, size, progress) -> dict`` (raw runs with their
trajectories, a table of mean and spread over seeds, and ``verdicts``), ``judge(result)`` (the
verdicts from a result dict alone, so they can be tested on hand-made results) and
``summaries(result)`` (one line per claim). An experiment whose independent trainings are long
(``outliers``) also exposes ``parts(profile, ...)`` (a list of :class:`parts.Part`) and
``combine(outputs, profile, ...)``; its ``run`` is the parts here one after another, then
``combine``, and the report runs the parts side by side (``claims.registry``).

=============  ===========  ======================================================
name           claims       what
=============  ===========  ======================================================
sparsity       T4, T14      kappa sweep on subspace and manifold data
beta           T5           continue a beta = 1 optimum with beta = f d/r
fixed-gamma    T12, T16     learned gamma vs gamma fixed at gamma* vs annealed to gamma*
linear         T3           trained linear VAE vs PPCA noise variance
outliers       T13          the Fig. 1 toy (and Fashion-MNIST vs MNIST if present)
digits         T15          PCA components vs VAE informative dimensions on digits
stability      T18          rollback and EMA-sign damping under a x3 / x10 learning rate
=============  ===========  ======================================================
"""

from __future__ import annotations

from types import ModuleType

from infgrad.lazy import resolve

EXPERIMENTS: dict[str, str] = {
    "sparsity": "infgrad.proofs_check.experiments.sparsity",
    "beta": "infgrad.proofs_check.experiments.beta",
    "fixed-gamma": "infgrad.proofs_check.experiments.fixed_gamma",
    "linear": "infgrad.proofs_check.experiments.linear",
    "outliers": "infgrad.proofs_check.experiments.outliers",
    "digits": "infgrad.proofs_check.experiments.digits",
    "stability": "infgrad.proofs_check.experiments.stability",
}


def load(name: str) -> ModuleType:
    """The experiment module called ``name`` (KeyError for an unknown name)."""
    return resolve(EXPERIMENTS[name])
