"""Words for a Theorem 4 certificate: the terminal summary and the Markdown walk-through, from
the certificate, the generator's notes and the checker's outcome."""

from __future__ import annotations

from typing import Any

VERDICT_TEXT = {
    "strict": "strict: no global minimiser of (7) is an optimal sparse representation (a lossless reconstruction "
              "with at most r nonzero latent rows), proved one of two ways (the kernel's 'why' line says which): the "
              "competitor's L is below a lower bound on every optimal sparse representation's, or every optimal "
              "sparse representation is beaten within Theta by adding a constant row t on a latent axis its decoder "
              "ignores, as h(t^2) < h(0) (then the competitor beats the witness, not necessarily every one) - (b) "
              "holds under both readings ('every' and 'some' minimiser). Nothing is claimed about lossy sparse "
              "codes, which can be cheaper still",
    "no-minimiser": "no-minimiser: L -> -oo along a proved sequence in Theta, so (7) has no global minimiser and "
                    "(b) holds vacuously",
    "tie": "tie: the competitor's L equals the sparse one exactly; the optimal sparse representation is then a "
           "global minimiser among these, so (b) fails under the 'every minimiser' reading and holds only under the "
           "'some minimiser' reading",
    "undecided": "undecided: nothing better than the optimal sparse representations was proved; (b) is not shown",
}

FAMILY_TEXT = {
    "fixed-scale": "Theta = {D_sparse, D_dense} o signed permutations (a fixed-scale family built for this h)",
    "lipschitz": "Theta_Lip = every 1-Lipschitz decoder (the natural family; Kirszbraun's theorem)",
}


def _fmt(pair: list[str], digits: int = 10) -> str:
    return f"[{float(pair[0]):.{digits}g}, {float(pair[1]):.{digits}g}]"


def summary_lines(cert: dict[str, Any], notes: dict[str, Any]) -> list[str]:
    """What the terminal prints after ``infgrad counterexample``."""
    dm = cert["dims"]
    pen = cert["penalties"]
    lines = [
        f"Theorem 4 counterexample: h = {pen['h'] or '(table)'}, g = {pen['g'] or '(table)'}, "
        f"d={dm['d']} kappa={dm['kappa']} r={dm['r']} n={dm['n']}",
        f"family: {cert['family']} - {FAMILY_TEXT[cert['family']]}",
        *([f"  auto fell back to fixed-scale: {notes['fallback']}"] if notes.get("fallback") else []),
        *([f"  {notes['removable']}"] if notes.get("removable") else []),
        f"  parameters: " + ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}"
                                      for k, v in notes["parameters"].items()),
        f"  case {notes['case']}; competitor: {notes['competitor_kind']}",
        f"  search for h(b) < h(0): {notes['dip_search']}",
        f"  hypothesis: {notes['hypothesis']}",
    ]
    if notes.get("eq9"):
        e = notes["eq9"]
        lines.append(f"  Eq. (9) reversed: r (h(a) - h(0)) >= {e['rhs_r_gap']:.4g} at a = {e['a']:.4g}; "
                     + ("no slope bound" if e["H"] is None else f"(r+1) H eps^2 = {e['lhs_(r+1)H_eps2']:.4g}, H = {e['H']:.4g}"))
    if notes.get("monotone"):
        lines.append(f"  h nondecreasing: {notes['monotone']}")
    con = notes.get("t10_contrast")
    if con:
        lines.append("  T10 contrast, h = log(u + delta) on this instance (delta: preferred) - "
                     + ", ".join(f"{row['delta']}: {row['preferred']}" for row in con["rows"]))
    lines.append(f"verdict: {VERDICT_TEXT[cert['verdict']]}")
    return lines


def markdown(cert: dict[str, Any], notes: dict[str, Any], check_lines: list[str] | None = None,
             plot_name: str | None = None, reason: str | None = None) -> str:
    """A Markdown report that walks through the argument with this instance's numbers."""
    dm = cert["dims"]
    d, kappa, r, n = dm["d"], dm["kappa"], dm["r"], dm["n"]
    lip = cert["family"] == "lipschitz"
    parts = [
        f"# Theorem 4 counterexample: h = `{cert['penalties']['h']}`, g = `{cert['penalties']['g']}`", "",
        f"d = {d}, kappa = {kappa}, r = {r}, n = {n}; family **{cert['family']}**; verdict **{cert['verdict']}**.", "",
        "Objective (7): L = g( (1/dn) sum_i ||x_i - mu_x(z_i)||^2 ) + (1/d) sum_k h( ||z_k||^2 / n ).", "",
        "## 1. The family and the data", FAMILY_TEXT[cert["family"]] + ".", "",
        ("X is the lattice of an (r+1)-dimensional box of side eps with spacing s, n = k^(r+1) points; the witness "
         "decoder is the identity on axes 0..r-2 times a snake of latent axis r-1 through the last two data axes by "
         "arc length (1-Lipschitz, exact). The certificate lists only the k^2 points of those two axes." if lip else
         "X: n samples on the first r+1 coordinates, a folded (zigzag) r-dimensional manifold in an eps-box; "
         "D_sparse fixes r code rows up to sign, D_dense is the identity."),
        "Parameters: " + ", ".join(f"{k} = {v}" for k, v in notes["parameters"].items()) + ".", "",
        "## 2. (a) An optimal sparse representation exists",
        f"The witness reconstructs X exactly with r = {r} nonzero latent rows.", "",
        "## 3. What every optimal sparse representation costs",
        ("Codes of a perfect reconstruction in Theta_Lip are s-separated; with at most r nonzero rows a ball "
         "packing bound gives row mean squares summing to at least U (for any n: the first 4096 terms plus an "
         "integral); h is nondecreasing "
         f"({notes['monotone']}), so L >= g(0) + (h(U/r) + (kappa - 1) h(0))/d, or with an affine minorant "
         "alpha + beta u <= h on [0, U], L >= g(0) + ((kappa - r) h(0) + r alpha + beta U)/d "
         f"(U/r = {notes.get('U_over_r', float('nan')):.6g} here)." if lip else
         f"Every one has L* = g(0) + (1/d)(sum_j h(m_j) + (kappa - r) h(0)) in {_fmt(notes['L_sparse'], 15)}."), "",
        f"## 4. (b) The competitor - case {notes['case']}",
        f"{notes['competitor_kind']}." + ("" if lip else f" L in {_fmt(notes['L_competitor'], 15)}."), "",
        "## 5. Hypothesis", notes["hypothesis"] + ".", f"Search for h(b) < h(0): {notes['dip_search']}.", "",
        "## 6. Verdict", VERDICT_TEXT[cert["verdict"]] + ".",
        *([f"Why (the kernel's own derivation): {reason}."] if reason else []),
    ]
    con = notes.get("t10_contrast")
    if con:
        parts += ["", "### Contrast (T10): h = log(u + delta) on the same instance", "",
                  "| delta | d (L_dense - L_sparse) | preferred |", "|---|---|---|"]
        parts += [f"| {row['delta']} | {_fmt(row['dense_minus_sparse_times_d'], 8)} | {row['preferred']} |"
                  for row in con["rows"]]
    if check_lines:
        parts += ["", "## 7. Independent check", "```", *check_lines, "```"]
    if plot_name:
        parts += ["", f"![Fig. 2 for this instance]({plot_name})"]
    parts += ["", "Every number the verdict rests on is in the certificate (JSON, exact rationals as \"p/q\"); "
                  "`infgrad certificate check FILE` re-verifies it from the file alone."]
    return "\n".join(parts) + "\n"
