"""Fig. 2 (Sec. 3.3) for a generated Theorem 4 instance, drawn from its certificate.

Left: the data in its small eps-box (coordinates 0 and r: the folded zigzag manifold).
Middle: the two latent codes of each sample on the same axes - the long sparse code z*_0
(a path of length 2c) against the dense code (z'_0, z'_r) inside the eps-box: Eq. (8).
Right: h near 0 (values from the generator's notes), the dense rows' mean squares (<= eps^2)
and the sparse rows' mean square (a, or the bound U/r in Theta_Lip): Eq. (9).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .shape import INT, NONNEG, NUM, POS, SCALAR, STR, arr, obj

CLAIMS = ("T9", "T10")
DATA_FILE = "t9_certificate.json"
NOTES_FILE = "t9_notes.json"

_RATIONAL = {"type": "string", "pattern": r"^-?[0-9]{1,300}(/[1-9][0-9]{0,299})?$"}   # exact, fits a float
_SPARSE = obj({"shape": arr(INT, 1), "entries": arr({"type": "array", "prefixItems": [
    {**INT, "minimum": 0}, {**INT, "minimum": 0}, _RATIONAL], "minItems": 3, "maxItems": 3}, 0)})
CERT_SCHEMA = obj({"dims": obj({"r": INT, "d": SCALAR, "kappa": SCALAR, "n": SCALAR}), "family": STR,
                   "X": _SPARSE, "witness": obj({"Z": _SPARSE}), "penalties": obj({"h": STR, "g": STR}),
                   "verdict": STR}, {"format": STR})
NOTES_SCHEMA = obj({"parameters": obj({"eps": {**POS, "maximum": 1e100}}), "h_curve": arr(arr(NUM, 2, 2), 0),
                    "case": SCALAR}, {k: {"anyOf": [NONNEG, {"type": "null"}]} for k in ("U_over_r", "a")})


def _rat(text: str) -> float:
    num, _, den = str(text).partition("/")
    return int(num) / int(den or 1)


def _columns(mat: Any, cols: list[int], limit: int) -> dict[int, list[float]]:
    rows = min(mat["shape"][0], limit)
    out = {j: [0.0] * rows for j in cols}
    for i, j, v in mat["entries"]:
        if i < rows and j in out:
            out[j][i] = _rat(v)
    return out


def plot_certificate(cert: dict[str, Any], notes: dict[str, Any], path: str | Path) -> Path:
    """Draw the three panels for ``cert`` (and the generator's ``notes``: h on a grid, the
    parameters) into ``path`` (format from the suffix). h is never re-parsed here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = cert["dims"]
    r = dims["r"]
    lip = cert["family"] == "lipschitz"
    ax0, ax1 = (r - 1, r) if lip else (0, r)
    limit = 4000
    X = _columns(cert["X"], [ax0, ax1], limit)
    zaxis = r - 1 if lip else 0
    Z = _columns(cert["witness"]["Z"], [zaxis], limit)
    par = notes["parameters"]
    eps = float(par["eps"])

    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2))
    ax = axes[0]
    order = sorted(range(min(len(Z[zaxis]), len(X[ax0]))), key=lambda i: Z[zaxis][i])   # rows of both
    ax.plot([X[ax0][i] for i in order], [X[ax1][i] for i in order], "-", color="tab:blue", lw=0.8, alpha=0.6,
            label="the witness path (sparse code order)")
    ax.plot(X[ax0], X[ax1], ".", color="tab:blue", ms=3)
    ax.set_title(f"data on axes {ax0}, {ax1} (eps = {eps:.3g})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left", fontsize=7)

    ax = axes[1]
    span = max(abs(v) for v in Z[zaxis]) if Z[zaxis] else 1.0
    ax.plot(Z[zaxis], [0.0] * len(Z[zaxis]), "|", color="tab:green", ms=10, label=f"sparse code z_{zaxis} (r rows)")
    ax.plot(X[ax0], X[ax1], ".", color="tab:orange", ms=3, label="dense code (r+1 rows)")
    ax.set_title(f"Eq. (8): |z*| up to {span:.3g} vs eps = {eps:.3g}")
    ax.set_xlabel("latent axis")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(-max(span, eps) * 0.3, max(span, eps) * 0.3)

    ax = axes[2]
    us = [u for u, _ in notes["h_curve"]]
    hs = [v for _, v in notes["h_curve"]]
    ax.plot(us, hs, color="tab:green", label=f"h(u) = {cert['penalties']['h']}")
    ax.axvline(eps ** 2, color="tab:orange", ls="--", lw=1, label=f"eps^2 = {eps ** 2:.3g}")
    mark = notes.get("U_over_r", notes.get("a"))
    if mark:
        ax.axvline(mark, color="tab:green", ls="--", lw=1, label=("U/r" if lip else "a") + f" = {mark:.3g} (sparse)")
    ax.set_xscale("log")
    ax.set_xlabel("u = row mean square (log scale)")
    ax.set_title(f"{cert['family']}: case {notes['case']}, verdict {cert['verdict']}")
    ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Theorem 4 instance ({cert['family']} family): d={dims['d']}, kappa={dims['kappa']}, r={r}, "
                 f"n={dims['n']}, g = {cert['penalties']['g']} (exact certificate, "
                 f"{cert.get('format', 'format not saved')}; no profile, seeds or empirical rule)", fontsize=10)
    fig.tight_layout()
    from infgrad.figures import write_figure

    path = write_figure(fig, Path(path))
    plt.close(fig)
    return path


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Fig. 2 from the certificate and notes that check_t9 saved (each checked against its schema)."""
    from . import read_data

    producer = "the T9 check with an output directory"
    cert = read_data(data_dir, DATA_FILE, producer, CERT_SCHEMA)
    info = read_data(data_dir, NOTES_FILE, producer, NOTES_SCHEMA)
    out_dir = Path(out_dir)
    return [plot_certificate(cert, info, out_dir / "fig2_theorem4.png"),
            plot_certificate(cert, info, out_dir / "fig2_theorem4.pdf")]
