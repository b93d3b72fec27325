"""Fig. 2 (Sec. 3.3) for a generated Theorem 4 instance, drawn from its certificate.

Left: the data in its small eps-box (coordinates 0 and r: the folded zigzag manifold).
Middle: the two latent codes of each sample on the same axes - the long sparse code z*_0
(a path of length 2c) against the dense code (z'_0, z'_r) inside the eps-box: Eq. (8).
Right: h near 0 with its slope bound H (the line h(0) + H u), the dense rows' mean squares
(<= eps^2) and the sparse rows' mean square a: Eq. (9).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

CLAIMS = ("T9", "T10")
DATA_FILE = "t9_certificate.json"


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


def _h_values(text: str, us: list[float]) -> list[float]:
    from theory.penalties import ball, parse_penalty, point

    expr = parse_penalty(text)
    vals = []
    for u in us:
        b = ball(expr, point(Fraction(u)))
        vals.append(float(b.mid()) if b.is_finite() else float("nan"))
    return vals


def plot_certificate(cert: dict[str, Any], path: str | Path) -> Path:
    """Draw the three panels for ``cert`` into ``path`` (format from the suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = cert["dims"]
    r = dims["r"]
    limit = 2000
    X = _columns(cert["X"], [0, r], limit)
    Z = _columns(cert["witness"]["Z"], [0], limit)
    eps = _rat(cert["theta"]["parameters"]["eps"])
    c = _rat(cert["theta"]["parameters"]["c"])
    a = _rat(cert["witness"]["row_mean_square"])

    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2))
    ax = axes[0]
    order = sorted(range(len(X[0])), key=lambda i: X[0][i])
    ax.plot([X[0][i] for i in order], [X[r][i] for i in order], "-", color="tab:blue", lw=0.8, alpha=0.6)
    ax.plot(X[0], X[r], ".", color="tab:blue", ms=3)
    ax.add_patch(plt.Rectangle((-eps, -eps), 2 * eps, 2 * eps, fill=False, ls="--", color="gray"))
    ax.set_title(f"data in the eps-box (eps = {eps:.3g})")
    ax.set_xlabel("x_0")
    ax.set_ylabel(f"x_{r} (zigzag)")
    ax.set_aspect("equal", adjustable="datalim")

    ax = axes[1]
    ax.plot(Z[0], [0.0] * len(Z[0]), "|", color="tab:green", ms=10, label="sparse code z*_0 (r rows)")
    ax.plot([-c, c], [0, 0], "-", color="tab:green", lw=1)
    ax.plot(X[0], X[r], ".", color="tab:orange", ms=3, label="dense code (z'_0, z'_r) (r+1 rows)")
    ax.add_patch(plt.Rectangle((-eps, -eps), 2 * eps, 2 * eps, fill=False, ls="--", color="gray"))
    ax.set_title(f"Eq. (8): |z*| up to {c:.3g} >> eps = {eps:.3g}")
    ax.set_xlabel("latent axis 0")
    ax.set_ylabel("latent axis r")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(-max(c, eps) * 0.3, max(c, eps) * 0.3)

    ax = axes[2]
    top = max(2 * a, 4 * eps ** 2)
    bottom = min(a, eps ** 2) / 100
    us = [bottom * (top / bottom) ** (k / 300) for k in range(301)]  # log-spaced: eps^2 and a both visible
    hs = _h_values(cert["penalties"]["h"], us)
    ax.plot(us, hs, color="tab:green", label=f"h(u) = {cert['penalties']['h']}")
    eq9 = cert.get("eq9") or {}
    H = eq9.get("H")
    h0 = _h_values(cert["penalties"]["h"], [0.0])[0]
    ax.axhline(h0, color="gray", lw=0.8, label=f"h(0) = {h0:.3g}")
    if H is not None:
        ax.plot(us, [h0 + H * u for u in us], ":", color="tab:red", label=f"h(0) + H u, H = {H:.3g}")
    ax.axvline(eps ** 2, color="tab:orange", ls="--", lw=1, label=f"eps^2 = {eps ** 2:.3g} (dense rows)")
    ax.axvline(a, color="tab:green", ls="--", lw=1, label=f"a = {a:.3g} (sparse rows)")
    finite = [v for v in hs if v == v]
    if finite:
        span = max(finite) - min(finite) or 1.0
        ax.set_ylim(min(finite) - 0.1 * span, max(finite) + 0.25 * span)
    ax.set_xscale("log")
    ax.set_xlabel("u = row mean square (log scale)")
    ax.set_title(f"case {cert['case']}, verdict {cert['verdict']}")
    ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Theorem 4 instance: d={dims['d']}, kappa={dims['kappa']}, r={r}, n={dims['n']}, "
                 f"g = {cert['penalties']['g']}", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Fig. 2 from the certificate that check_t9 saved (``t9_certificate.json``)."""
    src = Path(data_dir) / DATA_FILE
    if not src.is_file():
        raise FileNotFoundError(src)
    cert = json.loads(src.read_text())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [plot_certificate(cert, out_dir / "fig2_theorem4.png"), plot_certificate(cert, out_dir / "fig2_theorem4.pdf")]
