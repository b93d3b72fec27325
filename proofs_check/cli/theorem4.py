"""``infgrad counterexample`` and ``infgrad certificate check`` (Theorem 4)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .options import PLOT_SUFFIXES, Formula, OutputPath, max_memory_option, seed_option, table_option
from infgrad.atomic import write_text

COUNTEREXAMPLE_SECONDS = 120.0   # --time-limit's default (the Python API's too)
# Every numeric or choice option reads its type, range and help from infgrad.params (one table).
FAMILY_OPTION = table_option("family", default="auto")
TRUST_TABLE_OPTION = click.option(
    "--trust-table", is_flag=True,
    help="Accept a penalty given only as a stored value table (no formula); the output says it was trusted.")


def check_lines(outcome) -> list[str]:
    return [f"{'ok  ' if ok else 'FAIL'} {name}" + (f"  ({detail})" if detail else "") for name, ok, detail in outcome.items]


@click.command()
@click.option("--h", "h", type=Formula(), required=True, metavar="EXPR", help="Penalty h on row mean squares, a formula in u, e.g. 'atan(3*u)'.")
@click.option("--g", "g", type=Formula(), default="u", show_default=True, metavar="EXPR", help="Penalty g on the reconstruction error, a formula in u.")
@table_option("theorem4_d", "--d", "d", required=True)
@table_option("theorem4_kappa", "--kappa", "kappa", required=True)
@table_option("theorem4_r", "--r", "r", required=True)
@table_option("theorem4_n", "--n", "n")
@seed_option
@FAMILY_OPTION
@max_memory_option
@click.option("--json", "json_path", type=OutputPath(directory=False), default=None, help="Write the certificate (JSON).")
@click.option("--report", "report_path", type=OutputPath(directory=False), default=None,
              help="Write a Markdown walk-through.")
@click.option("--plot", "plot_path", type=OutputPath(directory=False, suffixes=PLOT_SUFFIXES), default=None,
              help="Draw Fig. 2 for this instance (PNG, or PDF, SVG ... by the name's ending).")
@table_option("counterexample_time_limit", "--time-limit", "time_limit", default=COUNTEREXAMPLE_SECONDS)
def counterexample(h: str, g: str, d: int, kappa: int, r: int, n: int | None, seed: int, family: str,
                   max_memory: int | None, json_path: str | None, report_path: str | None,
                   plot_path: str | None, time_limit: float) -> int:
    """Build and certify a Theorem 4 counterexample for the penalties g and h.

    Formulas use u, numbers, + - * / **, exp, log, sqrt, atan, tanh, sin, cos, Abs, Min, Max,
    Piecewise; nothing else is accepted (exit 2). Exit 0 when the trusted kernel verifies
    the certificate (whatever its verdict: strict, no-minimiser, tie or undecided), 1 when it
    rejects it, 2 on bad input or past --time-limit, 3 when h(0) or g(0) is not finite (h = log(u)).
    The whole command runs in a forked child process, killed at --time-limit (a hard limit: compiled
    code cannot outrun it) and with its address space capped at half the available memory.

    \b
    Example:
      infgrad counterexample --h "atan(3*u)" --g "u" --d 6 --kappa 4 --r 2 --json cert.json --report cert.md --plot cert.png
      infgrad counterexample --h "1" --d 6 --kappa 4 --r 2 --family fixed-scale
    """
    from ..theorem4 import kernel
    from ..theorem4.generate import build as gb
    from ..theorem4.report import markdown, summary_lines

    start = time.perf_counter()
    cert, notes = gb.build(h, g, d=d, kappa=kappa, r=r, n=n, seed=seed, family=family, max_memory=max_memory)
    built = time.perf_counter() - start
    for line in summary_lines(cert, notes):
        click.echo(line)
    # the kernel reads the very bytes --json writes, through its own reader (not the object in memory)
    text = json.dumps(cert, separators=(",", ":"), allow_nan=False) + "\n"
    try:
        outcome = kernel.check(kernel.loads(text.encode("utf-8")))
    except kernel.CertificateError as exc:  # the generator wrote something the kernel cannot read: a rejection
        outcome = kernel.Outcome()
        outcome.add("the kernel can read the certificate", False, str(exc))
    lines = check_lines(outcome)
    click.echo(f"kernel check: {'verified' if outcome.ok else 'REJECTED'} ({len(outcome.items)} items; "
               f"built in {built:.2f} s)")
    if outcome.ok and outcome.values.get("verdict_reason"):
        click.echo(f"  why: {outcome.values['verdict_reason']}")
    for step in outcome.trusted:
        click.echo(f"  trusted: {step}")
    if not outcome.ok:
        for line in lines:
            if line.startswith("FAIL"):
                click.echo(line)
    if json_path is not None:
        write_text(json_path, text)
        click.echo(f"wrote {json_path}")
    if plot_path is not None:
        from infgrad.figures.fig2_theorem4 import plot_certificate

        plot_certificate(cert, notes, plot_path)
        click.echo(f"wrote {plot_path}")
    if report_path is not None:
        rel = None
        if plot_path is not None:
            try:
                rel = str(Path(plot_path).resolve().relative_to(Path(report_path).resolve().parent))
            except ValueError:
                rel = str(Path(plot_path).resolve())
        write_text(report_path, markdown(cert, notes, lines, rel, outcome.values.get("verdict_reason")))
        click.echo(f"wrote {report_path}")
    return 0 if outcome.ok else 1


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
@TRUST_TABLE_OPTION
@max_memory_option
@table_option("check_time_limit", "--time-limit", "time_limit", default=60.0)
def check_command(path: str, quiet: bool, trust_table: bool, max_memory: int | None, time_limit: float) -> int:
    """Re-verify a certificate from the file alone (exit 0 verified, 1 rejected or not
    independently verifiable, 2 unreadable or past --time-limit). The file must be a regular file of at
    most max-memory / 10 bytes. The kernel runs in a forked child process, killed at the time limit (a hard
    limit: compiled code cannot outrun it) and with its address space capped at max-memory.

    \b
    Example:
      infgrad certificate check cert.json
    """
    from ..theorem4.generate.build import default_max_memory
    from ..bounded import run_bounded

    limit = max_memory or default_max_memory()
    return run_bounded(lambda: _check_in_child(path, quiet, trust_table, limit), seconds=time_limit, memory=limit,
                       what="infgrad certificate check", hint="raise --time-limit (or --max-memory)")


def _check_in_child(path: str, quiet: bool, trust_table: bool, limit: int) -> int:
    """The kernel's check and its report (in the child of ``run_bounded``): exit 0, 1, or 2 with one line."""
    from ..theorem4 import kernel

    start = time.perf_counter()
    try:
        outcome = kernel.check(kernel.load(path, max_bytes=limit // 10), trust_table=trust_table)
    except kernel.CertificateError as exc:
        click.echo(f"infgrad: error: {' '.join(str(exc).split())}", err=True)
        return 2
    if not quiet:
        for line in check_lines(outcome):
            click.echo(line)
    seconds = time.perf_counter() - start
    verdict = outcome.values.get("verdict", "?")
    if outcome.ok:
        trusted = " (stored table TRUSTED, not verified)" if outcome.values.get("table_used") else ""
        click.echo(f"certificate {path}: verified{trusted}, verdict {verdict} ({len(outcome.items)} checks, "
                   f"{seconds:.2f} s)")
        for step in outcome.trusted:
            click.echo(f"  trusted: {step}")
        return 0
    if outcome.values.get("table_used") and not trust_table:
        click.echo(f"certificate {path}: not independently verifiable (a penalty is a stored table; "
                   "--trust-table accepts it)")
        return 1
    click.echo(f"certificate {path}: REJECTED ({len(outcome.failures())} of {len(outcome.items)} checks fail)")
    return 1
