"""Each of the paper's claims in one sentence, as the report opens its section.

Written from the paper (Dai, Wenliang, Wipf, NeurIPS 2021) and ``docs/claims.md``, in plain words
with Unicode symbols (no LaTeX: the report never shows a LaTeX string). A claim missing here is
introduced by its title in ``claims.CLAIMS``; a check may state its claim more precisely in
``ClaimResult.statement``.
"""

from __future__ import annotations

STATEMENTS: dict[str, str] = {
    "T1": "For a Gaussian encoder, a Gaussian decoder with variance γ and a standard normal prior, "
          "the energy (3) equals twice the negative evidence bound (2), minus d log 2π, plus κ, per sample.",
    "T2": "The optimal decoder variance is γ* = (mean squared reconstruction error)/d, the unique "
          "minimum in γ, and substituting it leaves d log γ* + const, which is unbounded below as the "
          "error goes to 0, with diverging gradients.",
    "T3": "With a linear decoder on data near a linear subspace, the VAE optimum is probabilistic PCA: "
          "the learned γ is the pPCA noise variance and the number of informative latent dimensions "
          "is the data's rank.",
    "T4": "At the VAE optimum the encoder variances of informative dimensions shrink like "
          "γ/‖w_j‖² → 0, while unneeded dimensions sit at the prior, q(z_j | x) = N(0, 1).",
    "T5": "Near an optimal sparse representation the loss scales as (d − r) log γ, and as "
          "(d − βr) log γ with a β-weighted KL term, so β > d/r rules sparse optima out even with learned γ.",
    "T6": "With γ held fixed, a KL weight β can be absorbed into a rescaled γ, so β changes nothing "
          "beyond that rescaling.",
    "T7": "For a linear decoder with constant encoder variance, minimising (3) over the variance and "
          "letting γ → 0 leaves objective (7) with g an indicator of zero error and h = log.",
    "T8": "For any decoder, letting the encoder variances go to 0 with a log transform of each "
          "squared row norm collapses (3) to objective (7) with g = h = log.",
    "T9": "For any penalties g, h with bounded gradients and any d ≥ κ > r > 0 there are data and a "
          "decoder for which a perfect r-sparse reconstruction exists, yet no global minimiser of (7) "
          "is an optimal sparse representation (Theorem 4).",
    "T10": "The bounded slope is what fails: h = log (unbounded slope at 0) prefers the sparse code on "
           "the same instances, while for any slope bound a small enough ε reverses inequality (9).",
    "T11": "On one-dimensional slices of (3) through a one-layer VAE, the minimiser moves to the optimal "
           "sparse point as γ falls from 1 to 10⁻³, and disconnected local minima appear only at small γ.",
    "T12": "Learning γ, rather than fixing it at the learned γ* from the start, gives a similar "
           "reconstruction error and a lower MMD between the aggregated posterior and N(0, I).",
    "T13": "Optimal sparse representations screen outliers: a PCA subspace that reconstructs a curved "
           "inlier manifold also reconstructs outliers, while a sparse-latent VAE separates them.",
    "T14": "As κ grows well beyond r, the VAE keeps about r active latent dimensions and shuts the "
           "others off.",
    "T15": "On digit images PCA needs many more components than a VAE has active dimensions for a "
           "comparable reconstruction error.",
    "T16": "With learned γ the gradient ‖∂L/∂z‖ grows slowly during training; with a small fixed γ it "
           "is large from the start.",
    "T17": "Minimising (7) with h = log(u + δ) by majorise-minimise, annealing δ from large to small "
           "reaches the optimal sparse representation more often than starting at the final small δ.",
    "T18": "With learned γ, large gradients appear only near minimisers, where the paper's "
           "countermeasures (a reduced step, a check for oscillating gradient signs) keep training "
           "finite and on course as γ → 0.",
}
