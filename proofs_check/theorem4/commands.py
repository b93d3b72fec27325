"""``infgrad counterexample`` and ``infgrad certificate check`` (Theorem 4)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..cli.options import seed_option
from ..errors import BadInput


def check_lines(outcome) -> list[str]:
    return [f"{'ok  ' if ok else 'FAIL'} {name}" + (f"  ({detail})" if detail else "") for name, ok, detail in outcome.items]


@click.command()
@click.option("--h", "h", required=True, metavar="EXPR", help="Penalty h on row mean squares, a formula in u, e.g. 'atan(3*u)'.")
@click.option("--g", "g", default="u", show_default=True, metavar="EXPR", help="Penalty g on the reconstruction error, a formula in u.")
@click.option("--d", "d", type=int, required=True, help="Data dimension (d >= kappa).")
@click.option("--kappa", type=int, required=True, help="Latent dimension (kappa > r).")
@click.option("--r", "r", type=int, required=True, help="Manifold dimension (r > 0).")
@click.option("--n", "n", type=int, default=None, help="Samples (r + 2 <= n <= 10^6; default max(2r + 4, 12)).")
@seed_option
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write the certificate (JSON).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, help="Write a Markdown walk-through.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None, help="Draw Fig. 2 for this instance (PNG).")
def counterexample(h: str, g: str, d: int, kappa: int, r: int, n: int | None, seed: int,
                   json_path: str | None, report_path: str | None, plot_path: str | None) -> int:
    """Build and certify a Theorem 4 counterexample for the penalties g and h.

    Formulas use u, numbers, + - * / **, exp, log, sqrt, atan, tanh, sin, cos, Abs, Min, Max,
    Piecewise; nothing else is accepted (exit 2). Exit 0 whenever a certificate is built
    (whatever its verdict), 2 on bad input, 3 when the hypothesis fails and no certificate
    can be built (h = log(u)).

    \b
    Example:
      infgrad counterexample --h "atan(3*u)" --g "u" --d 6 --kappa 4 --r 2 --json cert.json --report cert.md --plot cert.png
    """
    from . import certificate as cw
    from .checker import check
    from .generator import generate
    from .report import markdown, summary_lines

    start = time.perf_counter()
    cert = generate(h, g, d=d, kappa=kappa, r=r, n=n, seed=seed)
    built = time.perf_counter() - start
    for line in summary_lines(cert):
        click.echo(line)
    outcome = check(cert)
    lines = check_lines(outcome)
    click.echo(f"independent check: {'verified' if outcome.ok else 'REJECTED'} ({len(outcome.items)} items; "
               f"built in {built:.2f} s)")
    if json_path:
        cw.write(json_path, cert)
        click.echo(f"wrote {json_path}")
    if plot_path:
        from figures.fig2_theorem4 import plot_certificate

        plot_certificate(cert, plot_path)
        click.echo(f"wrote {plot_path}")
    if report_path:
        rel = None
        if plot_path:
            try:
                rel = str(Path(plot_path).resolve().relative_to(Path(report_path).resolve().parent))
            except ValueError:
                rel = str(Path(plot_path).resolve())
        Path(report_path).write_text(markdown(cert, lines, rel))
        click.echo(f"wrote {report_path}")
    return 0


@click.group()
def certificate() -> None:
    """Work with Theorem 4 certificates.

    \b
    Example:
      infgrad certificate check cert.json
    """


@certificate.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--quiet", is_flag=True, help="Print only the verdict line.")
def check_command(path: str, quiet: bool) -> int:
    """Re-verify a certificate from the file alone (exit 0 verified, 1 rejected, 2 unreadable).

    \b
    Example:
      infgrad certificate check cert.json
    """
    from .checker import CertificateError, check, load

    start = time.perf_counter()
    try:
        outcome = check(load(path))
    except CertificateError as exc:
        raise BadInput(str(exc)) from None
    if not quiet:
        for line in check_lines(outcome):
            click.echo(line)
    seconds = time.perf_counter() - start
    if outcome.ok:
        click.echo(f"certificate {path}: verified ({len(outcome.items)} checks, {seconds:.2f} s)")
        return 0
    click.echo(f"certificate {path}: REJECTED ({len(outcome.failures())} of {len(outcome.items)} checks fail)")
    return 1
