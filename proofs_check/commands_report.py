"""``infgrad report`` and ``infgrad figures``: the options; the work is in ``report_run.py``."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import device_option, quiet_option, seed_option


@click.command()
@click.option("--profile", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="quick: this laptop-class CPU in minutes; full: larger experiments sized for one GPU.")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Output directory: results.json, report.md, report.html, figures/, data/, claims/.")
@click.option("--fresh", is_flag=True, help="Recompute every check instead of reusing results saved in --out.")
@seed_option
@device_option
@quiet_option
def report(profile: str, out: str, fresh: bool, seed: int, device: str, quiet: bool) -> int:
    """Run every claim's checks and write one Markdown and one HTML report with figures.

    Saved results in --out (same seed and profile) are reused unless --fresh; a check that
    crashed last time is always rerun. Exit 0 when no
    claim fails, 1 when any fails (inconclusive claims are reported, not errors).

    \b
    Examples:
      infgrad report --profile quick --out r/
      infgrad report --profile full --out r-full/ --device cuda --fresh
    """
    from .report import exit_code, print_table
    from .report_run import run_report

    run = run_report(profile=profile, out=out, fresh=fresh, seed=seed, device=device, quiet=quiet)
    report = run.report
    print_table(report, title=f"infgrad report --profile {profile} ({report.extra['wall_seconds']:.1f} s)")
    for f in report.undrawn:
        click.echo(f"figure {f.name}: {f.status}: {f.note}", err=True)
    click.echo(f"wrote {run.json_path}, {run.md_path}, {run.html_path}")
    return exit_code(report, strict=False)


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="A directory written by `infgrad report`: figures are drawn from its data/ into its figures/.")
def figures(out: str) -> int:
    """Redraw the paper's figures from the results saved in --out (never re-trains).

    Exit 2 when --out holds no saved data, 1 when a figure module crashed, else 0 (a figure whose
    data are missing is listed, not an error).

    \b
    Example:
      infgrad figures --out r/
    """
    from .report_run import redraw_figures

    entries = redraw_figures(out)
    for f in entries:
        if f.status == "drawn":
            click.echo(f"{f.name}: " + ", ".join(str(Path(out) / p) for p in f.files))
        else:
            click.echo(f"{f.name}: {f.status}: {f.note}")
    return 1 if any(f.status == "crashed" for f in entries) else 0
