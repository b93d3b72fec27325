"""``infgrad report``: every claim in one Markdown and one HTML report (the work is in
``proofs_check/report_run.py``; the output layout is described there)."""

from __future__ import annotations

import click

from .options import device_option, out_option, profile_option, quiet_option, resolve_device, seed_option


@click.command()
@profile_option
@out_option("Output directory: results.json, report.md, report.html, figures/, data/, claims/.", required=True)
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
    from ..report import exit_code, print_table
    from ..report_run import run_report

    run = run_report(profile=profile, out=out, fresh=fresh, seed=seed, device=resolve_device(device), quiet=quiet)
    report = run.report
    print_table(report, title=f"infgrad report --profile {profile} ({report.extra['wall_seconds']:.1f} s)")
    for f in report.undrawn:
        click.echo(f"figure {f.name}: {f.status}: {f.note}", err=True)
    click.echo(f"wrote {run.json_path}, {run.md_path}, {run.html_path}")
    return exit_code(report, strict=False)
